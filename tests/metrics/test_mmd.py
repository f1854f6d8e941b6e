import numpy as np
import pytest
import sklearn

from skadapt.metrics import mmd_permutation_test, mmd_squared


def _k(a, b, kernel, gamma):
    if kernel == "linear":
        return float(a @ b)
    return float(np.exp(-gamma * np.sum((a - b) ** 2)))


def _naive_unbiased(X, Y, kernel, gamma):
    m, n = len(X), len(Y)
    sxx = sum(
        _k(X[i], X[j], kernel, gamma) for i in range(m) for j in range(m) if i != j
    )
    syy = sum(
        _k(Y[i], Y[j], kernel, gamma) for i in range(n) for j in range(n) if i != j
    )
    sxy = sum(_k(X[i], Y[j], kernel, gamma) for i in range(m) for j in range(n))
    return sxx / (m * (m - 1)) + syy / (n * (n - 1)) - 2 * sxy / (m * n)


def _naive_linear(X, Y, kernel, gamma):
    m2 = min(len(X), len(Y)) // 2
    h = [
        _k(X[2 * i], X[2 * i + 1], kernel, gamma)
        + _k(Y[2 * i], Y[2 * i + 1], kernel, gamma)
        - _k(X[2 * i], Y[2 * i + 1], kernel, gamma)
        - _k(X[2 * i + 1], Y[2 * i], kernel, gamma)
        for i in range(m2)
    ]
    return np.mean(h)


@pytest.mark.filterwarnings("ignore:Could not adhere to working_memory")
@pytest.mark.parametrize("kernel", ["rbf", "linear"])
def test_unbiased_matches_double_loop(kernel):
    rng = np.random.RandomState(0)
    X, Y = rng.normal(size=(13, 3)), rng.normal(size=(9, 3)) + 0.5
    expected = _naive_unbiased(X, Y, kernel, 0.3)
    gamma = 0.3 if kernel == "rbf" else None
    assert mmd_squared(X, Y, kernel=kernel, gamma=gamma) == pytest.approx(expected)
    with sklearn.config_context(working_memory=1e-4):  # 1 row per kernel block
        got = mmd_squared(X, Y, kernel=kernel, gamma=gamma)
    assert got == pytest.approx(expected)
    # float32 input gives the same value (statistics in float64)
    got32 = mmd_squared(
        X.astype(np.float32), Y.astype(np.float32), kernel=kernel, gamma=gamma
    )
    assert got32 == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("kernel", ["rbf", "linear"])
def test_linear_time_matches_loop_over_pairs(kernel):
    rng = np.random.RandomState(0)
    X, Y = rng.normal(size=(11, 2)), rng.normal(size=(8, 2)) + 1
    order = np.random.RandomState(3)
    Xp, Yp = X[order.permutation(11)], Y[order.permutation(8)]
    expected = _naive_linear(Xp, Yp, kernel, 0.5)
    gamma = 0.5 if kernel == "rbf" else None
    got = mmd_squared(X, Y, kernel=kernel, gamma=gamma, method="linear", random_state=3)
    assert got == pytest.approx(expected)


def test_default_gamma_is_the_median_heuristic():
    rng = np.random.RandomState(0)
    X, Y = rng.normal(size=(30, 2)), 3 * rng.normal(size=(30, 2))
    Z = np.r_[X, Y]
    d2 = ((Z[:, None] - Z[None]) ** 2).sum(-1)[np.triu_indices(60, 1)]
    gamma = 1 / np.median(d2)
    assert mmd_squared(X, Y) == pytest.approx(_naive_unbiased(X, Y, "rbf", gamma))


@pytest.mark.parametrize("method", ["unbiased", "linear"])
def test_near_zero_without_shift_and_monotone_in_shift(method):
    rng = np.random.RandomState(0)
    n = 2000 if method == "linear" else 400
    X, Y = rng.normal(size=(n, 3)), rng.normal(size=(n, 3))
    assert abs(mmd_squared(X, Y, method=method, gamma=0.2)) < 0.01
    direction = np.array([1.0, 1.0, 0.0]) / np.sqrt(2)
    values = [
        mmd_squared(X, Y + s * direction, method=method, gamma=0.2)
        for s in (0.0, 0.25, 0.5, 1.0, 2.0, 4.0)
    ]
    assert np.all(np.diff(values) > 0), values
    # the population value for this shift, 2 (1 + 4 gamma)^(-d/2) (1 - exp(...))
    s, g = 1.0, 0.2
    pop = 2 * (1 + 4 * g) ** -1.5 * (1 - np.exp(-g * s**2 / (1 + 4 * g)))
    assert values[3] == pytest.approx(pop, abs=0.02 if method == "unbiased" else 0.04)
    # with the data-driven width, too
    values = [mmd_squared(X, Y + s * direction, method=method) for s in (0, 0.5, 1, 2)]
    assert np.all(np.diff(values) > 0), values


