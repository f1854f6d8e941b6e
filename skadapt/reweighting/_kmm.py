"""Kernel Mean Matching (Huang et al., 2007) with a solver written for its QP."""

from numbers import Integral, Real

import numpy as np
from scipy import linalg
from sklearn.utils import check_random_state, gen_batches

from .._core import iter_kernel_blocks, pairwise_kernel
from ..utils._sklearn import Interval, StrOptions, get_chunk_n_rows
from ._base import GAMMA_CONSTRAINT, BaseWeighter, resolve_gamma

__all__ = ["KMM", "kmm_objective", "project_box_slab", "solve_kmm_qp"]


def project_box_slab(v, upper, lo, hi):
    """Euclidean projection onto ``{w : 0 <= w <= upper, lo <= sum(w) <= hi}``.

    The projection is ``clip(v - tau, 0, upper)`` for the scalar ``tau`` that puts
    the sum in ``[lo, hi]`` (``tau = 0`` when it already is). The sum is a
    non-increasing piecewise linear function of ``tau`` with knots at ``v`` and
    ``v - upper``; the knots are sorted and the root is read off exactly.

    Parameters
    ----------
    v : ndarray of shape (n,)
    upper : float
        Box bound, ``> 0``.
    lo, hi : float
        Bounds on the sum, ``0 <= lo <= hi <= n * upper``.

    Returns
    -------
    w : ndarray of shape (n,)
    """
    w = np.clip(v, 0.0, upper)
    s = w.sum()
    if lo <= s <= hi:
        return w
    target = hi if s > hi else lo
    knots = np.sort(np.concatenate([v, v - upper]))
    # S(tau) = sum_i max(v_i - tau, 0) - max(v_i - upper - tau, 0), evaluated at knots
    vs = np.sort(v)
    cs = np.r_[0.0, np.cumsum(vs[::-1])]  # cs[k] = sum of the k largest v
    us = vs - upper
    cu = np.r_[0.0, np.cumsum(us[::-1])]
    n = v.shape[0]
    k_v = n - np.searchsorted(vs, knots, side="right")  # count of v_i > tau
    k_u = n - np.searchsorted(us, knots, side="right")
    S = (cs[k_v] - k_v * knots) - (cu[k_u] - k_u * knots)
    # S is non-increasing along knots: find the segment containing target
    j = int(np.searchsorted(-S, -target, side="left"))
    if j == 0:
        tau = knots[0] - (target - S[0]) / n if target > S[0] else knots[0]
    elif j >= knots.shape[0]:
        tau = knots[-1]
    else:
        t0, t1, s0, s1 = knots[j - 1], knots[j], S[j - 1], S[j]
        tau = t0 if s0 == s1 else t0 + (target - s0) * (t1 - t0) / (s1 - s0)
    return np.clip(v - tau, 0.0, upper)


def kmm_objective(w, K, kappa):
    """KMM's QP objective ``w' K w / 2 - kappa' w``."""
    return 0.5 * float(w @ (K @ w)) - float(kappa @ w)


def solve_kmm_qp(
    matvec, kappa, upper, lo, hi, lipschitz, *, max_iter=1000, tol=1e-7, w0=None
):
    """Minimise ``w' K w / 2 - kappa' w`` over the box ``[0, upper]`` and the slab.

    Projected accelerated gradient (FISTA) with adaptive restart and the exact
    projection :func:`project_box_slab`. One product with ``K`` per iteration: the
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

    Returns
    -------
    w : ndarray of shape (n,)
    objective : float
    n_iter : int
    """
    n = kappa.shape[0]
    step = 1.0 / lipschitz
    w = project_box_slab(np.ones(n) if w0 is None else w0, upper, lo, hi)
    Kw = matvec(w)
    f = 0.5 * float(w @ Kw) - float(kappa @ w)
    z, Kz = w, Kw
    t = 1.0
    scale = max(abs(f), float(np.abs(kappa) @ w), 1e-300)
    n_iter = 0
    calm = 0
    for n_iter in range(1, max_iter + 1):
        w_new = project_box_slab(z - step * (Kz - kappa), upper, lo, hi)
        Kw_new = matvec(w_new)
        f_new = 0.5 * float(w_new @ Kw_new) - float(kappa @ w_new)
        dw = w_new - w
        if f_new > f:  # adaptive restart (O'Donoghue & Candes): drop the momentum
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


