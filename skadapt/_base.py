"""The domain data contract shared by every skadapt estimator.

All rows travel in one ``X``. ``y`` marks rows whose label is unknown (``-1`` for
classification, ``NaN`` for regression) and the optional integer array
``sample_domain`` says which domain each row comes from: ids ``>= 1`` are source
domains, ids ``<= -1`` are target domains, ``0`` is not a valid id. When
``sample_domain`` is not given it is inferred from ``y``: labelled rows are source
(``1``) and masked rows are target (``-1``). At ``predict``/``transform`` time
without ``sample_domain`` every row is a target row.
"""

import inspect
import numbers
import warnings

import numpy as np
from sklearn.base import TransformerMixin
from sklearn.utils import check_array
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from .exceptions import AmbiguousLabelWarning, DegenerateFitWarning

__all__ = [
    "DATransformerMixin",
    "DomainMixin",
    "check_sample_domain",
    "domains_and_labels",
    "labelled_mask",
    "pack_domains",
    "unpack_domains",
]

# Methods whose metadata request skadapt sets for ``sample_domain`` when the method
# accepts it (the simple methods of scikit-learn's metadata routing): requested by
# the fit-time methods, not requested (False) by the prediction-time ones, so that
# a search scores the deployed model, every row a target row, with routing on and
# off alike.
_ROUTED_METHODS = (
    "fit",
    "partial_fit",
    "predict",
    "predict_proba",
    "predict_log_proba",
    "decision_function",
    "score",
    "split",
    "transform",
    "inverse_transform",
)
_FIT_METHODS = ("fit", "partial_fit", "split")


_STRING_MASKS = ("-1", "")


def _object_masked(values):
    """Mask of an object array: ``None``, ``NaN``, ``-1``, ``"-1"`` or ``""``."""
    return np.fromiter(
        (
            v is None
            or (isinstance(v, str) and v in _STRING_MASKS)
            or (
                isinstance(v, numbers.Real)
                and not isinstance(v, bool)
                and (v == -1 or v != v)
            )
            for v in values
        ),
        dtype=bool,
        count=values.size,
    )


def _object_missing(values):
    """``None`` or ``NaN`` entries of an object array (never a class label)."""
    return np.fromiter(
        (v is None or (isinstance(v, numbers.Real) and v != v) for v in values),
        dtype=bool,
        count=values.size,
    )


