import numpy as np
import pytest
from scipy.optimize import minimize

from skadapt._core import pairwise_kernel
from skadapt.reweighting import KMM
from skadapt.reweighting._kmm import (
    _kmm_objective,
    _project_box_slab,
    solve_kmm_qp_active_set,
)
from skadapt.utils._sklearn import InvalidParameterError

from ._data import check_weights, rank_correlation, two_gaussians


def _slsqp_kmm(K, kappa, B, lo, hi, x0=None, ftol=1e-14, maxiter=2000):
    """Reference: the KMM QP (box [0, B], sum in [lo, hi]) solved by SLSQP."""
    n = kappa.shape[0]
    return minimize(
        lambda v: 0.5 * v @ K @ v - kappa @ v,
        np.ones(n) if x0 is None else x0,
        jac=lambda v: K @ v - kappa,
        bounds=[(0, B)] * n,
        constraints=[
            {"type": "ineq", "fun": lambda v: v.sum() - lo},
            {"type": "ineq", "fun": lambda v: hi - v.sum()},
        ],
        method="SLSQP",
        options={"ftol": ftol, "maxiter": maxiter},
    )


@pytest.mark.parametrize("lo, hi", [(20.0, 40.0), (70.0, 90.0), (0.0, 200.0)])
@pytest.mark.parametrize("metric", [0.0, 0.3])
def test_projection_matches_slsqp(lo, hi, metric):
    rng = np.random.RandomState(0)
    v = rng.normal(2, 3, 30)
    B = 4.0
    p = _project_box_slab(v, B, lo, hi, metric)
    cons = [
        {"type": "ineq", "fun": lambda w: w.sum() - lo, "jac": lambda w: np.ones(30)},
        {"type": "ineq", "fun": lambda w: hi - w.sum(), "jac": lambda w: -np.ones(30)},
    ]

    def f(w):
        return 0.5 * np.sum((w - v) ** 2) + 0.5 * metric * (w.sum() - v.sum()) ** 2

    def g(w):
        return (w - v) + metric * (w.sum() - v.sum())

    ref = minimize(
        f,
        np.clip(v, 0, B),
        jac=g,
        bounds=[(0, B)] * 30,
        constraints=cons,
        method="SLSQP",
        options={"ftol": 1e-15, "maxiter": 1000},
    )
    np.testing.assert_allclose(p, ref.x, atol=1e-6)


@pytest.mark.parametrize("B, eps", [(3.0, None), (1000.0, 0.8), (2.0, 0.01)])
def test_qp_matches_scipy_reference(B, eps):
    """The solver reaches the optimum of the QP solved by SLSQP, to 1e-4."""
    X, sd, _ = two_gaussians(40, 40, seed=1)
    Xs, Xt = X[sd > 0], X[sd < 0]
    n = len(Xs)
    kmm = KMM(gamma=0.5, max_weight=B, eps=eps, n_landmarks=None).fit(
        X, sample_domain=sd
    )
    K = pairwise_kernel(Xs, gamma=0.5)
    kappa = pairwise_kernel(Xs, Xt, gamma=0.5).sum(axis=1) * n / len(Xt)
    e = B / np.sqrt(n) if eps is None else eps
    lo, hi = max(n * (1 - e), 0), n * (1 + e)
    ref = _slsqp_kmm(K, kappa, B, lo, hi)
    w = kmm.qp_weights_
    obj = 0.5 * w @ K @ w - kappa @ w
    assert abs(obj - ref.fun) <= 1e-4
    assert abs(kmm.objective_ - obj) <= 1e-8 * abs(obj)
    assert w.min() >= 0 and w.max() <= B + 1e-12
    assert lo - 1e-9 <= w.sum() <= hi + 1e-9
    check_weights(kmm.weights_, n)


def test_active_set_handles_negative_entries():
    """A kernel with negative entries (polynomial) still gives the QP optimum."""
    rng = np.random.RandomState(0)
    Xs = rng.normal(size=(30, 3))
    K = (Xs @ Xs.T / 3 + 1.0) ** 2 - 0.5 * (Xs @ Xs.T / 3)
    K = K @ K.T / 30
    kappa = K @ np.abs(rng.normal(size=30))
    w, f, _ = solve_kmm_qp_active_set(K, kappa, 5.0, 10.0, 50.0, tol=1e-10)
    ref = _slsqp_kmm(K, kappa, 5.0, 10.0, 50.0)
    assert f <= ref.fun + 1e-4 * max(1.0, abs(ref.fun))