def _face_minimiser(Kpp, kappa_p, lo, hi):
    """Minimise the objective on a face where no box bound binds.

    Only ``w_P`` may be non-zero; the sum constraint is enforced as an equality
    when the free minimiser violates it.
    """
    jitter = 1e-12 * float(np.max(np.diag(Kpp)))
    A = Kpp.copy()
    A.flat[:: A.shape[0] + 1] += jitter
    c = linalg.cho_factor(A, check_finite=False)
    a = linalg.cho_solve(c, kappa_p, check_finite=False)
    s = a.sum()
    if lo <= s <= hi:
        return a
    b = linalg.cho_solve(c, np.ones_like(kappa_p), check_finite=False)
    target = hi if s > hi else lo
    nu = (s - target) / b.sum()
    return a - nu * b


def solve_kmm_qp_active_set(
    K, kappa, upper, lo, hi, *, max_iter=1000, tol=1e-7, n_warm=30, max_outer=20
):
    """Exact KMM solve on an explicit kernel matrix, with support screening.

    KMM's solutions are sparse: most weights are 0. A short FISTA run on the full
    problem guesses the support; FISTA then runs on the kernel restricted to that
    support (cheap products), the result is polished by the exact minimiser on its
    face (one Cholesky factorisation, kept only when it stays feasible and lowers
    the objective), and the KKT conditions are checked on every row with one
    product by ``K``. Rows whose gradient says they should be non-zero join the
    support and the loop repeats.

    Returns
    -------
    w : ndarray of shape (n,)
    objective : float
    n_iter : int
        FISTA iterations, full and restricted.
    """
    n = kappa.shape[0]
    L = _power_lipschitz(lambda v: K @ v, n)
    w, f, n_iter = solve_kmm_qp(
        lambda v: K @ v,
        kappa,
        upper,
        lo,
        hi,
        L,
        max_iter=min(n_warm, max_iter),
        tol=0.0,
    )
    gtol = 1e-9 * max(float(np.abs(kappa).max()), 1e-300)
    active = w > 0
    for _ in range(max_outer):
        idx = np.flatnonzero(active)
        Kff = K[np.ix_(idx, idx)]
        kf = kappa[idx]
        Lf = _power_lipschitz(lambda v: Kff @ v, idx.size)
        x, f_x, it = solve_kmm_qp(
            lambda v: Kff @ v,
            kf,
            upper,
            lo,
            hi,
            Lf,
            max_iter=max_iter,
            tol=tol,
            w0=w[idx],
        )
        n_iter += it
        x = _polish(Kff, kf, x, f_x, upper, lo, hi)
        w = np.zeros(n)
        w[idx] = x
        g = K @ w - kappa
        s = w.sum()
        inner = (w > 0) & (w < upper)
        nu = 0.0
        if inner.any() and not lo < s < hi:
            nu = -float(np.median(g[inner]))
        enter = (w == 0) & ~active & (g + nu < -gtol)
        active = (w > 0) | enter
        if not enter.any():
            break
    return w, 0.5 * float(w @ (K @ w)) - float(kappa @ w), n_iter


def _polish(Kff, kf, x, f_x, upper, lo, hi):
    """Replace ``x`` by the exact minimiser on its face.

    Only when that minimiser is feasible and lowers the objective.
    """
    support = np.flatnonzero((x > 0) & (x < upper))
    if support.size == 0:
        return x
    capped = np.flatnonzero(x >= upper)
    rhs = kf[support] - upper * Kff[np.ix_(support, capped)].sum(axis=1)
    shift = upper * capped.size
    try:
        goal = _face_minimiser(
            Kff[np.ix_(support, support)], rhs, lo - shift, hi - shift
        )
    except (linalg.LinAlgError, ValueError):
        return x
    if goal.min() < 0 or goal.max() > upper or not np.all(np.isfinite(goal)):
        return x
    y = x.copy()
    y[support] = goal
    f_y = 0.5 * float(y @ (Kff @ y)) - float(kf @ y)
    return y if f_y <= f_x else x


def _kmm_eps(eps, n_source, B):
    if eps is None:
        return B / np.sqrt(n_source)
    return float(eps)


