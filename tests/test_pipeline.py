"""Stock sklearn composition, with metadata routing off and on."""

import numpy as np
import pytest
import sklearn
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skadapt import CORAL, LabelledOnly, make_da_pipeline
from skadapt.datasets import make_domain_shift
from skadapt.model_selection import DomainShuffleSplit


@pytest.fixture
def shifted():
    return make_domain_shift(
        150, 120, n_features=4, shift="scale", shift_strength=1.0, random_state=0
    )


def test_labelled_only_drops_masked_rows():
    X = np.array([[0.0], [1.0], [2.0], [3.0], [10.0], [11.0]])
    y = np.array([0, 0, 1, 1, -1, -1])
    y0 = y.copy()
    clf = LabelledOnly(LogisticRegression()).fit(X, y)
    np.testing.assert_array_equal(clf.classes_, [0, 1])  # -1 is not a class
    ref = LogisticRegression().fit(X[:4], y[:4])
    np.testing.assert_allclose(clf.estimator_.coef_, ref.coef_)
    np.testing.assert_array_equal(y, y0)
    assert clf.score(X[:4], y[:4]) == ref.score(X[:4], y[:4])
    # masked rows cannot be scored: an error, unless the domains say which they are
    with pytest.raises(ValueError, match="masked .unknown. labels, which cannot"):
        clf.score(X, y)
    sd = np.array([1, 1, 1, 1, -1, -1])
    assert clf.score(X, y, sample_domain=sd) == ref.score(X[:4], y[:4])


def test_labelled_only_regression_masks_nan_and_passes_weights():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 2))
    y = X @ [1.0, -2.0] + 0.1 * rng.normal(size=30)
    y_masked = y.copy()
    y_masked[20:] = np.nan
    w = rng.rand(30)
    reg = LabelledOnly(Ridge(alpha=0.1)).fit(X, y_masked, sample_weight=w)
    ref = Ridge(alpha=0.1).fit(X[:20], y[:20], sample_weight=w[:20])
    np.testing.assert_allclose(reg.estimator_.coef_, ref.coef_)
    assert np.isnan(y_masked[20:]).all()


def test_labelled_only_errors():
    X = np.zeros((3, 1))
    with pytest.raises(ValueError, match="no labelled rows"):
        LabelledOnly(LogisticRegression()).fit(X, [-1, -1, -1])
    with pytest.raises(ValueError, match="requires y"):
        LabelledOnly(LogisticRegression()).fit(X, None)
    with pytest.raises(
        ValueError, match="single class .0.*-1 is a real class|single class"
    ):
        LabelledOnly(LogisticRegression()).fit(X, [0, 0, -1])


def test_make_da_pipeline_structure():
    pipe = make_da_pipeline(StandardScaler(), CORAL(), LogisticRegression())
    assert type(pipe) is Pipeline
    assert [n for n, _ in pipe.steps] == [
        "standardscaler",
        "coral",
        "logisticregression",
    ]
    assert isinstance(pipe.steps[-1][1], LabelledOnly)
    assert isinstance(make_da_pipeline(CORAL()).steps[-1][1], CORAL)  # not wrapped
    dup = make_da_pipeline(StandardScaler(), StandardScaler(), LinearRegression())
    assert [n for n, _ in dup.steps][:2] == ["standardscaler-1", "standardscaler-2"]
    with pytest.raises(ValueError, match="at least one step"):
        make_da_pipeline()


def test_pipeline_routing_off_uses_masked_y(shifted):
    X, y, sd, y_true = shifted
    y0 = y.copy()
    pipe = make_da_pipeline(StandardScaler(), CORAL(), LogisticRegression()).fit(X, y)
    # the same as doing each step by hand
    Xs = StandardScaler().fit_transform(X)
    Xa = CORAL().fit_transform(Xs, sample_domain=sd)
    ref = LogisticRegression().fit(Xa[sd > 0], y[sd > 0])
    np.testing.assert_allclose(pipe[-1].estimator_.coef_, ref.coef_)
    np.testing.assert_array_equal(y, y0)
    np.testing.assert_array_equal(pipe.predict(X[sd < 0]), ref.predict(Xs[sd < 0]))


