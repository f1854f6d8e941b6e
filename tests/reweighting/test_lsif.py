import numpy as np
import pytest
from scipy import linalg

from skadapt._core import pairwise_kernel
from skadapt.reweighting import RULSIF, ULSIF
from skadapt.reweighting._lsif import _lsif_loo_scores, _lsif_solve

from ._data import check_weights, rank_correlation, true_ratio, two_gaussians


def test_ulsif_equals_closed_form():
    X, sd, _ = two_gaussians(80, 60)
    est = ULSIF(gamma=0.7, alpha=0.05, n_centers=30, max_weight=None).fit(
        X, sample_domain=sd
    )
    Xs, Xt = X[sd > 0], X[sd < 0]
    Ps = pairwise_kernel(Xs, est.centers_, gamma=0.7)
    Pt = pairwise_kernel(Xt, est.centers_, gamma=0.7)
    H = Ps.T @ Ps / len(Xs)
    h = Pt.mean(axis=0)
    theta = np.maximum(np.linalg.solve(H + 0.05 * np.eye(30), h), 0)
    np.testing.assert_allclose(est.coef_, theta, rtol=1e-8, atol=1e-12)
    r = Ps @ theta
    np.testing.assert_allclose(est.weights_, r / r.mean(), rtol=1e-8)
    # the out-of-sample form agrees with the fitted weights on the source rows
    np.testing.assert_allclose(est.compute_weights(Xs), est.weights_, rtol=1e-8)


@pytest.mark.parametrize("mixture", [0.0, 0.3])
def test_leave_one_out_matches_brute_force(mixture):
    """The Woodbury leave-pair-out scores equal refitting without each pair."""
    rng = np.random.RandomState(0)
    Ps = rng.uniform(size=(12, 4))
    Pt = rng.uniform(size=(9, 4)) + 0.2
    alphas = [0.01, 0.5]
    scores = _lsif_loo_scores(Ps, Pt, alphas, mixture, random_state=3)
    # the same pairs as the function draws
    rs = np.random.RandomState(3)
    ti = rs.choice(9, 9, replace=False)
    si = rs.choice(12, 9, replace=False)
    ns, nt = 12, 9
    for k, alpha in enumerate(alphas):
        losses = []
        for i, j in zip(ti, si):
            Pt_ = np.delete(Pt, i, axis=0)
            Ps_ = np.delete(Ps, j, axis=0)
            H = mixture * Pt_.T @ Pt_ / (nt - 1) + (1 - mixture) * Ps_.T @ Ps_ / (
                ns - 1
            )
            theta = np.maximum(linalg.solve(H + alpha * np.eye(4), Pt_.mean(axis=0)), 0)
            rt, rsrc = Pt[i] @ theta, Ps[j] @ theta
            losses.append(0.5 * mixture * rt**2 + 0.5 * (1 - mixture) * rsrc**2 - rt)
        np.testing.assert_allclose(scores[k], np.mean(losses), rtol=1e-8)


def test_lsif_solve_is_ridge_solution():
    rng = np.random.RandomState(1)
    Ps, Pt = rng.uniform(size=(20, 3)), rng.uniform(size=(15, 3))
    theta = _lsif_solve(Ps, Pt, 0.1, mixture=0.2)
    H = 0.2 * Pt.T @ Pt / 15 + 0.8 * Ps.T @ Ps / 20 + 0.1 * np.eye(3)
    np.testing.assert_allclose(
        theta, np.maximum(np.linalg.solve(H, Pt.mean(0)), 0), rtol=1e-10
    )


@pytest.mark.parametrize(
    "est, threshold",
    # Spearman correlation with the true ratio, measured 0.985 and 0.984
    [(ULSIF(), 0.95), (RULSIF(), 0.95)],
)
def test_weights_follow_true_ratio(est, threshold):
    X, sd, truth = two_gaussians()
    est.fit(X, sample_domain=sd)
    check_weights(est.weights_, 300)
    assert rank_correlation(est.weights_, truth) > threshold
    Xnew = np.random.RandomState(5).normal(size=(200, 2))
    w = est.compute_weights(Xnew)
    assert np.all(np.isfinite(w)) and np.all(w >= 0)
    assert rank_correlation(w, true_ratio(Xnew)) > threshold - 0.05
    assert est.cv_scores_.shape == (5, 4)


