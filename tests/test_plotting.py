import json
import subprocess
import sys

import numpy as np
import pytest
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression, Ridge

from skadapt import CORAL, TCA, AutoAdapt, make_da_pipeline
from skadapt.datasets import make_domain_shift
from skadapt.plotting import (
    AutoAdaptDisplay,
    BenchmarkDisplay,
    DomainEmbeddingDisplay,
    FeatureShiftDisplay,
    TransferCurveDisplay,
    WeightDistributionDisplay,
)
from skadapt.reweighting import KMM
from skadapt.transfer import TransferRidge

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture
def shift():
    return make_domain_shift(
        20, 16, n_features=3, shift="scale", shift_strength=1.0, random_state=0
    )


def _texts(legend):
    return [t.get_text() for t in legend.get_texts()]


def _n_points(collection):
    return collection.get_offsets().shape[0]


# ------------------------------------------------------------ DomainEmbedding
def test_domain_embedding_from_estimator(shift):
    X, y, sd, y_true = shift
    disp = DomainEmbeddingDisplay.from_estimator(CORAL(), X, y, sample_domain=sd)
    assert len(disp.ax_) == 2
    assert [ax.get_title() for ax in disp.ax_] == [
        "Before alignment",
        "After alignment (CORAL)",
    ]
    for ax, scatters in zip(disp.ax_, disp.scatters_):
        # one collection per (domain, class): two source classes, unlabelled target
        assert set(scatters) == {
            ("source", "class 0"),
            ("source", "class 1"),
            ("target", "unlabelled"),
        }
        assert sum(_n_points(c) for c in scatters.values()) == X.shape[0]
        assert _n_points(scatters[("target", "unlabelled")]) == 16
        assert ax.get_xlabel().startswith("PC 1")
        assert ax.get_ylabel().startswith("PC 2")
    assert _texts(disp.legend_) == [
        "source",
        "target",
        "class 0",
        "class 1",
        "unlabelled",
    ]
    # CORAL leaves the target rows where they were and moves the source rows
    before, after = (s[("target", "unlabelled")].get_offsets() for s in disp.scatters_)
    np.testing.assert_allclose(before, after)
    src = [s[("source", "class 0")].get_offsets() for s in disp.scatters_]
    assert not np.allclose(*src)


def test_domain_embedding_true_classes_new_space_and_given_axes(shift):
    X, y, sd, y_true = shift
    fig, axes = plt.subplots(1, 2)
    tca = TCA(n_components=2).fit(X, y, sample_domain=sd)
    disp = DomainEmbeddingDisplay.from_estimator(
        tca, X, y, sample_domain=sd, y_true=y_true, ax=axes
    )
    assert disp.figure_ is fig
    assert list(disp.ax_) == list(axes)
    assert disp.ax_[1].get_xlabel() == "x0"  # TCA's two columns, drawn as they are
    assert ("target", "class 0") in disp.scatters_[0]
    assert "unlabelled" not in _texts(disp.legend_)


def test_domain_embedding_two_features_and_errors():
    X = np.arange(12.0).reshape(6, 2)
    sd = np.array([1, 1, 2, 2, -1, -1])
    disp = DomainEmbeddingDisplay(X, sd).plot()
    assert len(disp.ax_) == 1
    assert [_n_points(c) for c in disp.scatters_[0].values()] == [2, 2, 2]
    assert _texts(disp.legend_) == ["source 1", "source 2", "target"]
    with pytest.raises(ValueError, match="draws 1 panel"):
        DomainEmbeddingDisplay(X, sd).plot(ax=[None, None])
    with pytest.raises(ValueError, match="at least 2 features"):
        DomainEmbeddingDisplay.from_estimator(CORAL(), X[:, :1], sample_domain=sd)


# -------------------------------------------------------- WeightDistribution
def test_weight_distribution_from_weights():
    w = np.array([0.5, 0.5, 1.0, 2.0])
    fig, ax = plt.subplots()
    disp = WeightDistributionDisplay.from_weights(w, bins=4, name="toy", ax=ax)
    assert disp.ax_ is ax and disp.figure_ is fig
    assert len(disp.hist_) == 4
    assert sum(p.get_height() for p in disp.hist_) == 4
    assert disp.uniform_line_.get_xdata()[0] == 1.0
    assert _texts(disp.legend_) == [
        "toy weights (effective sample size 2.9 of 4 rows)",
        "weight 1 (unweighted)",
    ]
    assert ax.get_xlabel() == "importance weight"
    assert ax.get_ylabel() == "source rows"
    assert ax.get_title() == "Importance weights of the source rows"
    with pytest.raises(ValueError, match="1-D"):
        WeightDistributionDisplay.from_weights(np.ones((2, 2)))


