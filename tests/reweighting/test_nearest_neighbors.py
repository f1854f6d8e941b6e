import numpy as np
import pytest

import skadapt._core._neighbors as neighbors_module
from skadapt._core import nearest_rows
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


def _brute_nearest(X, Y):
    """The row of smallest direct squared distance, the first among equal ones."""
    out = np.empty(X.shape[0], dtype=np.intp)
    for i, x in enumerate(np.asarray(X, dtype=np.float64)):
        diff = np.asarray(Y, dtype=np.float64) - x
        out[i] = np.argmin(np.einsum("ij,ij->i", diff, diff))
    return out


def _tie_cases():
    rng = np.random.RandomState(0)
    Y = rng.normal(size=(300, 7))
    Y[150:] = Y[:150]  # every source row twice
    X = np.r_[
        Y[::7] + 0.01 * rng.normal(size=(43, 7)), Y[::11], rng.normal(size=(60, 7))
    ]
    yield "duplicates", X, Y
    # integer rows: many distinct source rows at exactly the same distance
    Yi = rng.randint(0, 3, size=(400, 6)).astype(float)
    yield (
        "integer lattice",
        rng.randint(0, 3, size=(200, 6)) + 0.5 * rng.randint(0, 2, size=(200, 6)),
        Yi,
    )
    # one-hot rows: every target row equidistant from whole groups
    Yo = np.eye(5)[rng.randint(0, 5, size=250)]
    yield "one-hot", np.eye(5)[rng.randint(0, 5, size=90)] * 0.5, Yo
    # every source row the same point
    yield "all equal", rng.normal(size=(30, 3)), np.ones((80, 3))
    # far from the origin: the norms trick alone cancels catastrophically
    Yf = 1e6 + rng.normal(size=(200, 4))
    yield "offset", 1e6 + rng.normal(size=(100, 4)), Yf
    # huge values: the single-precision screen would overflow (double is used)
    yield "huge", 1e20 * rng.normal(size=(50, 3)), 1e20 * rng.normal(size=(70, 3))
    # near ties below single precision: symmetric pairs around each target row
    base = rng.normal(size=(40, 5))
    step = rng.normal(size=(40, 5))
    Ys = np.r_[base + step, base - step * (1 + 1e-12)]
    yield "near ties", base, Ys


@pytest.mark.parametrize("case", list(_tie_cases()), ids=lambda c: c[0])
@pytest.mark.parametrize("working_memory", [None, 0.05])
def test_nearest_rows_is_exact(case, working_memory):
    _, X, Y = case
    got = nearest_rows(X, Y, working_memory=working_memory)
    np.testing.assert_array_equal(got, _brute_nearest(X, Y))


def test_nearest_rows_small_blocks_threads_and_float32(monkeypatch):
    rng = np.random.RandomState(1)
    Y = rng.normal(size=(500, 12))
    Y[250:] = Y[:250]
    X = 0.5 + 1.5 * rng.normal(size=(333, 12))
    ref = _brute_nearest(X, Y)
    monkeypatch.setattr(neighbors_module, "_ROWS", 7)
    monkeypatch.setattr(neighbors_module, "_COLS", 64)
    np.testing.assert_array_equal(nearest_rows(X, Y, n_jobs=2), ref)
    X32, Y32 = X.astype(np.float32), Y.astype(np.float32)
    np.testing.assert_array_equal(nearest_rows(X32, Y32), _brute_nearest(X32, Y32))


def test_counts_match_sklearn_nearest_neighbors():
    """On data without near ties the counts are sklearn's brute-force 1-NN's,
    duplicate source rows included (both take the lowest index)."""
    from sklearn.neighbors import NearestNeighbors

    rng = np.random.RandomState(2)
    Xs = rng.normal(size=(400, 20))
    Xs[200:300] = Xs[:100]
    Xt = 0.3 + 1.2 * rng.normal(size=(500, 20))
    X = np.r_[Xs, Xt]
    sd = np.r_[np.ones(400, int), -np.ones(500, int)]
    est = NearestNeighborWeighting().fit(X, sample_domain=sd)
    nn = NearestNeighbors(n_neighbors=1, algorithm="brute").fit(Xs)
    ref = np.bincount(nn.kneighbors(Xt, return_distance=False)[:, 0], minlength=400)
    np.testing.assert_array_equal(est.counts_, ref)
    assert est.counts_[200:300].sum() == 0  # the later copies never win
