"""The numeric core against naive numpy on small inputs."""

import numpy as np
import pytest
import sklearn
from scipy import linalg
from sklearn.covariance import ledoit_wolf
from sklearn.metrics.pairwise import rbf_kernel

from skadapt._core import (
    CovarianceAccumulator,
    iter_kernel_blocks,
    kernel_matvec,
    kernel_row_means,
    ledoit_wolf_shrinkage,
    mean_cov,
    median_heuristic_gamma,
    pairwise_kernel,
    shrink_covariance,
    sym_power,
    sym_sqrt_invsqrt,
)


@pytest.fixture
def X():
    rng = np.random.RandomState(0)
    return rng.normal(size=(50, 4)) @ rng.normal(size=(4, 4)) + 3.0


def test_mean_cov_matches_numpy(X):
    X0 = X.copy()
    mean, cov = mean_cov(X)
    np.testing.assert_allclose(mean, X.mean(0))
    np.testing.assert_allclose(cov, np.cov(X, rowvar=False, bias=True))
    np.testing.assert_array_equal(X, X0)
    w = np.random.RandomState(1).rand(X.shape[0])
    mean_w, cov_w = mean_cov(X, w)
    np.testing.assert_allclose(mean_w, np.average(X, axis=0, weights=w))
    np.testing.assert_allclose(cov_w, np.cov(X, rowvar=False, aweights=w, bias=True))


def test_mean_cov_overwrite_and_fourth_moment(X):
    Xc = X.copy()
    mean, cov, m4 = mean_cov(Xc, overwrite_X=True, fourth_moment=True)
    np.testing.assert_allclose(Xc, X - X.mean(0))  # centred in place
    np.testing.assert_allclose(m4, np.sum(np.sum((X - X.mean(0)) ** 2, 1) ** 2))


@pytest.mark.parametrize("n", [5, 60])  # fewer and more rows than features
def test_ledoit_wolf_matches_sklearn(n):
    rng = np.random.RandomState(n)
    X = rng.normal(size=(n, 8)) * np.arange(1, 9)
    mean, cov, m4 = mean_cov(X, fourth_moment=True)
    s = ledoit_wolf_shrinkage(cov, m4, n)
    shrunk, s_used = shrink_covariance(cov, "auto", lw_shrinkage=s)
    expected, s_sk = ledoit_wolf(X)
    assert s == pytest.approx(s_sk, rel=1e-10)
    np.testing.assert_allclose(shrunk, expected, rtol=1e-10)


def test_shrink_covariance_float_is_relative_to_mean_variance(X):
    _, cov = mean_cov(X)
    out, _ = shrink_covariance(cov, 0.5)
    expected = cov + 0.5 * np.trace(cov) / 4 * np.eye(4)
    np.testing.assert_allclose(out, expected)
    out_scaled, _ = shrink_covariance(100 * cov, 0.5)
    np.testing.assert_allclose(out_scaled, 100 * expected)  # unit-free


def test_sym_power_and_sqrt(X):
    _, C = mean_cov(X)
    sqrt, inv_sqrt = sym_sqrt_invsqrt(C)
    np.testing.assert_allclose(sqrt @ sqrt, C, atol=1e-10)
    np.testing.assert_allclose(inv_sqrt @ C @ inv_sqrt, np.eye(4), atol=1e-10)
    np.testing.assert_allclose(sym_power(C, 0.5), linalg.sqrtm(C).real, atol=1e-10)
    np.testing.assert_allclose(sym_power(C, -1), linalg.inv(C), rtol=1e-8)


def test_sym_power_clips_singular_matrices():
    v = np.array([[1.0, 2.0, 3.0]])
    C = v.T @ v  # rank one
    inv_sqrt = sym_power(C, -0.5)
    assert np.all(np.isfinite(inv_sqrt))
    _, inv_sqrt2 = sym_sqrt_invsqrt(C)
    assert np.all(np.isfinite(inv_sqrt2))


@pytest.mark.parametrize("offset", [0.0, 1e6])
def test_covariance_accumulator_matches_one_pass(X, offset):
    """Near zero the power sums are taken about zero (no shifting pass); far
    from it (mean / spread ~ 1e6) about the first block's mean: both exact."""
    X = X + offset
    acc = CovarianceAccumulator(4)
    for rows in np.array_split(np.arange(X.shape[0]), 7):
        acc.update(X[rows])
    assert acc.shift.any() == bool(offset)
    mean, cov, m4 = mean_cov(X, fourth_moment=True)
    assert acc.n == X.shape[0]
    np.testing.assert_allclose(acc.mean, mean, rtol=1e-12)
    np.testing.assert_allclose(acc.covariance(), cov, rtol=1e-10)
    assert acc.sum_sq_norm_sq() == pytest.approx(m4, rel=1e-9)


