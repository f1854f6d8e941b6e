"""Kullback-Leibler Importance Estimation Procedure (Sugiyama et al., 2008)."""

from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed

from .._core import iter_kernel_blocks, pairwise_kernel, rbf_exp
from ..utils._docstrings import FRAGMENTS, Substitution
from ..utils._sklearn import Interval
from ._base import (
    GAMMA_GRID_CONSTRAINT,
    BaseWeighter,
    KernelRatioMixin,
    _grid_edges,
)

__all__ = ["KLIEP"]

_TINY = 1e-300
# Target rows the kernel width is cross-validated on, at most (the centres
# included); the chosen width is then fitted on every target row. With 10^4 rows
# each fold holds out 2000, whose mean log-likelihood has a standard error of a
# few 1e-3 against differences of 1e-2 and more between the widths of the grid.
_CV_MAX_ROWS = 10000


def _kliep_em(A, b, masks, *, max_iter=1000, tol=1e-8, beta0=None):
    """Maximise ``sum_j log((A alpha)_j)`` over ``alpha >= 0, b' alpha = 1``.

    Several row subsets are solved at once. With ``beta = b * alpha`` on the
    simplex and ``P = A / b`` this is the likelihood of a mixture with fixed
    components, whose EM (fixed point) update ``beta <- beta * g(beta)`` with
    ``g = P' (1 / P beta) / n`` stays feasible and never lowers the likelihood. EM
    is accelerated by SQUAREM (Varadhan & Roland, 2008): two EM steps give a
    direction, a step along it is taken (clipped to the simplex) and kept only
    when it does not lower the likelihood (else the two EM steps are kept). Each
    column of ``masks`` selects the rows of one problem (e.g. one
    cross-validation training fold); all problems advance together.

    The loop stops when no problem's mean log-likelihood rises by more than
    ``tol`` in a step, or earlier when optimality is certified: by Jensen's
    inequality the mean log-likelihood of any feasible point exceeds that of
    ``beta`` by at most ``log(max_l g_l(beta))`` (the gradient ``g`` comes free
    with each EM update). The products ``P beta`` are reused between the
    likelihood and the next update (six passes over ``P`` per accelerated step,
    where the plain implementation makes eight).

    Parameters
    ----------
    A : ndarray of shape (n_rows, n_centers)
        Kernel between target rows and centres.
    b : ndarray of shape (n_centers,)
        Mean kernel between source rows and each centre (positive).
    masks : ndarray of shape (n_rows, n_problems)
        0/1 row selections.
    max_iter : int, default=1000
        Maximum number of accelerated steps (three EM updates each).
    tol : float, default=1e-8
        Stop when no problem's mean log-likelihood rises by more than ``tol``, or
        when every problem's certified optimality gap is below ``tol``.
    beta0 : ndarray of shape (n_centers, n_problems), default=None
        Starting mixture weights (each column on the simplex); uniform when None.

    Returns
    -------
    alpha : ndarray of shape (n_centers, n_problems)
    n_iter : int
    """
    P = A / b
    counts = masks.sum(axis=0)
    n_c, n_p = A.shape[1], masks.shape[1]

    def mixture(beta):
        return np.maximum(P @ beta, _TINY)

    def forward(beta):
        mix = mixture(beta)
        ll = (masks * np.log(mix)).sum(axis=0) / counts
        return mix, ll

    def gradient(mix):
        return (P.T @ (masks / mix)) / counts

    if beta0 is None:
        beta = np.full((n_c, n_p), 1.0 / n_c)
    else:
        beta = np.maximum(np.asarray(beta0, dtype=np.float64), 0.0)
        beta /= np.maximum(beta.sum(axis=0), _TINY)
    mix, ll = forward(beta)
    g = gradient(mix)
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        if np.all(np.log(np.maximum(g.max(axis=0), _TINY)) <= tol):
            n_iter -= 1
            break
        # the likelihoods of the points in between are never compared: only
        # their mixtures are computed
        b1 = beta * g
        b2 = b1 * gradient(mixture(b1))
        r = b1 - beta
        v = b2 - b1 - r
        vv = np.einsum("ij,ij->j", v, v)
        step = -np.sqrt(np.einsum("ij,ij->j", r, r) / np.where(vv > 0, vv, np.inf))
        step = np.minimum(step, -1.0)
        cand = beta - 2.0 * step * r + step * step * v
        cand = np.maximum(cand, 0.0)
        cand /= np.maximum(cand.sum(axis=0), _TINY)
        cand = cand * gradient(mixture(cand))
        mix_c, ll_c = forward(cand)
        better = ll_c >= ll
        if better.all():
            new, mix, ll_new = cand, mix_c, ll_c
        else:  # fall back on plain EM where the extrapolation went down
            mix2, ll2 = forward(b2)
            new = np.where(better, cand, b2)
            mix = np.where(better, mix_c, mix2)
            ll_new = np.where(better, ll_c, ll2)
        done = np.all(ll_new - ll <= tol)
        beta, ll = new, ll_new
        g = gradient(mix)
        if done:
            break
    return beta / b[:, None], n_iter


