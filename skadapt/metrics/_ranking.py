"""Rank candidate sources (datasets, fitted models, representations) for one target."""

from numbers import Integral

import numpy as np
from joblib import Parallel, delayed
from scipy.stats import rankdata
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_array, check_random_state
from sklearn.utils.validation import check_is_fitted

from .._base import labelled_mask
from .._core import median_heuristic_gamma
from ..utils._sklearn import HasMethods, validate_params
from ._distances import coral_distance, frechet_distance, proxy_a_distance
from ._mmd import mmd_squared
from ._transferability import (
    _check_labels,
    gbc_score,
    h_score,
    leep_score,
    logme_score,
    nce_score,
    transrate_score,
)

__all__ = ["rank_sources"]

# name -> (greater is better, what it needs: "labels", "model" (+ labels), "source")
SCORES = {
    "logme": (True, "labels"),
    "leep": (True, "model"),
    "nce": (True, "model"),
    "target_accuracy": (True, "model"),
    "h_score": (True, "labels"),
    "shrinkage_h_score": (True, "labels"),
    "transrate": (True, "labels"),
    "gbc": (True, "labels"),
    "mmd": (False, "source"),
    "proxy_a_distance": (False, "source"),
    "coral_distance": (False, "source"),
    "frechet_distance": (False, "source"),
}
# columns that may be ranked by besides the scores
_RANKABLE = {**{k: v[0] for k, v in SCORES.items()}, "n_source": True}
_SPEC_KEYS = ("X_source", "y_source", "estimator", "features")
_SPEC_HELP = (
    "a candidate is (X_source, y_source), a fitted source classifier, an array of "
    "the target rows' features in the candidate's representation, a fitted "
    "transformer giving them, or a dict with keys among "
    f"{list(_SPEC_KEYS)}"
)


def _default_source_estimator():
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))


def _is_estimator(obj):
    return hasattr(obj, "fit") and hasattr(obj, "get_params")


def _normalise_spec(name, spec):
    """The candidate as a dict with the keys of ``_SPEC_KEYS`` (None when absent)."""
    out = dict.fromkeys(_SPEC_KEYS)
    if isinstance(spec, dict):
        unknown = sorted(set(spec) - set(_SPEC_KEYS))
        if unknown:
            raise ValueError(
                f"Candidate {name!r} has unknown key(s) {unknown}; {_SPEC_HELP}."
            )
        out.update(spec)
    elif isinstance(spec, tuple | list) and len(spec) == 2:
        out["X_source"], out["y_source"] = spec
    elif _is_estimator(spec) and (
        hasattr(spec, "predict_proba") or hasattr(spec, "decision_function")
    ):
        out["estimator"] = spec
    elif _is_estimator(spec) and hasattr(spec, "transform"):
        out["features"] = spec
    elif hasattr(spec, "shape") or isinstance(spec, list | tuple):
        out["features"] = spec
    else:
        raise TypeError(f"Candidate {name!r} is a {type(spec).__name__}; {_SPEC_HELP}.")
    if out["y_source"] is not None and out["X_source"] is None:
        raise ValueError(f"Candidate {name!r} has y_source but no X_source.")
    if all(out[k] is None for k in _SPEC_KEYS):
        raise ValueError(f"Candidate {name!r} is empty; {_SPEC_HELP}.")
    est = out["estimator"]
    if est is not None:
        if not _is_estimator(est) or not hasattr(est, "predict"):
            raise TypeError(
                f"Candidate {name!r}: 'estimator' must be a fitted classifier, got "
                f"a {type(est).__name__}."
            )
        try:
            check_is_fitted(est)
        except NotFittedError as exc:
            raise ValueError(
                f"Candidate {name!r}: the source estimator is not fitted; fit it on "
                "the source rows, or pass (X_source, y_source) and rank_sources "
                "fits source_estimator on them."
            ) from exc
    return out


