"""AutoAdapt: the automatic choice of method, source-only unless the evidence says."""

import warnings

import numpy as np
import pytest
import sklearn
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skadapt import CORAL, KMM, TCA, AutoAdapt, ImportanceWeighted, make_da_pipeline
from skadapt._auto import (
    CONSISTENCY_NEIGHBORS,
    MARGINS,
    SOURCE_ONLY,
    _adoptable,
    _gain_se,
    _score_fold,
    _shared_gain_se,
)
from skadapt.datasets import make_domain_shift
from skadapt.model_selection import DomainShuffleSplit


def _acc(model, X, sd, y_true):
    t = sd < 0
    return float(np.mean(model.predict(X[t]) == y_true[t]))


def _scale_shift(seed=1):
    return make_domain_shift(
        300, 300, n_features=5, shift="scale", shift_strength=1.5, random_state=seed
    )


def _linear_covariate(seed=1, n=300, d=5):
    """Covariate shift under a correct logistic model: source-only is right."""
    rng = np.random.RandomState(seed)
    w = rng.normal(size=d)
    w /= np.linalg.norm(w)
    delta = 1.5 * rng.normal(size=d) / np.sqrt(d)
    X = np.r_[rng.normal(size=(n, d)), rng.normal(size=(n, d)) + delta]
    y_true = (rng.uniform(size=2 * n) < 1 / (1 + np.exp(-3 * X @ w))).astype(int)
    y = y_true.copy()
    y[n:] = -1
    return X, y, np.r_[np.ones(n, int), -np.ones(n, int)], y_true


def test_one_domain_is_source_only():
    X = np.random.RandomState(0).normal(size=(60, 3))
    y = (X[:, 0] > 0).astype(int)
    auto = AutoAdapt(LogisticRegression()).fit(X, y)
    assert auto.chosen_ == SOURCE_ONLY and auto.decision_["mode"] == "one domain"
    ref = LogisticRegression().fit(X, y)
    np.testing.assert_allclose(auto.predict_proba(X), ref.predict_proba(X))


def test_adopts_alignment_where_it_clearly_helps():
    X, y, sd, y_true = _scale_shift()
    auto = AutoAdapt(LogisticRegression(), random_state=0).fit(X, y)
    source_only = make_da_pipeline(LogisticRegression()).fit(X, y)
    assert not auto.decision_["kept_source_only"], auto.summary()
    assert _acc(auto, X, sd, y_true) > _acc(source_only, X, sd, y_true) + 0.2


def test_keeps_source_only_under_covariate_shift_with_a_correct_model():
    X, y, sd, y_true = _linear_covariate()
    auto = AutoAdapt(LogisticRegression(), random_state=0).fit(X, y)
    source_only = make_da_pipeline(LogisticRegression()).fit(X, y)
    # CORAL's reverse-validation gain is positive here, but its target accuracy
    # falls by ~0.26: the importance-weighted gate rejects it
    assert _acc(auto, X, sd, y_true) >= _acc(source_only, X, sd, y_true) - 0.01
    coral = [c for c in auto.decision_["candidates"] if c["name"] == "CORAL"]
    assert not any(c["adoptable"] for c in coral), auto.summary()


def test_decision_report_and_summary():
    X, y, sd, _ = _scale_shift()
    auto = AutoAdapt(LogisticRegression(), random_state=0).fit(X, y)
    d = auto.decision_
    assert d["mode"] == "label-free"
    names = {c["name"] for c in d["candidates"]}
    assert {SOURCE_ONLY, "CORAL", "TCA"} <= names
    assert sum(c["chosen"] for c in d["candidates"]) == 1
    for c in d["candidates"]:
        assert set(c["scores"]) == {"reverse", "source", "weighted", "consistency"}
        assert len(c["fold_scores"]["reverse"]) == 3
    text = auto.summary()
    assert "Decision:" in text and "CHOSEN" in text
    table = auto.decision_table()
    assert table["chosen"].sum() == 1


