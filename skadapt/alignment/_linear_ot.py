"""Linear optimal-transport (Gaussian Monge) map between two domains."""

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin
from sklearn.utils.validation import validate_data

from .._base import (
    DATransformerMixin,
    DomainMixin,
    _fit_domains,
)
from .._core import (
    domain_rows,
    gaussian_monge_map,
    mean_cov,
    regularised_covariance,
)
from ..utils._docstrings import FRAGMENTS, Substitution
from ..utils._sklearn import Interval, StrOptions, _fit_context
from ._rowmap import AffineSourceMapMixin

__all__ = ["LinearOTMapping"]


@Substitution(**FRAGMENTS)
class LinearOTMapping(
    AffineSourceMapMixin,
    OneToOneFeatureMixin,
    DATransformerMixin,
    DomainMixin,
    BaseEstimator,
):
    r"""Linear optimal-transport map: the Monge map between Gaussian fits.

    Each domain is summarised by its mean and (regularised) covariance, and source
    rows are moved by the optimal transport map between the two Gaussians for the
    squared Euclidean cost [1]_, a symmetric linear map plus an offset. Unlike
    :class:`CORAL`, whose whitening-recolouring map is one of many that match the
    covariances, this map moves the rows as little as possible in mean squared
    distance. Target rows are left unchanged.

    With several source domains each is mapped onto the (pooled) target domains.
    When only one domain is present there is nothing to align and the transformer
    is the identity.

    Parameters
    ----------
    reg : float or "auto", default="auto"
        Covariance regularisation. ``"auto"`` shrinks each covariance with the
        Ledoit-Wolf intensity; a float ``r >= 0`` adds ``r * trace(C) / n_features``
        to the diagonal (a ridge proportional to the mean variance, so its effect
        does not depend on the units of the data). ``reg=0`` maps a source
        Gaussian exactly onto the target Gaussian.

    Attributes
    ----------
    source_domains_ : ndarray of shape (n_source_domains,)
        Ids of the source domains a map was fitted for; empty when only one domain
        was seen (identity).
    mapping_ : ndarray of shape (n_source_domains, n_features, n_features)
        Symmetric linear part ``A_k`` of each source domain's map.
    mean_source_ : ndarray of shape (n_source_domains, n_features)
        Mean ``mu_k`` of each source domain; a row maps to
        ``(x - mu_k) @ A_k + mean_target_``.
    mean_target_ : ndarray of shape (n_features,)
        Mean of the target rows.
    shrinkage_ : dict
        Regularisation used per domain id.
    %(feature_attributes)s

    See Also
    --------
    CORAL : Whitening and re-colouring instead of the optimal map.

    Notes
    -----
    For :math:`N(\mu_s, C_s)` and :math:`N(\mu_t, C_t)` the optimal transport map
    for the squared Euclidean cost is [1]_ [2]_

    .. math:: T(x) = \mu_t + A (x - \mu_s), \qquad
              A = C_s^{-1/2} \big(C_s^{1/2} C_t C_s^{1/2}\big)^{1/2} C_s^{-1/2},

    which satisfies :math:`A C_s A = C_t`: the mapped source rows have exactly the
    target mean and, with ``reg=0``, the target covariance. Both matrix functions
    come from a symmetric eigendecomposition with clipped eigenvalues.

    References
    ----------
    .. [1] I. Olkin and F. Pukelsheim, "The distance between two random vectors
       with given dispersion matrices", Linear Algebra and its Applications 48,
       1982.
    .. [2] R. Flamary, K. Lounici and A. Ferrari, "Concentration bounds for linear
       Monge mapping estimation and optimal transport domain adaptation",
       arXiv:1905.10155, 2019.

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt import LinearOTMapping
    >>> rng = np.random.RandomState(0)
    >>> Xs = rng.normal(size=(100, 2))
    >>> Xt = rng.normal(size=(100, 2)) @ [[2.0, 0.5], [0.0, 1.0]] + 3
    >>> X = np.vstack([Xs, Xt])
    >>> sample_domain = np.r_[np.ones(100, int), -np.ones(100, int)]
    >>> ot = LinearOTMapping(reg=0)
    >>> Xs_mapped = ot.fit_transform(X, sample_domain=sample_domain)[:100]
    >>> np.allclose(np.cov(Xs_mapped.T), np.cov(Xt.T))
    True
    """

    _parameter_constraints: dict = {
        "reg": [Interval(Real, 0, None, closed="left"), StrOptions({"auto"})],
    }

    def __init__(self, *, reg="auto"):
        self.reg = reg

    @_fit_context(prefer_skip_nested_validation=True)
    @Substitution(**FRAGMENTS)
    def fit(self, X, y=None, *, sample_domain=None):
        """Fit the map from each source domain onto the target domains.

        %(transformer_fit)s
        """
        X = validate_data(self, X, dtype=[np.float64, np.float32])
        sd = _fit_domains(sample_domain, y, X.shape[0], "LinearOTMapping")
        d = X.shape[1]
        stats = {}
        for dom, rows in domain_rows(np.where(sd < 0, -1, sd)).items():
            Xd = X[rows]
            stats[dom] = (Xd.shape[0],) + mean_cov(Xd, fourth_moment=True)
        self.shrinkage_ = {}
        sources = sorted(dom for dom in stats if dom > 0)
        targets = [dom for dom in stats if dom < 0]
        if not sources or not targets:
            self.source_domains_ = np.array([], dtype=np.int64)
            self.mapping_ = np.empty((0, d, d))
            self.mean_source_ = np.empty((0, d))
            self.mean_target_ = next(iter(stats.values()))[1]
            return self
        n_t, mean_t, cov_t, m4_t = stats[targets[0]]
        cov_t_reg, self.shrinkage_[-1] = regularised_covariance(
            cov_t, m4_t, n_t, self.reg
        )
        mappings, means = [], []
        for dom in sources:
            n_s, mean_s, cov_s, m4_s = stats[dom]
            cov_s_reg, self.shrinkage_[dom] = regularised_covariance(
                cov_s, m4_s, n_s, self.reg
            )
            A = gaussian_monge_map(cov_s_reg, cov_t_reg)
            mappings.append(A)
            means.append(mean_s)
        self.source_domains_ = np.asarray(sources, dtype=np.int64)
        self.mapping_ = np.stack(mappings)
        self.mean_source_ = np.stack(means)
        self.mean_target_ = mean_t
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
