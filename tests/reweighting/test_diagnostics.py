"""Degenerate weighter fits warn with their cause, on data built to trigger each.

Each threshold of ``skadapt/reweighting/_base.py`` is checked on a synthetic case
where the right verdict is known: no shift, a kernel too wide to see a shift,
disjoint supports, and targets of which a known fraction lies away from the source.
"""

import warnings

import numpy as np
import pytest

from skadapt.exceptions import (
    DegenerateFitWarning,
    EffectiveSampleSizeWarning,
    LimitedOverlapWarning,
)
from skadapt.reweighting import KLIEP, KMM, ULSIF, ClassifierDensityRatio
from skadapt.reweighting._base import _shift_pvalue

SD = np.r_[np.ones(300, int), -np.ones(300, int)]


def _fit(est, X):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(X, sample_domain=SD)
    return est, [w for w in caught]


def _shifted(seed=0):
    rng = np.random.RandomState(seed)
    return np.r_[rng.normal(size=(300, 2)), rng.normal(size=(300, 2)) * 0.5 + 1.0]


def _no_shift(seed=0):
    return np.random.RandomState(seed).normal(size=(600, 2))


def test_shift_test_is_calibrated_and_sees_a_shift():
    # false alarms at the 0.001 threshold: none in 30 no-shift draws
    p = [_shift_pvalue(X[:300], X[300:]) for X in map(_no_shift, range(30))]
    assert min(p) > 1e-3
    X = _shifted()
    assert _shift_pvalue(X[:300], X[300:]) < 1e-10


def test_shift_pvalue_is_the_test_on_the_fit_rows_computed_when_asked():
    """Informative weights do not need the two-sample test: the fit keeps its
    rows and shift_pvalue_ runs it on first access, with the value the test
    gives on the fit's rows; a refit forgets both."""
    X = _shifted()
    est, _ = _fit(KLIEP(random_state=0), X)
    assert "near_uniform" not in est.degenerate_
    assert "_shift_pvalue" not in vars(est) and "_shift_rows" in vars(est)
    assert est.shift_pvalue_ == _shift_pvalue(X[:300], X[300:])
    assert "_shift_rows" not in vars(est)
    est, _ = _fit(est, _no_shift(seed=3))
    assert "_shift_pvalue" not in vars(est)
    Y = _no_shift(seed=3)
    assert est.shift_pvalue_ == _shift_pvalue(Y[:300], Y[300:])
    one = KLIEP().fit(X[:300])
    assert one.shift_pvalue_ == 1.0


@pytest.mark.parametrize(
    "ns, nt, d, lattice",
    [
        (300, 300, 2, False),
        (1200, 1100, 3, False),
        (40, 30, 30, False),
        (300, 200, 1, True),
        (1200, 300, 2, True),
    ],
)
def test_kmm_coverage_from_its_kernel_is_support_coverage(ns, nt, d, lattice):
    """KMM's exact path reads target_coverage_ off its kernel's squared distances
    (subsamples of more than 1000 rows, copies of rows, and ties on a lattice,
    where it falls back on support_coverage itself): the same value."""
    from skadapt.reweighting import support_coverage

    rng = np.random.RandomState(ns + d)
    Xs, Xt = rng.normal(size=(ns, d)), rng.normal(0.7, 1.3, size=(nt, d))
    if lattice:
        Xs, Xt = np.round(Xs, 1), np.round(Xt, 1)
    Xs[: ns // 10] = Xs[0]
    X = np.r_[Xs, Xt]
    sd = np.r_[np.ones(ns, int), -np.ones(nt, int)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = KMM(n_landmarks=None, random_state=0).fit(X, sample_domain=sd)
    assert est.target_coverage_ == support_coverage(Xs, Xt, random_state=0)


def test_uniform_weights_without_shift_say_weighting_is_a_no_op():
    # a flat kernel gives uniform weights; without a shift that is the right answer
    est, caught = _fit(KLIEP(gamma=1e-7, random_state=0), _no_shift(seed=2))
    assert "near_uniform" in est.degenerate_
    assert est.shift_pvalue_ > 1e-3
    msg = [str(w.message) for w in caught if w.category is DegenerateFitWarning]
    assert any("source-only is as good" in m for m in msg)


def test_uniform_weights_despite_a_shift_are_a_failure():
    # a kernel far too wide to see the shift gives uniform weights: a failure
    est, caught = _fit(KLIEP(gamma=1e-7, random_state=0), _shifted())
    assert est.degenerate_ == ["near_uniform"]
    assert est.shift_pvalue_ < 1e-3
    msg = [str(w.message) for w in caught if w.category is DegenerateFitWarning]
    assert any("although the domains differ" in m for m in msg)
    # a grid that stops short of the right width: the edge is named too
    est, _ = _fit(ULSIF(gamma=[1e-6, 1e-5, 1e-4], random_state=0), _shifted())
    assert "grid_edge:gamma" in est.degenerate_ and "near_uniform" in est.degenerate_


def test_grid_edge_with_informative_weights_warns_about_the_grid():
    est, caught = _fit(KLIEP(gamma=[0.01, 0.1, 1.0], random_state=0), _shifted())
    assert est.degenerate_[0] == "grid_edge:gamma" and est.gamma_ == 1.0
    assert any("largest value of its grid" in str(w.message) for w in caught)


def test_saturated_weights_on_disjoint_supports():
    rng = np.random.RandomState(0)
    X = np.r_[rng.normal(size=(300, 2)), rng.normal(size=(300, 2)) + 6.0]
    est, caught = _fit(KMM(random_state=0), X)
    assert "saturated" in est.degenerate_ and "limited_overlap" in est.degenerate_
    # KMM's box bounds the effective sample size below by about n / max_weight
    assert est.ess_ <= 1.5 * 300 / est.max_weight
    kinds = {w.category for w in caught}
    assert EffectiveSampleSizeWarning in kinds and LimitedOverlapWarning in kinds


@pytest.mark.parametrize("away, warns", [(0.3, False), (0.6, True)])
def test_overlap_threshold_on_a_known_fraction_outside_the_support(away, warns):
    """Coverage is about (1 - away) * 0.95: below one half when most is away."""
    rng = np.random.RandomState(0)
    k = int(300 * away)
    Xt = np.r_[rng.normal(size=(300 - k, 2)), rng.normal(size=(k, 2)) + 8.0]
    est, caught = _fit(
        ClassifierDensityRatio(random_state=0), np.r_[rng.normal(size=(300, 2)), Xt]
    )
    assert est.target_coverage_ == pytest.approx((1 - away) * 0.95, abs=0.08)
    assert ("limited_overlap" in est.degenerate_) == warns
    assert any(w.category is LimitedOverlapWarning for w in caught) == warns


def test_sound_fit_records_nothing():
    rng = np.random.RandomState(0)
    X = np.r_[rng.normal(size=(300, 2)), rng.normal(size=(300, 2)) + 0.5]
    est, caught = _fit(ClassifierDensityRatio(random_state=0), X)
    assert est.degenerate_ == []
    assert not [w for w in caught if issubclass(w.category, DegenerateFitWarning)]
