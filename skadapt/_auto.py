"""Automatic choice of an adaptation method, with source-only as the default.

:class:`AutoAdapt` takes a final estimator and a set of candidate adaptation
pipelines, scores each without target labels (or with the few there are), and
adopts a candidate only when the evidence for it clears a margin; otherwise it
keeps the source-only model. The decision is recorded in ``decision_`` and
explained by :meth:`AutoAdapt.summary`.

This module sits at the top level because it composes the families.
"""

import time
import warnings
from numbers import Integral

import numpy as np
from joblib import Parallel, delayed
from sklearn import get_config
from sklearn.base import (
    BaseEstimator,
    MetaEstimatorMixin,
    clone,
    is_classifier,
    is_regressor,
)
from sklearn.model_selection import KFold, ParameterGrid, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from ._base import (
    DomainMixin,
    PredictionDelegationMixin,
    domains_and_labels,
    inner_estimator_tags,
    labelled_scorer,
)
from ._core import COVERAGE_WARN, support_coverage
from ._pipeline import make_da_pipeline
from .alignment import CORAL, TCA, FeatureAugmentation
from .model_selection import (
    DomainShuffleSplit,
    HoldoutScorer,
    ImportanceWeightedScorer,
    ReverseValidationScorer,
)
from .model_selection._scorers import neighborhood_agreement, target_neighbors
from .reweighting import ClassifierDensityRatio, ImportanceWeighted
from .transfer import JointTraining
from .utils._docstrings import FRAGMENTS, Substitution
from .utils._sklearn import HasMethods, Interval, _fit_context

__all__ = ["AutoAdapt"]

SOURCE_ONLY = "source-only"

# The margins of the label-free rule, in units of the score (accuracy, or R^2
# for regression): see AutoAdapt's docstring for the rule. They are set by
# benchmarks/bench_auto_calibration.py (results in
# benchmarks/results/bench_auto_calibration.json) on synthetic shifts where the
# right answer is known: on the cases where adapting must not win (no shift,
# covariate shift under a correct model, label shift) no candidate that truly
# costs more than a point may be adopted.
# A classifier has a second way in: a gain of at least "consistency" in
# neighbourhood consistency on the target, while none of the three validation
# scores falls by more than "consistency_loss".
# On the calibration's draws (benchmarks/bench_auto_calibration.py) the
# consistency way in and its guard on the first rule are off (infinite margins:
# with 100 features every safe setting that kept them adopted less gain); each
# tolerated loss is widened by "loss_se" standard errors of its gain, and the
# importance-weighted gate is on.
MARGINS = {
    "classification": {
        "reverse": 0.05,
        "source": 0.02,
        "weighted": 0.0,
        "consistency": float("inf"),
        "consistency_loss": float("inf"),
        "consistency_se": 0.0,
        "loss_se": 2.0,
    },
    "regression": {"reverse": 0.05, "source": 0.02, "weighted": 0.0, "loss_se": 2.0},
}
# Neighbours of each target row in the consistency score (set with the margins).
CONSISTENCY_NEIGHBORS = 5
# Fewest labelled source rows held out per fold for the label-free rule: below
# it one row moves a fold's accuracy by more than 3 points, several times the
# margins, and on the calibration's "few source rows" case (8 held-out rows per
# fold) the rule adopted harmful candidates in 2 of 5 draws.
MIN_HELD_SOURCE = 30
# With at least this many labelled target rows (and two per class for a
# classifier) the choice is made on them by cross-validation; below, label-free.
MIN_TARGET_LABELS = 20


def _default_candidates(estimator, supervised):
    """The documented default candidate set: one or two per family.

    Label-free: CORAL (Ledoit-Wolf and a stronger scale-aware ridge), TCA
    (linear kernel; two trade-offs mu), and importance weighting by a
    cross-fitted domain classifier. With labelled target rows, also feature
    augmentation and joint training (up-weighted target rows).
    """
    est = clone(estimator)
    cands = {
        "CORAL": (make_da_pipeline(CORAL(), clone(est)), {"coral__reg": ["auto", 1.0]}),
        "TCA": (make_da_pipeline(TCA(), clone(est)), {"tca__mu": [0.1, 1.0]}),
    }
    if _takes_sample_weight(est):
        cands["ClassifierDensityRatio"] = (
            ImportanceWeighted(clone(est), ClassifierDensityRatio()),
            {},
        )
    if supervised:
        cands["FeatureAugmentation"] = (
            make_da_pipeline(FeatureAugmentation(), clone(est)),
            {},
        )
        cands["JointTraining"] = (JointTraining(clone(est)), {})
    return cands


