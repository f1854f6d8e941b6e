"""Gradient boosting on the target rows, started from a source model's output."""

import warnings
from numbers import Integral, Real

import numpy as np
from scipy.special import expit, logsumexp, softmax
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, is_classifier
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.tree import DecisionTreeRegressor
from sklearn.utils.validation import (
    check_is_fitted,
    validate_data,
)

from .._base import DomainMixin
from ..exceptions import DegenerateFitWarning
from ..utils._docstrings import FRAGMENTS, Substitution
from ..utils._sklearn import HasMethods, Interval, _fit_context
from ._tree import (
    _MAX_SEED,
    _ArgmaxPredictMixin,
    _check_not_fitted_error,
    _start_fit,
    _target_arrays,
)

__all__ = ["TransferGradientBoostingClassifier", "TransferGradientBoostingRegressor"]

_EPS = np.finfo(np.float64).eps


def _source_scores(estimator, X, n_scores):
    """Raw scores of a fitted source model: the boosting offset, ``(n, n_scores)``.

    A classifier gives its ``decision_function`` (the logit for log-loss models)
    or, without one, the log of its clipped ``predict_proba`` (the logit of the
    positive class when binary); a regressor gives its ``predict``.
    """
    if n_scores is None:
        return np.asarray(estimator.predict(X), dtype=np.float64).reshape(-1, 1)
    if hasattr(estimator, "decision_function"):
        raw = np.asarray(estimator.decision_function(X), dtype=np.float64)
        return raw.reshape(X.shape[0], n_scores)
    proba = np.clip(
        np.asarray(estimator.predict_proba(X), dtype=np.float64), _EPS, 1 - _EPS
    )
    if n_scores == 1:
        return np.log(proba[:, 1:] / proba[:, :1])
    return np.log(proba)


def _loss(F, Y, w, kind):
    """Mean (weighted) squared error or log-loss of raw scores ``F``."""
    if kind == "regression":
        per_row = (Y[:, 0] - F[:, 0]) ** 2
    elif kind == "binary":
        per_row = np.logaddexp(0.0, F[:, 0]) - Y[:, 0] * F[:, 0]
    else:
        per_row = logsumexp(F, axis=1) - np.sum(Y * F, axis=1)
    return float(w @ per_row / w.sum())


def _boost(X, Y, w, offset, n_rounds, learning_rate, make_tree, kind, val=None):
    """Gradient boosting of ``n_rounds`` stages from the raw scores ``offset``.

    Each stage fits one regression tree per score column to the negative gradient
    (``Y - F`` for squared error, ``Y - p`` for the binomial / multinomial
    log-loss) and sets each leaf to the mean residual (squared error) or one
    Newton step ``sum w g / sum w p (1 - p)`` (times ``(K - 1) / K`` for ``K > 2``
    classes), as scikit-learn's gradient boosting does. ``val = (X, Y, w,
    offset)`` are held-out rows whose loss is recorded before the first and after
    every stage.

    Returns
    -------
    stages : list of list of (tree, leaf_values)
    val_loss : ndarray of shape (n_rounds + 1,) or None
    """
    F = offset.copy()
    K = F.shape[1]
    factor = (K - 1) / K if K > 1 else 1.0
    losses = None
    if val is not None:
        Xv, Yv, wv, Fv = val
        Fv = Fv.copy()
        losses = [_loss(Fv, Yv, wv, kind)]
    stages = []
    for _ in range(n_rounds):
        if kind == "regression":
            G, H = Y - F, None
        elif kind == "binary":
            p = expit(F)
            G, H = Y - p, p * (1.0 - p)
        else:
            P = softmax(F, axis=1)
            G, H = Y - P, P * (1.0 - P)
        stage = []
        for k in range(K):
            # check_input=False (public): X is already a C-contiguous float32 array
            tree = make_tree().fit(X, G[:, k], sample_weight=w, check_input=False)
            leaf = tree.apply(X, check_input=False)
            if H is None:
                values = tree.tree_.value[:, 0, 0].copy()
            else:
                n_nodes = tree.tree_.node_count
                num = np.bincount(leaf, weights=w * G[:, k], minlength=n_nodes)
                den = np.bincount(leaf, weights=w * H[:, k], minlength=n_nodes)
                values = np.divide(
                    factor * num, den, out=np.zeros(n_nodes), where=np.abs(den) > 1e-150
                )
            F[:, k] += learning_rate * values[leaf]
            if val is not None:
                Fv[:, k] += learning_rate * values[tree.apply(Xv, check_input=False)]
            stage.append((tree, values))
        stages.append(stage)
        if val is not None:
            losses.append(_loss(Fv, Yv, wv, kind))
    return stages, None if losses is None else np.asarray(losses)


