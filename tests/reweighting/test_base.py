import warnings

import numpy as np
import pytest

from skadapt._core import cap_weights, effective_sample_size
from skadapt.reweighting import (
    KLIEP,
    KMM,
    RULSIF,
    ULSIF,
    ClassifierDensityRatio,
    EffectiveSampleSizeWarning,
    GaussianDensityRatio,
    LimitedOverlapWarning,
    NearestNeighborWeighting,
    support_coverage,
)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("M", [1.5, 3.0, 10.0])
def test_cap_weights(seed, M):
    rng = np.random.RandomState(seed)
    w = rng.lognormal(sigma=2.0, size=200)
    w[:20] = 0.0
    out, scale, floor = cap_weights(w, M)
    assert floor == 0.0
    np.testing.assert_allclose(out.mean(), 1.0, rtol=1e-12)
    assert out.max() <= M * (1 + 1e-12)
    # order is kept and uncapped weights are scaled by one factor
    assert np.all(np.diff(out[np.argsort(w)]) >= -1e-12)
    free = out < M * (1 - 1e-9)
    np.testing.assert_allclose(out[free], w[free] * scale, rtol=1e-10)


def test_cap_weights_with_too_few_positive_weights():
    """Three positive weights cannot carry mean 1 under a cap of 5 among 20 rows:
    they go to the cap and the zeros to the floor (20 - 15) / 17, so the mean is 1
    and the weights lie in [floor, 5]."""
    w = np.r_[np.zeros(17), 1.0, 2.0, 3.0]
    out, scale, floor = cap_weights(w, 5.0)
    assert scale == np.inf
    assert floor == pytest.approx(5 / 17)
    np.testing.assert_allclose(out, np.r_[np.full(17, 5 / 17), 5.0, 5.0, 5.0])
    assert out.mean() == pytest.approx(1.0)
    assert effective_sample_size(out) >= 20 / 5.0


def test_effective_sample_size():
    assert effective_sample_size(np.ones(10)) == 10
    assert effective_sample_size(np.r_[1.0, np.zeros(9)]) == 1


def test_warns_when_effective_sample_size_collapses():
    rng = np.random.RandomState(0)
    Xs = rng.normal(size=(100, 2))
    Xt = Xs[:3] + 1e-3 * rng.normal(size=(3, 2))  # all target rows next to 3 rows
    X = np.r_[Xs, Xt]
    sd = np.r_[np.ones(100, int), -np.ones(3, int)]
    with pytest.warns(EffectiveSampleSizeWarning, match="effective sample size"):
        NearestNeighborWeighting(smoothing=0.0, max_weight=None).fit(
            X, sample_domain=sd
        )


def test_support_coverage_counts_target_rows_within_the_source_radius():
    """Source rows 1 apart: every leave-one-out nearest-neighbour distance is 1, so
    exactly the target rows within distance 1 of a source row are covered."""
    source = np.arange(10.0).reshape(-1, 1)
    target = np.array([[0.5], [9.9], [10.0], [5.2], [11.01], [20.0], [-3.0]])
    assert support_coverage(source, target) == pytest.approx(4 / 7)
    assert support_coverage(source, target[:0]) == 1.0
    with pytest.raises(ValueError, match="at least 2 source rows"):
        support_coverage(source[:1], target)


def test_support_coverage_without_and_with_shift():
    rng = np.random.RandomState(0)
    Xs = rng.normal(size=(3000, 4))
    same = rng.normal(size=(3000, 4))
    # no shift: about the quantile (0.95) of the target rows are covered, also
    # on the subsample of 1000 rows of each sample
    assert 0.92 <= support_coverage(Xs, same) <= 0.98
    assert support_coverage(Xs, same, random_state=1) == pytest.approx(
        support_coverage(Xs, same, random_state=1)
    )
    # half of the target rows moved far away: about half are covered
    moved = same.copy()
    moved[::2] += 20.0
    assert 0.44 <= support_coverage(Xs, moved) <= 0.5


