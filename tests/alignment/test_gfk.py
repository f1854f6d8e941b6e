import numpy as np
import pytest
from scipy import integrate, linalg
from sklearn.decomposition import PCA

from skadapt import GFK
from skadapt.alignment._gfk import _subspace_disagreement, gfk_factor

from ._data import gaussian_domains


def _orthonormal(rng, n_features, d):
    return linalg.qr(rng.normal(size=(n_features, d)), mode="economic")[0]


def _geodesic(Ps, Pt, t):
    """Phi(t) from Gong et al.'s definition, with the explicit complement R_s."""
    n_features, d = Ps.shape
    Rs = linalg.null_space(Ps.T)
    # generalised SVD by hand: Ps^T Pt = U1 Gam V^T, Rs^T Pt = -U2 Sig V^T
    U1, gam, Vt = linalg.svd(Ps.T @ Pt)
    theta = np.arccos(np.clip(gam, -1, 1))
    V = Vt.T
    U2 = -(Rs.T @ Pt @ V) / np.sin(theta)
    return Ps @ U1 @ np.diag(np.cos(t * theta)) - Rs @ U2 @ np.diag(np.sin(t * theta))


def test_gfk_matrix_equals_the_integral_by_quadrature():
    rng = np.random.RandomState(0)
    Ps, Pt = _orthonormal(rng, 7, 3), _orthonormal(rng, 7, 3)
    W, M, angles = gfk_factor(Ps, Pt)
    G = W @ M @ W.T
    # Phi(0) spans Ps, Phi(1) spans Pt
    assert np.allclose(_geodesic(Ps, Pt, 0) @ _geodesic(Ps, Pt, 0).T, Ps @ Ps.T)
    assert np.allclose(_geodesic(Ps, Pt, 1) @ _geodesic(Ps, Pt, 1).T, Pt @ Pt.T)
    G_quad = integrate.quad_vec(
        lambda t: _geodesic(Ps, Pt, t) @ _geodesic(Ps, Pt, t).T, 0, 1, epsabs=1e-12
    )[0]
    assert np.allclose(G, G_quad, atol=1e-10)
    assert np.allclose(W.T @ W, np.eye(6), atol=1e-10)
    assert np.all(np.diff(angles) >= 0)


def test_output_has_the_gfk_inner_products():
    X, sd = gaussian_domains(n_features=6)
    gfk = GFK(n_components=2).fit(X, sample_domain=sd)
    Ps = PCA(2).fit(X[sd > 0]).components_.T
    Pt = PCA(2).fit(X[sd < 0]).components_.T
    W, M, _ = gfk_factor(Ps, Pt)
    G = W @ M @ W.T
    Z = gfk.transform(X)
    assert np.allclose(Z @ Z.T, X @ G @ X.T, atol=1e-8)
    assert np.allclose(gfk.projection_ @ gfk.projection_.T, G, atol=1e-10)
    # the source rows are mapped like the target rows
    assert np.allclose(gfk.fit_transform(X, sample_domain=sd), Z)


def test_single_domain_is_pca_projection():
    rng = np.random.RandomState(1)
    X = rng.normal(size=(40, 5)) @ rng.normal(size=(5, 5))
    gfk = GFK(n_components=3).fit(X)
    P = PCA(3).fit(X).components_.T
    Z = gfk.transform(X)
    assert Z.shape == (40, 3)
    assert np.allclose(Z @ Z.T, X @ P @ P.T @ X.T, atol=1e-8)
    assert np.allclose(gfk.principal_angles_, 0, atol=1e-6)


def test_auto_dimension_finds_where_the_subspaces_disagree():
    # both domains share 3 high-variance directions; the 4th leading direction
    # of each domain is its own (q4 / q5), and the pooled 4th is a shared q6 of
    # lower variance in each domain: at d = 4 both sines are 1
    rng = np.random.RandomState(0)
    Q = _orthonormal(rng, 10, 10)
    scales_s = np.array([10, 8, 6, 4, 0.1, 12**0.5, 0.1, 0.1, 0.1, 0.1])
    scales_t = np.array([10, 8, 6, 0.1, 4, 12**0.5, 0.1, 0.1, 0.1, 0.1])
    Xs = rng.normal(size=(2000, 10)) * scales_s @ Q.T
    Xt = rng.normal(size=(2000, 10)) * scales_t @ Q.T
    X = np.vstack([Xs, Xt])
    sd = np.r_[np.ones(2000, int), -np.ones(2000, int)]
    gfk = GFK().fit(X, sample_domain=sd)
    assert gfk.n_components_ == 4
    assert np.all(gfk.subspace_disagreement_[:3] < 0.2)
    assert gfk.subspace_disagreement_[3] >= 0.99


def test_subspace_disagreement_of_identical_subspaces_is_zero():
    rng = np.random.RandomState(0)
    P = _orthonormal(rng, 6, 3)
    assert np.allclose(_subspace_disagreement(P, P, P), 0, atol=1e-7)


def test_float32_preserved():
    X, sd = gaussian_domains()
    Z = (
        GFK(n_components=2)
        .fit(X.astype(np.float32), sample_domain=sd)
        .transform(X.astype(np.float32))
    )
    assert Z.dtype == np.float32


def test_too_many_components_is_an_error():
    X, sd = gaussian_domains(n_features=4)
    with pytest.raises(ValueError, match="at most the number of features"):
        GFK(n_components=5).fit(X, sample_domain=sd)


def test_feature_names_out():
    X, sd = gaussian_domains(n_features=4)
    names = GFK(n_components=2).fit(X, sample_domain=sd).get_feature_names_out()
    assert list(names) == ["gfk0", "gfk1", "gfk2", "gfk3"]
