"""BBSE, MLLS and RLLS: consistency, exact maximum likelihood, errors, contract."""

import warnings

import numpy as np
import pytest
from scipy.optimize import minimize
from scipy.special import softmax
from sklearn.dummy import DummyClassifier
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from skadapt.exceptions import DegenerateFitWarning
from skadapt.label_shift import BBSE, MLLS, RLLS

from ._data import draw, gaussian_classes, label_shift_data

TARGET = np.array([0.6, 0.3, 0.1])
ESTIMATORS = {
    "bbse-hard": lambda **kw: BBSE(**kw),
    "bbse-soft": lambda **kw: BBSE(soft=True, **kw),
    "mlls-bcts": lambda **kw: MLLS(**kw),
    "rlls": lambda **kw: RLLS(**kw),
}


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_prior_error_falls_as_the_target_grows(name):
    """Mean absolute error over classes, averaged over 10 draws per target size.

    The error of every estimator is of order sqrt(1/n_target + 1/n_source) (a
    central limit for the target mean or likelihood, plus the confusion matrix or
    calibration from the source). With 5000 held-out source rows, going from 100 to
    10000 target rows divides the expected error by about 5.8; the test asks for a
    decrease at each step and a factor 2 overall, loose enough for 10 draws.
    """
    means = gaussian_classes(separation=1.5)  # overlapping classes: a real problem
    rng = np.random.RandomState(0)
    X_fit, y_fit = draw(means, np.full(3, 1 / 3), 2000, rng)
    clf = LogisticRegression().fit(X_fit, y_fit)  # fitted on other source rows
    mae = []
    for n_target in (100, 1000, 10000):
        errors = []
        for seed in range(10):
            X, y, sd, _ = label_shift_data(
                5000, n_target, TARGET, means=means, seed=seed
            )
            est = ESTIMATORS[name](
                estimator=FrozenEstimator(clf), cv="prefit", n_bootstrap=0
            )
            est.fit(X, y, sample_domain=sd)
            assert np.all(est.priors_ >= 0) and np.isclose(est.priors_.sum(), 1.0)
            errors.append(np.mean(np.abs(est.priors_ - TARGET)))
        mae.append(np.mean(errors))
    assert mae[1] < mae[0] and mae[2] < mae[1], mae
    assert mae[2] < 0.5 * mae[0], mae


def test_mlls_with_bcts_matches_the_exact_maximum_likelihood_priors():
    """EM's priors are the maximiser of the target likelihood, found here by SLSQP.

    The likelihood is rebuilt in the test from the fitted fold models and the fitted
    calibration: each target row's calibrated posterior from each fold model, the
    fold models weighted by their share of the source rows.
    """
    X, y, sd, _ = label_shift_data(900, 700, TARGET, seed=1)
    est = MLLS(random_state=0, tol=1e-12, max_iter=100000, n_bootstrap=0)
    est.fit(X, y, sample_domain=sd)
    Xt = X[sd < 0]
    a, b = 1.0 / est.temperature_, est.bias_
    post = [
        softmax(a * np.log(np.maximum(m.predict_proba(Xt), 1e-12)) + b, axis=1)
        for m in est.estimators_
    ]
    folds = np.array([1.0 / len(est.estimators_)] * len(est.estimators_))
    pi = est.posterior_source_priors_

    def neg_ll(q):
        q = np.maximum(q, 1e-300)
        return -sum(f * np.mean(np.log(P @ (q / pi))) for f, P in zip(folds, post))

    res = minimize(
        neg_ll,
        np.full(3, 1 / 3),
        method="SLSQP",
        bounds=[(0, 1)] * 3,
        constraints=[{"type": "eq", "fun": lambda q: q.sum() - 1}],
        options={"ftol": 1e-15, "maxiter": 2000},
    )
    # equal-size folds up to one row: the fold weights differ from 1/5 by < 1e-3
    assert np.allclose(est.priors_, res.x, atol=2e-3)
    assert neg_ll(est.priors_) <= res.fun + 1e-6
    # with BCTS the posteriors average to the source class frequencies
    assert np.allclose(pi, est.source_priors_, atol=1e-4)


