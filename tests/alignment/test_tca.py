import numpy as np
import pytest
from scipy import linalg
from sklearn.metrics.pairwise import linear_kernel, rbf_kernel
from sklearn.neighbors import KNeighborsClassifier

from skadapt import TCA
from skadapt._core import median_heuristic_gamma
from skadapt.alignment._tca import _top_input_variance

from ._data import domain_shift_accuracy, gaussian_domains, two_sources


def _mmd_matrix(sd):
    """L = sum over source ids of e_k e_k^T (each source against the target)."""
    L = np.zeros((sd.size, sd.size))
    tgt = sd < 0
    if not tgt.any():
        return L
    for dom in np.unique(sd[sd > 0]):
        e = np.zeros(sd.size)
        e[sd == dom] = 1.0 / np.sum(sd == dom)
        e[tgt] = -1.0 / tgt.sum()
        L += np.outer(e, e)
    return L


def _in_data_units(Z, X):
    """Z rescaled so its first column has the top variance of the input rows."""
    top = np.linalg.eigvalsh(np.cov(X.T, bias=True))[-1]
    return Z * np.sqrt(top / Z[:, 0].var())


def _dense_tca(K, sd, mu, k, X):
    """Textbook TCA: leading eigenvectors of (K L K + mu' I)^{-1} K H K, Z = K W.

    ``Z`` is then rescaled by one scalar to the input's units (the leading
    component gets the largest variance of the input rows along a direction).
    """
    n = K.shape[0]
    H = np.eye(n) - 1.0 / n
    L = _mmd_matrix(sd)
    mu_eff = mu * (np.trace(K) / n) ** 2
    vals, W = linalg.eigh(K @ H @ K, K @ L @ K + mu_eff * np.eye(n))
    return _in_data_units(K @ W[:, ::-1][:, :k], X), vals[::-1][:k]


def _match_signs(Z, Zref):
    return Z * np.sign(np.sum(Z * Zref, axis=0))


@pytest.fixture
def data():
    rng = np.random.RandomState(0)
    Xs = rng.normal(size=(30, 12))
    Xt = rng.normal(size=(25, 12)) * 1.5 + 0.5
    X = np.vstack([Xs, Xt])
    sd = np.r_[np.ones(30, dtype=int), -np.ones(25, dtype=int)]
    return X, sd


def test_embedding_matches_dense_eigen_solution(data):
    X, sd = data
    gamma, mu, k = 0.02, 0.7, 3
    Zref, vals = _dense_tca(rbf_kernel(X, gamma=gamma), sd, mu, k, X)
    tca = TCA(n_components=k, kernel="rbf", gamma=gamma, mu=mu, n_landmarks=None)
    Z = tca.fit(X, sample_domain=sd).transform(X)
    np.testing.assert_allclose(tca.eigenvalues_, vals, rtol=1e-8)
    np.testing.assert_allclose(_match_signs(Z, Zref), Zref, atol=1e-8)


def test_two_sources_match_dense_solution_with_one_mmd_term_per_source():
    X, _, sd, _ = two_sources(n=30, n_features=5)
    K = linear_kernel(X)
    Zref, vals = _dense_tca(K, sd, 1.0, 2, X)
    tca = TCA(n_components=2, kernel="linear", n_landmarks=None)
    Z = tca.fit(X, sample_domain=sd).transform(X)
    np.testing.assert_allclose(tca.eigenvalues_, vals, rtol=1e-8)
    np.testing.assert_allclose(_match_signs(Z, Zref), Zref, atol=1e-8 * abs(Zref).max())


def test_landmark_path_matches_exact_path_when_landmarks_are_all_rows(data):
    X, sd = data
    exact = TCA(n_components=4, n_landmarks=None).fit(X, sample_domain=sd)
    # an int draws the landmarks in a random order: a different factor of K
    landmark = TCA(n_components=4, n_landmarks=X.shape[0], random_state=3)
    landmark.fit(X, sample_domain=sd)
    assert not np.array_equal(landmark.landmarks_, exact.landmarks_)
    Z, Zl = exact.transform(X), landmark.transform(X)
    np.testing.assert_allclose(_match_signs(Zl, Z), Z, atol=1e-8)
    X_new = np.random.RandomState(1).normal(size=(7, X.shape[1]))
    Z_new, Zl_new = exact.transform(X_new), landmark.transform(X_new)
    signs = np.sign(np.sum(Zl * Z, axis=0))
    np.testing.assert_allclose(Zl_new * signs, Z_new, atol=1e-8)