def labelled_mask(y, sample_domain=None, *, regression=None):
    """Tell which rows of ``y`` carry a known label.

    This is the one implementation of the data contract's mask rules:

    - **Source rows are labelled by definition.** With an explicit
      ``sample_domain``, the label of a row with a source id (``>= 1``) is always a
      class or a value, never a mask; ``NaN`` or ``None`` there is an error.
    - The label of any other row is unknown when it holds the mask: ``NaN`` only
      for a regressor (``regression=True``) and for a float ``y`` that holds a
      ``NaN``; ``-1`` for integer ``y`` and for a float ``y`` of whole numbers;
      ``None``, ``NaN``, ``-1``, ``"-1"`` or ``""`` for string or object ``y``.

    For a two-dimensional ``y`` a row is labelled only when every output is known.
    The input is never modified.

    Parameters
    ----------
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Labels, with unknown ones masked.
    sample_domain : array-like of shape (n_samples,), default=None
        Domain ids (``>= 1`` source, ``<= -1`` target). When given, source rows are
        labelled whatever their label.
    regression : bool or None, default=None
        ``True`` when ``y`` holds regression targets (only ``NaN`` masks),
        ``False`` for class labels, ``None`` when the caller cannot tell (a
        transformer): as ``False``, with an
        :class:`~skadapt.exceptions.AmbiguousLabelWarning` for a float ``y`` of
        whole numbers that holds ``-1.0`` and no ``NaN``.

    Returns
    -------
    mask : ndarray of shape (n_samples,), dtype=bool
        ``True`` where the row's label is known.

    Raises
    ------
    ValueError
        If a source row (explicit ``sample_domain >= 1``) has a ``NaN`` or
        ``None`` label, or ``sample_domain`` does not match ``y``.

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt.utils import labelled_mask
    >>> labelled_mask(np.array([0, 1, -1, 2]))
    array([ True,  True, False,  True])
    >>> labelled_mask(np.array([0.5, np.nan, 2.0]))
    array([ True, False,  True])

    With ``sample_domain``, ``-1`` on a source row is a class (unknown target
    labels are then ``NaN`` in a float ``y``):

    >>> labelled_mask(np.array([-1, 1, np.nan]), sample_domain=[1, 1, -1])
    array([ True,  True, False])
    >>> labelled_mask(np.array(["neg", "pos", ""]))
    array([ True,  True, False])
    """
    y = np.asarray(y)
    if y.ndim == 0:
        raise ValueError("y must be an array of labels, got a scalar.")
    kind = y.dtype.kind
    missing = None  # entries that can never be a label (NaN / None)
    sentinel = None  # entries masked by a value that could also be a class
    if kind == "f":
        nan = np.isnan(y)
        missing = nan
        if nan.any() or regression:
            masked = nan
        elif np.all(y == np.round(y)):
            masked = sentinel = y == -1
            if regression is None and masked.any():
                warnings.warn(
                    "y is a float array of whole numbers with -1.0 and no NaN: -1.0 "
                    "is read as the mask of an unknown label. If y holds regression "
                    "targets, mask unknown ones with NaN (then -1.0 is a value); if "
                    "-1 is a class, pass sample_domain.",
                    AmbiguousLabelWarning,
                    stacklevel=2,
                )
        else:
            masked = np.zeros(y.shape, dtype=bool)
    elif kind in "iu":
        if regression:
            masked = np.zeros(y.shape, dtype=bool)
        else:
            masked = sentinel = y == -1
    elif kind == "O":
        flat = y.ravel()
        missing = _object_missing(flat).reshape(y.shape)
        if regression:
            masked = missing
        else:
            masked = _object_masked(flat).reshape(y.shape)
            sentinel = masked & ~missing
    elif kind in "US":
        masked = sentinel = np.isin(y, np.asarray(_STRING_MASKS, dtype=y.dtype))
    else:
        masked = np.zeros(y.shape, dtype=bool)
    if masked.ndim == 2:
        masked = masked.any(axis=1)
        missing = None if missing is None else missing.any(axis=1)
        sentinel = None if sentinel is None else sentinel.any(axis=1)
    if sample_domain is not None:
        sd = np.asarray(sample_domain)
        if sd.shape[0] != masked.shape[0]:
            raise ValueError(
                f"sample_domain has {sd.shape[0]} entries but y has "
                f"{masked.shape[0]}; give one domain id and one label per row."
            )
        source = sd > 0
        if missing is not None and np.any(missing & source):
            n_bad = int(np.sum(missing & source))
            raise ValueError(
                f"{n_bad} source row(s) (sample_domain >= 1) have a NaN or None "
                "label. Source rows are labelled by definition: drop these rows or "
                "give them a target id (sample_domain <= -1)."
            )
        if (
            sentinel is not None
            and np.any(sentinel & source)
            and np.any(sentinel & ~source)
        ):
            raise ValueError(
                "The mask value of an unknown label (-1, '-1' or '') is a class of "
                f"{int(np.sum(sentinel & source))} source row(s) and also stands "
                f"on {int(np.sum(sentinel & ~source))} target row(s), where it "
                "cannot be both a class and 'unknown'. Mask the unknown target "
                "labels with NaN in a float y (then -1 is a class everywhere), or "
                "None in an object y, or recode the classes (e.g. {-1, +1} to "
                "{0, 1})."
            )
        masked = masked & ~source
    return ~masked


