"""What every class-prior estimator shares: data contract, cross-fitting, bootstrap.

A prior estimator is fitted on source rows (labelled) and target rows (labels
unknown, or ignored) and stores ``priors_``, the estimated class priors of the
target, with ``source_priors_``, ``class_weights_ = priors_ / source_priors_`` and
a bootstrap uncertainty. Subclasses implement ``_estimate`` on the out-of-sample
predictions that :class:`BasePriorEstimator` computes.
"""

from numbers import Integral

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, check_cv
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, has_fit_parameter, validate_data

from .._base import DomainMixin, _check_domains, check_masked_y, domains_and_labels
from ..utils._docstrings import FRAGMENTS
from ..utils._sklearn import (
    HasMethods,
    Interval,
    StrOptions,
    _check_sample_weight,
    _fit_context,
    _safe_indexing,
)

__all__ = []

_QUANTILES = (0.025, 0.975)
# Bootstrap replicates are drawn and solved in chunks whose replicate weights and
# per-row temporaries stay within this many bytes: memory bounded in the rows
# (a replicate needs a few arrays of length n_source + n_folds * n_target).
_BOOTSTRAP_BYTES = 64 * 2**20

# What the docstrings of the prior estimators (BBSE, RLLS, MLLS) and
# PriorCorrection share, substituted at four spaces (a class docstring).
PRIOR_FRAGMENTS = dict(FRAGMENTS)
PRIOR_FRAGMENTS["prior_estimates"] = """source_priors_ : ndarray of shape (n_classes,)
        Class priors of the (weighted) source rows.
    class_weights_ : ndarray of shape (n_classes,)
        ``priors_ / source_priors_``, the label-shift importance weights.
    priors_std_ : ndarray of shape (n_classes,)
        Bootstrap standard deviation of each prior (NaN without bootstrap).
    priors_interval_ : ndarray of shape (2, n_classes)
        Bootstrap 2.5% and 97.5% percentiles of each prior."""
PRIOR_FRAGMENTS["prior_fold_attributes"] = (
    """classes_ : ndarray of shape (n_classes,)
        Source classes.
    estimators_ : list of estimator
        The fold models (the given estimator with ``cv="prefit"``).
    n_source_, n_target_ : int
        Numbers of source and target rows.
    %(feature_attributes)s"""
    % FRAGMENTS
)
PRIOR_FRAGMENTS["prior_parallel_parameters"] = """n_jobs : int or None, default=None
        Folds fitted in parallel (joblib).
    random_state : int, RandomState instance or None, default=None
        Draws the folds and the bootstrap."""
PRIOR_FRAGMENTS["saerens_reference"] = """\
.. [1] M. Saerens, P. Latinne and C. Decaestecker, "Adjusting the outputs of a
       classifier to new a priori probabilities: a simple procedure", Neural
       Computation 14, 2002."""


def source_classes(y, sd, known, caller):
    """Classes of the source rows, and the check of the labelled target rows.

    Label shift moves the class priors over the *source's* classes: a class that
    only the target has (open-set shift) has no source rows to learn it from.
    """
    src = sd > 0
    classes, idx = np.unique(y[src], return_inverse=True)
    if classes.shape[0] < 2:
        raise ValueError(
            f"{caller} needs source rows of at least 2 classes to estimate class "
            f"priors; got 1 class ({classes[0]!r}). With a single class there is "
            "no prior to estimate."
            if classes.shape[0] == 1
            else f"{caller} needs labelled source rows; none were given."
        )
    tgt_known = known & (sd < 0)
    if tgt_known.any():
        unseen = np.setdiff1d(np.unique(y[tgt_known]), classes)
        if unseen.size:
            raise ValueError(
                f"{caller}: class(es) {unseen.tolist()} of labelled target rows are "
                f"not among the source classes {classes.tolist()}. Label shift "
                "changes the priors of the source classes only; a class the source "
                "never shows cannot be estimated (drop those rows, or label source "
                "rows of that class)."
            )
    return classes, idx


