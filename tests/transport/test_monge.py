"""LinearMongeAlignment: every domain onto the Gaussian barycentre."""

import numpy as np
import pytest

from skadapt import LinearOTMapping
from skadapt._core import gaussian_barycenter, gaussian_monge_map
from skadapt.transport import LinearMongeAlignment


def _moments(X):
    return X.mean(axis=0), np.cov(X.T, bias=True)


def _three_domains(seed=0, d=3):
    rng = np.random.RandomState(seed)
    parts, sd = [], []
    for k, dom in enumerate([1, 2, -1]):
        A = rng.normal(size=(d, d))
        parts.append(rng.normal(size=(150, d)) @ A + 3.0 * k)
        sd.append(np.full(150, dom))
    return np.concatenate(parts), np.concatenate(sd)


def test_every_mapped_domain_has_the_barycentre_moments():
    X, sd = _three_domains()
    est = LinearMongeAlignment(reg=0)
    Xm = est.fit_transform(X, sample_domain=sd)
    means, covs = zip(*[_moments(X[sd == k]) for k in (1, 2, -1)])
    bary, _ = gaussian_barycenter(np.array(covs))
    for k in (1, 2, -1):
        m, C = _moments(Xm[sd == k])
        np.testing.assert_allclose(m, np.mean(means, axis=0), atol=1e-10)
        np.testing.assert_allclose(C, bary, atol=1e-8)
    np.testing.assert_allclose(est.barycenter_covariance_, bary, atol=1e-10)
    np.testing.assert_array_equal(est.domains_, [1, 2, -1])


def test_two_domains_meet_at_the_midpoint_of_the_linear_ot_map():
    X, sd = _three_domains()
    keep = sd != 2
    X, sd = X[keep], sd[keep]
    Xm = LinearMongeAlignment(reg=0).fit_transform(X, sample_domain=sd)
    to_target = LinearOTMapping(reg=0).fit_transform(X, sample_domain=sd)
    # the barycentre of two Gaussians is halfway along the Monge map
    np.testing.assert_allclose(
        Xm[sd > 0], 0.5 * (X[sd > 0] + to_target[sd > 0]), atol=1e-8
    )


def test_maps_are_the_gaussian_monge_maps():
    X, sd = _three_domains(d=2)
    est = LinearMongeAlignment(reg=0).fit(X, sample_domain=sd)
    for k, dom in enumerate(est.domains_):
        _, C = _moments(X[sd == dom])
        A = gaussian_monge_map(C, est.barycenter_covariance_)
        np.testing.assert_allclose(est.mapping_[k], A, atol=1e-10)


def test_transform_without_sample_domain_maps_target_rows():
    X, sd = _three_domains()
    est = LinearMongeAlignment().fit(X, sample_domain=sd)
    Xm = est.fit_transform(X, sample_domain=sd)
    np.testing.assert_allclose(est.transform(X[sd < 0]), Xm[sd < 0])
    with pytest.raises(ValueError, match=r"source id\(s\) \[7\]"):
        est.transform(X[:2], sample_domain=[7, 7])


def test_one_domain_is_the_identity_and_float32_is_kept():
    X, sd = _three_domains()
    est = LinearMongeAlignment()
    np.testing.assert_array_equal(est.fit_transform(X[sd == 1]), X[sd == 1])
    assert est.domains_.size == 0
    out = LinearMongeAlignment().fit_transform(X.astype(np.float32), sample_domain=sd)
    assert out.dtype == np.float32


def test_rank_deficient_domains_stay_finite():
    rng = np.random.RandomState(0)
    Z = rng.normal(size=(100, 2))
    X = np.r_[Z @ rng.normal(size=(2, 6)), rng.normal(size=(80, 6))]  # rank 2 of 6
    sd = np.r_[np.ones(100, int), -np.ones(80, int)]
    for reg in ["auto", 0.0]:
        Xm = LinearMongeAlignment(reg=reg).fit_transform(X, sample_domain=sd)
        assert np.all(np.isfinite(Xm))