def check_sample_domain(
    sample_domain, y=None, n_samples=None, *, predict=False, regression=None
):
    """Validate ``sample_domain``, or infer it from the masked labels in ``y``.

    Parameters
    ----------
    sample_domain : array-like of shape (n_samples,) or None
        Domain id of each row: ``>= 1`` for source domains, ``<= -1`` for target
        domains.
    y : array-like of shape (n_samples,) or None, default=None
        Labels with unknown ones masked (see :func:`labelled_mask`). Used to infer
        the domains when ``sample_domain`` is None.
    n_samples : int, default=None
        Number of rows of ``X``; the length ``sample_domain`` must have.
    predict : bool, default=False
        When True and ``sample_domain`` is None, every row is a target row (``-1``),
        the convention at prediction time.
    regression : bool or None, default=None
        Whether ``y`` holds regression targets, for the mask rules of
        :func:`labelled_mask` (only ``NaN`` masks a regression target).

    Returns
    -------
    sample_domain : ndarray of shape (n_samples,), dtype=int64
        A validated copy; the caller's array is never modified.

    Raises
    ------
    ValueError
        If ``sample_domain`` is not one-dimensional, has the wrong length, holds
        non-integer or non-finite values, or holds the id ``0``.

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt.utils import check_sample_domain
    >>> check_sample_domain(None, y=np.array([0, 1, -1]))
    array([ 1,  1, -1])
    >>> check_sample_domain([2, 1, -1], n_samples=3)
    array([ 2,  1, -1])
    """
    if sample_domain is None:
        if predict or y is None:
            if n_samples is None:
                if y is None:
                    raise ValueError("Give n_samples or y to infer sample_domain.")
                n_samples = len(y)
            fill = -1 if predict else 1
            return np.full(n_samples, fill, dtype=np.int64)
        mask = labelled_mask(y, regression=regression)
        if n_samples is not None and mask.shape[0] != n_samples:
            raise ValueError(f"y has {mask.shape[0]} rows but X has {n_samples} rows.")
        sd = np.where(mask, 1, -1).astype(np.int64)
        _warn_single_row_targets(sd)
        return sd

    sd = np.asarray(sample_domain)
    if sd.ndim != 1:
        raise ValueError(
            "sample_domain must be a one-dimensional array of domain ids, got an "
            f"array of shape {sd.shape}."
        )
    if n_samples is not None and sd.shape[0] != n_samples:
        raise ValueError(
            f"sample_domain has {sd.shape[0]} entries but X has {n_samples} rows; "
            "give one domain id per row."
        )
    if sd.dtype.kind == "b" or sd.dtype.kind not in "iuf":
        raise ValueError(
            "sample_domain must hold integer domain ids (>= 1 source, <= -1 "
            f"target), got dtype {sd.dtype}."
        )
    if sd.dtype.kind == "f":
        if not np.all(np.isfinite(sd)):
            raise ValueError("sample_domain contains NaN or infinity.")
        if not np.all(sd == np.round(sd)):
            raise ValueError(
                "sample_domain must hold integer domain ids, got non-integer values."
            )
    if y is not None and np.shape(y)[0] != sd.shape[0]:
        raise ValueError(
            f"y has {np.shape(y)[0]} rows but sample_domain has {sd.shape[0]} "
            "entries; give one label and one domain id per row of X."
        )
    sd = sd.astype(np.int64, copy=True)
    if sd.size and not np.all(sd):
        raise ValueError(
            "sample_domain contains the id 0; source domains have ids >= 1 and "
            "target domains ids <= -1."
        )
    if not predict:
        _warn_single_row_targets(sd)
    return sd


def _warn_single_row_targets(sd):
    """Warn when a target domain has a single row: its statistics rest on it."""
    ids, counts = np.unique(sd[sd < 0], return_counts=True)
    single = ids[counts == 1]
    if single.size and sd.size > 1:
        warnings.warn(
            f"target domain(s) {single.tolist()} have a single row: every statistic "
            "of that domain (its mean, covariance, kernel mean, density) rests on "
            "one row, so the adaptation is mostly noise. Give more target rows, or "
            "pool small target domains into one id.",
            DegenerateFitWarning,
            stacklevel=3,
        )


