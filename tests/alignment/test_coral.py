"""CORAL against its closed form, its invariants and its use in pipelines."""

import numpy as np
import pytest
from scipy import linalg
from sklearn.covariance import ledoit_wolf
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import mean_squared_error

from skadapt import CORAL, make_da_pipeline
from skadapt.datasets import make_domain_shift


def _two_domains(n_s=80, n_t=60, d=4, seed=0):
    rng = np.random.RandomState(seed)
    Xs = rng.normal(size=(n_s, d)) @ rng.normal(size=(d, d)) + 1.0
    Xt = rng.normal(size=(n_t, d)) @ rng.normal(size=(d, d)) - 2.0
    X = np.vstack([Xs, Xt])
    sd = np.r_[np.ones(n_s, int), -np.ones(n_t, int)]
    return X, sd, Xs, Xt


def _reference_map(Xs, Xt, reg):
    """Naive CORAL written from the paper's formula with scipy's sqrtm and inv."""
    d = Xs.shape[1]
    Cs = np.cov(Xs, rowvar=False, bias=True)
    Ct = np.cov(Xt, rowvar=False, bias=True)
    Cs = Cs + reg * np.trace(Cs) / d * np.eye(d)
    Ct = Ct + reg * np.trace(Ct) / d * np.eye(d)
    A = linalg.inv(linalg.sqrtm(Cs)).real @ linalg.sqrtm(Ct).real
    return (Xs - Xs.mean(0)) @ A + Xt.mean(0)


@pytest.mark.parametrize("reg", [0.0, 0.3, 2.0])
def test_matches_closed_form(reg):
    X, sd, Xs, Xt = _two_domains()
    X0 = X.copy()
    out = CORAL(reg=reg).fit_transform(X, sample_domain=sd)
    np.testing.assert_allclose(out[sd > 0], _reference_map(Xs, Xt, reg), atol=1e-8)
    np.testing.assert_array_equal(out[sd < 0], Xt)  # target rows unchanged
    np.testing.assert_array_equal(X, X0)  # input untouched


def test_unregularised_map_matches_target_moments():
    X, sd, Xs, Xt = _two_domains()
    out = CORAL(reg=0).fit_transform(X, sample_domain=sd)[sd > 0]
    np.testing.assert_allclose(out.mean(0), Xt.mean(0), atol=1e-10)
    np.testing.assert_allclose(
        np.cov(out, rowvar=False, bias=True),
        np.cov(Xt, rowvar=False, bias=True),
        atol=1e-10,
    )


def test_auto_reg_uses_ledoit_wolf():
    X, sd, Xs, Xt = _two_domains(n_s=30, n_t=25, d=6)
    coral = CORAL().fit(X, sample_domain=sd)
    Cs, s_s = ledoit_wolf(Xs)
    Ct, s_t = ledoit_wolf(Xt)
    assert coral.shrinkage_[1] == pytest.approx(s_s)
    assert coral.shrinkage_[-1] == pytest.approx(s_t)
    A = linalg.inv(linalg.sqrtm(Cs)).real @ linalg.sqrtm(Ct).real
    np.testing.assert_allclose(coral.mapping_[0], A, atol=1e-8)


def test_identity_when_domains_share_distribution():
    rng = np.random.RandomState(0)
    Z = rng.normal(size=(50, 3))
    X = np.vstack([Z, Z])
    sd = np.r_[np.ones(50, int), -np.ones(50, int)]
    for reg in ("auto", 0.0, 1.0):
        out = CORAL(reg=reg).fit_transform(X, sample_domain=sd)
        np.testing.assert_allclose(out, X, atol=1e-10)


def test_single_domain_is_identity():
    X, _, _, _ = _two_domains()
    y = np.arange(X.shape[0]) % 2
    coral = CORAL().fit(X, y)  # every label known: no target domain
    assert coral.source_domains_.size == 0
    np.testing.assert_array_equal(coral.transform(X), X)
    np.testing.assert_array_equal(CORAL().fit_transform(X, y), X)


