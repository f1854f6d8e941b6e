"""rank_sources: the table against the score functions, candidate specs, errors."""

import builtins

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.utils import check_random_state

from skadapt import rank_sources as top_level_rank_sources
from skadapt._core import median_heuristic_gamma
from skadapt.metrics import (
    coral_distance,
    frechet_distance,
    gbc_score,
    h_score,
    leep_score,
    logme_score,
    mmd_squared,
    nce_score,
    proxy_a_distance,
    rank_sources,
    transrate_score,
)

pd = pytest.importorskip("pandas")

LABEL_SCORES = ["logme", "leep", "nce", "h_score", "shrinkage_h_score", "transrate"]


def _domain(rng, n, shift, noise=0.0, d=3):
    X = rng.normal(size=(n, d)) + shift
    y = (X[:, 0] + X[:, 1] > 2 * shift).astype(int)
    flip = rng.rand(n) < noise
    return X, np.where(flip, 1 - y, y)


@pytest.fixture
def task():
    rng = np.random.RandomState(0)
    Xt, yt = _domain(rng, 150, 0.0)
    y_few = np.full(150, -1)
    y_few[:30] = yt[:30]
    sources = {
        "close": _domain(rng, 200, 0.3),
        "noisy": _domain(rng, 300, 0.3, noise=0.4),
        "far": _domain(rng, 100, 2.0),
    }
    return sources, Xt, y_few


def test_table_holds_the_score_functions_values(task):
    sources, Xt, y = task
    table = rank_sources(sources, Xt, y, random_state=0)
    assert table.attrs["rank_by"] == "leep"  # every candidate has a source model
    assert list(table["rank"]) == [1, 2, 3]
    assert table["leep"].is_monotonic_decreasing
    with_features = rank_sources({**sources, "raw": Xt}, Xt, y, scores=["logme"])
    assert with_features.attrs["rank_by"] == "logme"
    lab = y != -1
    seed = check_random_state(0).randint(np.iinfo(np.int32).max)
    gamma = median_heuristic_gamma(Xt, random_state=seed)
    base = LogisticRegression(max_iter=1000)
    for name, (Xs, ys) in sources.items():
        model = clone(base).fit(Xs, ys)
        table_m = rank_sources(
            {name: model, "_": (Xs, ys)},
            Xt,
            y,
            scores=LABEL_SCORES + ["gbc", "target_accuracy"],
        )
        rep = model.decision_function(Xt[lab]).reshape(-1, 1)
        row = table_m.loc[name]
        assert row["logme"] == pytest.approx(
            logme_score(rep, y[lab], fit_intercept=True)
        )
        assert row["leep"] == pytest.approx(
            leep_score(model.predict_proba(Xt[lab]), y[lab])
        )
        assert row["nce"] == pytest.approx(nce_score(model.predict(Xt[lab]), y[lab]))
        assert row["target_accuracy"] == pytest.approx(model.score(Xt[lab], y[lab]))
        assert row["h_score"] == pytest.approx(h_score(rep, y[lab]))
        assert row["shrinkage_h_score"] == pytest.approx(
            h_score(rep, y[lab], reg="auto")
        )
        assert row["transrate"] == pytest.approx(transrate_score(rep, y[lab]))
        assert row["gbc"] == pytest.approx(gbc_score(rep, y[lab]))
        # shift metrics on the raw rows, one RBF width from the target rows
        row = table.loc[name]
        assert row["mmd"] == pytest.approx(mmd_squared(Xs, Xt, gamma=gamma))
        assert row["coral_distance"] == pytest.approx(coral_distance(Xs, Xt))
        assert row["frechet_distance"] == pytest.approx(frechet_distance(Xs, Xt))
        assert row["proxy_a_distance"] == pytest.approx(
            proxy_a_distance(Xs, Xt, random_state=seed)
        )
        assert row["n_source"] == Xs.shape[0]
        assert row["n_target_labelled"] == 30
        assert row["kind"] == "source data"


def test_ranking_direction_and_trivial_rankings(task):
    sources, Xt, y = task
    by_mmd = rank_sources(sources, Xt, scores=["mmd"])  # no labels: label-free
    assert by_mmd.attrs["rank_by"] == "mmd"
    assert by_mmd["mmd"].is_monotonic_increasing  # smaller distance first
    assert by_mmd.index[-1] == "far"
    by_size = rank_sources(sources, Xt, y, scores=["leep"], rank_by="n_source")
    assert by_size.index.tolist() == ["noisy", "close", "far"]
    default = rank_sources(sources, Xt)
    assert "logme" not in default.columns and "mmd" in default.columns


