"""Kernel Mean Matching (Huang et al., 2007) with a solver written for its QP."""

import warnings
from numbers import Integral, Real

import numpy as np
from scipy import linalg
from scipy.linalg import blas
from sklearn.utils import check_random_state, gen_batches

from .._core import (
    DEFAULT_MAX_WEIGHT,
    check_dense_memory,
    coverage_radius,
    coverage_rows,
    iter_kernel_blocks,
    kernel_matvec,
    pairwise_kernel,
    rbf_path,
)
from ..utils._docstrings import FRAGMENTS, Substitution
from ..utils._sklearn import Hidden, Interval, StrOptions, get_chunk_n_rows
from ._base import GAMMA_CONSTRAINT, BaseWeighter, _deprecated_gamma, resolve_gamma

__all__ = ["KMM"]


def _knots_and_sums(v, upper):
    """Knots of ``S(tau) = sum(clip(v - tau, 0, upper))`` and ``S`` at each knot."""
    n = v.shape[0]
    knots = np.sort(np.concatenate([v, v - upper]))
    vs = np.sort(v)
    cs = np.r_[0.0, np.cumsum(vs[::-1])]  # cs[k] = sum of the k largest v
    us = vs - upper if np.ndim(upper) == 0 else np.sort(v - upper)
    cu = np.r_[0.0, np.cumsum(us[::-1])]
    k_v = n - np.searchsorted(vs, knots, side="right")  # count of v_i > tau
    k_u = n - np.searchsorted(us, knots, side="right")
    S = (cs[k_v] - k_v * knots) - (cu[k_u] - k_u * knots)
    return knots, S


def _root(knots, S, c_tau, c_S, c0):
    """Solve ``c_tau tau + c_S S(tau) + c0 = 0`` for ``tau``.

    The left side is non-decreasing in ``tau`` and linear between knots; ``S`` is
    constant outside them.
    """
    g = c_tau * knots + c_S * S + c0
    j = int(np.searchsorted(g, 0.0, side="left"))
    if j == 0:
        return knots[0] - g[0] / c_tau if c_tau > 0 else knots[0]
    if j >= knots.shape[0]:
        return knots[-1] - g[-1] / c_tau if c_tau > 0 else knots[-1]
    t0, t1, g0, g1 = knots[j - 1], knots[j], g[j - 1], g[j]
    return t0 if g1 == g0 else t0 - g0 * (t1 - t0) / (g1 - g0)


def _project_box_slab(v, upper, lo, hi, metric=0.0):
    """Projection onto ``{w : 0 <= w <= upper, lo <= sum(w) <= hi}``.

    In the metric ``||x||_M^2 = ||x||^2 + metric * sum(x)^2`` (Euclidean for
    ``metric=0``) the projection is ``clip(v - tau, 0, upper)`` for one scalar
    ``tau``: the sum ``S(tau)`` is non-increasing and piecewise linear with knots at
    ``v`` and ``v - upper``, so sorting the knots gives ``tau`` exactly. Without the
    sum constraint ``tau = metric * (S(tau) - sum(v))``; when that sum falls outside
    ``[lo, hi]`` the constraint binds and ``S(tau)`` is the nearer bound.

    Parameters
    ----------
    v : ndarray of shape (n,)
    upper : float or ndarray of shape (n,)
        Box bound, ``> 0`` (one per entry when an array).
    lo, hi : float
        Bounds on the sum, ``0 <= lo <= hi <= sum(upper)``.
    metric : float, default=0.0
        Weight ``a >= 0`` of the sum direction in the metric.

    Returns
    -------
    w : ndarray of shape (n,)
    """
    if metric == 0.0:
        w = np.clip(v, 0.0, upper)
        s = w.sum()
        if lo <= s <= hi:
            return w
        knots, S = _knots_and_sums(v, upper)
        tau = _root(knots, -S, 0.0, 1.0, hi if s > hi else lo)
        return np.clip(v - tau, 0.0, upper)
    knots, S = _knots_and_sums(v, upper)
    sv = v.sum()
    # tau - metric * (S(tau) - sum v) = 0, increasing in tau
    tau = _root(knots, S, 1.0, -metric, metric * sv)
    w = np.clip(v - tau, 0.0, upper)
    s = w.sum()
    if lo <= s <= hi:
        return w
    tau = _root(knots, -S, 0.0, 1.0, hi if s > hi else lo)
    return np.clip(v - tau, 0.0, upper)


def _kmm_objective(w, K, kappa):
    """KMM's QP objective ``w' K w / 2 - kappa' w``."""
    return 0.5 * float(w @ (K @ w)) - float(kappa @ w)


def _solve_kmm_qp(
    matvec,
    kappa,
    upper,
    lo,
    hi,
    lipschitz,
    *,
    max_iter=1000,
    tol=1e-7,
    w0=None,
    metric=0.0,
    settle=None,
):
    """Minimise ``w' K w / 2 - kappa' w`` over the box ``[0, upper]`` and the slab.

    Projected accelerated gradient (FISTA) with adaptive restart and the exact
    projection :func:`_project_box_slab`. One product with ``K`` per iteration: the
    products at the extrapolated points are combinations of the stored ones.

    Parameters
    ----------
    matvec : callable
        ``v -> K @ v`` for a positive semi-definite ``K``.
    kappa : ndarray of shape (n,)
    upper, lo, hi : float
        Box bound and bounds on ``sum(w)``.
    lipschitz : float
        An upper bound on the largest eigenvalue of ``K``.
    max_iter : int, default=1000
    tol : float, default=1e-7
        Stop when an iteration lowers the objective by less than ``tol`` times its
        scale and moves ``w`` by less than ``sqrt(tol)`` (relative).
    w0 : ndarray of shape (n,), default=None
        Starting point (projected); ones when None.
    metric : float, default=0.0
        Preconditioning: gradient steps and projections use the metric
        ``M = I + metric * 1 1'``, which tames the large eigenvalue of a kernel
        along the all-ones direction. ``lipschitz`` must then bound the top
        eigenvalue of ``M^{-1} K``.
    settle : float, default=None
        Also stop once the set of rows at a bound has settled: fewer than
        ``settle * n`` rows (at least one) changed sides over the last 10
        iterations (a warm start that only needs to guess the face).

    Returns
    -------
    w : ndarray of shape (n,)
    objective : float
    n_iter : int
    """
    n = kappa.shape[0]
    step = 1.0 / lipschitz
    w = _project_box_slab(np.ones(n) if w0 is None else w0, upper, lo, hi)
    shrink = metric / (1.0 + n * metric)
    Kw = matvec(w)
    f = 0.5 * float(w @ Kw) - float(kappa @ w)
    z, Kz = w, Kw
    t = 1.0
    scale = max(abs(f), float(np.abs(kappa) @ w), 1e-300)
    n_iter = 0
    calm = 0
    sides = None
    for n_iter in range(1, max_iter + 1):
        if settle is not None and n_iter % 10 == 0:
            now = (w > 0).astype(np.int8) + (w >= upper)
            if sides is not None and np.count_nonzero(now != sides) < max(
                settle * n, 1.0
            ):
                break
            sides = now
        g = Kz - kappa
        if metric:
            g = g - shrink * g.sum()
        w_new = _project_box_slab(z - step * g, upper, lo, hi, metric)
        Kw_new = matvec(w_new)
        f_new = 0.5 * float(w_new @ Kw_new) - float(kappa @ w_new)
        dw = w_new - w
        if f_new > f:  # adaptive restart (O'Donoghue & Candes): drop the momentum
            if t == 1.0:  # a plain gradient step went up: the step is too long
                step *= 0.5
            t = 1.0
            z, Kz = w, Kw
            if np.dot(dw, dw) == 0:
                break
            continue
        t_new = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))
        beta = (t - 1.0) / t_new
        z = w_new + beta * dw
        Kz = Kw_new + beta * (Kw_new - Kw)
        decrease = f - f_new
        moved = np.sqrt(np.dot(dw, dw) / max(np.dot(w_new, w_new), 1e-300))
        w, Kw, f, t = w_new, Kw_new, f_new, t_new
        if decrease <= tol * scale and moved <= np.sqrt(tol):
            calm += 1
            if calm >= 3:
                break
        else:
            calm = 0
    return w, f, n_iter