def test_weight_distribution_from_weights_with_coverage():
    rng = np.random.RandomState(0)
    Xs, Xt = rng.normal(size=(30, 2)), rng.normal(size=(30, 2)) + 10
    disp = WeightDistributionDisplay.from_weights(np.ones(30), X_source=Xs, X_target=Xt)
    assert "0% of the target rows inside the source support" in disp.ax_.get_title()


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_weight_distribution_from_estimator(shift):
    X, y, sd, _ = shift
    disp = WeightDistributionDisplay.from_estimator(
        KMM(), X, y, sample_domain=sd, bins=5
    )
    kmm = KMM().fit(X, y, sample_domain=sd)
    assert len(disp.hist_) == 5
    assert sum(p.get_height() for p in disp.hist_) == 20
    assert _texts(disp.legend_)[0] == (
        f"KMM weights (effective sample size {kmm.ess_:.1f} of 20 rows)"
    )
    assert f"{100 * kmm.target_coverage_:.0f}% of the target" in disp.ax_.get_title()
    # a fitted weighter is used as it is, on the rows it was fitted on
    again = WeightDistributionDisplay.from_estimator(kmm, X, y, sample_domain=sd)
    np.testing.assert_array_equal(again.weights, kmm.weights_)
    with pytest.raises(ValueError, match="pass the rows it was fitted on"):
        WeightDistributionDisplay.from_estimator(
            kmm, X[10:], y[10:], sample_domain=sd[10:]
        )


# ------------------------------------------------------------------- AutoAdapt
def _decision(mode="label-free"):
    gain = {"reverse": 0.05, "source": 0.0, "weighted": 0.01}
    rows = [
        {
            "name": "source-only",
            "params": {},
            "gain": dict.fromkeys(gain, 0.0),
            "adoptable": False,
            "chosen": False,
            "degenerate": [],
        },
        {
            "name": "CORAL",
            "params": {"coral__reg": "auto"},
            "gain": gain,
            "adoptable": True,
            "chosen": True,
            "degenerate": [],
        },
        {
            "name": "TCA",
            "params": {},
            "gain": {k: -v for k, v in gain.items()},
            "adoptable": False,
            "chosen": False,
            "degenerate": ["near_uniform"],
        },
    ]
    margin = {"reverse": 0.03, "source": 0.03, "weighted": 0.0}
    return {"mode": mode, "margin": margin, "candidates": rows, "reason": "test"}


class _Fitted(BaseEstimator):
    def __init__(self, decision=None):
        self.decision = decision
        self.decision_ = decision

    def fit(self, X=None, y=None):  # pragma: no cover - never called
        return self

    def __sklearn_is_fitted__(self):
        return True


def test_auto_adapt_display_artists():
    disp = AutoAdaptDisplay.from_estimator(_Fitted(_decision()))
    assert set(disp.bars_) == {"reverse", "source", "weighted"}
    assert all(len(b) == 2 for b in disp.bars_.values())  # source-only not drawn
    assert [b.get_width() for b in disp.bars_["reverse"]] == [0.05, -0.05]
    lines = disp.threshold_lines_
    assert {s: line.get_xdata()[0] for s, line in lines.items()} == {
        "reverse": 0.03,
        "source": -0.03,
        "weighted": 0.0,
    }
    assert disp.chosen_patch_ is not None
    ticks = [t.get_text() for t in disp.ax_.get_yticklabels()]
    assert ticks == ["CORAL (coral__reg=auto) (adoptable)", "TCA [degenerate]"]
    assert disp.ax_.get_yticklabels()[0].get_fontweight() == "bold"
    assert disp.ax_.get_title() == (
        "AutoAdapt (label-free): CORAL (coral__reg=auto) chosen"
    )
    assert disp.ax_.get_xlabel() == "gain over source-only (score units)"
    assert disp.ax_.get_ylabel() == "candidate"
    texts = _texts(disp.legend_)
    assert "chosen: CORAL (coral__reg=auto)" in texts
    assert "reverse margin (gain >= +0.03)" in texts
    assert "reverse gain" in texts


def test_auto_adapt_display_real_fit_and_given_axes():
    X, y, sd, _ = make_domain_shift(
        200, 100, n_features=2, task="regression", shift="scale", random_state=0
    )
    cands = {"CORAL": (make_da_pipeline(CORAL(), Ridge()), {})}
    auto = AutoAdapt(Ridge(), candidates=cands, n_splits=2, random_state=0)
    auto.fit(X, y, sample_domain=sd)
    assert auto.decision_["mode"] == "label-free"
    fig, ax = plt.subplots()
    disp = AutoAdaptDisplay.from_estimator(auto, ax=ax)
    assert disp.ax_ is ax
    assert len(disp.bars_["reverse"]) == 1
    kept = auto.decision_["kept_source_only"]
    assert (disp.chosen_patch_ is None) == kept
    assert disp.ax_.get_title().endswith("source-only kept" if kept else "CORAL chosen")


