import numpy as np
import pytest
from sklearn.neighbors import KNeighborsClassifier

from skadapt import SubspaceAlignment
from skadapt.alignment._subspace import subspace_alignment_matrix

from ._data import domain_shift_accuracy, gaussian_domains, two_sources


def _pca_basis(X, k):
    """Leading right singular vectors of the centred rows (the reference PCA)."""
    _, _, Vt = np.linalg.svd(X - X.mean(0), full_matrices=False)
    return Vt[:k].T


def test_alignment_matrix_is_the_closed_form():
    X, sd = gaussian_domains(n_features=5)
    k = 3
    sa = SubspaceAlignment(n_components=k).fit(X, sample_domain=sd)
    Ps, Pt = _pca_basis(X[sd > 0], k), _pca_basis(X[sd < 0], k)
    # bases agree up to the sign of each column
    Ps_fit, Pt_fit = sa.components_source_[0], sa.components_target_
    np.testing.assert_allclose(np.abs(Ps_fit.T @ Ps), np.eye(k), atol=1e-8)
    np.testing.assert_allclose(np.abs(Pt_fit.T @ Pt), np.eye(k), atol=1e-8)
    # M = Ps^T Pt, so Ps M Pt^T = (Ps Ps^T)(Pt Pt^T), which is sign-free
    np.testing.assert_allclose(
        Ps_fit @ sa.alignment_[0] @ Pt_fit.T, (Ps @ Ps.T) @ (Pt @ Pt.T), atol=1e-8
    )
    np.testing.assert_allclose(sa.alignment_[0], Ps_fit.T @ Pt_fit, atol=1e-12)


def test_alignment_matrix_minimises_the_frobenius_gap():
    rng = np.random.RandomState(0)
    Ps = np.linalg.qr(rng.normal(size=(6, 3)))[0]
    Pt = np.linalg.qr(rng.normal(size=(6, 3)))[0]
    M = subspace_alignment_matrix(Ps, Pt)
    M_lstsq = np.linalg.lstsq(Ps, Pt, rcond=None)[0]
    np.testing.assert_allclose(M, M_lstsq, atol=1e-10)


def test_transform_maps_source_and_target_rows():
    X, sd = gaussian_domains(n_features=5)
    sa = SubspaceAlignment(n_components=2).fit(X, sample_domain=sd)
    Z = sa.fit_transform(X, sample_domain=sd)
    s, t = sd > 0, sd < 0
    Ps, Pt, M = sa.components_source_[0], sa.components_target_, sa.alignment_[0]
    np.testing.assert_allclose(Z[s], (X[s] - X[s].mean(0)) @ Ps @ M, atol=1e-10)
    np.testing.assert_allclose(Z[t], (X[t] - X[t].mean(0)) @ Pt, atol=1e-10)
    # no sample_domain: every row is a target row
    np.testing.assert_allclose(sa.transform(X), (X - X[t].mean(0)) @ Pt, atol=1e-10)


def test_two_sources_are_each_aligned_to_the_target():
    X, y, sd, _ = two_sources(n=50, n_features=5)
    sa = SubspaceAlignment(n_components=2).fit(X, sample_domain=sd)
    np.testing.assert_array_equal(sa.source_domains_, [1, 2])
    assert sa.alignment_.shape == (2, 2, 2)
    for k, dom in enumerate([1, 2]):
        rows = (sd == dom) | (sd < 0)
        alone = SubspaceAlignment(n_components=2).fit(X[rows], sample_domain=sd[rows])
        np.testing.assert_allclose(sa.alignment_[k], alone.alignment_[0], atol=1e-10)
    Z = sa.fit_transform(X, sample_domain=sd)
    s2 = sd == 2
    alone = SubspaceAlignment(n_components=2)
    rows = s2 | (sd < 0)
    Z2 = alone.fit_transform(X[rows], sample_domain=sd[rows])
    np.testing.assert_allclose(Z[s2], Z2[: s2.sum()], atol=1e-10)


def test_single_domain_is_pca():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(50, 4)) @ rng.normal(size=(4, 4))
    Z = SubspaceAlignment(n_components=2).fit(X).transform(X)
    P = _pca_basis(X, 2)
    np.testing.assert_allclose(np.abs(Z), np.abs((X - X.mean(0)) @ P), atol=1e-8)


def test_default_keeps_all_components_the_smallest_domain_allows():
    X, sd = gaussian_domains(n_source=30, n_target=3, n_features=5)
    assert SubspaceAlignment().fit(X, sample_domain=sd).alignment_.shape == (1, 3, 3)
    X, sd = gaussian_domains(n_features=5)
    assert SubspaceAlignment().fit(X, sample_domain=sd).alignment_.shape == (1, 5, 5)


def test_float32_preserved():
    X, sd = gaussian_domains()
    Z = SubspaceAlignment(n_components=2).fit_transform(
        X.astype(np.float32), sample_domain=sd
    )
    assert Z.dtype == np.float32


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
        lambda: SubspaceAlignment(n_components=5), knn, range(3), **kwargs
    )
    assert adapted > base + 0.02


def test_errors():
    X, sd = gaussian_domains(n_source=30, n_target=4, n_features=5)
    with pytest.raises(ValueError, match="larger than the number of features"):
        SubspaceAlignment(n_components=6).fit(X, sample_domain=sd)
    with pytest.raises(ValueError, match=r"rows \(4\) of domain -1"):
        SubspaceAlignment(n_components=5).fit(X, sample_domain=sd)
    with pytest.raises(ValueError, match="needs target rows"):
        SubspaceAlignment().fit(X, sample_domain=np.abs(sd))
    sa = SubspaceAlignment(n_components=2).fit(X, sample_domain=sd)
    with pytest.raises(ValueError, match=r"source id\(s\) \[3\]"):
        sa.transform(X, sample_domain=np.full(X.shape[0], 3))