def domains_and_labels(sample_domain, y, n_samples=None, *, regression=None):
    """Domain ids and the labelled mask of a fit, by the data contract's rules.

    The single entry point for estimators that need both: ``sample_domain`` is
    validated (or inferred from the masked labels) and the mask of known labels
    treats source rows as labelled by definition when ``sample_domain`` is given.

    Parameters
    ----------
    sample_domain : array-like of shape (n_samples,) or None
        Domain ids, or None to infer them from ``y``.
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Labels with unknown target labels masked.
    n_samples : int, default=None
        Number of rows of ``X``.
    regression : bool or None, default=None
        Whether ``y`` holds regression targets (see :func:`labelled_mask`).

    Returns
    -------
    sample_domain : ndarray of shape (n_samples,), dtype=int64
        Validated or inferred domain ids.
    known : ndarray of shape (n_samples,), dtype=bool
        Rows whose label is known.

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt.utils import domains_and_labels
    >>> sd, known = domains_and_labels([1, 1, -1], np.array([0, 1, -1]))
    >>> sd, known
    (array([ 1,  1, -1]), array([ True,  True, False]))
    """
    sd = check_sample_domain(sample_domain, y, n_samples, regression=regression)
    if y is None:
        return sd, np.ones(sd.shape[0], dtype=bool)
    known = labelled_mask(
        y, None if sample_domain is None else sd, regression=regression
    )
    return sd, known


# How a user passes sample_domain to one step, in both routing modes.
SAMPLE_DOMAIN_HOW = (
    "pass sample_domain: directly (est.fit(X, y, sample_domain=sd)); in a Pipeline "
    "with metadata routing on (sklearn.set_config(enable_metadata_routing=True)) "
    "as pipe.fit(X, y, sample_domain=sd); with routing off as a step parameter, "
    "pipe.fit(X, y, <step>__sample_domain=sd) for each skadapt step"
)


def check_masked_y(y, caller, *, multi_output=False):
    """Validate ``y`` as given to a fit, its masks (``-1``, ``NaN``, ...) kept.

    A column vector is ravelled with scikit-learn's DataConversionWarning unless
    ``multi_output``; ``y`` is never modified (``check_array`` copies only when it
    converts).
    """
    from sklearn.exceptions import DataConversionWarning

    if y is None:
        raise ValueError(
            f"{caller} requires y to be passed, but the target y is None; give y "
            "with unknown labels masked (-1 or NaN)."
        )
    y = check_array(
        y, ensure_2d=False, dtype=None, ensure_all_finite=False, input_name="y"
    )
    if y.ndim == 2 and y.shape[1] == 1 and not multi_output:
        warnings.warn(
            "A column-vector y was passed when a 1d array was expected. Please "
            "change the shape of y to (n_samples,), for example using ravel().",
            DataConversionWarning,
            stacklevel=3,
        )
        y = y.ravel()
    if y.ndim == 2 and not multi_output:
        raise ValueError(
            f"{caller} takes a one-dimensional y, got an array of shape {y.shape}."
        )
    if y.ndim > 2:
        raise ValueError(f"y must be 1- or 2-dimensional, got shape {y.shape}.")
    return y


def labelled_scorer(estimator, scoring=None):
    """A scorer of ``estimator`` for rows the caller knows to be labelled.

    Like :func:`sklearn.metrics.check_scoring`, but ``scoring=None`` means the
    estimator's default metric computed from its predictions (accuracy for a
    classifier, R^2 otherwise) rather than its ``score`` method: skadapt's
    ``score`` methods read mask values in ``y`` (and a float ``y`` of whole
    numbers holding -1.0 is ambiguous there), while these rows are labelled by
    construction, so a -1 among them is a class.
    """
    from sklearn.base import is_classifier
    from sklearn.metrics import check_scoring

    if scoring is None:
        scoring = "accuracy" if is_classifier(estimator) else "r2"
    return check_scoring(estimator, scoring)