def test_landmark_path_is_tca_on_the_nystroem_kernel(data):
    X, sd = data
    gamma, m = 0.02, 20
    tca = TCA(n_components=3, kernel="rbf", gamma=gamma, n_landmarks=m, random_state=0)
    Z = tca.fit(X, sample_domain=sd).transform(X)
    L = tca.landmarks_
    Knm = rbf_kernel(X, L, gamma=gamma)
    K_nys = Knm @ linalg.pinv(rbf_kernel(L, gamma=gamma)) @ Knm.T
    Zref, _ = _dense_tca(K_nys, sd, 1.0, 3, X)
    np.testing.assert_allclose(_match_signs(Z, Zref), Zref, atol=1e-6)


def test_linear_kernel_primal_form_matches_the_exact_path(data):
    X, sd = data
    primal = TCA(n_components=3, kernel="linear").fit(X, sample_domain=sd)
    np.testing.assert_array_equal(primal.landmarks_, np.eye(X.shape[1]))
    exact = TCA(n_components=3, kernel="linear", n_landmarks=None)
    exact.fit(X, sample_domain=sd)
    Z, Zp = exact.transform(X), primal.transform(X)
    np.testing.assert_allclose(_match_signs(Zp, Z), Z, atol=1e-8)


def test_fit_transform_equals_out_of_sample_transform(data):
    X, sd = data
    tca = TCA(n_components=3)
    Z = tca.fit_transform(X, sample_domain=sd)
    np.testing.assert_allclose(tca.transform(X), Z, atol=1e-10)


def test_embedding_reduces_the_domain_mean_gap(data):
    X, sd = data
    Z = TCA(n_components=3, mu=0.1).fit_transform(X, sample_domain=sd)
    gap = np.linalg.norm(Z[sd > 0].mean(0) - Z[sd < 0].mean(0)) / Z.std()
    # the raw data's mean gap in the same units
    raw = np.linalg.norm(X[sd > 0].mean(0) - X[sd < 0].mean(0)) / X.std()
    assert gap < 0.2 * raw


def test_single_domain_keeps_only_the_variance_term():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 5))
    gamma = 0.1
    # no target rows: L = 0, the leading eigenvectors of K H K
    Zref, vals = _dense_tca(rbf_kernel(X, gamma=gamma), np.ones(40), 1.0, 2, X)
    tca = TCA(n_components=2, kernel="rbf", gamma=gamma).fit(X)
    Z = tca.transform(X)
    np.testing.assert_allclose(tca.eigenvalues_, vals, rtol=1e-8)
    np.testing.assert_allclose(_match_signs(Z, Zref), Zref, atol=1e-8)


def test_default_width_is_the_median_heuristic_and_scale_free(data):
    X, sd = data
    tca = TCA(n_components=3, kernel="rbf").fit(X, sample_domain=sd)
    assert tca.gamma_ == pytest.approx(median_heuristic_gamma(X))
    Z = tca.transform(X)
    Z10 = (
        TCA(n_components=3, kernel="rbf")
        .fit(10 * X, sample_domain=sd)
        .transform(10 * X)
    )
    # the kernel matrix is unchanged, the embedding is in the input's units
    np.testing.assert_allclose(_match_signs(Z10, Z), 10 * Z, atol=1e-6)


