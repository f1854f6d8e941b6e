"""The private maths against naive references written here."""

import numpy as np
import pytest
from scipy.optimize import minimize
from scipy.special import softmax

from skadapt.label_shift._maths import (
    calibrated_proba,
    confusion_matrix,
    em_log_likelihood,
    em_priors,
    fit_calibration,
    project_simplex,
    rlls_radius,
    rlls_theta,
    simplex_lstsq,
)


def _naive_simplex_min(fun, k, x0=None):
    """Minimise ``fun`` over the simplex by SLSQP (a reference, not fast)."""
    x0 = np.full(k, 1.0 / k) if x0 is None else x0
    res = minimize(
        fun,
        x0,
        method="SLSQP",
        bounds=[(0.0, 1.0)] * k,
        constraints=[{"type": "eq", "fun": lambda q: q.sum() - 1.0}],
        options={"ftol": 1e-14, "maxiter": 1000},
    )
    return res.x


def test_project_simplex_is_the_euclidean_projection():
    rng = np.random.RandomState(0)
    V = rng.normal(size=(20, 5)) * 2
    P = project_simplex(V)
    assert np.allclose(P.sum(axis=1), 1.0) and np.all(P >= 0)
    for v, p in zip(V, P):
        ref = _naive_simplex_min(lambda q: np.sum((q - v) ** 2), 5)
        assert np.allclose(p, ref, atol=1e-6)
    inside = rng.dirichlet(np.ones(5), size=4)
    assert np.allclose(project_simplex(inside), inside)


def test_simplex_lstsq_inverse_inside_and_constrained_outside():
    rng = np.random.RandomState(1)
    k = 4
    M = np.eye(k) * 0.7 + 0.3 * rng.dirichlet(np.ones(k), size=k).T
    M /= M.sum(axis=0)  # columns of a confusion matrix sum to one
    q = rng.dirichlet(np.ones(k))
    assert np.allclose(simplex_lstsq(M, M @ q)[0], q)
    # a target mean no prior on the simplex explains: the constrained optimum
    mu = M @ np.array([1.3, -0.2, -0.1, 0.0])
    got = simplex_lstsq(M, mu, tol=1e-14)[0]
    ref = _naive_simplex_min(lambda x: np.sum((M @ x - mu) ** 2), k)
    assert np.all(got >= 0) and np.isclose(got.sum(), 1.0)
    assert np.sum((M @ got - mu) ** 2) <= np.sum((M @ ref - mu) ** 2) + 1e-12
    # batched: one answer per row, the same as one at a time
    mus = np.stack([M @ q, mu])
    batch = simplex_lstsq(M, mus, tol=1e-14)[0]
    assert np.allclose(batch[0], q) and np.allclose(batch[1], got, atol=1e-6)


def test_confusion_matrix_counts():
    H = np.eye(2)[[0, 0, 1, 1, 1]]
    Y = np.eye(2)[[0, 0, 0, 1, 1]]
    M, total = confusion_matrix(H, Y, np.ones(5))
    assert np.allclose(M, [[2 / 3, 0.0], [1 / 3, 1.0]])
    assert np.allclose(total, [3, 2])


def test_em_matches_direct_maximum_likelihood():
    rng = np.random.RandomState(2)
    k, n = 3, 500
    P = rng.dirichlet(np.ones(k) * 0.7, size=n)
    pi = np.array([0.5, 0.3, 0.2])
    a = np.full((1, n), 1.0 / n)
    q_em, n_iter, converged = em_priors(P, a, pi, max_iter=100000, tol=1e-13)
    assert converged
    ref = _naive_simplex_min(
        lambda q: -em_log_likelihood(P, a[0], pi, np.maximum(q, 1e-300)), k
    )
    assert np.allclose(q_em[0], ref, atol=1e-5)
    ll = em_log_likelihood(P, a[0], pi, q_em[0])
    assert ll >= em_log_likelihood(P, a[0], pi, ref) - 1e-9


def test_em_fixed_point_without_shift():
    # posteriors that already average to the reference prior: EM leaves it
    rng = np.random.RandomState(3)
    P = rng.dirichlet(np.ones(3), size=200)
    pi = P.mean(axis=0)
    q, _, _ = em_priors(P, np.full((1, 200), 1 / 200), pi, tol=1e-12)
    grad_zero_at_pi = (P / pi).mean(axis=0) / (P @ (pi / pi)).mean()
    assert np.allclose(grad_zero_at_pi, 1.0)  # pi is a stationary point
    assert np.allclose(q[0], pi, atol=1e-6)


@pytest.mark.parametrize("kind", ["bcts", "vs", "ts"])
def test_calibration_minimises_the_nll(kind):
    rng = np.random.RandomState(4)
    n, k = 400, 3
    y = rng.randint(k, size=n)
    Z = 3.0 * np.eye(k)[y] + rng.normal(size=(n, k)) * 2.0  # over-confident logits
    Y = np.eye(k)[y]
    w = rng.uniform(0.5, 1.5, size=n)
    params = fit_calibration(Z, Y, w, kind)

    def nll(P):
        return -np.sum(w * np.log(np.sum(P * Y, axis=1))) / w.sum()

    best = nll(calibrated_proba(Z, params, kind))
    assert best < nll(softmax(Z, axis=1))
    # a small move of any parameter does not lower the NLL (a minimum)
    a, b = params
    for da in (-1e-3, 1e-3):
        assert nll(calibrated_proba(Z, (a * (1 + da), b), kind)) >= best - 1e-9
    if kind != "ts":
        e = np.zeros(k)
        e[0] = 1e-3
        assert nll(calibrated_proba(Z, (a, b + e), kind)) >= best - 1e-9
        # zero gradient in the biases: the calibrated posteriors average to the
        # weighted class frequencies
        P = calibrated_proba(Z, params, kind)
        assert np.allclose(w @ P / w.sum(), w @ Y / w.sum(), atol=1e-5)


def test_rlls_theta_against_a_direct_minimisation():
    rng = np.random.RandomState(5)
    k = 4
    for trial in range(6):
        C = rng.dirichlet(np.ones(k), size=k).T * 0.25 + np.diag(rng.uniform(0, 0.2, k))
        b = C @ rng.uniform(-1.2, 2.0, size=k)
        rho = [0.0, 0.005, 0.02, 0.05, 0.1, 1.0][trial]
        theta = rlls_theta(C, b, rho)

        def f(t, rho=rho):
            return np.linalg.norm(C @ t - b) + rho * np.linalg.norm(t)

        starts = [np.zeros(k), np.maximum(np.linalg.solve(C, b), -1), theta]
        ref = min(
            (
                minimize(
                    f,
                    x0,
                    method="Powell",
                    bounds=[(-1, None)] * k,
                    options={"xtol": 1e-10, "ftol": 1e-13, "maxiter": 50000},
                )
                for x0 in starts
            ),
            key=lambda r: r.fun,
        )
        assert np.all(theta >= -1 - 1e-9)
        assert f(theta) <= ref.fun + 1e-7


def test_rlls_shrinks_to_no_shift_when_rho_is_large():
    C = np.diag([0.3, 0.3, 0.4])
    b = C @ np.array([0.5, -0.5, 0.0])
    assert np.allclose(rlls_theta(C, b, 10.0), 0.0)
    assert np.allclose(rlls_theta(C, b, 0.0), [0.5, -0.5, 0.0], atol=1e-8)


def test_rlls_radius_decreases_like_one_over_root_n():
    r1, r4 = rlls_radius(10, 1000, 0.05), rlls_radius(10, 4000, 0.05)
    assert 0.45 < r4 / r1 < 0.55