def _takes_sample_weight(est):
    from sklearn.utils.validation import has_fit_parameter

    return has_fit_parameter(est, "sample_weight")


def _fit_with_domains(est, X, y, sd):
    """Fit ``est`` with ``sample_domain`` reaching every skadapt step's ``fit``.

    Direct for a skadapt estimator; for a Pipeline, routed when metadata routing
    is on, else as ``<step>__sample_domain`` for each skadapt step.
    """
    if isinstance(est, Pipeline):
        if get_config().get("enable_metadata_routing", False):
            return est.fit(X, y, sample_domain=sd)
        params = {
            f"{name}__sample_domain": sd
            for name, step in est.steps
            if isinstance(step, DomainMixin)
        }
        return est.fit(X, y, **params)
    if isinstance(est, DomainMixin):
        return est.fit(X, y, sample_domain=sd)
    raise TypeError(
        f"AutoAdapt candidates must be skadapt estimators or Pipelines (e.g. from "
        f"make_da_pipeline), got {type(est).__name__}."
    )


def _degenerate(est):
    """Degenerate-fit flags of every skadapt step of a fitted candidate."""
    found = []

    def visit(obj):
        if obj is None or isinstance(obj, str):
            return
        flags = getattr(obj, "degenerate_", None)
        if flags:
            found.extend(flags)
        if isinstance(obj, Pipeline):
            for _, step in obj.steps:
                visit(step)
        for attr in ("weighter_", "estimator_"):
            if hasattr(obj, attr) and getattr(obj, attr) is not obj:
                visit(getattr(obj, attr))

    visit(est)
    return sorted(set(found))


