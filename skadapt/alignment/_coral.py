"""CORrelation ALignment (Sun, Feng & Saenko, 2016)."""

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from .._base import (
    DATransformerMixin,
    DomainMixin,
    _fit_domains,
    _prediction_domain,
    check_sample_domain,
)
from .._core import (
    CovarianceAccumulator,
    domain_rows,
    iter_row_blocks,
    ledoit_wolf_shrinkage,
    shrink_covariance,
    sym_sqrt_invsqrt,
)
from ..utils._sklearn import Interval, StrOptions, _fit_context

__all__ = ["CORAL"]


def _regularised(cov, m4, n, reg):
    lw = ledoit_wolf_shrinkage(cov, m4, n) if isinstance(reg, str) else None
    return shrink_covariance(cov, reg, lw_shrinkage=lw)


def _coral_mapping(cov_source, cov_target):
    """Linear part of the CORAL map, ``Cs^{-1/2} Ct^{1/2}`` (row-vector convention).

    Parameters
    ----------
    cov_source : ndarray of shape (d, d)
        Regularised source covariance.
    cov_target : ndarray of shape (d, d)
        Regularised target covariance.

    Returns
    -------
    A : ndarray of shape (d, d)
        A source row ``x`` maps to ``(x - mean_s) @ A + mean_t``.
    """
    _, inv_sqrt_s = sym_sqrt_invsqrt(cov_source)
    sqrt_t, _ = sym_sqrt_invsqrt(cov_target)
    return inv_sqrt_s @ sqrt_t


