import warnings

import numpy as np
import pytest
from sklearn.metrics import mean_squared_error
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from skadapt.exceptions import DegenerateFitWarning
from skadapt.reweighting import TrAdaBoost, TrAdaBoostR2, TwoStageTrAdaBoostR2
from skadapt.reweighting._tradaboost import _stage1_update, weighted_median


def _concept_shift(seed=0, n_s=300, n_t=40, n_test=500):
    """Source and target share x but the target's slope differs on one region."""
    rng = np.random.RandomState(seed)
    Xs = rng.uniform(-3, 3, size=(n_s, 1))
    Xt = rng.uniform(-3, 3, size=(n_t + n_test, 1))
    ys = np.sin(Xs[:, 0]) + 0.1 * rng.normal(size=n_s)
    f_t = np.sin(Xt[:, 0]) + 1.5 * (Xt[:, 0] > 0)
    yt = f_t + 0.1 * rng.normal(size=n_t + n_test)
    X = np.r_[Xs, Xt[:n_t]]
    y = np.r_[ys, yt[:n_t]]
    sd = np.r_[np.ones(n_s, int), -np.ones(n_t, int)]
    return X, y, sd, Xt[n_t:], f_t[n_t:]


def test_weighted_median_matches_naive():
    rng = np.random.RandomState(0)
    P = rng.normal(size=(30, 7))
    a = rng.uniform(0.1, 1, size=7)
    out = weighted_median(P, a)
    for i in range(30):
        order = np.argsort(P[i])
        cum = np.cumsum(a[order])
        assert out[i] == P[i, order[np.searchsorted(cum, 0.5 * cum[-1])]]


def test_stage1_update_reaches_share():
    rng = np.random.RandomState(0)
    w = rng.uniform(size=50)
    e = rng.uniform(size=50)
    target = np.arange(50) >= 40
    out = _stage1_update(w / w.sum(), e, target, 0.6)
    np.testing.assert_allclose(out.sum(), 1.0)
    np.testing.assert_allclose(out[target].sum(), 0.6, rtol=1e-6)
    # target weights keep their proportions
    np.testing.assert_allclose(
        out[target] / out[target].sum(), w[target] / w[target].sum()
    )


@pytest.mark.parametrize("cls", [TrAdaBoostR2, TwoStageTrAdaBoostR2])
def test_regression_transfer_beats_target_only_and_source_only(cls):
    X, y, sd, Xtest, ftest = _concept_shift()
    model = cls(random_state=0).fit(X, y, sample_domain=sd)
    rmse = mean_squared_error(ftest, model.predict(Xtest)) ** 0.5
    src = DecisionTreeRegressor(max_depth=3).fit(X[sd > 0], y[sd > 0])
    rmse_src = mean_squared_error(ftest, src.predict(Xtest)) ** 0.5
    assert rmse < rmse_src


def test_tradaboost_learns_target_concept():
    rng = np.random.RandomState(0)
    Xs = rng.uniform(-2, 2, size=(300, 2))
    Xt = rng.uniform(-2, 2, size=(40 + 500, 2))
    ys = (Xs[:, 0] > 0).astype(int)
    yt = (Xt[:, 0] + 0.7 * Xt[:, 1] > 0.3).astype(int)
    X = np.r_[Xs, Xt[:40]]
    y = np.r_[ys, yt[:40]]
    sd = np.r_[np.ones(300, int), -np.ones(40, int)]
    with pytest.warns(DegenerateFitWarning, match="no error on the labelled target"):
        clf = TrAdaBoost(n_estimators=20, random_state=0).fit(X, y, sample_domain=sd)
    acc = np.mean(clf.predict(Xt[40:]) == yt[40:])
    acc_src = np.mean(
        DecisionTreeClassifier(max_depth=3).fit(Xs, ys).predict(Xt[40:]) == yt[40:]
    )
    assert acc > acc_src
    proba = clf.predict_proba(Xt[40:])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    # a round with no target error stops boosting, as the paper's beta_t = 0 does
    assert clf.stop_reason_ == "zero_target_error"
    assert clf.errors_[-1] == 0 and (clf.errors_[:-1] > 0).all()
    assert len(clf.estimators_) == 1


def test_single_domain_is_base_estimator():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(50, 2))
    y = X[:, 0] + X[:, 1]
    model = TrAdaBoostR2(random_state=0).fit(X, y)
    ref = DecisionTreeRegressor(max_depth=3).fit(X, y)
    np.testing.assert_allclose(model.predict(X), ref.predict(X))