def labelled_row_scores(estimator, X, y):
    """Each row's share of ``labelled_scorer(estimator)``: its mean is the score.

    Accuracy is the mean of the rows' hits; R^2 is the mean of
    ``1 - e_i^2 / var(y)`` over the rows (``e_i`` the residuals, ``var`` the
    population variance of ``y``), so paired differences of these rows between
    two models on the same rows have the difference of the scores as their mean.
    A constant ``y`` (R^2 undefined as a ratio) gives every row the score itself;
    a two-dimensional ``y`` (R^2 averaged over outputs) gives None.
    """
    from sklearn.base import is_classifier

    y = np.asarray(y)
    pred = np.asarray(estimator.predict(X))
    if is_classifier(estimator):
        return (pred == y).astype(np.float64)
    if y.ndim != 1:
        return None
    err = (pred.astype(np.float64) - y.astype(np.float64)) ** 2
    var = np.var(y.astype(np.float64))
    if not var > 0:
        score = labelled_scorer(estimator)(estimator, X, y)
        return np.full(err.shape[0], float(score))
    return 1.0 - err / var


def _check_not_one_class(y_known, mask, caller):
    """A clear error when masking left a classifier one class (e.g. {-1, +1})."""
    classes = np.unique(y_known)
    if classes.size != 1 or mask.all():
        return
    only = np.asarray(classes[0]).item()
    raise ValueError(
        f"{caller}: the labelled rows hold a single class ({only!r}); the "
        f"{int(np.sum(~mask))} other rows carry the mask of an unknown label (-1, "
        "NaN, None, '-1' or '') and were read as unlabelled target rows. If that "
        "value is a real class (labels {-1, +1}), pass sample_domain (source rows "
        "are labelled by definition) or recode the labels, e.g. to {0, 1}."
    )


def _check_domains(sd, *, need_source=False, need_target=False, caller="estimator"):
    """Raise a clear error when a domain an estimator needs has no rows."""
    if need_source and not np.any(sd > 0):
        raise ValueError(
            f"{caller} needs source rows (sample_domain >= 1) but none were given."
        )
    if need_target and not np.any(sd < 0):
        raise ValueError(
            f"{caller} needs target rows (sample_domain <= -1) but none were given; "
            "mask the target labels (-1 or NaN) or pass sample_domain."
        )


def _fit_domains(sample_domain, y, n_samples, caller):
    """Domains for ``fit`` of a method that needs a source and a target domain.

    Validates or infers ``sample_domain``. An explicit ``sample_domain`` lacking a
    source or a target row is an error; inferred domains may hold one domain only,
    in which case the estimator falls back to its non-adaptive baseline.
    """
    sd = check_sample_domain(sample_domain, y, n_samples)
    if sample_domain is not None:
        _check_domains(sd, need_source=True, need_target=True, caller=caller)
    return sd


def check_classifier_fit(est, X, y, sample_domain):
    """Labels and domains of a domain-adaptation classifier's ``fit``.

    ``X`` is validated by the caller. ``y`` keeps its masks (``-1``, ``NaN``,
    ``None``: :func:`domains_and_labels` reads them); an explicit
    ``sample_domain`` needs a source and a target row. Sets ``est.classes_`` to
    the known classes and returns ``(y, sample_domain, known)``.
    """
    from sklearn.utils.multiclass import check_classification_targets
    from sklearn.utils.validation import check_consistent_length, column_or_1d

    name = type(est).__name__
    y = column_or_1d(y, warn=True)
    check_consistent_length(X, y)
    sd = _fit_domains(sample_domain, y, X.shape[0], name)
    _, known = domains_and_labels(sd, y, X.shape[0], regression=False)
    if not known.any():
        raise ValueError(f"{name} needs labelled rows; every label is masked.")
    check_classification_targets(y[known])
    est.classes_ = np.unique(y[known])
    return y, sd, known


def _prediction_domain(params, estimator):
    """``sample_domain`` of a prediction-time call taking ``**params``.

    Transformers take ``sample_domain`` at ``transform`` time through ``**params``
    so that it has no metadata request: a search never routes it there (the
    deployed model is scored the same way with routing on and off), and
    ``fit_transform``'s composed request stays that of ``fit``.
    """
    sample_domain = params.pop("sample_domain", None)
    if params:
        raise TypeError(
            f"{type(estimator).__name__}.transform got unexpected keyword "
            f"argument(s) {sorted(params)}; it accepts sample_domain only."
        )
    return sample_domain