def test_candidate_errors():
    X, y, sd, _ = _scale_shift()
    with pytest.raises(ValueError, match="reserved candidate name"):
        AutoAdapt(
            LogisticRegression(),
            candidates={SOURCE_ONLY: make_da_pipeline(LogisticRegression())},
        ).fit(X, y)
    with pytest.raises(TypeError, match="skadapt estimators or Pipelines"):
        AutoAdapt(LogisticRegression(), candidates={"lr": LogisticRegression()}).fit(
            X, y
        )
    with pytest.raises(TypeError, match="has no predict"):
        AutoAdapt(LogisticRegression(), candidates={"coral": CORAL()}).fit(X, y)
    with pytest.raises(ValueError, match="margin keys"):
        AutoAdapt(LogisticRegression(), margin={"typo": 1.0}).fit(X, y)


def test_fold_scores_by_hand():
    """_score_fold equals the four scorers applied by hand."""
    from skadapt.model_selection import (
        HoldoutScorer,
        ImportanceWeightedScorer,
        NeighborhoodConsistencyScorer,
        ReverseValidationScorer,
    )
    from skadapt.model_selection._scorers import target_neighbors

    X, y, sd, _ = _scale_shift()
    tr, te = next(
        DomainShuffleSplit(3, target_in_test=True, random_state=0).split(
            X, y, sample_domain=sd
        )
    )
    pipe = make_da_pipeline(TCA(), LogisticRegression())
    graph = target_neighbors(X[te[sd[te] < 0]], CONSISTENCY_NEIGHBORS)
    got = _score_fold(pipe, {}, X, y, sd, tr, te, None, graph)
    fitted = make_da_pipeline(TCA(), LogisticRegression()).fit(
        X[tr], y[tr], tca__sample_domain=sd[tr]
    )
    args = (fitted, X[te], y[te])
    kw = {"sample_domain": sd[te]}
    assert got["reverse"] == pytest.approx(ReverseValidationScorer()(*args, **kw))
    assert got["source"] == pytest.approx(HoldoutScorer(domain="source")(*args, **kw))
    assert got["weighted"] == pytest.approx(ImportanceWeightedScorer()(*args, **kw))
    nc = NeighborhoodConsistencyScorer(n_neighbors=CONSISTENCY_NEIGHBORS)
    assert got["consistency"] == pytest.approx(nc(*args, **kw))
    assert "consistency" not in _score_fold(pipe, {}, X, y, sd, tr, te, None)


def test_the_rule_has_two_ways_in():
    # the defaults turn the consistency way off (infinite margins): set it
    m = dict(MARGINS["classification"], consistency=0.03, consistency_loss=0.03)
    off = MARGINS["classification"]
    assert not _adoptable(
        {"reverse": 0.0, "source": 0.0, "weighted": 0.0, "consistency": 1.0},
        [],
        off,
        True,
    )
    tol = m["consistency_loss"]
    # by reverse validation, unless consistency loses more than its tolerance
    g = {"reverse": m["reverse"], "source": -m["source"], "weighted": 0.0}
    assert _adoptable(dict(g, consistency=-tol), [], m, overlap=True)
    assert not _adoptable(dict(g, consistency=-tol - 1e-9), [], m, overlap=True)
    assert _adoptable(g, [], MARGINS["regression"], overlap=True)
    # by consistency, with every validation loss within the tolerance
    g = {"reverse": -tol, "source": -tol, "weighted": -tol, "consistency": 0.0}
    g["consistency"] = m["consistency"]
    assert _adoptable(g, [], m, overlap=True)
    for key in ("reverse", "source", "weighted"):
        assert not _adoptable(dict(g, **{key: -tol - 1e-9}), [], m, overlap=True)
    # without overlap the weighted score is not asked
    assert _adoptable(dict(g, weighted=-1.0), [], m, overlap=False)
    assert not _adoptable(dict(g, consistency=m["consistency"] - 1e-9), [], m, True)
    # never a degenerate fit; regression margins have no consistency way in
    assert not _adoptable(g, ["saturated"], m, overlap=True)
    assert not _adoptable(g, [], MARGINS["regression"], overlap=True)