@pytest.mark.parametrize(
    "params, threshold",
    [
        # Spearman correlation with the true ratio, measured: exact 0.76 (the exact
        # QP optimum is sparse: a third of the weights are 0), Nystroem 0.93,
        # random Fourier features 0.94
        ({"n_landmarks": None}, 0.7),
        ({"n_landmarks": 100}, 0.85),
        ({"n_landmarks": 300, "approximation": "fourier"}, 0.85),
    ],
)
def test_weights_follow_true_ratio(params, threshold):
    X, sd, truth = two_gaussians()
    kmm = KMM(**params).fit(X, sample_domain=sd)
    check_weights(kmm.weights_, 300)
    assert rank_correlation(kmm.weights_, truth) > threshold
    assert 0 < kmm.ess_ <= 300


def test_low_rank_at_full_rank_solves_the_exact_qp():
    """With every row a Nystroem landmark the low-rank kernel is exact, so the
    low-rank path reaches the exact QP's objective."""
    X, sd, _ = two_gaussians(150, 150)
    Xs, Xt = X[sd > 0], X[sd < 0]
    exact = KMM(n_landmarks=None).fit(X, sample_domain=sd)
    low = KMM(n_landmarks=300).fit(X, sample_domain=sd)
    g = exact.gamma_
    K = pairwise_kernel(Xs, gamma=g)
    kappa = pairwise_kernel(Xs, Xt, gamma=g).sum(axis=1)
    f_exact = _kmm_objective(exact.qp_weights_, K, kappa)
    f_low = _kmm_objective(low.qp_weights_, K, kappa)
    assert f_low - f_exact <= 1e-3 * abs(f_exact)
    assert f_exact <= f_low + 1e-6 * abs(f_exact)


def test_single_domain_gives_uniform_weights():
    X = np.random.RandomState(0).normal(size=(20, 3))
    kmm = KMM().fit(X, np.arange(20) % 2)
    np.testing.assert_array_equal(kmm.weights_, np.ones(20))
    assert kmm.ess_ == 20
    assert not hasattr(kmm, "compute_weights")


def test_float32_and_caller_data_untouched():
    X, sd, _ = two_gaussians(60, 60)
    X32 = X.astype(np.float32)
    copy = X32.copy()
    w32 = KMM().fit(X32, sample_domain=sd).weights_
    w64 = KMM().fit(X, sample_domain=sd).weights_
    np.testing.assert_array_equal(X32, copy)
    np.testing.assert_allclose(w32, w64, atol=1e-3)


def test_errors():
    X, sd, _ = two_gaussians(20, 20)
    with pytest.raises(ValueError, match="needs target rows"):
        KMM().fit(X, sample_domain=np.ones(40, int))
    with pytest.raises(ValueError, match="at least 2 source rows"):
        KMM().fit(X[19:], sample_domain=sd[19:])
    Xn = X.copy()
    Xn[3, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        KMM().fit(Xn, sample_domain=sd)
    Xn[3, 0] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        KMM().fit(Xn, sample_domain=sd)
    for bad in (0.0, -1.0):
        with pytest.raises(InvalidParameterError, match="gamma"):
            KMM(gamma=bad).fit(X, sample_domain=sd)
    with pytest.raises(ValueError, match="needs kernel='rbf'"):
        KMM(kernel="laplacian", n_landmarks=10, approximation="fourier").fit(
            X, sample_domain=sd
        )


def test_rows_kernel_solver_matches_the_explicit_matrix():
    """The exact path never forms the float64 kernel (float32 warm start, exact
    blocks and products from the rows); it reaches the optimum the solver finds
    on the explicit matrix, to 1e-9 in objective."""
    from skadapt.reweighting._kmm import _RowsKernel

    rng = np.random.RandomState(3)
    Xs = rng.normal(size=(400, 4))
    Xt = rng.normal(size=(300, 4)) + 0.5
    K = pairwise_kernel(Xs, gamma=0.2)
    kappa = pairwise_kernel(Xs, Xt, gamma=0.2).sum(axis=1) * 400 / 300
    lo, hi = 400 * 0.9, 400 * 1.1
    w_ref, f_ref, _ = solve_kmm_qp_active_set(K, kappa, 20.0, lo, hi, tol=1e-10)
    op = _RowsKernel(Xs, "rbf", 0.2)
    assert op.K32.dtype == np.float32
    w, f, _ = solve_kmm_qp_active_set(op, kappa, 20.0, lo, hi, tol=1e-10)
    assert f == pytest.approx(_kmm_objective(w, K, kappa), rel=1e-12)
    assert abs(f - f_ref) <= 1e-9 * abs(f_ref)


def test_face_minimiser_on_a_singular_kernel():
    """Duplicate rows make the kernel singular: Cholesky is refused and the
    minimum-norm solution is used; a regular kernel takes the Cholesky path. Both
    solve the equality-constrained face problem (KKT residual zero)."""
    from skadapt.reweighting._kmm import _face_minimiser

    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 3))
    kappa = rng.uniform(1, 2, size=30)
    for Z in (X, np.r_[X[:25], X[:5]]):
        K = pairwise_kernel(Z, gamma=0.5)
        a = _face_minimiser(K, kappa, 30.0, 30.0)  # sum fixed to 30
        assert a.sum() == pytest.approx(30.0)
        # stationarity: K a - kappa is constant (the multiplier) on the range of K
        r = K @ a - kappa
        P = K @ np.linalg.pinv(K, rcond=1e-10)
        resid = P @ (r - r.mean())
        assert np.abs(resid).max() <= 1e-6 * np.abs(kappa).max()


