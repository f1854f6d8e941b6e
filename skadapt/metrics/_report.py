"""Did transfer help? Source-only, target-only and adapted scores side by side."""

from numbers import Integral, Real

import numpy as np
from sklearn import get_config
from sklearn.base import clone, is_classifier
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import check_scoring
from sklearn.model_selection import (
    KFold,
    StratifiedKFold,
    cross_val_predict,
    cross_val_score,
)
from sklearn.pipeline import Pipeline
from sklearn.utils import check_random_state

from .._base import DomainMixin, domains_and_labels, labelled_mask
from .._pipeline import LabelledOnly
from ..utils._sklearn import HasMethods, Interval, _safe_indexing, validate_params

__all__ = ["TransferReport", "transfer_report"]


_MODEL_KEYS = (
    "adapted",
    "gain",
    "negative_transfer",
    "p_value_gain",
    "p_value_loss",
    "verdict",
    "p_value_vs_target_only",
)


class TransferReport:
    """Scores of a transfer experiment; printable, and as a dict or a DataFrame.

    Returned by :func:`transfer_report`; not meant to be built by hand.

    Parameters
    ----------
    rows : list of dict
        One dict per adapted model (keys ``model``, ``adapted``, ``gain``,
        ``negative_transfer``, and the paired test's ``p_value_gain``,
        ``p_value_loss``, ``verdict`` and ``p_value_vs_target_only``).
    source_only : float
        Target score of the baseline fitted on the labelled source rows.
    target_only : float or None
        Cross-validated score of the baseline fitted on labelled target rows.
    scoring : str
        Name of the score (greater is better).
    n_source : int
        Labelled source rows used for fitting.
    n_target_eval : int
        Target rows the scores are measured on.

    Attributes
    ----------
    rows : list of dict
        One dict per adapted model.
    source_only : float
        Target score of the source-only baseline.
    target_only : float or None
        Cross-validated target-only score, None when target labels were too few.
    scoring : str
        Name of the score.
    n_source : int
        Labelled source rows.
    n_target_eval : int
        Target rows scored.

    See Also
    --------
    transfer_report : Builds the report.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skadapt import CORAL, make_da_pipeline
    >>> from skadapt.datasets import make_domain_shift
    >>> from skadapt.metrics import transfer_report
    >>> X, y, sd, y_true = make_domain_shift(
    ...     200, 200, n_features=3, shift="scale", random_state=0)
    >>> report = transfer_report(
    ...     {"coral": make_da_pipeline(CORAL(), LogisticRegression())},
    ...     X, y, y_true=y_true)
    >>> sorted(report.to_dict()["models"]["coral"])[:3]
    ['adapted', 'gain', 'negative_transfer']
    >>> report.to_dict()["models"]["coral"]["verdict"]
    'positive transfer'
    >>> report.negative_transfer
    False
    """

    def __init__(
        self, rows, *, source_only, target_only, scoring, n_source, n_target_eval
    ):
        self.rows = rows
        self.source_only = source_only
        self.target_only = target_only
        self.scoring = scoring
        self.n_source = n_source
        self.n_target_eval = n_target_eval

    @property
    def negative_transfer(self):
        """True when any adapted model scores below the source-only baseline."""
        return any(r["negative_transfer"] for r in self.rows)

    def to_dict(self):
        """Return the report as a plain dict.

        Returns
        -------
        report : dict
            Keys ``scoring``, ``source_only``, ``target_only``, ``n_source``,
            ``n_target_eval`` and ``models`` (a dict per adapted model with its
            ``adapted`` score, ``gain`` and ``negative_transfer`` flag).
        """
        return {
            "scoring": self.scoring,
            "source_only": self.source_only,
            "target_only": self.target_only,
            "n_source": self.n_source,
            "n_target_eval": self.n_target_eval,
            "models": {
                r["model"]: {k: r[k] for k in _MODEL_KEYS if k in r} for r in self.rows
            },
        }

    def to_frame(self):
        """Return the report as a pandas DataFrame, one row per adapted model.

        Returns
        -------
        frame : pandas.DataFrame
            Columns ``source_only``, ``target_only``, ``adapted``, ``gain`` and
            ``negative_transfer``, indexed by model name.
        """
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - pandas is a test dependency
            raise ImportError(
                "TransferReport.to_frame needs pandas; install it or use to_dict()."
            ) from exc
        records = [
            {
                "model": r["model"],
                "source_only": self.source_only,
                "target_only": self.target_only,
                "adapted": r["adapted"],
                **{k: r.get(k) for k in _MODEL_KEYS if k != "adapted"},
            }
            for r in self.rows
        ]
        return pd.DataFrame.from_records(records, index="model")

    def __str__(self):
        def fmt(v):
            return "n/a" if v is None else f"{v:.4f}"

        width = max([len("model")] + [len(r["model"]) for r in self.rows])
        head = (
            f"Transfer report ({self.scoring} on {self.n_target_eval} target rows; "
            f"{self.n_source} labelled source rows)"
        )
        lines = [
            head,
            f"  source-only: {fmt(self.source_only)}   "
            f"target-only (CV): {fmt(self.target_only)}",
            f"  {'model':<{width}}  {'adapted':>8}  {'gain':>8}  "
            "paired test (p gain / p loss): verdict",
        ]
        for r in self.rows:
            if r.get("verdict") is None:
                test = "not run"
            else:
                test = (
                    f"{r['p_value_gain']:.3f} / {r['p_value_loss']:.3f}: {r['verdict']}"
                )
            lines.append(
                f"  {r['model']:<{width}}  {r['adapted']:>8.4f}  {r['gain']:>+8.4f}"
                f"  {test}"
            )
        return "\n".join(lines)

    def __repr__(self):
        return str(self)


