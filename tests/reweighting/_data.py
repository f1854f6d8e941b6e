"""Two Gaussian domains whose density ratio is known in closed form."""

import numpy as np
from scipy.stats import multivariate_normal, spearmanr

MU = np.array([0.5, 0.5])
SCALE = 0.7


def two_gaussians(n_source=300, n_target=300, seed=0):
    """Source N(0, I), target N(MU, SCALE^2 I) in two dimensions."""
    rng = np.random.RandomState(seed)
    Xs = rng.normal(size=(n_source, 2))
    Xt = MU + SCALE * rng.normal(size=(n_target, 2))
    X = np.r_[Xs, Xt]
    sd = np.r_[np.ones(n_source, int), -np.ones(n_target, int)]
    return X, sd, true_ratio(Xs)


def true_ratio(X):
    pt = multivariate_normal(MU, SCALE**2 * np.eye(2)).pdf(X)
    ps = multivariate_normal(np.zeros(2), np.eye(2)).pdf(X)
    return pt / ps


def rank_correlation(w, truth):
    return spearmanr(w, truth)[0]


def check_weights(w, n):
    assert w.shape == (n,)
    assert np.all(np.isfinite(w))
    assert np.all(w >= 0)
    np.testing.assert_allclose(w.mean(), 1.0, rtol=1e-10)