def test_linear_kernel_mu_is_scale_free(data):
    X, sd = data
    tca = TCA(n_components=2, kernel="linear")
    Z = tca.fit_transform(X, sample_domain=sd)
    tca5 = TCA(n_components=2, kernel="linear")
    Z5 = tca5.fit_transform(5 * X, sample_domain=sd)
    # K scales by 25 and so does mu' = mu (tr K / n)^2 relative to K L K: the
    # problem is unchanged, and the embedding, in the data's units, scales by 5
    np.testing.assert_allclose(tca5.eigenvalues_, tca.eigenvalues_, rtol=1e-8)
    np.testing.assert_allclose(_match_signs(Z5, Z), 5 * Z, rtol=1e-6, atol=1e-8)


def test_embedding_is_in_the_units_of_the_data(data):
    X, sd = data
    cov_top = np.linalg.eigvalsh(np.cov(X.T, bias=True))[-1]
    for tca in [
        TCA(n_components=3, kernel="linear"),
        TCA(n_components=3, kernel="linear", n_landmarks=None),
        TCA(n_components=3, kernel="rbf", gamma=0.02, n_landmarks=None),
        TCA(n_components=3, kernel="rbf", n_landmarks=25, random_state=0),
        TCA(n_components=3, kernel="cosine"),
    ]:
        Z = tca.fit_transform(X, sample_domain=sd)
        # the leading component has the input rows' largest variance along a
        # direction, whatever the kernel; the others keep TCA's ratios
        np.testing.assert_allclose(Z[:, 0].var(), cov_top, rtol=1e-7)
        ratios = tca.eigenvalues_ / tca.eigenvalues_[0]
        np.testing.assert_allclose(Z.var(0) / Z[:, 0].var(), ratios, rtol=1e-6)
        # fewer components: the same leading columns
        Z2 = tca.set_params(n_components=2).fit_transform(X, sample_domain=sd)
        np.testing.assert_allclose(_match_signs(Z2, Z[:, :2]), Z[:, :2], atol=1e-8)


def test_embedding_does_not_grow_with_the_number_of_rows(data):
    # duplicating every row leaves the data's variances unchanged; the unscaled
    # coordinates K W, whose variances are eigenvalues_ / n, grow with it
    X, sd = data
    n = X.shape[0]
    one = TCA(n_components=3, kernel="rbf", gamma=0.02, n_landmarks=None)
    two = TCA(n_components=3, kernel="rbf", gamma=0.02, n_landmarks=None)
    Z = one.fit(X, sample_domain=sd).transform(X)
    Z2 = two.fit(np.vstack([X, X]), sample_domain=np.r_[sd, sd]).transform(X)
    unscaled_growth = (two.eigenvalues_[0] / (2 * n)) / (one.eigenvalues_[0] / n)
    assert unscaled_growth > 1.3
    np.testing.assert_allclose(Z2[:, 0].var(), Z[:, 0].var(), rtol=1e-7)


def test_float32_preserved(data):
    X, sd = data
    Z = TCA(n_components=2).fit_transform(X.astype(np.float32), sample_domain=sd)
    assert Z.dtype == np.float32
    Z64 = TCA(n_components=2).fit_transform(X, sample_domain=sd)
    np.testing.assert_allclose(_match_signs(Z, Z64), Z64, rtol=1e-3, atol=1e-3)


def test_improves_target_accuracy_under_scale_shift():
    kwargs = dict(
        n_samples_source=200,
        n_samples_target=200,
        n_features=10,
        shift="scale",
        n_classes=3,
    )
    knn = KNeighborsClassifier(n_neighbors=1)
    base = domain_shift_accuracy(None, knn, range(3), **kwargs)
    adapted = domain_shift_accuracy(
        lambda: TCA(n_components=5), knn, range(3), **kwargs
    )
    assert adapted > base + 0.03


def test_errors(data):
    X, sd = data
    with pytest.raises(ValueError, match="larger than the number of rows"):
        TCA(n_components=100).fit(X, sample_domain=sd)
    with pytest.raises(ValueError, match="larger than the number of landmarks"):
        TCA(n_components=10, n_landmarks=5).fit(X, sample_domain=sd)
    with pytest.raises(ValueError, match="exceeds the numerical rank 12"):
        TCA(n_components=13, kernel="linear").fit(X, sample_domain=sd)
    with pytest.raises(ValueError, match="needs target rows"):
        TCA().fit(X, sample_domain=np.abs(sd))
    with pytest.raises(ValueError, match="needs source rows"):
        TCA().fit(X, sample_domain=-np.abs(sd))
    tca = TCA(n_components=2).fit(X, sample_domain=sd)
    with pytest.raises(ValueError, match="features"):
        tca.transform(X[:, :3])


