"""Density-ratio maths shared by several families.

Importance weights and the checks around them (overlap of the domains, effective
sample size, the weight cap) are used by the weighters of
:mod:`skadapt.reweighting`, the scorers of :mod:`skadapt.model_selection` and the
transfer-gain estimate of :mod:`skadapt.metrics`; they live here so that no family
imports another.
"""

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.neighbors import NearestNeighbors
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state

__all__ = [
    "COVERAGE_WARN",
    "PROBA_CLIP",
    "cap_weights",
    "default_domain_classifier",
    "domain_classifier_ratio",
    "effective_sample_size",
    "support_coverage",
]

# Fraction of target rows inside the source support below which importance
# weighting is not to be trusted (about 0.95 without shift; measured: Auto
# Europe/Japan -> USA 0.27-0.31, where every weighting raised the RMSE, against
# 0.69-0.94 where weighting helped).
COVERAGE_WARN = 0.5

# Domain-classifier probabilities are clipped to [PROBA_CLIP, 1 - PROBA_CLIP].
PROBA_CLIP = 1e-3


def default_domain_classifier():
    """Standardisation then logistic regression (``C=1``): the domain classifier."""
    return make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000))


def support_coverage(
    X_source, X_target, *, quantile=0.95, max_samples=1000, random_state=0
):
    """Fraction of target rows that lie inside the support of the source rows.

    A target row is *covered* when its distance to the nearest source row is at
    most the ``quantile`` of the source rows' own nearest-neighbour distances
    (each source row to its nearest *other* source row). When both samples come
    from one distribution about ``quantile`` of the target rows are covered; a
    target region with no source rows nearby lowers the fraction. It is the
    overlap (positivity) condition importance weighting needs, checked without
    labels and without a density model. At most ``max_samples`` rows of each
    sample are used, drawn without replacement, so the cost is bounded whatever
    the number of rows.

    Parameters
    ----------
    X_source : ndarray of shape (n_source, n_features)
        Source rows (at least 2).
    X_target : ndarray of shape (n_target, n_features)
        Target rows.
    quantile : float in (0, 1], default=0.95
        Quantile of the source nearest-neighbour distances used as the radius.
    max_samples : int, default=1000
        Largest number of rows of each sample used.
    random_state : int, RandomState instance or None, default=0
        Draws the subsamples.

    Returns
    -------
    coverage : float
        Fraction in ``[0, 1]``; 1.0 when there is no target row.

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt.reweighting import support_coverage
    >>> source = np.arange(10.0).reshape(-1, 1)  # neighbours 1 apart
    >>> target = np.array([[0.5], [5.2], [20.0], [30.0]])
    >>> support_coverage(source, target)
    0.5
    """
    Xs = np.asarray(X_source, dtype=np.float64)
    Xt = np.asarray(X_target, dtype=np.float64)
    if Xt.shape[0] == 0:
        return 1.0
    if Xs.shape[0] < 2:
        raise ValueError(
            f"support_coverage needs at least 2 source rows, got {Xs.shape[0]}."
        )
    rng = check_random_state(random_state)
    if Xs.shape[0] > max_samples:
        Xs = Xs[rng.choice(Xs.shape[0], max_samples, replace=False)]
    if Xt.shape[0] > max_samples:
        Xt = Xt[rng.choice(Xt.shape[0], max_samples, replace=False)]
    nn = NearestNeighbors(n_neighbors=2).fit(Xs)
    # column 0 is the row itself (distance 0) unless it has duplicates, in which
    # case both columns are 0 and the nearest other row is at distance 0 anyway
    radius = np.quantile(nn.kneighbors(Xs)[0][:, 1], quantile)
    dist = nn.kneighbors(Xt, n_neighbors=1)[0][:, 0]
    return float(np.mean(dist <= radius))


def effective_sample_size(weights):
    """Kish's effective sample size ``(sum w)^2 / sum w^2`` of non-negative weights."""
    w = np.asarray(weights, dtype=np.float64)
    sq = float(w @ w)
    if sq == 0.0:
        return 0.0
    return float(w.sum() ** 2 / sq)


def cap_weights(weights, max_weight):
    """Rescale and cap weights so that their mean is 1 and none exceeds ``max_weight``.

    Finds the scale ``t`` with ``mean(min(t * w, max_weight)) = 1`` exactly (the map
    ``t -> mean(min(t w, M))`` is piecewise linear and non-decreasing, so the root
    is read off the sorted weights). With ``max_weight=None`` the weights are only
    rescaled to mean 1. When fewer than ``n / max_weight`` weights are positive no
    scale reaches mean 1 under the cap: the positive weights are set to the cap
    and the zero weights raised to the common floor that brings the mean to 1
    (the ratio mixed with uniform weights, as little as the cap requires).

    Parameters
    ----------
    weights : ndarray of shape (n,)
        Non-negative weights, not all zero.
    max_weight : float >= 1 or None
        Largest weight allowed after rescaling.

    Returns
    -------
    capped : ndarray of shape (n,)
        Weights with mean 1, each in ``[floor, max_weight]``.
    scale : float
        The scale ``t`` applied before capping (``inf`` in the floor case).
    floor : float
        Weight given to rows whose weight was 0 (0 unless the floor case).
    """
    w = np.asarray(weights, dtype=np.float64)
    n = w.shape[0]
    total = w.sum()
    if not total > 0:
        return np.ones(n), 1.0, 0.0
    scale = n / total
    if max_weight is None or np.max(w) * scale <= max_weight:
        return w * scale, scale, 0.0
    M = float(max_weight)
    k = np.count_nonzero(w)
    if M * k <= n:  # mean 1 is out of reach under the cap: cap + floor
        floor = (n - M * k) / (n - k) if k < n else 0.0
        return np.where(w > 0, M, floor), np.inf, floor
    # With the k largest weights capped, t solves  t * S_rest + k * M = n.
    order = np.sort(w)[::-1]
    rest = np.cumsum(order[::-1])[::-1]  # rest[k] = sum of order[k:]
    k = np.arange(n)
    t = (n - k * M) / np.where(rest > 0, rest, np.inf)
    # the right k: order[k] * t <= M and (k == 0 or order[k-1] * t >= M)
    ok = (order * t <= M * (1 + 1e-12)) & (
        np.r_[True, order[:-1] * t[1:] >= M * (1 - 1e-12)]
    )
    kk = int(np.flatnonzero(ok)[0])
    scale = float(t[kk])
    return np.minimum(w * scale, M), scale, 0.0


def domain_classifier_ratio(
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
    clf = default_domain_classifier() if classifier is None else clone(classifier)
    k = min(n_folds, n_t, n_s)
    labels = is_target.astype(np.int64)
    if k >= 2:
        cv = StratifiedKFold(n_splits=k, shuffle=True, random_state=random_state)
        proba = cross_val_predict(clf, X, labels, cv=cv, method="predict_proba")[:, 1]
    else:
        proba = clf.fit(X, labels).predict_proba(X)[:, 1]
    proba = np.clip(proba, PROBA_CLIP, 1.0 - PROBA_CLIP)
    return (n_s / n_t) * proba / (1.0 - proba)
