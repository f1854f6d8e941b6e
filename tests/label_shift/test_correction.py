"""PriorCorrection: the correction formula, refitting, composition, errors."""

import numpy as np
import pytest
from sklearn import config_context
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from skadapt.label_shift import BBSE, MLLS, PriorCorrection

from ._data import label_shift_data

TARGET = np.array([0.7, 0.2, 0.1])


def _data(seed=0, n_source=600, n_target=600):
    return label_shift_data(n_source, n_target, TARGET, seed=seed)


def test_posterior_correction_is_the_reweighted_posterior():
    X, y, sd, _ = _data()
    clf = PriorCorrection(LogisticRegression(), target_priors=TARGET).fit(X, y)
    P = clf.estimator_.predict_proba(X)
    w = TARGET / clf.source_priors_
    ref = P * w / (P * w).sum(axis=1, keepdims=True)
    assert np.allclose(clf.predict_proba(X), ref)
    assert np.array_equal(clf.predict(X), clf.classes_[ref.argmax(axis=1)])
    # source rows (sample_domain >= 1) keep the source posterior
    assert np.allclose(clf.predict_proba(X, sample_domain=sd)[sd > 0], P[sd > 0])


def test_correction_raises_target_accuracy_and_the_oracle_bounds_it():
    X, y, sd, y_true = _data(seed=1, n_source=1500, n_target=3000)
    t = sd < 0
    plain = LogisticRegression().fit(X[sd > 0], y[sd > 0]).score(X[t], y_true[t])
    est = PriorCorrection(LogisticRegression()).fit(X, y)
    oracle = PriorCorrection(LogisticRegression(), target_priors=TARGET).fit(X, y)
    acc, acc_oracle = est.score(X[t], y_true[t]), oracle.score(X[t], y_true[t])
    assert acc > plain + 0.01
    assert acc >= acc_oracle - 0.01
    assert np.mean(np.abs(est.priors_ - TARGET)) < 0.03
    assert isinstance(est.prior_estimator_, MLLS)


def test_refit_uses_the_class_weights():
    X, y, sd, _ = _data(seed=2)
    clf = PriorCorrection(
        LogisticRegression(), BBSE(random_state=0), method="refit"
    ).fit(X, y)
    known = sd > 0
    w = clf.class_weights_[y[known]]
    ref = LogisticRegression().fit(X[known], y[known], sample_weight=w)
    assert np.allclose(clf.predict_proba(X), ref.predict_proba(X))
    assert np.allclose(clf.decision_function(X), ref.decision_function(X))
    assert not hasattr(PriorCorrection(LogisticRegression()), "decision_function")


def test_single_domain_is_the_plain_classifier():
    X, y, sd, _ = _data(seed=3)
    known = sd > 0
    clf = PriorCorrection(LogisticRegression()).fit(X[known], y[known])
    ref = LogisticRegression().fit(X[known], y[known])
    assert clf.prior_estimator_ is None
    assert np.allclose(clf.predict_proba(X), ref.predict_proba(X))


def test_in_a_pipeline_and_grid_search_with_and_without_routing():
    X, y, sd, y_true = _data(seed=4)
    pipe = make_pipeline(
        StandardScaler(),
        PriorCorrection(LogisticRegression(), BBSE(soft=True, n_bootstrap=0)),
    )
    grid = {"priorcorrection__estimator__C": [0.1, 1.0]}
    search = GridSearchCV(pipe, grid, cv=2).fit(X, y)
    assert search.best_estimator_.predict(X).shape == y.shape
    with config_context(enable_metadata_routing=True):
        search = GridSearchCV(pipe, grid, cv=2).fit(X, y, sample_domain=sd)
        assert search.best_estimator_[-1].priors_.shape == (3,)


def test_inputs_not_modified():
    X, y, sd, _ = _data(seed=5)
    X0, y0, sd0 = X.copy(), y.copy(), sd.copy()
    PriorCorrection(LogisticRegression()).fit(X, y, sample_domain=sd)
    assert np.array_equal(X, X0) and np.array_equal(y, y0) and np.array_equal(sd, sd0)


def test_target_priors_as_a_dict():
    X, y, _, _ = _data(seed=6)
    clf = PriorCorrection(LogisticRegression(), target_priors={0: 0.7, 1: 0.2, 2: 0.1})
    assert np.allclose(clf.fit(X, y).priors_, TARGET)


@pytest.mark.parametrize(
    "priors, match",
    [
        ({0: 0.5, 1: 0.3, 9: 0.2}, r"class\(es\) \[9\] not seen in the source"),
        ({0: 0.5, 1: 0.5}, r"no prior for class\(es\) \[2\]"),
        ([0.5, 0.5], "one prior per class"),
        ([0.5, 0.6, -0.1], "non-negative and sum to 1"),
    ],
)
def test_error_bad_target_priors(priors, match):
    X, y, _, _ = _data(seed=7)
    with pytest.raises(ValueError, match=match):
        PriorCorrection(LogisticRegression(), target_priors=priors).fit(X, y)


def test_error_without_predict_proba():
    X, y, _, _ = _data(seed=8)
    with pytest.raises(TypeError, match="has no predict_proba"):
        PriorCorrection(LinearSVC()).fit(X, y)
    clf = PriorCorrection(LinearSVC(), BBSE(LinearSVC()), method="refit").fit(X, y)
    assert clf.predict(X).shape == y.shape


def test_error_one_class_and_not_a_classifier():
    from sklearn.linear_model import Ridge

    X = np.random.RandomState(0).normal(size=(20, 2))
    with pytest.raises(ValueError, match="at least 2 classes"):
        PriorCorrection(LogisticRegression()).fit(X, np.r_[np.zeros(10), -np.ones(10)])
    with pytest.raises(TypeError, match="corrects a classifier"):
        PriorCorrection(Ridge()).fit(X, np.r_[np.zeros(10), np.ones(10)])