def test_weighters_report_coverage_and_warn_when_overlap_is_limited():
    rng = np.random.RandomState(0)
    Xs = rng.normal(size=(200, 2))
    Xt = np.r_[rng.normal(size=(50, 2)), rng.normal(size=(150, 2)) + 8.0]
    X = np.r_[Xs, Xt]
    sd = np.r_[np.ones(200, int), -np.ones(200, int)]
    with pytest.warns(LimitedOverlapWarning, match="support of the source rows"):
        est = NearestNeighborWeighting().fit(X, sample_domain=sd)
    assert est.target_coverage_ == pytest.approx(support_coverage(Xs, Xt))
    assert est.target_coverage_ < 0.3
    with warnings.catch_warnings():
        warnings.simplefilter("error", LimitedOverlapWarning)
        ok = NearestNeighborWeighting().fit(
            np.r_[Xs, Xt[:50]], sample_domain=np.r_[sd[:200], sd[-50:]]
        )
    assert ok.target_coverage_ > 0.8
    single = NearestNeighborWeighting().fit(Xs, np.zeros(200))
    assert single.target_coverage_ == 1.0


@pytest.mark.parametrize(
    "cls",
    [
        KLIEP,
        ULSIF,
        RULSIF,
        ClassifierDensityRatio,
        NearestNeighborWeighting,
        GaussianDensityRatio,
    ],
)
def test_default_cap_guarantees_an_effective_sample_size(cls):
    """With weights in [0, M] and mean 1, sum w^2 <= M sum w, so the effective
    sample size is at least n / M: a fifth of the source rows by default, however
    strong the shift."""
    rng = np.random.RandomState(0)
    Xs = rng.normal(size=(150, 2))
    Xt = rng.normal(size=(100, 2)) * 0.3 + 1.5  # a narrow target in the tail
    X = np.r_[Xs, Xt]
    sd = np.r_[np.ones(150, int), -np.ones(100, int)]
    est = cls()
    assert est.max_weight == 5.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, sample_domain=sd)
    assert est.weights_.max() <= 5.0 + 1e-12
    assert est.ess_ >= 150 / 5.0 - 1e-9
    uncapped = cls(max_weight=None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        uncapped.fit(X, sample_domain=sd)
    assert uncapped.ess_ <= est.ess_ + 1e-9


def test_kmm_box_bounds_its_weights():
    """KMM is capped by its QP box: with QP weights q in [0, B], sum q^2 <= B sum q,
    so the effective sample size is at least sum(q) / B (about n / B, the sum being
    within n (1 +- eps))."""
    rng = np.random.RandomState(0)
    Xs = rng.normal(size=(150, 2))
    Xt = rng.normal(size=(100, 2)) * 0.3 + 1.5
    X = np.r_[Xs, Xt]
    sd = np.r_[np.ones(150, int), -np.ones(100, int)]
    est = KMM(n_landmarks=None)
    assert est.max_weight == 5.0  # the one default cap, as the QP box
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, sample_domain=sd)
    q = est.qp_weights_
    assert q.max() <= est.max_weight + 1e-9
    assert est.ess_ >= q.sum() / est.max_weight - 1e-9
    np.testing.assert_allclose(est.weights_, q * 150 / q.sum())


def test_kmm_deprecated_aliases():
    X, sd = np.r_[np.zeros((5, 1)), np.ones((5, 1))], np.r_[[1] * 5, [-1] * 5]
    X = X + np.arange(10.0)[:, None] * 0.1
    with pytest.warns(FutureWarning, match="max_weight"):
        old = KMM(B=3.0, gamma=1.0).fit(X, sample_domain=sd)
    new = KMM(max_weight=3.0, gamma=1.0).fit(X, sample_domain=sd)
    np.testing.assert_allclose(old.weights_, new.weights_)
    with pytest.warns(FutureWarning, match="n_landmarks"):
        KMM(n_components=None, gamma=1.0).fit(X, sample_domain=sd)
    with pytest.warns(FutureWarning, match="gamma=None"):
        auto = KMM(gamma="auto").fit(X, sample_domain=sd)
    np.testing.assert_allclose(auto.weights_, KMM().fit(X, sample_domain=sd).weights_)