def test_fold_weights_make_the_likelihood_exact():
    """The same, with exact fold weights: agreement to the optimiser's precision."""
    X, y, sd, _ = label_shift_data(1000, 600, TARGET, seed=2)  # 1000 = 5 x 200
    est = MLLS(random_state=0, tol=1e-13, max_iter=100000, n_bootstrap=0)
    est.fit(X, y, sample_domain=sd)
    Xt = X[sd < 0]
    a, b = 1.0 / est.temperature_, est.bias_
    P = np.concatenate(
        [
            softmax(a * np.log(np.maximum(m.predict_proba(Xt), 1e-12)) + b, axis=1)
            for m in est.estimators_
        ]
    )
    pi = est.posterior_source_priors_
    res = minimize(
        lambda q: -np.mean(np.log(P @ (np.maximum(q, 1e-300) / pi))),
        np.full(3, 1 / 3),
        method="SLSQP",
        bounds=[(0, 1)] * 3,
        constraints=[{"type": "eq", "fun": lambda q: q.sum() - 1}],
        options={"ftol": 1e-15, "maxiter": 2000},
    )
    assert np.allclose(est.priors_, res.x, atol=1e-5)


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_attributes_and_bootstrap(name):
    X, y, sd, _ = label_shift_data(600, 600, TARGET, seed=3)
    est = ESTIMATORS[name](random_state=0, n_bootstrap=50).fit(X, y)
    assert est.priors_.shape == (3,) and np.isclose(est.priors_.sum(), 1)
    assert np.allclose(est.class_weights_, est.priors_ / est.source_priors_)
    assert np.all(est.priors_std_ > 0) and np.all(est.priors_std_ < 0.1)
    lo, hi = est.priors_interval_
    assert np.all(lo <= est.priors_ + 1e-9) and np.all(est.priors_ <= hi + 1e-9)
    assert len(est.estimators_) == 5
    assert np.mean(np.abs(est.priors_ - TARGET)) < 0.05


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_bootstrap_in_chunks_of_one_replicate(name, monkeypatch):
    """Replicates drawn and solved in memory-bounded chunks (here one replicate
    at a time) leave the point estimate alone and give a bootstrap of the same
    spread: every replicate is used once, none twice."""
    from skadapt.label_shift import _base

    X, y, sd, _ = label_shift_data(400, 400, TARGET, seed=5)
    whole = ESTIMATORS[name](random_state=0, n_bootstrap=300).fit(X, y)
    monkeypatch.setattr(_base, "_BOOTSTRAP_BYTES", 1)
    chunked = ESTIMATORS[name](random_state=0, n_bootstrap=300).fit(X, y)
    np.testing.assert_array_equal(chunked.priors_, whole.priors_)
    # two independent 300-replicate estimates of one standard deviation agree
    # within about 4 standard errors (sqrt(1 / (2 * 299)) ~ 4 % each)
    np.testing.assert_allclose(chunked.priors_std_, whole.priors_std_, rtol=0.25)
    assert not np.array_equal(chunked.priors_std_, whole.priors_std_)


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_single_domain_is_the_source_prior(name):
    X, y, _, _ = label_shift_data(300, 0, TARGET, seed=4)
    est = ESTIMATORS[name]().fit(X, y)
    assert np.allclose(est.priors_, est.source_priors_)
    assert np.allclose(est.class_weights_, 1.0)


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_inputs_not_modified_and_float32(name):
    X, y, sd, _ = label_shift_data(400, 300, TARGET, seed=5)
    X32 = X.astype(np.float32)
    X_copy, y_copy = X32.copy(), y.copy()
    est = ESTIMATORS[name](random_state=0, n_bootstrap=0).fit(X32, y)
    assert np.array_equal(X32, X_copy) and np.array_equal(y, y_copy)
    ref = ESTIMATORS[name](random_state=0, n_bootstrap=0).fit(X, y)
    assert np.allclose(est.priors_, ref.priors_, atol=1e-3)


def test_string_labels_and_masks():
    X, y, sd, _ = label_shift_data(400, 300, TARGET, seed=6)
    names = np.array(["a", "b", "c"], dtype=object)
    ys = np.where(sd > 0, names[np.maximum(y, 0)], None)
    est = MLLS(random_state=0, n_bootstrap=0).fit(X, ys)
    assert list(est.classes_) == ["a", "b", "c"]
    ref = MLLS(random_state=0, n_bootstrap=0).fit(X, y)
    assert np.allclose(est.priors_, ref.priors_)


def test_sample_weight_one_equals_none():
    X, y, sd, _ = label_shift_data(400, 300, TARGET, seed=7)
    a = BBSE(soft=True, random_state=0, n_bootstrap=0).fit(X, y)
    b = BBSE(soft=True, random_state=0, n_bootstrap=0).fit(
        X, y, sample_weight=np.ones(y.shape[0])
    )
    assert np.allclose(a.priors_, b.priors_)


