"""Multi-source linear Monge alignment: every domain onto a Gaussian barycentre."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin
from sklearn.utils.validation import validate_data

from .._base import DATransformerMixin, DomainMixin, _fit_domains
from .._core import (
    domain_rows,
    gaussian_barycenter,
    gaussian_monge_map,
    mean_cov,
    regularised_covariance,
)
from ..utils._docstrings import FRAGMENTS, Substitution
from ..utils._sklearn import Interval, StrOptions, _fit_context
from ._base import check_transform

__all__ = ["LinearMongeAlignment"]


@Substitution(**FRAGMENTS)
class LinearMongeAlignment(
    OneToOneFeatureMixin, DATransformerMixin, DomainMixin, BaseEstimator
):
    r"""Map every domain onto the Wasserstein barycentre of their Gaussian fits.

    Each domain (every source domain, and the pooled target domains) is summarised
    by its mean and regularised covariance. Their Wasserstein barycentre is a
    Gaussian whose mean is the average of the means and whose covariance is the
    Bures-Wasserstein barycentre of the covariances, and every domain is moved
    onto it by its linear Monge map [1]_ [2]_. Unlike
    :class:`~skadapt.alignment.LinearOTMapping`, which moves the sources onto the
    target and leaves the target alone, all domains meet in the middle, so no
    domain's geometry is imposed on the others; the target rows are mapped too,
    at fit and at transform time (``transform`` without ``sample_domain`` maps
    every row as a target row).

    When only one domain is present its barycentre is itself and the transformer
    is the identity.

    Parameters
    ----------
    reg : float or "auto", default="auto"
        Covariance regularisation. ``"auto"`` shrinks each covariance with the
        Ledoit-Wolf intensity; a float ``r >= 0`` adds ``r * trace(C) /
        n_features`` to the diagonal (a ridge proportional to the mean variance).
    max_iter : int, default=100
        Fixed-point iterations of the covariance barycentre.
    tol : float, default=1e-10
        Stop when the relative Frobenius change of the barycentre covariance is
        below ``tol``.

    Attributes
    ----------
    domains_ : ndarray of shape (n_domains,)
        Ids of the domains: the source ids in increasing order, then ``-1`` (all
        target domains pooled). Empty when only one domain was seen.
    mapping_ : ndarray of shape (n_domains, n_features, n_features)
        Symmetric linear part ``A_k`` of each domain's map; a row maps to
        ``(x - means_[k]) @ A_k + barycenter_mean_``.
    means_ : ndarray of shape (n_domains, n_features)
        Mean of each domain.
    barycenter_mean_ : ndarray of shape (n_features,)
        Mean of the barycentre (the average of the domain means).
    barycenter_covariance_ : ndarray of shape (n_features, n_features)
        Covariance of the barycentre.
    shrinkage_ : dict
        Regularisation used per domain id.
    n_iter_ : int
        Fixed-point iterations run.
    %(feature_attributes)s

    See Also
    --------
    skadapt.alignment.LinearOTMapping : The sources onto the target.

    Notes
    -----
    With uniform weights :math:`w_k = 1/K` over the :math:`K` domains, the
    barycentre of :math:`N(\mu_k, \Sigma_k)` is :math:`N(\bar\mu, \bar\Sigma)`
    with :math:`\bar\mu = \sum_k w_k \mu_k` and :math:`\bar\Sigma` the fixed
    point of :math:`\bar\Sigma = \sum_k w_k (\bar\Sigma^{1/2} \Sigma_k
    \bar\Sigma^{1/2})^{1/2}`, reached by the iteration of Álvarez-Esteban et
    al. [3]_ (each matrix function one symmetric eigendecomposition with clipped
    eigenvalues). Domain :math:`k` maps by

    .. math:: T_k(x) = \bar\mu + A_k (x - \mu_k), \qquad
              A_k = \Sigma_k^{-1/2} (\Sigma_k^{1/2} \bar\Sigma
              \Sigma_k^{1/2})^{1/2} \Sigma_k^{-1/2},

    so that :math:`A_k \Sigma_k A_k = \bar\Sigma`: with ``reg=0`` every mapped
    domain has exactly the barycentre's mean and covariance.

    References
    ----------
    .. [1] T. Gnassounou, R. Flamary and A. Gramfort, "Convolutional Monge
       mapping normalization for learning on sleep data", NeurIPS 2023.
    .. [2] M. Agueh and G. Carlier, "Barycenters in the Wasserstein space", SIAM
       Journal on Mathematical Analysis 43(2), 2011.
    .. [3] P. C. Álvarez-Esteban, E. del Barrio, J. A. Cuesta-Albertos and C.
       Matrán, "A fixed-point approach to barycenters in Wasserstein space",
       Journal of Mathematical Analysis and Applications 441(2), 2016.

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt.transport import LinearMongeAlignment
    >>> rng = np.random.RandomState(0)
    >>> X = np.r_[rng.normal(size=(100, 2)),             # source 1
    ...           2.0 * rng.normal(size=(100, 2)) + 4.0]  # target
    >>> sd = np.r_[np.ones(100, int), -np.ones(100, int)]
    >>> Xm = LinearMongeAlignment(reg=0).fit_transform(X, sample_domain=sd)
    >>> np.allclose(Xm[:100].mean(axis=0), Xm[100:].mean(axis=0))
    True
    >>> np.allclose(np.cov(Xm[:100].T), np.cov(Xm[100:].T))
    True
    """

    _parameter_constraints: dict = {
        "reg": [Interval(Real, 0, None, closed="left"), StrOptions({"auto"})],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, *, reg="auto", max_iter=100, tol=1e-10):
        self.reg = reg
        self.max_iter = max_iter
        self.tol = tol

    @_fit_context(prefer_skip_nested_validation=True)
    @Substitution(**FRAGMENTS)
    def fit(self, X, y=None, *, sample_domain=None):
        """Fit the barycentre of all domains and the map of each domain onto it.

        %(transformer_fit)s
        """
        X = validate_data(self, X, dtype=[np.float64, np.float32])
        sd = _fit_domains(sample_domain, y, X.shape[0], "LinearMongeAlignment")
        d = X.shape[1]
        groups = domain_rows(np.where(sd < 0, -1, sd))
        self.shrinkage_ = {}
        self.n_iter_ = 0
        if len(groups) < 2:
            self.domains_ = np.array([], dtype=np.int64)
            self.mapping_ = np.empty((0, d, d))
            self.means_ = np.empty((0, d))
            Xd = X[next(iter(groups.values()))] if groups else X
            mean, cov = mean_cov(Xd)
            self.barycenter_mean_, self.barycenter_covariance_ = mean, cov
            return self
        domains = sorted(dom for dom in groups if dom > 0) + [-1]
        means, covs = [], []
        for dom in domains:
            Xd = X[groups[dom]]
            mean, cov, m4 = mean_cov(Xd, fourth_moment=True)
            cov_reg, self.shrinkage_[dom] = regularised_covariance(
                cov, m4, Xd.shape[0], self.reg
            )
            means.append(mean)
            covs.append(cov_reg)
        bary, self.n_iter_ = gaussian_barycenter(
            np.stack(covs), max_iter=self.max_iter, tol=self.tol
        )
        self.domains_ = np.asarray(domains, dtype=np.int64)
        self.means_ = np.stack(means)
        self.barycenter_mean_ = self.means_.mean(axis=0)
        self.barycenter_covariance_ = bary
        self.mapping_ = np.stack([gaussian_monge_map(C, bary) for C in covs])
        return self

    @Substitution(**FRAGMENTS)
    def transform(self, X, **params):
        """Map the rows of every domain onto the barycentre.

        Target rows, and every row without ``sample_domain``, are mapped by the
        target map.

        Parameters
        ----------
        %(transform_parameters)s

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features)
            Transformed rows, in the dtype of ``X``.
        """
        X, sd = check_transform(self, X, params, fitted="mapping_", domains="domains_")
        out = X.copy()
        if self.domains_.size == 0:
            return out
        sd = np.where(sd < 0, -1, sd)
        centre = self.barycenter_mean_.astype(X.dtype, copy=False)
        for k, dom in enumerate(self.domains_):
            rows = sd == dom
            if rows.any():
                A = self.mapping_[k].astype(X.dtype, copy=False)
                mu = self.means_[k].astype(X.dtype, copy=False)
                out[rows] = (X[rows] - mu) @ A + centre
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