def _kliep_kernels(Xs, Xt, centers, gammas):
    """What every width of the grid needs, from one pass over the rows.

    The squared distances to the centres do not depend on the width: they are
    computed once (by the RBF path of :func:`pairwise_kernel` and
    :func:`iter_kernel_blocks`, whose exponent hook sees them) and each width's
    kernel is the exponential of their multiple. The source rows go by blocks
    (bounded memory), each block giving every width's column sums.

    Returns
    -------
    exponent : ndarray of shape (n_target, n_centers)
        ``-gammas[0] ||x - c||^2`` for the target rows: ``gammas[k]``'s kernel is
        ``rbf_exp(exponent * (gammas[k] / gammas[0]))``.
    b : ndarray of shape (n_gamma, n_centers)
        Mean kernel between the source rows and each centre, for each width
        (at least ``_TINY``).
    """
    g0 = float(gammas[0])
    scales = np.asarray(gammas, dtype=np.float64) / g0
    kept = []

    def keep(E):
        kept.append(E.copy())

    pairwise_kernel(Xt, centers, gamma=g0, exponent_hook=keep)
    sums = np.zeros((scales.size, centers.shape[0]))

    def other_widths(rows, E):
        for k in range(1, scales.size):
            sums[k] += rbf_exp(E * scales[k]).sum(axis=0)

    for _, K in iter_kernel_blocks(Xs, centers, gamma=g0, exponent_hook=other_widths):
        sums[0] += K.sum(axis=0)
    return kept[0], np.maximum(sums / Xs.shape[0], _TINY)


def _kliep_for_gamma(exponent, scale, b, folds, max_iter, tol):
    """Held-out log-likelihood of each fold, and the fit on all target rows.

    The kernel between the target rows and the centres is
    ``rbf_exp(exponent * scale)`` (see :func:`_kliep_kernels`); ``b`` is the mean
    source kernel of each centre.
    """
    A = rbf_exp(exponent * scale)
    n_folds = int(folds.max()) + 1 if folds.size else 0
    masks = np.ones((A.shape[0], n_folds + 1))
    for k in range(n_folds):
        masks[folds == k, k] = 0.0
    # the fit on all rows first; each training fold (four fifths of the rows)
    # starts from it, close to its own optimum, instead of from uniform weights
    full, n_iter = _kliep_em(A, b, masks[:, -1:], max_iter=max_iter, tol=tol)
    if n_folds:
        beta0 = np.repeat(full * b[:, None], n_folds, axis=1)
        # started close to their optimum, the folds stop sooner; their held-out
        # scores stay within about 3e-3 of the converged ones (folds started
        # from uniform weights: 1e-3), well below the differences between widths
        folds_alpha, _ = _kliep_em(
            A, b, masks[:, :-1], max_iter=max_iter, tol=tol, beta0=beta0
        )
        alpha = np.hstack([folds_alpha, full])
    else:
        alpha = full
    scores = np.empty(n_folds)
    for k in range(n_folds):
        held = folds == k
        scores[k] = np.mean(np.log(np.maximum(A[held] @ alpha[:, k], _TINY)))
    return scores, alpha[:, -1], n_iter


def _kliep_refit(Xt, centers, gamma, b, alpha0, max_iter, tol):
    """The fit on all target rows of one width, started from ``alpha0``."""
    A = pairwise_kernel(Xt, centers, gamma=gamma)
    alpha, n_iter = _kliep_em(
        A,
        b,
        np.ones((Xt.shape[0], 1)),
        max_iter=max_iter,
        tol=tol,
        beta0=(alpha0 * b)[:, None],
    )
    return alpha[:, 0], n_iter


