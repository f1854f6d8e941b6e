"""Self-training on target pseudo-labels with class-balanced, self-paced selection."""

import inspect
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from .._base import DomainMixin, domains_and_labels, estimator_has
from ..utils._docstrings import FRAGMENTS, Substitution
from ..utils._sklearn import HasMethods, Interval, _fit_context

__all__ = ["SelfTrainingDA"]

# The ``sample_domain`` of the prediction methods, which delegate to the estimator
# of the last round (eight spaces: a method's parameter entry).
_DELEGATED_SAMPLE_DOMAIN = Substitution(
    delegated_sample_domain="""sample_domain : array-like of shape (n_samples,), \
default=None
            Accepted for metadata routing; passed on to an estimator that
            takes it."""
)


def self_paced_selection(labels, confidence, fraction):
    """Rows kept in a round: the most confident ``fraction`` of each class.

    Parameters
    ----------
    labels : ndarray of shape (n,)
        Predicted class index of each row.
    confidence : ndarray of shape (n,)
        Confidence of each prediction (larger is surer).
    fraction : float in (0, 1]
        Share of each predicted class to keep, ``ceil(fraction * n_c)`` rows
        (ties broken by row order).

    Returns
    -------
    selected : ndarray of shape (n,), dtype=bool
    """
    selected = np.zeros(labels.shape[0], dtype=bool)
    order = np.lexsort((np.arange(labels.size), -confidence, labels))
    sorted_labels = labels[order]
    starts = np.flatnonzero(np.r_[True, sorted_labels[1:] != sorted_labels[:-1]])
    sizes = np.diff(np.r_[starts, labels.size])
    rank = np.arange(labels.size) - np.repeat(starts, sizes)
    keep = rank < np.ceil(fraction * np.repeat(sizes, sizes) - 1e-9)
    selected[order[keep]] = True
    return selected


