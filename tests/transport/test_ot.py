"""The optimal-transport solvers of ``skadapt._core._ot`` against their maths."""

import itertools
import sys
import warnings

import numpy as np
import pytest
from scipy import sparse
from sklearn import config_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics.pairwise import pairwise_distances

from skadapt._core import _ot
from skadapt._core._ot import (
    cost_matrix,
    cost_mean,
    emd,
    gaussian_barycenter,
    gaussian_monge_map,
    group_lasso_penalty,
    group_lasso_sinkhorn,
    jcpot,
    minibatch_plan,
    resolve_batch_size,
    sinkhorn,
)
from skadapt.exceptions import MemoryLimitError

from ._data import naive_sinkhorn, point_clouds, uniform


@pytest.fixture
def no_pot(monkeypatch):
    """Make ``import ot`` fail, as on a machine without the extra."""
    monkeypatch.setitem(sys.modules, "ot", None)


# ------------------------------------------------------------------------ costs
@pytest.mark.parametrize("metric", ["sqeuclidean", "euclidean", "cityblock", "cosine"])
def test_cost_matrix_and_mean_match_pairwise_distances(metric):
    Xs, Xt = point_clouds(50, 70, d=4)
    ref = pairwise_distances(
        Xs, Xt, metric="euclidean" if metric == "sqeuclidean" else metric
    )
    if metric == "sqeuclidean":
        ref = ref**2
    with config_context(working_memory=0.01):  # many small blocks
        C = cost_matrix(Xs, Xt, metric=metric)
        mean = cost_mean(Xs, Xt, metric=metric)
    np.testing.assert_allclose(C, ref, atol=1e-10)
    np.testing.assert_allclose(mean, ref.mean(), rtol=1e-12)


def test_sqeuclidean_cost_is_accurate_far_from_the_origin():
    # rows at 1e6 from the origin: |x|^2 + |y|^2 - 2 x.y without centring loses
    # every digit of a unit distance
    Xs, Xt = point_clouds(20, 20)
    C = cost_matrix(Xs + 1e6, Xt + 1e6)
    np.testing.assert_allclose(C, cost_matrix(Xs, Xt), rtol=1e-6)


# ---------------------------------------------------------------------- exact OT
def _brute_force_assignment(C):
    n = C.shape[0]
    best = min(itertools.permutations(range(n)), key=lambda p: C[range(n), p].sum())
    return C[range(n), best].sum() / n


@pytest.mark.parametrize("solver", ["assignment", "highs"])
def test_exact_solvers_find_the_optimal_permutation(solver):
    Xs, Xt = point_clouds(6, 6)
    C = cost_matrix(Xs, Xt)
    P = emd(uniform(6), uniform(6), C, solver=solver)
    np.testing.assert_allclose(np.sum(P * C), _brute_force_assignment(C), rtol=1e-12)
    # a vertex: a permutation matrix over n
    np.testing.assert_allclose(np.sort(P.ravel())[-6:], np.full(6, 1 / 6))


def test_highs_plan_satisfies_its_marginals_and_equals_the_assignment():
    Xs, Xt = point_clouds(25, 25)
    C = cost_matrix(Xs, Xt)
    P = emd(uniform(25), uniform(25), C, solver="highs")
    Q = emd(uniform(25), uniform(25), C, solver="assignment")
    np.testing.assert_allclose(P.sum(axis=1), uniform(25), atol=1e-8)
    np.testing.assert_allclose(P.sum(axis=0), uniform(25), atol=1e-8)
    np.testing.assert_allclose(P, Q, atol=1e-8)


def test_exact_plan_equals_pot():
    ot = pytest.importorskip("ot")
    rng = np.random.RandomState(1)
    for n, m in [(30, 45), (40, 40), (57, 23)]:
        Xs, Xt = point_clouds(n, m, seed=n)
        a = rng.uniform(0.5, 1.5, n)
        a /= a.sum()
        b = uniform(m)
        C = cost_matrix(Xs, Xt)
        P = emd(a, b, C)
        np.testing.assert_allclose(P, ot.emd(a, b, C), atol=1e-12)
        np.testing.assert_allclose(P.sum(axis=1), a, atol=1e-8)
        np.testing.assert_allclose(P.sum(axis=0), b, atol=1e-8)
        if n * m <= _ot.HIGHS_MAX_ENTRIES:
            np.testing.assert_allclose(
                np.sum(emd(a, b, C, solver="highs") * C), np.sum(P * C), rtol=1e-9
            )


@pytest.mark.filterwarnings("ignore:numItermax reached")
def test_pot_stopping_before_optimality_warns():
    pytest.importorskip("ot")
    Xs, Xt = point_clouds(200, 200)
    with pytest.warns(ConvergenceWarning, match="before optimality"):
        emd(uniform(200), uniform(200), cost_matrix(Xs, Xt), max_iter=10)


def test_without_pot_small_problems_are_solved_and_large_ones_name_the_extra(
    no_pot, monkeypatch
):
    Xs, Xt = point_clouds(20, 30)
    C = cost_matrix(Xs, Xt)
    P = emd(uniform(20), uniform(30), C)  # HiGHS
    np.testing.assert_allclose(P.sum(axis=0), uniform(30), atol=1e-8)
    P = emd(uniform(30), uniform(30), cost_matrix(Xt, Xt[::-1]))  # assignment
    np.testing.assert_allclose(np.sum(P * cost_matrix(Xt, Xt[::-1])), 0, atol=1e-12)
    monkeypatch.setattr(_ot, "HIGHS_MAX_ENTRIES", 100)
    with pytest.raises(ImportError, match=r"pip install 'skadapt\[ot\]'"):
        emd(uniform(20), uniform(30), C)
    with pytest.raises(ImportError, match="POT"):
        emd(uniform(20), uniform(30), C, solver="pot")


# -------------------------------------------------------------------- entropic
@pytest.mark.parametrize("eps", [1.0, 0.1, 0.05])
def test_sinkhorn_matches_a_naive_log_domain_reference(eps):
    Xs, Xt = point_clouds(15, 20, d=2)
    C = cost_matrix(Xs, Xt)
    C /= C.mean()
    a, b = uniform(15), uniform(20)
    P, info = sinkhorn(a, b, C, eps, max_iter=20000, tol=1e-13)
    np.testing.assert_allclose(P, naive_sinkhorn(a, b, C, eps), atol=1e-10)
    np.testing.assert_allclose(P.sum(axis=1), a, atol=1e-12)
    assert np.abs(P.sum(axis=0) - b).sum() <= 1e-13
    # the plan is the Gibbs form of its potentials
    np.testing.assert_allclose(
        P, np.exp((info["f"][:, None] + info["g"][None, :] - C) / eps), atol=1e-12
    )


def test_sinkhorn_equals_pot():
    ot = pytest.importorskip("ot")
    Xs, Xt = point_clouds(40, 30)
    C = cost_matrix(Xs, Xt)
    a, b = uniform(40), uniform(30)
    for eps in [5.0, 0.5]:
        P, _ = sinkhorn(a, b, C, eps, max_iter=10000, tol=1e-12)
        Q = ot.sinkhorn(
            a, b, C, eps, method="sinkhorn_log", numItermax=100000, stopThr=1e-13
        )
        np.testing.assert_allclose(P, Q, atol=1e-11)


def test_sinkhorn_is_scale_free_and_finite_at_any_scale():
    Xs, Xt = point_clouds(30, 30)
    C = cost_matrix(Xs, Xt)
    a, b = uniform(30), uniform(30)
    P, _ = sinkhorn(a, b, C, 0.01 * C.mean(), max_iter=5000)
    for scale in [1e-12, 1e8, 1e200]:
        Q, _ = sinkhorn(a, b, C * scale, 0.01 * C.mean() * scale, max_iter=5000)
        assert np.all(np.isfinite(Q))
        np.testing.assert_allclose(Q, P, atol=1e-9)


def test_sinkhorn_with_tiny_epsilon_approaches_the_exact_cost():
    Xs, Xt = point_clouds(30, 30)
    C = cost_matrix(Xs, Xt)
    a = uniform(30)
    exact = np.sum(emd(a, a, C, solver="assignment") * C)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        P, _ = sinkhorn(a, a, C, 1e-4 * C.mean(), max_iter=3000)
    assert np.all(np.isfinite(P))
    np.testing.assert_allclose(np.sum(P * C), exact, rtol=1e-3)


def test_sinkhorn_warns_when_it_stops_early():
    Xs, Xt = point_clouds(30, 30)
    C = cost_matrix(Xs, Xt)
    with pytest.warns(ConvergenceWarning, match="Raise max_iter"):
        sinkhorn(uniform(30), uniform(30), C, 1e-3 * C.mean(), max_iter=20)