def test_transform_without_sample_domain_treats_rows_as_target():
    X, sd, Xs, _ = _two_domains()
    coral = CORAL().fit(X, sample_domain=sd)
    np.testing.assert_array_equal(coral.transform(Xs), Xs)
    mapped = coral.transform(Xs, sample_domain=np.ones(len(Xs), int))
    np.testing.assert_allclose(mapped, coral.fit_transform(X, sample_domain=sd)[sd > 0])


def test_domains_inferred_from_masked_y_equal_explicit():
    X, sd, _, _ = _two_domains()
    y = np.where(sd > 0, np.arange(len(sd)) % 2, -1)
    y0 = y.copy()
    a = CORAL().fit_transform(X, y)
    b = CORAL().fit_transform(X, sample_domain=sd)
    np.testing.assert_allclose(a, b)
    np.testing.assert_array_equal(y, y0)


def test_partial_fit_equals_fit():
    X, sd, _, _ = _two_domains(n_s=200, n_t=150, d=5)
    perm = np.random.RandomState(0).permutation(len(sd))
    X, sd = X[perm], sd[perm]
    full = CORAL().fit(X, sample_domain=sd)
    stream = CORAL()
    for rows in np.array_split(np.arange(len(sd)), 9):
        stream.partial_fit(X[rows], sample_domain=sd[rows])
    np.testing.assert_allclose(stream.mapping_, full.mapping_, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(stream.mean_source_, full.mean_source_, rtol=1e-10)
    np.testing.assert_allclose(stream.mean_target_, full.mean_target_, rtol=1e-10)
    assert stream.n_samples_seen_ == {1: 200, -1: 150}


def test_two_sources_are_each_mapped_onto_the_target():
    rng = np.random.RandomState(0)
    Xs1 = rng.normal(size=(60, 3)) * [1, 2, 3]
    Xs2 = rng.normal(size=(70, 3)) * [3, 1, 0.5] + 4
    Xt = rng.normal(size=(80, 3)) * 2 - 1
    X = np.vstack([Xs1, Xs2, Xt])
    sd = np.r_[np.full(60, 1), np.full(70, 2), np.full(80, -1)]
    coral = CORAL(reg=0).fit(X, sample_domain=sd)
    np.testing.assert_array_equal(coral.source_domains_, [1, 2])
    out = coral.transform(X, sample_domain=sd)
    for dom in (1, 2):
        np.testing.assert_allclose(out[sd == dom].mean(0), Xt.mean(0), atol=1e-10)
        np.testing.assert_allclose(
            np.cov(out[sd == dom], rowvar=False, bias=True),
            np.cov(Xt, rowvar=False, bias=True),
            atol=1e-9,
        )
    with pytest.raises(ValueError, match=r"source id\(s\) \[3\]"):
        coral.transform(X[:2], sample_domain=[3, 3])


def test_float32_preserved():
    X, sd, _, _ = _two_domains()
    out = CORAL().fit_transform(X.astype(np.float32), sample_domain=sd)
    assert out.dtype == np.float32
    ref = CORAL().fit_transform(X, sample_domain=sd)
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-4)


def test_more_features_than_rows_stays_finite():
    rng = np.random.RandomState(0)
    # rank-deficient count-like data, d > n: the tiny-ridge failure of DESIGN.md 5
    Xs = rng.poisson(0.3, size=(20, 60)).astype(float)
    Xt = rng.poisson(0.6, size=(15, 60)).astype(float)
    X = np.vstack([Xs, Xt])
    sd = np.r_[np.ones(20, int), -np.ones(15, int)]
    for reg in ("auto", 0.0):
        out = CORAL(reg=reg).fit_transform(X, sample_domain=sd)
        assert np.all(np.isfinite(out))


def test_set_output_pandas_and_feature_names():
    pd = pytest.importorskip("pandas")
    X, sd, _, _ = _two_domains()
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    coral = CORAL().set_output(transform="pandas")
    out = coral.fit_transform(df, sample_domain=sd)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == list(df.columns)
    np.testing.assert_array_equal(coral.get_feature_names_out(), df.columns)