@Substitution(**FRAGMENTS)
class SelfTrainingDA(MetaEstimatorMixin, ClassifierMixin, DomainMixin, BaseEstimator):
    r"""Self-training on the target rows: pseudo-labels added class by class.

    The estimator is first fitted on the labelled rows. At round ``t`` of
    ``n_iter`` it predicts the unlabelled target rows; within each predicted
    class the most confident share ``t / n_iter`` of its rows is kept
    (class-balanced, confidence-ranked, self-paced selection as in SPL [1]_),
    and the estimator is refitted on the labelled rows plus the kept rows
    with their pseudo-labels. The last round keeps every target row. It works
    after any aligner in a pipeline (it sees the aligned features) and around
    any classifier with ``predict_proba`` or ``decision_function``.

    An estimator whose ``fit`` accepts ``sample_domain`` (a skadapt
    adaptation estimator) is refitted on all rows with the kept target rows
    labelled and the others masked, with the domains; any other estimator on
    the labelled and kept rows only. When there is no unlabelled target row
    it is the estimator fitted once (the non-adaptive baseline).

    Parameters
    ----------
    estimator : classifier
        Cloned at each round.
    n_iter : int, default=5
        Number of self-training rounds; ``0`` is the estimator on the labelled
        rows only.

    Attributes
    ----------
    estimator_ : classifier
        The estimator fitted in the last round.
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    pseudo_labels_ : ndarray of shape (n_unlabelled_target,) or None
        Labels the last round was fitted with (every unlabelled target row);
        None when no round was run.
    n_selected_ : list of int
        Target rows kept at each round.
    %(feature_attributes)s

    See Also
    --------
    skadapt.LabelledOnly : Fits an estimator on the labelled rows only.

    Notes
    -----
    Round ``t`` keeps, of the :math:`n_c` unlabelled target rows predicted in
    class ``c``, the :math:`\lceil n_c t / T \rceil` with the largest
    confidence (the largest class probability, or the largest decision value
    without ``predict_proba``). Selecting within each predicted class keeps
    the classes balanced as the source classifier sees them, so a dominant
    class cannot take every early slot; growing the share lets early rounds
    learn from the surest rows only (self-paced learning).

    References
    ----------
    .. [1] Q. Wang and T. P. Breckon, "Unsupervised Domain Adaptation via
       Structured Prediction Based Selective Pseudo-Labeling", AAAI 2020.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skadapt import SelfTrainingDA
    >>> from skadapt.datasets import make_domain_shift
    >>> X, y, sample_domain, y_true = make_domain_shift(
    ...     80, 80, n_features=4, shift="covariate", random_state=0)
    >>> clf = SelfTrainingDA(LogisticRegression(), n_iter=3)
    >>> clf.fit(X, y, sample_domain=sample_domain).n_selected_
    [28, 54, 80]
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"])],
        "n_iter": [Interval(Integral, 0, None, closed="left")],
    }

    def __init__(self, estimator, *, n_iter=5):
        self.estimator = estimator
        self.n_iter = n_iter

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, *, sample_domain=None):
        """Fit the estimator, then self-train it on the target rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Source and target rows (the aligned features inside a pipeline).
        y : array-like of shape (n_samples,)
            Class labels, target labels masked (``-1``). Not modified.
        sample_domain : array-like of shape (n_samples,), default=None
            Domain id of each row: ``>= 1`` source, ``<= -1`` target.

        Returns
        -------
        self : object
            The fitted meta-estimator.
        """
        X = validate_data(self, X, dtype=None, ensure_all_finite=False)
        if y is None:
            raise ValueError(
                "SelfTrainingDA requires y to be passed, but the target y is None; "
                "give y with the target labels masked."
            )
        y = column_or_1d(y, warn=True)
        check_consistent_length(X, y)
        sd, known = domains_and_labels(sample_domain, y, X.shape[0], regression=False)
        if not known.any():
            raise ValueError(
                "SelfTrainingDA needs labelled rows; every label is masked."
            )
        check_classification_targets(y[known])
        self.classes_ = np.unique(y[known])
        free = (sd < 0) & ~known
        domain_aware = (
            "sample_domain" in inspect.signature(self.estimator.fit).parameters
        )
        self.n_selected_ = []
        self.pseudo_labels_ = None
        est = self._refit(X, y, sd, known, domain_aware)
        rounds = self.n_iter if free.any() else 0
        Xu = X[free]
        for t in range(1, rounds + 1):
            labels, confidence = self._predict_with_confidence(est, Xu)
            keep = self_paced_selection(labels, confidence, t / rounds)
            y_aug = y.copy()
            rows = np.flatnonzero(free)[keep]
            y_aug[rows] = self.classes_[labels[keep]]
            use = known.copy()
            use[rows] = True
            est = self._refit(X, y_aug, sd, use, domain_aware)
            self.n_selected_.append(int(keep.sum()))
            if t == rounds:
                self.pseudo_labels_ = self.classes_[labels]
        self.estimator_ = est
        return self

    def _refit(self, X, y, sd, use, domain_aware):
        """Fit a clone on the rows in ``use`` (kept target rows carry labels in y).

        A domain-aware estimator gets every row with the domains: the kept
        target rows are labelled target rows, the others stay masked.
        """
        est = clone(self.estimator)
        if domain_aware:
            return est.fit(X, y, sample_domain=sd)
        return est.fit(X[use], y[use])

    def _predict_with_confidence(self, est, X):
        if hasattr(est, "predict_proba"):
            P = est.predict_proba(X)
        else:
            P = est.decision_function(X)
            if P.ndim == 1:
                P = np.c_[-P, P]
        idx = np.argmax(P, axis=1)
        cols = np.searchsorted(self.classes_, est.classes_[idx])
        return cols, P[np.arange(P.shape[0]), idx]

    @_DELEGATED_SAMPLE_DOMAIN
    def predict(self, X, *, sample_domain=None):
        """Predict with the estimator of the last round.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to classify.
        %(delegated_sample_domain)s

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        return self._delegate("predict", X, sample_domain)

    @available_if(estimator_has("predict_proba"))
    @_DELEGATED_SAMPLE_DOMAIN
    def predict_proba(self, X, *, sample_domain=None):
        """Class probabilities of the estimator of the last round.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score.
        %(delegated_sample_domain)s

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        return self._delegate("predict_proba", X, sample_domain)

    @available_if(estimator_has("decision_function"))
    @_DELEGATED_SAMPLE_DOMAIN
    def decision_function(self, X, *, sample_domain=None):
        """Decision values of the estimator of the last round.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score.
        %(delegated_sample_domain)s

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
        """
        return self._delegate("decision_function", X, sample_domain)

    def _delegate(self, method, X, sample_domain):
        check_is_fitted(self, "estimator_")
        X = validate_data(self, X, dtype=None, ensure_all_finite=False, reset=False)
        func = getattr(self.estimator_, method)
        if sample_domain is not None and (
            "sample_domain" in inspect.signature(func).parameters
        ):
            return func(X, sample_domain=sample_domain)
        return func(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags
