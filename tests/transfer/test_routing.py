import pytest
import sklearn
from numpy.testing import assert_allclose
from sklearn.model_selection import GridSearchCV
from sklearn.preprocessing import StandardScaler

from skadapt import make_da_pipeline
from skadapt.model_selection import DomainShuffleSplit
from skadapt.transfer import (
    JointTraining,
    TransferLogisticRegression,
    TransferRidge,
)

from ._data import semi_supervised


@pytest.mark.parametrize(
    "final",
    [TransferRidge(), TransferLogisticRegression(), JointTraining(StandardScaler())],
    ids=lambda e: type(e).__name__,
)
def test_make_da_pipeline_does_not_wrap(final):
    pipe = make_da_pipeline(StandardScaler(), final)
    assert pipe.steps[-1][1] is final


@pytest.mark.parametrize("routing", [False, True])
def test_pipeline_passes_sample_domain(routing):
    X, y, sd, y_true, test = semi_supervised("regression", 0, 15)
    scaled = StandardScaler().fit_transform(X)
    ref = TransferRidge().fit(scaled, y, sample_domain=sd)
    with sklearn.config_context(enable_metadata_routing=routing):
        pipe = make_da_pipeline(StandardScaler(), TransferRidge())
        if routing:
            pipe.fit(X, y, sample_domain=sd)
            assert_allclose(pipe.predict(X), ref.predict(scaled))
        else:
            pipe.fit(X, y, transferridge__sample_domain=sd)
            assert_allclose(pipe.predict(X), ref.predict(scaled))


def test_grid_search_with_routing():
    X, y, sd, y_true, test = semi_supervised("classification", 0, 15)
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_da_pipeline(StandardScaler(), TransferLogisticRegression())
        search = GridSearchCV(
            pipe,
            {"transferlogisticregression__C": [0.1, 1.0]},
            cv=DomainShuffleSplit(n_splits=2, random_state=0),
        )
        search.fit(X, y, sample_domain=sd)
    assert search.best_params_["transferlogisticregression__C"] in (0.1, 1.0)
    assert search.best_estimator_[-1].n_target_samples_ == 15