def test_raises_target_accuracy_on_covariance_shift():
    gains = []
    for seed in range(3):
        X, y, sd, y_true = make_domain_shift(
            300,
            300,
            n_features=5,
            shift="scale",
            shift_strength=1.5,
            random_state=seed,
        )
        t = sd < 0
        base = make_da_pipeline(LogisticRegression()).fit(X, y)
        adapted = make_da_pipeline(CORAL(), LogisticRegression()).fit(X, y)
        acc_base = np.mean(base.predict(X[t]) == y_true[t])
        acc_adapt = np.mean(adapted.predict(X[t]) == y_true[t])
        gains.append(acc_adapt - acc_base)
    assert np.mean(gains) > 0.05, gains


def test_keeps_target_mean_for_regression_under_covariate_shift():
    # DESIGN.md 5: a CORAL that drops the target mean destroys regression.
    X, y, sd, y_true = make_domain_shift(
        400,
        400,
        n_features=3,
        shift="scale",
        task="regression",
        shift_strength=1.0,
        noise=0.1,
        random_state=0,
    )
    t = sd < 0
    base = make_da_pipeline(Ridge(alpha=1e-3)).fit(X, y)
    adapted = make_da_pipeline(CORAL(reg=0), Ridge(alpha=1e-3)).fit(X, y)
    rmse_base = mean_squared_error(y_true[t], base.predict(X[t])) ** 0.5
    rmse_adapt = mean_squared_error(y_true[t], adapted.predict(X[t])) ** 0.5
    assert rmse_adapt < 0.5 * rmse_base, (rmse_adapt, rmse_base)


@pytest.mark.parametrize(
    "X_bad, match",
    [
        (np.array([[0.0, np.nan], [1.0, 2.0], [3.0, 1.0]]), "NaN"),
        (np.array([[0.0, np.inf], [1.0, 2.0], [3.0, 1.0]]), "infinity"),
    ],
)
def test_non_finite_input_raises(X_bad, match):
    with pytest.raises(ValueError, match=match):
        CORAL().fit(X_bad, sample_domain=[1, 1, -1])


def test_bad_domains_raise():
    X, sd, _, _ = _two_domains()
    with pytest.raises(ValueError, match="has 3 entries"):
        CORAL().fit(X, sample_domain=[1, -1, 1])
    with pytest.raises(ValueError, match="needs target rows"):
        CORAL().fit(X, sample_domain=np.ones(len(X), int))
    with pytest.raises(ValueError, match="needs source rows"):
        CORAL().fit(X, sample_domain=-np.ones(len(X), int))
    with pytest.raises(ValueError, match="contains the id 0"):
        CORAL().fit(X, sample_domain=np.zeros(len(X), int))
    coral = CORAL().fit(X, sample_domain=sd)
    with pytest.raises(ValueError, match="features"):
        coral.transform(X[:, :2])
    with pytest.raises(ValueError, match="reg"):
        CORAL(reg=-1.0).fit(X, sample_domain=sd)