def _target_features(name, spec, X_target, n_target):
    """The target rows in the candidate's representation (all of them)."""
    feats = spec["features"]
    if feats is None:
        if X_target is None:
            raise ValueError(
                f"Candidate {name!r} has no 'features': pass X_target, the target "
                "rows in the candidates' shared feature space."
            )
        return X_target
    if _is_estimator(feats):
        if X_target is None:
            raise ValueError(
                f"Candidate {name!r} gives a transformer: pass X_target for it to "
                "transform."
            )
        try:
            feats = feats.transform(X_target)
        except NotFittedError as exc:
            raise ValueError(
                f"Candidate {name!r}: the feature transformer is not fitted."
            ) from exc
    F = check_array(feats, dtype=[np.float64, np.float32])
    if F.shape[0] != n_target:
        raise ValueError(
            f"Candidate {name!r}: its features have {F.shape[0]} rows but there are "
            f"{n_target} target rows; give every target row, in the order of "
            "X_target and y_target."
        )
    return F


def _model_output(est, F):
    """A fitted source model's outputs on the target rows, as features."""
    if hasattr(est, "decision_function"):
        out = np.asarray(est.decision_function(F), dtype=np.float64)
    else:
        out = np.asarray(est.predict_proba(F), dtype=np.float64)
    return out.reshape(out.shape[0], -1)


def _evaluate(name, spec, X_target, n_target, y_target, labelled, wanted, options):
    """Every wanted score of one candidate (NaN where the candidate cannot give it)."""
    Ft = _target_features(name, spec, X_target, n_target)
    d = Ft.shape[1]
    Xs = spec["X_source"]
    if Xs is not None:
        Xs = check_array(Xs, dtype=[np.float64, np.float32])
        if Xs.shape[1] != d:
            where = "X_target" if spec["features"] is None else "its target features"
            raise ValueError(
                f"Candidate {name!r}: X_source has {Xs.shape[1]} features but {where} "
                f"has {d}. Source rows must be in the same feature space as the "
                "target rows they are compared with (a candidate with its own "
                "representation gives its target rows as 'features')."
            )
    est = spec["estimator"]
    if est is not None and getattr(est, "n_features_in_", d) != d:
        raise ValueError(
            f"Candidate {name!r}: the source estimator was fitted on "
            f"{est.n_features_in_} features but the target rows have {d}."
        )
    ys = spec["y_source"]
    if est is None and ys is not None:
        ys = np.asarray(ys)
        if ys.shape[0] != Xs.shape[0]:
            raise ValueError(
                f"Candidate {name!r}: X_source has {Xs.shape[0]} rows but y_source "
                f"has {ys.shape[0]}."
            )
        est = clone(options["source_estimator"]).fit(Xs, ys)
    kind = (
        "source data"
        if spec["y_source"] is not None and spec["estimator"] is None
        else "source model"
        if est is not None
        else "features"
    )
    row = {
        "candidate": str(name),
        "kind": kind,
        "representation": "source model output" if est is not None else "features",
        "n_source": np.nan if Xs is None else float(Xs.shape[0]),
        "n_features": int(d),
        "n_target_labelled": int(labelled.sum()),
    }
    rep = None
    for score in wanted:
        needs = SCORES[score][1]
        missing = None
        if needs == "model" and est is None:
            missing = "a source model (a fitted estimator or labelled source rows)"
        elif score == "leep" and est is not None and not hasattr(est, "predict_proba"):
            missing = "a source model with predict_proba"
        elif needs == "source" and Xs is None:
            missing = "source rows (X_source)"
        if missing is not None:
            if options["explicit"]:
                raise ValueError(
                    f"Score {score!r} needs {missing}, which candidate {name!r} "
                    "does not give; drop it from scores or complete the candidate."
                )
            row[score] = np.nan
            continue
        if needs in ("labels", "model"):
            y_lab = y_target[labelled]
            Ft_lab = Ft[labelled]
        if score == "leep":
            row[score] = leep_score(est.predict_proba(Ft_lab), y_lab)
        elif score == "nce":
            row[score] = nce_score(est.predict(Ft_lab), y_lab)
        elif score == "target_accuracy":
            row[score] = float(np.mean(est.predict(Ft_lab) == y_lab))
        elif needs == "labels":
            if rep is None:
                rep = _model_output(est, Ft_lab) if est is not None else Ft_lab
            row[score] = _LABEL_FUNCS[score](rep, y_lab)
        elif score == "mmd":
            row[score] = mmd_squared(Xs, Ft, gamma=options["gamma"](Ft))
        elif score == "proxy_a_distance":
            row[score] = proxy_a_distance(Xs, Ft, random_state=options["seed"])
        elif score == "coral_distance":
            row[score] = coral_distance(Xs, Ft)
        else:
            row[score] = frechet_distance(Xs, Ft)
    return row