def _power_lipschitz(matvec, n, n_iter=30, random_state=0):
    """Upper estimate of the top eigenvalue of a PSD operator (power iteration)."""
    rng = check_random_state(random_state)
    v = np.abs(rng.normal(size=n)) + 1.0
    v /= np.linalg.norm(v)
    lam = 0.0
    for _ in range(n_iter):
        u = matvec(v)
        lam_new = float(np.linalg.norm(u))
        if lam_new == 0:
            return 1.0
        v = u / lam_new
        if abs(lam_new - lam) <= 1e-4 * lam_new:
            lam = lam_new
            break
        lam = lam_new
    return 1.01 * lam


def nystroem_features(X, landmarks, *, kernel, gamma, working_memory=None):
    """Nystroem features ``K(X, L) K(L, L)^{-1/2}`` computed in row blocks.

    Returns
    -------
    Phi : ndarray of shape (n, r)
        ``Phi @ Phi.T`` approximates the kernel of ``X``.
    """
    Kmm = pairwise_kernel(landmarks, kernel=kernel, gamma=gamma)
    e, V = linalg.eigh(Kmm, check_finite=False)
    keep = e > max(e.max(), 0.0) * 1e-10
    norm = V[:, keep] / np.sqrt(e[keep])
    out = np.empty((X.shape[0], norm.shape[1]))
    for rows, block in iter_kernel_blocks(
        X, landmarks, kernel=kernel, gamma=gamma, working_memory=working_memory
    ):
        out[rows] = block @ norm
    return out


def fourier_features(X, n_components, gamma, random_state, working_memory=None):
    """Random Fourier features of the RBF kernel ``exp(-gamma ||x - x'||^2)``."""
    rng = check_random_state(random_state)
    d = X.shape[1]
    W = rng.normal(scale=np.sqrt(2.0 * gamma), size=(d, n_components))
    b = rng.uniform(0.0, 2.0 * np.pi, size=n_components)
    out = np.empty((X.shape[0], n_components))
    step = max(1, get_chunk_n_rows(16 * n_components, working_memory=working_memory))
    for rows in gen_batches(X.shape[0], step):
        np.cos(X[rows] @ W + b, out=out[rows])
    out *= np.sqrt(2.0 / n_components)
    return out


def kmm_exact(Xs, Xt, *, kernel, gamma, B, eps, max_iter, tol):
    """KMM on the full kernel matrix of the source rows.

    Returns
    -------
    w, objective, n_iter
    """
    ns, nt = Xs.shape[0], Xt.shape[0]
    K = pairwise_kernel(Xs, kernel=kernel, gamma=gamma)
    K += K.T
    K *= 0.5
    kappa = np.empty(ns)
    for rows, block in iter_kernel_blocks(Xs, Xt, kernel=kernel, gamma=gamma):
        kappa[rows] = block.sum(axis=1)
    kappa *= ns / nt
    lo, hi = max(ns * (1.0 - eps), 0.0), min(ns * (1.0 + eps), ns * B)

    return solve_kmm_qp_active_set(K, kappa, B, lo, hi, max_iter=max_iter, tol=tol)


def kmm_low_rank(Phi_s, Phi_t, *, B, eps, max_iter, tol):
    """KMM with the kernel replaced by ``Phi @ Phi.T`` (linear cost in ``n``)."""
    ns = Phi_s.shape[0]
    kappa = Phi_s @ (ns * Phi_t.mean(axis=0))
    gram = Phi_s.T @ Phi_s
    L = 1.01 * float(linalg.eigvalsh(gram, check_finite=False)[-1])
    lo, hi = max(ns * (1.0 - eps), 0.0), min(ns * (1.0 + eps), ns * B)

    def matvec(v):
        return Phi_s @ (Phi_s.T @ v)

    return solve_kmm_qp(
        matvec, kappa, B, lo, hi, max(L, 1e-12), max_iter=max_iter, tol=tol
    )