def test_errors():
    X, y, sd, _, _ = _concept_shift(n_t=10)
    y_masked = y.copy()
    y_masked[sd < 0] = np.nan
    for cls in (TrAdaBoostR2, TwoStageTrAdaBoostR2):
        with pytest.raises(ValueError, match="needs labelled target rows"):
            cls().fit(X, y_masked, sample_domain=sd)
        with pytest.raises(TypeError, match="sample_weight"):
            from sklearn.neighbors import KNeighborsRegressor

            cls(estimator=KNeighborsRegressor()).fit(X, y, sample_domain=sd)
    with pytest.warns(UserWarning, match="look like source rows unless sample_domain"):
        TrAdaBoostR2().fit(X, y_masked)
    with pytest.raises(ValueError, match="needs target rows"):
        TrAdaBoost().fit(X, (y > 0).astype(int), sample_domain=np.ones(len(y), int))


def test_labels_minus_one_are_a_class_with_sample_domain():
    """Source rows are labelled by definition: {-1, +1} labels give two classes."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(160, 2))
    y = np.where(X[:, 0] + 0.3 * X[:, 1] > 0, 1, -1)
    sd = np.r_[np.ones(120, int), -np.ones(40, int)]
    # -1 is a class of the source rows and stands on target rows: ambiguous
    with pytest.raises(ValueError, match="cannot be both a class and 'unknown'"):
        TrAdaBoost().fit(X, y, sample_domain=sd)
    # a float y masked by NaN makes -1 a class everywhere
    y = y.astype(float)
    y[150:] = np.nan  # ten unlabelled target rows
    clf = TrAdaBoost(n_estimators=6, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateFitWarning)
        clf.fit(X, y, sample_domain=sd)
    np.testing.assert_array_equal(clf.classes_, [-1, 1])
    assert set(np.unique(clf.predict(X))) == {-1, 1}
    # the same labels recoded to {0, 1} give the same model up to relabelling
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateFitWarning)
        y01 = np.where(np.isnan(y), -1, (y > 0).astype(int))
        ref = TrAdaBoost(n_estimators=6, random_state=0).fit(X, y01, sample_domain=sd)
    np.testing.assert_array_equal(clf.predict(X) > 0, ref.predict(X) == 1)


def test_target_error_above_half_stops_boosting():
    rng = np.random.RandomState(1)
    X = rng.normal(size=(200, 2))
    y = (X[:, 0] > 0).astype(int)
    y[150:] = 1 - y[150:]  # the target rows carry the opposite concept
    sd = np.r_[np.ones(150, int), -np.ones(50, int)]
    with pytest.warns(DegenerateFitWarning, match=">= 0.5, so boosting stops"):
        clf = TrAdaBoost(
            estimator=DecisionTreeClassifier(max_depth=1),
            n_estimators=10,
            random_state=0,
        ).fit(X, y, sample_domain=sd)
    assert clf.stop_reason_ == "target_error_above_half"
    assert clf.errors_[-1] >= 0.5 and len(clf.errors_) < 10


def test_base_estimator_must_take_sample_weight():
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X = np.random.RandomState(0).normal(size=(20, 2))
    y = np.arange(20) % 2
    sd = np.r_[np.ones(15, int), -np.ones(5, int)]
    with pytest.raises(TypeError, match="must accept sample_weight.*KNeighbors"):
        TrAdaBoost(estimator=KNeighborsClassifier()).fit(X, y, sample_domain=sd)
    pipe = make_pipeline(StandardScaler(), DecisionTreeClassifier())
    with pytest.raises(TypeError, match="boost its final estimator"):
        TrAdaBoost(estimator=pipe).fit(X, y, sample_domain=sd)


def test_two_stage_n_jobs_gives_the_serial_result():
    rng = np.random.RandomState(0)
    X = rng.uniform(-2, 2, size=(140, 1))
    y = X[:, 0] ** 2 + 0.1 * rng.normal(size=140)
    y[100:] += 0.5 * X[100:, 0]
    sd = np.r_[np.ones(100, int), -np.ones(40, int)]
    serial = TwoStageTrAdaBoostR2(n_steps=3, n_estimators=3, random_state=0)
    par = TwoStageTrAdaBoostR2(n_steps=3, n_estimators=3, n_jobs=2, random_state=0)
    serial.fit(X, y, sample_domain=sd)
    par.fit(X, y, sample_domain=sd)
    np.testing.assert_allclose(serial.cv_errors_, par.cv_errors_)
    np.testing.assert_allclose(serial.predict(X), par.predict(X))