def test_missing_values_get_a_clear_error_and_an_imputer_fixes_them():
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.impute import SimpleImputer

    X, y, sd, _ = _scale_shift()
    X = X.copy()
    X[3, 1] = np.nan
    before = X.copy()
    est = HistGradientBoostingClassifier(max_iter=5)  # itself accepts NaN
    with pytest.raises(ValueError, match="AutoAdapt needs finite X.*Impute"):
        AutoAdapt(est, random_state=0).fit(X, y)
    np.testing.assert_array_equal(X, before)
    pipe = make_da_pipeline(SimpleImputer(), AutoAdapt(LogisticRegression()))
    assert pipe.fit(X, y).predict(X[sd < 0]).shape == (int(np.sum(sd < 0)),)


def test_gain_standard_error_by_hand():
    """The SE of a mean of fold gains, from paired row differences, and its use."""
    rng = np.random.RandomState(0)
    base = [rng.randint(0, 2, n).astype(float) for n in (31, 40, 35)]
    cand = [rng.randint(0, 2, b.size).astype(float) for b in base]
    var = [
        np.sum((c - b - np.mean(c - b)) ** 2) / (c.size - 1) for c, b in zip(cand, base)
    ]
    expected = np.sqrt(sum(v / c.size for v, c in zip(var, cand))) / 3
    assert _gain_se(cand, base) == pytest.approx(expected)
    assert _gain_se(base, base) == 0.0  # the same model: no uncertainty
    assert _gain_se([cand[0][:1]], [base[0][:1]]) == 0.0  # one row: none measured
    # a loss is tolerated up to its margin plus loss_se standard errors
    m = dict(MARGINS["classification"], loss_se=1.0)
    g = {"reverse": m["reverse"], "source": -m["source"] - 0.02, "weighted": 0.0}
    assert not _adoptable(g, [], dict(m, loss_se=0.0), True, {"source": 0.05})
    assert _adoptable(g, [], m, True, {"source": 0.02})
    assert not _adoptable(g, [], m, True, {"source": 0.0199})
    assert not _adoptable(g, [], m, True)  # no standard errors: the margins alone


def test_shared_rows_standard_error_and_the_significant_consistency_way():
    """Target rows are in every fold: differences averaged per row, then the SE."""
    rng = np.random.RandomState(1)
    base = [rng.uniform(size=50) for _ in range(3)]
    cand = [b + rng.normal(0.01, 0.1, 50) for b in base]
    d = np.mean([c - b for c, b in zip(cand, base)], axis=0)
    expected = np.sqrt(np.sum((d - d.mean()) ** 2) / 49 / 50)
    assert _shared_gain_se(cand, base) == pytest.approx(expected)
    assert _shared_gain_se([cand[0], cand[1][:10]], base[:2]) == 0.0
    m = dict(MARGINS["classification"], consistency_se=3.0, consistency_loss=0.0)
    g = {"reverse": 0.0, "source": 0.0, "weighted": 0.0, "consistency": 0.006}
    assert m["consistency"] > 0.006
    assert _adoptable(g, [], m, True, {"consistency": 0.002})
    assert not _adoptable(g, [], m, True, {"consistency": 0.0021})
    assert not _adoptable(
        g, [], dict(m, consistency_se=0.0), True, {"consistency": 1e-4}
    )
    assert not _adoptable(g, [], m, True)  # no standard error: the fixed margin


def test_decision_reports_standard_errors_of_the_validation_gains():
    X, y, sd, _ = _scale_shift()
    auto = AutoAdapt(
        LogisticRegression(),
        candidates={"TCA": make_da_pipeline(TCA(), LogisticRegression())},
        random_state=0,
    ).fit(X, y)
    row = [r for r in auto.decision_["candidates"] if r["name"] == "TCA"][0]
    assert set(row["gain_se"]) == {"reverse", "source", "weighted", "consistency"}
    assert all(v > 0 for v in row["gain_se"].values())
    # a scoring that is not a mean over rows: reverse and source validation have
    # no standard errors (their margins alone); the weighted loss is per row
    auto = sklearn.base.clone(auto).set_params(scoring="balanced_accuracy").fit(X, y)
    row = [r for r in auto.decision_["candidates"] if r["name"] == "TCA"][0]
    assert set(row["gain_se"]) == {"weighted", "consistency"}