class CORAL(OneToOneFeatureMixin, DATransformerMixin, DomainMixin, BaseEstimator):
    r"""CORrelation ALignment: match the source's mean and covariance to the target's.

    Each source row is whitened with the (regularised) source covariance, re-coloured
    with the target covariance and moved to the target mean:
    ``x -> (x - mu_s) Cs^{-1/2} Ct^{1/2} + mu_t``. Target rows are left unchanged.
    With several source domains each is mapped onto the (pooled) target domains.

    When only one domain is present (``sample_domain`` not given and no masked label
    in ``y``) there is nothing to align and the transformer is the identity.

    Parameters
    ----------
    reg : float or "auto", default="auto"
        Covariance regularisation. ``"auto"`` shrinks each covariance towards a
        multiple of the identity with the Ledoit-Wolf intensity (sound when features
        outnumber rows or covariances are singular). A float ``r >= 0`` adds
        ``r * trace(C) / n_features`` to the diagonal, a ridge proportional to the
        mean variance so that its effect does not depend on the units of the data;
        ``reg=1`` on standardised features is the original paper's choice.

    Attributes
    ----------
    source_domains_ : ndarray of shape (n_source_domains,)
        Ids of the source domains a map was fitted for; empty when only one domain
        was seen (identity).
    mapping_ : ndarray of shape (n_source_domains, n_features, n_features)
        Linear part ``A_k`` of each source domain's map.
    mean_source_ : ndarray of shape (n_source_domains, n_features)
        Mean ``mu_k`` of each source domain; a row maps to
        ``(x - mu_k) @ A_k + mean_target_``.
    mean_target_ : ndarray of shape (n_features,)
        Mean of the target rows.
    shrinkage_ : dict
        Regularisation used per domain id (the Ledoit-Wolf intensity when
        ``reg="auto"``).
    n_samples_seen_ : dict
        Rows seen per domain id (accumulated by :meth:`partial_fit`).
    n_features_in_ : int
        Number of features seen during :term:`fit`.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when `X` has feature
        names that are all strings.

    See Also
    --------
    skadapt.LabelledOnly : Fits a final estimator on the labelled rows only.
    skadapt.make_da_pipeline : Builds a stock Pipeline around CORAL.

    Notes
    -----
    With :math:`\mu_s, C_s` and :math:`\mu_t, C_t` the means and regularised
    covariances of the source and target rows, a source row maps to

    .. math:: x \mapsto (x - \mu_s)\, C_s^{-1/2} C_t^{1/2} + \mu_t ,

    so the mapped source rows have exactly mean :math:`\mu_t` and covariance
    :math:`C_t^{1/2} C_s^{-1/2} S_s C_s^{-1/2} C_t^{1/2}`, which is :math:`C_t` when
    no regularisation is applied. The original method [1]_ centres nothing and adds
    the identity; keeping the means makes the map correct for regression under
    covariate shift. Matrix square roots come from one symmetric eigendecomposition
    each, with eigenvalues clipped.

    References
    ----------
    .. [1] B. Sun, J. Feng and K. Saenko, "Return of Frustratingly Easy Domain
       Adaptation", AAAI 2016.

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt import CORAL
    >>> rng = np.random.RandomState(0)
    >>> Xs = rng.normal(size=(100, 2))
    >>> Xt = 3 * rng.normal(size=(100, 2)) + 5
    >>> X = np.vstack([Xs, Xt])
    >>> sample_domain = np.r_[np.ones(100, int), -np.ones(100, int)]
    >>> Xs_mapped = CORAL(reg=0).fit_transform(X, sample_domain=sample_domain)[:100]
    >>> np.round(Xs_mapped.mean(axis=0) - Xt.mean(axis=0), 6)
    array([0., 0.])
    """

    _parameter_constraints: dict = {
        "reg": [Interval(Real, 0, None, closed="left"), StrOptions({"auto"})],
    }

    def __init__(self, *, reg="auto"):
        self.reg = reg

    def _reset(self):
        for attr in ("_stats", "n_samples_seen_", "source_domains_", "mapping_"):
            if hasattr(self, attr):
                delattr(self, attr)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, *, sample_domain=None):
        """Fit the map from each source domain onto the target domains.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Source and target rows.
        y : array-like of shape (n_samples,), default=None
            Labels with target labels masked (``-1`` or ``NaN``); used only to infer
            the domains when ``sample_domain`` is None.
        sample_domain : array-like of shape (n_samples,), default=None
            Domain id of each row: ``>= 1`` source, ``<= -1`` target.

        Returns
        -------
        self : object
            The fitted transformer.
        """
        self._reset()
        X = validate_data(self, X, dtype=[np.float64, np.float32])
        sd = _fit_domains(sample_domain, y, X.shape[0], "CORAL")
        self._stats = {}
        self._accumulate(X, sd)
        self._finish()
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None, *, sample_domain=None):
        """Update the domain statistics with a batch of rows, then the map.

        The result after several batches equals one :meth:`fit` on all of them (up
        to rounding), so data larger than memory can stream through.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            A batch of source and/or target rows.
        y : array-like of shape (n_samples,), default=None
            Labels with target labels masked; used to infer the domains when
            ``sample_domain`` is None.
        sample_domain : array-like of shape (n_samples,), default=None
            Domain id of each row.

        Returns
        -------
        self : object
            The updated transformer.
        """
        first = not hasattr(self, "_stats")
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=first)
        sd = check_sample_domain(sample_domain, y, X.shape[0])
        if first:
            self._stats = {}
        self._accumulate(X, sd)
        self._finish()
        return self

    def _accumulate(self, X, sd):
        # every target id is pooled into the single key -1
        for dom, rows in domain_rows(np.where(sd < 0, -1, sd)).items():
            acc = self._stats.get(dom)
            if acc is None:
                acc = self._stats[dom] = CovarianceAccumulator(X.shape[1])
            acc.update(X, rows)

    def _finish(self):
        stats = {
            dom: (acc.n, acc.mean, acc.covariance(), acc.sum_sq_norm_sq())
            for dom, acc in self._stats.items()
        }
        self.n_samples_seen_ = {int(d): int(s[0]) for d, s in stats.items()}
        d = self.n_features_in_
        self.shrinkage_ = {}
        sources = sorted(dom for dom in stats if dom > 0)
        targets = [dom for dom in stats if dom < 0]
        if not sources or not targets:
            self.source_domains_ = np.array([], dtype=np.int64)
            self.mapping_ = np.empty((0, d, d))
            self.mean_source_ = np.empty((0, d))
            pool = stats[sources[0] if sources else targets[0]] if stats else None
            self.mean_target_ = pool[1] if pool is not None else np.zeros(d)
            return
        n_t, mean_t, cov_t, m4_t = stats[targets[0]]
        cov_t_reg, self.shrinkage_[-1] = _regularised(cov_t, m4_t, n_t, self.reg)
        sqrt_t, _ = sym_sqrt_invsqrt(cov_t_reg)
        mappings, means = [], []
        for dom in sources:
            n_s, mean_s, cov_s, m4_s = stats[dom]
            cov_s_reg, self.shrinkage_[dom] = _regularised(cov_s, m4_s, n_s, self.reg)
            _, inv_sqrt_s = sym_sqrt_invsqrt(cov_s_reg)
            A = inv_sqrt_s @ sqrt_t
            mappings.append(A)
            means.append(mean_s)
        self.source_domains_ = np.asarray(sources, dtype=np.int64)
        self._index = {dom: k for k, dom in enumerate(sources)}
        self.mapping_ = np.stack(mappings)
        self.mean_source_ = np.stack(means)
        self.mean_target_ = mean_t

    def transform(self, X, **params):
        """Map source rows onto the target domain; target rows are unchanged.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to transform.
        **params : dict
            Only ``sample_domain`` (array-like of shape (n_samples,)): the domain
            id of each row, in direct calls. Without it every row is a target row
            (the deployed model). It is never routed by metadata routing, so a
            pipeline in a search transforms every row as a target row with routing
            on or off (see :class:`skadapt.model_selection.HoldoutScorer` to score
            source rows as source rows).

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features)
            Transformed rows, in the dtype of ``X``.
        """
        sample_domain = _prediction_domain(params, self)
        check_is_fitted(self, "mapping_")
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        sd = check_sample_domain(sample_domain, None, X.shape[0], predict=True)
        return self._transform(X, sd)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X, y=None, *, sample_domain=None):
        """Fit the maps, then map the source rows of ``X`` (one validation pass).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Source and target rows.
        y : array-like of shape (n_samples,), default=None
            Labels with target labels masked; used to infer the domains when
            ``sample_domain`` is None.
        sample_domain : array-like of shape (n_samples,), default=None
            Domain id of each row.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features)
            Source rows mapped onto the target, target rows unchanged.
        """
        self._reset()
        X = validate_data(self, X, dtype=[np.float64, np.float32])
        sd = _fit_domains(sample_domain, y, X.shape[0], "CORAL")
        self._stats = {}
        self._accumulate(X, sd)
        self._finish()
        return self._transform(X, sd)

    def _transform(self, X, sd):
        if self.source_domains_.size == 0:
            return X.copy()
        out = np.empty_like(X)
        groups = domain_rows(sd)
        unknown = [dom for dom in groups if dom > 0 and dom not in self._index]
        if unknown:
            raise ValueError(
                f"sample_domain holds source id(s) {unknown} that CORAL was "
                f"not fitted on (fitted: {self.source_domains_.tolist()})."
            )
        for dom, rows in groups.items():
            if dom < 0:
                out[rows] = X[rows]
                continue
            k = self._index[dom]
            A = self.mapping_[k].astype(X.dtype, copy=False)
            mu_s = self.mean_source_[k].astype(X.dtype, copy=False)
            mu_t = self.mean_target_.astype(X.dtype, copy=False)
            for block in iter_row_blocks(rows, X.shape[1], X.shape[0]):
                # centre first: x @ A - mu_s @ A would cancel badly when A is large
                centred = X[block] - mu_s
                if isinstance(block, slice):
                    np.matmul(centred, A, out=out[block])
                    out[block] += mu_t
                else:
                    out[block] = centred @ A + mu_t
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