def test_auto_adapt_display_nothing_scored():
    decision = {
        "mode": "one domain",
        "margin": {},
        "reason": "one domain",
        "candidates": [
            {
                "name": "source-only",
                "params": {},
                "gain": {},
                "adoptable": False,
                "chosen": True,
                "degenerate": [],
            }
        ],
    }
    with pytest.raises(ValueError, match="nothing to plot"):
        AutoAdaptDisplay.from_estimator(_Fitted(decision))


# ---------------------------------------------------------------- TransferCurve
def test_transfer_curve_from_estimator():
    X, y, sd, y_true = make_domain_shift(
        30, 30, n_features=2, task="regression", random_state=0
    )
    disp = TransferCurveDisplay.from_estimator(
        {"TransferRidge": TransferRidge()},
        X,
        y,
        sample_domain=sd,
        y_true=y_true,
        n_labels=(2, 5, 10),
        baselines={"pooled Ridge": make_da_pipeline(Ridge())},
        n_repeats=2,
        random_state=0,
    )
    assert set(disp.lines_) == {"TransferRidge", "pooled Ridge"}
    assert len(disp.ax_.get_lines()) == 2
    for name, line in disp.lines_.items():
        np.testing.assert_array_equal(line.get_xdata(), [2, 5, 10])
        np.testing.assert_allclose(line.get_ydata(), disp.scores[name].mean(axis=1))
        assert disp.scores[name].shape == (3, 2)
    assert len(disp.fills_) == 2
    assert disp.ax_.get_xlabel() == "labelled target rows"
    assert disp.ax_.get_ylabel() == "R^2 on the unlabelled target rows"
    assert disp.ax_.get_title().startswith("Transfer learning curve")
    assert sorted(_texts(disp.legend_)) == ["TransferRidge", "pooled Ridge"]
    # seeded: the same curves again
    again = TransferCurveDisplay.from_estimator(
        {"TransferRidge": TransferRidge()},
        X,
        y,
        sample_domain=sd,
        y_true=y_true,
        n_labels=(2, 5, 10),
        n_repeats=2,
        random_state=0,
    )
    np.testing.assert_allclose(
        again.scores["TransferRidge"], disp.scores["TransferRidge"]
    )


def test_transfer_curve_plot_on_axes_and_errors():
    fig, ax = plt.subplots()
    disp = TransferCurveDisplay([0, 5], {"a": np.ones((2, 3))}).plot(ax=ax)
    assert disp.ax_ is ax and disp.figure_ is fig
    assert disp.ax_.get_ylabel() == "score on the unlabelled target rows"
    X, y, sd, y_true = make_domain_shift(10, 5, random_state=0)
    with pytest.raises(ValueError, match="below the number of unlabelled target"):
        TransferCurveDisplay.from_estimator(
            make_da_pipeline(LogisticRegression()),
            X,
            y,
            sample_domain=sd,
            y_true=y_true,
            n_labels=(0, 5),
        )
    with pytest.raises(ValueError, match="n_repeats"):
        TransferCurveDisplay.from_estimator(
            make_da_pipeline(LogisticRegression()),
            X,
            y,
            sample_domain=sd,
            y_true=y_true,
            n_labels=(1,),
            n_repeats=0,
        )


# ----------------------------------------------------------------- FeatureShift
def test_feature_shift_from_data():
    rng = np.random.RandomState(0)
    X = np.r_[rng.normal(size=(40, 4)), rng.normal(size=(40, 4)) + [0, 3, 0, -1]]
    sd = np.r_[np.ones(40, int), -np.ones(40, int)]
    fig, ax = plt.subplots()
    disp = FeatureShiftDisplay.from_data(
        X, sd, feature_names=["a", "b", "c", "d"], max_features=3, ax=ax
    )
    assert disp.ax_ is ax
    assert len(disp.bars_) == 3
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "b",
        "d",
        disp.ranking.feature[2],
    ]
    assert disp.bars_[0].get_facecolor() != disp.bars_[1].get_facecolor()  # +3 vs -1
    assert disp.bars_[0].get_width() == pytest.approx(disp.ranking.ks_statistic[0])
    assert len(disp.texts_) == 3
    assert ax.get_xlabel().startswith("Kolmogorov-Smirnov statistic")
    assert ax.get_ylabel() == "feature"
    assert ax.get_title().startswith("Per-feature shift")
    assert _texts(disp.legend_) == ["target mean higher", "target mean lower"]


