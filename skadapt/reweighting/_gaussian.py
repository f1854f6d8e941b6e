"""Density ratio of two fitted Gaussians."""

from numbers import Real

import numpy as np
from scipy import linalg

from .._core import ledoit_wolf_shrinkage, mean_cov, shrink_covariance
from ..utils._docstrings import FRAGMENTS, Substitution
from ..utils._sklearn import Interval, StrOptions
from ._base import BaseWeighter

__all__ = ["GaussianDensityRatio"]


def _gaussian_logpdf_parts(X, mean, cov):
    """``-0.5 * Mahalanobis^2 - 0.5 * log det`` (the constant cancels in ratios)."""
    c = linalg.cho_factor(cov, lower=True, check_finite=False)
    Z = linalg.solve_triangular(c[0], (X - mean).T, lower=True, check_finite=False)
    logdet = 2.0 * np.sum(np.log(np.diag(c[0])))
    return -0.5 * np.einsum("ij,ij->j", Z, Z) - 0.5 * logdet


@Substitution(**FRAGMENTS)
class GaussianDensityRatio(BaseWeighter):
    r"""Density ratio of a Gaussian fitted to the target over one fitted to the source.

    Each domain is modelled by a multivariate normal with its mean and a shrunk
    covariance; the weight of a row is the ratio of the two densities, computed in
    log space. Exact when both domains are Gaussian, fast at any size, and a
    sensible first baseline for covariate shift in the first two moments.

    When only one domain is present the weights are uniform.

    Parameters
    ----------
    reg : float or "auto", default="auto"
        Covariance regularisation: ``"auto"`` shrinks with the Ledoit-Wolf
        intensity; a float ``r`` adds ``r * trace(C) / n_features`` to the diagonal.
    max_weight : float or None, default=5.0
        %(max_weight)s
    power : float in (0, 1] or "auto", default="auto"
        Exponent applied to the ratio, ``w = r^power``. ``1`` is the plain ratio.
        ``"auto"`` takes ``min(1, 1 / std(log r))`` over the source rows, so the
        log-weights have a standard deviation of at most one and the effective
        sample size stays near ``exp(-1)`` of the source rows or above. In many
        dimensions the log ratio of two fitted Gaussians can spread over hundreds
        of nats, the plain ratio then leaves a handful of rows and the weighted
        model collapses; tempering keeps the ranking of the rows.

    Attributes
    ----------
    %(weighter_attributes)s
    means_ : ndarray of shape (2, n_features)
        Source and target means.
    covariances_ : ndarray of shape (2, n_features, n_features)
        Regularised source and target covariances.
    power_ : float
        The exponent applied to the ratio.
    %(feature_attributes)s

    See Also
    --------
    ClassifierDensityRatio : A logistic regression gives the same family of ratios
        when the covariances are equal.

    Notes
    -----
    .. math::

        w(x) \propto \frac{\mathcal N(x; \mu_t, \Sigma_t)}
        {\mathcal N(x; \mu_s, \Sigma_s)} ,

    the density-ratio view of covariate shift of Shimodaira [1]_; the log ratio
    is shifted by its maximum over the source rows before exponentiating.

    References
    ----------
    .. [1] %(shimodaira_2000)s

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt.reweighting import GaussianDensityRatio
    >>> rng = np.random.RandomState(0)
    >>> X = np.r_[rng.normal(0, 1, (500, 1)), rng.normal(1, 1, (500, 1))]
    >>> sample_domain = np.r_[np.ones(500, int), -np.ones(500, int)]
    >>> est = GaussianDensityRatio(reg=0.0, power=1.0)
    >>> est = est.fit(X, sample_domain=sample_domain)
    >>> w = est.compute_weights(np.array([[0.0], [1.0]]))
    >>> round(float(np.log(w[1] / w[0])), 1)  # true log ratio: 1.0
    1.0
    """

    _out_of_sample = True

    _parameter_constraints: dict = {
        **BaseWeighter._parameter_constraints,
        "reg": [Interval(Real, 0, None, closed="left"), StrOptions({"auto"})],
        "power": [Interval(Real, 0, 1, closed="right"), StrOptions({"auto"})],
    }

    def __init__(self, *, reg="auto", max_weight=5.0, power="auto"):
        self.reg = reg
        self.max_weight = max_weight
        self.power = power

    def _moments(self, X):
        mean, cov, m4 = mean_cov(X, fourth_moment=True)
        lw = (
            ledoit_wolf_shrinkage(cov, m4, X.shape[0])
            if isinstance(self.reg, str)
            else None
        )
        cov, _ = shrink_covariance(cov, self.reg, lw_shrinkage=lw)
        d = cov.shape[0]
        floor = 1e-10 * max(np.trace(cov) / d, 1e-300)
        cov.flat[:: d + 1] += floor
        return mean, cov

    def _fit_single_domain(self, Xs):
        self.power_ = 1.0
        mean, cov = self._moments(Xs)
        self.means_ = np.stack([mean, mean])
        self.covariances_ = np.stack([cov, cov])

    def _fit_weights(self, Xs, Xt):
        ms, cs = self._moments(Xs)
        mt, ct = self._moments(Xt)
        self.means_ = np.stack([ms, mt])
        self.covariances_ = np.stack([cs, ct])
        log_r = self._log_ratio(Xs)
        if self.power == "auto":
            spread = float(np.std(log_r))
            self.power_ = min(1.0, 1.0 / spread) if spread > 0 else 1.0
        else:
            self.power_ = float(self.power)
        self._offset = float(np.max(log_r))
        return np.exp(self.power_ * (log_r - self._offset))

    def _log_ratio(self, X):
        X = np.asarray(X, dtype=np.float64)
        return _gaussian_logpdf_parts(
            X, self.means_[1], self.covariances_[1]
        ) - _gaussian_logpdf_parts(X, self.means_[0], self.covariances_[0])

    def _raw_weights(self, X):
        log_w = self.power_ * (self._log_ratio(X) - self._offset)
        return np.exp(np.minimum(log_w, 700.0))
