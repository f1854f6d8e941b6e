import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.ensemble import (
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
)
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.svm import SVR

from skadapt.exceptions import DegenerateFitWarning
from skadapt.transfer import (
    TransferGradientBoostingClassifier,
    TransferGradientBoostingRegressor,
)

from ._data import semi_supervised


def _shift(task, n_classes=2, seed=0, n_t=80):
    rng = np.random.RandomState(seed)
    # float32-exact rows: GradientBoosting* casts X to float32 before calling init
    Xs = rng.normal(size=(300, 3)).astype(np.float32).astype(np.float64)
    Xt = (rng.normal(size=(n_t, 3)) + 0.5).astype(np.float32).astype(np.float64)
    if task == "regression":
        ys = Xs @ [1.0, 2.0, 0.0]
        yt = Xt @ [1.0, 2.0, 0.0] + np.where(Xt[:, 2] > 0.5, 2.0, 0.0)
        return Xs, ys, Xt, yt + 0.1 * rng.normal(size=n_t)
    edges = np.linspace(-1.5, 1.5, n_classes + 1)[1:-1]
    ys = np.digitize(Xs[:, 0] + Xs[:, 1], edges)
    yt = np.digitize(Xt[:, 0] + Xt[:, 1] - Xt[:, 2], edges)
    return Xs, ys, Xt, yt


