import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from skadapt import CORAL, LinearOTMapping
from skadapt._core import gaussian_monge_map

from ._data import domain_shift_accuracy, gaussian_domains, two_sources


def _moments(X):
    return X.mean(0), np.cov(X.T, bias=True)


def _sqrtm_psd(A):
    w, V = np.linalg.eigh(A)
    return (V * np.sqrt(np.clip(w, 0, None))) @ V.T


def test_pushes_the_source_gaussian_onto_the_target_gaussian():
    X, sd = gaussian_domains(n_features=4)
    ot = LinearOTMapping(reg=0)
    Xm = ot.fit_transform(X, sample_domain=sd)
    s, t = sd > 0, sd < 0
    m_map, c_map = _moments(Xm[s])
    m_t, c_t = _moments(X[t])
    np.testing.assert_allclose(m_map, m_t, atol=1e-8)
    np.testing.assert_allclose(c_map, c_t, atol=1e-8)
    np.testing.assert_array_equal(Xm[t], X[t])


def test_map_is_symmetric_psd_and_solves_a_cs_a_equals_ct():
    rng = np.random.RandomState(0)
    A0 = rng.normal(size=(5, 5))
    Cs = A0 @ A0.T + 0.1 * np.eye(5)
    B0 = rng.normal(size=(5, 5))
    Ct = B0 @ B0.T + 0.1 * np.eye(5)
    A = gaussian_monge_map(Cs, Ct)
    np.testing.assert_allclose(A, A.T, atol=1e-12)
    assert np.linalg.eigvalsh(A).min() > 0
    np.testing.assert_allclose(A @ Cs @ A, Ct, atol=1e-8)
    # one dimension: the ratio of standard deviations
    np.testing.assert_allclose(gaussian_monge_map([[4.0]], [[9.0]]), [[1.5]])


def test_transport_cost_is_the_gaussian_wasserstein_distance():
    X, sd = gaussian_domains(n_features=3)
    s, t = sd > 0, sd < 0
    Xm = LinearOTMapping(reg=0).fit_transform(X, sample_domain=sd)
    cost = np.mean(np.sum((Xm[s] - X[s]) ** 2, axis=1))
    (ms, Cs), (mt, Ct) = _moments(X[s]), _moments(X[t])
    rs = _sqrtm_psd(Cs)
    w2 = np.sum((ms - mt) ** 2) + np.trace(Cs + Ct - 2 * _sqrtm_psd(rs @ Ct @ rs))
    np.testing.assert_allclose(cost, w2, rtol=1e-8)
    # CORAL also matches the moments but moves the rows further
    Xc = CORAL(reg=0).fit_transform(X, sample_domain=sd)
    assert np.mean(np.sum((Xc[s] - X[s]) ** 2, axis=1)) > cost


def test_two_sources_are_each_mapped_onto_the_target():
    X, y, sd, _ = two_sources(n=60, n_features=4)
    Xm = LinearOTMapping(reg=0).fit_transform(X, sample_domain=sd)
    m_t, c_t = _moments(X[sd < 0])
    for dom in (1, 2):
        m, c = _moments(Xm[sd == dom])
        np.testing.assert_allclose(m, m_t, atol=1e-8)
        np.testing.assert_allclose(c, c_t, atol=1e-8)


def test_singular_covariances_stay_finite_with_the_default():
    rng = np.random.RandomState(0)
    Xs = np.c_[rng.normal(size=(20, 3)), np.zeros((20, 30))]  # rank 3 of 33
    Xt = rng.normal(size=(15, 33))
    X = np.vstack([Xs, Xt])
    sd = np.r_[np.ones(20, int), -np.ones(15, int)]
    Xm = LinearOTMapping().fit_transform(X, sample_domain=sd)
    assert np.all(np.isfinite(Xm))
    np.testing.assert_allclose(Xm[:20].mean(0), Xt.mean(0), atol=1e-8)


def test_single_domain_is_identity():
    X, _ = gaussian_domains()
    ot = LinearOTMapping().fit(X)
    np.testing.assert_array_equal(ot.transform(X), X)
    assert ot.mapping_.shape == (0, 4, 4)


def test_float32_preserved():
    X, sd = gaussian_domains()
    Z = LinearOTMapping().fit_transform(X.astype(np.float32), sample_domain=sd)
    assert Z.dtype == np.float32


def test_improves_target_accuracy_under_scale_shift():
    kwargs = dict(
        n_samples_source=200,
        n_samples_target=200,
        n_features=6,
        shift="scale",
        n_classes=3,
    )
    lr = LogisticRegression()
    base = domain_shift_accuracy(None, lr, range(3), **kwargs)
    adapted = domain_shift_accuracy(LinearOTMapping, lr, range(3), **kwargs)
    assert adapted > base + 0.05


def test_errors():
    X, sd = gaussian_domains()
    with pytest.raises(ValueError, match="needs target rows"):
        LinearOTMapping().fit(X, sample_domain=np.abs(sd))
    with pytest.raises(ValueError, match="needs source rows"):
        LinearOTMapping().fit(X, sample_domain=-np.abs(sd))
    ot = LinearOTMapping().fit(X, sample_domain=sd)
    with pytest.raises(ValueError, match=r"source id\(s\) \[2\]"):
        ot.transform(X, sample_domain=np.full(X.shape[0], 2))
