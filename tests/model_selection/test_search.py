"""GridSearchCV / cross_validate end to end with the DA splitters and scorers."""

import numpy as np
import pytest
import sklearn
from joblib import parallel_config
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_validate

from skadapt import CORAL, make_da_pipeline
from skadapt.datasets import make_domain_shift
from skadapt.model_selection import (
    DeepEmbeddedValidationScorer,
    DomainShuffleSplit,
    HoldoutScorer,
    ImportanceWeightedScorer,
    NeighborhoodConsistencyScorer,
    PredictionEntropyScorer,
    ReverseValidationScorer,
    SoftNeighborhoodDensityScorer,
)


def _scorers():
    return {
        "entropy": PredictionEntropyScorer(),
        "snd": SoftNeighborhoodDensityScorer(),
        "consistency": NeighborhoodConsistencyScorer(),
        "iwcv": ImportanceWeightedScorer(),
        "dev": DeepEmbeddedValidationScorer(),
        "reverse": ReverseValidationScorer(),
        "source": HoldoutScorer(domain="source"),
    }


GRID = {"coral__reg": [0.01, 1.0, 100.0]}


def _search(refit=False, n_jobs=2):
    return GridSearchCV(
        make_da_pipeline(CORAL(), LogisticRegression()),
        GRID,
        cv=DomainShuffleSplit(n_splits=2, target_in_test=True, random_state=0),
        scoring=_scorers(),
        refit=refit,
        n_jobs=n_jobs,
        error_score="raise",
    )


@pytest.fixture(scope="module")
def data():
    return make_domain_shift(120, 100, n_features=3, shift="scale", random_state=0)


@pytest.fixture(scope="module")
def results_off(data):
    X, y, sd, _ = data
    with parallel_config(backend="loky"):
        search = _search().fit(X, y)
    return search.cv_results_


def test_grid_search_routing_off_loky(results_off):
    for name in _scorers():
        scores = results_off[f"mean_test_{name}"]
        assert scores.shape == (3,) and np.isfinite(scores).all()


def test_grid_search_routing_on_matches_off(data, results_off):
    X, y, sd, _ = data
    with sklearn.config_context(enable_metadata_routing=True):
        with parallel_config(backend="loky"):
            search = _search().fit(X, y, sample_domain=sd)
    for name in _scorers():
        assert np.allclose(
            search.cv_results_[f"mean_test_{name}"], results_off[f"mean_test_{name}"]
        )


def test_refit_and_cross_validate(data):
    X, y, sd, y_true = data
    search = _search(refit="reverse", n_jobs=1).fit(X, y)
    assert search.best_params_["coral__reg"] in GRID["coral__reg"]
    assert search.predict(X[sd < 0]).shape == (np.sum(sd < 0),)
    with sklearn.config_context(enable_metadata_routing=True):
        res = cross_validate(
            make_da_pipeline(CORAL(), LogisticRegression()),
            X,
            y,
            cv=DomainShuffleSplit(n_splits=2, target_in_test=True, random_state=0),
            scoring=_scorers(),
            params={"sample_domain": sd},
            n_jobs=2,
            error_score="raise",
        )
    assert np.isfinite(res["test_entropy"]).all()


def test_sample_domain_reaches_the_scorer(data):
    # semi-supervised: a few labelled target rows, only visible via sample_domain
    X, y, sd, y_true = data
    y = y.copy()
    lab_t = np.flatnonzero(sd < 0)[:30]
    y[lab_t] = y_true[lab_t]
    search = GridSearchCV(
        make_da_pipeline(CORAL(), LogisticRegression()),
        GRID,
        cv=DomainShuffleSplit(
            n_splits=3, test_size=10, test_on="target", random_state=0
        ),
        scoring=HoldoutScorer(scoring="accuracy"),
        n_jobs=2,
        error_score="raise",
    )
    with sklearn.config_context(enable_metadata_routing=True):
        search.fit(X, y, sample_domain=sd)
        assert np.isfinite(search.cv_results_["mean_test_score"]).all()
        # the same through a multimetric dict (sklearn's _MultimetricScorer routes)
        multi = GridSearchCV(
            search.estimator,
            GRID,
            cv=DomainShuffleSplit(
                n_splits=2,
                test_size=10,
                test_on="target",
                target_in_test=True,
                random_state=0,
            ),
            scoring={"holdout": HoldoutScorer(), "entropy": PredictionEntropyScorer()},
            refit=False,
            error_score="raise",
        ).fit(X, y, sample_domain=sd)
        assert np.isfinite(multi.cv_results_["mean_test_holdout"]).all()
        # without the request the scorer cannot find the labelled target rows
        search.set_params(
            scoring=HoldoutScorer(scoring="accuracy").set_score_request(
                sample_domain=False
            )
        )
        with pytest.raises(ValueError, match="no labelled target rows"):
            search.fit(X, y, sample_domain=sd)


@pytest.mark.parametrize(
    "shift, seed, better, names",
    [
        # scale shift: CORAL recovers 0.89 target accuracy, no adaptation 0.49;
        # reverse validation sees it (IWCV assumes covariate shift and cannot)
        ("scale", 0, 0, ["reverse"]),
        # covariate shift with a mis-specified model: CORAL hurts (0.69 vs 0.83);
        # the importance-weighted scorers see it
        ("covariate", 1, 1, ["iwcv", "dev", "reverse"]),
    ],
)
def test_da_scorers_pick_the_better_model(shift, seed, better, names):
    X, y, sd, y_true = make_domain_shift(
        150, 150, n_features=4, shift=shift, shift_strength=1.5, random_state=seed
    )
    pipe = make_da_pipeline(CORAL(), LogisticRegression())
    candidates = [CORAL(), "passthrough"]
    acc = [
        pipe.set_params(coral=c).fit(X, y).score(X[sd < 0], y_true[sd < 0])
        for c in candidates
    ]
    assert acc[better] > acc[1 - better] + 0.1
    search = GridSearchCV(
        pipe,
        {"coral": candidates},
        cv=DomainShuffleSplit(n_splits=3, target_in_test=True, random_state=0),
        scoring={name: _scorers()[name] for name in names},
        refit=False,
    ).fit(X, y)
    for name in names:
        assert np.argmax(search.cv_results_[f"mean_test_{name}"]) == better, name