def test_kernel_blocks_are_bounded_and_exact():
    rng = np.random.RandomState(0)
    A, B = rng.normal(size=(300, 3)), rng.normal(size=(200, 3))
    K = rbf_kernel(A, B, gamma=0.3)
    # 0.1 MiB holds ~32 rows of 200 float64 values (twice over): several blocks
    blocks = list(iter_kernel_blocks(A, B, gamma=0.3, working_memory=0.1))
    assert len(blocks) > 5
    assert max(b.shape[0] for _, b in blocks) * 200 * 8 <= 0.1 * 2**20
    np.testing.assert_allclose(np.vstack([b for _, b in blocks]), K)
    V = rng.normal(size=(200, 2))
    np.testing.assert_allclose(
        kernel_matvec(A, B, V, gamma=0.3, working_memory=0.1), K @ V
    )
    with sklearn.config_context(working_memory=0.1):
        np.testing.assert_allclose(kernel_row_means(A, B, gamma=0.3), K.mean(1))


@pytest.mark.parametrize("offset", [0.0, 1e3])
def test_rbf_by_one_product_matches_the_distance_formula(offset):
    """The augmented-product RBF kernel equals exp(-gamma ||x - y||^2) computed
    from explicit differences, far from the origin too (the rows are centred
    before the product), in float64 and, to 1e-6, in float32."""
    rng = np.random.RandomState(1)
    A = rng.normal(size=(120, 5)) * 3 + offset
    B = rng.normal(size=(80, 5)) + offset + 1
    for gamma in (0.01, 0.3):
        ref = np.exp(-gamma * ((A[:, None, :] - B[None, :, :]) ** 2).sum(-1))
        ref_sym = np.exp(-gamma * ((A[:, None, :] - A[None, :, :]) ** 2).sum(-1))
        tol = 1e-12 * (1 + gamma * offset**2)
        np.testing.assert_allclose(pairwise_kernel(A, B, gamma=gamma), ref, atol=tol)
        K = pairwise_kernel(A, gamma=gamma)
        np.testing.assert_allclose(K, ref_sym, atol=tol)
        np.testing.assert_array_equal(np.diag(K), 1.0)
        assert K.max() <= 1.0
        K32 = pairwise_kernel(A, B, gamma=gamma, dtype=np.float32)
        assert K32.dtype == np.float32
        # float32: the exponent is off by about 1e-6 of its largest term
        c = 0.5 * (A.mean(0) + B.mean(0))
        scale = gamma * (((A - c) ** 2).sum(1).max() + ((B - c) ** 2).sum(1).max())
        np.testing.assert_allclose(K32, ref, atol=2e-6 * max(scale, 1.0))
        blocks = list(iter_kernel_blocks(A, gamma=gamma, working_memory=0.01))
        assert len(blocks) > 3
        Kb = np.vstack([b for _, b in blocks])
        np.testing.assert_array_equal(np.diag(Kb), 1.0)
        np.testing.assert_allclose(Kb, ref_sym, atol=tol)
    # gamma=None is sklearn's 1 / n_features; float32 input goes through sklearn
    np.testing.assert_allclose(pairwise_kernel(A, B), rbf_kernel(A, B), atol=1e-12)
    A32, B32 = A.astype(np.float32), B.astype(np.float32)
    K = pairwise_kernel(A32, B32, gamma=0.3)
    ref = rbf_kernel(A32.astype(np.float64), B32.astype(np.float64), gamma=0.3)
    np.testing.assert_allclose(K, ref, atol=1e-5)


def test_median_heuristic_gamma():
    rng = np.random.RandomState(0)
    Z = rng.normal(size=(40, 3))
    d2 = ((Z[:, None, :] - Z[None, :, :]) ** 2).sum(-1)[np.triu_indices(40, 1)]
    assert median_heuristic_gamma(Z) == pytest.approx(1 / np.median(d2))
    # scale-free: the median pair always has kernel value exp(-1)
    assert median_heuristic_gamma(10 * Z) == pytest.approx(
        median_heuristic_gamma(Z) / 100
    )
    assert median_heuristic_gamma(np.ones((5, 2))) == 1.0
    big = rng.normal(size=(5000, 3))
    g1 = median_heuristic_gamma(big, max_samples=300, random_state=0)
    g2 = median_heuristic_gamma(big, max_samples=300, random_state=0)
    assert g1 == g2 and g1 > 0