_LABEL_FUNCS = {
    "logme": lambda X, y: logme_score(X, y, fit_intercept=True),
    "h_score": h_score,
    "shrinkage_h_score": lambda X, y: h_score(X, y, reg="auto"),
    "transrate": transrate_score,
    "gbc": gbc_score,
}


def _to_table(rows, columns, rank_by):
    try:
        import pandas as pd
    except ImportError:
        fields = []
        for col in columns:
            if col in ("candidate", "kind", "representation"):
                width = max(len(r[col]) for r in rows)
                fields.append((col, f"U{max(width, 1)}"))
            elif col in ("n_features", "n_target_labelled", "rank"):
                fields.append((col, np.int64))
            else:
                fields.append((col, np.float64))
        dtype = np.dtype(fields, metadata={"rank_by": rank_by})
        return np.array([tuple(r[c] for c in columns) for r in rows], dtype=dtype)
    frame = pd.DataFrame.from_records(rows, columns=columns).set_index("candidate")
    frame.attrs["rank_by"] = rank_by
    frame.attrs["higher_is_better"] = _RANKABLE[rank_by]
    return frame


@validate_params(
    {
        "candidates": [dict],
        "X_target": ["array-like", None],
        "y_target": ["array-like", None],
        "scores": [list, tuple, None],
        "rank_by": [str, None],
        "source_estimator": [HasMethods(["fit", "predict"]), None],
        "random_state": ["random_state"],
        "n_jobs": [Integral, None],
    },
    prefer_skip_nested_validation=True,
)
def rank_sources(
    candidates,
    X_target,
    y_target=None,
    *,
    scores=None,
    rank_by=None,
    source_estimator=None,
    random_state=None,
    n_jobs=None,
):
    """Rank candidate sources, source models or representations for one target.

    Each candidate is scored on the target rows: transferability scores from the
    labelled target rows (LogME, LEEP, NCE, H-score and its shrinkage variant,
    TransRate, GBC) and label-free shift metrics between its source rows and all
    target rows (MMD, proxy A-distance, CORAL and Fréchet distances). The result
    is one table, a row per candidate, ranked by one column.

    Parameters
    ----------
    candidates : dict of str to candidate
        The candidates, by name. A candidate is one of:

        - ``(X_source, y_source)``: a labelled source dataset in the target's
          feature space; ``source_estimator`` is fitted on it;
        - a fitted source classifier (``predict_proba`` or
          ``decision_function``), trained on the target's feature space;
        - an array of shape ``(n_target, d_c)``: the target rows in the
          candidate's own representation (e.g. another feature extractor), or a
          fitted transformer that gives it from ``X_target``;
        - a dict with keys among ``"X_source"``, ``"y_source"``, ``"estimator"``
          and ``"features"`` combining these (e.g. a fitted model *and* its source
          rows, so that the shift metrics can be computed too).

        The scores that need labels are computed on a *representation* of the
        labelled target rows: the source model's outputs (``decision_function``,
        else ``predict_proba``) when the candidate has a source model, as a deep
        network's penultimate layer is scored in the papers; its features
        otherwise. The shift metrics compare the source rows with all target rows
        in the candidate's feature space.
    X_target : array-like of shape (n_target, n_features) or None
        The target rows, in the feature space shared by the source datasets and
        models. None only when every candidate gives its features as an array.
    y_target : array-like of shape (n_target,), default=None
        Target labels, masked (``-1``) where unknown. At least two classes must be
        labelled for the transferability scores; without labels only the shift
        metrics are computed.
    scores : list of str, default=None
        Columns to compute, among ``"logme"``, ``"leep"``, ``"nce"``,
        ``"target_accuracy"`` (the source model's accuracy on the labelled target
        rows, when the source and target classes are the same), ``"h_score"``,
        ``"shrinkage_h_score"``, ``"transrate"``, ``"gbc"``,
        ``"mmd"``, ``"proxy_a_distance"``, ``"coral_distance"`` and
        ``"frechet_distance"``. None: every score the inputs allow (NaN for a
        candidate that cannot give one). A score named explicitly must be
        computable for every candidate.
    rank_by : str, default=None
        The column to rank by: a score or ``"n_source"`` (largest source first).
        Scores rank greater first, distances smaller first. None: with target
        labels, ``"leep"`` when every candidate has a probabilistic source model
        (it scores the source model's own predictions) and ``"logme"`` otherwise;
        without target labels ``"mmd"``; the first computed score when that one
        is not. Measured on the bundled suites in
        ``benchmarks/bench_metrics_transferability.py``.
    source_estimator : classifier, default=None
        Fitted (a clone) on each ``(X_source, y_source)`` candidate;
        standardisation then ``LogisticRegression`` when None.
    random_state : int, RandomState instance or None, default=None
        Seeds the folds of the proxy A-distance (the same folds for every
        candidate).
    n_jobs : int, default=None
        Candidates evaluated in parallel by joblib.

    Returns
    -------
    table : pandas.DataFrame or numpy structured array
        A DataFrame indexed by candidate when pandas is installed, else a
        structured array with a ``candidate`` field; rows sorted by ``rank``
        (1 is best). Columns ``kind`` (``"source data"``, ``"source model"`` or
        ``"features"``), ``representation`` (what the label scores saw),
        ``n_source``, ``n_features``, ``n_target_labelled``, one column per score
        and ``rank``. The column ranked by is in ``table.attrs["rank_by"]``
        (DataFrame) or ``table.dtype.metadata["rank_by"]`` (structured array).

    See Also
    --------
    predict_transfer_gain : Will one source help at all?
    logme_score : The default ranking score.

    Notes
    -----
    Columns and the functions computing them: ``logme`` is
    :func:`logme_score` with ``fit_intercept=True`` (source-model outputs and
    standardised features are centred, one-vs-rest targets are not), ``leep``
    :func:`leep_score` on ``predict_proba``, ``nce`` :func:`nce_score` on
    ``predict``, ``target_accuracy`` the share of labelled target rows that
    ``predict`` gets right, ``h_score`` and ``shrinkage_h_score`` :func:`h_score` with
    ``reg=None`` and ``reg="auto"``, ``transrate`` :func:`transrate_score`,
    ``gbc`` :func:`gbc_score`, ``mmd`` :func:`mmd_squared`, and the distances
    of the same names.

    The label scores measure how well a representation serves a classifier
    *trained on the target labels*: a source whose classes map onto the target
    classes in another order (or whose decision function is reversed) scores as
    well as one that predicts the target labels directly. They rank sources for
    fine-tuning on target labels, not for source-only prediction; there,
    ``target_accuracy`` (and :func:`predict_transfer_gain`) is the check.

    The MMD uses one RBF width for all candidates that share a feature space: the
    median heuristic on the target rows, so the distances are comparable across
    sources. Transferability scores compare representations *for one target*;
    their values are not comparable across targets.

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt.metrics import rank_sources
    >>> rng = np.random.RandomState(0)
    >>> def domain(n, shift, related=True):
    ...     X = rng.normal(size=(n, 2)) + shift
    ...     y = (X[:, 0] > shift) if related else rng.randint(0, 2, n)
    ...     return X, y.astype(int)
    >>> Xt, yt = domain(200, 0.0)
    >>> yt_few = np.full(200, -1)
    >>> yt_few[:20] = yt[:20]  # 20 labelled target rows
    >>> candidates = {"unrelated": domain(300, 0.5, related=False),
    ...               "related": domain(300, 0.5)}
    >>> table = rank_sources(candidates, Xt, yt_few, random_state=0)
    >>> table.index.tolist(), table.attrs["rank_by"]
    (['related', 'unrelated'], 'leep')
    >>> table["rank"].tolist()
    [1, 2]
    """
    if not candidates:
        raise ValueError("rank_sources needs at least one candidate.")
    explicit = scores is not None
    if explicit:
        unknown = [s for s in scores if s not in SCORES]
        if unknown or not scores:
            raise ValueError(
                f"Unknown score(s) {unknown}; choose among {list(SCORES)}."
                if unknown
                else "scores is empty; name at least one score or pass None."
            )
        wanted = list(dict.fromkeys(scores))
    else:
        wanted = list(SCORES)
    specs = {name: _normalise_spec(name, spec) for name, spec in candidates.items()}

    if X_target is not None:
        X_target = check_array(X_target, dtype=[np.float64, np.float32])
        n_target = X_target.shape[0]
    else:
        arrays = [
            s["features"]
            for s in specs.values()
            if s["features"] is not None and not _is_estimator(s["features"])
        ]
        if len(arrays) < len(specs):
            raise ValueError(
                "X_target is None, so every candidate must give the target rows' "
                "features as an array ('features')."
            )
        n_target = np.shape(arrays[0])[0]

    has_labels = False
    if y_target is not None:
        y_target = np.asarray(y_target)
        labelled = labelled_mask(y_target)
        if labelled.any():
            _check_labels(y_target, n_target, "rank_sources", what="X_target")
            has_labels = True
    if not has_labels:
        labelled = np.zeros(n_target, dtype=bool)
        needing = [s for s in wanted if SCORES[s][1] in ("labels", "model")]
        if explicit and needing:
            raise ValueError(
                f"Score(s) {needing} need the labels of some target rows: pass "
                "y_target with at least two labelled classes (-1 marks the unknown "
                "ones), or ask for the label-free shift metrics only."
            )
        wanted = [s for s in wanted if s not in needing]
        if not wanted:
            raise ValueError("No score left to compute without target labels.")

    if rank_by is None:
        all_proba = all(
            hasattr(s["estimator"], "predict_proba")
            if s["estimator"] is not None
            else s["y_source"] is not None
            and hasattr(
                source_estimator or _default_source_estimator(), "predict_proba"
            )
            for s in specs.values()
        )
        rank_by = ("leep" if all_proba else "logme") if has_labels else "mmd"
        if rank_by not in wanted:
            rank_by = wanted[0]
    elif rank_by not in _RANKABLE:
        raise ValueError(
            f"rank_by={rank_by!r} is not a rankable column; choose among "
            f"{list(_RANKABLE)}."
        )
    elif rank_by != "n_source" and rank_by not in wanted:
        raise ValueError(
            f"rank_by={rank_by!r} is not among the computed scores {wanted}."
        )

    seed = check_random_state(random_state).randint(np.iinfo(np.int32).max)
    options = {
        "source_estimator": (
            _default_source_estimator()
            if source_estimator is None
            else source_estimator
        ),
        "explicit": explicit,
        "seed": seed,
        "gamma": lambda Ft: median_heuristic_gamma(Ft, random_state=seed),
    }
    rows = Parallel(n_jobs=n_jobs)(
        delayed(_evaluate)(
            name, spec, X_target, n_target, y_target, labelled, wanted, options
        )
        for name, spec in specs.items()
    )
    values = np.array([r[rank_by] for r in rows], dtype=np.float64)
    if np.any(np.isnan(values)):
        lacking = [r["candidate"] for r, v in zip(rows, values) if np.isnan(v)]
        raise ValueError(
            f"Cannot rank by {rank_by!r}: candidate(s) {lacking} have no value for "
            "it (it needs target labels, a source model or source rows, which they "
            "do not give); choose another rank_by."
        )
    sign = -1.0 if _RANKABLE[rank_by] else 1.0
    ranks = rankdata(sign * values, method="min").astype(np.int64)
    for r, k in zip(rows, ranks):
        r["rank"] = int(k)
    rows = [rows[i] for i in np.argsort(ranks, kind="stable")]
    columns = [
        "candidate",
        "kind",
        "representation",
        "n_source",
        "n_features",
        "n_target_labelled",
        *wanted,
        "rank",
    ]
    return _to_table(rows, columns, rank_by)
