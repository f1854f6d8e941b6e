import numpy as np
import pytest
from scipy import linalg

from skadapt.metrics import (
    coral_distance,
    feature_shift_ranking,
    frechet_distance,
    proxy_a_distance,
)


def test_coral_distance_closed_form():
    rng = np.random.RandomState(0)
    X, Y = rng.normal(size=(50, 3)), rng.normal(size=(40, 3)) @ rng.normal(size=(3, 3))
    cs, ct = np.cov(X.T, bias=True), np.cov(Y.T, bias=True)
    expected = np.sum((cs - ct) ** 2) / (4 * 9)
    assert coral_distance(X, Y) == pytest.approx(expected)
    assert coral_distance(X, X + 5) == pytest.approx(0, abs=1e-12)  # means ignored
    assert coral_distance(X.astype(np.float32), Y) == pytest.approx(expected, rel=1e-5)


def test_frechet_distance_against_references():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(80, 4))
    Y = rng.normal(size=(60, 4)) @ rng.normal(size=(4, 4)) + 1.0
    mu_s, mu_t = X.mean(0), Y.mean(0)
    cs, ct = np.cov(X.T, bias=True), np.cov(Y.T, bias=True)
    # reference with scipy's sqrtm (allowed in a test only)
    s = linalg.sqrtm(cs)
    cross = np.real(linalg.sqrtm(s @ ct @ s))
    expected = np.sum((mu_s - mu_t) ** 2) + np.trace(cs + ct - 2 * cross)
    assert frechet_distance(X, Y) == pytest.approx(expected)
    assert frechet_distance(X, Y, squared=False) == pytest.approx(np.sqrt(expected))
    assert frechet_distance(X, Y) == pytest.approx(frechet_distance(Y, X))
    # commuting (diagonal) covariances: sum of squared std differences
    D = np.diag([1.0, 2.0, 3.0, 0.5])
    Z = rng.normal(size=(200, 4))
    Z = (Z - Z.mean(0)) @ linalg.inv(linalg.sqrtm(np.cov(Z.T, bias=True))).real
    got = frechet_distance(Z, Z @ D + 2.0)
    assert got == pytest.approx(4 * 4.0 + np.sum((np.diag(D) - 1) ** 2))


def test_frechet_distance_singular_covariances():
    rng = np.random.RandomState(0)
    X, Y = rng.normal(size=(10, 30)), rng.normal(size=(12, 30))  # d > n
    d = frechet_distance(X, Y)
    assert np.isfinite(d) and d > 0
    assert frechet_distance(X, X) == pytest.approx(0, abs=1e-6)


def test_proxy_a_distance():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 3))
    same = proxy_a_distance(X, rng.normal(size=(150, 3)))  # unequal sizes
    apart = proxy_a_distance(X, rng.normal(size=(200, 3)) + 5)
    mid = proxy_a_distance(X, rng.normal(size=(200, 3)) + 0.7)
    assert 0 <= same < 0.3
    assert apart == pytest.approx(2.0)
    assert same < mid < apart


def test_feature_shift_ranking():
    pd = pytest.importorskip("pandas")
    rng = np.random.RandomState(0)
    Xs = rng.normal(size=(400, 4))
    Xt = rng.normal(size=(400, 4)) * [1, 1, 3, 1] + [0, 1.5, 0, 0.4]
    frame = pd.DataFrame(Xs, columns=["a", "b", "c", "d"])
    r = feature_shift_ranking(frame, Xt)
    assert r.feature.tolist()[:3] == ["b", "c", "d"]
    assert r.index.tolist()[:3] == [1, 2, 3]
    assert r.mean_shift[0] == pytest.approx(1.5 / np.sqrt(1), abs=0.15)
    assert r.log_std_ratio[1] == pytest.approx(np.log(3), abs=0.1)
    assert np.all(np.diff(r.ks_statistic) <= 0)
    assert r.ks_pvalue[0] < 1e-10
    table = pd.DataFrame(r)
    assert table.shape == (4, 6)
    with pytest.raises(ValueError, match="feature_names has 2 entries for 4"):
        feature_shift_ranking(Xs, Xt, feature_names=["a", "b"])


def test_errors():
    with pytest.raises(ValueError, match="features"):
        coral_distance(np.zeros((4, 2)), np.zeros((4, 3)))
    with pytest.raises(ValueError, match="X_source has 1 row"):
        frechet_distance(np.zeros((1, 2)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="cv"):
        proxy_a_distance(np.zeros((4, 2)), np.zeros((4, 2)), cv=1)
