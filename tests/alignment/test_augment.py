import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from skadapt import FeatureAugmentation
from skadapt.datasets import make_domain_shift

from ._data import two_sources


def _semi_supervised(n_labelled=8, random_state=0, n_features=6):
    X, y, sd, y_true = make_domain_shift(
        200,
        200,
        n_features=n_features,
        shift="scale",
        n_classes=3,
        random_state=random_state,
    )
    y = y.copy()
    tgt = np.flatnonzero(sd < 0)
    y[tgt[:n_labelled]] = y_true[tgt[:n_labelled]]
    return X, y, sd, y_true


def test_layout_one_source():
    X = np.arange(12.0).reshape(4, 3)
    y = np.array([0, 1, 0, -1])
    sd = np.array([1, 1, -1, -1])
    Z = FeatureAugmentation().fit_transform(X, y, sample_domain=sd)
    zeros = np.zeros(3)
    for i in range(4):
        expected = np.r_[X[i], X[i], zeros] if sd[i] > 0 else np.r_[X[i], zeros, X[i]]
        np.testing.assert_array_equal(Z[i], expected)
    # transform without sample_domain: target rows
    np.testing.assert_array_equal(
        FeatureAugmentation().fit(X, y, sample_domain=sd).transform(X),
        np.c_[X, np.zeros_like(X), X],
    )


def test_layout_two_sources_one_block_per_source():
    X, y, sd, y_true = two_sources(n=20, n_features=2)
    y = y.copy()
    y[sd < 0] = y_true[sd < 0]
    fa = FeatureAugmentation().fit(X, y, sample_domain=sd)
    np.testing.assert_array_equal(fa.domains_, [1, 2, -1])
    Z = fa.transform(X, sample_domain=sd)
    assert Z.shape == (X.shape[0], 8)
    np.testing.assert_array_equal(Z[:, :2], X)
    for j, dom in enumerate([1, 2, -1], start=1):
        rows = (sd == dom) if dom > 0 else (sd < 0)
        np.testing.assert_array_equal(Z[rows, 2 * j : 2 * j + 2], X[rows])
        np.testing.assert_array_equal(Z[~rows, 2 * j : 2 * j + 2], 0.0)
    names = fa.get_feature_names_out()
    assert list(names[:2]) == ["shared__x0", "shared__x1"]
    assert list(names[-2:]) == ["target__x0", "target__x1"]
    assert "source2__x1" in names


def test_single_domain_is_identity():
    X = np.random.RandomState(0).normal(size=(10, 3))
    fa = FeatureAugmentation().fit(X, np.arange(10) % 2)
    np.testing.assert_array_equal(fa.transform(X), X)
    assert list(fa.get_feature_names_out()) == ["x0", "x1", "x2"]


def test_float32_preserved():
    X, y, sd, _ = _semi_supervised()
    Z = FeatureAugmentation().fit_transform(X.astype(np.float32), y, sample_domain=sd)
    assert Z.dtype == np.float32


def test_improves_target_accuracy_with_a_few_target_labels():
    gains = []
    for seed in range(3):
        X, y, sd, y_true = _semi_supervised(n_labelled=15, random_state=seed)
        known = y != -1
        test = (sd < 0) & ~known
        src = sd > 0
        base = LogisticRegression().fit(X[src], y[src]).score(X[test], y_true[test])
        fa = FeatureAugmentation().fit(X, y, sample_domain=sd)
        Z = fa.transform(X, sample_domain=sd)
        clf = LogisticRegression(max_iter=1000).fit(Z[known], y[known])
        gains.append(clf.score(Z[test], y_true[test]) - base)
    assert np.mean(gains) > 0.05


def test_errors():
    X, y, sd, _ = _semi_supervised(n_labelled=0)
    with pytest.raises(ValueError, match="needs labelled target rows"):
        FeatureAugmentation().fit(X, y, sample_domain=sd)
    with pytest.raises(ValueError, match="needs labelled target rows"):
        FeatureAugmentation().fit(X, y)  # domains inferred: targets are unlabelled
    with pytest.raises(ValueError, match="needs labelled target rows"):
        FeatureAugmentation().fit(X, sample_domain=sd)
    with pytest.raises(ValueError, match="needs target rows"):
        FeatureAugmentation().fit(X, y, sample_domain=np.abs(sd))
    X, y, sd, _ = _semi_supervised(n_labelled=5)
    fa = FeatureAugmentation().fit(X, y, sample_domain=sd)
    with pytest.raises(ValueError, match=r"source id\(s\) \[4\]"):
        fa.transform(X, sample_domain=np.full(X.shape[0], 4))
