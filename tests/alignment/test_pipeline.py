"""The alignment transformers in stock scikit-learn composition."""

import numpy as np
import pytest
from sklearn import config_context
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KNeighborsClassifier

from skadapt import (
    JDA,
    TCA,
    DomainStandardScaler,
    FeatureAugmentation,
    LinearOTMapping,
    SubspaceAlignment,
    make_da_pipeline,
)
from skadapt.model_selection import DomainShuffleSplit

from ._data import two_sources

TRANSFORMERS = [
    SubspaceAlignment(n_components=3),
    TCA(n_components=3),
    JDA(n_components=3, n_iter=2),
    LinearOTMapping(),
    DomainStandardScaler(),
]


@pytest.fixture
def data():
    X, y, sd, y_true = two_sources(n=40, n_features=4)
    sd = np.where(sd > 0, 1, sd)  # one source: the domains routing-off infers
    return X, y, sd, y_true


@pytest.mark.parametrize("est", TRANSFORMERS, ids=lambda e: type(e).__name__)
def test_pipeline_routing_off_and_on_agree_with_a_manual_fit(est, data):
    X, y, sd, _ = data
    t = sd < 0
    Z = est.fit_transform(X, y, sample_domain=sd)
    clf = LogisticRegression().fit(Z[~t], y[~t])
    expected = clf.predict(est.transform(X[t]))

    pipe = make_da_pipeline(est, LogisticRegression())
    off = pipe.fit(X, y).predict(X[t])
    np.testing.assert_array_equal(off, expected)
    with config_context(enable_metadata_routing=True):
        pipe = make_da_pipeline(est, LogisticRegression())
        on = pipe.fit(X, y, sample_domain=sd).predict(X[t])
        # prediction-time methods never request sample_domain: a search scores
        # the deployed model the same way with routing on and off
        with pytest.raises(TypeError, match="not routed to any object"):
            pipe.predict(X[t], sample_domain=sd[t])
    np.testing.assert_array_equal(on, expected)


def test_feature_augmentation_needs_routing_for_its_labelled_target_rows(data):
    X, y, sd, y_true = data
    y = y.copy()
    tgt = np.flatnonzero(sd < 0)
    y[tgt[:6]] = y_true[tgt[:6]]
    pipe = make_da_pipeline(FeatureAugmentation(), LogisticRegression())
    # routing off: labelled rows are inferred to be source rows, the masked ones
    # target rows, so no target row is labelled
    with pytest.raises(ValueError, match="needs labelled target rows"):
        pipe.fit(X, y)
    with config_context(enable_metadata_routing=True):
        pipe = make_da_pipeline(FeatureAugmentation(), LogisticRegression())
        pipe.fit(X, y, sample_domain=sd)
        pred = pipe.predict(X[tgt])
        assert pipe[-1].n_features_in_ == 3 * X.shape[1]
    assert pred.shape == (tgt.size,)


def test_grid_search_with_routing_and_domain_shuffle_split():
    X, y, sd, _ = two_sources(n=40, n_features=4)
    pipe = make_da_pipeline(SubspaceAlignment(), KNeighborsClassifier(n_neighbors=1))
    grid = GridSearchCV(
        pipe,
        {"subspacealignment__n_components": [2, 3]},
        cv=DomainShuffleSplit(n_splits=2, test_size=0.25, random_state=0),
    )
    with config_context(enable_metadata_routing=True):
        grid.fit(X, y, sample_domain=sd)
        pred = grid.predict(X[sd < 0])  # no sample_domain: target rows
    assert grid.best_params_["subspacealignment__n_components"] in (2, 3)
    # sample_domain reached the step: both sources were aligned separately
    np.testing.assert_array_equal(grid.best_estimator_[0].source_domains_, [1, 2])
    assert np.all(np.isfinite(grid.cv_results_["mean_test_score"]))
    assert pred.shape == ((sd < 0).sum(),)
