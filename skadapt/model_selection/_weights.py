"""Importance weights from a cross-fitted domain classifier (used by the scorers)."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.utils.validation import check_is_fitted, validate_data

from .._base import DomainMixin, _check_domains, check_sample_domain
from .._core import PROBA_CLIP, default_domain_classifier, domain_classifier_ratio
from ..utils._sklearn import HasMethods, Interval, _fit_context

__all__ = ["domain_classifier_ratio"]


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
        ratio = domain_classifier_ratio(
            X,
            is_target,
            classifier=self.classifier,
            n_folds=self.n_folds,
            random_state=self.random_state,
        )
        self.weights_ = self._normalise(ratio[~is_target])
        clf = (
            default_domain_classifier()
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
        p = np.clip(self.classifier_.predict_proba(X)[:, 1], PROBA_CLIP, 1 - PROBA_CLIP)
        return self._normalise(self._scale * p / (1.0 - p))
