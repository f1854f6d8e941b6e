"""The mixed-shift recipe of the user guide: covariate weights, then the priors.

A nuisance covariate ``z`` (independent of the class in both domains) moves
between the domains and changes how noisy the class features are, so the source's
confusion matrix and calibration are not the target's: ``p(x | y)`` changes and
label shift alone is the wrong model. Weighting the source rows by
``p_t(z) / p_s(z)``, estimated from ``z`` alone, restores the source the target's
``z``; what is left is label shift relative to the weighted source.
"""

import warnings

import numpy as np
import pytest

from skadapt.label_shift import BBSE, MLLS, label_shift_test
from skadapt.reweighting import ClassifierDensityRatio

TARGET = np.array([0.6, 0.3, 0.1])


def mixed_shift(n_source, n_target, priors, *, shift=1.0, seed=0):
    rng = np.random.RandomState(seed)
    means = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 2.0]])

    def domain(n, p, mu):
        y = rng.choice(3, size=n, p=p)
        z = rng.normal(mu, 1.0, size=n)
        u = means[y] + rng.normal(size=(n, 2)) * np.exp(0.6 * z)[:, None]
        return np.c_[z, u], y

    Xs, ys = domain(n_source, np.ones(3) / 3, 0.0)
    Xt, yt = domain(n_target, priors, shift)
    X = np.r_[Xs, Xt]
    y = np.r_[ys, -np.ones(n_target, int)]
    sd = np.r_[np.ones(n_source, int), -np.ones(n_target, int)]
    return X, y, sd, yt


@pytest.mark.parametrize("make", [BBSE, MLLS], ids=["BBSE", "MLLS"])
def test_covariate_weights_then_priors_beats_priors_alone(make):
    """Measured over 3 draws: BBSE's MAE halves (0.08 -> 0.04), MLLS's falls 2.5x."""
    plain, weighted = [], []
    for seed in range(3):
        X, y, sd, yt = mixed_shift(3000, 3000, TARGET, seed=seed)
        q = np.bincount(yt, minlength=3) / yt.size
        weighter = ClassifierDensityRatio(random_state=0)
        weighter.fit(X[:, :1], y, sample_domain=sd)  # the covariate only
        sw = np.ones(y.shape[0])
        sw[sd > 0] = weighter.weights_
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            a = make(n_bootstrap=0, random_state=0).fit(X, y, sample_domain=sd)
            b = make(n_bootstrap=0, random_state=0).fit(
                X, y, sample_weight=sw, sample_domain=sd
            )
        plain.append(np.mean(np.abs(a.priors_ - q)))
        weighted.append(np.mean(np.abs(b.priors_ - q)))
    assert np.mean(weighted) < 0.7 * np.mean(plain), (plain, weighted)


def test_the_detector_flags_the_mixed_shift():
    X, y, sd, _ = mixed_shift(1500, 1500, TARGET, seed=9)
    assert label_shift_test(X, y, sd, random_state=0).verdict == "not label shift"
