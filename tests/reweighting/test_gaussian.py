import numpy as np
import pytest
from scipy.stats import multivariate_normal

from skadapt.reweighting import GaussianDensityRatio

from ._data import check_weights, rank_correlation, two_gaussians


def test_log_ratio_matches_scipy():
    X, sd, _ = two_gaussians(200, 150)
    est = GaussianDensityRatio(reg=0.0, max_weight=None, power=1.0).fit(
        X, sample_domain=sd
    )
    Xs, Xt = X[sd > 0], X[sd < 0]
    ps = multivariate_normal(Xs.mean(0), np.cov(Xs.T, bias=True))
    pt = multivariate_normal(Xt.mean(0), np.cov(Xt.T, bias=True))
    log_r = pt.logpdf(Xs) - ps.logpdf(Xs)
    expected = np.exp(log_r)
    np.testing.assert_allclose(est.weights_, expected / expected.mean(), rtol=1e-6)
    Xnew = np.random.RandomState(1).normal(size=(5, 2))
    w = est.compute_weights(Xnew)
    np.testing.assert_allclose(
        np.log(w[1:] / w[0]),
        (pt.logpdf(Xnew) - ps.logpdf(Xnew))[1:]
        - (pt.logpdf(Xnew) - ps.logpdf(Xnew))[0],
        rtol=1e-6,
    )


def test_weights_follow_true_ratio_and_are_capped():
    X, sd, truth = two_gaussians()
    est = GaussianDensityRatio().fit(X, sample_domain=sd)
    check_weights(est.weights_, 300)
    # Spearman correlation with the true ratio, measured 0.999
    assert rank_correlation(est.weights_, truth) > 0.98
    capped = GaussianDensityRatio(max_weight=2.0).fit(X, sample_domain=sd)
    check_weights(capped.weights_, 300)
    assert capped.weights_.max() <= 2.0 + 1e-12


def test_high_dimension_is_finite():
    """More features than rows: shrinkage keeps the covariances invertible."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 100))
    X[30:] += 0.5
    sd = np.r_[np.ones(30, int), -np.ones(30, int)]
    est = GaussianDensityRatio().fit(X, sample_domain=sd)
    check_weights(est.weights_, 30)


def test_errors():
    Xd, sd, _ = two_gaussians(20, 20)
    with pytest.raises(ValueError, match="needs target rows"):
        GaussianDensityRatio().fit(Xd, sample_domain=np.ones(40, int))
    with pytest.raises(ValueError, match="at least 2 source rows"):
        GaussianDensityRatio().fit(Xd[19:], sample_domain=sd[19:])


def test_auto_power_tempers_a_spread_log_ratio():
    rng = np.random.RandomState(0)
    # 60 dimensions, a shift in every one: the plain log ratio spreads widely
    Xs = rng.normal(size=(300, 60))
    Xt = rng.normal(size=(300, 60)) * 1.3 + 0.4
    X = np.vstack([Xs, Xt])
    sd = np.r_[np.ones(300, int), -np.ones(300, int)]
    plain = GaussianDensityRatio(power=1.0, max_weight=None).fit(X, sample_domain=sd)
    auto = GaussianDensityRatio(max_weight=None).fit(X, sample_domain=sd)
    log_plain = np.log(plain.weights_)
    assert np.std(log_plain) > 2 and auto.power_ < 0.5
    # the tempered log-weights are the plain ones scaled by power_: std one
    np.testing.assert_allclose(np.std(np.log(auto.weights_)), 1.0, rtol=1e-6)
    np.testing.assert_allclose(
        np.log(auto.weights_) - np.log(auto.weights_).mean(),
        auto.power_ * (log_plain - log_plain.mean()),
        atol=1e-8,
    )
    assert auto.ess_ > 0.15 * 300 and auto.ess_ > 5 * plain.ess_