def test_degenerate_candidate_is_never_adopted():
    rng = np.random.RandomState(0)
    X = np.r_[rng.normal(size=(200, 2)), rng.normal(size=(200, 2)) + 6.0]
    y = np.r_[(X[:200, 0] > 0).astype(int), -np.ones(200, int)]
    auto = AutoAdapt(
        LogisticRegression(),
        candidates={"KMM": ImportanceWeighted(LogisticRegression(), KMM())},
        margin={"reverse": -1.0, "source": 1.0, "weighted": 1.0},
        random_state=0,
    ).fit(X, y)
    kmm = auto.decision_["candidates"][1]
    assert "saturated" in kmm["degenerate"] and not kmm["adoptable"]
    assert auto.chosen_ == SOURCE_ONLY


def test_labelled_target_rows_switch_to_supervised_choice():
    X, y, sd, y_true = make_domain_shift(
        300, 300, n_features=4, shift="subspace", shift_strength=2.0, random_state=0
    )
    y = y.copy()
    labelled = np.flatnonzero(sd < 0)[:40]
    y[labelled] = y_true[labelled]
    auto = AutoAdapt(LogisticRegression(), random_state=0).fit(X, y, sample_domain=sd)
    assert auto.decision_["mode"] == "target labels"
    names = {c["name"] for c in auto.decision_["candidates"]}
    assert {"FeatureAugmentation", "JointTraining"} <= names
    few = y.copy()
    few[labelled[10:]] = -1  # 10 labelled target rows: below min_target_labels
    auto = AutoAdapt(LogisticRegression(), random_state=0).fit(X, few, sample_domain=sd)
    assert auto.decision_["mode"] == "label-free"


def test_regression_and_n_jobs():
    X, y, sd, _ = make_domain_shift(
        200, 200, n_features=3, shift="scale", task="regression", random_state=0
    )
    one = AutoAdapt(Ridge(), random_state=0).fit(X, y)
    two = AutoAdapt(Ridge(), random_state=0, n_jobs=2).fit(X, y)
    assert one.chosen_ == two.chosen_
    np.testing.assert_allclose(one.predict(X), two.predict(X))


@pytest.mark.parametrize("routing", [False, True])
def test_in_a_pipeline_and_a_search(routing):
    X, y, sd, _ = _scale_shift()
    pipe = make_pipeline(
        StandardScaler(),
        AutoAdapt(LogisticRegression(), n_splits=2, random_state=0),
    )
    grid = GridSearchCV(
        pipe,
        {"autoadapt__margin": [None, {"reverse": 0.05}]},
        cv=DomainShuffleSplit(n_splits=2, random_state=0),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with sklearn.config_context(enable_metadata_routing=routing):
            if routing:
                grid.fit(X, y, sample_domain=sd)
            else:
                grid.fit(X, y, autoadapt__sample_domain=sd)
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()


def test_too_few_source_rows_keep_source_only_with_the_reason():
    # 40 source rows: 8 held out per fold, one row = 12.5 points of a fold's
    # accuracy, far beyond any margin, so no label-free evidence is trusted
    X, y, sd, _ = _scale_shift()
    keep = np.r_[np.arange(40), np.flatnonzero(sd < 0)]
    auto = AutoAdapt(LogisticRegression(), random_state=0)
    auto.fit(X[keep], y[keep], sample_domain=sd[keep])
    assert auto.chosen_ == SOURCE_ONLY
    assert auto.decision_["mode"] == "label-free"
    assert "too few labelled source rows" in auto.decision_["reason"]
    # the same data with every source row adopts an aligner (scale shift)
    full = AutoAdapt(LogisticRegression(), random_state=0).fit(X, y, sample_domain=sd)
    assert full.chosen_ != SOURCE_ONLY


def test_margin_keys_are_checked_and_partial_margins_keep_the_defaults():
    from skadapt._auto import MARGINS

    X, y, sd, _ = _scale_shift()
    with pytest.raises(ValueError, match="margin keys"):
        AutoAdapt(LogisticRegression(), margin={"revers": 0.1}).fit(X, y)
    auto = AutoAdapt(LogisticRegression(), margin={"reverse": 1.0}, random_state=0)
    auto.fit(X, y, sample_domain=sd)
    assert auto.chosen_ == SOURCE_ONLY  # no gain reaches a full point of score
    expected = dict(MARGINS["classification"], reverse=1.0)
    assert auto.decision_["margin"] == expected