@Substitution(**FRAGMENTS)
class KLIEP(KernelRatioMixin, BaseWeighter):
    r"""Kullback-Leibler importance estimation with likelihood cross-validation.

    Models the density ratio ``p_target(x) / p_source(x)`` as a non-negative
    combination of Gaussian kernels centred on target rows, normalised so that its
    source mean is 1, and maximises the likelihood of the target rows. The kernel
    width is chosen by likelihood cross-validation on the target rows (on a
    random 10,000 of them when there are more, so that the choice costs the same
    whatever the size; the chosen width is then fitted on every target row); all
    folds of one width are solved together (vectorised EM), started from the fit
    on all the cross-validation rows, and widths run in parallel with ``n_jobs``.

    When only one domain is present the weights are uniform.

    Parameters
    ----------
    %(kernel_width_grid)s
    n_centers : int, default=100
        Number of target rows used as kernel centres (at most half the target rows
        when the width is cross-validated).
    cv : int, default=5
        Number of folds of the likelihood cross-validation (held-out rows are
        never centres).
    max_iter : int, default=1000
        Maximum number of accelerated EM steps.
    tol : float, default=1e-6
        Stop when the mean log-likelihood rises by less than ``tol``.
    max_weight : float or None, default=5.0
        %(max_weight)s
    n_jobs : int or None, default=None
        Number of kernel widths evaluated in parallel (joblib).
    random_state : int, RandomState instance or None, default=None
        Draws the centres and the folds.

    Attributes
    ----------
    %(weighter_attributes)s
    %(kernel_ratio_attributes)s
    cv_scores_ : ndarray of shape (n_gamma,)
        Mean held-out log-likelihood of each width (higher is better).
    n_iter_ : int
        EM iterations of the selected width.
    %(feature_attributes)s

    See Also
    --------
    ULSIF : Least-squares counterpart, in closed form.

    Notes
    -----
    With :math:`r(x) = \sum_l \alpha_l k(x, c_l)`, KLIEP [1]_ solves

    .. math::

        \max_{\alpha \ge 0} \sum_j \log r(x^t_j)
        \quad\text{s.t.}\quad \frac1{n_s}\sum_i r(x^s_i) = 1 .

    Substituting :math:`\beta_l = \alpha_l b_l` with
    :math:`b_l = \frac1{n_s}\sum_i k(x^s_i, c_l)` turns it into a mixture-weight
    likelihood on the simplex, maximised by the monotone EM update accelerated
    by SQUAREM [2]_.

    References
    ----------
    .. [1] M. Sugiyama, S. Nakajima, H. Kashima, P. von Buenau and M. Kawanabe,
       "Direct Importance Estimation with Model Selection and Its Application to
       Covariate Shift Adaptation", NIPS 2007.
    .. [2] R. Varadhan and C. Roland, "Simple and Globally Convergent Methods for
       Accelerating the Convergence of Any EM Algorithm", Scandinavian Journal of
       Statistics 35, 2008.

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt.reweighting import KLIEP
    >>> rng = np.random.RandomState(0)
    >>> X = np.r_[rng.normal(0, 1, (200, 1)), rng.normal(1, 0.5, (200, 1))]
    >>> sample_domain = np.r_[np.ones(200, int), -np.ones(200, int)]
    >>> est = KLIEP().fit(X, sample_domain=sample_domain)
    >>> w = est.compute_weights(np.array([[-2.0], [1.0]]))
    >>> bool(w[0] < w[1])
    True
    """

    _out_of_sample = True

    _parameter_constraints: dict = {
        **BaseWeighter._parameter_constraints,
        "gamma": GAMMA_GRID_CONSTRAINT,
        "n_centers": [Interval(Integral, 1, None, closed="left")],
        "cv": [Interval(Integral, 2, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        *,
        gamma=None,
        n_centers=100,
        cv=5,
        max_iter=1000,
        tol=1e-6,
        max_weight=5.0,
        n_jobs=None,
        random_state=None,
    ):
        self.gamma = gamma
        self.n_centers = n_centers
        self.cv = cv
        self.max_iter = max_iter
        self.tol = tol
        self.max_weight = max_weight
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _fit_single_domain(self, Xs):
        self.gamma_ = np.nan
        self.n_iter_ = 0

    def _fit_weights(self, Xs, Xt):
        Xs, Xt, rng, gammas = self._start_kernel_fit(Xs, Xt)
        nt = Xt.shape[0]
        perm = rng.permutation(nt)
        # when cross-validating, at most half the target rows are centres
        n_c = min(self.n_centers, nt if len(gammas) == 1 else max(nt // 2, 1))
        centers = Xt[perm[:n_c]]
        folds = np.full(nt, -1)
        rest = perm[n_c:]
        if len(gammas) > 1:
            if rest.size < self.cv:
                raise ValueError(
                    f"KLIEP needs at least n_centers + cv = {n_c + self.cv} target "
                    f"rows to cross-validate the kernel width, got {nt}; give one "
                    "gamma or fewer centres."
                )
            folds[rest] = np.arange(rest.size) % self.cv
        # the width is chosen on at most _CV_MAX_ROWS target rows (the centres
        # and a random subset of the others), then refitted on all of them
        cv_rows = np.sort(perm[:_CV_MAX_ROWS]) if len(gammas) > 1 else np.arange(nt)
        subsample = cv_rows.size < nt
        exponent, b = _kliep_kernels(Xs, Xt[cv_rows], centers, gammas)
        results = Parallel(n_jobs=self.n_jobs)(
            delayed(_kliep_for_gamma)(
                exponent,
                g / gammas[0],
                b[k],
                folds[cv_rows],
                self.max_iter,
                self.tol,
            )
            for k, g in enumerate(gammas)
        )
        scores = np.array(
            [r[0].mean() if r[0].size else 0.0 for r in results], dtype=np.float64
        )
        best = int(np.argmax(scores))
        self._gamma_grid = np.asarray(gammas, dtype=np.float64)
        self.cv_scores_ = scores
        self.gamma_ = float(gammas[best])
        self.coef_ = results[best][1]
        self.n_iter_ = results[best][2]
        if subsample:
            self.coef_, self.n_iter_ = _kliep_refit(
                Xt, centers, self.gamma_, b[best], self.coef_, self.max_iter, self.tol
            )
        self.centers_ = centers
        return self._raw_weights(Xs)

    def _grid_edges(self):
        return _grid_edges({"gamma": (self.gamma_, self._gamma_grid)})
