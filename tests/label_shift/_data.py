"""Synthetic label shift with known priors, shared by the family's tests."""

import numpy as np


def gaussian_classes(n_classes=3, n_features=2, separation=2.5, random_state=0):
    """Class means of a Gaussian mixture (unit covariance), fixed by the seed."""
    rng = np.random.RandomState(random_state)
    return rng.normal(0.0, separation, size=(n_classes, n_features))


def draw(means, priors, n, rng):
    """``n`` rows of the mixture with the given class priors, and their labels."""
    y = rng.choice(means.shape[0], size=n, p=priors)
    return means[y] + rng.normal(size=(n, means.shape[1])), y


def label_shift_data(n_source, n_target, target_priors, *, means=None, seed=0):
    """``X, y, sample_domain, y_true`` with uniform source and given target priors."""
    means = gaussian_classes() if means is None else means
    k = means.shape[0]
    rng = np.random.RandomState(seed)
    Xs, ys = draw(means, np.full(k, 1.0 / k), n_source, rng)
    Xt, yt = draw(means, np.asarray(target_priors), n_target, rng)
    X = np.r_[Xs, Xt]
    y = np.r_[ys, np.full(n_target, -1)]
    sd = np.r_[np.ones(n_source, int), -np.ones(n_target, int)]
    return X, y, sd, np.r_[ys, yt]
