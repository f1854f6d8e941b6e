import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import KFold
from sklearn.svm import LinearSVC

from skadapt.transfer import LinearInterpolation

from ._data import semi_supervised


def _problem(seed=0, n_s=60, n_t=12, offset=1.5):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_s + n_t, 3))
    y = X @ [1.0, -2.0, 0.5] + np.r_[np.zeros(n_s), np.full(n_t, offset)]
    y += 0.3 * rng.normal(size=y.shape)
    sd = np.r_[np.ones(n_s, int), -np.ones(n_t, int)]
    return X, y, sd


def test_cv_scores_equal_naive_out_of_fold_reference():
    X, y, sd = _problem()
    grid = [0.0, 0.3, 0.7, 1.0]
    model = LinearInterpolation(Ridge(), source_weights=grid, cv=KFold(3))
    model.fit(X, y, sample_domain=sd)
    Xs, ys, Xt, yt = X[:60], y[:60], X[60:], y[60:]
    src = Ridge().fit(Xs, ys)
    expected = []
    for beta in grid:
        errors = []
        for train, test in KFold(3).split(Xt):
            tgt = Ridge().fit(Xt[train], yt[train])
            mix = beta * src.predict(Xt[test]) + (1 - beta) * tgt.predict(Xt[test])
            errors.append((mix - yt[test]) ** 2)
        expected.append(-np.mean(np.concatenate(errors)))
    assert_allclose(model.cv_scores_, expected)
    assert model.source_weight_ == grid[int(np.argmax(expected))]
    beta = model.source_weight_
    ref = beta * src.predict(X) + (1 - beta) * Ridge().fit(Xt, yt).predict(X)
    assert_allclose(model.predict(X), ref)


def test_weight_follows_the_shift():
    X, y, sd = _problem(offset=3.0)
    assert LinearInterpolation(Ridge()).fit(X, y, sample_domain=sd).source_weight_ < 0.5
    X, y, sd = _problem(offset=0.0, n_t=30)
    assert LinearInterpolation(Ridge()).fit(X, y, sample_domain=sd).source_weight_ > 0.5


def test_classifier_mixes_probabilities_over_all_classes():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(90, 2))
    y = np.r_[(X[:60, 0] > 0).astype(int), rng.randint(0, 3, size=30)]
    sd = np.r_[np.ones(60, int), -np.ones(30, int)]
    model = LinearInterpolation(LogisticRegression()).fit(X, y, sample_domain=sd)
    np.testing.assert_array_equal(model.classes_, [0, 1, 2])
    proba = model.predict_proba(X)
    assert proba.shape == (90, 3)
    assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(model.predict(X), proba.argmax(axis=1))
    assert model.score(X, y) == np.mean(model.predict(X) == y)


def test_single_domain_and_unlabelled_target():
    X, y, sd = _problem()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = LinearInterpolation(Ridge()).fit(X, y)
    assert model.source_weight_ == 1.0
    assert_allclose(model.predict(X), Ridge().fit(X, y).predict(X))
    masked = y.copy()
    masked[sd < 0] = np.nan
    with pytest.warns(UserWarning, match="no labelled target rows"):
        model = LinearInterpolation(Ridge()).fit(X, masked)
    assert_allclose(model.predict(X), Ridge().fit(X[:60], y[:60]).predict(X))
    only_target = LinearInterpolation(Ridge()).fit(X, y, sample_domain=-np.abs(sd))
    assert only_target.source_weight_ == 0.0


def test_errors():
    X, y, sd = _problem()
    labels = (y > 0).astype(int)
    with pytest.raises(ValueError, match="predict_proba"):
        LinearInterpolation(LinearSVC()).fit(X, labels)
    with pytest.raises(ValueError, match=r"weights in \[0, 1\]"):
        LinearInterpolation(Ridge(), source_weights=[0.5, 2.0]).fit(X, y)
    with pytest.raises(ValueError, match="only one class"):
        LinearInterpolation(LogisticRegression()).fit(X, np.zeros(len(y), int))


def test_beats_source_only_and_target_only():
    acc = {"mix": [], "source": [], "target": []}
    for seed in range(10):
        X, y, sd, y_true, test = semi_supervised("classification", seed, 15)
        src = sd > 0
        lab = (sd < 0) & (y != -1)
        models = {
            "mix": LinearInterpolation(LogisticRegression()).fit(
                X, y, sample_domain=sd
            ),
            "source": LogisticRegression().fit(X[src], y[src]),
            "target": LogisticRegression().fit(X[lab], y[lab]),
        }
        for key, m in models.items():
            acc[key].append(np.mean(m.predict(X[test]) == y_true[test]))
    mean = {k: np.mean(v) for k, v in acc.items()}
    assert mean["mix"] > mean["source"] + 0.01
    assert mean["mix"] > mean["target"] + 0.01