def pack_domains(Xs, ys, Xt, yt=None):
    """Pack source and target data into one ``X, y, sample_domain``.

    Parameters
    ----------
    Xs : array-like of shape (n_source, n_features) or list of such arrays
        Source rows; a list gives several sources, with ids ``1, 2, ...``.
    ys : array-like of shape (n_source,) or list of such arrays
        Source labels, one array per source.
    Xt : array-like of shape (n_target, n_features) or list of such arrays
        Target rows; a list gives several targets, with ids ``-1, -2, ...``.
    yt : array-like of shape (n_target,), list of such arrays, or None, default=None
        Target labels. When None they are masked: ``-1`` when the source labels are
        integers, ``NaN`` otherwise. When given (semi-supervised adaptation, or
        evaluation) they are kept and the rows stay target rows through
        ``sample_domain``.

    Returns
    -------
    X : ndarray of shape (n_source + n_target, n_features)
        Source rows first, then target rows.
    y : ndarray of shape (n_source + n_target,)
        Labels, with target labels masked when ``yt`` is None.
    sample_domain : ndarray of shape (n_source + n_target,), dtype=int64
        Domain ids.

    See Also
    --------
    unpack_domains : The inverse operation.

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt import pack_domains
    >>> X, y, sd = pack_domains(np.zeros((2, 1)), [0, 1], np.ones((1, 1)))
    >>> y, sd
    (array([ 0,  1, -1]), array([ 1,  1, -1]))
    """
    Xs_list = list(Xs) if isinstance(Xs, (list, tuple)) else [Xs]
    ys_list = list(ys) if isinstance(Xs, (list, tuple)) else [ys]
    Xt_list = list(Xt) if isinstance(Xt, (list, tuple)) else [Xt]
    if yt is None:
        yt_list = [None] * len(Xt_list)
    else:
        yt_list = list(yt) if isinstance(Xt, (list, tuple)) else [yt]
    if len(Xs_list) != len(ys_list) or len(Xt_list) != len(yt_list):
        raise ValueError("Give one label array per domain.")
    if not Xs_list or not Xt_list:
        raise ValueError("pack_domains needs at least one source and one target.")

    Xs_list = [check_array(x, dtype=None, ensure_all_finite=False) for x in Xs_list]
    Xt_list = [check_array(x, dtype=None, ensure_all_finite=False) for x in Xt_list]
    n_features = {x.shape[1] for x in Xs_list + Xt_list}
    if len(n_features) > 1:
        raise ValueError(
            f"Source and target arrays have different numbers of features: "
            f"{sorted(n_features)}."
        )
    ys_list = [np.asarray(v) for v in ys_list]
    for x, v in zip(Xs_list, ys_list):
        if v.shape[0] != x.shape[0]:
            raise ValueError(
                f"A source array has {x.shape[0]} rows but its labels have "
                f"{v.shape[0]}."
            )
    y_src = np.concatenate(ys_list)
    if y_src.dtype.kind in "iub":
        fill = -1
    else:
        fill = np.nan
    yt_arrays = []
    for x, v in zip(Xt_list, yt_list):
        if v is None:
            yt_arrays.append(
                np.full(x.shape[0], fill, dtype=np.result_type(y_src, np.asarray(fill)))
            )
        else:
            v = np.asarray(v)
            if v.shape[0] != x.shape[0]:
                raise ValueError(
                    f"A target array has {x.shape[0]} rows but its labels have "
                    f"{v.shape[0]}."
                )
            yt_arrays.append(v)
    X = np.concatenate(Xs_list + Xt_list, axis=0)
    y = np.concatenate([y_src] + yt_arrays)
    sd = np.concatenate(
        [np.full(x.shape[0], i + 1, dtype=np.int64) for i, x in enumerate(Xs_list)]
        + [np.full(x.shape[0], -(i + 1), dtype=np.int64) for i, x in enumerate(Xt_list)]
    )
    return X, y, sd


