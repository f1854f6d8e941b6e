import warnings

import numpy as np
import pytest
from sklearn.neighbors import KNeighborsClassifier

from skadapt import SubspaceAlignment
from skadapt.alignment._subspace import _stable_dimension, _subspace_alignment_matrix

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
    M = _subspace_alignment_matrix(Ps, Pt)
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


# ---------------------------------------------------------------- n_components="auto"
def _bound_rhs(d, n_min, norm_bound, delta, tol, n_domains=2):
    """Right-hand side of the consistency bound, written out from the formula."""
    conf = 1.0 + np.sqrt(np.log(n_domains / delta) / 2.0)
    return conf * 16.0 * d**1.5 * norm_bound / (tol * np.sqrt(n_min))


def _reference_d_max(X, sd, delta, tol):
    """d_max from numpy's eigenvalues of each domain's (1/n) covariance."""
    groups = [sd == dom for dom in np.unique(sd[sd > 0])] + [sd < 0]
    groups = [g for g in groups if g.any()]
    n_min = min(g.sum() for g in groups)
    spectra, norm_bound = [], 0.0
    for g in groups:
        Xc = X[g] - X[g].mean(0)
        spectra.append(np.sort(np.linalg.eigvalsh(Xc.T @ Xc / g.sum()))[::-1])
        norm_bound = max(norm_bound, (Xc**2).sum(1).max())
    d_max = 0
    for d in range(1, min(X.shape[1], n_min) + 1):
        gap = min(w[d - 1] - (w[d] if d < w.size else 0.0) for w in spectra)
        if gap >= _bound_rhs(d, n_min, norm_bound, delta, tol, len(groups)):
            d_max = d
    return d_max


def _unit_rhs_bound(n_min=400, delta=0.1, tol=2.0):
    """The B for which the right-hand side is exactly d^{3/2}."""
    return 1.0 / _bound_rhs(1, n_min, 1.0, delta, tol)


def test_stable_dimension_cuts_at_the_hand_computed_d():
    n_min, delta, tol = 400, 0.1, 2.0
    B = _unit_rhs_bound(n_min, delta, tol)  # right-hand side = d^{3/2}
    # d^{3/2} = 1, 2.83, 5.20, 8, 11.18
    source = np.array([20.0, 12.0, 6.0, 3.5, 0.5])  # gaps 8, 6, 2.5, 3, 0.5
    target = np.array([40.0, 30.0, 20.0, 10.0, 5.0])  # gaps 10 everywhere, then 5
    assert _stable_dimension([source, target], n_min, B, delta, tol) == 2
    # the gap is the minimum over the domains: a target gap of 2.5 at d=2 cuts at 1
    target2 = np.array([20.0, 17.5, 15.0, 5.0, 1.0])
    assert _stable_dimension([source, target2], n_min, B, delta, tol) == 1
    # d_max is the largest admissible d, even past inadmissible ones
    flat_then_gap = np.array([100.0, 99.5, 99.0, 98.0, 0.0])  # gaps .5 .5 1 98 0
    assert _stable_dimension([flat_then_gap] * 2, n_min, B, delta, tol) == 4
    # the equality case is admissible; just below it is not
    exact = np.array([2.0 + 2.0**1.5, 2.0**1.5, 0.0])  # gaps 2, 2^{3/2}, 0
    assert _stable_dimension([exact] * 2, n_min, B * (1 - 1e-12), delta, tol) == 2
    assert _stable_dimension([exact] * 2, n_min, B * (1 + 1e-9), delta, tol) == 1
    # nothing admissible
    assert _stable_dimension([source, target], n_min, 10 * B, delta, tol) == 0


