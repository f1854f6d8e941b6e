import numpy as np
import pytest

from skadapt._core import pairwise_kernel
from skadapt.reweighting import KLIEP
from skadapt.reweighting._kliep import _kliep_em

from ._data import check_weights, rank_correlation, two_gaussians


def test_em_reaches_kliep_optimum():
    """KKT conditions of max sum log(A a) s.t. b'a = 1, a >= 0."""
    rng = np.random.RandomState(0)
    A = rng.uniform(0.05, 1, size=(50, 6))
    b = rng.uniform(0.2, 1, size=6)
    masks = np.ones((50, 2))
    masks[:10, 0] = 0
    alpha, _ = _kliep_em(A, b, masks, max_iter=20000, tol=1e-14)
    for k in range(2):
        rows = masks[:, k] > 0
        a = alpha[:, k]
        np.testing.assert_allclose(b @ a, 1.0, rtol=1e-10)
        assert np.all(a >= 0)
        # gradient / n = A' (1 / A a) / n  <= b, with equality where a > 0
        grad = A[rows].T @ (1.0 / (A[rows] @ a)) / rows.sum()
        assert np.all(grad <= b * (1 + 1e-4))
        np.testing.assert_allclose(grad[a > 1e-6], b[a > 1e-6], rtol=1e-4)


def test_source_mean_of_ratio_is_one():
    X, sd, _ = two_gaussians(100, 100)
    est = KLIEP(gamma=1.0, max_weight=None).fit(X, sample_domain=sd)
    r = pairwise_kernel(X[sd > 0], est.centers_, gamma=1.0) @ est.coef_
    np.testing.assert_allclose(r.mean(), 1.0, rtol=1e-10)
    np.testing.assert_allclose(est.weights_, r, rtol=1e-10)


def test_weights_follow_true_ratio_and_parallel():
    X, sd, truth = two_gaussians()
    est = KLIEP(random_state=0).fit(X, sample_domain=sd)
    check_weights(est.weights_, 300)
    # Spearman correlation with the true ratio, measured 0.953
    assert rank_correlation(est.weights_, truth) > 0.9
    assert est.cv_scores_.shape == (5,)
    par = KLIEP(n_jobs=2, random_state=0).fit(X, sample_domain=sd)
    np.testing.assert_allclose(par.weights_, est.weights_)


def test_single_domain_and_float32():
    X = np.random.RandomState(0).normal(size=(30, 2))
    est = KLIEP(random_state=0).fit(X)
    np.testing.assert_array_equal(est.weights_, np.ones(30))
    X2, sd, _ = two_gaussians(60, 150)
    w32 = KLIEP(random_state=0).fit(X2.astype(np.float32), sample_domain=sd).weights_
    w64 = KLIEP(random_state=0).fit(X2, sample_domain=sd).weights_
    np.testing.assert_allclose(w32, w64, rtol=1e-3, atol=1e-4)


def test_errors():
    X, sd, _ = two_gaussians(20, 20)
    with pytest.raises(ValueError, match="n_centers \\+ cv"):
        KLIEP(cv=15).fit(X, sample_domain=sd)
    with pytest.raises(ValueError, match="kernel width gamma must be > 0"):
        KLIEP(gamma=[0.0, 1.0]).fit(X, sample_domain=sd)
    with pytest.raises(ValueError, match="needs target rows"):
        KLIEP(random_state=0).fit(X, sample_domain=np.ones(40, int))
    with pytest.raises(ValueError, match="at least 2 source rows"):
        KLIEP(random_state=0).fit(X[19:], sample_domain=sd[19:])