@pytest.mark.parametrize("reg", ["auto", 0.5])
def test_thin_path_equals_dense_path_when_features_outnumber_rows(reg):
    """fit() with d > n uses thin factorisations of the shrunk covariances; the
    dense d x d statistics of partial_fit give the same map and shrinkage."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(70, 120))
    X[35:] = X[35:] * 2 + 1
    sd = np.r_[np.ones(35, int), -np.ones(35, int)]
    thin = CORAL(reg=reg).fit(X, sample_domain=sd)
    dense = CORAL(reg=reg).partial_fit(X, sample_domain=sd)
    assert "_factors" in vars(thin) and "_factors" not in vars(dense)
    np.testing.assert_allclose(
        thin.transform(X, sample_domain=sd),
        dense.transform(X, sample_domain=sd),
        atol=1e-10,
    )
    np.testing.assert_allclose(thin.mapping_, dense.mapping_, atol=1e-10)
    for dom in (1, -1):
        assert thin.shrinkage_[dom] == pytest.approx(dense.shrinkage_[dom], rel=1e-10)
    with pytest.raises(ValueError, match="partial_fit from the start"):
        thin.partial_fit(X, sample_domain=sd)


@pytest.mark.parametrize("offset", [0.0, 1e6])
def test_uncentred_map_of_near_zero_sources_equals_the_centred_map(offset):
    """Sources whose mean is small against their spread are mapped as
    ``x A + (mu_t - mu_s A)`` (no centring pass); far from zero they are
    centred first. Both give the centred map's answer."""
    rng = np.random.RandomState(3)
    X = rng.normal(size=(400, 6)) @ rng.normal(size=(6, 6)) + 0.5 + offset
    sd = np.r_[np.ones(150, int), 2 * np.ones(100, int), -np.ones(150, int)]
    X[sd == -1] = X[sd == -1] * 2 - 1
    est = CORAL().fit(X, sample_domain=sd)
    assert est._uncentred == ([] if offset else [0, 1])
    fast = est.transform(X, sample_domain=sd)
    A, mu_s, mu_t = est.mapping_, est.mean_source_, est.mean_target_
    ref = X.copy()
    for k, dom in enumerate((1, 2)):
        ref[sd == dom] = (X[sd == dom] - mu_s[k]) @ A[k] + mu_t
    np.testing.assert_allclose(fast, ref, rtol=1e-12, atol=1e-12 * (1 + offset))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_thin_fit_transform_equals_dense_path_with_interleaved_sources(dtype):
    """fit_transform on the thin path maps the training source rows from the
    Grams of the fit (no product with new rows); two interleaved source domains
    and new rows give the dense path's answer."""
    rng = np.random.RandomState(1)
    X = rng.normal(size=(90, 150)).astype(dtype)
    sd = np.tile([1, 2, -1], 30)
    X[sd == 2] = X[sd == 2] * 3 - 1
    X[sd == -1] = X[sd == -1] @ rng.normal(size=(150, 150)).astype(dtype) / 10 + 2
    thin = CORAL()
    out = thin.fit_transform(X, sample_domain=sd)
    dense = CORAL().partial_fit(X, sample_domain=sd)
    assert "_factors" in vars(thin)
    assert out.dtype == dtype
    atol = 1e-9 if dtype == np.float64 else 1e-3
    np.testing.assert_allclose(out, dense.transform(X, sample_domain=sd), atol=atol)
    np.testing.assert_array_equal(out[sd == -1], X[sd == -1])
    X_new = rng.normal(size=(7, 150)).astype(dtype)
    sd_new = np.array([1, 2, 2, 1, -1, 2, 1])
    np.testing.assert_allclose(
        thin.transform(X_new, sample_domain=sd_new),
        dense.transform(X_new, sample_domain=sd_new),
        atol=atol,
    )


@pytest.mark.parametrize("shape", [(400, 60), (100, 300)])
def test_sparse_input_gives_the_dense_result(shape):
    """Sparse rows (e.g. TF-IDF) give the statistics of their dense copy without
    being densified; the output is dense (the map mixes features)."""
    from scipy import sparse

    n, d = shape
    Xs = sparse.random(n, d, density=0.1, random_state=0, format="csr")
    sd = np.r_[np.ones(n // 2, int), -np.ones(n - n // 2, int)]
    ref = CORAL().partial_fit(Xs.toarray(), sample_domain=sd)
    est = CORAL().fit(Xs, sample_domain=sd)
    out = est.transform(Xs, sample_domain=sd)
    assert isinstance(out, np.ndarray)
    np.testing.assert_allclose(
        out, ref.transform(Xs.toarray(), sample_domain=sd), atol=1e-10
    )
    np.testing.assert_allclose(
        CORAL().fit_transform(Xs, sample_domain=sd), out, atol=1e-12
    )