@pytest.mark.parametrize("method", ["unbiased", "linear"])
def test_permutation_null_matches_naive_resplits(method):
    rng = np.random.RandomState(0)
    X, Y = rng.normal(size=(8, 2)), rng.normal(size=(6, 2)) + 0.5
    res = mmd_permutation_test(
        X, Y, gamma=0.4, method=method, n_permutations=20, random_state=1
    )
    assert res.statistic == pytest.approx(
        mmd_squared(X, Y, gamma=0.4, method=method, random_state=1)
        if method == "unbiased"
        else res.statistic
    )
    if method == "unbiased":
        Z = np.r_[X, Y]
        r = np.random.RandomState(1)
        null = []
        for _ in range(20):
            u = np.zeros(14, dtype=bool)
            u[r.permutation(14)[:8]] = True
            null.append(_naive_unbiased(Z[u], Z[~u], "rbf", 0.4))
        assert np.allclose(res.null_distribution, null)
    expected_p = (1 + np.sum(res.null_distribution >= res.statistic)) / 21
    assert res.pvalue == pytest.approx(expected_p)


@pytest.mark.parametrize("method", ["unbiased", "linear"])
def test_permutation_test_holds_its_level(method):
    # 300 draws of two samples of one distribution (n = 30 each), 39 permutations
    # per test. The p-value is exact, so at alpha = 0.05 the number of rejections
    # is Binomial(300, 0.05): mean 15, sd 3.8. We require 5 <= rejections <= 27
    # (about 3 sd), and the same run at alpha = 0.2 (mean 60, sd 6.9) within
    # 40..80; a test with a wrong level (e.g. a biased null) fails this.
    rng = np.random.RandomState(0)
    pvalues = np.array(
        [
            mmd_permutation_test(
                rng.normal(size=(30, 2)),
                rng.normal(size=(30, 2)),
                method=method,
                n_permutations=39,
                random_state=rng,
            ).pvalue
            for _ in range(300)
        ]
    )
    assert 5 <= np.sum(pvalues <= 0.05) <= 27
    assert 40 <= np.sum(pvalues <= 0.2) <= 80


def test_permutation_test_has_power():
    rng = np.random.RandomState(0)
    res = mmd_permutation_test(
        rng.normal(size=(60, 2)), rng.normal(size=(60, 2)) + 0.8, random_state=0
    )
    assert res.pvalue < 0.01 and res.statistic > 0
    assert res.null_distribution.shape == (200,)


def test_errors():
    X = np.zeros((5, 2))
    with pytest.raises(ValueError, match="X_source has 2 features but X_target has 3"):
        mmd_squared(X, np.zeros((5, 3)))
    with pytest.raises(ValueError, match="X_target has 1 row"):
        mmd_squared(X, np.zeros((1, 2)))
    with pytest.raises(ValueError, match="NaN"):
        mmd_squared(X, np.full((3, 2), np.nan))
    with pytest.raises(ValueError, match="kernel"):
        mmd_squared(X, X, kernel="sigmoid")
    with pytest.raises(ValueError, match="n_permutations"):
        mmd_permutation_test(X, X, n_permutations=0)


def test_auto_is_the_exact_statistic_on_small_samples():
    from skadapt.metrics import mmd_squared

    rng = np.random.RandomState(0)
    Xs, Xt = rng.normal(size=(150, 3)), rng.normal(size=(120, 3)) + 0.3
    assert mmd_squared(Xs, Xt, gamma=0.4) == mmd_squared(
        Xs, Xt, gamma=0.4, method="unbiased"
    )


def test_auto_switches_to_blocks_above_the_documented_size(monkeypatch):
    """Above _EXACT_MAX_ROWS pooled rows "auto" is the block estimator; on a size
    where both run it lies within three standard errors (from the spread of the
    block statistics) of the exact unbiased one, and the permutation test
    records the choice."""
    import skadapt.metrics._mmd as mmd
    from skadapt.metrics import mmd_permutation_test, mmd_squared

    rng = np.random.RandomState(0)
    Xs, Xt = rng.normal(size=(3000, 3)), rng.normal(size=(3000, 3)) + 0.2
    exact = mmd_squared(Xs, Xt, gamma=0.3, method="unbiased")
    monkeypatch.setattr(mmd, "_EXACT_MAX_ROWS", 1000)
    monkeypatch.setattr(mmd, "_BLOCK_ROWS", 500)
    auto = mmd_squared(Xs, Xt, gamma=0.3, random_state=0)
    assert auto == mmd_squared(Xs, Xt, gamma=0.3, method="block", random_state=0)
    blocks = mmd._block_statistics(Xs, Xt, "rbf", 0.3, np.random.RandomState(0))[:, 0]
    assert blocks.size == 12
    se = blocks.std(ddof=1) / np.sqrt(blocks.size)
    assert abs(auto - exact) <= 3 * se
    res = mmd_permutation_test(Xs, Xt, gamma=0.3, n_permutations=19, random_state=0)
    assert res.method == "block"
    assert res.pvalue == pytest.approx(0.05)  # a clear shift: the smallest p
    same = mmd_permutation_test(
        Xs, rng.normal(size=(3000, 3)), gamma=0.3, n_permutations=19, random_state=0
    )
    assert same.pvalue > 0.05
