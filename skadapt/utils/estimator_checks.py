"""Two-domain checks for domain-adaptation estimators.

scikit-learn's estimator checks only ever pass one domain, so they exercise the
single-domain fallback of a skadapt estimator. These checks, in the spirit of
imbalanced-learn's sampler checks, fit every estimator on a source and a target
domain (with a few labelled target rows, passed through ``sample_domain``) and
check the contract: routing on and off give the same result; label encodings,
pandas, float32 and sparse input give the same result up to relabelling; no input
is modified; row order does not change the fit beyond numerical noise (or the
noise of the method's own subsampling); three sources and two targets work; a
``y`` of the wrong length is a clear error.

Use them in a test suite::

    from skadapt.utils.estimator_checks import parametrize_with_domain_checks

    @parametrize_with_domain_checks([MyAligner()])
    def test_domain_checks(estimator, check):
        check(estimator)
"""

import warnings
from functools import partial

import numpy as np
from scipy import sparse
from sklearn import config_context
from sklearn.base import clone, is_regressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import Pipeline

__all__ = [
    "check_domain_estimator",
    "check_float32",
    "check_input_not_modified",
    "check_label_encodings",
    "check_multiple_domains",
    "check_pandas_input",
    "check_routing_on_off",
    "check_row_order",
    "check_sparse_input",
    "check_y_length",
    "domain_checks",
    "parametrize_with_domain_checks",
]


# --------------------------------------------------------------------- the data
def _task(estimator):
    if is_regressor(estimator):
        return "regression"
    return "classification"


def _data(task, seed=0, n_source=60, n_target=40, n_labelled=6):
    """Two shifted domains, three classes, ``n_labelled`` labelled target rows.

    Returns ``X, y (int, -1 masked / float NaN masked), sample_domain, y_true``.
    """
    rng = np.random.RandomState(seed)
    Xs = rng.normal(size=(n_source, 4))
    Xt = rng.normal(size=(n_target, 4)) * 1.3 + 0.7
    X = np.r_[Xs, Xt]
    w = np.array([1.0, -0.8, 0.5, 0.3])
    score = X @ w + 0.1 * rng.normal(size=X.shape[0])
    if task == "regression":
        y_true = score
    else:
        y_true = np.digitize(score, np.quantile(score, [1 / 3, 2 / 3]))
    sd = np.r_[np.ones(n_source, dtype=np.int64), -np.ones(n_target, dtype=np.int64)]
    y = y_true.astype(np.float64) if task == "regression" else y_true.copy()
    unlabelled = np.arange(n_source + n_labelled, n_source + n_target)
    y[unlabelled] = np.nan if task == "regression" else -1
    if task == "classification":
        # every class among the labelled target rows
        tgt = np.arange(n_source, n_source + n_labelled)
        y[tgt] = np.arange(n_labelled) % 3
        y_true[tgt] = y[tgt]
    return X, y, sd, y_true