def test_duplicate_rows_reach_the_optimum_of_the_full_qp():
    """Copies of a row are merged into one QP variable with box c * B: the weights
    returned solve the QP on the full (singular) kernel as well as the plain
    active-set solver on that kernel does, and identical rows get identical
    weights."""
    from skadapt.reweighting._kmm import _kmm_eps, kmm_exact

    rng = np.random.RandomState(0)
    base = rng.normal(size=(60, 3))
    Xs = base[rng.randint(0, 60, size=150)]  # 150 rows, at most 60 distinct
    Xt = rng.normal(size=(120, 3)) + 0.4
    gamma, B = 0.3, 5.0
    eps = _kmm_eps(None, 150, B)
    w, f, _ = kmm_exact(
        Xs, Xt, kernel="rbf", gamma=gamma, B=B, eps=eps, max_iter=2000, tol=1e-10
    )
    K = pairwise_kernel(Xs, gamma=gamma)
    kappa = 150 / 120 * pairwise_kernel(Xs, Xt, gamma=gamma).sum(axis=1)
    lo, hi = 150 * (1 - eps), 150 * (1 + eps)
    assert np.all(w >= 0) and np.all(w <= B + 1e-12)
    assert lo - 1e-9 <= w.sum() <= hi + 1e-9
    assert f == pytest.approx(_kmm_objective(w, K, kappa), rel=1e-10)
    _, f_full, _ = solve_kmm_qp_active_set(K, kappa, B, lo, hi, tol=1e-10)
    assert f <= f_full + 1e-8 * abs(f_full)
    _, inverse = np.unique(Xs, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    for g in np.unique(inverse):
        assert np.ptp(w[inverse == g]) <= 1e-12


def test_projection_with_a_box_per_entry():
    """The exact projection with one upper bound per entry matches SLSQP."""
    rng = np.random.RandomState(3)
    v = rng.normal(1.0, 2.0, size=12)
    upper = rng.uniform(0.5, 3.0, size=12)
    lo, hi = 4.0, 6.0
    p = _project_box_slab(v, upper, lo, hi)
    cons = [
        {"type": "ineq", "fun": lambda w: w.sum() - lo},
        {"type": "ineq", "fun": lambda w: hi - w.sum()},
    ]
    ref = minimize(
        lambda w: 0.5 * np.sum((w - v) ** 2),
        np.clip(v, 0, upper),
        jac=lambda w: w - v,
        bounds=list(zip(np.zeros(12), upper)),
        constraints=cons,
        method="SLSQP",
        options={"ftol": 1e-14, "maxiter": 500},
    ).x
    np.testing.assert_allclose(p, ref, atol=1e-6)


def _kkt_residual(w, K, kappa, B, lo, hi):
    """Largest violation of the KKT conditions of the box-and-slab QP at ``w``.

    With ``g = K w - kappa`` and a sum multiplier ``nu`` (``>= 0`` when the sum is
    at ``hi``, ``<= 0`` at ``lo``, ``0`` strictly inside): ``g + nu = 0`` on the
    rows strictly inside the box, ``>= 0`` at 0, ``<= 0`` at ``B``.
    """
    g = K @ w - kappa
    s = w.sum()
    free = (w > 1e-10 * B) & (w < B * (1 - 1e-10))
    nu = -float(np.median(g[free])) if free.any() else 0.0
    if lo == hi:
        nu_sign = 0.0  # an equality: nu has either sign
    elif lo * (1 + 1e-10) < s < hi * (1 - 1e-10):
        nu_sign = abs(nu)  # the sum does not bind: nu must vanish
    elif s >= hi * (1 - 1e-10):
        nu_sign = max(-nu, 0.0)
    else:
        nu_sign = max(nu, 0.0)
    r = g + nu
    at0, atB = w <= 1e-10 * B, w >= B * (1 - 1e-10)
    return max(
        np.abs(r[free]).max(initial=0.0),
        (-r[at0]).max(initial=0.0),
        r[atB].max(initial=0.0),
        nu_sign,
    )


@pytest.mark.parametrize("near", [0.0, 1e-9])
def test_solution_meets_kkt_on_duplicate_and_singular_kernels(near):
    """On rows with copies (an exactly singular kernel) and with near-copies (a
    numerically singular one, which the active-set factorisations refuse and the
    first-order path solves), the weights meet the KKT conditions of the QP on the
    full kernel and reach the objective of SLSQP run to 1e-15."""
    from skadapt.reweighting._kmm import _kmm_eps, kmm_exact

    rng = np.random.RandomState(7)
    base = rng.normal(size=(25, 2))
    Xs = base[rng.randint(0, 25, size=60)]
    Xs[::7] += near * rng.normal(size=Xs[::7].shape)
    Xt = rng.normal(size=(50, 2)) * 0.7 + 0.5
    gamma, B, n = 0.5, 3.0, 60
    eps = _kmm_eps(None, n, B)
    lo, hi = n * (1 - eps), n * (1 + eps)
    K = pairwise_kernel(Xs, gamma=gamma)
    kappa = n / 50 * pairwise_kernel(Xs, Xt, gamma=gamma).sum(axis=1)
    w, f, _ = kmm_exact(
        Xs, Xt, kernel="rbf", gamma=gamma, B=B, eps=eps, max_iter=1000, tol=1e-6
    )
    assert w.min() >= 0 and w.max() <= B
    assert lo * (1 - 1e-12) <= w.sum() <= hi * (1 + 1e-12)
    assert f == pytest.approx(_kmm_objective(w, K, kappa), rel=1e-10)
    assert _kkt_residual(w, K, kappa, B, lo, hi) <= 1e-6 * np.abs(kappa).max()
    ref = _slsqp_kmm(K, kappa, B, lo, hi, ftol=1e-15, maxiter=5000)
    assert f <= ref.fun + 1e-9 * abs(ref.fun)
    assert f >= ref.fun - 1e-6 * abs(ref.fun)


@pytest.mark.parametrize("B, lo, hi", [(4.0, 40.0, 60.0), (2.0, 50.0, 50.0)])
def test_active_set_reaches_the_kkt_point(B, lo, hi):
    """The dense active-set method ends at a KKT point of the QP from a feasible
    start, with rows at 0, rows at the cap and the sum binding; its objective
    matches SLSQP's to 1e-9."""
    from skadapt.reweighting._kmm import _active_set_qp

    rng = np.random.RandomState(2)
    Xs = rng.normal(size=(50, 3))
    K = pairwise_kernel(Xs, gamma=0.3)
    kappa = 50 / 80 * pairwise_kernel(Xs, rng.normal(size=(80, 3)) + 0.8, gamma=0.3)
    kappa = kappa.sum(axis=1)
    x0 = _project_box_slab(np.ones(50), B, lo, hi)
    w, steps = _active_set_qp(K, kappa, B, lo, hi, x0)
    assert w is not None and steps >= 1
    assert (w == 0).any() and (w == B).any()
    assert w.min() >= 0 and w.max() <= B
    assert lo * (1 - 1e-12) <= w.sum() <= hi * (1 + 1e-12)
    assert _kkt_residual(w, K, kappa, B, lo, hi) <= 1e-7 * np.abs(kappa).max()
    ref = _slsqp_kmm(K, kappa, B, lo, hi, x0, ftol=1e-15, maxiter=5000)
    assert _kmm_objective(w, K, kappa) <= ref.fun + 1e-9 * abs(ref.fun)


def test_kernel_close_to_the_identity_fits_and_says_why():
    # a width far below the data's scale: every off-diagonal kernel entry is
    # ~0, the eigenvalues cluster at 1 and LAPACK's subset eigen-driver fails
    # ("Internal Error") on them; the top two come from the full driver instead
    from skadapt.exceptions import DegenerateFitWarning
    from skadapt.reweighting._kmm import _top2

    rng = np.random.RandomState(0)
    X = np.r_[rng.normal(size=(100, 40)), rng.normal(size=(100, 40)) + 0.3]
    sd = np.r_[np.ones(100, int), -np.ones(100, int)]
    with pytest.warns(DegenerateFitWarning, match="nearly uniform"):
        kmm = KMM(gamma=10.0).fit(X, sample_domain=sd)
    np.testing.assert_allclose(kmm.weights_, 1.0)
    assert "near_uniform" in kmm.degenerate_
    K = np.exp(-10.0 * ((X[:100, None] - X[None, :100]) ** 2).sum(-1))
    np.testing.assert_allclose(_top2(K), np.linalg.eigvalsh(K)[[-1, -2]])