def test_does_not_modify_inputs(data):
    X, sd = data
    X0, sd0 = X.copy(), sd.copy()
    TCA(n_components=2).fit_transform(X, sample_domain=sd)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(sd, sd0)


def test_gaussian_domains_landmarks_bounded():
    X, sd = gaussian_domains(n_source=300, n_target=200)
    tca = TCA(n_components=2, n_landmarks=50, random_state=0).fit(X, sample_domain=sd)
    assert tca.landmarks_.shape == (50, X.shape[1])
    assert tca.projection_.shape == (50, 2)


@pytest.mark.parametrize("n_features", [5, 300])
def test_top_input_variance_is_the_top_covariance_eigenvalue(n_features):
    # dense below _DENSE_COV_MAX features, Lanczos on an operator above
    rng = np.random.RandomState(0)
    X = rng.normal(size=(150, n_features)) * rng.uniform(0.1, 3.0, n_features) + 4.0
    expected = np.linalg.eigvalsh(np.cov(X.T, bias=True))[-1]
    np.testing.assert_allclose(_top_input_variance(X), expected, rtol=1e-10)
    assert _top_input_variance(np.ones((10, n_features))) == pytest.approx(0.0)


def test_landmark_gram_accumulated_once_matches_the_factor_products():
    """``T^T (C^T C) T`` (one m x m Gram over the blocks) equals ``(C T)^T (C T)``
    formed block by block, also with an ill-conditioned landmark kernel (near
    copies among the landmarks): the difference is at rounding level relative
    to the Gram, far below the numerical-rank floor applied next."""
    from sklearn import config_context

    from skadapt._core import pairwise_kernel
    from skadapt.alignment._tca import _RTOL, _factor_stats, _landmark_factor

    rng = np.random.RandomState(0)
    X = rng.normal(size=(900, 4))
    L = np.r_[X[:40], X[:10] + 1e-6 * rng.normal(size=(10, 4))]
    codes = (np.arange(900) >= 450).astype(int)
    for kernel, kw in (("rbf", {"gamma": 0.3}), ("linear", {})):
        T = _landmark_factor(L, kernel, kw)
        with config_context(working_memory=0.05):  # many small blocks
            G, S = _factor_stats(X, L, T, codes, 2, kernel, kw)
        P = pairwise_kernel(X, L, kernel=kernel, **kw) @ T
        G_ref = P.T @ P
        scale = np.linalg.norm(G_ref, 2)
        assert np.abs(G - G_ref).max() <= 1e3 * np.finfo(float).eps * scale
        assert np.abs(G - G_ref).max() <= _RTOL * scale
        np.testing.assert_allclose(S, _onehot_sums(P, codes), atol=1e-9 * scale)


def _onehot_sums(P, codes):
    return np.stack([P[codes == g].sum(axis=0) for g in range(2)])


@pytest.mark.parametrize("cls", ["TCA", "JDA"])
def test_exact_path_checks_its_memory_first(cls, monkeypatch):
    import skadapt
    from skadapt.exceptions import MemoryLimitError

    monkeypatch.setenv("SKADAPT_MAX_DENSE_BYTES", str(10**6))
    rng = np.random.RandomState(0)
    X = rng.normal(size=(400, 3))
    y = np.r_[rng.randint(0, 2, 200), -np.ones(200, int)]
    sd = np.r_[np.ones(200, int), -np.ones(200, int)]
    est = getattr(skadapt, cls)(kernel="rbf", n_landmarks=None)
    with pytest.raises(MemoryLimitError, match="n_landmarks"):
        est.fit(X, y, sample_domain=sd)
    # the landmark path needs no such memory
    getattr(skadapt, cls)(kernel="rbf", n_landmarks=50, random_state=0).fit(
        X, y, sample_domain=sd
    )