def test_regression_equals_gradient_boosting_with_a_frozen_source_as_init():
    """What scikit-learn allows: GradientBoostingRegressor(init=FrozenEstimator)."""
    Xs, ys, Xt, yt = _shift("regression")
    source = Ridge().fit(Xs, ys)
    # min_samples_leaf=5: no tiny node where features tie and the seeds decide
    kw = dict(
        n_estimators=30,
        learning_rate=0.2,
        max_depth=2,
        min_samples_leaf=5,
        random_state=0,
    )
    ours = TransferGradientBoostingRegressor(source_estimator=source, cv=None, **kw)
    ours.fit(Xt, yt)
    ref = GradientBoostingRegressor(init=FrozenEstimator(source), **kw).fit(Xt, yt)
    probe = np.random.RandomState(1).normal(size=(300, 3)).astype(np.float32)
    assert ours.n_estimators_ == 30
    assert_allclose(ours.predict(probe), ref.predict(probe), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_classification_equals_gradient_boosting_with_a_frozen_source_as_init(
    n_classes,
):
    Xs, ys, Xt, yt = _shift("classification", n_classes)
    source = LogisticRegression().fit(Xs, ys)
    kw = dict(
        n_estimators=25,
        learning_rate=0.3,
        max_depth=2,
        min_samples_leaf=5,
        random_state=0,
    )
    sw = np.random.RandomState(3).uniform(0.5, 2, size=yt.shape[0])
    ours = TransferGradientBoostingClassifier(source_estimator=source, cv=None, **kw)
    ours.fit(Xt, yt, sample_weight=sw)
    ref = GradientBoostingClassifier(init=FrozenEstimator(source), **kw)
    ref.fit(Xt, yt, sample_weight=sw)
    probe = np.random.RandomState(1).normal(size=(300, 3)).astype(np.float32)
    assert_allclose(ours.predict_proba(probe), ref.predict_proba(probe), atol=1e-9)
    if n_classes == 2:
        assert_allclose(
            ours.decision_function(probe), ref.decision_function(probe), atol=1e-8
        )


def test_a_class_missing_from_the_target_rows_keeps_its_source_score():
    """GradientBoosting(init=...) takes its classes from the target labels."""
    Xs, ys, Xt, yt = _shift("classification", 3)
    source = LogisticRegression().fit(Xs, ys)
    keep = yt != 2
    model = TransferGradientBoostingClassifier(source_estimator=source, random_state=0)
    model.fit(Xt[keep], yt[keep])
    assert model.predict_proba(Xt).shape == (yt.shape[0], 3)
    assert model.classes_.tolist() == [0, 1, 2]
    assert np.all(model.predict_proba(Xt)[:, 2] > 0)
    ref = GradientBoostingClassifier(init=FrozenEstimator(source), n_estimators=5)
    assert ref.fit(Xt[keep], yt[keep]).classes_.tolist() == [0, 1]


def test_rounds_are_the_minimum_of_the_validation_curve():
    Xs, ys, Xt, yt = _shift("regression", n_t=120)
    source = LinearRegression().fit(Xs, ys)
    model = TransferGradientBoostingRegressor(
        source_estimator=source, n_estimators=60, random_state=0
    ).fit(Xt, yt)
    curve = model.validation_loss_
    assert curve.shape == (61,)
    assert model.n_estimators_ == int(np.argmin(curve)) > 0
    assert len(model.stages_) == model.n_estimators_
    # round 0 is the source model's own error on the held-out target rows
    assert_allclose(curve[0], np.mean((source.predict(Xt) - yt) ** 2))


def test_no_rounds_when_the_source_already_fits_the_target():
    rng = np.random.RandomState(0)
    Xt = rng.normal(size=(60, 3))
    source = LinearRegression().fit(rng.normal(size=(50, 3)), rng.normal(size=50))
    model = TransferGradientBoostingRegressor(source_estimator=source, random_state=0)
    model.fit(Xt, source.predict(Xt))
    assert model.n_estimators_ == 0
    assert_allclose(model.predict(Xt), source.predict(Xt))


def test_source_without_decision_function_uses_log_probabilities():
    Xs, ys, Xt, yt = _shift("classification", 3)
    source = RandomForestClassifier(n_estimators=10, random_state=0).fit(Xs, ys)
    model = TransferGradientBoostingClassifier(source_estimator=source, n_estimators=0)
    model.fit(Xt, yt)
    proba = np.clip(source.predict_proba(Xt), np.finfo(float).eps, 1)
    assert_allclose(model.predict_proba(Xt), proba / proba.sum(axis=1, keepdims=True))


def test_hist_gradient_boosting_source_fitted_in_fit_and_one_domain():
    X, y, sd, y_true, test = semi_supervised("classification", 0, 40, n_features=4)
    model = TransferGradientBoostingClassifier(n_estimators=20, random_state=0)
    model.fit(X, y, sample_domain=sd)
    assert isinstance(model.source_estimator_, HistGradientBoostingClassifier)
    assert model.n_target_samples_ == 40
    labelled = y != -1
    single = TransferGradientBoostingClassifier(random_state=0)
    single.fit(X[labelled & (sd > 0)], y[labelled & (sd > 0)])
    assert single.n_estimators_ == 0
    assert_allclose(single.predict_proba(X), single.source_estimator_.predict_proba(X))
    back = pickle.loads(pickle.dumps(model))
    assert_allclose(back.predict_proba(X[test]), model.predict_proba(X[test]))


def test_grid_search_with_a_frozen_source():
    Xs, ys, Xt, yt = _shift("regression", n_t=90)
    source = FrozenEstimator(LinearRegression().fit(Xs, ys))
    search = GridSearchCV(
        TransferGradientBoostingRegressor(
            source_estimator=source, n_estimators=30, random_state=0
        ),
        {"max_depth": [1, 3]},
        cv=3,
    ).fit(Xt, yt)
    assert search.best_score_ > source.score(Xt, yt)


def test_one_target_row_warns_and_keeps_the_source():
    Xs, ys, Xt, yt = _shift("regression")
    source = LinearRegression().fit(Xs, ys)
    model = TransferGradientBoostingRegressor(source_estimator=source)
    with pytest.warns(DegenerateFitWarning, match="cannot validate"):
        model.fit(Xt[:1], yt[:1])
    assert model.n_estimators_ == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        TransferGradientBoostingRegressor(source_estimator=source, cv=None).fit(
            Xt[:1], yt[:1]
        )


def test_errors_name_the_problem():
    Xs, ys, Xt, yt = _shift("regression")
    with pytest.raises(NotFittedError, match="not fitted"):
        TransferGradientBoostingRegressor(source_estimator=Ridge()).fit(Xt, yt)
    clf = LogisticRegression().fit(Xs, ys > 0)
    with pytest.raises(TypeError, match="must be a fitted regressor"):
        TransferGradientBoostingRegressor(source_estimator=clf).fit(Xt, yt)
    with pytest.raises(TypeError, match="must be a fitted classifier"):
        TransferGradientBoostingClassifier(source_estimator=Ridge().fit(Xs, ys)).fit(
            Xt, yt > 0
        )
    with pytest.raises(ValueError, match="fitted on 3 features but X has 2"):
        TransferGradientBoostingRegressor(source_estimator=Ridge().fit(Xs, ys)).fit(
            Xt[:, :2], yt
        )
    with pytest.raises(ValueError, match="not among the classes"):
        TransferGradientBoostingClassifier(source_estimator=clf).fit(
            Xt, np.where(yt > 0, "a", "b")
        )
    with pytest.raises(ValueError, match="no labelled target rows"):
        TransferGradientBoostingRegressor(source_estimator=SVR().fit(Xs, ys)).fit(
            Xt, np.full(len(yt), np.nan)
        )