def _score_fold(candidate, params, X, y, sd, train, test, scoring, neighbors=None):
    """Label-free scores of one candidate configuration on one fold.

    ``neighbors`` (the target rows' neighbour graph, for a classifier) adds the
    neighbourhood consistency of the predictions on the fold's target rows.
    ``out["rows"]`` holds each score's values on the rows it averages over
    (held-out source rows, or the target rows for consistency), for the
    standard errors of the gains; a ``scoring`` that is not a mean over rows has
    none.
    """
    est = clone(candidate).set_params(**params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _fit_with_domains(est, X[train], y[train], sd[train])
        scorers = {
            "reverse": ReverseValidationScorer(scoring=scoring),
            "source": HoldoutScorer(scoring, domain="source"),
            "weighted": ImportanceWeightedScorer(),
        }
        out, rows = {}, {}
        for key, scorer in scorers.items():
            r = scorer._row_values(est, X[test], y[test], sample_domain=sd[test])
            if r is None:  # a scoring that is not a mean over rows
                out[key] = float(scorer(est, X[test], y[test], sample_domain=sd[test]))
            else:
                out[key], rows[key] = float(np.mean(r)), r
        out["rows"] = rows
        if neighbors is not None:
            pred = est.predict(X[test[sd[test] < 0]])
            rows["consistency"] = neighborhood_agreement(pred, neighbors)
            out["consistency"] = float(np.mean(rows["consistency"]))
    out["degenerate"] = _degenerate(est)
    return out


def _score_target_fold(candidate, params, X, y, sd, held, scoring):
    """Score on held-out labelled target rows (their labels masked in training)."""
    est = clone(candidate).set_params(**params)
    y_train = _masked(y, held)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _fit_with_domains(est, X, y_train, sd)
        score = labelled_scorer(est, scoring)(est, X[held], y[held])
    return {"target": float(score), "degenerate": _degenerate(est)}


def _masked(y, rows):
    y = np.array(y, copy=True)
    if y.dtype.kind == "f":
        y[rows] = np.nan
    elif y.dtype.kind in "iu":
        y[rows] = -1
    else:
        y = y.astype(object)
        y[rows] = None
    return y


def _way_in(gain, margin, overlap, se=None):
    """Which rule a candidate with these gains clears: "reverse", "consistency" or None.

    ``gain`` holds the mean fold gains over source-only of reverse, source and
    importance-weighted validation (and, for a classifier, of neighbourhood
    consistency); ``overlap`` says whether the importance weights are trusted
    (the target's support is covered by the source's). ``se`` holds the
    standard errors of the gains: a loss is tolerated up to its margin plus
    ``margin["loss_se"]`` standard errors, so that a loss of one or two rows on
    a small held-out source is not read as harm. For a classifier the first
    rule also asks that consistency lose at most ``margin["consistency_loss"]``
    (a map that cuts through the target's clusters), and a consistency gain below
    ``margin["consistency"]`` also opens the second way when it is at least
    ``margin["consistency_se"]`` standard errors (0 turns that off).
    """
    z = margin.get("loss_se", 0.0)
    se = se or {}

    def within(key, tolerance):
        return gain[key] >= -(tolerance + z * se.get(key, 0.0))

    consistency = "consistency" in gain and "consistency" in margin
    if (
        gain["reverse"] >= margin["reverse"]
        and within("source", margin["source"])
        and (not overlap or within("weighted", margin["weighted"]))
        and (not consistency or within("consistency", margin["consistency_loss"]))
    ):
        return "reverse"
    if not consistency:
        return None
    loss = margin["consistency_loss"]
    zc = margin.get("consistency_se", 0.0)
    significant = zc > 0 and se.get("consistency", 0.0) > 0
    if (
        (
            gain["consistency"] >= margin["consistency"]
            or (significant and gain["consistency"] >= zc * se["consistency"])
        )
        and within("reverse", loss)
        and within("source", loss)
        and (not overlap or within("weighted", loss))
    ):
        return "consistency"
    return None


def _adoptable(gain, degenerate, margin, overlap, se=None):
    """Say whether the label-free rule adopts a candidate with these gains."""
    return not degenerate and _way_in(gain, margin, overlap, se) is not None


def _shared_gain_se(rows, base_rows):
    """Standard error of a mean fold gain measured on the same rows in every fold.

    The target rows are in every fold (``DomainShuffleSplit(target_in_test=True)``):
    each row's paired difference is averaged over the folds first, and the
    standard error is that of the mean of those ``n`` averages. Zero with fewer
    than two rows or folds of different rows.
    """
    if len({len(r) for r in rows} | {len(b) for b in base_rows}) != 1:
        return 0.0
    d = np.mean(
        [np.subtract(r, b, dtype=np.float64) for r, b in zip(rows, base_rows)], axis=0
    )
    if d.size < 2:
        return 0.0
    return float(np.sqrt(d.var(ddof=1) / d.size))


def _gain_se(rows, base_rows):
    """Standard error of a mean fold gain, from paired row differences.

    ``rows`` and ``base_rows`` hold, fold by fold, a candidate's and
    source-only's values on the same held-out rows. The folds' held-out source
    rows are treated as independent samples: the standard error of the mean of
    the k fold means is ``sqrt(sum_f var_f / n_f) / k``. Zero when a fold has
    fewer than two rows.
    """
    total = 0.0
    for r, b in zip(rows, base_rows):
        d = np.asarray(r, dtype=np.float64) - np.asarray(b, dtype=np.float64)
        if d.size < 2:
            return 0.0
        total += d.var(ddof=1) / d.size
    return float(np.sqrt(total) / len(rows))


def _held_source_rows(folds, sd, known):
    """Fewest labelled source rows in a test fold, on which label-free scores rest."""
    return min(int(np.sum((sd[test] > 0) & known[test])) for _, test in folds)


@Substitution(**FRAGMENTS)
class AutoAdapt(
    PredictionDelegationMixin, MetaEstimatorMixin, DomainMixin, BaseEstimator
):
    """Choose an adaptation method for the target, keeping source-only by default.

    Every candidate (a skadapt pipeline around ``estimator``, with a small grid)
    is fitted on cross-validation folds and scored beside the source-only model
    (``make_da_pipeline(estimator)``). The best candidate replaces source-only only
    when the evidence for it clears a margin; then the chosen configuration is
    refitted on all rows.

    Without enough target labels (fewer than ``min_target_labels``) the evidence
    is label-free, from three validation scorers that measure different things
    (and, for a classifier, a fourth score of the target alone):

    - reverse validation (:class:`~skadapt.model_selection.ReverseValidationScorer`):
      the candidate labels the target rows, a reverse model learns back from those
      pseudo-labels and is scored on held-out source rows. It rewards target
      predictions consistent with the source concept;
    - source validation (:class:`~skadapt.model_selection.HoldoutScorer` with
      ``domain="source"``): held-out source rows go through the candidate as
      source rows. It penalises a map that destroys what the source teaches;
    - importance-weighted validation
      (:class:`~skadapt.model_selection.ImportanceWeightedScorer`): the deployed
      model on held-out source rows weighted like the target. It catches a map
      that moves the source away from a concept the source model already had
      right (covariate shift under a correct model), but it needs the domains to
      overlap;
    - neighbourhood consistency
      (:class:`~skadapt.model_selection.NeighborhoodConsistencyScorer`, five
      neighbours, classifiers only): how often the candidate predicts the same
      class for a target row and its nearest target rows in the input space. It
      rewards a decision boundary that follows the target's own clusters, which
      the three validation scores, all computed on source rows, cannot see.

    A candidate is adoptable when, averaged over the folds, its
    reverse-validation score exceeds source-only's by at least
    ``margin["reverse"]``, its source-validation score is at most
    ``margin["source"]`` below and, where the domains overlap
    (``target_coverage_ >= 0.5``), its importance-weighted score is at most
    ``margin["weighted"]`` below; or, for a classifier, when its neighbourhood
    consistency exceeds source-only's by at least ``margin["consistency"]`` while
    none of the three validation scores is more than
    ``margin["consistency_loss"]`` below source-only's (the weighted one only
    where the domains overlap); and in both cases none of its fits was
    degenerate (a weighter's ``degenerate_`` flags). Each gain has a standard
    error from paired row differences (``gain_se``; the validation scores'
    only with the default ``scoring``): a consistency gain of at least
    ``margin["consistency_se"]`` standard errors also opens the second way, and
    each tolerated loss can be widened by ``margin["loss_se"]`` standard errors.
    The adoptable candidate with the largest sum of the reverse and source
    gains is chosen. The rules ask several scores to agree because each alone
    is fooled on a case of ``benchmarks/bench_auto_calibration.py``: reverse
    validation by CORAL under covariate shift with a correct model (its score
    rises there while the target accuracy falls), source validation by a map
    that ignores the target, the weighted score wherever the domains barely
    overlap. The default margins are the ones that adopted no harmful candidate
    on that script's cases built to break adaptation (no shift, duplicate rows,
    covariate shift under a correct model, few source rows, label shift,
    unit-norm rows; also with 160 source rows, 2000 target rows or 100
    features) and kept the most gain where adaptation helps; they turn the
    consistency way in off (infinite ``consistency`` and ``consistency_loss``).
    With fewer than 30 labelled source rows held out per fold, one row moves a
    fold's score by more than the margins: source-only is kept and the reason
    says so.

    With enough labelled target rows, the candidates are cross-validated on them:
    each fold hides some labelled target rows (their labels are masked, the rows
    stay as unlabelled target rows) and scores the deployed model on them; the
    source rows are always in training. A candidate must beat source-only on
    average and in at least half the folds.

    Parameters
    ----------
    estimator : estimator object
        The final classifier or regressor, as in ``make_da_pipeline(...,
        estimator)``; the source-only model is ``make_da_pipeline(estimator)``.
    candidates : dict or None, default=None
        ``{name: estimator}`` or ``{name: (estimator, param_grid)}``: skadapt
        estimators or Pipelines (e.g. from :func:`make_da_pipeline`) following the
        data contract; ``param_grid`` as in
        :class:`~sklearn.model_selection.GridSearchCV`. ``None`` uses the default
        set (CORAL, TCA, domain-classifier importance weighting; plus feature
        augmentation and joint training with labelled target rows). The
        source-only model is always added.
    n_splits : int, default=3
        Folds of the label-free scores (:class:`DomainShuffleSplit` with the
        target rows in every test fold) or of the target cross-validation.
    margin : dict or None, default=None
        ``{"reverse": float, "source": float, "weighted": float}`` (and, for a
        classifier, ``"consistency"`` and ``"consistency_loss"``), in units of
        the score, ``"consistency_se"`` (standard errors that make a
        consistency gain enough) and ``"loss_se"`` (standard errors added to
        each tolerated loss); missing keys take the defaults. ``None`` uses the
        calibrated defaults of ``skadapt._auto.MARGINS``.
    min_target_labels : int, default=20
        Fewest labelled target rows for the supervised choice.
    scoring : str, callable or None, default=None
        The score of the folds; the estimator's own ``score`` (accuracy, R^2)
        when None.
    n_jobs : int or None, default=None
        Number of (candidate, fold) fits run in parallel (joblib).
    random_state : int, RandomState instance or None, default=None
        Seeds the folds; passed to candidates' ``random_state`` parameters that
        are None, so that their fits are reproducible.
    verbose : int, default=0
        Print progress (one line per candidate configuration) when positive.

    Attributes
    ----------
    best_estimator_ : estimator object
        The chosen model, refitted on all rows.
    chosen_ : str
        Name of the chosen candidate (``"source-only"`` when it was kept).
    best_params_ : dict
        Its parameters from the grid.
    target_coverage_ : float
        Fraction of target rows inside the source rows' support
        (:func:`skadapt.reweighting.support_coverage`); below one half the
        importance-weighted gate is not used.
    decision_ : dict
        The decision: ``mode`` ("label-free" or "target labels"), ``margin``,
        ``candidates`` (one dict per configuration: ``name``, ``params``,
        ``scores`` per fold and mean, ``gain`` over source-only, ``adoptable``,
        ``degenerate``, ``chosen``), ``chosen``, ``kept_source_only`` and
        ``reason``.
    classes_ : ndarray of shape (n_classes,)
        Class labels (classifiers).
    %(feature_attributes)s

    See Also
    --------
    skadapt.metrics.transfer_report : Did transfer help, with target labels.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skadapt import AutoAdapt
    >>> from skadapt.datasets import make_domain_shift
    >>> X, y, sd, y_true = make_domain_shift(
    ...     150, 150, n_features=4, shift="scale", shift_strength=1.5,
    ...     random_state=0)
    >>> auto = AutoAdapt(LogisticRegression(), random_state=0).fit(X, y)
    >>> auto.chosen_ in auto.decision_["names"]
    True
    """

    _delegate_to = "best_estimator_"

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"])],
        "candidates": [dict, None],
        "n_splits": [Interval(Integral, 2, None, closed="left")],
        "margin": [dict, None],
        "min_target_labels": [Interval(Integral, 1, None, closed="left")],
        "scoring": [str, callable, None],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        estimator,
        *,
        candidates=None,
        n_splits=3,
        margin=None,
        min_target_labels=MIN_TARGET_LABELS,
        scoring=None,
        n_jobs=None,
        random_state=None,
        verbose=0,
    ):
        self.estimator = estimator
        self.candidates = candidates
        self.n_splits = n_splits
        self.margin = margin
        self.min_target_labels = min_target_labels
        self.scoring = scoring
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ setup
    def _task(self):
        return "regression" if is_regressor(self.estimator) else "classification"

    def _margins(self):
        margin = dict(MARGINS[self._task()])
        if self.margin is not None:
            unknown = set(self.margin) - set(margin)
            if unknown:
                raise ValueError(
                    f"margin keys must be among {sorted(margin)}, got "
                    f"{sorted(unknown)}."
                )
            margin.update({k: float(v) for k, v in self.margin.items()})
        return margin

    def _candidate_list(self, supervised, seed):
        raw = (
            _default_candidates(self.estimator, supervised)
            if self.candidates is None
            else dict(self.candidates)
        )
        if SOURCE_ONLY in raw:
            raise ValueError(
                f"{SOURCE_ONLY!r} is a reserved candidate name: AutoAdapt adds the "
                "source-only model itself."
            )
        out = [(SOURCE_ONLY, make_da_pipeline(clone(self.estimator)), {})]
        for name, spec in raw.items():
            est, grid = spec if isinstance(spec, tuple) else (spec, {})
            if not isinstance(est, (Pipeline, DomainMixin)):
                raise TypeError(
                    f"candidate {name!r} is a {type(est).__name__}: candidates must "
                    "be skadapt estimators or Pipelines built with make_da_pipeline."
                )
            if not hasattr(est, "predict"):
                raise TypeError(
                    f"candidate {name!r} ({type(est).__name__}) has no predict: a "
                    "candidate is a whole model, e.g. make_da_pipeline(CORAL(), "
                    "estimator)."
                )
            if isinstance(est, ImportanceWeighted) and not _takes_sample_weight(
                est.estimator
            ):
                continue  # importance weights need sample_weight
            out.append((name, _seeded(clone(est), seed), grid))
        return out

    # -------------------------------------------------------------------- fit
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, *, sample_domain=None):
        """Score every candidate, decide, and refit the chosen one on all rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Source and target rows.
        y : array-like of shape (n_samples,)
            Labels with unknown target labels masked (see the data contract).
        sample_domain : array-like of shape (n_samples,), default=None
            Domain ids; inferred from ``y`` when None (labelled target rows need
            it).

        Returns
        -------
        self : object
            The fitted meta-estimator.
        """
        start = time.process_time()
        X = validate_data(self, X, dtype=None, ensure_all_finite=False)
        if y is None:
            raise ValueError(
                "AutoAdapt requires y to be passed, but the target y is None."
            )
        y = column_or_1d(y, warn=True)
        regression = is_regressor(self.estimator)
        sd, known = domains_and_labels(
            sample_domain, y, X.shape[0], regression=regression
        )
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        target_labelled = np.flatnonzero(known & (sd < 0))
        supervised = self._supervised(y, target_labelled, regression)
        cands = self._candidate_list(supervised, seed)
        margin = self._margins()
        configs = [
            (name, est, params)
            for name, est, grid in cands
            for params in (ParameterGrid(grid) if grid else [{}])
        ]
        if X.dtype.kind in "fc" and not np.isfinite(X).all():
            raise ValueError(
                "AutoAdapt needs finite X: its label-free evidence measures "
                "distances between rows (support coverage, neighbourhood "
                "consistency), and X contains NaN or infinity. Impute before it, "
                "e.g. make_da_pipeline(SimpleImputer(), AutoAdapt(...))."
            )
        has_target = bool(np.any(sd < 0))
        self.target_coverage_ = (
            support_coverage(X[sd > 0], X[sd < 0], random_state=0)
            if has_target and np.sum(sd > 0) >= 2
            else 1.0
        )
        if not has_target:
            # one domain: nothing to adapt to
            decision = self._decide_trivially(configs, "one domain: source-only")
        elif supervised:
            folds = self._target_folds(y, target_labelled, regression, seed)
            results = self._run(
                configs,
                lambda est, params: [
                    delayed(_score_target_fold)(
                        est, params, X, y, sd, held, self.scoring
                    )
                    for held in folds
                ],
            )
            decision = self._decide_supervised(configs, results, margin)
        else:
            decision = self._label_free(X, y, sd, known, configs, margin, seed)
        name, est, params = configs[decision["chosen_index"]]
        best = clone(est).set_params(**params)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _fit_with_domains(best, X, y, sd)
        self.best_estimator_ = best
        self.chosen_ = name
        self.best_params_ = dict(params)
        decision["fit_cpu_seconds"] = time.process_time() - start
        self.decision_ = decision
        if hasattr(best, "classes_"):
            self.classes_ = best.classes_
        return self

    def _label_free(self, X, y, sd, known, configs, margin, seed):
        folds = list(
            DomainShuffleSplit(
                self.n_splits, target_in_test=True, random_state=seed
            ).split(X, y, sample_domain=sd)
        )
        held = _held_source_rows(folds, sd, known)
        graphs = self._neighbor_graphs(X, sd, folds)
        if held < MIN_HELD_SOURCE:
            return self._decide_trivially(
                configs,
                "too few labelled source rows to validate an adaptation without "
                f"target labels ({held} held out per fold, fewer than "
                f"{MIN_HELD_SOURCE}): source-only is kept",
                mode="label-free",
            )
        results = self._run(
            configs,
            lambda est, params: [
                delayed(_score_fold)(est, params, X, y, sd, tr, te, self.scoring, g)
                for (tr, te), g in zip(folds, graphs)
            ],
        )
        return self._decide_label_free(
            configs, results, margin, self.target_coverage_ >= COVERAGE_WARN
        )

    def _neighbor_graphs(self, X, sd, folds):
        """Each fold's target neighbour graph (one when the folds share rows)."""
        if not is_classifier(self.estimator):
            return [None] * len(folds)
        graphs, last, graph = [], None, None
        for _, test in folds:
            rows = test[sd[test] < 0]
            if rows.size <= CONSISTENCY_NEIGHBORS:
                graphs.append(None)
                continue
            if last is None or not np.array_equal(rows, last):
                last, graph = rows, target_neighbors(X[rows], CONSISTENCY_NEIGHBORS)
            graphs.append(graph)
        if any(g is None for g in graphs):
            return [None] * len(folds)
        return graphs

    def _supervised(self, y, rows, regression):
        if rows.size < self.min_target_labels:
            return False
        if regression:
            return True
        _, counts = np.unique(y[rows], return_counts=True)
        return counts.min() >= 2

    def _target_folds(self, y, rows, regression, seed):
        k = self.n_splits
        if regression:
            splitter = KFold(k, shuffle=True, random_state=seed)
            return [rows[te] for _, te in splitter.split(rows)]
        _, counts = np.unique(y[rows], return_counts=True)
        k = max(2, min(k, int(counts.min())))
        splitter = StratifiedKFold(k, shuffle=True, random_state=seed)
        return [rows[te] for _, te in splitter.split(rows, y[rows])]

    def _run(self, configs, jobs_of):
        jobs, owners = [], []
        for i, (_, est, params) in enumerate(configs):
            for job in jobs_of(est, params):
                jobs.append(job)
                owners.append(i)
        out = Parallel(n_jobs=self.n_jobs)(jobs)
        results = [[] for _ in configs]
        for i, r in zip(owners, out):
            results[i].append(r)
        if self.verbose:
            for (name, _, params), res in zip(configs, results):
                keys = [k for k in res[0] if k not in ("degenerate", "rows")]
                means = {k: np.mean([r[k] for r in res]) for k in keys}
                print(f"[AutoAdapt] {name} {params or ''}: {means}")
        return results

    # -------------------------------------------------------------- decisions
    def _table(self, configs, results, keys):
        base = [r for (n, _, _), r in zip(configs, results) if n == SOURCE_ONLY][0]
        rows = []
        for (name, _, params), res in zip(configs, results):
            scores = {k: [r[k] for r in res] for k in keys}
            gain = {
                k: float(np.mean(np.subtract(scores[k], [r[k] for r in base])))
                for k in keys
            }
            degenerate = sorted({f for r in res for f in r["degenerate"]})
            se = {
                k: (_shared_gain_se if k == "consistency" else _gain_se)(
                    [r["rows"][k] for r in res], [r["rows"][k] for r in base]
                )
                for k in keys
                if all(k in r.get("rows", {}) for r in res)
            }
            rows.append(
                {
                    "name": name,
                    "params": dict(params),
                    "scores": {k: float(np.mean(v)) for k, v in scores.items()},
                    "fold_scores": scores,
                    "gain": gain,
                    "gain_se": se,
                    "degenerate": degenerate,
                    "adoptable": False,
                    "chosen": False,
                }
            )
        return rows

    def _finish(self, rows, chosen, mode, margin, reason):
        rows[chosen]["chosen"] = True
        return {
            "mode": mode,
            "margin": margin,
            "candidates": rows,
            "names": sorted({r["name"] for r in rows}),
            "chosen": rows[chosen]["name"],
            "chosen_index": chosen,
            "kept_source_only": rows[chosen]["name"] == SOURCE_ONLY,
            "reason": reason,
        }

    def _decide_trivially(self, configs, reason, mode="one domain"):
        rows = [
            {
                "name": n,
                "params": dict(p),
                "scores": {},
                "fold_scores": {},
                "gain": {},
                "gain_se": {},
                "degenerate": [],
                "adoptable": False,
                "chosen": False,
            }
            for n, _, p in configs
        ]
        return self._finish(rows, 0, mode, {}, reason)

    def _decide_label_free(self, configs, results, margin, overlap):
        keys = ("reverse", "source", "weighted")
        if "consistency" in results[0][0]:
            keys += ("consistency",)
        rows = self._table(configs, results, keys)
        best, best_total = 0, -np.inf
        for i, row in enumerate(rows):
            if row["name"] == SOURCE_ONLY:
                continue
            g = row["gain"]
            row["adoptable"] = _adoptable(
                g, row["degenerate"], margin, overlap, row["gain_se"]
            )
            total = g["reverse"] + g["source"]
            if row["adoptable"] and total > best_total:
                best, best_total = i, total
        z = margin.get("loss_se", 0.0)
        plus = f" + {z:g} standard errors" if z else ""
        weighted = (
            f", importance-weighted loss <= {margin['weighted']:g}{plus}"
            if overlap
            else " (importance weighting not trusted: the domains barely overlap)"
        )
        consistency = (
            "consistency" in keys
            and "consistency" in margin
            and (
                np.isfinite(margin["consistency"])
                or margin.get("consistency_se", 0) > 0
            )
        )
        rules = {
            "reverse": (
                f"reverse-validation gain >= {margin['reverse']:g}, "
                f"source-validation loss <= {margin['source']:g}{plus}{weighted}"
            ),
            "consistency": (
                f"neighbourhood-consistency gain >= {margin.get('consistency', 0):g}"
                + (
                    f" or >= {margin['consistency_se']:g} standard errors"
                    if margin.get("consistency_se", 0)
                    else ""
                )
                + ", no validation loss above "
                f"{margin.get('consistency_loss', 0):g}{plus}"
            ),
        }
        if best == 0:
            tried = rules["reverse"] + (
                f"; or {rules['consistency']}" if consistency else ""
            )
            reason = (
                f"no candidate cleared the margins ({tried}; no degenerate fit): "
                "source-only is kept"
            )
        else:
            g = rows[best]["gain"]
            way = _way_in(g, margin, overlap, rows[best]["gain_se"])
            also = (
                f", {g['consistency']:+.3f} in neighbourhood consistency"
                if consistency
                else ""
            )
            reason = (
                f"{rows[best]['name']} beats source-only by {g['reverse']:+.3f} in "
                f"reverse validation, {g['source']:+.3f} in source validation, "
                f"{g['weighted']:+.3f} importance-weighted{also}; it clears the "
                f"{way} rule ({rules[way]}) with the largest total gain"
            )
        return self._finish(rows, best, "label-free", margin, reason)

    def _decide_supervised(self, configs, results, margin):
        rows = self._table(configs, results, ("target",))
        base = rows[0]["fold_scores"]["target"]
        best, best_gain = 0, 0.0
        for i, row in enumerate(rows):
            if row["name"] == SOURCE_ONLY:
                continue
            diff = np.subtract(row["fold_scores"]["target"], base)
            row["adoptable"] = bool(
                diff.mean() > 0 and np.mean(diff > 0) >= 0.5 and not row["degenerate"]
            )
            if row["adoptable"] and diff.mean() > best_gain:
                best, best_gain = i, float(diff.mean())
        if best == 0:
            reason = (
                "no candidate beat source-only on the held-out labelled target rows "
                "on average and in at least half the folds: source-only is kept"
            )
        else:
            reason = (
                f"{rows[best]['name']} beats source-only by {best_gain:+.3f} on the "
                "held-out labelled target rows"
            )
        return self._finish(rows, best, "target labels", margin, reason)

    # ---------------------------------------------------------------- report
    def summary(self):
        """A readable account of the decision.

        Returns
        -------
        text : str
            One line per candidate configuration with its scores and gains over
            source-only, then the choice and why.
        """
        check_is_fitted(self, "decision_")
        d = self.decision_
        lines = [f"AutoAdapt ({d['mode']}), margins {d['margin']}"]
        for row in d["candidates"]:
            params = ", ".join(f"{k}={v}" for k, v in row["params"].items())
            label = row["name"] + (f" ({params})" if params else "")
            scores = "  ".join(f"{k} {v:.3f}" for k, v in row["scores"].items())
            se = row.get("gain_se", {})
            gains = (
                ""
                if row["name"] == SOURCE_ONLY
                else "  gain "
                + " ".join(
                    f"{v:+.3f}" + (f"±{se[k]:.3f}" if k in se else "")
                    for k, v in row["gain"].items()
                )
            )
            flags = []
            if row["degenerate"]:
                flags.append("degenerate: " + ", ".join(row["degenerate"]))
            if row["adoptable"]:
                flags.append("adoptable")
            if row["chosen"]:
                flags.append("CHOSEN")
            lines.append(
                f"  {label:<40s} {scores}{gains}"
                + (f"  [{'; '.join(flags)}]" if flags else "")
            )
        lines.append(f"Decision: {d['chosen']}. {d['reason']}.")
        return "\n".join(lines)

    def decision_table(self):
        """The decision as a table (a DataFrame when pandas is installed).

        Returns
        -------
        table : pandas.DataFrame or list of dict
            One row per candidate configuration: name, parameters, mean scores,
            gains over source-only and their standard errors (``se_*``),
            degenerate flags, adoptable, chosen.
        """
        check_is_fitted(self, "decision_")
        rows = []
        for row in self.decision_["candidates"]:
            flat = {"name": row["name"], "params": row["params"]}
            flat.update({f"score_{k}": v for k, v in row["scores"].items()})
            flat.update({f"gain_{k}": v for k, v in row["gain"].items()})
            flat.update({f"se_{k}": v for k, v in row.get("gain_se", {}).items()})
            flat.update(
                degenerate=row["degenerate"],
                adoptable=row["adoptable"],
                chosen=row["chosen"],
            )
            rows.append(flat)
        try:
            import pandas as pd
        except ImportError:  # pragma: no cover
            return rows
        return pd.DataFrame(rows)

    # ------------------------------------------------------------ delegation
    def score(self, X, y, sample_weight=None):
        """Score of the chosen model on labelled rows (every row a target row).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score.
        y : array-like of shape (n_samples,)
            True labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Row weights.

        Returns
        -------
        score : float
            Accuracy for classifiers, R^2 for regressors.
        """
        check_is_fitted(self)
        from sklearn.metrics import accuracy_score, r2_score

        pred = self.predict(X)
        if is_classifier(self):
            return float(accuracy_score(y, pred, sample_weight=sample_weight))
        return float(r2_score(y, pred, sample_weight=sample_weight))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner_estimator_tags(tags, self.estimator)
        # one label column: masking unknown targets is defined per row
        tags.target_tags.multi_output = False
        tags.target_tags.single_output = True
        tags.input_tags.sparse = False
        return tags


def _seeded(est, seed):
    """Set the unset ``random_state`` parameters (nested too) of a candidate."""
    params = {
        k: seed
        for k, v in est.get_params().items()
        if (k == "random_state" or k.endswith("__random_state")) and v is None
    }
    return est.set_params(**params) if params else est