def test_candidate_kinds_and_representations(task):
    sources, Xt, y = task
    Xs, ys = sources["close"]
    model = LogisticRegression().fit(Xs, ys)
    pca = PCA(n_components=2).fit(Xs)
    cands = {
        "data": (Xs, ys),
        "model": model,
        "model+rows": {"estimator": model, "X_source": Xs},
        "array": Xt[:, :2],
        "transformer": pca,
        "own space": {"features": pca.transform(Xt), "X_source": pca.transform(Xs)},
    }
    table = rank_sources(
        cands, Xt, y, source_estimator=LogisticRegression(), random_state=0
    )
    assert table.loc["data", "kind"] == "source data"
    assert table.loc["model", "kind"] == "source model"
    assert table.loc["array", "kind"] == "features"
    assert table.loc["array", "representation"] == "features"
    assert table.loc["model", "representation"] == "source model output"
    assert table.loc["transformer", "n_features"] == 2
    assert table.attrs["rank_by"] == "logme"  # some candidates have no model
    # what a candidate cannot give is NaN
    assert np.isnan(table.loc["model", "mmd"]) and np.isnan(table.loc["array", "leep"])
    assert np.isfinite(table.loc["model+rows", "mmd"])
    assert np.isfinite(table.loc["own space", "mmd"])
    # a fitted model and the same model fitted from its data give the same scores
    assert table.loc["data", "leep"] == pytest.approx(
        rank_sources({"m": model}, Xt, y, scores=["leep"]).loc["m", "leep"]
    )
    lab = y != -1
    assert table.loc["array", "gbc"] == pytest.approx(gbc_score(Xt[lab, :2], y[lab]))
    assert table.loc["transformer", "transrate"] == pytest.approx(
        transrate_score(pca.transform(Xt[lab]), y[lab])
    )


def test_representations_of_the_same_rows_without_x_target():
    rng = np.random.RandomState(1)
    y = np.repeat([0, 1, 2], 20)
    good = np.eye(3)[y] + 0.3 * rng.normal(size=(60, 3))
    bad = rng.normal(size=(60, 5))
    table = rank_sources({"bad": bad, "good": good}, None, y)
    assert table.index.tolist() == ["good", "bad"]
    for score in ("logme", "h_score", "shrinkage_h_score", "transrate", "gbc"):
        assert table.loc["good", score] > table.loc["bad", score], score


