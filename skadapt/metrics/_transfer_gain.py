"""Will transfer from one source help the target? An estimate and a verdict."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import Bunch, check_random_state

from .._base import labelled_mask
from .._core import (
    COVERAGE_WARN,
    DEFAULT_MAX_WEIGHT,
    cap_weights,
    cross_fitted_domain_odds,
    effective_sample_size,
    support_coverage,
)
from ..utils._docstrings import FRAGMENTS, Substitution
from ..utils._sklearn import HasMethods, Interval, validate_params
from ._distances import proxy_a_distance
from ._mmd import _check_two_samples, mmd_squared

__all__ = ["predict_transfer_gain", "transfer_verdict"]

VERDICTS = ("positive", "negative", "uncertain", "unreliable")


@validate_params(
    {
        "gain": [Real],
        "stderr": [Interval(Real, 0, None, closed="left")],
        "margin": [Interval(Real, 0, None, closed="left")],
        "z": [Interval(Real, 0, None, closed="left")],
        "target_coverage": [Interval(Real, 0, 1, closed="both"), None],
    },
    prefer_skip_nested_validation=True,
)
def transfer_verdict(gain, stderr=0.0, *, margin=0.0, z=1.96, target_coverage=None):
    r"""The negative-transfer rule: a verdict on an estimated gain, and why.

    A pure function of the evidence, so that every part of skadapt that must
    decide whether to transfer (this module's :func:`predict_transfer_gain`, and
    a guard choosing between an adapted model and source-only) applies the same
    rule to the same numbers.

    Parameters
    ----------
    gain : float
        Estimated gain of transferring: the estimated target score of the
        transfer option minus that of the fallback (source-only accuracy minus
        what the target alone gives, or an adapted model's score minus
        source-only's).
    stderr : float, default=0.0
        Standard error of ``gain``.
    margin : float, default=0.0
        Smallest gain worth transferring for: a positive verdict needs the lower
        confidence bound above it.
    z : float, default=1.96
        Width of the confidence interval in standard errors (1.96: two-sided
        95 % under a normal approximation).
    target_coverage : float in [0, 1] or None, default=None
        Fraction of target rows inside the source support
        (:func:`skadapt.reweighting.support_coverage`), when ``gain`` comes from
        importance-weighted source rows; None when it does not (e.g. it was
        measured on labelled target rows).

    Returns
    -------
    verdict : {"positive", "negative", "uncertain", "unreliable"}
        ``"positive"``: transfer helps by more than ``margin``; ``"negative"``:
        transfer hurts (negative transfer likely); ``"uncertain"``: the evidence
        decides neither; ``"unreliable"``: the estimate cannot be trusted. A
        guard keeps the fallback unless the verdict is ``"positive"``.
    reason : str
        One sentence with the numbers behind the verdict.

    See Also
    --------
    predict_transfer_gain : Computes the evidence for one source.

    Notes
    -----
    With :math:`g` the gain, :math:`s` its standard error, :math:`m` the margin
    and :math:`c` the coverage:

    1. ``"unreliable"`` if :math:`c < 0.5`: an importance-weighted estimate only
       reweights the source rows it has, so it says nothing about target rows
       outside their support. The threshold is the one of skadapt's weighters'
       overlap warning (about 0.95 of target rows are covered without shift; on
       Auto, Europe/Japan to USA covered 0.27-0.31 and every weighting raised the
       error, against 0.69-0.94 where weighting helped).
    2. ``"positive"`` if :math:`g - z s > m`.
    3. ``"negative"`` if :math:`g + z s < 0`.
    4. ``"uncertain"`` otherwise.

    Examples
    --------
    >>> from skadapt.metrics import transfer_verdict
    >>> transfer_verdict(0.10, 0.02)[0]
    'positive'
    >>> transfer_verdict(-0.10, 0.02)[0]
    'negative'
    >>> transfer_verdict(0.01, 0.02)[0]
    'uncertain'
    >>> transfer_verdict(0.10, 0.02, target_coverage=0.2)[0]
    'unreliable'
    """
    lo, hi = gain - z * stderr, gain + z * stderr
    if target_coverage is not None and target_coverage < COVERAGE_WARN:
        return "unreliable", (
            f"only {target_coverage:.0%} of the target rows lie inside the support "
            f"of the source rows (below {COVERAGE_WARN:.0%}): an importance-weighted "
            "estimate cannot speak for the others"
        )
    interval = f"gain {gain:+.3f}, {z:g}-standard-error interval [{lo:+.3f}, {hi:+.3f}]"
    if lo > margin:
        return "positive", f"{interval} lies above the margin {margin:g}"
    if hi < 0:
        return "negative", f"{interval} lies below 0: transfer is likely to hurt"
    return (
        "uncertain",
        f"{interval} neither clears the margin {margin:g} nor lies below 0",
    )


def _default_estimator():
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))


def _folds(y, n_folds, seed):
    _, counts = np.unique(y, return_counts=True)
    k = min(n_folds, int(counts.min()))
    if counts.size < 2 or k < 2:
        return None
    return StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)


@Substitution(**FRAGMENTS)
@validate_params(
    {
        "X_source": ["array-like"],
        "y_source": ["array-like"],
        "X_target": ["array-like"],
        "y_target": ["array-like", None],
        "estimator": [HasMethods(["fit", "predict"]), None],
        "max_weight": [Interval(Real, 1, None, closed="left"), None],
        "margin": [Interval(Real, 0, None, closed="left")],
        "n_folds": [Interval(Integral, 2, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=False,
)
def predict_transfer_gain(
    X_source,
    y_source,
    X_target,
    y_target=None,
    *,
    estimator=None,
    max_weight=DEFAULT_MAX_WEIGHT,
    margin=0.0,
    n_folds=5,
    random_state=None,
):
    r"""Estimate whether a source model will help on the target, and say why.

    The source-only model's target accuracy is estimated, without target labels,
    by importance weighting: its cross-validated correctness on the source rows,
    each weighted by the density ratio :math:`p_t(x) / p_s(x)` of a cross-fitted
    domain classifier [1]_. With labelled target rows, its accuracy on them is
    measured instead. The gain is that accuracy minus what the target gives
    without transfer: chance (:math:`1/K`) without target labels, the
    cross-validated accuracy of the same estimator fitted on the labelled target
    rows alone otherwise. :func:`transfer_verdict` turns the gain and its
    standard error into a verdict; shift metrics come along.

    Parameters
    ----------
    X_source : array-like of shape (n_source, n_features)
        Source rows.
    y_source : array-like of shape (n_source,)
        Source labels (all known).
    X_target : array-like of shape (n_target, n_features)
        Target rows.
    y_target : array-like of shape (n_target,), default=None
        Target labels, ``-1`` where unknown; None when none is known.
    estimator : classifier, default=None
        The source-only model (a clone is fitted); standardisation then
        ``LogisticRegression`` when None.
    max_weight : float or None, default=5.0
        Largest importance weight, weights having mean 1 (skadapt's cap).
    margin : float, default=0.0
        Passed to :func:`transfer_verdict`.
    n_folds : int, default=5
        Folds of every cross-validation (fewer when a class has fewer rows).
    random_state : int, RandomState instance or None, default=None
        Seeds the folds and the coverage subsample.

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        ``source_accuracy`` (cross-validated on the source rows),
        ``iw_accuracy`` and ``iw_stderr`` (importance-weighted estimate of the
        target accuracy), ``ess_fraction`` (effective sample size of the weights
        over the number of source rows), ``target_coverage``,
        ``n_target_labelled``, ``target_accuracy`` (on labelled target rows, or
        None), ``reference`` (``"chance"`` or ``"target-only"``) and
        ``reference_accuracy``, ``estimate`` (``"importance-weighted"`` or
        ``"target labels"``: which accuracy the gain uses),
        ``expected_accuracy``, ``gain``, ``gain_stderr``, the shift metrics
        ``mmd`` and ``proxy_a_distance``, ``verdict``, ``reason`` and
        ``negative_transfer`` (the verdict is ``"negative"``).

    See Also
    --------
    transfer_verdict : The rule.
    rank_sources : Compare several sources.

    Notes
    -----
    Without target labels the estimate assumes covariate shift: the labelling
    rule :math:`p(y \mid x)` is the same in both domains. A source whose classes
    mean something else on the target (concept shift) or whose class balance
    differs (label shift) looks as good as its weighted source accuracy; only
    labelled target rows reveal it. With weights :math:`w_i` (mean 1, capped)
    and :math:`c_i` the cross-validated correctness of source row :math:`i`,

    .. math::

        \hat a = \frac{\sum_i w_i c_i}{\sum_i w_i}, \qquad
        \widehat{\mathrm{se}} = \frac{\sqrt{\sum_i w_i^2 (c_i - \hat a)^2}}
        {\sum_i w_i}.

    With labelled target rows the gain is the mean of the paired differences
    between the source model's correctness and the target-only model's
    cross-validated correctness on those rows, with their standard error.

    References
    ----------
    .. [1] %(sugiyama_2007)s

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt.metrics import predict_transfer_gain
    >>> rng = np.random.RandomState(0)
    >>> Xs = rng.normal(size=(300, 2))
    >>> Xt = rng.normal(size=(300, 2)) + [0.5, 0.0]
    >>> ys, yt = (Xs[:, 0] > 0).astype(int), (Xt[:, 0] > 0).astype(int)
    >>> res = predict_transfer_gain(Xs, ys, Xt, random_state=0)
    >>> res.verdict, res.reference, bool(abs(res.iw_accuracy - 0.99) < 0.03)
    ('positive', 'chance', True)
    >>> flipped = np.full(300, -1)
    >>> flipped[:30] = 1 - yt[:30]  # the target's classes mean the opposite
    >>> predict_transfer_gain(Xs, ys, Xt, flipped, random_state=0).verdict
    'negative'
    """
    Xs, Xt = _check_two_samples(X_source, X_target)
    ys = np.asarray(y_source)
    if ys.ndim != 1 or ys.shape[0] != Xs.shape[0]:
        raise ValueError(
            f"y_source must hold one label per source row: X_source has "
            f"{Xs.shape[0]} rows, y_source has shape {ys.shape}."
        )
    classes = np.unique(ys)
    if classes.size < 2:
        raise ValueError(
            f"y_source holds one class only ({classes[0]!r}); a source model needs "
            "at least two classes."
        )
    rng = check_random_state(random_state)
    seed = rng.randint(np.iinfo(np.int32).max)
    est = _default_estimator() if estimator is None else estimator
    n_s = Xs.shape[0]

    folds = _folds(ys, n_folds, seed)
    if folds is None:
        raise ValueError(
            "predict_transfer_gain needs at least 2 source rows of every class to "
            "cross-validate the source model."
        )
    correct = (cross_val_predict(clone(est), Xs, ys, cv=folds) == ys).astype(float)
    ratio = cross_fitted_domain_odds(Xs, Xt, cv=n_folds, random_state=seed)[0]
    w = cap_weights(ratio, max_weight)[0]
    iw_acc = float(w @ correct / w.sum())
    iw_se = float(np.sqrt(np.sum(w**2 * (correct - iw_acc) ** 2)) / w.sum())
    coverage = support_coverage(Xs, Xt, random_state=seed)

    model = clone(est).fit(Xs, ys)
    n_lab, target_acc = 0, None
    if y_target is not None:
        yt = np.asarray(y_target)
        if yt.shape[0] != Xt.shape[0]:
            raise ValueError(
                f"X_target has {Xt.shape[0]} rows but y_target has {yt.shape[0]}."
            )
        lab = labelled_mask(yt)
        n_lab = int(lab.sum())
    if n_lab:
        X_lab, y_lab = Xt[lab], yt[lab]
        src_correct = (model.predict(X_lab) == y_lab).astype(float)
        target_acc = float(src_correct.mean())
        t_folds = _folds(y_lab, n_folds, seed)
        if t_folds is not None:
            ref_correct = (
                cross_val_predict(clone(est), X_lab, y_lab, cv=t_folds) == y_lab
            ).astype(float)
            reference = "target-only"
        else:  # one labelled class, or one row of a class: no target-only model
            ref_correct = np.full(n_lab, 1.0 / classes.size)
            reference = "chance"
        diff = src_correct - ref_correct
        gain = float(diff.mean())
        gain_se = float(diff.std(ddof=1) / np.sqrt(n_lab)) if n_lab > 1 else np.inf
        ref_acc = float(ref_correct.mean())
        estimate, expected = "target labels", target_acc
        verdict, reason = transfer_verdict(gain, min(gain_se, 1e300), margin=margin)
    else:
        reference, ref_acc = "chance", 1.0 / classes.size
        gain, gain_se = iw_acc - ref_acc, iw_se
        estimate, expected = "importance-weighted", iw_acc
        verdict, reason = transfer_verdict(
            gain, gain_se, margin=margin, target_coverage=coverage
        )
    return Bunch(
        source_accuracy=float(correct.mean()),
        iw_accuracy=iw_acc,
        iw_stderr=iw_se,
        ess_fraction=effective_sample_size(w) / n_s,
        target_coverage=coverage,
        n_target_labelled=n_lab,
        target_accuracy=target_acc,
        reference=reference,
        reference_accuracy=ref_acc,
        estimate=estimate,
        expected_accuracy=expected,
        gain=gain,
        gain_stderr=gain_se,
        mmd=mmd_squared(Xs, Xt),
        proxy_a_distance=proxy_a_distance(Xs, Xt, random_state=seed),
        verdict=verdict,
        reason=reason,
        negative_transfer=verdict == "negative",
    )
