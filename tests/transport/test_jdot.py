"""JDOT: the alternating minimisation against its closed-form steps."""

import sys

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.svm import LinearSVC

from skadapt.transport import JDOTClassifier, JDOTRegressor

from ._data import labelled_domains


def _regression(n=60, m=60, seed=0):
    rng = np.random.RandomState(seed)
    Xs = rng.uniform(-1, 1, size=(n, 2))
    Xt = rng.uniform(-1, 1, size=(m, 2)) + [1.5, 0.0]
    f = np.array([2.0, -1.0])
    X = np.r_[Xs, Xt]
    y = np.r_[Xs @ f + 0.05 * rng.normal(size=n), np.full(m, np.nan)]
    # a translated domain whose labels move with it (JDOT's premise)
    return X, y, (Xt - [1.5, 0.0]) @ f


def test_regressor_objective_decreases_and_the_last_fit_is_the_closed_form(
    monkeypatch,
):
    monkeypatch.setitem(sys.modules, "ot", None)  # exact plans by assignment
    X, y, yt = _regression()
    est = JDOTRegressor(Ridge(alpha=1e-3), epsilon=0, max_iter=20, tol=0).fit(X, y)
    obj = est.objective_
    assert obj.size == est.n_iter_ > 2
    # each alternation minimises the same objective exactly
    assert np.all(np.diff(obj) <= 1e-10)
    # the last model is the weighted fit on the targets transported by the plan
    P = est.coupling_
    Xt = X[60:]
    yhat = (P.T @ y[:60]) / P.sum(axis=0)
    ref = Ridge(alpha=1e-3).fit(Xt, yhat, sample_weight=P.sum(axis=0) * 60)
    np.testing.assert_allclose(est.predict(Xt), ref.predict(Xt), atol=1e-10)


def test_regressor_objective_is_the_plan_weighted_joint_cost():
    X, y, yt = _regression()
    est = JDOTRegressor(max_iter=1).fit(X, y)
    Xs, Xt = X[:60], X[60:]
    Cx = ((Xs[:, None] - Xt[None]) ** 2).sum(-1)
    f0 = Ridge().fit(Xs, y[:60])
    L = (y[:60, None] - f0.predict(Xt)[None, :]) ** 2 / np.var(y[:60])
    np.testing.assert_allclose(
        est.objective_[0], np.sum(est.coupling_ * (Cx / Cx.mean() + L)), rtol=1e-8
    )


def test_classifier_fit_is_the_plan_weighted_log_loss():
    X, y, sd, ys, yt = labelled_domains(shift=(0.0, 2.5))
    est = JDOTClassifier(LogisticRegression(C=10.0), max_iter=3).fit(X, y)
    P = est.coupling_
    Xt = X[60:]
    W = np.stack([P[ys == c].sum(axis=0) for c in (0, 1)], axis=1) * 60
    rows, cls = np.nonzero(W > 1e-8 * W.max())
    ref = LogisticRegression(C=10.0).fit(Xt[rows], cls, sample_weight=W[rows, cls])
    np.testing.assert_allclose(est.predict_proba(Xt), ref.predict_proba(Xt), atol=1e-6)
    assert np.mean(est.predict(Xt) == yt) == 1.0


def test_classifier_without_predict_proba_uses_the_zero_one_loss():
    X, y, sd, ys, yt = labelled_domains(shift=(0.0, 2.5))
    est = JDOTClassifier(LinearSVC()).fit(X, y)
    assert not hasattr(est, "predict_proba")
    assert np.mean(est.predict(X[60:]) == yt) >= 0.95


def test_jdot_beats_source_only_on_a_translated_target():
    X, y, yt = _regression()
    Xs, Xt = X[:60], X[60:]
    rmse0 = np.sqrt(np.mean((Ridge().fit(Xs, y[:60]).predict(Xt) - yt) ** 2))
    est = JDOTRegressor().fit(X, y)
    rmse = np.sqrt(np.mean((est.predict(Xt) - yt) ** 2))
    assert rmse < 0.7 * rmse0


def test_labelled_target_rows_join_the_fit():
    X, y, yt = _regression()
    sd = np.r_[np.ones(60, int), -np.ones(60, int)]
    y2 = y.copy()
    y2[60:70] = yt[:10]
    est = JDOTRegressor(max_iter=2).fit(X, y2, sample_domain=sd)
    # the target model sees the 10 labelled target rows: its error there is small
    assert np.abs(est.predict(X[60:70]) - yt[:10]).mean() < 0.5


def test_one_domain_is_the_estimator():
    X, y, yt = _regression()
    est = JDOTRegressor().fit(X[:60], y[:60])
    np.testing.assert_allclose(
        est.predict(X[:60]), Ridge().fit(X[:60], y[:60]).predict(X[:60])
    )
    assert est.n_iter_ == 0


def test_estimator_without_sample_weight_is_an_error():
    class NoWeights(Ridge):
        def fit(self, X, y):
            return super().fit(X, y)

    X, y, yt = _regression()
    with pytest.raises(TypeError, match="sample_weight"):
        JDOTRegressor(NoWeights()).fit(X, y)


def test_minibatch_plans_are_used_above_the_batch_size():
    X, y, yt = _regression(200, 180)
    est = JDOTRegressor(batch_size=50, random_state=0, max_iter=3).fit(X, y)
    from scipy import sparse

    assert sparse.issparse(est.coupling_)
    assert np.all(np.isfinite(est.objective_))
