import numpy as np
import pytest
from sklearn import config_context
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import mean_squared_error
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skadapt.datasets import make_domain_shift
from skadapt.reweighting import (
    KLIEP,
    KMM,
    GaussianDensityRatio,
    ImportanceWeighted,
)


def test_fits_estimator_with_weighter_weights():
    X, y, sd, _ = make_domain_shift(80, 60, task="regression", random_state=0)
    model = ImportanceWeighted(Ridge(alpha=1.0), KLIEP(random_state=0)).fit(X, y)
    w = KLIEP(random_state=0).fit(X, y).weights_
    np.testing.assert_allclose(model.sample_weight_, w)
    ref = Ridge(alpha=1.0).fit(X[sd > 0], y[sd > 0], sample_weight=w)
    np.testing.assert_allclose(model.predict(X), ref.predict(X))


def test_labelled_target_rows_get_unit_weight_and_user_weights_multiply():
    X, y, sd, y_true = make_domain_shift(50, 40, random_state=0)
    y = y.copy()
    sd = sd.copy()
    y[60:65] = y_true[60:65]  # five labelled target rows
    sw = np.full(90, 2.0)
    model = ImportanceWeighted(LogisticRegression(), KMM()).fit(
        X, y, sample_weight=sw, sample_domain=sd
    )
    assert model.sample_weight_.shape == (55,)
    np.testing.assert_allclose(model.sample_weight_[-5:], 2.0)
    np.testing.assert_allclose(
        model.sample_weight_[:50], 2.0 * model.weighter_.weights_
    )


def test_single_domain_is_plain_estimator():
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(40, 3)), rng.normal(size=40)
    model = ImportanceWeighted(Ridge(), KMM()).fit(X, y)
    np.testing.assert_allclose(model.predict(X), Ridge().fit(X, y).predict(X))


def test_helps_under_covariate_shift():
    """Weighted Ridge beats source-only Ridge on the target (covariate shift)."""
    X, y, sd, y_true = make_domain_shift(
        400,
        400,
        n_features=2,
        task="regression",
        shift_strength=1.5,
        noise=0.1,
        random_state=0,
    )
    tgt = sd < 0
    base = Ridge().fit(X[~tgt], y[~tgt])
    rmse0 = mean_squared_error(y_true[tgt], base.predict(X[tgt])) ** 0.5
    model = ImportanceWeighted(Ridge(), GaussianDensityRatio()).fit(X, y)
    rmse = mean_squared_error(y_true[tgt], model.predict(X[tgt])) ** 0.5
    assert rmse < rmse0


def test_pipeline_with_routing():
    X, y, sd, _ = make_domain_shift(60, 60, task="regression", random_state=1)
    pipe = make_pipeline(
        StandardScaler(), ImportanceWeighted(Ridge(), KLIEP(random_state=0))
    )
    with config_context(enable_metadata_routing=True):
        pipe.fit(X, y, sample_domain=sd)
        assert pipe.predict(X).shape == (120,)


def test_errors():
    X, y, sd, _ = make_domain_shift(30, 30, task="regression", random_state=0)
    with pytest.raises(TypeError, match="sample_weight"):
        ImportanceWeighted(KNeighborsRegressor(), KMM()).fit(X, y)
    with pytest.raises(ValueError, match="every label in y is masked"):
        ImportanceWeighted(Ridge(), KMM()).fit(X, np.full(60, np.nan))
    with pytest.raises(ValueError, match="needs target rows"):
        ImportanceWeighted(Ridge(), KMM()).fit(
            X[:30], y[:30], sample_domain=np.ones(30, int)
        )