def _face_solver(Kpp):
    """``r -> Kpp^{-1} r`` for a positive semi-definite kernel block.

    A Cholesky factorisation (a third of the cost of an eigendecomposition) when
    ``Kpp`` is safely positive definite: its pivots ``diag(L)^2`` all above
    ``1e-10`` of the largest diagonal entry. Otherwise one symmetric
    eigendecomposition, with eigenvalues below ``1e-10`` of the largest treated as
    zero (the minimum-norm solution along flat directions of a near-singular
    kernel).
    """
    floor = 1e-10 * max(float(np.max(np.diag(Kpp))), 1e-300)
    try:
        c = linalg.cho_factor(Kpp, lower=True, check_finite=False)
    except linalg.LinAlgError:
        c = None
    if c is not None and np.min(np.diag(c[0])) ** 2 > floor:
        return lambda r: linalg.cho_solve(c, r, check_finite=False)
    e, V = linalg.eigh(Kpp, check_finite=False)
    keep = e > 1e-10 * max(e[-1], 1e-300)
    Vk, inv = V[:, keep], 1.0 / e[keep]
    return lambda r: Vk @ (inv * (Vk.T @ r))


def _face_minimiser(Kpp, kappa_p, lo, hi):
    """Minimise the objective on a face where no box bound binds.

    Only ``w_P`` may be non-zero; the sum constraint is enforced as an equality
    when the free minimiser violates it.
    """
    solve = _face_solver(Kpp)
    a = solve(kappa_p)
    s = a.sum()
    if lo <= s <= hi:
        return a
    b = solve(np.ones_like(kappa_p))
    target = hi if s > hi else lo
    nu = (s - target) / b.sum()
    return a - nu * b


class _MatrixKernel:
    """An explicit kernel matrix, seen through the operations the solver needs."""

    def __init__(self, K):
        self.K = K
        self.n = K.shape[0]

    def matvec(self, v):
        """``K @ v`` (the warm-start products)."""
        return self.K @ v

    def sub(self, idx):
        """The principal block ``K[idx, idx]``, float64."""
        return self.K[np.ix_(idx, idx)]

    def product(self, w):
        """``K @ w`` in float64, for the optimality check."""
        return self.K @ w


class _RowsKernel:
    """The source kernel of ``Xs``, computed from the rows where it is needed.

    The warm-start products use a float32 copy of the whole kernel (half the
    memory and the bandwidth of each product; they only guess the support). Every
    quantity the optimum is judged on comes from the rows in float64: the
    principal blocks the restricted problems are solved on, and the products
    ``K @ w`` of the optimality check, which need only the columns of the non-zero
    weights.
    """

    def __init__(self, Xs, kernel, gamma):
        self.Xs, self.kernel, self.gamma = Xs, kernel, gamma
        self.n = Xs.shape[0]
        self.K32 = pairwise_kernel(Xs, kernel=kernel, gamma=gamma, dtype=np.float32)

    def matvec(self, v):
        return (self.K32 @ v.astype(np.float32)).astype(np.float64)

    def sub(self, idx):
        return pairwise_kernel(self.Xs[idx], kernel=self.kernel, gamma=self.gamma)

    def product(self, w):
        nz = np.flatnonzero(w)
        if nz.size == 0:
            return np.zeros(self.n)
        return kernel_matvec(
            self.Xs, self.Xs[nz], w[nz], kernel=self.kernel, gamma=self.gamma
        )


