"""Domain discrepancies shared by the families (the proxy A-distance)."""

import numpy as np
from scipy import sparse
from sklearn.base import clone
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict

__all__ = ["domain_classifier_distance"]


def domain_classifier_distance(Xs, Xt, estimator, *, cv=5, random_state=0):
    r"""Proxy A-distance ``2 (1 - 2 err)`` of a cross-validated domain classifier.

    ``err`` is the balanced error (mean of the per-domain errors) of
    ``estimator`` telling the rows of ``Xs`` from those of ``Xt``, predicted by
    stratified ``cv``-fold cross-validation (at most as many folds as the
    smaller sample has rows).

    Parameters
    ----------
    Xs, Xt : ndarray of shape (n_source, d), (n_target, d)
        Validated rows, at least 2 each.
    estimator : classifier
        Cloned for each fold.
    cv : int, default=5
    random_state : int, RandomState instance or None, default=0
        Shuffles the folds.

    Returns
    -------
    distance : float in [0, 2]
        0 when the classifier does no better than chance.
    """
    if sparse.issparse(Xs) or sparse.issparse(Xt):
        X = sparse.vstack([Xs, Xt]).tocsr()
    else:
        X = np.concatenate([Xs, Xt])
    labels = np.r_[np.zeros(Xs.shape[0], dtype=int), np.ones(Xt.shape[0], dtype=int)]
    k = min(cv, Xs.shape[0], Xt.shape[0])
    folds = StratifiedKFold(n_splits=k, shuffle=True, random_state=random_state)
    pred = cross_val_predict(clone(estimator), X, labels, cv=folds)
    error = 1.0 - balanced_accuracy_score(labels, pred)
    return float(min(max(2.0 * (1.0 - 2.0 * error), 0.0), 2.0))
