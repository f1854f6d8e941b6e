import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from skadapt import DomainStandardScaler

from ._data import domain_shift_accuracy, two_sources


def test_each_domain_is_standardised_with_its_own_statistics():
    X, y, sd, _ = two_sources(n=40, n_features=3)
    Z = DomainStandardScaler().fit_transform(X, y, sample_domain=sd)
    for rows in (sd == 1, sd == 2, sd < 0):
        np.testing.assert_allclose(Z[rows].mean(0), 0.0, atol=1e-12)
        np.testing.assert_allclose(Z[rows].std(0), 1.0, atol=1e-12)
        np.testing.assert_allclose(
            Z[rows], StandardScaler().fit_transform(X[rows]), atol=1e-12
        )


def test_transform_without_sample_domain_uses_the_target_statistics():
    X, y, sd, _ = two_sources(n=40, n_features=3)
    scaler = DomainStandardScaler().fit(X, y, sample_domain=sd)
    np.testing.assert_array_equal(scaler.domains_, [1, 2, -1])
    t = sd < 0
    expected = (X - X[t].mean(0)) / X[t].std(0)
    np.testing.assert_allclose(scaler.transform(X), expected, atol=1e-12)


def test_partial_fit_equals_fit():
    X, y, sd, _ = two_sources(n=40, n_features=3)
    full = DomainStandardScaler().fit(X, y, sample_domain=sd)
    stream = DomainStandardScaler()
    for batch in np.array_split(np.random.RandomState(0).permutation(len(X)), 7):
        stream.partial_fit(X[batch], sample_domain=sd[batch])
    np.testing.assert_array_equal(stream.domains_, full.domains_)
    np.testing.assert_allclose(stream.mean_, full.mean_, atol=1e-12)
    np.testing.assert_allclose(stream.var_, full.var_, atol=1e-12)
    np.testing.assert_array_equal(stream.n_samples_seen_, full.n_samples_seen_)


def test_single_domain_is_standard_scaler():
    X = np.random.RandomState(0).normal(size=(30, 4)) * 3 + 1
    scaler = DomainStandardScaler().fit(X)
    expected = StandardScaler().fit_transform(X)
    np.testing.assert_allclose(scaler.transform(X), expected, atol=1e-12)
    # a single fitted domain scales rows of any domain
    np.testing.assert_allclose(
        scaler.transform(X, sample_domain=np.full(30, 5)), expected, atol=1e-12
    )


def test_constant_feature_and_options():
    X = np.c_[np.r_[np.ones(5), 2 * np.ones(5)], np.arange(10.0)]
    sd = np.r_[np.ones(5, int), -np.ones(5, int)]
    Z = DomainStandardScaler().fit_transform(X, sample_domain=sd)
    np.testing.assert_array_equal(Z[:, 0], 0.0)
    Z = DomainStandardScaler(with_std=False).fit_transform(X, sample_domain=sd)
    np.testing.assert_allclose(Z[:5, 1], np.arange(5.0) - 2)
    Z = DomainStandardScaler(with_mean=False).fit_transform(X, sample_domain=sd)
    np.testing.assert_allclose(Z[:5, 1], np.arange(5.0) / np.arange(5.0).std())


def test_float32_preserved():
    X, y, sd, _ = two_sources(n=40, n_features=3)
    Z = DomainStandardScaler().fit_transform(X.astype(np.float32), sample_domain=sd)
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
    adapted = domain_shift_accuracy(DomainStandardScaler, lr, range(3), **kwargs)
    assert adapted > base + 0.05


def test_errors():
    X, y, sd, _ = two_sources(n=40, n_features=3)
    scaler = DomainStandardScaler().fit(X[sd > 0], sample_domain=sd[sd > 0])
    with pytest.raises(ValueError, match=r"no statistics for domain id\(s\) \[-1\]"):
        scaler.transform(X)
    with pytest.raises(ValueError, match="features"):
        scaler.transform(X[:, :2])
    with pytest.raises(ValueError, match="features"):
        scaler.partial_fit(X[:, :2], sample_domain=sd)
