"""Linear interpolation of a source-only and a target-only model."""

import warnings
from numbers import Integral

import numpy as np
from sklearn.base import (
    BaseEstimator,
    MetaEstimatorMixin,
    clone,
    is_classifier,
)
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import check_cv
from sklearn.utils import assert_all_finite
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from .._base import DomainMixin, estimator_has, inner_estimator_tags
from ..utils._docstrings import FRAGMENTS, Substitution
from ..utils._sklearn import HasMethods, _fit_context, _safe_indexing
from ._common import _split_for, _take, _warn_unlabelled_target

__all__ = ["LinearInterpolation"]


class _Constant:
    """Stand-in for a classifier fitted on rows of one class."""

    def __init__(self, label):
        self.classes_ = np.asarray([label])

    def predict_proba(self, X):
        return np.ones((np.shape(X)[0], 1))


def _fit(estimator, X, y, sample_weight, classifier):
    if classifier and np.unique(y).size < 2:
        return _Constant(y[0])
    kw = {} if sample_weight is None else {"sample_weight": sample_weight}
    return clone(estimator).fit(X, y, **kw)


def _output(model, X, classes):
    """Probabilities over ``classes`` (classifiers) or predictions (regressors)."""
    if classes is None:
        return np.asarray(model.predict(X), dtype=np.float64)
    own = model.predict_proba(X)
    proba = np.zeros((own.shape[0], classes.size))
    proba[:, np.searchsorted(classes, model.classes_)] = own
    return proba


def _select_weight(grid, out_source, out_target, y_index, classes):
    """Score every weight on the out-of-fold outputs; return scores and the best.

    Classifiers: mean log-likelihood of the true class (minus the log-loss), which
    unlike the accuracy of a handful of rows rarely ties and punishes a mixture
    that trusts an overconfident model; regressors: minus the mean squared error.
    Among equal scores the largest source weight wins.
    """
    scores = np.empty(len(grid))
    for i, beta in enumerate(grid):
        mix = beta * out_source + (1.0 - beta) * out_target
        if classes is None:
            scores[i] = -np.mean((mix - y_index) ** 2)
        else:
            p = mix[np.arange(y_index.size), y_index]
            scores[i] = np.mean(np.log(np.clip(p, 1e-15, 1.0)))
    order = np.lexsort((np.asarray(grid), scores))
    return scores, float(grid[order[-1]])


