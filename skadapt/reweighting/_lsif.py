"""Least-squares density-ratio fitting: uLSIF and RuLSIF.

uLSIF (Kanamori et al., 2009) and RuLSIF (Yamada et al., 2011), in closed form with
analytic leave-one-out selection.
"""

from numbers import Integral, Real

import numpy as np
from scipy import linalg
from sklearn.utils import check_random_state

from .._core import pairwise_kernel
from ..utils._docstrings import FRAGMENTS, Substitution
from ..utils._sklearn import Interval
from ._base import (
    GAMMA_GRID_CONSTRAINT,
    BaseWeighter,
    KernelRatioMixin,
    _grid_edges,
)

__all__ = ["RULSIF", "ULSIF"]


def _lsif_solve(Phi_s, Phi_t, alpha, mixture=0.0):
    """Closed-form (R)uLSIF coefficients ``max(0, (H + alpha I)^{-1} h)``.

    ``H = mixture * Phi_t' Phi_t / n_t + (1 - mixture) * Phi_s' Phi_s / n_s`` and
    ``h = mean(Phi_t)``; ``mixture=0`` is uLSIF.

    Returns
    -------
    theta : ndarray of shape (n_centers,)
    """
    H = (1.0 - mixture) * (Phi_s.T @ Phi_s) / Phi_s.shape[0]
    if mixture > 0:
        H += mixture * (Phi_t.T @ Phi_t) / Phi_t.shape[0]
    h = Phi_t.mean(axis=0)
    H.flat[:: H.shape[0] + 1] += alpha
    theta = linalg.solve(H, h, assume_a="pos", check_finite=False)
    return np.maximum(theta, 0.0)


# MiB the per-pair arrays of one block of held-out pairs may take
_LOO_BLOCK_MIB = 16
# Held-out pairs the leave-one-out criterion averages over, at most (a random
# subset; every system still uses all the rows). The criterion is a mean of
# per-pair losses: over 10^4 pairs its standard error is a small fraction of the
# differences between the points of the grid, as for KLIEP's _CV_MAX_ROWS, and
# the cost of the selection stops growing with the rows.
_LOO_MAX_PAIRS = 10000