def test_feature_shift_dataframe_names():
    pd = pytest.importorskip("pandas")
    rng = np.random.RandomState(0)
    X = pd.DataFrame(rng.normal(size=(20, 2)), columns=["temp", "hum"])
    y = np.r_[np.zeros(10, int), -np.ones(10, int)]
    disp = FeatureShiftDisplay.from_data(X, y=y)
    assert sorted(t.get_text() for t in disp.ax_.get_yticklabels()) == ["hum", "temp"]


# -------------------------------------------------------------------- Benchmark
def _run(quick=False):
    return {
        "suite": "toy",
        "metric": "accuracy",
        "quick": quick,
        "tasks": ["A->B", "B->A"],
        "methods": ["source-only", "CORAL", "KMM"],
        "results": {
            "skadapt:source-only": {"avg": 40.0},
            "skadapt:CORAL": {"avg": 45.5},
            "skada:CORAL": {"avg": 44.0},
            "skadapt:KMM": {"avg": None},
        },
        "published": {"CORAL": {"A->B": 46.0, "B->A": 48.0}, "TCA": {"A->B": 1.0}},
        "published_avg": {"CORAL": 47.5, "MEDA": 52.0},
    }


def test_benchmark_display_from_dict_and_file(tmp_path):
    disp = BenchmarkDisplay.from_results(_run())
    labels = [t.get_text() for t in disp.ax_.get_yticklabels()]
    assert labels == [
        "source-only",
        "CORAL",
        "CORAL (skada)",
        "CORAL (published)",
        "MEDA",
    ]
    assert [b.get_width() for b in disp.bars_] == [40.0, 45.5, 44.0, 47.5, 52.0]
    assert [t.get_text() for t in disp.texts_] == [
        " 40.0",
        " 45.5",
        " 44.0",
        " 47.5",
        " 52.0",
    ]
    assert disp.baseline_line_.get_xdata()[0] == 40.0
    assert disp.ax_.get_xlabel() == "average accuracy (%)"
    assert disp.ax_.get_ylabel() == "method"
    assert disp.ax_.get_title() == "skadapt benchmark: toy"
    assert _texts(disp.legend_) == [
        "skadapt",
        "source-only (skadapt)",
        "skada",
        "published / reference",
        "source-only average",
    ]
    # the stamped file holds the payload under "results"
    path = tmp_path / "run_toy.json"
    path.write_text(json.dumps({"benchmark": "run_toy", "results": _run(quick=True)}))
    quick = BenchmarkDisplay.from_results(str(path))
    assert quick.ax_.get_title() == "skadapt benchmark: toy (quick)"
    # on a quick run a published row is averaged over the shown tasks only
    assert [b.get_width() for b in quick.bars_][-1] == 47.0


def test_benchmark_display_on_axes_regression():
    run = _run()
    run["metric"] = "rmse"
    fig, ax = plt.subplots()
    disp = BenchmarkDisplay.from_results(run, ax=ax)
    assert disp.ax_ is ax and disp.figure_ is fig
    assert disp.ax_.get_xlabel() == "average RMSE"
    assert disp.texts_[0].get_text() == " 40.000"


# ------------------------------------------------------- optional matplotlib
@pytest.mark.parametrize(
    "draw",
    [
        lambda: DomainEmbeddingDisplay(np.zeros((2, 2)), np.array([1, -1])).plot(),
        lambda: WeightDistributionDisplay(np.ones(3)).plot(),
        lambda: AutoAdaptDisplay(["a"], np.zeros((1, 1)), ["reverse"]).plot(),
        lambda: TransferCurveDisplay([0], {"a": np.ones((1, 1))}).plot(),
        lambda: FeatureShiftDisplay(
            {"feature": ["x0"], "ks_statistic": [0.1], "mean_shift": [0.0]}
        ).plot(),
        lambda: BenchmarkDisplay.from_results(_run()),
    ],
)
def test_missing_matplotlib_names_the_extra(draw, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"pip install 'skadapt\[plot\]'"):
        draw()


def test_importing_skadapt_does_not_import_matplotlib():
    code = (
        "import sys, skadapt, skadapt.plotting; "
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported'; "
        "assert skadapt.__file__.startswith(sys.argv[1])"
    )
    import pathlib

    root = str(pathlib.Path(__file__).resolve().parents[1])
    subprocess.run(
        [sys.executable, "-c", code, root], check=True, cwd=root, capture_output=True
    )
