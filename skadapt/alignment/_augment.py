"""Feature augmentation, "frustratingly easy" domain adaptation (Daume III, 2007)."""

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted, validate_data

from .._base import (
    DATransformerMixin,
    DomainMixin,
    _fit_domains,
    _prediction_domain,
    check_sample_domain,
    labelled_mask,
)
from ..utils._docstrings import FRAGMENTS, Substitution
from ..utils._sklearn import _check_feature_names_in, _fit_context

__all__ = ["FeatureAugmentation"]


@Substitution(**FRAGMENTS)
class FeatureAugmentation(DATransformerMixin, DomainMixin, BaseEstimator):
    r"""Feature augmentation: a shared copy of the features plus one per domain.

    The "frustratingly easy" method of Daume III [1]_: a source row ``x`` becomes
    ``[x, x, 0]`` and a target row ``[x, 0, x]``, so a linear model downstream
    learns weights shared by the domains (first block) plus domain-specific
    corrections. It is a *semi-supervised* method: the final estimator must see
    labelled target rows, so fitting needs at least one target row with a known
    label, which requires an explicit ``sample_domain`` (with metadata routing
    on, in a Pipeline).

    With several source domains each source id gets its own block:
    ``[x, x 1(source 1), ..., x 1(source K), x 1(target)]``, Daume's multi-domain
    form; every target id shares the target block. When only one domain is
    present there is nothing to augment and the transformer is the identity.

    Attributes
    ----------
    domains_ : ndarray of shape (n_blocks,)
        Domain id of each domain-specific block: the sorted source ids then ``-1``
        for the target; empty when only one domain was seen (identity).
    %(feature_attributes)s

    See Also
    --------
    skadapt.LabelledOnly : Fits the final estimator on the labelled rows.

    Notes
    -----
    With ``K`` source domains the map is
    :math:`\Phi(x) = [x, x\,1_{d=1}, \dots, x\,1_{d=K}, x\,1_{d<0}]`, of dimension
    ``(K + 2) n_features``. A row's prediction from a linear model with weights
    ``[w_0, w_1, ..., w_K, w_t]`` is ``x (w_0 + w_d)``: the regularisation of the
    model trades the shared part against the domain-specific parts.

    References
    ----------
    .. [1] H. Daume III, "Frustratingly Easy Domain Adaptation", ACL 2007.

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt import FeatureAugmentation
    >>> X = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> y = np.array([0, 1])
    >>> sample_domain = np.array([1, -1])
    >>> FeatureAugmentation().fit_transform(X, y, sample_domain=sample_domain)
    array([[1., 2., 1., 2., 0., 0.],
           [3., 4., 0., 0., 3., 4.]])
    """

    _parameter_constraints: dict = {}

    def __init__(self):
        pass

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, *, sample_domain=None):
        """Record the domains and check that labelled target rows exist.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Source and target rows.
        y : array-like of shape (n_samples,), default=None
            Labels with unknown ones masked; some target rows must be labelled.
        sample_domain : array-like of shape (n_samples,), default=None
            Domain id of each row: ``>= 1`` source, ``<= -1`` target. Needed to
            mark labelled target rows.

        Returns
        -------
        self : object
            The fitted transformer.
        """
        X = validate_data(
            self, X, dtype=[np.float64, np.float32], accept_sparse=["csr", "csc"]
        )
        sd = _fit_domains(sample_domain, y, X.shape[0], "FeatureAugmentation")
        sources = np.unique(sd[sd > 0])
        if sources.size == 0 or not np.any(sd < 0):
            self.domains_ = np.array([], dtype=np.int64)
            return self
        if y is None or not labelled_mask(y, sd)[sd < 0].any():
            raise ValueError(
                "FeatureAugmentation needs labelled target rows (semi-supervised "
                "adaptation) but no target row has a known label. Pass y with some "
                "target labels known and an explicit sample_domain marking those "
                "rows as target (<= -1); in a Pipeline this needs metadata routing."
            )
        self.domains_ = np.r_[sources, -1].astype(np.int64)
        return self

    @Substitution(**FRAGMENTS)
    def transform(self, X, **params):
        """Build the augmented features.

        Parameters
        ----------
        %(transform_parameters)s

        Returns
        -------
        X_new : {ndarray, sparse matrix} of shape (n_samples, n_features_out)
            ``n_features_out = (n_blocks + 1) * n_features``: the shared block, then
            one block per entry of ``domains_``; a CSR
            matrix when ``X`` is sparse (the blocks are mostly zeros).
        """
        sample_domain = _prediction_domain(params, self)
        check_is_fitted(self, "domains_")
        X = validate_data(
            self,
            X,
            dtype=[np.float64, np.float32],
            reset=False,
            accept_sparse=["csr", "csc"],
        )
        sd = check_sample_domain(sample_domain, None, X.shape[0], predict=True)
        if self.domains_.size == 0:
            return X.copy()
        present = np.unique(sd[sd > 0])
        unknown = np.setdiff1d(present, self.domains_)
        if unknown.size:
            raise ValueError(
                f"sample_domain holds source id(s) {unknown.tolist()} that "
                f"FeatureAugmentation was not fitted on (fitted: "
                f"{self.domains_[:-1].tolist()})."
            )
        sd = np.where(sd < 0, -1, sd)
        if sparse.issparse(X):
            # one block per domain: the rows of that domain, zero elsewhere
            blocks = [X] + [
                sparse.diags((sd == dom).astype(X.dtype)) @ X for dom in self.domains_
            ]
            return sparse.hstack(blocks, format="csr")
        n, d = X.shape
        out = np.zeros((n, d * (self.domains_.size + 1)), dtype=X.dtype)
        out[:, :d] = X
        for j, dom in enumerate(self.domains_, start=1):
            rows = sd == dom
            out[rows, j * d : (j + 1) * d] = X[rows]
        return out

    def get_feature_names_out(self, input_features=None):
        """Names of the output features.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input feature names; ``feature_names_in_`` or ``x0, x1, ...`` when
            None.

        Returns
        -------
        feature_names_out : ndarray of str objects
            ``shared__<name>``, then ``source<k>__<name>`` per source id and
            ``target__<name>``; the input names when only one domain was seen.
        """
        check_is_fitted(self, "domains_")
        names = _check_feature_names_in(self, input_features)
        if self.domains_.size == 0:
            return np.asarray(names, dtype=object)
        prefixes = ["shared"] + [
            f"source{dom}" if dom > 0 else "target" for dom in self.domains_
        ]
        return np.asarray([f"{p}__{n}" for p in prefixes for n in names], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        tags.input_tags.sparse = True
        return tags