def _lsif_loo_scores(Phi_s, Phi_t, alphas, mixture=0.0, n_pairs=None, random_state=0):
    """Leave-one-out (R)uLSIF criterion for each regularisation in ``alphas``.

    Rows are held out in pairs (one source, one target row). With ``S = mixture
    Phi_t' Phi_t / (n_t - 1) + (1 - mixture) Phi_s' Phi_s / (n_s - 1)`` each
    leave-pair-out system is a rank-two downdate of ``S + alpha I``, solved for
    every pair at once by the Woodbury identity after one eigendecomposition of
    ``S`` (shared by every ``alpha``). The score is the held-out squared loss
    ``mixture/2 r(x_t)^2 + (1-mixture)/2 r(x_s)^2 - r(x_t)`` (lower is better).

    Every quadratic form of the Woodbury solve is taken in the eigenbasis of
    ``S``, where ``(S + alpha I)^{-1}`` is diagonal, so each ``alpha`` costs one
    product by the eigenvectors (for the clipped coefficients) per block of pairs;
    pairs go in blocks of bounded memory, so the cost is linear in the number of
    pairs and the memory does not grow with it.

    Returns
    -------
    scores : ndarray of shape (len(alphas),)
    """
    ns, nt = Phi_s.shape[0], Phi_t.shape[0]
    m = min(ns, nt) if n_pairs is None else min(ns, nt, n_pairs)
    rng = check_random_state(random_state)
    held_t = rng.choice(nt, m, replace=False)
    held_s = rng.choice(ns, m, replace=False)
    ct, cs = mixture / (nt - 1), (1.0 - mixture) / (ns - 1)
    S = cs * (Phi_s.T @ Phi_s)
    if mixture > 0:
        S += ct * (Phi_t.T @ Phi_t)
    e, Q = linalg.eigh(S, check_finite=False)
    e = np.maximum(e, 0.0)
    b = Q.shape[0]
    Qh = Q.T @ Phi_t.sum(axis=0)
    totals = np.zeros(len(alphas))
    step = max(1, int(_LOO_BLOCK_MIB * 2**20 // (8 * 8 * max(b, 1))))
    for start in range(0, m, step):
        U = Phi_t[held_t[start : start + step]]  # (p, b) held-out target rows
        V = Phi_s[held_s[start : start + step]]  # (p, b) held-out source rows
        QU, QV = U @ Q, V @ Q
        H = (Qh - QU) / (nt - 1)  # h_i = (sum_t - u_i) / (nt - 1), eigenbasis
        for k, alpha in enumerate(alphas):
            inv = 1.0 / (e + alpha)
            iU, iV = QU * inv, QV * inv
            uGu = np.einsum("ib,ib->i", QU, iU)
            uGv = np.einsum("ib,ib->i", QV, iU)
            vGv = np.einsum("ib,ib->i", QV, iV)
            uGh = np.einsum("ib,ib->i", iU, H)
            vGh = np.einsum("ib,ib->i", iV, H)
            # (A - W C W')^{-1} h = G h + G W (I - C W' G W)^{-1} C W' G h
            m11, m12 = 1.0 - ct * uGu, -ct * uGv
            m21, m22 = -cs * uGv, 1.0 - cs * vGv
            r1, r2 = ct * uGh, cs * vGh
            det = m11 * m22 - m12 * m21
            c1 = (m22 * r1 - m12 * r2) / det
            c2 = (-m21 * r1 + m11 * r2) / det
            coef = H * inv
            coef += iU * c1[:, None]
            coef += iV * c2[:, None]
            theta = np.maximum(coef @ Q.T, 0.0)  # back to the centres' basis
            rt = np.einsum("ib,ib->i", U, theta)
            rs = np.einsum("ib,ib->i", V, theta)
            totals[k] += np.sum(
                0.5 * mixture * rt**2 + 0.5 * (1.0 - mixture) * rs**2 - rt
            )
    return totals / m


def _lsif_fit(Xs, Xt, gammas, alphas, mixture, n_centers, rng):
    nt = Xt.shape[0]
    centers = Xt[rng.choice(nt, min(n_centers, nt), replace=False)]
    best = (np.inf, None, None)
    scores = np.empty((len(gammas), len(alphas)))
    for i, g in enumerate(gammas):
        Phi_s = pairwise_kernel(Xs, centers, gamma=g)
        Phi_t = pairwise_kernel(Xt, centers, gamma=g)
        if len(gammas) * len(alphas) > 1:
            scores[i] = _lsif_loo_scores(
                Phi_s,
                Phi_t,
                alphas,
                mixture,
                n_pairs=_LOO_MAX_PAIRS,
                random_state=rng.randint(2**31 - 1),
            )
        else:
            scores[i] = 0.0
        j = int(np.argmin(scores[i]))
        if scores[i, j] < best[0]:
            best = (scores[i, j], g, alphas[j])
    _, gamma, alpha = best
    # recomputed rather than kept: keeping them would double the peak memory
    Phi_s = pairwise_kernel(Xs, centers, gamma=gamma)
    Phi_t = pairwise_kernel(Xt, centers, gamma=gamma)
    theta = _lsif_solve(Phi_s, Phi_t, alpha, mixture)
    return centers, gamma, alpha, theta, scores, Phi_s @ theta


def _check_alpha_grid(alpha):
    grid = np.atleast_1d(np.asarray(alpha, dtype=np.float64)).ravel()
    if grid.size == 0 or not np.all(np.isfinite(grid)) or np.any(grid <= 0):
        raise ValueError(f"The regularisation alpha must be > 0, got {alpha!r}.")
    return grid


# The parameters and fitted attributes ULSIF and RULSIF share, as fragments
# substituted at four spaces (a class docstring's entries).
_LSIF_FRAGMENTS = dict(FRAGMENTS)
_LSIF_FRAGMENTS["lsif_parameters"] = (
    """%(kernel_width_grid)s
    alpha : float or array-like of float, default=(1e-3, 1e-2, 1e-1, 1)
        Ridge regularisations to choose from, each positive.
    n_centers : int, default=100
        Number of target rows used as kernel centres.
    max_weight : float or None, default=5.0
        %(max_weight)s
    random_state : int, RandomState instance or None, default=None
        Draws the centres and the held-out pairs."""
    % FRAGMENTS
)
_LSIF_FRAGMENTS["lsif_attributes"] = (
    """%(weighter_attributes)s
    %(kernel_ratio_attributes)s
    alpha_ : float
        Selected regularisation.
    cv_scores_ : ndarray of shape (n_gamma, n_alpha)
        Leave-one-out criterion over the grid (lower is better).
    %(feature_attributes)s"""
    % FRAGMENTS
)


class _LSIFBase(KernelRatioMixin, BaseWeighter):
    _out_of_sample = True

    _parameter_constraints: dict = {
        **BaseWeighter._parameter_constraints,
        "gamma": GAMMA_GRID_CONSTRAINT,
        "alpha": [Interval(Real, 0, None, closed="neither"), "array-like"],
        "n_centers": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def _mixture(self):
        return 0.0

    def _fit_single_domain(self, Xs):
        self.gamma_ = self.alpha_ = np.nan

    def _fit_weights(self, Xs, Xt):
        Xs, Xt, rng, gammas = self._start_kernel_fit(Xs, Xt)
        alphas = _check_alpha_grid(self.alpha)
        self._grids = (np.asarray(gammas, float), np.asarray(alphas, float))
        (
            self.centers_,
            self.gamma_,
            self.alpha_,
            self.coef_,
            self.cv_scores_,
            raw,
        ) = _lsif_fit(Xs, Xt, gammas, alphas, self._mixture(), self.n_centers, rng)
        return raw

    def _grid_edges(self):
        gammas, alphas = self._grids
        return _grid_edges(
            {"gamma": (self.gamma_, gammas), "alpha": (self.alpha_, alphas)}
        )


@Substitution(**_LSIF_FRAGMENTS)
class ULSIF(_LSIFBase):
    r"""Unconstrained least-squares importance fitting (uLSIF).

    Models the density ratio ``p_target(x) / p_source(x)`` as a non-negative
    combination of Gaussian kernels centred on target rows, fitted by least
    squares in closed form. Kernel width and regularisation are chosen by the
    analytic leave-one-out criterion over a grid, at the cost of one
    eigendecomposition per width.

    When only one domain is present the weights are uniform.

    Parameters
    ----------
    %(lsif_parameters)s

    Attributes
    ----------
    %(lsif_attributes)s

    See Also
    --------
    RULSIF : The relative (bounded) density ratio.
    KLIEP : The likelihood-based counterpart.

    Notes
    -----
    With :math:`\phi(x) = (k(x, c_l))_l`, :math:`H = \frac1{n_s}\sum_i
    \phi(x^s_i)\phi(x^s_i)^\top` and :math:`h = \frac1{n_t}\sum_j \phi(x^t_j)`,
    uLSIF [1]_ minimises :math:`\frac12\theta^\top H\theta - h^\top\theta +
    \frac\alpha2\|\theta\|^2`, i.e. :math:`\theta = \max(0, (H+\alpha I)^{-1}h)`,
    and :math:`r(x) = \phi(x)^\top\theta`. Leaving out one source and one target
    row changes :math:`H` and :math:`h` by rank-two terms, so every leave-one-out
    solution follows from the Woodbury identity. The weights are
    :math:`r(x^s_i)` rescaled to mean 1.

    References
    ----------
    .. [1] T. Kanamori, S. Hido and M. Sugiyama, "A Least-squares Approach to
       Direct Importance Estimation", JMLR 10, 2009.

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt.reweighting import ULSIF
    >>> rng = np.random.RandomState(0)
    >>> X = np.r_[rng.normal(0, 1, (200, 1)), rng.normal(1, 0.5, (200, 1))]
    >>> sample_domain = np.r_[np.ones(200, int), -np.ones(200, int)]
    >>> est = ULSIF().fit(X, sample_domain=sample_domain)
    >>> w = est.compute_weights(np.array([[-2.0], [1.0]]))
    >>> bool(w[0] < w[1])
    True
    """

    def __init__(
        self,
        *,
        gamma=None,
        alpha=(1e-3, 1e-2, 1e-1, 1.0),
        n_centers=100,
        max_weight=5.0,
        random_state=None,
    ):
        self.gamma = gamma
        self.alpha = alpha
        self.n_centers = n_centers
        self.max_weight = max_weight
        self.random_state = random_state


@Substitution(**_LSIF_FRAGMENTS)
class RULSIF(_LSIFBase):
    r"""Relative unconstrained least-squares importance fitting (RuLSIF).

    Estimates the *relative* density ratio
    ``p_t(x) / (mixture p_t(x) + (1 - mixture) p_s(x))``, which is bounded by
    ``1 / mixture`` and therefore smoother and safer than the plain ratio, with the
    same closed form and analytic leave-one-out selection as :class:`ULSIF`.

    When only one domain is present the weights are uniform.

    Parameters
    ----------
    mixture : float, default=0.1
        The mixing proportion ``alpha`` of Yamada et al. [1]_, in ``[0, 1)``;
        ``0`` gives uLSIF.
    %(lsif_parameters)s

    Attributes
    ----------
    %(lsif_attributes)s

    See Also
    --------
    ULSIF : The plain density ratio (``mixture=0``).

    Notes
    -----
    With :math:`H = \beta \frac1{n_t}\sum_j \phi(x^t_j)\phi(x^t_j)^\top +
    (1-\beta)\frac1{n_s}\sum_i \phi(x^s_i)\phi(x^s_i)^\top` (:math:`\beta` is
    ``mixture``), RuLSIF [1]_ takes :math:`\theta = \max(0,(H+\alpha
    I)^{-1}h)`; the leave-one-out criterion is
    :math:`\frac\beta2 r(x^t)^2 + \frac{1-\beta}2 r(x^s)^2 - r(x^t)` on held-out
    pairs, computed for all pairs at once by the Woodbury identity.

    References
    ----------
    .. [1] M. Yamada, T. Suzuki, T. Kanamori, H. Hachiya and M. Sugiyama,
       "Relative Density-Ratio Estimation for Robust Distribution Comparison",
       NIPS 2011.

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt.reweighting import RULSIF
    >>> rng = np.random.RandomState(0)
    >>> X = np.r_[rng.normal(0, 1, (200, 1)), rng.normal(1, 0.5, (200, 1))]
    >>> sample_domain = np.r_[np.ones(200, int), -np.ones(200, int)]
    >>> est = RULSIF().fit(X, sample_domain=sample_domain)
    >>> round(float(est.weights_.mean()), 6)
    1.0
    """

    _parameter_constraints: dict = {
        **_LSIFBase._parameter_constraints,
        "mixture": [Interval(Real, 0, 1, closed="left")],
    }

    def __init__(
        self,
        *,
        mixture=0.1,
        gamma=None,
        alpha=(1e-3, 1e-2, 1e-1, 1.0),
        n_centers=100,
        max_weight=5.0,
        random_state=None,
    ):
        self.mixture = mixture
        self.gamma = gamma
        self.alpha = alpha
        self.n_centers = n_centers
        self.max_weight = max_weight
        self.random_state = random_state

    def _mixture(self):
        return float(self.mixture)
