"""The seven ways skadapt used to give a wrong answer with no error (issue 11).

Each test reproduces one case as a new user met it and checks that the user now
gets the right answer or a clear error naming the problem and the fix.
"""

import warnings

import numpy as np
import pytest
import sklearn
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skadapt import (
    CORAL,
    KLIEP,
    KMM,
    LabelledOnly,
    TrAdaBoost,
    TransferLogisticRegression,
    make_da_pipeline,
)
from skadapt.datasets import make_domain_shift
from skadapt.exceptions import DegenerateFitWarning, MemoryLimitError
from skadapt.model_selection import (
    DomainShuffleSplit,
    HoldoutScorer,
    PredictionEntropyScorer,
)


@pytest.fixture(scope="module")
def scale_shift():
    return make_domain_shift(
        200, 200, n_features=5, shift="scale", shift_strength=1.5, random_state=0
    )


# --------------------------------------------------------------------- case 1
@pytest.mark.parametrize("scoring", [None, HoldoutScorer(domain="source")])
def test_readme_search_is_the_same_with_routing_on_and_off(scale_shift, scoring):
    X, y, sd, _ = scale_shift
    pipe = make_da_pipeline(StandardScaler(), CORAL(), LogisticRegression())
    grid = {"coral__reg": [0.1, 1.0, "auto"]}

    def search():
        cv = DomainShuffleSplit(n_splits=3, random_state=0)
        return GridSearchCV(pipe, grid, cv=cv, scoring=scoring, error_score="raise")

    off = search().fit(X, y)
    with sklearn.config_context(enable_metadata_routing=True):
        on = search().fit(X, y, sample_domain=sd)
    assert off.best_params_ == on.best_params_
    for i in range(3):
        key = f"split{i}_test_score"
        np.testing.assert_allclose(off.cv_results_[key], on.cv_results_[key])


def test_source_validation_scores_the_aligned_source_rows(scale_shift):
    """HoldoutScorer(domain='source') maps the held-out source rows as source
    rows: the scores the issue saw only with routing on, now in both modes."""
    X, y, sd, _ = scale_shift
    pipe = make_da_pipeline(StandardScaler(), CORAL(), LogisticRegression())
    cv = DomainShuffleSplit(n_splits=3, random_state=0)
    res = GridSearchCV(
        pipe, {"coral__reg": [1.0]}, cv=cv, scoring=HoldoutScorer(domain="source")
    ).fit(X, y)
    assert res.cv_results_["mean_test_score"][0] > 0.8  # ~0.9, not ~0.5


def test_stock_kfold_fails_loudly_instead_of_scoring_half(scale_shift):
    X, y, sd, _ = scale_shift
    pipe = make_da_pipeline(StandardScaler(), CORAL(), LogisticRegression())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = GridSearchCV(pipe, {"coral__reg": [0.1, 1.0]}).fit(X, y)
    assert np.isnan(res.cv_results_["mean_test_score"]).all()
    assert any("use a skadapt splitter" in str(w.message) for w in caught)


def test_label_free_scorer_without_target_rows_names_the_fix(scale_shift):
    X, y, sd, _ = scale_shift
    pipe = make_da_pipeline(StandardScaler(), CORAL(), LogisticRegression())
    search = GridSearchCV(
        pipe,
        {"coral__reg": [0.1, 1.0]},
        cv=DomainShuffleSplit(n_splits=2, random_state=0),
        scoring=PredictionEntropyScorer(),
        error_score="raise",
    )
    with pytest.raises(ValueError, match="target_in_test=True"):
        search.fit(X, y)
    search.set_params(cv=DomainShuffleSplit(n_splits=2, target_in_test=True))
    assert np.isfinite(search.fit(X, y).cv_results_["mean_test_score"]).all()


# --------------------------------------------------------------------- case 2
def _pm_data(seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(200, 3))
    y = np.where(X[:, 0] - 0.5 * X[:, 1] > 0, 1, -1)
    return X, y


def test_minus_one_class_with_explicit_domains_is_a_class():
    X, y = _pm_data()
    y3 = np.where(X[:, 2] > 1, 0, y)  # labels {-1, 0, 1}
    clf = LabelledOnly(LogisticRegression()).fit(X, y3, sample_domain=np.ones(200, int))
    np.testing.assert_array_equal(clf.classes_, [-1, 0, 1])


def test_minus_one_class_without_domains_is_a_clear_error():
    X, y = _pm_data()
    with pytest.raises(ValueError, match="single class.*recode the labels"):
        make_da_pipeline(CORAL(), LogisticRegression()).fit(X, y)


def test_tradaboost_with_pm_labels():
    X, y = _pm_data()
    sd = np.r_[np.ones(150, int), -np.ones(50, int)]
    # -1 labels the source rows and stands on target rows: ambiguous, so an error
    with pytest.raises(ValueError, match="cannot be both a class and 'unknown'"):
        TrAdaBoost().fit(X, y, sample_domain=sd)
    # NaN masks in a float y: -1 is a class everywhere, two classes are learnt
    yf = y.astype(float)
    yf[180:] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateFitWarning)
        clf = TrAdaBoost(random_state=0).fit(X, yf, sample_domain=sd)
    np.testing.assert_array_equal(clf.classes_, [-1.0, 1.0])


