import math

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from skadapt import MEDA, SelfTrainingDA
from skadapt.alignment._self_training import self_paced_selection
from skadapt.datasets import make_domain_shift


def _naive_selection(labels, confidence, fraction):
    keep = np.zeros(labels.size, dtype=bool)
    for c in np.unique(labels):
        rows = [i for i in range(labels.size) if labels[i] == c]
        rows.sort(key=lambda i: (-confidence[i], i))
        keep[rows[: math.ceil(fraction * len(rows))]] = True
    return keep


@pytest.mark.parametrize("fraction", [0.1, 1 / 3, 0.5, 0.99, 1.0])
def test_selection_keeps_the_most_confident_share_of_each_class(fraction):
    rng = np.random.RandomState(0)
    labels = rng.randint(0, 4, size=101)
    confidence = rng.choice([0.2, 0.5, 0.7, 0.9], size=101)  # many ties
    keep = self_paced_selection(labels, confidence, fraction)
    np.testing.assert_array_equal(keep, _naive_selection(labels, confidence, fraction))


def test_selection_is_class_balanced_not_global():
    labels = np.array([0, 0, 0, 0, 1, 1])
    confidence = np.array([0.9, 0.95, 0.99, 0.97, 0.1, 0.2])
    keep = self_paced_selection(labels, confidence, 0.5)
    # a global top-3 would take only class 0
    np.testing.assert_array_equal(keep, [False, False, True, True, False, True])


@pytest.fixture
def data():
    return make_domain_shift(
        80, 80, n_features=4, shift="covariate", n_classes=2, random_state=0
    )


def test_rounds_refit_on_the_selected_pseudo_labels(data):
    X, y, sd, _ = data
    clf = SelfTrainingDA(LogisticRegression(), n_iter=2).fit(X, y, sample_domain=sd)
    # replay by hand
    src, tgt = sd > 0, sd < 0
    est = LogisticRegression().fit(X[src], y[src])
    counts = []
    for t in (1, 2):
        P = est.predict_proba(X[tgt])
        lab, conf = P.argmax(axis=1), P.max(axis=1)
        keep = _naive_selection(lab, conf, t / 2)
        counts.append(int(keep.sum()))
        Xk = np.r_[X[src], X[tgt][keep]]
        yk = np.r_[y[src], est.classes_[lab[keep]]]
        last = est.classes_[lab]
        est = LogisticRegression().fit(Xk, yk)
    assert clf.n_selected_ == counts and counts[-1] == 80
    np.testing.assert_array_equal(clf.pseudo_labels_, last)
    np.testing.assert_allclose(clf.estimator_.coef_, est.coef_)


def test_decision_function_estimator(data):
    X, y, sd, _ = data
    clf = SelfTrainingDA(LinearSVC(), n_iter=2).fit(X, y, sample_domain=sd)
    assert clf.decision_function(X).shape == (X.shape[0],)
    assert not hasattr(clf, "predict_proba")


def test_domain_aware_estimator_gets_labelled_target_rows(data):
    X, y, sd, _ = data
    clf = SelfTrainingDA(MEDA(n_components=2, n_iter=1), n_iter=2)
    clf.fit(X, y, sample_domain=sd)
    # the last MEDA was fitted with every target row pseudo-labelled
    np.testing.assert_array_equal(clf.estimator_.pseudo_labels_, clf.pseudo_labels_)


def test_no_target_is_the_estimator_alone(data):
    X, _, _, y_true = data
    clf = SelfTrainingDA(LogisticRegression()).fit(X, y_true)
    assert clf.n_selected_ == [] and clf.pseudo_labels_ is None
    ref = LogisticRegression().fit(X, y_true)
    np.testing.assert_allclose(clf.estimator_.coef_, ref.coef_)


def test_every_label_masked_is_an_error():
    with pytest.raises(ValueError, match="needs labelled rows"):
        SelfTrainingDA(LogisticRegression()).fit(np.zeros((4, 2)), -np.ones(4, int))