class _BaseTransferGB(DomainMixin, BaseEstimator):
    """Shared fit of the gradient boosting transfer estimators."""

    _parameter_constraints: dict = {
        "source_estimator": [HasMethods(["fit", "predict"]), None],
        "n_estimators": [Interval(Integral, 0, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "max_depth": [Interval(Integral, 1, None, closed="left"), None],
        "min_samples_leaf": [Interval(Integral, 1, None, closed="left")],
        "cv": [Interval(Integral, 2, None, closed="left"), None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        *,
        source_estimator=None,
        n_estimators=100,
        learning_rate=0.1,
        max_depth=3,
        min_samples_leaf=1,
        cv=5,
        random_state=None,
    ):
        self.source_estimator = source_estimator
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf
        self.cv = cv
        self.random_state = random_state

    def _new_source(self, seed):
        if self._regression:
            return HistGradientBoostingRegressor(random_state=seed)
        return HistGradientBoostingClassifier(random_state=seed)

    def _given_source(self, n_features, caller):
        estimator = self.source_estimator
        name = type(estimator).__name__
        _check_not_fitted_error(estimator, caller)
        if self._regression == is_classifier(estimator):
            want = "regressor" if self._regression else "classifier"
            raise TypeError(
                f"{caller}: source_estimator must be a fitted {want}, got {name}."
            )
        if not self._regression and not (
            hasattr(estimator, "decision_function")
            or hasattr(estimator, "predict_proba")
        ):
            raise TypeError(
                f"{caller}: source_estimator {name} has neither decision_function "
                "nor predict_proba, so it gives no scores to boost from."
            )
        seen = getattr(estimator, "n_features_in_", n_features)
        if seen != n_features:
            raise ValueError(
                f"{caller}: source_estimator {name} was fitted on {seen} features "
                f"but X has {n_features} features."
            )
        return estimator

    def _make_tree(self, rng):
        # one RandomState shared by the trees, drawn from in turn (as scikit-learn's
        # gradient boosting does): seeding a new one per tree costs more than a fit
        shared = np.random.RandomState(rng.randint(_MAX_SEED))

        def make():
            return DecisionTreeRegressor(
                criterion="squared_error",
                max_depth=self.max_depth,
                min_samples_leaf=self.min_samples_leaf,
                random_state=shared,
            )

        return make

    def _folds(self, labels, n, rng, caller):
        n_splits = min(self.cv, n)
        if n_splits < 2:
            warnings.warn(
                f"{caller}: {n} labelled target row(s) cannot validate the number "
                "of boosting rounds, so the source model is kept unchanged "
                "(n_estimators_ = 0). Give at least two labelled target rows, or "
                "cv=None to boost n_estimators rounds without validation.",
                DegenerateFitWarning,
                stacklevel=3,
            )
            return None
        seed = rng.randint(_MAX_SEED)
        if labels is not None:
            counts = np.bincount(labels)
            if counts[counts > 0].min() >= n_splits:
                cv = StratifiedKFold(n_splits, shuffle=True, random_state=seed)
                return list(cv.split(np.zeros((n, 1)), labels))
        cv = KFold(n_splits, shuffle=True, random_state=seed)
        return list(cv.split(np.zeros((n, 1))))

    @Substitution(**FRAGMENTS)
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, *, sample_domain=None):
        """Fit or take the source model, then boost on the labelled target rows.

        %(source_model_fit)s
        """
        name = type(self).__name__
        regression = self._regression
        X, w, target, yt, rng = _start_fit(
            self,
            X,
            y,
            sample_weight,
            sample_domain,
            dtype=[np.float64, np.float32],
        )
        source = self.source_estimator_
        if regression:
            self._kind, self._n_scores = "regression", None
        else:
            binary = self.n_classes_ == 2
            self._kind = "binary" if binary else "multiclass"
            self._n_scores = 1 if binary else self.n_classes_
        self.stages_ = []
        self.n_estimators_ = 0
        self.validation_loss_ = None
        if not self.n_target_samples_:  # one domain only: the source model itself
            return self
        Xt, wt = X[target], w[target]
        n_classes = None if regression else self.n_classes_
        Y, labels = _target_arrays(yt, n_classes, regression)
        if regression:
            labels = None
        elif self._n_scores == 1:
            Y = Y[:, 1:]
        Xt32 = np.ascontiguousarray(Xt, dtype=np.float32)
        offset = _source_scores(source, Xt, self._n_scores)
        make_tree = self._make_tree(rng)
        n_rounds = self.n_estimators
        if self.cv is not None and n_rounds > 0:
            folds = self._folds(labels, target.size, rng, name)
            if folds is None:
                n_rounds = 0
            else:
                total = np.zeros(n_rounds + 1)
                for train, test in folds:
                    _, curve = _boost(
                        Xt32[train],
                        Y[train],
                        wt[train],
                        offset[train],
                        n_rounds,
                        self.learning_rate,
                        make_tree,
                        self._kind,
                        val=(Xt32[test], Y[test], wt[test], offset[test]),
                    )
                    total += curve * wt[test].sum()
                self.validation_loss_ = total / wt.sum()
                best = self.validation_loss_.min()
                n_rounds = int(
                    np.flatnonzero(self.validation_loss_ <= best + 1e-12 * abs(best))[0]
                )
        self.stages_, _ = _boost(
            Xt32, Y, wt, offset, n_rounds, self.learning_rate, make_tree, self._kind
        )
        self.n_estimators_ = n_rounds
        return self

    def _raw(self, X):
        check_is_fitted(self, "stages_")
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        F = _source_scores(self.source_estimator_, X, self._n_scores)
        if self.stages_:
            X32 = np.ascontiguousarray(X, dtype=np.float32)
            for stage in self.stages_:
                for k, (tree, values) in enumerate(stage):
                    leaf = tree.apply(X32, check_input=False)
                    F[:, k] += self.learning_rate * values[leaf]
        return F


@Substitution(**FRAGMENTS)
class TransferGradientBoostingClassifier(
    _ArgmaxPredictMixin, ClassifierMixin, _BaseTransferGB
):
    """Gradient boosting on the target rows, starting from a source classifier.

    The source model's scores are kept as an offset and regression trees are
    boosted on the labelled target rows to correct them, with the number of
    rounds chosen on held-out target rows (zero rounds, the source model, is
    allowed).
    %(source_model_contract)s

    Parameters
    ----------
    source_estimator : estimator object, default=None
        A fitted classifier with ``decision_function`` or ``predict_proba``; its
        output is the starting point of the boosting and it is not modified.
        When None, a ``HistGradientBoostingClassifier()`` is fitted on the
        labelled source rows.
    %(gb_parameters)s

    Attributes
    ----------
    %(source_classes_attributes)s
    %(gb_attributes)s

    See Also
    --------
    TransferGradientBoostingRegressor : The same for regression.
    TransferTreeClassifier : Structure transfer of one tree.
    FineTune : Continues an incremental estimator on the target rows.

    Notes
    -----
    %(gb_notes)s

    References
    ----------
    %(friedman_reference)s

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skadapt import TransferGradientBoostingClassifier
    >>> rng = np.random.RandomState(0)
    >>> Xs, Xt = rng.normal(size=(200, 2)), rng.normal(size=(60, 2))
    >>> source = LogisticRegression().fit(Xs, Xs[:, 0] > 0)
    >>> yt = Xt[:, 0] > 0.8  # the target's boundary moved
    >>> model = TransferGradientBoostingClassifier(
    ...     source_estimator=source, random_state=0).fit(Xt, yt)
    >>> bool(model.n_estimators_ > 0)
    True
    >>> model.predict([[0.4, 0.0], [1.5, 0.0]])
    array([False,  True])
    """

    _regression = False

    def decision_function(self, X):
        """Raw scores: the source offset plus the boosted trees.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score.

        Returns
        -------
        score : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Log-odds of ``classes_[1]`` (binary) or one score per class.
        """
        F = self._raw(X)
        return F[:, 0] if F.shape[1] == 1 else F

    @Substitution(**FRAGMENTS)
    def predict_proba(self, X):
        """Class probabilities.

        %(classifier_predict_proba)s
        """
        F = self._raw(X)
        if F.shape[1] == 1:
            p = expit(F[:, 0])
            return np.column_stack([1.0 - p, p])
        return softmax(F, axis=1)


@Substitution(**FRAGMENTS)
class TransferGradientBoostingRegressor(RegressorMixin, _BaseTransferGB):
    """Gradient boosting on the target rows, starting from a source regressor.

    The source model's predictions are kept as an offset and regression trees
    are boosted on the labelled target residuals, with the number of rounds
    chosen on held-out target rows (zero rounds, the source model, is allowed).
    %(source_model_contract)s

    Parameters
    ----------
    source_estimator : estimator object, default=None
        A fitted regressor; its output is the starting point of the boosting and
        it is not modified. When None, a ``HistGradientBoostingRegressor()`` is
        fitted on the labelled source rows.
    %(gb_parameters)s

    Attributes
    ----------
    %(gb_attributes)s

    See Also
    --------
    TransferGradientBoostingClassifier : The same for classification.
    TransferTreeRegressor : Structure transfer of one tree.
    TransferRidge : A linear source model as a prior.

    Notes
    -----
    %(gb_notes)s

    References
    ----------
    %(friedman_reference)s

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> from skadapt import TransferGradientBoostingRegressor
    >>> rng = np.random.RandomState(0)
    >>> Xs, Xt = rng.uniform(-2, 2, (200, 1)), rng.uniform(-2, 2, (80, 1))
    >>> source = LinearRegression().fit(Xs, 2 * Xs[:, 0])
    >>> yt = 2 * Xt[:, 0] + np.where(Xt[:, 0] > 0, 1.0, 0.0)  # a step appeared
    >>> model = TransferGradientBoostingRegressor(
    ...     source_estimator=source, random_state=0).fit(Xt, yt)
    >>> model.predict([[-1.0], [1.0]]).round(1)
    array([-2.,  3.])
    """

    _regression = True

    @Substitution(**FRAGMENTS)
    def predict(self, X):
        """Source prediction plus the boosted corrections.

        %(regressor_predict)s
        """
        return self._raw(X)[:, 0]
