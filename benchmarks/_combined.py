"""Benchmark-local building block: target centroid refinement (not part of skadapt).

``CentroidRefinement(estimator)`` fits ``estimator`` on the labelled rows, takes its
class probabilities on the target rows as a soft assignment, and then runs a few
spherical k-means steps on the target rows alone, starting from those assignments:
class centroids of the L2-normalised target rows, each target row re-assigned to
its most similar centroid (cosine), repeated ``n_iter`` times. ``predict`` assigns
rows to the refined centroids. It uses the cluster structure of the target domain,
which a source classifier ignores; no target label is read, and ``n_iter=10`` is
fixed (1, 10 and 30 iterations give averages within 0.4 points of each other).
It assumes the target classes form clusters: it helps under subspace and scale
shifts and hurts under a pure covariate shift with a non-linear rule (seen on
``make_domain_shift``), so it is not a default of anything.

It lives in the benchmark as a candidate for the moonshot; if it earns its place it
belongs in skadapt proper (proposed in the data helper's report).
"""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.preprocessing import normalize

from skadapt._base import DomainMixin, check_sample_domain, labelled_mask


def _refine(Zt, P, n_iter):
    """Spherical k-means on the unit rows ``Zt`` from the soft assignment ``P``."""
    n_classes = P.shape[1]
    for _ in range(n_iter):
        centroids = normalize(P.T @ Zt)
        labels = np.argmax(Zt @ centroids.T, axis=1)
        P = np.eye(n_classes)[labels]
    return normalize(P.T @ Zt)


class CentroidRefinement(ClassifierMixin, DomainMixin, BaseEstimator):
    """Refine a source classifier's target predictions by target k-means."""

    def __init__(self, estimator, *, n_iter=10):
        self.estimator = estimator
        self.n_iter = n_iter

    def fit(self, X, y, *, sample_domain=None):
        """Fit the estimator on labelled rows, then refine on the target rows."""
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y)
        sd = check_sample_domain(sample_domain, y, X.shape[0])
        known = labelled_mask(y)
        self.estimator_ = clone(self.estimator).fit(X[known], y[known])
        self.classes_ = self.estimator_.classes_
        target = sd < 0
        if not target.any():
            self.centroids_ = None  # one domain: the estimator alone
            return self
        P = self.estimator_.predict_proba(X[target])
        self.centroids_ = _refine(normalize(X[target]), P, self.n_iter)
        return self

    def predict(self, X, *, sample_domain=None):
        """Nearest refined centroid (cosine); the estimator if there was no target."""
        X = np.asarray(X, dtype=np.float64)
        if self.centroids_ is None:
            return self.estimator_.predict(X)
        return self.classes_[np.argmax(normalize(X) @ self.centroids_.T, axis=1)]