# ------------------------------------------------------------ class regulariser
def _gcg_gap(P, C, labels, eps, eta):
    """Frank-Wolfe gap of the class-regularised problem at P (0 at the optimum)."""
    onehot = np.eye(labels.max() + 1)[labels]
    norms = np.sqrt(onehot.T @ (P * P))
    grad = np.where(
        norms[labels] > 0, P / np.where(norms[labels] > 0, norms[labels], 1), 0
    )
    a, b = P.sum(axis=1), P.sum(axis=0)
    Q, _ = sinkhorn(a, b, C + eta * grad, eps, max_iter=20000, tol=1e-13)

    def h(R):
        return _ot.entropic_objective(R, C, eps)

    return np.sum(eta * grad * (P - Q)) + h(P) - h(Q)


def test_group_lasso_plan_is_optimal():
    rng = np.random.RandomState(0)
    Xs, Xt = point_clouds(30, 25)
    labels = rng.randint(0, 3, 30)
    C = cost_matrix(Xs, Xt)
    C /= C.mean()
    P, info = group_lasso_sinkhorn(
        uniform(30),
        uniform(25),
        C,
        labels,
        0.1,
        1.0,
        max_iter=300,
        tol=1e-14,
        inner_tol=1e-13,
        inner_max_iter=20000,
    )
    hist = np.asarray(info["objective"])
    assert np.all(np.diff(hist) <= 1e-12)  # every step decreases the objective
    assert _gcg_gap(P, C, labels, 0.1, 1.0) <= 1e-6
    # class_reg = 0 is the entropic plan
    P0, _ = group_lasso_sinkhorn(uniform(30), uniform(25), C, labels, 0.1, 0.0)
    np.testing.assert_allclose(P0, sinkhorn(uniform(30), uniform(25), C, 0.1)[0])


def test_group_lasso_penalty_decreases_with_its_weight():
    rng = np.random.RandomState(1)
    Xs, Xt = point_clouds(40, 40)
    labels = rng.randint(0, 2, 40)
    onehot = np.eye(2)[labels]
    C = cost_matrix(Xs, Xt)
    C /= C.mean()
    pen = [
        group_lasso_penalty(
            group_lasso_sinkhorn(
                uniform(40), uniform(40), C, labels, 0.1, eta, max_iter=50
            )[0],
            onehot,
        )
        for eta in [0.0, 0.3, 3.0]
    ]
    assert pen[0] > pen[1] > pen[2]


def test_group_lasso_objective_is_no_worse_than_pot():
    ot = pytest.importorskip("ot")
    rng = np.random.RandomState(0)
    Xs, Xt = point_clouds(30, 40)
    labels = rng.randint(0, 3, 30)
    C = cost_matrix(Xs, Xt)
    C /= C.mean()
    onehot = np.eye(3)[labels]
    for eta in [0.1, 1.0]:
        P, _ = group_lasso_sinkhorn(
            uniform(30), uniform(40), C, labels, 0.1, eta, max_iter=100, tol=1e-12
        )
        Q = ot.da.sinkhorn_l1l2_gl(
            uniform(30), labels, uniform(40), C, 0.1, eta=eta, numItermax=100
        )

        def F(R, eta=eta):
            return _ot.entropic_objective(R, C, 0.1) + eta * group_lasso_penalty(
                R, onehot
            )

        assert F(P) <= F(Q) + 1e-9


# ------------------------------------------------------------------------ JCPOT
def _shifted_sources(props, n=120, m=200, seed=0):
    rng = np.random.RandomState(seed)
    centres = np.array([[0.0, 0.0], [5.0, 0.0], [0.0, 5.0]])
    labels, Xs = [], []
    for k in range(2):
        y = rng.randint(0, 3, n + 10 * k)
        labels.append(y)
        Xs.append(centres[y] + rng.normal(size=(y.size, 2)))
    yt = rng.choice(3, m, p=props)
    Xt = centres[yt] + rng.normal(size=(m, 2))
    return Xs, labels, Xt, yt


def test_jcpot_recovers_the_target_proportions():
    props = np.array([0.6, 0.3, 0.1])
    Xs, labels, Xt, yt = _shifted_sources(props)
    Cs = [cost_matrix(x, Xt) for x in Xs]
    scale = np.mean([c.mean() for c in Cs])
    h, plans, info = jcpot(
        [c / scale for c in Cs], labels, uniform(200), 0.01, n_classes=3
    )
    np.testing.assert_allclose(h, np.bincount(yt) / yt.size, atol=0.02)
    for P, y in zip(plans, labels):
        np.testing.assert_allclose(P.sum(axis=0), uniform(200), atol=1e-6)
        # each source row of class c carries h_c / n_c
        rows = P.sum(axis=1)
        np.testing.assert_allclose(np.bincount(y, weights=rows), h, atol=1e-6)
        np.testing.assert_allclose(
            rows, rows[np.argsort(y)][np.searchsorted(np.sort(y), y)], atol=1e-12
        )