def unpack_domains(X, y, sample_domain=None):
    """Split ``X, y, sample_domain`` back into source and target parts.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        All rows.
    y : array-like of shape (n_samples,)
        Labels, with unknown ones masked.
    sample_domain : array-like of shape (n_samples,), default=None
        Domain ids; inferred from ``y`` when None.

    Returns
    -------
    Xs : ndarray of shape (n_source, n_features)
        Rows of every source domain, in their original order.
    ys : ndarray of shape (n_source,)
        Their labels.
    Xt : ndarray of shape (n_target, n_features)
        Rows of every target domain.
    yt : ndarray of shape (n_target,)
        Their labels (masked where unknown).

    See Also
    --------
    pack_domains : The inverse operation.

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt import pack_domains, unpack_domains
    >>> X, y, sd = pack_domains(np.zeros((2, 1)), [0, 1], np.ones((1, 1)))
    >>> Xs, ys, Xt, yt = unpack_domains(X, y, sd)
    >>> Xs.shape, Xt.shape, yt
    ((2, 1), (1, 1), array([-1]))
    """
    X = check_array(X, dtype=None, ensure_all_finite=False)
    y = np.asarray(y)
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"y has {y.shape[0]} rows but X has {X.shape[0]} rows.")
    sd = check_sample_domain(sample_domain, y, X.shape[0])
    src, tgt = sd > 0, sd < 0
    return X[src], y[src], X[tgt], y[tgt]


def _unfitted_inner(self):
    return self.estimator


def estimator_has(attr, *, fitted="estimator_", unfitted=_unfitted_inner):
    """Check for :func:`~sklearn.utils.metaestimators.available_if`.

    A meta-estimator offers ``attr`` (``predict_proba``, ``decision_function``,
    ...) when its inner model does: once fitted, the model stored under the
    attribute named ``fitted``; before, the one ``unfitted(self)`` returns (the
    ``estimator`` parameter unless a default stands in for ``None``). With
    ``fitted=None`` only the unfitted one is read.
    """

    def check(self):
        inner = None if fitted is None else getattr(self, fitted, None)
        if inner is None:
            inner = unfitted(self)
        getattr(inner, attr)  # AttributeError hides the method
        return True

    return check


def inner_estimator_tags(tags, estimator):
    """Give a meta-estimator's ``tags`` the type of its inner ``estimator``.

    The estimator type and the classifier, regressor and target tags are those of
    the (unfitted) inner estimator; its tags are returned for the caller to take
    more from them (``input_tags``).
    """
    inner = estimator.__sklearn_tags__()
    tags.estimator_type = inner.estimator_type
    tags.classifier_tags = inner.classifier_tags
    tags.regressor_tags = inner.regressor_tags
    tags.target_tags = inner.target_tags
    return inner


def _delegated(method, summary, returns, meaning):
    """The ``method`` of :class:`PredictionDelegationMixin`, with its docstring."""

    def delegated(self, X):
        return self._delegate(method, X)

    delegated.__name__ = method
    delegated.__qualname__ = f"PredictionDelegationMixin.{method}"
    delegated.__doc__ = f"""{summary} the fitted model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to predict, each read as a target row.

        Returns
        -------
        {returns}
            {meaning}
        """
    return available_if(
        lambda self: estimator_has(method, fitted=self._delegate_to)(self)
    )(delegated)


class PredictionDelegationMixin:
    """Prediction methods answered by the fitted inner model.

    ``predict``, ``predict_proba``, ``predict_log_proba`` and
    ``decision_function``: the inner model is the attribute named by
    ``_delegate_to`` (``estimator_`` unless a class says otherwise); each method
    exists only when that model has it, and passes ``X`` on unchanged: every row
    is read as a target row, the deployed model.
    """

    _delegate_to = "estimator_"

    def _delegate(self, method, X):
        check_is_fitted(self, self._delegate_to)
        return getattr(getattr(self, self._delegate_to), method)(X)

    predict = _delegated(
        "predict",
        "Predict with",
        "y_pred : ndarray of shape (n_samples,)",
        "Predictions.",
    )
    predict_proba = _delegated(
        "predict_proba",
        "Class probabilities of",
        "proba : ndarray of shape (n_samples, n_classes)",
        "Class probabilities, in the order of ``classes_``.",
    )
    predict_log_proba = _delegated(
        "predict_log_proba",
        "Log class probabilities of",
        "log_proba : ndarray of shape (n_samples, n_classes)",
        "Log class probabilities, in the order of ``classes_``.",
    )
    decision_function = _delegated(
        "decision_function",
        "Decision function of",
        "scores : ndarray of shape (n_samples,) or (n_samples, n_classes)",
        "Decision values.",
    )