def solve_kmm_qp_active_set(
    K, kappa, upper, lo, hi, *, max_iter=1000, tol=1e-7, n_warm=15, max_outer=5
):
    """Exact KMM solve on an explicit kernel matrix.

    A short FISTA run on the full problem guesses the face of the optimum (which
    rows sit at 0, which at the cap); it continues, up to 200 iterations, while
    that guess still moves. On an explicit matrix the primal active-set method
    :func:`_active_set_qp` then finishes from there: it reaches a point that
    meets the KKT conditions on every row to ``1e-9 max|kappa|``.

    When that method cannot (a face kernel numerically singular, which merging
    copies of rows makes rare) or ``K`` is an operator, the first-order path
    runs: FISTA on the kernel restricted to the guessed support (cheap products),
    polished by the exact minimiser on its face (one Cholesky factorisation, kept
    only when it stays feasible and lowers the objective), and the KKT conditions
    are checked on every row with one product by ``K``. Rows whose gradient says
    they should be non-zero join the support and the loop repeats.

    Parameters
    ----------
    K : ndarray of shape (n, n) or kernel operator
        The kernel matrix, or an object with ``n``, ``matvec(v)``, ``sub(idx)`` and
        ``product(w)`` (as ``_RowsKernel``, which never forms it in float64).
    kappa : ndarray of shape (n,)
    upper : float or ndarray of shape (n,)
        Box bound (one per row when an array).
    lo, hi : float
        Bounds on ``sum(w)``.

    Returns
    -------
    w : ndarray of shape (n,)
    objective : float
    n_iter : int
        FISTA iterations, full and restricted, and active-set steps.
    """
    op = K if hasattr(K, "product") else _MatrixKernel(K)
    n = kappa.shape[0]
    scalar_box = np.ndim(upper) == 0
    upper = upper if scalar_box else np.asarray(upper, dtype=np.float64)
    L, a = _precondition(op)
    dense = isinstance(op, _MatrixKernel)
    if dense:
        # the warm start only guesses the face: float32 products (half the
        # memory traffic), and a longer run while the guess still moves
        K32 = op.K.astype(np.float32)

        def matvec(v):
            return (K32 @ v.astype(np.float32)).astype(np.float64)

    w, f, n_iter = _solve_kmm_qp(
        matvec if dense else op.matvec,
        kappa,
        upper,
        lo,
        hi,
        L,
        max_iter=min(n_warm + _WARM_MAX_ITER if dense else n_warm, max_iter),
        tol=0.0,
        metric=a,
        settle=_WARM_SETTLE if dense else None,
    )
    if dense:
        del K32
        x, steps = _active_set_qp(op.K, kappa, upper, lo, hi, w)
        if x is not None:
            Kx = op.product(x)
            return x, 0.5 * float(x @ Kx) - float(kappa @ x), n_iter + steps
    gtol = 1e-9 * max(float(np.abs(kappa).max()), 1e-300)
    active = w > 0
    for _ in range(max_outer):
        idx = np.flatnonzero(active)
        Kff = op.sub(idx)
        kf = kappa[idx]
        Lf, af = _precondition(_MatrixKernel(Kff))
        uf = upper if scalar_box else upper[idx]
        x, f_x, it = _solve_kmm_qp(
            lambda v: Kff @ v,
            kf,
            uf,
            lo,
            hi,
            Lf,
            max_iter=max_iter,
            tol=tol,
            w0=w[idx],
            metric=af,
        )
        n_iter += it
        x = _polish(Kff, kf, x, f_x, uf, lo, hi)
        w = np.zeros(n)
        w[idx] = x
        Kw = op.product(w)
        g = Kw - kappa
        s = w.sum()
        inner = (w > 0) & (w < upper)
        nu = 0.0
        if inner.any() and not lo < s < hi:
            nu = -float(np.median(g[inner]))
        enter = ((w == 0) & (g + nu < -gtol)) | ((w >= upper) & (g + nu > gtol))
        if not enter.any():
            break
        active = (w > 0) | enter
    return w, 0.5 * float(w @ Kw) - float(kappa @ w), n_iter


def _polish(Kff, kf, x, f_x, upper, lo, hi, max_steps=10):
    """Primal active-set steps from ``x`` towards the exact optimum on its face.

    Each step solves for the minimiser on the face of the free entries of ``x``
    (entries at ``upper`` held there) and moves towards it as far as the box
    allows; an entry that reaches a bound leaves the face. Every step lowers the
    objective (a convex quadratic along a segment towards its minimiser); the loop
    ends at a face optimum or after ``max_steps`` steps.
    """
    x = x.copy()
    upper = np.broadcast_to(np.asarray(upper, dtype=np.float64), x.shape)
    for _ in range(max_steps):
        support = np.flatnonzero((x > 0) & (x < upper))
        capped = np.flatnonzero(x >= upper)
        if support.size == 0:
            break
        rhs = kf[support] - Kff[np.ix_(support, capped)] @ upper[capped]
        shift = upper[capped].sum()
        try:
            goal = _face_minimiser(
                Kff[np.ix_(support, support)], rhs, lo - shift, hi - shift
            )
        except (linalg.LinAlgError, ValueError):
            break
        if not np.all(np.isfinite(goal)):
            break
        xs = x[support]
        d = goal - xs
        with np.errstate(divide="ignore", invalid="ignore"):
            up = upper[support]
            room = np.where(d < 0, -xs / d, np.where(d > 0, (up - xs) / d, np.inf))
        step = min(1.0, float(np.min(room)))
        y = x.copy()
        y[support] = np.clip(xs + step * d, 0.0, up)
        if step < 1.0:
            hit = room <= step
            y[support[hit & (d < 0)]] = 0.0
            grow = support[hit & (d > 0)]
            y[grow] = upper[grow]
        if lo - 1e-9 * hi > y.sum() or y.sum() > hi * (1 + 1e-12):
            break
        f_y = 0.5 * float(y @ (Kff @ y)) - float(kf @ y)
        if f_y > f_x:
            break
        x, f_x = y, f_y
        if step >= 1.0:
            break
    return x


