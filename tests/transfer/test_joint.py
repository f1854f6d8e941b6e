import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KNeighborsClassifier

from skadapt.transfer import JointTraining

from ._data import semi_supervised


def _problem(seed=0, n_s=60, n_t=10):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_s + n_t, 3))
    y = X @ [1.0, -2.0, 0.5] + np.r_[np.zeros(n_s), np.full(n_t, 1.5)]
    sd = np.r_[np.ones(n_s, int), -np.ones(n_t, int)]
    return X, y, sd


@pytest.mark.parametrize("target_weight", [0.0, 2.5, "balanced"])
def test_equals_weighted_fit(target_weight):
    X, y, sd = _problem()
    sw = np.random.RandomState(1).uniform(0.5, 2.0, size=X.shape[0])
    model = JointTraining(Ridge(), target_weight=target_weight)
    model.fit(X, y, sample_weight=sw, sample_domain=sd)
    lam = (
        sw[sd > 0].sum() / sw[sd < 0].sum()
        if target_weight == "balanced"
        else target_weight
    )
    assert model.target_weight_ == pytest.approx(lam)
    ref = Ridge().fit(X, y, sample_weight=sw * np.where(sd < 0, lam, 1.0))
    assert_allclose(model.estimator_.coef_, ref.coef_, atol=1e-12)


def test_balanced_from_domain_sizes_and_limits():
    X, y, sd = _problem(n_s=60, n_t=10)
    assert JointTraining(Ridge()).fit(X, y, sample_domain=sd).target_weight_ == 6.0
    source = JointTraining(Ridge(), target_weight=0.0).fit(X, y, sample_domain=sd)
    assert_allclose(source.estimator_.coef_, Ridge().fit(X[:60], y[:60]).coef_)
    target = JointTraining(Ridge(alpha=1e-8), target_weight=1e9)
    target.fit(X, y, sample_domain=sd)
    ref = Ridge(alpha=1e-8).fit(X[60:], y[60:])
    assert_allclose(target.estimator_.coef_, ref.coef_, atol=1e-6)


def test_single_domain_is_the_estimator():
    X, y, sd = _problem()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = JointTraining(Ridge()).fit(X, y)
    assert model.target_weight_ == 1.0
    assert_allclose(model.predict(X), Ridge().fit(X, y).predict(X))


def test_unlabelled_target_warns_and_drops_masked_rows():
    X, y, sd = _problem()
    y = y.copy()
    y[sd < 0] = np.nan
    with pytest.warns(UserWarning, match="no labelled target rows"):
        model = JointTraining(Ridge()).fit(X, y)
    assert_allclose(model.predict(X), Ridge().fit(X[:60], y[:60]).predict(X))
    assert np.isnan(y[-1])


def test_grid_search_over_target_weight():
    X, y, sd = _problem()
    search = GridSearchCV(
        JointTraining(Ridge()), {"target_weight": [0.0, 1.0, 100.0]}, cv=3
    )
    search.fit(X, y)  # one domain: fits; every value gives the same model
    assert search.best_params_["target_weight"] in (0.0, 1.0, 100.0)


def test_errors():
    X, y, sd = _problem()
    with pytest.raises(ValueError, match="takes sample_weight"):
        JointTraining(KNeighborsClassifier()).fit(X, (y > 0).astype(int))
    with pytest.raises(ValueError, match="no labelled rows"):
        JointTraining(Ridge()).fit(X, np.full_like(y, np.nan))


def test_beats_source_only_and_target_only():
    acc = {"joint": [], "source": [], "target": []}
    for seed in range(5):
        X, y, sd, y_true, test = semi_supervised("classification", seed, 15)
        src = sd > 0
        lab = (sd < 0) & (y != -1)
        models = {
            "joint": JointTraining(LogisticRegression()).fit(X, y, sample_domain=sd),
            "source": LogisticRegression().fit(X[src], y[src]),
            "target": LogisticRegression().fit(X[lab], y[lab]),
        }
        for key, m in models.items():
            acc[key].append(np.mean(m.predict(X[test]) == y_true[test]))
    mean = {k: np.mean(v) for k, v in acc.items()}
    assert mean["joint"] > mean["source"] + 0.01
    assert mean["joint"] > mean["target"] + 0.01