class DomainMixin:
    """Mixin that sets the metadata requests of ``sample_domain``.

    ``fit``, ``partial_fit`` and ``split`` request ``sample_domain`` when their
    signature takes it, so that with ``sklearn.set_config(enable_metadata_routing=
    True)`` a stock :class:`~sklearn.pipeline.Pipeline` or search passes it on
    without any ``set_*_request`` call. Prediction-time methods (``predict``,
    ``predict_proba``, ``score``, ...) that take it do *not* request it: a search
    then scores the deployed model (every row a target row) exactly as with routing
    off. Transformers take it at ``transform`` time through ``**params`` only
    (sklearn composes the request of ``fit_transform`` from ``fit`` and
    ``transform``, which must agree). The mixin changes no global configuration.

    Examples
    --------
    >>> from sklearn.base import BaseEstimator
    >>> from skadapt.utils import DomainMixin
    >>> class Shift(DomainMixin, BaseEstimator):
    ...     def fit(self, X, y=None, *, sample_domain=None):
    ...         return self
    >>> Shift().get_metadata_routing().fit.requests
    {'sample_domain': True}
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for method in _ROUTED_METHODS:
            func = getattr(cls, method, None)
            if func is None or not callable(func):
                continue
            try:
                params = inspect.signature(func).parameters
            except (TypeError, ValueError):  # pragma: no cover - builtins
                continue
            if "sample_domain" not in params:
                continue
            if method in ("transform", "inverse_transform"):
                raise TypeError(
                    f"{cls.__name__}.{method} takes sample_domain as a named "
                    "parameter. Take it through **params instead (def "
                    f"{method}(self, X, **params)): scikit-learn composes the "
                    "metadata request of fit_transform from those of fit and "
                    "transform, and skadapt requests sample_domain at fit time "
                    "only, so that a search scores the deployed model the same way "
                    "with routing on and off."
                )
            setattr(
                cls,
                f"_skadapt__metadata_request__{method}",
                {"sample_domain": method in _FIT_METHODS},
            )


class DATransformerMixin(TransformerMixin):
    """Mixin for domain-adaptation transformers.

    ``fit_transform`` fits on all rows and then transforms them *with the domains
    seen at fit time* (source rows mapped, target rows as the method treats them),
    which ``fit(X).transform(X)`` cannot do since ``transform`` without
    ``sample_domain`` treats every row as a target row.

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt import CORAL
    >>> X = np.array([[0.0], [2.0], [10.0], [14.0]])
    >>> y = np.array([0, 1, -1, -1])  # two source rows, two target rows
    >>> CORAL(reg=0).fit_transform(X, y).ravel()  # source rows mapped
    array([10., 14., 10., 14.])
    >>> CORAL(reg=0).fit(X, y).transform(X).ravel()  # every row read as target
    array([ 0.,  2., 10., 14.])
    """

    def fit_transform(self, X, y=None, *, sample_domain=None, **fit_params):
        """Fit to the data, then transform it with the domains used in ``fit``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Source and target rows.
        y : array-like of shape (n_samples,), default=None
            Labels with target labels masked; used to infer the domains when
            ``sample_domain`` is None.
        sample_domain : array-like of shape (n_samples,), default=None
            Domain ids (``>= 1`` source, ``<= -1`` target).
        **fit_params : dict
            Further parameters of ``fit``.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features_out)
            The transformed rows.
        """
        self.fit(X, y, sample_domain=sample_domain, **fit_params)
        n_samples = X.shape[0] if hasattr(X, "shape") else np.asarray(X).shape[0]
        sd = check_sample_domain(sample_domain, y, n_samples)
        return self.transform(X, sample_domain=sd)