def test_jcpot_equals_pot():
    ot = pytest.importorskip("ot")
    Xs, labels, Xt, _ = _shifted_sources(np.array([0.5, 0.4, 0.1]), n=60, m=80)
    Cs = [cost_matrix(x, Xt) for x in Xs]
    reg = 0.05 * np.mean([c.mean() for c in Cs])
    h, plans, _ = jcpot(Cs, labels, uniform(80), reg, n_classes=3, tol=1e-12)
    h_pot, log = ot.da.jcpot_barycenter(
        Xs, labels, Xt, reg=reg, numItermax=10000, stopThr=1e-13, log=True
    )
    np.testing.assert_allclose(h, h_pot / h_pot.sum(), atol=1e-7)
    for P, Q in zip(plans, log["gamma"]):
        np.testing.assert_allclose(P, Q, atol=1e-8)


# ------------------------------------------------------------------- minibatches
def test_minibatch_plan_is_a_near_feasible_block_plan():
    Xs, Xt = point_clouds(103, 77)

    def solve(s, t):
        return sinkhorn(
            uniform(s.size), uniform(t.size), cost_matrix(Xs[s], Xt[t]), 1.0
        )[0]

    P = minibatch_plan(103, 77, solve, 25, random_state=0)
    assert sparse.issparse(P)
    rows, cols = np.asarray(P.sum(axis=1)).ravel(), np.asarray(P.sum(axis=0)).ravel()
    np.testing.assert_allclose(rows, uniform(103), atol=1e-12)
    k = 5  # ceil(103 / 25) batches
    assert np.all(np.abs(cols * 77 - 1) <= k / 77 + 1e-9)
    # each row is matched inside its batch only
    assert P.nnz <= sum(s * t for s, t in zip([21] * 5, [16] * 5))


def test_resolve_batch_size():
    assert resolve_batch_size(None, 10**6, 10**6) is None
    assert resolve_batch_size("auto", 4096, 4096) is None
    assert resolve_batch_size("auto", 4097, 4096) == _ot.AUTO_BATCH_SIZE
    assert resolve_batch_size(100, 80, 90) is None
    assert resolve_batch_size(100, 80, 190) == 100


def test_dense_plan_guard_names_the_minibatch_option(monkeypatch):
    monkeypatch.setenv("SKADAPT_MAX_DENSE_BYTES", "1000")
    with pytest.raises(MemoryLimitError, match="batch_size"):
        _ot.dense_plan_guard(100, 100, 3, "A plan")


# ------------------------------------------------------------------ Gaussians
def test_barycenter_of_commuting_covariances_is_the_squared_mean_root():
    covs = np.array(
        [np.diag([1.0, 4.0, 9.0]), np.diag([9.0, 1.0, 4.0]), np.diag([4.0, 4.0, 1.0])]
    )
    w = np.array([0.2, 0.3, 0.5])
    S, _ = gaussian_barycenter(covs, w)
    expected = np.diag((w @ np.sqrt(np.array([np.diag(c) for c in covs]))) ** 2)
    np.testing.assert_allclose(S, expected, atol=1e-10)


def test_barycenter_solves_its_fixed_point_equation_and_is_a_midpoint():
    rng = np.random.RandomState(0)
    covs = []
    for _ in range(3):
        A = rng.normal(size=(4, 4))
        covs.append(A @ A.T + 0.1 * np.eye(4))
    S, n_iter = gaussian_barycenter(np.array(covs))
    assert n_iter < 100
    r = _ot.sym_power(S, 0.5)
    fixed = sum(_ot.sym_power(r @ C @ r, 0.5) for C in covs) / 3
    np.testing.assert_allclose(fixed, S, atol=1e-9)
    # two Gaussians: the barycentre is the midpoint of the W2 geodesic
    A, B = covs[:2]
    T = gaussian_monge_map(A, B)
    M = 0.5 * (np.eye(4) + T)
    S2, _ = gaussian_barycenter(np.array([A, B]))
    np.testing.assert_allclose(S2, M @ A @ M, atol=1e-9)
