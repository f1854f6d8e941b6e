import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skadapt.reweighting import ClassifierDensityRatio

from ._data import check_weights, rank_correlation, two_gaussians


def test_cross_fitting_reproduced_by_hand():
    X, sd, _ = two_gaussians(60, 40)
    est = ClassifierDensityRatio(cv=3, max_weight=None, random_state=1).fit(
        X, sample_domain=sd
    )
    d = (sd < 0).astype(int)
    raw = np.empty(60)
    for train, test in StratifiedKFold(3, shuffle=True, random_state=1).split(X, d):
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
        p = model.fit(X[train], d[train]).predict_proba(X)[:, 1]
        p = np.clip(p, 1e-3, 1 - 1e-3)
        rows = test[test < 60]
        raw[rows] = p[rows] / (1 - p[rows]) * 60 / 40
    np.testing.assert_allclose(est.weights_, raw / raw.mean(), rtol=1e-10)


def test_no_row_weighted_by_a_model_that_saw_it():
    """A 1-NN classifier labels every row it saw as its own domain: without
    cross-fitting every source weight would sit at the clip floor."""
    X, sd, _ = two_gaussians()
    est = ClassifierDensityRatio(
        estimator=KNeighborsClassifier(n_neighbors=1), max_weight=None
    ).fit(X, sample_domain=sd)
    raw = est.weights_ / est.weights_.min()
    assert np.mean(raw > 2) > 0.2  # many rows above the floor


def test_weights_follow_true_ratio():
    X, sd, truth = two_gaussians()
    est = ClassifierDensityRatio().fit(X, sample_domain=sd)
    check_weights(est.weights_, 300)
    # Spearman correlation with the true ratio, measured 0.883 (a logistic model
    # has linear log-odds; the true log-ratio is quadratic here)
    assert rank_correlation(est.weights_, truth) > 0.85
    w = est.compute_weights(X[sd > 0])
    assert rank_correlation(w, truth) > 0.85


def test_single_domain_and_errors():
    X = np.random.RandomState(0).normal(size=(30, 2))
    est = ClassifierDensityRatio().fit(X)
    np.testing.assert_array_equal(est.weights_, np.ones(30))
    Xd, sd, _ = two_gaussians(20, 20)
    with pytest.raises(ValueError, match="needs target rows"):
        ClassifierDensityRatio().fit(Xd, sample_domain=np.ones(40, int))
    with pytest.raises(ValueError, match="at least 2 source rows"):
        ClassifierDensityRatio().fit(Xd[19:], sample_domain=sd[19:])
    with pytest.raises(ValueError, match="infinity"):
        ClassifierDensityRatio().fit(np.where(Xd > 1, np.inf, Xd), sample_domain=sd)
