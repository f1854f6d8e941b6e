import numpy as np
import pytest

from skadapt.reweighting import EffectiveSampleSizeWarning, NearestNeighborWeighting
from skadapt.reweighting._base import cap_weights, effective_sample_size


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("M", [1.5, 3.0, 10.0])
def test_cap_weights(seed, M):
    rng = np.random.RandomState(seed)
    w = rng.lognormal(sigma=2.0, size=200)
    w[:20] = 0.0
    out, scale = cap_weights(w, M)
    np.testing.assert_allclose(out.mean(), 1.0, rtol=1e-12)
    assert out.max() <= M * (1 + 1e-12)
    # order is kept and uncapped weights are scaled by one factor
    assert np.all(np.diff(out[np.argsort(w)]) >= -1e-12)
    free = out < M * (1 - 1e-9)
    np.testing.assert_allclose(out[free], w[free] * scale, rtol=1e-10)


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
