"""Importance weights from a cross-fitted domain classifier (used by the scorers)."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted, validate_data

from .._base import DomainMixin, _check_domains, check_sample_domain
from ..utils._sklearn import HasMethods, Interval, _fit_context

__all__ = []

_PROBA_CLIP = 1e-3


def _default_domain_classifier():
    return make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000))


def _domain_classifier_ratio(
    X, is_target, *, classifier=None, n_folds=5, random_state=0
):
    """Raw density ratios ``p_t(x) / p_s(x)`` from a cross-fitted domain classifier.

    Each row's probability of being a target row comes from a classifier that did
    not see that row (``n_folds``-fold cross-fitting), so the ratios on the rows it
    was fitted on are not over-confident. Probabilities are clipped to
    ``[1e-3, 1 - 1e-3]``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Source and target rows.
    is_target : ndarray of shape (n_samples,), dtype=bool
        Which rows are target rows.
    classifier : estimator or None
        A probabilistic classifier; standardisation then logistic regression
        (``C=1``) when None.
    n_folds : int
        Cross-fitting folds (fewer when a domain has fewer rows).
    random_state : int
        Seeds the fold assignment.

    Returns
    -------
    ratio : ndarray of shape (n_samples,)
        ``(n_s / n_t) p(t | x) / p(s | x)`` for every row; its mean over the source
        rows estimates 1 but is not forced to it.
    """
    is_target = np.asarray(is_target, dtype=bool)
    n_t = int(is_target.sum())
    n_s = is_target.size - n_t
    clf = _default_domain_classifier() if classifier is None else clone(classifier)
    k = min(n_folds, n_t, n_s)
    labels = is_target.astype(np.int64)
    if k >= 2:
        cv = StratifiedKFold(n_splits=k, shuffle=True, random_state=random_state)
        proba = cross_val_predict(clf, X, labels, cv=cv, method="predict_proba")[:, 1]
    else:
        proba = clf.fit(X, labels).predict_proba(X)[:, 1]
    proba = np.clip(proba, _PROBA_CLIP, 1.0 - _PROBA_CLIP)
    return (n_s / n_t) * proba / (1.0 - proba)


class _DomainClassifierWeighter(DomainMixin, BaseEstimator):
    """Source-row importance weights from a cross-fitted domain classifier.

    Follows skadapt's weighter protocol: ``fit(X, y=None, *, sample_domain=None)``
    sets ``weights_`` (one per source row, mean 1) and ``compute_weights(X)`` gives
    out-of-sample weights. Weights are capped at ``max_weight`` times the mean.
    """

    _parameter_constraints: dict = {
        "classifier": [HasMethods(["fit", "predict_proba"]), None],
        "n_folds": [Interval(Integral, 2, None, closed="left")],
        "max_weight": [Interval(Real, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, *, classifier=None, n_folds=5, max_weight=20.0, random_state=0):
        self.classifier = classifier
        self.n_folds = n_folds
        self.max_weight = max_weight
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None, *, sample_domain=None):
        X = validate_data(self, X, dtype=[np.float64, np.float32])
        sd = check_sample_domain(sample_domain, y, X.shape[0])
        _check_domains(sd, need_source=True, need_target=True, caller="weighter")
        is_target = sd < 0
        ratio = _domain_classifier_ratio(
            X,
            is_target,
            classifier=self.classifier,
            n_folds=self.n_folds,
            random_state=self.random_state,
        )
        self.weights_ = self._normalise(ratio[~is_target])
        clf = (
            _default_domain_classifier()
            if self.classifier is None
            else clone(self.classifier)
        )
        self.classifier_ = clf.fit(X, is_target.astype(np.int64))
        self._scale = float(np.sum(~is_target) / np.sum(is_target))
        return self

    def _normalise(self, w):
        w = w / w.mean()
        w = np.minimum(w, self.max_weight)
        return w / w.mean()

    def compute_weights(self, X):
        check_is_fitted(self, "classifier_")
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        p = np.clip(
            self.classifier_.predict_proba(X)[:, 1], _PROBA_CLIP, 1 - _PROBA_CLIP
        )
        return self._normalise(self._scale * p / (1.0 - p))