def test_stable_dimension_is_monotone_in_delta_tol_n_and_b():
    rng = np.random.RandomState(0)
    spectra = [np.sort(rng.exponential(size=8) * 50)[::-1] for _ in range(2)]
    base = dict(n_min=500, norm_bound=5.0, delta=0.1, tol=1.0)

    def d_max(**kw):
        args = {**base, **kw}
        return _stable_dimension(spectra, **args)

    def nondecreasing(values):
        return all(a <= b for a, b in zip(values, values[1:]))

    grid = np.geomspace(1e-3, 1e3, 40)
    assert nondecreasing([d_max(delta=v) for v in np.linspace(0.001, 0.999, 40)])
    assert nondecreasing([d_max(tol=v) for v in grid])
    assert nondecreasing([d_max(n_min=int(v * 1000)) for v in grid])
    assert nondecreasing([d_max(norm_bound=v) for v in grid[::-1]])
    # the grid spans the whole range, so the monotone sequences are not constant
    assert d_max(tol=1e-3) == 0 and d_max(tol=1e3) > 0


def test_auto_matches_the_bound_recomputed_from_the_data():
    rng = np.random.RandomState(0)
    scale = np.array([6.0, 3.0, 1.0, 0.5])
    # Rademacher rows: covariance ~ diag(scale^2), bounded squared norm
    Xs = rng.choice([-1.0, 1.0], size=(3000, 4)) * scale
    Xt = rng.choice([-1.0, 1.0], size=(2000, 4)) * scale[[1, 0, 2, 3]] + 2.0
    X, sd = np.vstack([Xs, Xt]), np.repeat([1, -1], [3000, 2000])
    seen = set()
    for tol in [0.5, 3.0, 12.0, 200.0]:
        ref = _reference_d_max(X, sd, 0.1, tol)
        sa = SubspaceAlignment(n_components="auto", tol=tol)
        if ref == 0:
            with pytest.warns(UserWarning, match="allows no subspace dimension"):
                sa.fit(X, sample_domain=sd)
            assert sa.n_components_ == 4
        else:
            sa.fit(X, sample_domain=sd)
            assert sa.n_components_ == ref
        assert sa.n_components_bound_ == ref
        assert sa.alignment_.shape == (1, sa.n_components_, sa.n_components_)
        seen.add(ref)
    assert len(seen) >= 3  # the tolerances exercise several cuts


def test_auto_never_exceeds_the_allowed_maximum_and_is_scale_free():
    X, _, sd, _ = two_sources(n=400, n_features=5)
    for tol in [1.0, 50.0, 1e4, 1e8]:
        sa = SubspaceAlignment(n_components="auto", tol=tol)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            sa.fit(X, sample_domain=sd)
        # three domains: the confidence term is ln(3 / delta)
        assert sa.n_components_bound_ == _reference_d_max(X, sd, 0.1, tol)
        assert 1 <= sa.n_components_ <= min(X.shape[1], 400)
        if sa.n_components_bound_:
            assert sa.n_components_ == sa.n_components_bound_
        # B bounds the squared norm, so rescaling the data changes nothing
        scaled = SubspaceAlignment(n_components="auto", tol=tol)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            scaled.fit(7.0 * X, sample_domain=sd)
        assert scaled.n_components_bound_ == sa.n_components_bound_
    assert sa.n_components_bound_ > 0


def test_auto_falls_back_to_the_default_rule_with_a_warning():
    X, sd = gaussian_domains(n_source=30, n_target=20, n_features=5)
    sa = SubspaceAlignment(n_components="auto")
    with pytest.warns(UserWarning, match=r"falls back to n_components=5"):
        Z = sa.fit_transform(X, sample_domain=sd)
    assert sa.n_components_bound_ == 0 and sa.n_components_ == 5
    default = SubspaceAlignment().fit(X, sample_domain=sd)
    assert default.n_components_ == 5
    assert not hasattr(default, "n_components_bound_")
    np.testing.assert_allclose(Z, default.fit_transform(X, sample_domain=sd))


def test_auto_parameters_are_validated():
    X, sd = gaussian_domains()
    with pytest.raises(ValueError, match="'delta' parameter"):
        SubspaceAlignment(n_components="auto", delta=1.0).fit(X, sample_domain=sd)
    with pytest.raises(ValueError, match="'tol' parameter"):
        SubspaceAlignment(n_components="auto", tol=0.0).fit(X, sample_domain=sd)
    with pytest.raises(ValueError, match="'n_components' parameter"):
        SubspaceAlignment(n_components="mle").fit(X, sample_domain=sd)
