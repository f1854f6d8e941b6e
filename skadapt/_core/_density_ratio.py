"""Density-ratio maths shared by the reweighting family, the model-selection scorers
and the transfer-gain estimate of the metrics.

One implementation of each concept: the cross-fitted domain-classifier ratio, the
weight cap (mean 1, largest weight ``max_weight``), the effective sample size and
the overlap of the domains (support coverage).
"""

import hashlib

import numpy as np
from joblib import Parallel, delayed
from scipy import sparse
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.neighbors import NearestNeighbors
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state

__all__ = [
    "COVERAGE_WARN",
    "DEFAULT_MAX_WEIGHT",
    "cap_weights",
    "coverage_radius",
    "coverage_rows",
    "cross_fitted_domain_odds",
    "data_seed",
    "default_domain_classifier",
    "domain_classifier_pvalue",
    "effective_sample_size",
    "fold_odds",
    "support_coverage",
]

# The one default weight cap of skadapt: weights of mean 1 in [0, 5] keep an
# effective sample size of at least a fifth of the source rows (sum w^2 <= 5 sum w).
DEFAULT_MAX_WEIGHT = 5.0

# Fraction of target rows inside the source support below which importance
# weighting is not to be trusted (about 0.95 without shift; measured: Auto
# Europe/Japan -> USA 0.27-0.31, where every weighting raised the RMSE, against
# 0.69-0.94 where weighting helped).
COVERAGE_WARN = 0.5


def default_domain_classifier():
    """Scaling to unit variance then logistic regression: the default classifier.

    Scaling first makes the ratio invariant to the units of the features; the
    rows are not centred (the unpenalised intercept makes the fit invariant to a
    shift anyway), so sparse rows stay sparse.
    """
    return make_pipeline(
        StandardScaler(with_mean=False), LogisticRegression(max_iter=1000)
    )


def data_seed(*arrays):
    """A seed drawn from the bytes of ``arrays``: the same data, the same seed.

    Used where ``random_state=None`` must still give every candidate of a search
    the same folds on the same data, in every joblib worker.
    """
    h = hashlib.blake2b(digest_size=4)
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(str(a.shape).encode())
        h.update(a.tobytes())
    return int.from_bytes(h.digest(), "little") & 0x7FFFFFFF


def _fit_fold(estimator, X, d, train):
    return clone(estimator).fit(X[train], d[train])


def _odds(model, X, clip):
    """``p(target | x) / p(source | x)`` with the probability clipped."""
    col = int(np.flatnonzero(model.classes_ == 1)[0])
    p = np.clip(model.predict_proba(X)[:, col], clip, 1.0 - clip)
    return p / (1.0 - p)


def fold_odds(models, X, clip):
    """Mean odds of the fold models on new rows (the out-of-sample ratio / prior)."""
    return np.mean([_odds(m, X, clip) for m in models], axis=0)


def cross_fitted_domain_odds(
    Xs, Xt, estimator=None, *, cv=5, clip=1e-3, n_jobs=None, random_state=None
):
    """Cross-fitted density ratios ``p_t(x) / p_s(x)`` of the source rows.

    A classifier tells target rows (``d = 1``) from source rows; by Bayes' rule its
    odds times ``n_s / n_t`` estimate the density ratio. Each source row's ratio
    comes from the fold model that did not see it (``cv`` folds stratified by
    domain), so no row is weighted by a model fitted on it.

    Parameters
    ----------
    Xs, Xt : ndarray
        Source and target rows.
    estimator : classifier or None
        With ``predict_proba``; :func:`default_domain_classifier` when None.
    cv : int
        Folds (fewer when a domain has fewer rows; at least 2 rows per domain).
    clip : float
        Probabilities clipped to ``[clip, 1 - clip]``.
    n_jobs : int or None
        Folds fitted in parallel.
    random_state : int, RandomState or None
        Shuffles the folds; None seeds them from the data (:func:`data_seed`).

    Returns
    -------
    ratio : ndarray of shape (n_s,)
        ``(n_s / n_t) p(t | x) / p(s | x)`` for each source row (mean about 1, not
        forced to it).
    models : list of estimator
        The fold models (for :func:`fold_odds`).
    prior_ratio : float
        ``n_s / n_t``.
    """
    ns, nt = Xs.shape[0], Xt.shape[0]
    n_splits = min(cv, ns, nt)
    if n_splits < 2:
        raise ValueError(
            "A cross-fitted domain classifier needs at least 2 source and 2 target "
            f"rows, got {ns} and {nt}."
        )
    X = (
        sparse.vstack([Xs, Xt]).tocsr()
        if sparse.issparse(Xs)
        else np.concatenate([Xs, Xt], axis=0)
    )
    d = np.r_[np.zeros(ns, dtype=np.int64), np.ones(nt, dtype=np.int64)]
    est = default_domain_classifier() if estimator is None else estimator
    if random_state is None:
        random_state = data_seed(X)
    splits = list(
        StratifiedKFold(n_splits, shuffle=True, random_state=random_state).split(X, d)
    )
    models = Parallel(n_jobs=n_jobs)(
        delayed(_fit_fold)(est, X, d, train) for train, _ in splits
    )
    ratio = np.empty(ns)
    for model, (_, test) in zip(models, splits):
        rows = test[test < ns]
        ratio[rows] = _odds(model, Xs[rows], clip)
    prior_ratio = ns / nt
    return ratio * prior_ratio, models, prior_ratio


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