def _class_domains(sample_domain, y, n_samples, caller):
    """Domains and known labels for ``fit``, ``y`` read as class labels.

    As ``skadapt._base._fit_domains``, with ``y`` read as class labels (``-1.0``
    in a float ``y`` is the mask, without the ambiguity warning of a transformer).
    """
    sd, known = domains_and_labels(sample_domain, y, n_samples, regression=False)
    if sample_domain is not None:
        _check_domains(sd, need_source=True, need_target=True, caller=caller)
    return sd, known


def class_index(values, classes):
    """Positions of ``values`` in the sorted ``classes`` (all must be present)."""
    return np.searchsorted(classes, values)


def aligned_proba(model, X, classes):
    """``predict_proba`` of ``model`` with one column per class of ``classes``.

    A fold model that never saw a class gives it probability zero.
    """
    P = model.predict_proba(X)
    if P.shape[1] == classes.shape[0] and np.array_equal(model.classes_, classes):
        return np.asarray(P, dtype=np.float64)
    out = np.zeros((P.shape[0], classes.shape[0]))
    out[:, class_index(np.asarray(model.classes_), classes)] = P
    return out


def onehot_predictions(model, X, classes):
    """Hard predictions of ``model`` as a one-hot matrix over ``classes``."""
    pred = np.asarray(model.predict(X))
    pos = class_index(pred, classes)
    valid = (pos < classes.shape[0]) & (
        classes[np.minimum(pos, len(classes) - 1)] == pred
    )
    H = np.zeros((pred.shape[0], classes.shape[0]))
    H[np.flatnonzero(valid), pos[valid]] = 1.0
    return H


def _fit_fold(estimator, X, y, sample_weight, train):
    kwargs = {}
    if sample_weight is not None:
        kwargs["sample_weight"] = sample_weight[train]
    return clone(estimator).fit(_safe_indexing(X, train), y[train], **kwargs)


def _class_bootstrap_weights(ys, n_classes, weights, n_bootstrap, rng):
    """Bootstrap weights of the source rows, resampled within each class."""
    W = np.zeros((n_bootstrap, ys.shape[0]))
    for c in range(n_classes):  # one multinomial draw per class, not per row
        rows = np.flatnonzero(ys == c)
        W[:, rows] = rng.multinomial(
            rows.size, np.full(rows.size, 1.0 / rows.size), size=n_bootstrap
        )
    return W * weights


def _row_bootstrap_weights(weights, n_bootstrap, rng):
    """Bootstrap weights of the target rows (a multinomial over the rows)."""
    n = weights.shape[0]
    return rng.multinomial(n, np.full(n, 1.0 / n), size=n_bootstrap) * weights


def target_mean(T, fold_weights, weights):
    """Mean prediction on the target: fold models averaged with the fold weights.

    ``T`` has shape (n_folds, n_target, k); ``weights`` shape (n_target,) or
    (B, n_target) for bootstrap replicates.
    """
    W = np.atleast_2d(weights)
    W = W / W.sum(axis=1, keepdims=True)
    out = np.einsum("f,bi,fik->bk", fold_weights, W, T)
    return out[0] if np.ndim(weights) == 1 else out


def bootstrap_confusion(S, ys, n_classes, Ws):
    """Column-conditional confusion matrices of bootstrap replicates, (B, k, k)."""
    B = Ws.shape[0]
    M = np.empty((B, S.shape[1], n_classes))
    for c in range(n_classes):  # one matrix product per class
        rows = np.flatnonzero(ys == c)
        Wc = Ws[:, rows]
        M[:, :, c] = (Wc @ S[rows]) / Wc.sum(axis=1, keepdims=True)
    return M


