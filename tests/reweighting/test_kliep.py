import warnings

import numpy as np
import pytest
from sklearn import config_context
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.utils import check_random_state

import skadapt.reweighting._kliep as kliep_module
from skadapt._core import pairwise_kernel, rbf_exp
from skadapt.exceptions import DegenerateFitWarning
from skadapt.reweighting import KLIEP
from skadapt.reweighting._kliep import _kliep_em, _kliep_kernels

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


def test_warm_started_folds_give_the_converged_scores():
    """The folds start from the fit on all rows: their held-out scores agree with
    a run converged to a far tighter tolerance (to well below the differences
    between widths the cross-validation chooses from)."""
    X, sd, _ = two_gaussians(400, 300)
    grid = [0.05, 0.2, 0.8, 3.2]
    est = KLIEP(gamma=grid, random_state=0).fit(X, sample_domain=sd)
    ref = KLIEP(gamma=grid, random_state=0, tol=1e-10, max_iter=3000).fit(
        X, sample_domain=sd
    )
    # the default tolerance stops EM within a few 1e-3 of the converged scores
    # (folds started from uniform weights: about 1e-3), against differences of
    # more than 1e-2 between the widths
    np.testing.assert_allclose(est.cv_scores_, ref.cv_scores_, atol=5e-3)
    assert est.gamma_ == ref.gamma_
    assert np.min(np.abs(np.diff(ref.cv_scores_))) > 1e-2


def test_em_from_a_start_point_reaches_the_same_optimum():
    rng = np.random.RandomState(1)
    A = rng.uniform(0.05, 1, size=(80, 7))
    b = rng.uniform(0.2, 1, size=7)
    masks = np.ones((80, 1))
    a0, _ = _kliep_em(A, b, masks, max_iter=20000, tol=1e-14)
    start = rng.dirichlet(np.ones(7))[:, None]
    a1, _ = _kliep_em(A, b, masks, max_iter=20000, tol=1e-14, beta0=start)
    np.testing.assert_allclose(a1, a0, atol=1e-5)


def _reference_kliep(Xs, Xt, grid, *, n_centers, cv, random_state, cv_max_rows):
    """KLIEP's fit written out with each width's kernel from sklearn's rbf_kernel
    (same draws of centres and folds, same EM and stopping rule)."""
    rng = check_random_state(random_state)
    rng.randint(2**31 - 1)  # the draw of the median-heuristic subsample
    nt = Xt.shape[0]
    perm = rng.permutation(nt)
    n_c = min(n_centers, max(nt // 2, 1))
    centers = Xt[perm[:n_c]]
    folds = np.full(nt, -1)
    folds[perm[n_c:]] = np.arange(nt - n_c) % cv
    rows = np.sort(perm[:cv_max_rows])
    f = folds[rows]
    masks = np.ones((rows.size, cv + 1))
    for k in range(cv):
        masks[f == k, k] = 0.0
    scores, coefs, bs = [], [], []
    for g in grid:
        A = rbf_kernel(Xt[rows], centers, gamma=g)
        b = rbf_kernel(Xs, centers, gamma=g).mean(axis=0)
        full, _ = _kliep_em(A, b, masks[:, -1:], tol=1e-6)
        beta0 = np.repeat(full * b[:, None], cv, axis=1)
        fa, _ = _kliep_em(A, b, masks[:, :-1], tol=1e-6, beta0=beta0)
        scores.append(
            np.mean([np.mean(np.log(A[f == k] @ fa[:, k])) for k in range(cv)])
        )
        coefs.append(full[:, 0])
        bs.append(b)
    best = int(np.argmax(scores))
    coef = coefs[best]
    if rows.size < nt:
        A = rbf_kernel(Xt, centers, gamma=grid[best])
        beta0 = (coef * bs[best])[:, None]
        coef = _kliep_em(A, bs[best], np.ones((nt, 1)), tol=1e-6, beta0=beta0)[0][:, 0]
    raw = rbf_kernel(Xs, centers, gamma=grid[best]) @ coef
    return np.array(scores), coef, raw / raw.mean()


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("sizes", [(60, 80), (300, 400)])
@pytest.mark.parametrize("duplicates", [False, True])
@pytest.mark.parametrize("cv_max_rows", [None, 120])
def test_fit_matches_a_reference_with_direct_kernels(
    seed, sizes, duplicates, cv_max_rows, monkeypatch
):
    """The squared distances are computed once for the whole grid (the source rows
    by blocks): the fit equals one that computes every width's kernels directly, to
    rounding. The held-out scores come from folds stopped at ``tol=1e-6``, which
    turns rounding of the kernels into up to about 1e-9 (measured 1.2e-9; the
    kernels of before the change differed from these references as much)."""
    rng = np.random.RandomState(seed)
    ns, nt = sizes
    Xs = rng.normal(size=(ns, 5))
    Xt = 0.5 + 1.3 * rng.normal(size=(nt, 5))
    if duplicates:
        Xs[ns // 2 :] = Xs[: ns - ns // 2]
        Xt[nt // 3 : 2 * (nt // 3)] = Xt[: nt // 3]
    grid = list(rng.uniform(0.05, 0.3) * np.array([1 / 16, 1 / 4, 1.0, 4.0, 16.0]))
    rng.shuffle(grid)  # the first width, whose exponent is kept, is not special
    if cv_max_rows is not None:  # the refit of the chosen width on all target rows
        monkeypatch.setattr(kliep_module, "_CV_MAX_ROWS", cv_max_rows)
    X = np.r_[Xs, Xt]
    sd = np.r_[np.ones(ns, int), -np.ones(nt, int)]
    est = KLIEP(gamma=grid, n_centers=30, max_weight=None, random_state=seed)
    with config_context(working_memory=0.02):  # source rows in blocks of 6
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DegenerateFitWarning)
            est.fit(X, sample_domain=sd)
    scores, coef, weights = _reference_kliep(
        Xs,
        Xt,
        grid,
        n_centers=30,
        cv=5,
        random_state=seed,
        cv_max_rows=cv_max_rows or kliep_module._CV_MAX_ROWS,
    )
    np.testing.assert_allclose(est.cv_scores_, scores, rtol=0, atol=1e-8)
    np.testing.assert_allclose(est.coef_, coef, rtol=0, atol=1e-10 * coef.max())
    np.testing.assert_allclose(est.weights_, weights, rtol=1e-10)


def test_kernels_of_the_grid_from_one_pass():
    rng = np.random.RandomState(3)
    Xs = rng.normal(size=(250, 4))
    Xs[100:200] = Xs[:100]
    Xt = 0.3 + rng.normal(size=(90, 4))
    centers = Xt[:20].copy()
    grid = [0.7, 0.02, 3.0]
    with config_context(working_memory=0.01):
        exponent, b = _kliep_kernels(Xs, Xt, centers, grid)
    for k, g in enumerate(grid):
        K = rbf_exp(exponent * (g / grid[0]))
        np.testing.assert_allclose(K, rbf_kernel(Xt, centers, gamma=g), rtol=1e-12)
        ref = rbf_kernel(Xs, centers, gamma=g).mean(axis=0)
        np.testing.assert_allclose(b[k], ref, rtol=1e-12)
