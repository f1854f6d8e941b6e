import numpy as np
import pytest
import sklearn
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.preprocessing import FunctionTransformer

from skadapt import CORAL, make_da_pipeline
from skadapt.datasets import make_domain_shift
from skadapt.metrics import TransferReport, transfer_report


@pytest.fixture(scope="module")
def data():
    # a scale shift where CORAL helps a lot (0.89 vs 0.49 target accuracy)
    return make_domain_shift(
        150, 150, n_features=4, shift="scale", shift_strength=1.5, random_state=0
    )


def _zero(X):
    return np.zeros_like(X)


def test_report_values(data):
    X, y, sd, y_true = data
    models = {
        "coral": make_da_pipeline(CORAL(), LogisticRegression()),
        "zeroed": make_da_pipeline(FunctionTransformer(_zero), LogisticRegression()),
    }
    report = transfer_report(models, X, y, y_true=y_true)
    assert isinstance(report, TransferReport)
    t = sd < 0
    src = LogisticRegression().fit(X[sd > 0], y[sd > 0])
    assert report.source_only == pytest.approx(src.score(X[t], y_true[t]))
    coral = models["coral"].fit(X, y)
    d = report.to_dict()
    assert d["models"]["coral"]["adapted"] == pytest.approx(
        coral.score(X[t], y_true[t])
    )
    assert d["models"]["coral"]["gain"] == pytest.approx(
        d["models"]["coral"]["adapted"] - d["source_only"]
    )
    assert d["models"]["coral"]["gain"] > 0.3
    assert not d["models"]["coral"]["negative_transfer"]
    assert d["models"]["zeroed"]["adapted"] == pytest.approx(
        max(np.mean(y_true[t]), 1 - np.mean(y_true[t])), abs=0.1
    )
    assert report.target_only > 0.8  # target labels alone do well here
    assert d["n_target_eval"] == 150 and d["n_source"] == 150
    text = str(report)
    assert "source-only" in text and "coral" in text and "zeroed" in text
    assert repr(report) == text


def test_negative_transfer_is_flagged():
    # covariate shift with a mis-specified model: CORAL hurts (0.69 vs 0.83)
    X, y, sd, y_true = make_domain_shift(
        150, 150, n_features=4, shift="covariate", shift_strength=1.5, random_state=1
    )
    report = transfer_report(
        make_da_pipeline(CORAL(), LogisticRegression()), X, y, y_true=y_true
    )
    assert report.negative_transfer
    assert report.rows[0]["gain"] < -0.1
    assert "negative transfer" in str(report)
    relaxed = transfer_report(
        make_da_pipeline(CORAL(), LogisticRegression()), X, y, y_true=y_true, tol=0.5
    )
    assert not relaxed.negative_transfer


def test_report_frame(data):
    pd = pytest.importorskip("pandas")
    X, y, sd, y_true = data
    report = transfer_report(
        make_da_pipeline(CORAL(), LogisticRegression()), X, y, y_true=y_true
    )
    frame = report.to_frame()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == [
        "source_only",
        "target_only",
        "adapted",
        "gain",
        "negative_transfer",
        "p_value_gain",
        "p_value_loss",
        "verdict",
        "p_value_vs_target_only",
    ]
    assert frame.index.tolist() == ["Pipeline"]


def test_semi_supervised_and_routing(data):
    X, y, sd, y_true = data
    y = y.copy()
    lab = np.flatnonzero(sd < 0)[:40]
    y[lab] = y_true[lab]
    # without y_true the labelled target rows (known through sample_domain) score
    with sklearn.config_context(enable_metadata_routing=True):
        report = transfer_report(
            make_da_pipeline(CORAL(), LogisticRegression()),
            X,
            y,
            sample_domain=sd,
            scoring="accuracy",
        )
    assert report.n_target_eval == 40 and report.scoring == "accuracy"
    src = LogisticRegression().fit(X[sd > 0], y[sd > 0])
    assert report.source_only == pytest.approx(src.score(X[lab], y[lab]))
    with pytest.raises(ValueError, match="needs target rows with known labels"):
        transfer_report(make_da_pipeline(CORAL(), LogisticRegression()), X, y)


def test_regression_and_explicit_baseline():
    X, y, sd, y_true = make_domain_shift(
        120, 80, n_features=3, shift="scale", task="regression", random_state=0
    )
    report = transfer_report(
        make_da_pipeline(CORAL(), Ridge()),
        X,
        y,
        y_true=y_true,
        baseline=Ridge(),
        scoring="neg_mean_squared_error",
        tol=0.5,
    )
    d = report.to_dict()
    assert d["scoring"] == "neg_mean_squared_error"
    assert d["source_only"] <= 0 and d["target_only"] is not None
    gain = d["models"]["Pipeline"]["gain"]
    assert d["models"]["Pipeline"]["negative_transfer"] == (gain < -0.5)


def test_errors(data):
    X, y, sd, y_true = data
    pipe = make_da_pipeline(CORAL(), LogisticRegression())
    with pytest.raises(ValueError, match="no labelled source rows"):
        transfer_report(pipe, X, np.full_like(y, -1), y_true=y_true)
    with pytest.raises(ValueError, match="y_true has 3 rows"):
        transfer_report(pipe, X, y, y_true=y_true[:3])
    with pytest.raises(ValueError, match="at least one estimator"):
        transfer_report({}, X, y, y_true=y_true)


def _bootstrap_reference(a, b, n_boot, seed):
    """The paired bootstrap written with a Python loop (accuracy)."""
    rng = np.random.RandomState(seed)
    n = a.size
    out = []
    for _ in range(n_boot):
        idx = rng.randint(n, size=n)
        out.append(a[idx].mean() - b[idx].mean())
    return np.array(out)


def test_paired_bootstrap_matches_a_loop():
    from skadapt.metrics._report import _paired_bootstrap

    rng = np.random.RandomState(0)
    a = (rng.uniform(size=120) < 0.7).astype(float)
    b = (rng.uniform(size=120) < 0.6).astype(float)
    got = _paired_bootstrap(a, b, None, True, 200, np.random.RandomState(3))
    np.testing.assert_allclose(got, _bootstrap_reference(a, b, 200, 3))


def test_paired_test_verdicts():
    """No difference -> not significant; a clear gain / loss -> its verdict."""
    from skadapt.metrics._report import _paired_bootstrap, _verdict

    rng = np.random.RandomState(0)
    a = (rng.uniform(size=400) < 0.8).astype(float)
    same = _verdict(_paired_bootstrap(a, a.copy(), None, True, 500, rng), 0.05)
    assert same[2] == "no significant difference"
    worse = np.where(rng.uniform(size=400) < 0.3, 0.0, a)
    assert _verdict(_paired_bootstrap(a, worse, None, True, 500, rng), 0.05)[2] == (
        "positive transfer"
    )
    assert _verdict(_paired_bootstrap(worse, a, None, True, 500, rng), 0.05)[2] == (
        "negative transfer"
    )