def _quiet(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return func(*args, **kwargs)


# --------------------------------------------------------- what a fit produces
def _outputs(est, X, y, sd, X_eval):
    """The numbers a fitted estimator gives: predictions, transforms or weights."""
    out = {}
    if hasattr(est, "predict"):
        out["predict"] = np.asarray(_quiet(est.predict, X_eval))
        if hasattr(est, "predict_proba"):
            out["predict_proba"] = np.asarray(_quiet(est.predict_proba, X_eval))
    elif hasattr(est, "transform"):
        out["transform"] = _signs_aligned(_dense(_quiet(est.transform, X_eval)))
    for name in ("weights_", "priors_", "class_weights_"):
        if hasattr(est, name):
            out[name] = np.asarray(getattr(est, name), dtype=np.float64)
    if not out:
        raise AssertionError(
            f"{type(est).__name__} has no predict, transform or weights_ to check."
        )
    return out


def _signs_aligned(Z):
    """Columns with a fixed sign (the largest entry positive).

    An embedding is defined up to the sign of each component.
    """
    Z = np.asarray(Z, dtype=np.float64)
    if Z.ndim != 2 or Z.shape[0] == 0:
        return Z
    idx = np.argmax(np.abs(Z), axis=0)
    sign = np.sign(Z[idx, np.arange(Z.shape[1])])
    return Z * np.where(sign == 0, 1.0, sign)


def _dense(Z):
    if sparse.issparse(Z):
        Z = Z.toarray()
    if hasattr(Z, "to_numpy"):
        Z = Z.to_numpy()
    return np.asarray(Z, dtype=np.float64)


def _seeded(est):
    """A clone whose unset ``random_state`` parameters (nested too) are 0.

    So that two fits can be compared.
    """
    est = clone(est)
    seeds = {
        k: 0
        for k, v in est.get_params().items()
        if (k == "random_state" or k.endswith("__random_state")) and v is None
    }
    return est.set_params(**seeds) if seeds else est


def _fit(est, X, y, sd):
    return _quiet(_seeded(est).fit, X, y, sample_domain=sd)


def _assert_same(a, b, name, what, *, rtol=1e-6, atol=1e-8, agree=None):
    for key in a:
        x, z = a[key], b[key]
        if x.dtype.kind in "OUSb" or key == "predict":
            same = np.mean(np.asarray(x) == np.asarray(z))
            need = 1.0 if agree is None else agree
            if x.dtype.kind == "f" and key == "predict":
                ok = (
                    np.allclose(x, z, rtol=rtol, atol=atol)
                    if agree is None
                    else (np.corrcoef(x, z)[0, 1] >= agree)
                )
                assert ok, f"{name}: {what} changed {key}."
                continue
            assert same >= need, (
                f"{name}: {what} changed {key} ({100 * (1 - same):.0f}% differ)."
            )
        elif agree is None:
            np.testing.assert_allclose(
                x, z, rtol=rtol, atol=atol, err_msg=f"{name}: {what} changed {key}."
            )
        else:
            # stochastic subsampling: the results must still say the same thing
            x, z = np.ravel(x), np.ravel(z)
            if np.ptp(x) == 0 and np.ptp(z) == 0:
                continue
            corr = np.corrcoef(x, z)[0, 1]
            assert corr >= agree, f"{name}: {what} changed {key} (corr {corr:.2f})."


def _stochastic(est):
    """Estimators that draw subsamples by row position (row order moves them)."""
    params = est.get_params()
    return any(k == "random_state" or k.endswith("__random_state") for k in params)


# ------------------------------------------------------------------ the checks
def check_routing_on_off(name, estimator):
    """A stock Pipeline gives the same result with routing on and off.

    Routing on: ``pipe.fit(X, y, sample_domain=sd)``. Routing off: the domains
    reach each step's ``fit`` as ``<step>__sample_domain=sd`` (the only way to mark
    labelled target rows without routing). Predictions are then made the same way
    in both (every row a target row).
    """
    task = _task(estimator)
    X, y, sd, _ = _data(task)
    final = (
        [("final", _final(task))]
        if not hasattr(estimator, "predict") and hasattr(estimator, "transform")
        else []
    )
    if not (hasattr(estimator, "predict") or final):
        return  # weighters and prior estimators are not pipeline steps
    steps = [("est", _seeded(estimator))] + final
    X_eval = X[sd < 0]
    off = Pipeline([(n, clone(s)) for n, s in steps])
    params = {f"{n}__sample_domain": sd for n, _ in steps}
    _quiet(off.fit, X, y, **params)
    with config_context(enable_metadata_routing=True):
        on = Pipeline([(n, clone(s)) for n, s in steps])
        _quiet(on.fit, X, y, sample_domain=sd)
        out_on = _outputs(on, X, y, sd, X_eval)
    _assert_same(out_on, _outputs(off, X, y, sd, X_eval), name, "routing on vs off")


def _final(task):
    from .._pipeline import LabelledOnly

    return LabelledOnly(Ridge() if task == "regression" else LogisticRegression())


def check_label_encodings(name, estimator):
    """Class labels {0, 1, 2}, {-5, 3, 40}, strings and objects give one model.

    Unknown target labels are masked by ``-1`` (integers), ``""`` (strings),
    ``None`` (objects) and ``NaN`` (floats, where ``-1`` is then a class).
    """
    if _task(estimator) != "classification" or not _uses_labels(estimator):
        return
    X, y, sd, _ = _data("classification")
    known = y != -1
    encodings = {
        "ints": (np.array([0, 1, 2]), -1, None),
        "other ints": (np.array([-5, 3, 40]), -1, None),
        "strings": (np.array(["a", "b", "c"]), "", None),
        "objects": (np.array(["c1", "c2", "c3"], dtype=object), None, object),
        "floats with -1 a class": (np.array([-1.0, 0.0, 1.0]), np.nan, None),
    }
    ref = None
    for what, (labels, mask, dtype) in encodings.items():
        yy = np.empty(y.shape[0], dtype=dtype or labels.dtype)
        yy[known] = labels[y[known]]
        yy[~known] = mask
        est = _fit(estimator, X, yy, sd)
        out = _outputs(est, X, yy, sd, X[sd < 0])
        if "predict" in out:
            lookup = {v: i for i, v in enumerate(labels.tolist())}
            out["predict"] = np.array([lookup[v] for v in out["predict"].tolist()])
        if ref is None:
            ref = out
        else:
            _assert_same(ref, out, name, f"labels as {what}", rtol=1e-5, atol=1e-7)


def _uses_labels(est):
    # every DA estimator here takes y; transformers that ignore it still pass
    return True


def check_pandas_input(name, estimator):
    """A DataFrame gives the same result; transformers honour set_output."""
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is a test dependency
        return
    task = _task(estimator)
    X, y, sd, _ = _data(task)
    cols = [f"f{i}" for i in range(X.shape[1])]
    df = pd.DataFrame(X, columns=cols)
    ref = _outputs(_fit(estimator, X, y, sd), X, y, sd, X[sd < 0])
    est = _fit(estimator, df, pd.Series(y), pd.Series(sd))
    _assert_same(ref, _outputs(est, df, y, sd, df[sd < 0]), name, "a DataFrame")
    if hasattr(estimator, "transform") and hasattr(estimator, "set_output"):
        est = _quiet(
            clone(estimator).set_output(transform="pandas").fit, df, y, sample_domain=sd
        )
        Z = _quiet(est.transform, df[sd < 0])
        assert isinstance(Z, pd.DataFrame), (
            f"{name}: set_output(transform='pandas') returned {type(Z).__name__}."
        )
        np.testing.assert_array_equal(Z.columns, est.get_feature_names_out())


def check_float32(name, estimator):
    """float32 rows fit and give float32 transforms where dtype is preserved."""
    task = _task(estimator)
    X, y, sd, _ = _data(task)
    X32 = X.astype(np.float32)
    est = _fit(estimator, X32, y, sd)
    out32 = _outputs(est, X32, y, sd, X32[sd < 0])
    out64 = _outputs(_fit(estimator, X, y, sd), X, y, sd, X[sd < 0])
    _assert_same(
        out64,
        out32,
        name,
        "float32 input",
        rtol=1e-2,
        atol=1e-3,
        agree=0.95 if "predict" in out64 else None,
    )
    if "transform" in out32 and hasattr(est, "__sklearn_tags__"):
        preserves = est.__sklearn_tags__().transformer_tags
        if preserves is not None and "float32" in preserves.preserves_dtype:
            Z = _quiet(est.transform, X32)
            assert np.asarray(Z).dtype == np.float32, f"{name}: float32 not kept."


def check_sparse_input(name, estimator):
    """CSR rows give the dense result when the estimator accepts sparse input.

    Up to the tolerance of the solvers scikit-learn picks for sparse input (its
    Ridge, for one, switches solver).
    """
    if not estimator.__sklearn_tags__().input_tags.sparse:
        return
    task = _task(estimator)
    X, y, sd, _ = _data(task)
    X = np.where(np.abs(X) < 0.5, 0.0, X)
    Xs = sparse.csr_matrix(X)
    ref = _outputs(_fit(estimator, X, y, sd), X, y, sd, X[sd < 0])
    est = _fit(estimator, Xs, y, sd)
    _assert_same(
        ref,
        _outputs(est, Xs, y, sd, Xs[np.flatnonzero(sd < 0)]),
        name,
        "sparse input",
        rtol=1e-3,
        atol=1e-3,
    )


def check_input_not_modified(name, estimator):
    """Neither X, y nor sample_domain is modified by fit and prediction."""
    task = _task(estimator)
    X, y, sd, _ = _data(task)
    copies = X.copy(), y.copy(), sd.copy()
    est = _fit(estimator, X, y, sd)
    _outputs(est, X, y, sd, X)
    for a, b, what in zip((X, y, sd), copies, ("X", "y", "sample_domain")):
        np.testing.assert_array_equal(a, b, err_msg=f"{name} modified {what}.")


def check_row_order(name, estimator):
    """Shuffling the rows leaves the fit unchanged (up to the method's own noise)."""
    task = _task(estimator)
    X, y, sd, _ = _data(task)
    perm = np.random.RandomState(1).permutation(X.shape[0])
    ref = _fit(estimator, X, y, sd)
    est = _fit(estimator, X[perm], y[perm], sd[perm])
    X_eval = X[sd < 0]
    a, b = _outputs(ref, X, y, sd, X_eval), _outputs(est, X, y, sd, X_eval)
    if "weights_" in b and b["weights_"].shape[0] == np.sum(sd > 0):
        # weights follow the source rows in the order they appear in X
        source_rows = np.flatnonzero(sd > 0)
        moved = perm[sd[perm] > 0]  # original index of each permuted source row
        w = np.empty_like(b["weights_"])
        w[np.searchsorted(source_rows, moved)] = b["weights_"]
        b["weights_"] = w
    agree = 0.8 if _stochastic(estimator) else None
    _assert_same(a, b, name, "row order", rtol=1e-5, atol=1e-6, agree=agree)


def check_multiple_domains(name, estimator):
    """Three sources and two targets fit and give finite outputs of the right size."""
    task = _task(estimator)
    X, y, sd, _ = _data(task, n_source=90, n_target=60)
    sd = sd.copy()
    sd[30:60], sd[60:90] = 2, 3
    sd[120:150] = -2
    X = X.copy()
    X[30:60] += 0.3
    X[120:150] -= 0.4
    est = _fit(estimator, X, y, sd)
    out = _outputs(est, X, y, sd, X[sd < 0])
    for key, val in out.items():
        if val.dtype.kind == "f":
            assert np.all(np.isfinite(val)), f"{name}: non-finite {key} (5 domains)."
    if "weights_" in out:
        assert out["weights_"].shape == (np.sum(sd > 0),), name


def check_y_length(name, estimator):
    """A ``y`` shorter than ``X`` with ``sample_domain`` is a clear ValueError."""
    task = _task(estimator)
    X, y, sd, _ = _data(task)
    try:
        _quiet(clone(estimator).fit, X, y[:-3], sample_domain=sd)
    except ValueError as exc:
        assert "row" in str(exc) or "length" in str(exc) or "samples" in str(exc), (
            f"{name}: unclear error for a short y: {exc}"
        )
        return
    except Exception as exc:  # noqa: BLE001 - the point is which error
        raise AssertionError(
            f"{name}: a y shorter than X raised {type(exc).__name__}: {exc}"
        ) from exc
    raise AssertionError(f"{name}: a y shorter than X was accepted.")


_CHECKS = (
    check_routing_on_off,
    check_label_encodings,
    check_pandas_input,
    check_float32,
    check_sparse_input,
    check_input_not_modified,
    check_row_order,
    check_multiple_domains,
    check_y_length,
)


def domain_checks(estimator):
    """Yield every two-domain check as a callable taking the estimator.

    Parameters
    ----------
    estimator : estimator object
        A domain-adaptation estimator.

    Yields
    ------
    check : callable
        ``check(estimator)`` raises ``AssertionError`` on a failure.
    """
    name = type(estimator).__name__
    for check in _CHECKS:
        yield partial(check, name)


def check_domain_estimator(estimator):
    """Run every two-domain check on ``estimator``; raise on the first failure.

    Parameters
    ----------
    estimator : estimator object
        A domain-adaptation estimator.

    Examples
    --------
    >>> from skadapt import CORAL
    >>> from skadapt.utils.estimator_checks import check_domain_estimator
    >>> check_domain_estimator(CORAL())
    """
    for check in domain_checks(estimator):
        check(estimator)


def parametrize_with_domain_checks(estimators, *, expected_failed_checks=None):
    """A ``pytest.mark.parametrize`` over estimators and two-domain checks.

    Parameters
    ----------
    estimators : list of estimator objects
        The estimators to check.
    expected_failed_checks : callable, default=None
        ``expected_failed_checks(estimator)`` returns ``{check name: reason}`` of
        checks marked as expected failures for that estimator.

    Returns
    -------
    decorator : pytest.mark.parametrize
        Parametrizes ``estimator`` and ``check``.
    """
    import pytest

    params = []
    for est in estimators:
        xfails = expected_failed_checks(est) if expected_failed_checks else {}
        for check in domain_checks(est):
            check_name = check.func.__name__
            marks = []
            if check_name in xfails:
                marks = [pytest.mark.xfail(reason=xfails[check_name])]
            params.append(
                pytest.param(
                    est,
                    check,
                    marks=marks,
                    id=f"{type(est).__name__}-{check_name}",
                )
            )
    return pytest.mark.parametrize("estimator, check", params)