def test_structured_array_without_pandas(task, monkeypatch):
    sources, Xt, y = task
    frame = rank_sources(sources, Xt, y, scores=["logme", "mmd"])
    real_import = builtins.__import__

    def no_pandas(name, *args, **kwargs):
        if name == "pandas":
            raise ImportError("no pandas here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pandas)
    arr = rank_sources(sources, Xt, y, scores=["logme", "mmd"])
    assert isinstance(arr, np.ndarray) and arr.dtype.metadata["rank_by"] == "logme"
    assert arr["candidate"].tolist() == frame.index.tolist()
    np.testing.assert_allclose(arr["logme"], frame["logme"])
    np.testing.assert_array_equal(arr["rank"], frame["rank"])


def test_parallel_order_and_inputs_unchanged(task):
    sources, Xt, y = task
    copies = {k: (a.copy(), b.copy()) for k, (a, b) in sources.items()}
    Xt0, y0 = Xt.copy(), y.copy()
    serial = rank_sources(sources, Xt, y, scores=["logme", "leep", "mmd"])
    parallel = rank_sources(
        dict(reversed(list(sources.items()))),
        Xt,
        y,
        scores=["logme", "leep", "mmd"],
        n_jobs=2,
    )
    pd.testing.assert_frame_equal(serial, parallel)
    for k, (a, b) in sources.items():
        np.testing.assert_array_equal(a, copies[k][0])
        np.testing.assert_array_equal(b, copies[k][1])
    np.testing.assert_array_equal(Xt, Xt0)
    np.testing.assert_array_equal(y, y0)
    assert top_level_rank_sources is rank_sources


def test_invariant_to_target_row_order(task):
    sources, Xt, y = task
    perm = np.random.RandomState(3).permutation(Xt.shape[0])
    scores = ["logme", "leep", "nce", "h_score", "transrate", "gbc", "mmd"]
    a = rank_sources(sources, Xt, y, scores=scores)
    b = rank_sources(sources, Xt[perm], y[perm], scores=scores)
    pd.testing.assert_frame_equal(a, b, rtol=1e-7)


def test_errors(task):
    sources, Xt, y = task
    Xs, ys = sources["close"]
    with pytest.raises(ValueError, match="at least one candidate"):
        rank_sources({}, Xt, y)
    with pytest.raises(TypeError, match="'bad' is a str"):
        rank_sources({"bad": "nope"}, Xt, y)
    with pytest.raises(ValueError, match="unknown key"):
        rank_sources({"bad": {"X": Xs}}, Xt, y)
    with pytest.raises(ValueError, match="y_source but no X_source"):
        rank_sources({"bad": {"y_source": ys}}, Xt, y)
    with pytest.raises(ValueError, match="not fitted"):
        rank_sources({"bad": LogisticRegression()}, Xt, y)
    with pytest.raises(ValueError, match="X_source has 2 features but X_target has 3"):
        rank_sources({"ok": (Xs, ys), "bad": (Xs[:, :2], ys)}, Xt, y)
    model2 = LogisticRegression().fit(Xs[:, :2], ys)
    with pytest.raises(ValueError, match="fitted on 2 features but the target rows"):
        rank_sources({"bad": model2}, Xt, y)
    with pytest.raises(ValueError, match="X_source has 200 rows but y_source has 10"):
        rank_sources({"bad": (Xs, ys[:10])}, Xt, y)
    with pytest.raises(ValueError, match="features have 10 rows but there are 150"):
        rank_sources({"bad": Xt[:10]}, Xt, y)
    with pytest.raises(ValueError, match=r"need the labels of some target rows"):
        rank_sources(sources, Xt, scores=["logme"])
    with pytest.raises(ValueError, match=r"need the labels of some target rows"):
        rank_sources(sources, Xt, np.full(150, -1), scores=["leep", "mmd"])
    with pytest.raises(ValueError, match="one class only"):
        rank_sources(sources, Xt, np.where(y == 1, -1, y))
    with pytest.raises(ValueError, match="'leep' needs a source model"):
        rank_sources({"f": Xt}, Xt, y, scores=["leep"])
    with pytest.raises(ValueError, match=r"'mmd' needs source rows"):
        rank_sources({"m": LogisticRegression().fit(Xs, ys)}, Xt, y, scores=["mmd"])
    with pytest.raises(ValueError, match="Unknown score"):
        rank_sources(sources, Xt, y, scores=["accuracy"])
    with pytest.raises(ValueError, match="not a rankable column"):
        rank_sources(sources, Xt, y, rank_by="kind")
    with pytest.raises(ValueError, match="not among the computed scores"):
        rank_sources(sources, Xt, y, scores=["leep"], rank_by="logme")
    with pytest.raises(ValueError, match=r"Cannot rank by 'mmd'.*\['m'\]"):
        rank_sources(
            {"d": (Xs, ys), "m": LogisticRegression().fit(Xs, ys)},
            Xt,
            y,
            rank_by="mmd",
        )
    with pytest.raises(ValueError, match="X_target is None, so every candidate"):
        rank_sources({"d": (Xs, ys), "f": Xt}, None, y)


def test_label_scores_do_not_see_a_reversed_source(task):
    # The case built to break the default ranking: a source whose classes mean the
    # opposite on the target. Its source-only accuracy is near 0, yet every label
    # score rates it as the right source (a target-trained head undoes the
    # reversal), as documented; the labelled-row accuracy of predict_transfer_gain
    # is what tells them apart.
    sources, Xt, y = task
    Xs, ys = sources["close"]
    table = rank_sources(
        {"right": (Xs, ys), "reversed": (Xs, 1 - ys)},
        Xt,
        y,
        scores=LABEL_SCORES + ["gbc"],
        source_estimator=LogisticRegression(tol=1e-10),
    )
    for score in LABEL_SCORES + ["gbc"]:
        assert table.loc["reversed", score] == pytest.approx(
            table.loc["right", score], rel=1e-5, abs=1e-8
        ), score
    accuracy = rank_sources(
        {"right": (Xs, ys), "reversed": (Xs, 1 - ys)},
        Xt,
        y,
        scores=["target_accuracy"],
    )
    assert accuracy.index.tolist() == ["right", "reversed"]
    assert accuracy.loc["reversed", "target_accuracy"] < 0.2
