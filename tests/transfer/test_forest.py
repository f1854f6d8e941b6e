import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.ensemble import (
    ExtraTreesRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import GridSearchCV
from sklearn.tree import DecisionTreeClassifier

from skadapt.transfer import (
    TransferForestClassifier,
    TransferForestRegressor,
    TransferTreeClassifier,
    TransferTreeRegressor,
)

from ._data import semi_supervised
from .test_tree import _data

TASKS = ["classification", "regression"]


def _forest(task, Xs, ys, kind=None, **kw):
    if kind is None:
        kind = (
            RandomForestClassifier
            if task == "classification"
            else RandomForestRegressor
        )
    return kind(n_estimators=8, max_depth=5, random_state=0, **kw).fit(Xs, ys)


def _model(task, **kw):
    kind = (
        TransferForestClassifier
        if task == "classification"
        else TransferForestRegressor
    )
    return kind(**kw)


def _predict(model, X):
    return (
        model.predict_proba(X) if hasattr(model, "predict_proba") else model.predict(X)
    )


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("method", ["relabel", "strut"])
def test_each_tree_is_adapted_as_the_transfer_tree_would(task, method):
    Xs, ys, Xt, yt = _data(task)
    forest = _forest(task, Xs, ys)
    model = _model(task, source_estimator=forest, method=method, alpha=0.5)
    model.fit(Xt, yt)
    probe = np.random.RandomState(1).normal(size=(400, 3))
    expected = []
    for tree in forest.estimators_:
        if task == "classification":
            labels = np.searchsorted(forest.classes_, yt).astype(float)
            one = TransferTreeClassifier(
                source_estimator=tree, method=method, alpha=0.5
            )
            expected.append(one.fit(Xt, labels).predict_proba(probe))
        else:
            one = TransferTreeRegressor(source_estimator=tree, method=method, alpha=0.5)
            expected.append(one.fit(Xt, yt).predict(probe))
    assert_allclose(_predict(model, probe), np.mean(expected, axis=0), atol=1e-12)


@pytest.mark.parametrize("task", TASKS)
def test_ser_keeps_the_source_where_no_target_row_arrives(task):
    Xs, ys, Xt, yt = _data(task, shift=2.0)
    forest = _forest(task, Xs, ys)
    model = _model(task, source_estimator=forest, method="ser", random_state=0)
    model.fit(Xt, yt)
    probe = np.random.RandomState(1).normal(size=(3000, 3)) - 1.0
    leaves = forest.apply(probe)
    reached = forest.apply(Xt)
    away = np.all(
        [~np.isin(leaves[:, k], reached[:, k]) for k in range(leaves.shape[1])], axis=0
    )
    assert away.sum() > 50
    assert_allclose(_predict(model, probe[away]), _predict(forest, probe[away]))
    assert sum(t.node_count for t in model.trees_) > sum(
        t.tree_.node_count for t in forest.estimators_
    )


@pytest.mark.parametrize("task", TASKS)
def test_relabel_with_target_rows_of_the_trees_bootstrap_reproduces_the_forest(task):
    """A tree relabelled on its own (bootstrap-weighted) rows is the source tree."""
    Xs, ys, _, _ = _data(task)
    forest = _forest(task, Xs, ys, bootstrap=False)
    model = _model(task, source_estimator=forest, method="relabel", alpha="auto")
    model.fit(Xs, ys)
    probe = np.random.RandomState(2).normal(size=(400, 3))
    assert_allclose(_predict(model, probe), _predict(forest, probe), atol=1e-12)
    assert_array_equal(model.apply(probe), forest.apply(probe))
    assert_allclose(model.feature_importances_, forest.feature_importances_, atol=1e-12)


@pytest.mark.parametrize("task", TASKS)
def test_one_domain_is_the_plain_forest(task):
    Xs, ys, _, _ = _data(task)
    model = _model(task, n_estimators=6, max_depth=4, random_state=0).fit(Xs, ys)
    src = model.source_estimator_
    assert model.alphas_ is None
    assert src.n_estimators == 6 and src.max_depth == 4
    probe = np.random.RandomState(2).normal(size=(200, 3))
    assert_allclose(_predict(model, probe), _predict(src, probe), atol=1e-12)
    indicator, ptr = model.decision_path(probe)
    ref_indicator, ref_ptr = src.decision_path(probe)
    assert_array_equal(ptr, ref_ptr)
    assert (indicator != ref_indicator).nnz == 0


@pytest.mark.parametrize("method", ["relabel", "ser", "strut"])
def test_n_jobs_and_pickle_give_the_same_forest(method):
    X, y, sd, y_true, test = semi_supervised("classification", 0, 40, n_features=4)
    one = TransferForestClassifier(
        method=method, n_estimators=6, max_depth=4, random_state=0
    ).fit(X, y, sample_domain=sd)
    two = TransferForestClassifier(
        method=method, n_estimators=6, max_depth=4, n_jobs=2, random_state=0
    ).fit(X, y, sample_domain=sd)
    assert_allclose(one.predict_proba(X[test]), two.predict_proba(X[test]))
    back = pickle.loads(pickle.dumps(one))
    assert_allclose(back.predict_proba(X[test]), one.predict_proba(X[test]))
    assert one.n_target_samples_ == 40 and one.alphas_.shape == (6,)
    assert one.apply(X[test]).shape == (test.size, 6)


def test_extra_trees_source_and_grid_search_over_method():
    Xs, ys, Xt, yt = _data("regression", n_t=90)
    forest = _forest("regression", Xs, ys, kind=ExtraTreesRegressor)
    search = GridSearchCV(
        TransferForestRegressor(
            source_estimator=FrozenEstimator(forest), random_state=0
        ),
        {"method": ["relabel", "ser", "strut"]},
        cv=3,
    ).fit(Xt, yt)
    assert search.best_score_ > forest.score(Xt, yt)


def test_errors_name_the_problem():
    Xs, ys, Xt, yt = _data("classification")
    with pytest.raises(TypeError, match="RandomForestClassifier or ExtraTrees"):
        TransferForestClassifier(
            source_estimator=DecisionTreeClassifier().fit(Xs, ys)
        ).fit(Xt, yt)
    with pytest.raises(NotFittedError, match="FrozenEstimator"):
        TransferForestClassifier(source_estimator=RandomForestClassifier()).fit(Xt, yt)
    forest = _forest("classification", Xs, ys)
    with pytest.raises(ValueError, match="fitted on 3 features but X has 2"):
        TransferForestClassifier(source_estimator=forest).fit(Xt[:, :2], yt)
    with pytest.raises(ValueError, match="not among the classes"):
        TransferForestClassifier(source_estimator=forest).fit(Xt, yt + 5)
    with pytest.raises(ValueError, match="no labelled target rows"):
        TransferForestClassifier(source_estimator=forest).fit(Xt, np.full(len(yt), -1))