# --------------------------------------------------------------------- case 3
def test_regression_targets_equal_to_minus_one_are_values():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(100, 2))
    y = np.round(X @ [2.0, -1.0])
    y[:21] = -1.0
    model = LabelledOnly(Ridge()).fit(X, y)
    np.testing.assert_allclose(model.estimator_.coef_, Ridge().fit(X, y).coef_)


# --------------------------------------------------------------------- case 4
@pytest.mark.parametrize("mask", ["-1", ""])
def test_string_labels_masked_with_a_documented_sentinel(mask):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(120, 2))
    y = np.where(X[:, 0] > 0, "pos", "neg").astype(object)
    y[80:] = mask
    clf = make_da_pipeline(LogisticRegression()).fit(X, y)
    np.testing.assert_array_equal(clf.classes_, ["neg", "pos"])


# --------------------------------------------------------------------- case 5
def test_semi_supervised_transfer_with_routing_off_follows_the_advice():
    X, y, sd, y_true = make_domain_shift(
        300, 200, n_features=4, shift="covariate", shift_strength=2.0, random_state=1
    )
    y = y.copy()
    labelled = np.flatnonzero(sd < 0)[:40]
    y[labelled] = y_true[labelled]

    def pipe():
        return make_pipeline(StandardScaler(), TransferLogisticRegression())

    # without the domains the labelled target rows look like source rows: the
    # warning says how to pass them with routing off
    with pytest.warns(
        UserWarning,
        match="transferlogisticregression__sample_domain|<step>__sample_domain",
    ):
        pipe().fit(X, y)
    off = pipe().fit(X, y, transferlogisticregression__sample_domain=sd)
    with sklearn.config_context(enable_metadata_routing=True):
        on = pipe().fit(X, y, sample_domain=sd)
    test = np.setdiff1d(np.flatnonzero(sd < 0), labelled)
    np.testing.assert_allclose(off.predict_proba(X[test]), on.predict_proba(X[test]))
    assert off[-1].n_target_samples_ == 40


# --------------------------------------------------------------------- case 6
def test_zero_error_boosting_round_warns_and_stops():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 2))
    y = (X[:, 0] > 0).astype(int)
    sd = np.r_[np.ones(150, int), -np.ones(50, int)]
    with pytest.warns(DegenerateFitWarning, match="no error on the labelled target"):
        clf = TrAdaBoost(n_estimators=10, random_state=0).fit(X, y, sample_domain=sd)
    assert clf.stop_reason_ == "zero_target_error" and len(clf.errors_) < 10


def test_uniform_weights_at_the_grid_edge_warn():
    rng = np.random.RandomState(0)
    X = np.r_[rng.normal(size=(300, 2)), rng.normal(size=(300, 2)) * 0.5 + 1.0]
    sd = np.r_[np.ones(300, int), -np.ones(300, int)]
    with pytest.warns(DegenerateFitWarning, match="although the domains differ"):
        est = KLIEP(gamma=[1e-7, 1e-6, 1e-5], random_state=0).fit(X, sample_domain=sd)
    assert {"grid_edge:gamma", "near_uniform"} <= set(est.degenerate_)


def test_kmm_zero_weights_no_longer_hide_behind_its_box():
    rng = np.random.RandomState(0)
    X = np.r_[rng.normal(size=(300, 2)), rng.normal(size=(300, 2)) + 4.0]
    sd = np.r_[np.ones(300, int), -np.ones(300, int)]
    with pytest.warns(UserWarning, match="pinned at 0 or at the cap"):
        est = KMM(random_state=0).fit(X, sample_domain=sd)
    assert np.mean(est.weights_ == 0) > 0.5 and "saturated" in est.degenerate_


# --------------------------------------------------------------------- case 7
def test_exact_kmm_checks_its_memory_before_allocating(monkeypatch):
    monkeypatch.setenv("SKADAPT_MAX_DENSE_BYTES", "100000")
    rng = np.random.RandomState(0)
    X = rng.normal(size=(400, 2))
    sd = np.r_[np.ones(200, int), -np.ones(200, int)]
    with pytest.raises(MemoryLimitError, match="n_landmarks"):
        KMM(n_landmarks=None).fit(X, sample_domain=sd)
    KMM(n_landmarks=50, random_state=0).fit(X, sample_domain=sd)  # low rank works


# -------------------------------------------------- the other clear errors
def test_short_y_with_sample_domain_is_a_clear_error():
    X = np.zeros((10, 2))
    sd = np.r_[np.ones(5, int), -np.ones(5, int)]
    with pytest.raises(ValueError, match="y has 8 rows but sample_domain has 10"):
        CORAL().fit(X, np.zeros(8), sample_domain=sd)


def test_single_row_target_domain_warns():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(21, 2))
    sd = np.r_[np.ones(20, int), -1]
    with pytest.warns(DegenerateFitWarning, match="single row"):
        CORAL().fit(X, sample_domain=sd)