@Substitution(**FRAGMENTS)
class LinearInterpolation(MetaEstimatorMixin, DomainMixin, BaseEstimator):
    r"""Convex combination of a source-only and a target-only model.

    Two clones of ``estimator`` are fitted, one on the labelled source rows and
    one on the labelled target rows; predictions (probabilities for classifiers)
    are ``beta * source + (1 - beta) * target``. The weight ``beta`` is chosen by
    cross-validation on the labelled target rows: in each fold the target model is
    refitted on the other folds and the mixture scored on the held-out rows (the
    source model never sees target rows, so nothing leaks).

    Labelled target rows are rows with a known label and ``sample_domain <= -1``;
    they need an explicit ``sample_domain``. Masked rows are ignored. With one
    domain only the model is the estimator fitted on every labelled row (its
    baseline); without labelled target rows but with (unlabelled) target rows it
    is the source model, with a warning.

    Parameters
    ----------
    estimator : estimator object
        A scikit-learn regressor, or a classifier with ``predict_proba``.
    source_weights : array-like of shape (n_weights,), default=None
        Candidate weights ``beta`` in ``[0, 1]``; None gives ``0, 0.1, ..., 1``.
    cv : int or cross-validation generator, default=10
        Splits of the labelled target rows (stratified for classifiers when ``cv``
        is an int; fewer folds when there are fewer rows, or fewer rows of the
        largest class). Many folds keep each fold's target model close to the one
        fitted on all target rows, which matters when these are few.

    Attributes
    ----------
    source_estimator_ : estimator object or None
        The model fitted on the labelled source rows (None without them).
    target_estimator_ : estimator object or None
        The model fitted on all labelled target rows (None without them).
    source_weight_ : float
        The chosen ``beta``.
    cv_scores_ : ndarray of shape (n_weights,) or None
        Cross-validated score of each candidate weight (classifiers: mean
        log-likelihood of the true class, i.e. minus the log-loss; regressors:
        minus the mean squared error), None when no cross-validation took place.
    classes_ : ndarray of shape (n_classes,)
        Class labels, when the estimator is a classifier.
    %(feature_attributes)s

    See Also
    --------
    JointTraining : One model on the source and weighted target rows.
    TransferRidge : A target model shrunk towards the source model.

    Notes
    -----
    The prediction is

    .. math:: \hat f(x) = \beta \hat f_S(x) + (1 - \beta) \hat f_T(x),
        \qquad \beta \in [0, 1],

    the "linear interpolation" baseline of [1]_. With fewer than two labelled
    target rows no cross-validation is possible and ``beta = 0.5``. Among equally
    good weights the largest (the most source-reliant) is kept.

    References
    ----------
    .. [1] H. Daumé III, "Frustratingly easy domain adaptation", ACL 2007.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> from skadapt import LinearInterpolation
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(130, 3))
    >>> y = X @ [1.0, 2.0, 3.0] + np.r_[np.zeros(100), np.full(30, 2.0)]
    >>> sample_domain = np.r_[np.ones(100, int), -np.ones(30, int)]
    >>> model = LinearInterpolation(Ridge()).fit(X, y, sample_domain=sample_domain)
    >>> model.source_weight_
    0.0
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"])],
        "source_weights": ["array-like", None],
        "cv": ["cv_object"],
    }

    def __init__(self, estimator, *, source_weights=None, cv=10):
        self.estimator = estimator
        self.source_weights = source_weights
        self.cv = cv

    @Substitution(**FRAGMENTS)
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None, *, sample_domain=None):
        """Fit the source and target models and choose their weight.

        Parameters
        ----------
        %(wrapper_fit_rows)s
        sample_weight : array-like of shape (n_samples,), default=None
            Row weights, passed to both fits.
        %(fit_sample_domain)s

        Returns
        -------
        self : object
            The fitted meta-estimator.
        """
        name = type(self).__name__
        classifier = is_classifier(self.estimator)
        if classifier and not hasattr(self.estimator, "predict_proba"):
            raise ValueError(
                f"{name} mixes class probabilities and needs a classifier with "
                f"predict_proba; {type(self.estimator).__name__} has none."
            )
        grid = (
            np.linspace(0.0, 1.0, 11)
            if self.source_weights is None
            else np.asarray(self.source_weights, dtype=np.float64).ravel()
        )
        if grid.size == 0 or np.any((grid < 0) | (grid > 1)) or np.any(np.isnan(grid)):
            raise ValueError(
                f"{name}: source_weights must be a non-empty list of weights in "
                f"[0, 1], got {self.source_weights!r}."
            )
        y, rows, sw = _split_for(
            self.estimator, X, y, sample_weight, sample_domain, name
        )

        def part(mask):
            return _take(X, mask), y[mask], None if sw is None else sw[mask]

        known = rows.source | rows.target
        if classifier:
            check_classification_targets(y[known])
            self.classes_ = np.unique(y[known])
            if self.classes_.size < 2:
                raise ValueError(
                    f"{name} needs samples of at least 2 classes in the data, but "
                    f"the data contains only one class: {self.classes_[0]!r}."
                )
        else:
            assert_all_finite(y[known], input_name="y")
        self.source_estimator_ = self.target_estimator_ = None
        self.cv_scores_ = None
        if rows.source.any():
            self.source_estimator_ = _fit(
                self.estimator, *part(rows.source), classifier
            )
        if rows.target.any():
            self.target_estimator_ = _fit(
                self.estimator, *part(rows.target), classifier
            )
        if self.source_estimator_ is None:
            self.source_weight_ = 0.0
        elif self.target_estimator_ is None:
            if rows.any_target.any():
                _warn_unlabelled_target(name)
            self.source_weight_ = 1.0
        else:
            self.source_weight_ = self._cross_validate(
                grid, *part(rows.target), classifier
            )
        return self

    def _cross_validate(self, grid, Xt, yt, swt, classifier):
        n_t = yt.shape[0]
        if n_t < 2:
            return 0.5
        cv = self.cv
        if isinstance(cv, Integral):
            cv = min(cv, n_t)
            if classifier:
                _, counts = np.unique(yt, return_counts=True)
                cv = max(2, min(cv, counts.max()))
        with warnings.catch_warnings():
            # few rows per class: sklearn warns that a class has fewer members
            # than folds, which is expected here
            warnings.simplefilter("ignore", UserWarning)
            splits = list(
                check_cv(cv, yt if yt.ndim == 1 else None, classifier=classifier).split(
                    Xt, yt if yt.ndim == 1 else None
                )
            )
        classes = self.classes_ if classifier else None
        out_source = _output(self.source_estimator_, Xt, classes)
        out_target = np.zeros_like(out_source)
        for train, test in splits:
            model = _fit(
                self.estimator,
                _safe_indexing(Xt, train),
                yt[train],
                None if swt is None else swt[train],
                classifier,
            )
            out_target[test] = _output(model, _safe_indexing(Xt, test), classes)
        truth = np.searchsorted(classes, yt) if classifier else yt
        self.cv_scores_, best = _select_weight(
            grid, out_source, out_target, truth, classes
        )
        return best

    def _mix(self, X):
        check_is_fitted(self, "source_weight_")
        classes = getattr(self, "classes_", None)
        beta = self.source_weight_
        out = 0.0
        if self.source_estimator_ is not None and beta > 0:
            out = beta * _output(self.source_estimator_, X, classes)
        if self.target_estimator_ is not None and beta < 1:
            out = out + (1.0 - beta) * _output(self.target_estimator_, X, classes)
        return out

    def predict(self, X):
        """Predict with the weighted mixture of the two models.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to predict.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predicted labels (the most probable class of the mixture) or values.
        """
        out = self._mix(X)
        if hasattr(self, "classes_"):
            return self.classes_[out.argmax(axis=1)]
        return out

    @available_if(estimator_has("predict_proba", fitted=None))
    @Substitution(**FRAGMENTS)
    def predict_proba(self, X):
        """Class probabilities of the weighted mixture of the two models.

        %(classifier_predict_proba)s
        """
        return self._mix(X)

    def _fitted(self):
        check_is_fitted(self, "source_weight_")
        if self.source_estimator_ is not None:
            return self.source_estimator_
        return self.target_estimator_

    @property
    def n_features_in_(self):
        """Number of features seen during fit."""
        return self._fitted().n_features_in_

    @property
    def feature_names_in_(self):
        """Names of features seen during fit."""
        return self._fitted().feature_names_in_

    def score(self, X, y, sample_weight=None):
        """Accuracy (classifiers) or R^2 (regressors) of :meth:`predict`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            True labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Row weights.

        Returns
        -------
        score : float
            The score.
        """
        metric = accuracy_score if hasattr(self, "classes_") else r2_score
        return metric(y, self.predict(X), sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags = inner_estimator_tags(tags, self.estimator).input_tags
        return tags