class _FaceFactor:
    """Solves with ``K[F, F]`` for a free set ``F`` that loses rows between refactors.

    One Cholesky factorisation of ``K[P, P]`` for the set ``P`` it was built on;
    the rows ``D`` of ``P`` later removed from the face are handled by the Schur
    complement ``S = (K_PP^{-1})_DD``: ``x = y - C S^{-1} y_D`` with
    ``y = K_PP^{-1} r`` and ``C = K_PP^{-1} E_D``, which is zero on ``D`` and solves
    ``K_FF x_F = r_F``. A removal costs two triangular solves instead of a new
    factorisation, and rows joining the face extend it (:meth:`add`). Products
    on the face go through the factor, ``K_PP = L L'``, so the block itself is
    not kept (memory: one ``|P| x |P|`` factor). Raises
    ``LinAlgError`` when ``K[P, P]`` is not safely positive definite (pivots
    ``diag(L)^2`` at or below ``floor``).
    """

    def __init__(self, K, free, floor):
        self.P = free
        self.pos = np.full(K.shape[0], -1)
        self.pos[free] = np.arange(free.size)
        self.keep = np.ones(free.size, dtype=bool)
        self.chol = linalg.cho_factor(
            K[np.ix_(free, free)], lower=True, overwrite_a=True, check_finite=False
        )
        if free.size and np.min(np.diag(self.chol[0])) ** 2 <= floor:
            raise linalg.LinAlgError("face kernel is numerically singular")
        self.D = np.empty(0, dtype=int)
        self.C = np.empty((free.size, 0))

    @property
    def free(self):
        return self.P[self.keep]

    def remove(self, rows):
        """Take ``rows`` (indices into ``K``) out of the face."""
        at = self.pos[rows]
        self.keep[at] = False
        E = np.zeros((self.P.size, at.size))
        E[at, np.arange(at.size)] = 1.0
        self.C = np.hstack([self.C, linalg.cho_solve(self.chol, E, check_finite=False)])
        self.D = np.r_[self.D, at]

    def add(self, K, rows, floor):
        """Put ``rows`` (indices into ``K``) into the face.

        Rows removed earlier come back; the others extend the factorisation by a
        bordered Cholesky step (``O(|P|^2 |rows|)``, not a new factorisation).
        """
        at = self.pos[rows]
        back = at[at >= 0]
        new = rows[at < 0]
        self.keep[back] = True
        self.D = self.D[~np.isin(self.D, back)]
        if new.size:
            s, r = self.P.size, new.size
            B = K[np.ix_(self.P, new)]
            W = linalg.solve_triangular(self.chol[0], B, lower=True, check_finite=False)
            Knn = K[np.ix_(new, new)]
            L22 = linalg.cholesky(Knn - W.T @ W, lower=True, check_finite=False)
            if np.min(np.diag(L22)) ** 2 <= floor:
                raise linalg.LinAlgError("face kernel is numerically singular")
            L = np.zeros((s + r, s + r), order="F")
            L[:s, :s] = self.chol[0]
            L[s:, :s] = W.T
            L[s:, s:] = L22
            self.chol = (L, True)
            self.P = np.r_[self.P, new]
            self.pos[new] = s + np.arange(r)
            self.keep = np.r_[self.keep, np.ones(r, dtype=bool)]
        E = np.zeros((self.P.size, self.D.size))
        E[self.D, np.arange(self.D.size)] = 1.0
        self.C = linalg.cho_solve(self.chol, E, check_finite=False)

    def solve(self, R):
        """``K_FF^{-1} R`` for ``R`` of shape ``(len(F), k)``."""
        full = np.zeros((self.P.size, R.shape[1]))
        full[self.keep] = R
        y = linalg.cho_solve(self.chol, full, check_finite=False)
        if self.D.size:
            y -= self.C @ np.linalg.solve(self.C[self.D], y[self.D])
        return y[self.keep]

    def product(self, V):
        """``K_FF @ V`` for ``V`` of shape ``(len(F), k)``."""
        full = np.zeros((self.P.size, V.shape[1]), order="F")
        full[self.keep] = V
        L = self.chol[0]
        y = blas.dtrmm(1.0, L, full, lower=1, trans_a=1)
        return blas.dtrmm(1.0, L, y, lower=1)[self.keep]