def _per_row_scores(y_true, pred, classification):
    """Per-row contributions: correctness, or squared error (for R^2)."""
    if classification:
        return (np.asarray(pred) == np.asarray(y_true)).astype(np.float64)
    return (np.asarray(pred, dtype=np.float64) - y_true.astype(np.float64)) ** 2


def _paired_bootstrap(a, b, y_true, classification, n_bootstrap, rng):
    """Bootstrap over target rows of ``score(a) - score(b)``, paired by row.

    ``a``, ``b`` are per-row contributions of two models on the same rows
    (:func:`_per_row_scores`); the score is the accuracy, or R^2. Returns the
    bootstrap differences.
    """
    n = a.shape[0]
    out = np.empty(n_bootstrap)
    step = max(1, int(2e6 // max(n, 1)))
    yy = None if classification else y_true.astype(np.float64)
    for start in range(0, n_bootstrap, step):
        stop = min(start + step, n_bootstrap)
        idx = rng.randint(n, size=(stop - start, n))
        if classification:
            out[start:stop] = a[idx].mean(axis=1) - b[idx].mean(axis=1)
        else:
            sst = yy[idx].var(axis=1) * n
            sst = np.where(sst > 0, sst, np.inf)
            out[start:stop] = (b[idx].sum(axis=1) - a[idx].sum(axis=1)) / sst
    return out


def _verdict(boot, alpha):
    """Paired test of a gain: one-sided bootstrap p-values and the decision."""
    # with B resamples the smallest reportable p-value is 1 / (B + 1)
    p_gain = float((np.sum(boot <= 0) + 1) / (boot.size + 1))
    p_loss = float((np.sum(boot >= 0) + 1) / (boot.size + 1))
    if p_gain < alpha:
        decision = "positive transfer"
    elif p_loss < alpha:
        decision = "negative transfer"
    else:
        decision = "no significant difference"
    return p_gain, p_loss, decision


def _default_baseline(estimator):
    if isinstance(estimator, Pipeline):
        last = estimator.steps[-1][1]
        if isinstance(last, LabelledOnly):
            last = last.estimator
        if hasattr(last, "predict") and not isinstance(last, DomainMixin):
            return last
    if is_classifier(estimator):
        return LogisticRegression(max_iter=1000)
    return Ridge()


def _fit_adapted(estimator, X, y, sd, sample_domain_given):
    est = clone(estimator)
    if sample_domain_given and (
        get_config()["enable_metadata_routing"] or isinstance(est, DomainMixin)
    ):
        return est.fit(X, y, sample_domain=sd)
    return est.fit(X, y)


@validate_params(
    {
        "estimator": [HasMethods(["fit", "predict"]), dict],
        "X": ["array-like"],
        "y": ["array-like"],
        "sample_domain": ["array-like", None],
        "y_true": ["array-like", None],
        "baseline": [HasMethods(["fit", "predict"]), None],
        "scoring": [str, callable, None],
        "cv": [Interval(Integral, 2, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "n_bootstrap": [Interval(Integral, 0, None, closed="left")],
        "alpha": [Interval(Real, 0, 1, closed="neither")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=False,
)
def transfer_report(
    estimator,
    X,
    y,
    *,
    sample_domain=None,
    y_true=None,
    baseline=None,
    scoring=None,
    cv=5,
    tol=0.0,
    n_bootstrap=1000,
    alpha=0.05,
    random_state=0,
):
    """Compare source-only, target-only and adapted models on the target domain.

    Three numbers answer "did transfer help?": the target score of a baseline
    fitted on the labelled source rows only (*source-only*), of the adapted model
    fitted on all rows (*adapted*), and, when there are enough target labels, the
    cross-validated score of the baseline fitted on target labels only
    (*target-only*, a reference for what the target labels alone give). The gain
    is adapted minus source-only; a gain below ``-tol`` flags negative transfer.

    Parameters
    ----------
    estimator : estimator or dict of str to estimator
        The adaptation model(s), unfitted (clones are fitted), e.g. a
        :func:`~skadapt.make_da_pipeline`. A dict compares several side by side.
    X : array-like of shape (n_samples, n_features)
        Source and target rows.
    y : array-like of shape (n_samples,)
        Labels as the models are trained on them (target labels masked, except the
        few labelled target rows of semi-supervised adaptation).
    sample_domain : array-like of shape (n_samples,), default=None
        Domain ids; inferred from ``y`` when None. It is passed to ``fit`` when the
        model is a skadapt estimator or metadata routing is on; otherwise the
        models see the domains through the masks in ``y``.
    y_true : array-like of shape (n_samples,), default=None
        True labels of every row (evaluation only, never used for fitting). When
        None, the target rows labelled in ``y`` are the evaluation rows.
    baseline : estimator, default=None
        The non-adaptive model. When None: the final estimator of a Pipeline
        (unwrapped from :class:`~skadapt.LabelledOnly`), else
        ``LogisticRegression`` for classifiers and ``Ridge`` otherwise.
    scoring : str, callable or None, default=None
        Any scikit-learn scoring (greater is better); the estimator's ``score``
        (accuracy or R^2) when None.
    cv : int, default=5
        Folds of the target-only cross-validation (fewer when target labels are
        scarce; skipped when a class has fewer than two labelled target rows).
    tol : float, default=0.0
        Negative transfer is flagged when ``adapted < source_only - tol``.
    n_bootstrap : int, default=1000
        Resamples of the target rows for the paired test (0 skips it). The test
        is run for the default score (accuracy, or R^2 for regressors) and for
        ``scoring="accuracy"`` / ``"r2"``.
    alpha : float, default=0.05
        Level of the paired test's decision.
    random_state : int, RandomState instance or None, default=0
        Seeds the bootstrap.

    Returns
    -------
    report : TransferReport
        Printable; ``report.to_dict()`` and ``report.to_frame()`` (pandas).

    See Also
    --------
    proxy_a_distance : How far apart the domains are.

    Notes
    -----
    Models predict the target rows without ``sample_domain`` (every row treated as
    a target row), as at deployment.

    The verdict of each adapted model is a paired bootstrap test over the scored
    target rows: the rows are resampled ``n_bootstrap`` times and the score
    difference adapted - source-only is recomputed on the same resampled rows for
    both models; ``p_value_gain`` is the bootstrap probability of a difference
    <= 0 (H0: no gain), ``p_value_loss`` of a difference >= 0 (H0: no loss). The
    verdict is "positive transfer" when ``p_value_gain < alpha``, "negative
    transfer" when ``p_value_loss < alpha``, else "no significant difference".
    With target-only predictions (cross-validated, out of fold), the same test of
    adapted - target-only gives ``p_value_vs_target_only``.

    With ``y_true`` every target row is scored; otherwise only labelled target
    rows (which then also trained the adapted model, so its score is optimistic).

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skadapt import CORAL, make_da_pipeline
    >>> from skadapt.datasets import make_domain_shift
    >>> from skadapt.metrics import transfer_report
    >>> X, y, sd, y_true = make_domain_shift(
    ...     200, 200, n_features=3, shift="scale", random_state=0)
    >>> report = transfer_report(
    ...     make_da_pipeline(CORAL(), LogisticRegression()), X, y, y_true=y_true)
    >>> report.to_dict()["models"]["Pipeline"]["gain"] > 0
    True
    """
    estimators = estimator if isinstance(estimator, dict) else None
    if estimators is None:
        estimators = {type(estimator).__name__: estimator}
    if not estimators:
        raise ValueError("transfer_report needs at least one estimator.")
    y = np.asarray(y)
    n = X.shape[0] if hasattr(X, "shape") else len(X)
    if y.shape[0] != n:
        raise ValueError(f"y has {y.shape[0]} rows but X has {n} rows.")
    sd, known = domains_and_labels(sample_domain, y, n)
    source = np.flatnonzero((sd > 0) & known)
    if source.size == 0:
        raise ValueError("transfer_report found no labelled source rows.")
    if y_true is not None:
        y_eval_all = np.asarray(y_true)
        if y_eval_all.shape[0] != n:
            raise ValueError(f"y_true has {y_eval_all.shape[0]} rows but X has {n}.")
        target = np.flatnonzero((sd < 0) & labelled_mask(y_eval_all, sd))
    else:
        y_eval_all = y
        target = np.flatnonzero((sd < 0) & known)
    if target.size == 0:
        raise ValueError(
            "transfer_report needs target rows with known labels to score on: pass "
            "y_true, or sample_domain marking labelled target rows (ids <= -1)."
        )
    first = next(iter(estimators.values()))
    base = clone(_default_baseline(first) if baseline is None else baseline)
    X_t = _safe_indexing(X, target)
    y_t = y_eval_all[target]

    base_fit = clone(base).fit(_safe_indexing(X, source), y[source])
    scorer = check_scoring(base_fit, scoring)
    source_only = float(scorer(base_fit, X_t, y_t))
    scoring_name = scoring if isinstance(scoring, str) else "score"
    classification = is_classifier(base)
    testable = n_bootstrap > 0 and (
        scoring is None or scoring == ("accuracy" if classification else "r2")
    )
    rng = check_random_state(random_state)
    so_rows = (
        _per_row_scores(y_t, base_fit.predict(X_t), classification)
        if testable
        else None
    )

    target_only = None
    if is_classifier(base):
        _, counts = np.unique(y_t, return_counts=True)
        k = min(cv, int(counts.min())) if counts.size > 1 else 0
        folds = StratifiedKFold(k, shuffle=True, random_state=0) if k >= 2 else None
    else:
        k = min(cv, target.size)
        folds = KFold(k, shuffle=True, random_state=0) if k >= 2 else None
    to_rows = None
    if folds is not None:
        target_only = float(
            np.mean(cross_val_score(clone(base), X_t, y_t, cv=folds, scoring=scoring))
        )
        if testable:
            pred = cross_val_predict(clone(base), X_t, y_t, cv=folds)
            to_rows = _per_row_scores(y_t, pred, classification)

    rows = []
    for name, est in estimators.items():
        fitted = _fit_adapted(est, X, y, sd, sample_domain is not None)
        adapted = float(check_scoring(fitted, scoring)(fitted, X_t, y_t))
        gain = adapted - source_only
        row = {
            "model": str(name),
            "adapted": adapted,
            "gain": gain,
            "negative_transfer": bool(gain < -tol),
            "p_value_gain": None,
            "p_value_loss": None,
            "verdict": None,
            "p_value_vs_target_only": None,
        }
        if testable:
            a_rows = _per_row_scores(y_t, fitted.predict(X_t), classification)
            boot = _paired_bootstrap(
                a_rows, so_rows, y_t, classification, n_bootstrap, rng
            )
            row["p_value_gain"], row["p_value_loss"], row["verdict"] = _verdict(
                boot, alpha
            )
            if to_rows is not None:
                boot_t = _paired_bootstrap(
                    a_rows, to_rows, y_t, classification, n_bootstrap, rng
                )
                row["p_value_vs_target_only"] = _verdict(boot_t, alpha)[0]
        rows.append(row)
    return TransferReport(
        rows,
        source_only=source_only,
        target_only=target_only,
        scoring=scoring_name,
        n_source=int(source.size),
        n_target_eval=int(target.size),
    )