def test_rulsif_relative_ratio_is_bounded():
    X, sd, _ = two_gaussians()
    est = RULSIF(mixture=0.5, max_weight=None).fit(X, sample_domain=sd)
    # r_alpha <= 1 / mixture; after rescaling to mean 1 the spread stays small
    assert est.weights_.max() / est.weights_.mean() < 1 / 0.5 / 0.3


def test_single_domain_and_float32():
    X = np.random.RandomState(0).normal(size=(30, 2)).astype(np.float32)
    est = ULSIF().fit(X)
    np.testing.assert_array_equal(est.weights_, np.ones(30))
    np.testing.assert_array_equal(est.compute_weights(X[:5]), np.ones(5))
    X2, sd, _ = two_gaussians(50, 50)
    w32 = ULSIF().fit(X2.astype(np.float32), sample_domain=sd).weights_
    w64 = ULSIF().fit(X2, sample_domain=sd).weights_
    np.testing.assert_allclose(w32, w64, rtol=1e-3, atol=1e-4)


def test_errors():
    X, sd, _ = two_gaussians(20, 20)
    with pytest.raises(ValueError, match="kernel width gamma must be > 0"):
        ULSIF(gamma=[1.0, 0.0]).fit(X, sample_domain=sd)
    with pytest.raises(ValueError, match="kernel width gamma must be > 0"):
        RULSIF(gamma=[-1.0]).fit(X, sample_domain=sd)
    with pytest.raises(ValueError, match="alpha must be > 0"):
        ULSIF(alpha=[0.1, -1]).fit(X, sample_domain=sd)
    with pytest.raises(ValueError, match="needs target rows"):
        ULSIF().fit(X, sample_domain=np.ones(40, int))
    with pytest.raises(ValueError, match="at least 2 source rows"):
        ULSIF().fit(X[19:], sample_domain=sd[19:])
    with pytest.raises(ValueError, match="NaN"):
        ULSIF().fit(np.where(X > 1, np.nan, X), sample_domain=sd)


def test_loo_scores_do_not_depend_on_the_pair_block_size(monkeypatch):
    """Pairs go through the Woodbury solve in blocks of bounded memory: any block
    size gives the same criterion."""
    import skadapt.reweighting._lsif as lsif

    rng = np.random.RandomState(0)
    Ps, Pt = rng.rand(300, 20), rng.rand(200, 20)
    alphas = [1e-3, 1e-1, 1.0]
    for mixture in (0.0, 0.4):
        ref = _lsif_loo_scores(Ps, Pt, alphas, mixture, random_state=2)
        monkeypatch.setattr(lsif, "_LOO_BLOCK_MIB", 0.01)  # blocks of a few pairs
        np.testing.assert_allclose(
            _lsif_loo_scores(Ps, Pt, alphas, mixture, random_state=2),
            ref,
            rtol=1e-12,
        )
        monkeypatch.undo()


def test_loo_criterion_on_a_subset_of_pairs_estimates_the_full_one():
    # the selection averages the leave-one-out loss over at most
    # _LOO_MAX_PAIRS random pairs: an unbiased estimate of the full mean, whose
    # error is small against the differences between the grid's widths
    from skadapt._core import pairwise_kernel
    from skadapt.reweighting._lsif import _lsif_loo_scores

    rng = np.random.RandomState(0)
    Xs = rng.normal(size=(6000, 3))
    Xt = rng.normal(size=(6000, 3)) + 0.5
    centers = Xt[:50]
    alphas = [1e-3, 1e-2, 1e-1, 1.0]
    full, part = [], []
    for gamma in (0.05, 0.5, 5.0):
        Ps = pairwise_kernel(Xs, centers, gamma=gamma)
        Pt = pairwise_kernel(Xt, centers, gamma=gamma)
        full.append(_lsif_loo_scores(Ps, Pt, alphas))
        part.append(_lsif_loo_scores(Ps, Pt, alphas, n_pairs=1500, random_state=1))
    np.testing.assert_allclose(part, full, rtol=0.05, atol=0.03)
    # the same point of the grid wins (the best two differ by about 0.07)
    assert np.argmin(part) == np.argmin(full)