def domain_classifier_pvalue(Xs, Xt, *, max_rows=1000, random_state=0):
    """p-value of "source and target rows come from one distribution".

    A classifier test: :func:`default_domain_classifier`, two-fold cross-fitted on
    a balanced subsample (at most ``max_rows`` rows per domain), tells the domains
    apart no better than a coin when they are equal, so its number of correct
    held-out predictions is then Binomial(2m, 1/2); the p-value is that binomial's
    upper tail. Linear in the rows; seeded, so deterministic.
    """
    from scipy.stats import binom

    rng = np.random.RandomState(random_state)
    m = min(Xs.shape[0], Xt.shape[0], max_rows)
    if m < 4:
        return 1.0
    A = Xs[rng.permutation(Xs.shape[0])[:m]]
    B = Xt[rng.permutation(Xt.shape[0])[:m]]
    X = (
        sparse.vstack([A, B]).tocsr()
        if sparse.issparse(A)
        else np.concatenate([A, B], axis=0)
    )
    d = np.r_[np.zeros(m, dtype=np.int64), np.ones(m, dtype=np.int64)]
    correct = 0
    folds = StratifiedKFold(2, shuffle=True, random_state=random_state)
    for train, test in folds.split(X, d):
        model = default_domain_classifier().fit(X[train], d[train])
        correct += int(np.sum(model.predict(X[test]) == d[test]))
    return float(binom.sf(correct - 1, 2 * m, 0.5))


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
    Xs = X_source if sparse.issparse(X_source) else np.asarray(X_source, np.float64)
    Xt = X_target if sparse.issparse(X_target) else np.asarray(X_target, np.float64)
    if Xt.shape[0] == 0:
        return 1.0
    if Xs.shape[0] < 2:
        raise ValueError(
            f"support_coverage needs at least 2 source rows, got {Xs.shape[0]}."
        )
    rows_s, rows_t = coverage_rows(
        Xs.shape[0], Xt.shape[0], max_samples=max_samples, random_state=random_state
    )
    Xs = Xs if rows_s is None else Xs[rows_s]
    Xt = Xt if rows_t is None else Xt[rows_t]
    nn = NearestNeighbors(n_neighbors=2).fit(Xs)
    # column 0 is the row itself (distance 0) unless it has duplicates, in which
    # case both columns are 0 and the nearest other row is at distance 0 anyway
    radius = coverage_radius(nn.kneighbors(Xs)[0][:, 1], quantile)
    dist = nn.kneighbors(Xt, n_neighbors=1)[0][:, 0]
    return float(np.mean(dist <= radius))


def coverage_rows(n_source, n_target, *, max_samples=1000, random_state=0):
    """The rows :func:`support_coverage` uses: ``(source, target)`` indices.

    ``None`` for a sample that is used whole (at most ``max_samples`` rows); the
    draws are those of :func:`support_coverage`, so a caller that already has the
    distances between the rows (e.g. in a kernel it computed) can compute the
    same fraction (see :func:`coverage_radius`).
    """
    rng = check_random_state(random_state)
    rows_s = rows_t = None
    if n_source > max_samples:
        rows_s = rng.choice(n_source, max_samples, replace=False)
    if n_target > max_samples:
        rows_t = rng.choice(n_target, max_samples, replace=False)
    return rows_s, rows_t


def coverage_radius(source_nn, quantile=0.95):
    """The radius of :func:`support_coverage` from its source distances.

    ``source_nn``: each source row's distance to its nearest other source row
    (over the rows of :func:`coverage_rows`); a target row is covered when its
    distance to the nearest source row is at most this radius.
    """
    return np.quantile(source_nn, quantile)