def _active_set_qp(K, kappa, upper, lo, hi, x, *, max_steps=None):
    """Primal active-set method for the KMM QP on a dense kernel, from a feasible ``x``.

    The working set holds the rows at ``0``, the rows at ``upper`` and, when it
    binds, the sum at ``lo`` or ``hi``. Each step solves for the exact minimiser on
    the current face and searches along the projected path ``clip(x + t d)``
    towards it: the point where the first row reaches a bound (the textbook step,
    always a descent), the points where 2, 4, 8, ... rows have reached theirs, and
    the minimiser itself, all scored with one product by ``K``; the lowest
    feasible one is kept and the rows at a bound leave the face. At a face optimum
    the multipliers are checked against ``1e-9 max|kappa|`` on every row, and the
    rows (or the sum) whose multipliers have the wrong sign are released, all at
    once, or the most violated one alone once a round made no progress. The
    factorisation of the face kernel is kept while rows leave the face and
    extended when rows join it (:class:`_FaceFactor`).

    Returns
    -------
    w : ndarray of shape (n,) or None
        The optimum; None when a face kernel is numerically singular or the steps
        run out (the caller falls back to the first-order path).
    n_steps : int
    """
    n = kappa.shape[0]
    upper = np.broadcast_to(np.asarray(upper, dtype=np.float64), (n,))
    max_steps = 3 * n + 50 if max_steps is None else max_steps
    gtol = 1e-9 * max(float(np.abs(kappa).max()), 1e-300)
    floor = 1e-10 * max(float(np.max(np.diag(K))), 1e-300)
    slack = 1e-12 * max(hi, 1.0)
    x = np.clip(x, 0.0, upper)
    at_top = x >= upper
    x[at_top] = upper[at_top]
    s = x.sum()
    # side of the sum constraint in the working set: +1 at hi, -1 at lo, 0 free
    side = 1 if s >= hi - slack else (-1 if s <= lo + slack else 0)
    Kx = K @ x
    f_x = 0.5 * float(x @ Kx) - float(kappa @ x)
    # K times the rows held at the cap, the fixed part of the face problem
    Ku = K[at_top].T @ upper[at_top]
    single, f_face = False, np.inf
    try:
        face = _FaceFactor(K, np.flatnonzero((x > 0) & ~at_top), floor)
        for step in range(1, max_steps + 1):
            F = face.free
            if F.size == 0:
                side = 0  # the sum is then fixed by the bounds alone
                goal = d = np.empty(0)
                nu = 0.0
            else:
                r = kappa[F] - Ku[F]
                a, b = face.solve(np.column_stack([r, np.ones(F.size)])).T
                nu = 0.0
                if side:
                    sb = b.sum()
                    if not sb > 0:
                        return None, step
                    bound = (hi if side > 0 else lo) - upper[at_top].sum()
                    nu = (a.sum() - bound) / sb
                goal = a - nu * b
                d = goal - x[F]
            xf, uf = x[F], upper[F]
            with np.errstate(divide="ignore", invalid="ignore"):
                room = np.where(d < 0, -xf / d, np.where(d > 0, (uf - xf) / d, np.inf))
            sd = float(d.sum())
            t_sum = np.inf
            if not side and sd != 0.0:
                t_sum = max(((hi if sd > 0 else lo) - x.sum()) / sd, 0.0)
            breaks = np.unique(room[room < 1.0])
            if t_sum < min(1.0, breaks[0] if breaks.size else 1.0):
                ts = np.array([t_sum])  # the sum binds before any row does
            else:
                picks = np.unique(np.minimum(2 ** np.arange(20) - 1, breaks.size))
                ts = np.r_[breaks, 1.0][picks]
            # the candidate points, one per column; a row past its break sits
            # exactly at its bound
            P = np.clip(xf[:, None] + d[:, None] * ts, 0.0, uf[:, None])
            past = room[:, None] <= ts
            P = np.where(past, np.where(d < 0, 0.0, uf)[:, None], P)
            sums = x.sum() + (P - xf[:, None]).sum(axis=0)
            ok = (sums >= lo - slack) & (sums <= hi + slack)
            ok[0] = True  # the first point keeps the sum feasible
            # the objective at each candidate from one product on the face (``Kx``
            # is kept current on the face only, and renewed at face optima)
            delta = P - xf[:, None]
            Kd = face.product(delta)
            fs = f_x + (Kx[F] - kappa[F]) @ delta
            fs += 0.5 * np.einsum("ij,ij->j", delta, Kd)
            fs[~ok] = np.inf
            j = int(np.argmin(fs))
            x[F] = P[:, j]
            Kx[F] += Kd[:, j]
            f_x = float(fs[j])
            t = ts[j]
            if ts.size == 1 and t_sum < np.inf and t == t_sum:
                side = 1 if sd > 0 else -1
                continue
            if side and abs(sums[j] - (hi if side > 0 else lo)) > slack:
                side = 0
            hit = room <= t
            if hit.any():
                grow = F[hit & (d > 0)]
                x[grow] = upper[grow]
                at_top[grow] = True
                Ku += K[grow].T @ upper[grow]
                x[F[hit & (d < 0)]] = 0.0
                if face.D.size + hit.sum() > max(32, face.P.size // 8):
                    face = None  # free its factor before the next one
                    face = _FaceFactor(K, F[~hit], floor)
                else:
                    face.remove(F[hit])
                continue
            # a face optimum: check the multipliers on every row
            Kx = K @ x  # afresh, free of the accumulated updates
            f_x = 0.5 * float(x @ Kx) - float(kappa @ x)
            g = Kx - kappa + nu
            out = np.flatnonzero(((x == 0) & (g < -gtol)) | (at_top & (g > gtol)))
            release_sum = bool(side and lo < hi and side * nu < -gtol)
            if out.size == 0 and not release_sum:
                return x, step
            single = single or not f_x < f_face
            f_face = f_x
            if single:
                worst = np.abs(g[out]).max() if out.size else 0.0
                if release_sum and abs(nu) >= worst:
                    out = out[:0]
                else:
                    out = out[[np.argmax(np.abs(g[out]))]]
                    release_sum = False
            if release_sum:
                side = 0
            freed = out[at_top[out]]
            Ku -= K[freed].T @ upper[freed]
            at_top[out] = False
            try:
                face.add(K, out, floor)
            except linalg.LinAlgError:
                face = None
                face = _FaceFactor(K, np.r_[F, out], floor)
    except (linalg.LinAlgError, ValueError):
        return None, 0
    return None, max_steps


def _kmm_eps(eps, n_source, B):
    if eps is None:
        return B / np.sqrt(n_source)
    return float(eps)


def _top2(K):
    """The two largest eigenvalues of a symmetric matrix."""
    n = K.shape[0]
    try:
        e = linalg.eigvalsh(
            K, subset_by_index=[max(n - 2, 0), n - 1], check_finite=False
        )
    except linalg.LinAlgError:
        # LAPACK's subset driver (MRRR) can fail on tightly clustered
        # eigenvalues, e.g. a kernel close to the identity (a small width): the
        # divide-and-conquer driver computes them all, at a few times the cost
        e = linalg.eigvalsh(K, driver="evd", check_finite=False)[-2:]
    return float(e[-1]), float(e[0]) if n > 1 else float(e[-1])


def _precondition(op, random_state=0, m=300):
    """Metric weight ``a`` and step bound for :func:`_solve_kmm_qp` on a kernel.

    The top eigenvalues of a kernel matrix grow like ``n``; for large kernels they
    are estimated from a random ``m x m`` principal block scaled by ``n / m``. The
    metric ``I + a 1 1'`` brings the top one (along the all-ones direction) down to
    the second; the bound returned is exact for small kernels and 1.5 times the
    second eigenvalue otherwise (the solver halves its step if that proves too
    long). ``op`` is a kernel operator (``n`` and ``sub``, see
    :func:`solve_kmm_qp_active_set`).
    """
    n = op.n
    if n <= m:
        K = op.sub(np.arange(n))
        lam1, lam2 = _top2(K)
    else:
        idx = np.sort(check_random_state(random_state).choice(n, m, replace=False))
        lam1, lam2 = _top2(op.sub(idx))
        lam1, lam2 = lam1 * n / m, lam2 * n / m
    if lam1 <= 0:
        return 1.0, 0.0
    lam2 = max(lam2, 1e-12 * lam1)
    a = max(lam1 / lam2 - 1.0, 0.0) / n
    if n > m:
        return 1.5 * lam2, a
    # exact: top eigenvalue of M^{-1/2} K M^{-1/2}, M^{-1/2} = I - beta 1 1'
    beta = (1.0 - 1.0 / np.sqrt(1.0 + n * a)) / n
    q = K.sum(axis=1)
    Ks = K - beta * (q[:, None] + q[None, :]) + beta * beta * q.sum()
    return 1.01 * max(_top2(Ks)[0], 1e-300), a


# The warm start of the exact path's active-set method: FISTA iterations at most,
# and the fraction of rows changing sides over 10 iterations below which it stops.
_WARM_MAX_ITER = 200
_WARM_SETTLE = 0.01

# Working memory (MiB) of one block of kernel rows when summing them (exact path).
_KAPPA_BLOCK_MIB = 8

# Working memory (MiB) of one block of kernel rows in the low-rank path.
_BLOCK_MIB = 64


def nystroem_map(landmarks, *, kernel, gamma):
    """Nystroem approximation ``K ~ C N N' C'`` with ``C = K(x, L)``.

    Returns the map ``x -> K(x, L)``, its width and the normaliser
    ``N = K(L, L)^{-1/2}`` (eigenvalues below ``1e-10`` of the largest dropped);
    the features are ``C N``.
    """
    Kmm = pairwise_kernel(landmarks, kernel=kernel, gamma=gamma)
    e, V = linalg.eigh(Kmm, check_finite=False)
    keep = e > max(e.max(), 0.0) * 1e-10
    norm = V[:, keep] / np.sqrt(e[keep])

    def features(Xb):
        return pairwise_kernel(Xb, landmarks, kernel=kernel, gamma=gamma)

    return features, landmarks.shape[0], norm


def fourier_map(n_features, n_components, gamma, random_state):
    """Random Fourier features of the RBF kernel ``exp(-gamma ||x - x'||^2)``."""
    rng = check_random_state(random_state)
    W = rng.normal(scale=np.sqrt(2.0 * gamma), size=(n_features, n_components))
    b = rng.uniform(0.0, 2.0 * np.pi, size=n_components)
    scale = np.sqrt(2.0 / n_components)

    def features(Xb):
        out = Xb @ W
        out += b
        np.cos(out, out=out)
        out *= scale
        return out

    return features, n_components, None


def map_rows(features, X, r, *, dtype=np.float64, mean_only=False, right=None):
    """Apply a feature map to ``X`` in row blocks (bounded memory).

    Returns the feature matrix (times ``right`` when given, in float64 before the
    cast to ``dtype``), or only the column means of the features (float64) when
    ``mean_only``.
    """
    step = max(1, get_chunk_n_rows(3 * 8 * r, working_memory=_BLOCK_MIB))
    total = np.zeros(r)
    width = r if right is None else right.shape[1]
    out = None if mean_only else np.empty((X.shape[0], width), dtype=dtype)
    for rows in gen_batches(X.shape[0], step):
        block = features(X[rows])
        if mean_only:
            total += block.sum(axis=0)
        else:
            out[rows] = block if right is None else block @ right
    return total / X.shape[0] if mean_only else out


def kmm_exact(Xs, Xt, *, kernel, gamma, B, eps, max_iter, tol, coverage=False):
    """KMM on the full kernel matrix of the source rows.

    With ``coverage=True`` also returns :func:`skadapt._core.support_coverage`
    of the rows (``random_state=0``), read off the squared distances the RBF
    kernels are computed from (no second pass over the rows), or None for the
    other kernels.

    Returns
    -------
    w, objective, n_iter[, coverage]
    """
    ns = Xs.shape[0]
    lo, hi = max(ns * (1.0 - eps), 0.0), min(ns * (1.0 + eps), ns * B)
    # rows compared as raw bytes (``+ 0.0`` maps -0.0 to 0.0): one sort of
    # fixed-size keys, several times faster than ``np.unique(axis=0)``
    rows = np.ascontiguousarray(Xs, dtype=np.float64) + 0.0
    keys = rows.view(np.dtype((np.void, rows.itemsize * rows.shape[1]))).ravel()
    _, first, inverse, counts = np.unique(
        keys, return_index=True, return_inverse=True, return_counts=True
    )
    inverse = inverse.ravel()
    distinct = unique = rows[first]
    upper = counts * B
    if unique.shape[0] == ns:
        # no copies: the rows as given, one per group
        distinct, inverse, upper = Xs, None, B
    near = None
    if coverage and rbf_path(distinct, Xt, kernel=kernel):
        near = _CoverageDistances(distinct, Xt, inverse, ns)
    W, f, it = _kmm_exact_distinct(
        distinct, Xt, upper, ns, kernel, gamma, lo, hi, max_iter, tol, near
    )
    if inverse is not None:
        # Identical rows have identical kernel columns, so the objective depends
        # only on the total weight W_g of each group of copies: the QP over the
        # distinct rows with the box [0, c_g B] has the same optimum, and splitting
        # W_g equally among the c_g copies is an optimal w (the one that treats
        # identical rows identically). Its kernel is not singular because of
        # copies, which the face solves would otherwise meet at every step.
        W = W[inverse] / counts[inverse]
    if not coverage:
        return W, f, it
    return W, f, it, None if near is None else near.coverage(float(gamma))


class _CoverageDistances:
    """The nearest-neighbour distances of :func:`support_coverage`, from a kernel.

    The rows :func:`coverage_rows` draws; the source rows are given as groups of
    identical rows (``inverse``: the group of each row, None when every row is
    its own). The RBF exponents ``-gamma ||x - y||^2`` of the source kernel and
    of the source-target blocks pass through :meth:`source` and :meth:`target`
    before the exponential is taken.

    Those squared distances carry rounding errors of their own (as do the ones
    :func:`support_coverage` computes), so :meth:`coverage` gives the fraction
    only when every target row is inside or outside the radius by more than
    both errors together (a bound of ``16 (d + 4)`` units of rounding times the
    largest squared row norm); a tie within it (rows on a lattice, copies of
    rows) gives None, and the caller computes :func:`support_coverage` itself.
    """

    def __init__(self, Xs, Xt, inverse, n_source):
        rows_s, rows_t = coverage_rows(n_source, Xt.shape[0], random_state=0)
        rows_s = np.arange(n_source) if rows_s is None else rows_s
        groups = rows_s if inverse is None else inverse[rows_s]
        # the groups with a row in the sample, and their number of rows there
        count = np.bincount(groups, minlength=Xs.shape[0])
        self.present = np.flatnonzero(count)
        self.copies = count[self.present] > 1
        self.where = np.searchsorted(self.present, groups)
        self.mask = count > 0
        self.all = self.present.size == Xs.shape[0]
        self.rows_t = rows_t
        self.best_t = np.full(Xt.shape[0], -np.inf)
        norms = max(
            float(np.max(np.einsum("ij,ij->i", Z, Z), initial=0.0)) for Z in (Xs, Xt)
        )
        # the rows are centred before the product: norms up to twice as large
        self.band = 16 * (Xs.shape[1] + 4) * np.finfo(np.float64).eps * 4 * norms

    def source(self, E):
        """Largest exponent to another sampled group, for each sampled group."""
        sub = E if self.all else E[np.ix_(self.present, self.present)]
        np.fill_diagonal(sub, -np.inf)  # E's diagonal is then set to 1
        self.best_s = sub.max(axis=1) if sub.shape[1] > 1 else np.full(1, -np.inf)

    def target(self, rows, E):
        """Largest exponent to a sampled source row, for each target row."""
        block = E if self.all else E[self.mask[rows]]
        if block.shape[0]:
            np.maximum(self.best_t, block.max(axis=0), out=self.best_t)

    def coverage(self, gamma):
        """:func:`support_coverage` of the rows, or None on a tie (see above)."""
        source = np.maximum(-self.best_s / gamma, 0.0)
        source[self.copies] = 0.0  # another copy of the row is in the sample
        source = source[self.where]
        target = np.maximum(-self.best_t / gamma, 0.0)
        if self.rows_t is not None:
            target = target[self.rows_t]
        # the distances either computation can give lie within these bounds
        r_lo = coverage_radius(np.sqrt(np.maximum(source - self.band, 0.0)))
        r_hi = coverage_radius(np.sqrt(source + self.band))
        inside = np.sqrt(target + self.band) <= r_lo * (1 - 1e-12)
        outside = np.sqrt(np.maximum(target - self.band, 0.0)) > r_hi * (1 + 1e-12)
        if not np.all(inside | outside):
            return None
        return float(np.mean(inside))


def _kmm_exact_distinct(
    Xs, Xt, upper, n_source, kernel, gamma, lo, hi, max_iter, tol, near=None
):
    """The exact QP on (distinct) source rows with box ``upper`` (scalar or array).

    ``near``: a :class:`_CoverageDistances` the RBF exponents are passed to.
    """
    ns, nt = Xs.shape[0], Xt.shape[0]
    K = pairwise_kernel(
        Xs,
        kernel=kernel,
        gamma=gamma,
        exponent_hook=None if near is None else near.source,
    )
    kappa = np.empty(ns)
    # small blocks stay in cache between the product, the exponential and the sum
    for rows, block in iter_kernel_blocks(
        Xs,
        Xt,
        kernel=kernel,
        gamma=gamma,
        working_memory=_KAPPA_BLOCK_MIB,
        exponent_hook=None if near is None else near.target,
    ):
        kappa[rows] = block.sum(axis=1)
    kappa *= n_source / nt
    return solve_kmm_qp_active_set(K, kappa, upper, lo, hi, max_iter=max_iter, tol=tol)


def kmm_low_rank(Phi_s, mean_t, *, B, eps, max_iter, tol, random_state=0):
    """KMM with the kernel replaced by ``Phi @ Phi.T`` (linear cost in ``n``).

    ``Phi_s`` (``n x r``, may be float32: half the memory traffic of each
    product) holds the features of the source rows and ``mean_t`` the mean target
    feature. Sums and the objective are kept in float64. The solver is
    preconditioned along the all-ones direction; the spectrum it needs is
    estimated from at most 5,000 rows.
    """
    ns, r = Phi_s.shape
    dtype = Phi_s.dtype
    kappa = (Phi_s @ (ns * mean_t).astype(dtype)).astype(np.float64)
    m = min(ns, 5000)
    rows = check_random_state(random_state).choice(ns, m, replace=False)
    Phi_m = Phi_s[rows].astype(np.float64)
    gram = (ns / m) * (Phi_m.T @ Phi_m)
    q = Phi_s.sum(axis=0, dtype=np.float64)
    e = linalg.eigvalsh(gram, check_finite=False)
    lam1 = float(e[-1])
    lam2 = float(max(e[-2] if e.size > 1 else 0.0, 1e-12 * lam1))
    best = (1.2 * lam1, 0.0)
    for t in (0.5, 1.0, 2.0):
        a = t * max(lam1 / lam2 - 1.0, 0.0) / ns
        top = float(
            linalg.eigvalsh(
                gram - (a / (1.0 + ns * a)) * np.outer(q, q), check_finite=False
            )[-1]
        )
        if 1.2 * top < best[0]:
            best = (1.2 * top, a)
    lo, hi = max(ns * (1.0 - eps), 0.0), min(ns * (1.0 + eps), ns * B)

    def matvec(v):
        return (Phi_s @ (Phi_s.T @ v.astype(dtype, copy=False))).astype(np.float64)

    return _solve_kmm_qp(
        matvec,
        kappa,
        B,
        lo,
        hi,
        max(best[0], 1e-12),
        max_iter=max_iter,
        tol=tol,
        metric=best[1],
    )


@Substitution(**FRAGMENTS)
class KMM(BaseWeighter):
    r"""Kernel Mean Matching: weights that match the source kernel mean to the target's.

    KMM finds source weights ``w`` in ``[0, B]``, summing to about ``n_source``,
    whose weighted source mean in the kernel feature space is as close as possible
    to the target mean (a quadratic programme). The QP is solved by a projected
    accelerated gradient written for it, with an exact projection onto the box and
    the sum constraint, finished on the exact kernel by an active-set method. For
    many rows the kernel is replaced by a Nystroem or
    random-Fourier-feature approximation, so cost and memory grow linearly in ``n``.

    When only one domain is present the weights are uniform.

    Parameters
    ----------
    kernel : str, default="rbf"
        Kernel name understood by :func:`sklearn.metrics.pairwise.pairwise_kernels`
        (the low-rank paths need ``"rbf"`` for random features; Nystroem takes any).
    gamma : float or None, default=None
        Kernel width. ``None``: the median heuristic on source and target rows
        (``1 / median squared distance``).
    max_weight : float, default=5.0
        Upper bound ``B`` on each weight, the box of the QP (weights have mean
        about 1), skadapt's one weight cap. The paper's value is 1000; a small
        bound keeps the effective sample size from collapsing: QP weights in
        ``[0, B]`` summing to about ``n_source`` keep it at about ``n_source / B``
        or more. After the rescaling to mean 1 a weight may exceed ``B`` by the
        factor ``1 / (1 - eps)`` at most; it is not capped again, since a second
        cap would raise the rows the QP gave weight 0.
    eps : float or None, default=None
        Allowed relative deviation of ``sum(w)`` from ``n_source``:
        ``|sum(w) - n_source| <= eps * n_source``. ``None`` uses
        ``B / sqrt(n_source)`` as suggested by Huang et al. [1]_.
    n_landmarks : int, "auto" or None, default="auto"
        Rank of the low-rank kernel approximation (Nystroem landmarks or random
        features). ``None``: the exact kernel (memory up to ``24 n_source^2``
        bytes: the float64 kernel, and a block of it with its Cholesky factor;
        checked against the dense-memory limit before it is allocated).
        ``"auto"``: exact up to 5,000 source rows, 500 above.
    approximation : {"nystroem", "fourier"}, default="nystroem"
        Low-rank approximation used when ``n_landmarks`` is set.
    max_iter : int, default=1000
        Maximum number of solver iterations.
    tol : float, default=1e-7
        Relative tolerance of the solver.
    random_state : int, RandomState instance or None, default=None
        Draws the median-heuristic subsample, the Nystroem landmarks and the random
        features.
    B : float, default="deprecated"
        Deprecated alias of ``max_weight`` (removed in skadapt 0.3).
    n_components : int, "auto" or None, default="deprecated"
        Deprecated alias of ``n_landmarks`` (removed in skadapt 0.3): in skadapt
        ``n_components`` is the size of an embedding.

    Attributes
    ----------
    %(weighter_attributes)s
    gamma_ : float
        Kernel width used.
    qp_weights_ : ndarray of shape (n_source,)
        The QP solution before rescaling to mean 1 (ones with one domain).
    objective_ : float
        Value of the QP objective at the solution (on the kernel actually used).
    n_iter_ : int
        Solver iterations.
    n_features_in_ : int
        Number of features seen during :term:`fit`.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when `X` has feature
        names that are all strings.

    See Also
    --------
    KLIEP : Density ratio by likelihood, with an out-of-sample form.
    ImportanceWeighted : Fits an estimator with these weights.

    Notes
    -----
    With :math:`K_{ij} = k(x_i, x_j)` on source rows and
    :math:`\kappa_i = \frac{n_s}{n_t} \sum_j k(x_i, x^t_j)`, KMM [1]_ solves

    .. math::

        \min_w \tfrac12 w^\top K w - \kappa^\top w
        \quad \text{s.t.} \quad 0 \le w_i \le B,\;
        \Big|\sum_i w_i - n_s\Big| \le n_s \epsilon .

    The solver is FISTA with adaptive restart; the projection onto
    :math:`[0, B]^n \cap \{\text{slab}\}` is :math:`\mathrm{clip}(v - \tau, 0, B)`
    with the scalar :math:`\tau` found exactly by sorting. On the exact kernel a
    primal active-set method started from FISTA's iterate finishes the solve at a
    point that meets the QP's optimality (KKT) conditions. The weights are then
    rescaled to mean 1. KMM has no out-of-sample form, so there is no
    ``compute_weights``.

    References
    ----------
    .. [1] J. Huang, A. Gretton, K. Borgwardt, B. Schoelkopf and A. Smola,
       "Correcting Sample Selection Bias by Unlabeled Data", NIPS 2006.

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt.reweighting import KMM
    >>> rng = np.random.RandomState(0)
    >>> X = np.r_[rng.normal(0, 1, (100, 1)), rng.normal(1, 0.5, (100, 1))]
    >>> sample_domain = np.r_[np.ones(100, int), -np.ones(100, int)]
    >>> kmm = KMM().fit(X, sample_domain=sample_domain)
    >>> bool(np.corrcoef(X[:100, 0], kmm.weights_)[0, 1] > 0)
    True
    >>> round(float(kmm.weights_.mean()), 6)
    1.0
    """

    # the box of the QP is the cap: no second cap after the rescaling to mean 1
    _cap_after_fit = False

    _parameter_constraints: dict = {
        **BaseWeighter._parameter_constraints,
        "kernel": [str, callable],
        "gamma": GAMMA_CONSTRAINT,
        "max_weight": [Interval(Real, 1, None, closed="left")],
        "eps": [Interval(Real, 0, None, closed="left"), None],
        "n_landmarks": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
            None,
        ],
        "B": [
            Interval(Real, 1, None, closed="left"),
            Hidden(StrOptions({"deprecated"})),
        ],
        "n_components": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
            None,
            Hidden(StrOptions({"deprecated"})),
        ],
        "approximation": [StrOptions({"nystroem", "fourier"})],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        *,
        kernel="rbf",
        gamma=None,
        max_weight=DEFAULT_MAX_WEIGHT,
        eps=None,
        n_landmarks="auto",
        approximation="nystroem",
        max_iter=1000,
        tol=1e-7,
        random_state=None,
        B="deprecated",
        n_components="deprecated",
    ):
        self.kernel = kernel
        self.gamma = gamma
        self.max_weight = max_weight
        self.eps = eps
        self.n_landmarks = n_landmarks
        self.approximation = approximation
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.B = B
        self.n_components = n_components

    def _box_and_rank(self):
        """The QP box and the kernel rank, mapping the deprecated aliases."""
        box, rank = self.max_weight, self.n_landmarks
        if not (isinstance(self.B, str) and self.B == "deprecated"):
            warnings.warn(
                "KMM(B=...) is deprecated and will be removed in skadapt 0.3; use "
                "max_weight, the one name of the weight cap (KMM's QP box).",
                FutureWarning,
                stacklevel=4,
            )
            box = self.B
        if not (
            isinstance(self.n_components, str) and self.n_components == "deprecated"
        ):
            warnings.warn(
                "KMM(n_landmarks=...) is deprecated and will be removed in skadapt "
                "0.3; use n_landmarks (n_components is the size of an embedding).",
                FutureWarning,
                stacklevel=4,
            )
            rank = self.n_components
        return float(box), rank

    def _weight_bound(self):
        # the QP box bounds the weights before the rescaling to mean 1
        return self._box_and_rank()[0] if not self._uniform else None

    def _fit_single_domain(self, Xs):
        self._box_and_rank()
        self.gamma_ = resolve_gamma(
            _deprecated_gamma(self), Xs, None, self.random_state
        )
        self.objective_ = 0.0
        self.n_iter_ = 0
        self.qp_weights_ = np.ones(Xs.shape[0])

    def _support_coverage(self, Xs, Xt):
        # the exact RBF path read it off the kernel's squared distances
        if self._coverage is not None:
            return self._coverage
        return super()._support_coverage(Xs, Xt)

    def _fit_weights(self, Xs, Xt):
        self._coverage = None
        Xs = np.asarray(Xs, dtype=np.float64)
        Xt = np.asarray(Xt, dtype=np.float64)
        ns = Xs.shape[0]
        self.gamma_ = resolve_gamma(_deprecated_gamma(self), Xs, Xt, self.random_state)
        box, rank = self._box_and_rank()
        eps = _kmm_eps(self.eps, ns, box)
        if rank == "auto":
            rank = None if ns <= 5000 else 500
        if rank is None:
            check_dense_memory(
                24 * ns**2,
                what=f"KMM's exact path (a {ns} x {ns} float64 kernel, and its block "
                "on the face with a Cholesky factor)",
                remedy="KMM(n_landmarks='auto') or an integer n_landmarks (a "
                "Nystroem approximation, linear in the number of rows)",
            )
            w, f, it, self._coverage = kmm_exact(
                Xs,
                Xt,
                kernel=self.kernel,
                gamma=self.gamma_,
                B=box,
                eps=eps,
                max_iter=self.max_iter,
                tol=self.tol,
                coverage=True,
            )
        else:
            rng = check_random_state(self.random_state)
            if self.approximation == "fourier":
                if self.kernel != "rbf":
                    raise ValueError(
                        "approximation='fourier' needs kernel='rbf', got "
                        f"{self.kernel!r}."
                    )
                seed = rng.randint(np.iinfo(np.int32).max)
                features, r, norm = fourier_map(Xs.shape[1], rank, self.gamma_, seed)
            else:
                m = min(rank, ns + Xt.shape[0])
                pick = rng.choice(ns + Xt.shape[0], m, replace=False)
                landmarks = np.concatenate(
                    [Xs[pick[pick < ns]], Xt[pick[pick >= ns] - ns]]
                )
                features, r, norm = nystroem_map(
                    landmarks, kernel=self.kernel, gamma=self.gamma_
                )
            # float32 features halve the memory and the cost of each solver step;
            # the Nystroem normaliser is applied in float64 (it amplifies rounding)
            Phi_s = map_rows(features, Xs, r, dtype=np.float32, right=norm)
            mean_t = map_rows(features, Xt, r, mean_only=True)
            if norm is not None:
                mean_t = mean_t @ norm
            w, f, it = kmm_low_rank(
                Phi_s,
                mean_t,
                B=box,
                eps=eps,
                max_iter=self.max_iter,
                tol=self.tol,
                random_state=rng.randint(np.iinfo(np.int32).max),
            )
        self.objective_ = f
        self.n_iter_ = it
        self.qp_weights_ = w
        return w
