import numpy as np
import pytest

from skadapt.reweighting import NearestNeighborWeighting

from ._data import check_weights, rank_correlation, two_gaussians


def test_counts_match_naive_loop():
    X, sd, _ = two_gaussians(40, 70)
    est = NearestNeighborWeighting(smoothing=0.5, max_weight=None).fit(
        X, sample_domain=sd
    )
    Xs, Xt = X[sd > 0], X[sd < 0]
    counts = np.zeros(40, int)
    for x in Xt:
        counts[np.argmin(((Xs - x) ** 2).sum(axis=1))] += 1
    np.testing.assert_array_equal(est.counts_, counts)
    expected = counts + 0.5
    np.testing.assert_allclose(est.weights_, expected / expected.mean())


def test_weights_follow_true_ratio():
    X, sd, truth = two_gaussians()
    est = NearestNeighborWeighting().fit(X, sample_domain=sd)
    check_weights(est.weights_, 300)
    # Spearman correlation with the true ratio, measured 0.695 (counts are noisy)
    assert rank_correlation(est.weights_, truth) > 0.6
    assert not hasattr(est, "compute_weights")


def test_single_domain_and_errors():
    X = np.random.RandomState(0).normal(size=(10, 2))
    np.testing.assert_array_equal(
        NearestNeighborWeighting().fit(X).weights_, np.ones(10)
    )
    Xd, sd, _ = two_gaussians(20, 20)
    with pytest.raises(ValueError, match="needs target rows"):
        NearestNeighborWeighting().fit(Xd, sample_domain=np.ones(40, int))
    with pytest.raises(ValueError, match="at least 2 source rows"):
        NearestNeighborWeighting().fit(Xd[19:], sample_domain=sd[19:])
