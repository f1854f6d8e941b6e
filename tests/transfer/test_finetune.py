import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression, Ridge, SGDClassifier
from sklearn.neural_network import MLPClassifier

from skadapt.transfer import FineTune


def _problem(seed=0, n_s=100, n_t=20):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_s + n_t, 3))
    y = np.r_[(X[:n_s, 0] > 0), (X[n_s:, 0] + X[n_s:, 1] > 0)].astype(int)
    sd = np.r_[np.ones(n_s, int), -np.ones(n_t, int)]
    return X, y, sd


def test_partial_fit_path_equals_manual_loop():
    X, y, sd = _problem()
    sgd = SGDClassifier(random_state=0)
    model = FineTune(sgd, n_iter_target=4).fit(X, y, sample_domain=sd)
    ref = clone(sgd).fit(X[:100], y[:100])
    for _ in range(4):
        ref.partial_fit(X[100:], y[100:])
    assert_allclose(model.estimator_.coef_, ref.coef_)
    assert model.fine_tuned_
    assert not np.allclose(ref.coef_, clone(sgd).fit(X[:100], y[:100]).coef_)


def test_warm_start_path_continues_from_the_source_solution():
    X, y, sd = _problem()
    model = FineTune(LogisticRegression(), n_iter_target=3).fit(X, y, sample_domain=sd)
    ref = LogisticRegression().fit(X[:100], y[:100])
    ref.set_params(warm_start=True, max_iter=3).fit(X[100:], y[100:])
    assert_allclose(model.estimator_.coef_, ref.coef_)
    assert model.estimator_.max_iter == 3


def test_mlp_fine_tuning_moves_towards_the_target():
    X, y, sd = _problem(n_t=60)
    mlp = MLPClassifier(hidden_layer_sizes=(8,), max_iter=200, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        source = clone(mlp).fit(X[:100], y[:100])
        tuned = FineTune(mlp, n_iter_target=100).fit(X, y, sample_domain=sd)
    assert tuned.score(X[100:], y[100:]) > source.score(X[100:], y[100:])


def test_single_domain_and_unlabelled_target():
    X, y, sd = _problem()
    sgd = SGDClassifier(random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = FineTune(sgd).fit(X, y)
    assert not model.fine_tuned_
    assert_allclose(model.estimator_.coef_, clone(sgd).fit(X, y).coef_)
    masked = y.copy()
    masked[sd < 0] = -1
    with pytest.warns(UserWarning, match="no labelled target rows"):
        model = FineTune(sgd).fit(X, masked)
    assert_allclose(model.estimator_.coef_, clone(sgd).fit(X[:100], y[:100]).coef_)
    assert masked[-1] == -1


def test_errors():
    X, y, sd = _problem()
    with pytest.raises(ValueError, match="partial_fit or a warm_start"):
        FineTune(Ridge()).fit(X, y.astype(float))
    y_new = y.copy()
    y_new[-1] = 5
    with pytest.raises(ValueError, match=r"target labels \[5\]"):
        FineTune(SGDClassifier()).fit(X, y_new, sample_domain=sd)
    with pytest.raises(ValueError, match="no labelled rows"):
        FineTune(SGDClassifier()).fit(X, np.full(len(y), -1))