class KMM(BaseWeighter):
    r"""Kernel Mean Matching: weights that match the source kernel mean to the target's.

    KMM finds source weights ``w`` in ``[0, B]``, summing to about ``n_source``,
    whose weighted source mean in the kernel feature space is as close as possible
    to the target mean (a quadratic programme). The QP is solved by a projected
    accelerated gradient written for it, with an exact projection onto the box and
    the sum constraint. For many rows the kernel is replaced by a Nystroem or
    random-Fourier-feature approximation, so cost and memory grow linearly in ``n``.

    When only one domain is present the weights are uniform.

    Parameters
    ----------
    kernel : str, default="rbf"
        Kernel name understood by :func:`sklearn.metrics.pairwise.pairwise_kernels`
        (the low-rank paths need ``"rbf"`` for random features; Nystroem takes any).
    gamma : float or "auto", default="auto"
        Kernel width. ``"auto"``: the median heuristic on source and target rows
        (``1 / median squared distance``).
    B : float, default=10.0
        Upper bound on each weight (weights have mean about 1). The paper's value
        is 1000; a small bound keeps the effective sample size from collapsing.
    eps : float or None, default=None
        Allowed relative deviation of ``sum(w)`` from ``n_source``:
        ``|sum(w) - n_source| <= eps * n_source``. ``None`` uses
        ``B / sqrt(n_source)`` as suggested by Huang et al. [1]_.
    n_components : int, "auto" or None, default="auto"
        Rank of the low-rank kernel approximation. ``None``: the exact kernel
        (memory ``8 n_source^2`` bytes). ``"auto"``: exact up to 5,000 source rows,
        500 components above.
    approximation : {"nystroem", "fourier"}, default="nystroem"
        Low-rank approximation used when ``n_components`` is set.
    max_iter : int, default=1000
        Maximum number of solver iterations.
    tol : float, default=1e-7
        Relative tolerance of the solver.
    max_weight : float or None, default=None
        Optional cap applied after the QP (the box ``B`` already bounds weights).
    random_state : int, RandomState instance or None, default=0
        Draws the median-heuristic subsample, the Nystroem landmarks and the random
        features.

    Attributes
    ----------
    weights_ : ndarray of shape (n_source,)
        Weight of each source row, in the order of the source rows in ``X``; mean 1.
    ess_ : float
        Effective sample size ``(sum w)^2 / sum w^2`` of the weights.
    n_source_ : int
        Number of source rows.
    gamma_ : float
        Kernel width used.
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
    with the scalar :math:`\tau` found exactly by sorting. The weights are then
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

    _parameter_constraints: dict = {
        **BaseWeighter._parameter_constraints,
        "kernel": [str, callable],
        "gamma": GAMMA_CONSTRAINT,
        "B": [Interval(Real, 1, None, closed="left")],
        "eps": [Interval(Real, 0, None, closed="left"), None],
        "n_components": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
            None,
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
        gamma="auto",
        B=10.0,
        eps=None,
        n_components="auto",
        approximation="nystroem",
        max_iter=1000,
        tol=1e-7,
        max_weight=None,
        random_state=0,
    ):
        self.kernel = kernel
        self.gamma = gamma
        self.B = B
        self.eps = eps
        self.n_components = n_components
        self.approximation = approximation
        self.max_iter = max_iter
        self.tol = tol
        self.max_weight = max_weight
        self.random_state = random_state

    def _fit_single_domain(self, Xs):
        self.gamma_ = resolve_gamma(self.gamma, Xs, None, self.random_state)
        self.objective_ = 0.0
        self.n_iter_ = 0

    def _fit_weights(self, Xs, Xt):
        Xs = np.asarray(Xs, dtype=np.float64)
        Xt = np.asarray(Xt, dtype=np.float64)
        ns = Xs.shape[0]
        self.gamma_ = resolve_gamma(self.gamma, Xs, Xt, self.random_state)
        eps = _kmm_eps(self.eps, ns, self.B)
        rank = self.n_components
        if rank == "auto":
            rank = None if ns <= 5000 else 500
        if rank is None:
            w, f, it = kmm_exact(
                Xs,
                Xt,
                kernel=self.kernel,
                gamma=self.gamma_,
                B=self.B,
                eps=eps,
                max_iter=self.max_iter,
                tol=self.tol,
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
                Phi_s = fourier_features(Xs, rank, self.gamma_, seed)
                Phi_t = fourier_features(Xt, rank, self.gamma_, seed)
            else:
                pool = np.concatenate([Xs, Xt], axis=0)
                r = min(rank, pool.shape[0])
                landmarks = pool[rng.choice(pool.shape[0], r, replace=False)]
                Phi_s = nystroem_features(
                    Xs, landmarks, kernel=self.kernel, gamma=self.gamma_
                )
                Phi_t = nystroem_features(
                    Xt, landmarks, kernel=self.kernel, gamma=self.gamma_
                )
            w, f, it = kmm_low_rank(
                Phi_s, Phi_t, B=self.B, eps=eps, max_iter=self.max_iter, tol=self.tol
            )
        self.objective_ = f
        self.n_iter_ = it
        return w
