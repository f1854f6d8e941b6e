"""Row selection and source-model checks shared by the transfer estimators."""

import warnings

import numpy as np
from sklearn.base import is_regressor
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_consistent_length, check_is_fitted

from .._base import (
    SAMPLE_DOMAIN_HOW,
    check_masked_y,
    domains_and_labels,
    labelled_mask,
)
from ..utils._sklearn import _check_sample_weight, _safe_indexing


class _Rows:
    """Which rows a transfer estimator learns from.

    Attributes are boolean masks over the rows of ``X``: ``source`` (labelled source
    rows), ``target`` (labelled target rows) and ``any_target`` (every target row,
    labelled or not).
    """

    def __init__(self, source, target, any_target):
        self.source = source
        self.target = target
        self.any_target = any_target


def _split_rows(X, y, sample_domain, caller, *, source_given=False, regression=None):
    """Labelled source and labelled target rows of ``X, y``.

    When ``source_given`` (the source model comes from ``source_estimator``) and
    ``sample_domain`` is None, every labelled row is a target row: the user passed
    only target data. Otherwise the domains follow ``sample_domain`` (or are inferred
    from the masked labels).
    """
    check_consistent_length(X, y)
    n = y.shape[0]
    if source_given and sample_domain is None:
        sd = np.full(n, -1, dtype=np.int64)
        known = labelled_mask(y, regression=regression)
    else:
        sd, known = domains_and_labels(sample_domain, y, n, regression=regression)
    rows = _Rows(known & (sd > 0), known & (sd < 0), sd < 0)
    if not known.any() and not source_given:
        raise ValueError(
            f"{caller}: every label in y is masked (-1 or NaN); there are no "
            "labelled rows to fit on. Give labelled source rows or a fitted "
            "source_estimator."
        )
    return rows


def _warn_unlabelled_target(caller):
    warnings.warn(
        f"{caller}: no labelled target rows (labelled rows with sample_domain <= "
        "-1) were given, so the model is the source model unchanged. Labelled "
        "target rows look like source rows unless sample_domain says otherwise; "
        f"{SAMPLE_DOMAIN_HOW}.",
        UserWarning,
        stacklevel=3,
    )


def _weights(sample_weight, X):
    if sample_weight is None:
        return None
    return _check_sample_weight(sample_weight, X, dtype=np.float64)


def _split_for(estimator, X, y, sample_weight, sample_domain, caller):
    """``(y, rows, sample_weight)`` for a meta-estimator wrapping ``estimator``.

    ``y`` is checked (one or several outputs), the rows are split by
    :func:`_split_rows` (labels masked as ``NaN`` for a regressor, ``-1`` for a
    classifier) and the weights validated (None stays None). ``X`` is only
    checked for its length: it goes to the wrapped estimator as it is.
    """
    y = check_masked_y(y, caller, multi_output=True)
    rows = _split_rows(X, y, sample_domain, caller, regression=is_regressor(estimator))
    sample_weight = _weights(sample_weight, np.empty((y.shape[0], 0)))
    return y, rows, sample_weight


def _take(X, mask):
    """The rows ``mask`` of ``X`` (any array-like), or ``X`` itself when all are."""
    return X if mask.all() else _safe_indexing(X, mask)


def _check_source_fitted(estimator, caller, remedy, what):
    """Raise a clear error unless the given ``source_estimator`` is fitted.

    ``remedy`` ends the message of the :class:`NotFittedError`; ``what`` names
    the kind of estimator expected when ``estimator`` is not one at all.
    """
    try:
        check_is_fitted(estimator)
    except NotFittedError as exc:
        raise NotFittedError(
            f"{caller}: source_estimator {type(estimator).__name__} is not fitted; "
            + remedy
        ) from exc
    except TypeError as exc:
        raise TypeError(
            f"{caller}: source_estimator must be a fitted {what}, got {estimator!r}."
        ) from exc


def _source_linear_params(estimator, n_features, caller):
    """``(coef, intercept)`` of a fitted linear model, as 2-d / 1-d float64 arrays.

    Raises a clear error when the estimator is not fitted, is not linear (has no
    ``coef_``/``intercept_``) or was fitted on another number of features.
    """
    name = type(estimator).__name__
    _check_source_fitted(
        estimator,
        caller,
        "fit it on the source data first, or leave source_estimator=None to learn "
        "the source model from the source rows.",
        "scikit-learn linear model",
    )
    if not (hasattr(estimator, "coef_") and hasattr(estimator, "intercept_")):
        raise TypeError(
            f"{caller}: source_estimator {name} is not a linear model (it has no "
            "coef_ and intercept_); give a fitted linear model such as Ridge or "
            "LogisticRegression."
        )
    coef = estimator.coef_
    if hasattr(coef, "toarray"):
        coef = coef.toarray()
    coef = np.atleast_2d(np.asarray(coef, dtype=np.float64))
    if coef.ndim != 2 or coef.shape[1] != n_features:
        raise ValueError(
            f"{caller}: source_estimator {name} was fitted on {coef.shape[-1]} "
            f"features but X has {n_features} features."
        )
    intercept = np.asarray(estimator.intercept_, dtype=np.float64).reshape(-1)
    if intercept.size == 1 and coef.shape[0] > 1:
        intercept = np.full(coef.shape[0], intercept[0])
    if intercept.size != coef.shape[0]:
        raise ValueError(
            f"{caller}: source_estimator {name} has {coef.shape[0]} coefficient "
            f"rows but {intercept.size} intercepts."
        )
    return coef, intercept