def test_pipeline_routing_on_routes_sample_domain(shifted):
    X, y, sd, y_true = shifted
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_da_pipeline(StandardScaler(), CORAL(), LogisticRegression())
        pipe.fit(X, y, sample_domain=sd)
        pred_target = pipe.predict(X)
        # prediction never requests sample_domain (the deployed model is scored
        # the same with routing on and off)
        with pytest.raises(TypeError, match="not routed to any object"):
            pipe.predict(X, sample_domain=sd)
    ref = make_da_pipeline(StandardScaler(), CORAL(), LogisticRegression()).fit(X, y)
    np.testing.assert_allclose(pipe[-1].estimator_.coef_, ref[-1].estimator_.coef_)
    np.testing.assert_array_equal(pred_target, ref.predict(X))
    # in a direct call, source rows go through their CORAL map
    Z = pipe[0].transform(X)
    mapped = pipe[1].transform(Z, sample_domain=sd)
    assert not np.allclose(mapped[sd > 0], Z[sd > 0])
    np.testing.assert_allclose(mapped[sd < 0], Z[sd < 0])


def test_semi_supervised_target_labels_need_explicit_domains(shifted):
    X, y, sd, y_true = shifted
    y_semi = y.copy()
    labelled_t = np.flatnonzero(sd < 0)[:10]
    y_semi[labelled_t] = y_true[labelled_t]
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_da_pipeline(CORAL(), LogisticRegression())
        pipe.fit(X, y_semi, sample_domain=sd)
    # CORAL saw 120 target rows (explicit ids), the classifier 160 labelled rows
    assert pipe[0].n_samples_seen_ == {1: 150, -1: 120}
    assert pipe[-1].estimator_.coef_.shape == (1, 4)


@pytest.mark.parametrize("routing", [False, True])
def test_grid_search_over_coral_reg(shifted, routing):
    X, y, sd, _ = shifted
    cv = DomainShuffleSplit(n_splits=3, test_size=0.3, random_state=0)
    seen_target = []

    class Spy(CORAL):
        def _finish(self):
            super()._finish()
            seen_target.append(self.n_samples_seen_.get(-1, 0))

    pipe = make_da_pipeline(StandardScaler(), Spy(), LogisticRegression())
    grid = GridSearchCV(pipe, {"spy__reg": [0.1, 1.0, "auto"]}, cv=cv)
    with sklearn.config_context(enable_metadata_routing=routing):
        if routing:
            grid.fit(X, y, sample_domain=sd)
        else:
            grid.fit(X, y)
    assert grid.best_params_["spy__reg"] in (0.1, 1.0, "auto")
    assert np.all(np.isfinite(grid.cv_results_["mean_test_score"]))
    # every training fold kept all 120 target rows
    assert seen_target and all(n == 120 for n in seen_target)


def test_domain_shuffle_split_never_tests_target_rows(shifted):
    X, y, sd, _ = shifted
    cv = DomainShuffleSplit(n_splits=4, test_size=0.25, random_state=1)
    for train, test in cv.split(X, y):
        assert np.all(sd[test] > 0)
        assert set(np.flatnonzero(sd < 0)) <= set(train)
        assert len(set(train) & set(test)) == 0
        assert len(test) == int(np.ceil(0.25 * 150))
    with pytest.raises(ValueError, match="no labelled source rows"):
        next(cv.split(X, np.full(len(y), -1)))
    with pytest.raises(ValueError, match="at least one row"):
        next(DomainShuffleSplit(test_size=150).split(X, y))


def test_cross_validate_with_stock_sklearn(shifted):
    X, y, _, _ = shifted
    pipe = make_da_pipeline(CORAL(), LogisticRegression())
    res = cross_validate(pipe, X, y, cv=DomainShuffleSplit(n_splits=2, random_state=0))
    assert res["test_score"].shape == (2,)