class BasePriorEstimator(DomainMixin, BaseEstimator):
    """Base class of the class-prior estimators (private).

    Subclasses set ``_prediction_method()`` (``"predict"`` or ``"predict_proba"``),
    implement ``_estimate(S, Y, ws, T, f, wt)`` setting ``priors_`` (and returning
    what the bootstrap reuses) and ``_bootstrap(state, S, ys, Y, ws, T, f, wt, Ws,
    Wt)`` returning the replicates' priors,
    and may implement ``_fit_single_domain()``.
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"]), None],
        "cv": [
            Interval(Integral, 2, None, closed="left"),
            StrOptions({"prefit"}),
            "cv_object",
        ],
        "n_bootstrap": [Interval(Integral, 0, None, closed="left")],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
    }

    def _prediction_method(self):
        return "predict_proba"

    def _base_estimator(self):
        return LogisticRegression() if self.estimator is None else self.estimator

    def _predict(self, model, X):
        if self._prediction_method() == "predict_proba":
            return aligned_proba(model, X, self.classes_)
        return onehot_predictions(model, X, self.classes_)

    def _check_estimator(self, est, sample_weight):
        name = type(self).__name__
        if self._prediction_method() == "predict_proba" and not hasattr(
            est, "predict_proba"
        ):
            raise TypeError(
                f"{name} needs a classifier with predict_proba "
                f"({self._proba_reason()}); {type(est).__name__} has none. Wrap it "
                "in sklearn.calibration.CalibratedClassifierCV, or use "
                "BBSE(soft=False), which needs only predict."
            )
        if (
            sample_weight is not None
            and self.cv != "prefit"
            and not has_fit_parameter(est, "sample_weight")
        ):
            raise TypeError(
                f"{name} was given sample_weight but {type(est).__name__}.fit does "
                "not accept sample_weight; drop the weights or use a classifier "
                "that takes them."
            )

    def _proba_reason(self):
        return "its estimate uses predicted probabilities"

    def _cross_fit(self, est, Xs, ys_labels, ys, Xt, ws, sample_weight_given, rng):
        """Out-of-sample source predictions and every fold model's target ones."""
        name = type(self).__name__
        if self.cv == "prefit":
            try:
                check_is_fitted(est)
            except NotFittedError as exc:
                raise NotFittedError(
                    f"{name}(cv='prefit') needs a fitted estimator; fit it on source "
                    "rows other than those passed to fit (its predictions on the "
                    "rows it learned from would be optimistic), or use an integer "
                    "cv to cross-fit it here."
                ) from exc
            self.estimators_ = [est]
            S = self._predict(est, Xs)
            T = self._predict(est, Xt)[None]
            return S, T, np.ones(1)
        if isinstance(self.cv, Integral):
            counts = np.bincount(ys, minlength=self.classes_.shape[0])
            n_splits = int(min(self.cv, counts.min()))
            if n_splits < 2:
                small = self.classes_[counts < 2].tolist()
                raise ValueError(
                    f"{name}: class(es) {small} have a single source row; "
                    "cross-fitting needs at least 2 rows of every class. Label more "
                    "source rows, or pass a classifier fitted on other rows with "
                    "cv='prefit'."
                )
            splitter = StratifiedKFold(n_splits, shuffle=True, random_state=rng)
        else:
            splitter = check_cv(self.cv, ys, classifier=True)
        splits = list(splitter.split(np.zeros((ys.shape[0], 1)), ys))
        sw = ws if sample_weight_given else None
        self.estimators_ = Parallel(n_jobs=self.n_jobs)(
            delayed(_fit_fold)(est, Xs, ys_labels, sw, train) for train, _ in splits
        )
        S = np.empty((ys.shape[0], self.classes_.shape[0]))
        for model, (_, test) in zip(self.estimators_, splits):  # one per fold
            S[test] = self._predict(model, _safe_indexing(Xs, test))
        T = np.stack([self._predict(model, Xt) for model in self.estimators_])
        fold = np.array([ws[test].sum() for _, test in splits])
        return S, T, fold / fold.sum()

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None, *, sample_domain=None):
        """Estimate the target's class priors from source and target rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Source and target rows.
        y : array-like of shape (n_samples,)
            Class labels of the source rows; target labels masked (``-1``,
            ``NaN``, ``None`` or ``""``) or, with ``sample_domain``, ignored.
            Not modified.
        sample_weight : array-like of shape (n_samples,), default=None
            Row weights: of the source rows in the classifier's fit, the source
            priors and the confusion matrix or calibration; of the target rows
            in the target's mean prediction or likelihood. A covariate-shift
            weighting of the source rows goes here (see the user guide's recipe
            for mixed shift).
        sample_domain : array-like of shape (n_samples,), default=None
            Domain id of each row (``>= 1`` source, ``<= -1`` target); inferred
            from the mask in ``y`` when None. All target rows are pooled into one
            target.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        name = type(self).__name__
        est = self._base_estimator()
        self._check_estimator(est, sample_weight)
        allow_nan = est.__sklearn_tags__().input_tags.allow_nan
        X = validate_data(
            self, X, accept_sparse=["csr", "csc"], ensure_all_finite=not allow_nan
        )
        y = check_masked_y(y, name)
        if y.shape[0] != X.shape[0]:
            raise ValueError(f"y has {y.shape[0]} rows but X has {X.shape[0]} rows.")
        sd, known = _class_domains(sample_domain, y, X.shape[0], name)
        self.classes_, ys = source_classes(y, sd, known, name)
        k = self.classes_.shape[0]
        sw = (
            np.ones(X.shape[0])
            if sample_weight is None
            else _check_sample_weight(sample_weight, X, dtype=np.float64)
        )
        src, tgt = np.flatnonzero(sd > 0), np.flatnonzero(sd < 0)
        ws, wt = sw[src], sw[tgt]
        Y = np.eye(k)[ys]
        total = ws @ Y
        if np.any(total <= 0):
            raise ValueError(
                f"{name}: the source rows of class(es) "
                f"{self.classes_[total <= 0].tolist()} have zero total sample_weight."
            )
        self.source_priors_ = total / total.sum()
        self.n_source_, self.n_target_ = src.size, tgt.size
        if tgt.size == 0 or wt.sum() <= 0:
            # one domain: no target to estimate from, the priors stay the source's
            self.estimators_ = []
            self.priors_ = self.source_priors_.copy()
            self.priors_std_ = np.zeros(k)
            self.priors_interval_ = np.vstack([self.priors_, self.priors_])
            self.class_weights_ = np.ones(k)
            self._fit_single_domain()
            return self
        rng = check_random_state(self.random_state)
        Xs, Xt = _safe_indexing(X, src), _safe_indexing(X, tgt)
        S, T, f = self._cross_fit(
            est, Xs, y[src], ys, Xt, ws, sample_weight is not None, rng
        )
        state = self._estimate(S, Y, ws, T, f, wt)
        if self.n_bootstrap:
            # per replicate: its source and target weights and about three
            # temporaries of the fold-stacked target rows (EM's likelihoods)
            per = 8 * (2 * ws.size + (3 * T.shape[0] + 1) * wt.size)
            step = max(1, _BOOTSTRAP_BYTES // per)
            Q = []
            for start in range(0, self.n_bootstrap, step):
                b = min(step, self.n_bootstrap - start)
                Ws = _class_bootstrap_weights(ys, k, ws, b, rng)
                Wt = _row_bootstrap_weights(wt, b, rng)
                Q.append(self._bootstrap(state, S, ys, Y, ws, T, f, wt, Ws, Wt))
            Q = np.concatenate(Q)
            self.priors_std_ = Q.std(axis=0, ddof=1)
            self.priors_interval_ = np.quantile(Q, _QUANTILES, axis=0)
        else:
            self.priors_std_ = np.full(k, np.nan)
            self.priors_interval_ = np.full((2, k), np.nan)
        self.class_weights_ = self.priors_ / self.source_priors_
        return self

    def _fit_single_domain(self):
        pass

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        inner = self._base_estimator().__sklearn_tags__()
        tags.input_tags.sparse = inner.input_tags.sparse
        tags.input_tags.allow_nan = inner.input_tags.allow_nan
        return tags


class ConfusionPriorEstimator(BasePriorEstimator):
    """A prior estimator built on a confusion matrix (BBSE, RLLS).

    Hard predictions by default (``soft=False``), predicted probabilities with
    ``soft=True``.
    """

    def _prediction_method(self):
        return "predict_proba" if self.soft else "predict"

    def _proba_reason(self):
        return "soft=True uses predicted probabilities"