def test_prefit_uses_the_given_model():
    X, y, sd, _ = label_shift_data(800, 400, TARGET, seed=8)
    clf = LogisticRegression().fit(
        *draw(gaussian_classes(), np.ones(3) / 3, 500, np.random.RandomState(9))
    )
    est = BBSE(clf, cv="prefit", n_bootstrap=0).fit(X, y)
    assert est.estimators_[0] is clf


# ------------------------------------------------------------------- errors


def test_error_without_predict_proba():
    X, y, _, _ = label_shift_data(200, 100, TARGET, seed=10)
    for est in (
        MLLS(LinearSVC()),
        BBSE(LinearSVC(), soft=True),
        RLLS(LinearSVC(), soft=True),
    ):
        with pytest.raises(TypeError, match="needs a classifier with predict_proba"):
            est.fit(X, y)
    BBSE(LinearSVC(), n_bootstrap=0).fit(X, y)  # hard BBSE needs only predict


def test_error_singular_confusion_matrix_names_the_remedy():
    X, y, _, _ = label_shift_data(200, 100, TARGET, seed=11)
    with pytest.raises(ValueError, match="confusion matrix .* is singular.*soft=True"):
        BBSE(DummyClassifier(strategy="most_frequent")).fit(X, y)


def test_warning_when_confusion_matrix_is_within_noise_of_singular():
    """Two classes with one distribution: the matrix is singular up to noise.

    The smallest singular value is then of the order of the sampling error of the
    matrix (their ratio is 1.5 here with hard predictions, 0.7 with soft ones),
    classes one standard deviation apart give about 4 and well separated classes
    above 10: the threshold ratio 2 separates the cases.
    """
    rng = np.random.RandomState(12)
    means = np.array([[0.0, 0.0], [0.0, 0.0], [4.0, 0.0]])  # classes 0, 1 identical
    Xs, ys = draw(means, np.ones(3) / 3, 300, rng)
    Xt, _ = draw(means, TARGET, 300, rng)
    X, y = np.r_[Xs, Xt], np.r_[ys, -np.ones(300, int)]
    for soft in (False, True):
        with pytest.warns(DegenerateFitWarning, match="within noise"):
            est = BBSE(soft=soft, random_state=0, n_bootstrap=0).fit(X, y)
        assert est.degenerate_
    X, y, _, _ = label_shift_data(300, 300, TARGET, seed=12)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateFitWarning)
        est = BBSE(random_state=0, n_bootstrap=0).fit(X, y)
    assert not est.degenerate_
    assert est.smallest_singular_value_ > 10 * est.confusion_standard_error_


def test_error_one_class_only():
    X = np.random.RandomState(0).normal(size=(20, 2))
    y = np.r_[np.zeros(10, int), -np.ones(10, int)]
    with pytest.raises(ValueError, match="at least 2 classes"):
        MLLS().fit(X, y)


def test_error_target_class_not_in_source():
    X, y, sd, y_true = label_shift_data(200, 100, TARGET, seed=13)
    y = y.copy()
    y[-5:] = 7  # labelled target rows of a class the source never shows
    with pytest.raises(ValueError, match=r"class\(es\) \[7\].*not among the source"):
        BBSE().fit(X, y, sample_domain=sd)


def test_error_prefit_not_fitted():
    X, y, _, _ = label_shift_data(200, 100, TARGET, seed=14)
    with pytest.raises(NotFittedError, match="cv='prefit'"):
        MLLS(LogisticRegression(), cv="prefit").fit(X, y)


def test_error_sample_weight_not_accepted():
    from sklearn.neighbors import KNeighborsClassifier

    X, y, _, _ = label_shift_data(200, 100, TARGET, seed=15)
    with pytest.raises(TypeError, match="does not accept sample_weight"):
        MLLS(KNeighborsClassifier()).fit(X, y, sample_weight=np.ones(300))


def test_error_class_with_one_source_row():
    X, y, _, _ = label_shift_data(200, 100, TARGET, seed=16)
    y = y.copy()
    y[0] = 5
    with pytest.raises(ValueError, match=r"\[5\] have a single source row"):
        BBSE().fit(X, y)


def test_error_y_none():
    with pytest.raises(ValueError, match="requires y"):
        BBSE().fit(np.zeros((4, 2)), None)
