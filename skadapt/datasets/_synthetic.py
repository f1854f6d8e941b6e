"""Synthetic domain shifts with known ground truth."""

from numbers import Integral, Real

import numpy as np
from scipy import linalg
from sklearn.utils import check_random_state

from ..utils._sklearn import Interval, StrOptions, validate_params

__all__ = ["make_domain_shift"]

_SHIFTS = {"covariate", "label", "subspace", "scale"}


def _class_means(n_classes, n_features, separation, rng):
    means = rng.normal(size=(n_classes, n_features))
    means /= np.linalg.norm(means, axis=1, keepdims=True)
    return separation * means


def _random_rotation(n_features, angle, rng):
    """Orthogonal matrix ``expm(angle * S)`` for a random skew-symmetric ``S``.

    ``S`` has unit spectral norm, so ``angle`` (radians) bounds the largest rotation.
    """
    if n_features == 1:
        return np.array([[-1.0 if angle > np.pi / 2 else 1.0]])
    A = rng.normal(size=(n_features, n_features))
    S = A - A.T
    S /= np.linalg.norm(S, 2)
    return linalg.expm(angle * S)


@validate_params(
    {
        "n_samples_source": [Interval(Integral, 2, None, closed="left")],
        "n_samples_target": [Interval(Integral, 2, None, closed="left")],
        "n_features": [Interval(Integral, 1, None, closed="left")],
        "shift": [StrOptions(_SHIFTS)],
        "task": [StrOptions({"classification", "regression"})],
        "n_classes": [Interval(Integral, 2, None, closed="left")],
        "shift_strength": [Interval(Real, 0, None, closed="left")],
        "noise": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_domain_shift(
    n_samples_source=200,
    n_samples_target=200,
    *,
    n_features=2,
    shift="covariate",
    task="classification",
    n_classes=2,
    shift_strength=1.0,
    noise=0.1,
    random_state=None,
):
    """Draw a source and a target domain that differ by a known kind of shift.

    Parameters
    ----------
    n_samples_source : int, default=200
        Number of source rows.
    n_samples_target : int, default=200
        Number of target rows.
    n_features : int, default=2
        Number of features.
    shift : {"covariate", "label", "subspace", "scale"}, default="covariate"
        The kind of shift:

        - ``"covariate"``: ``p(x)`` moves, ``p(y | x)`` is fixed. Rows are drawn
          around a centre that moves by ``shift_strength`` between the domains and
          labelled by one fixed non-linear rule, so a model fitted where the
          source is dense errs where the target is.
        - ``"label"``: ``p(y)`` changes, ``p(x | y)`` is fixed (classification:
          the target's class proportions are skewed; regression: the target draws
          more rows with large ``y``).
        - ``"subspace"``: the target is the source rotated by an angle of
          ``shift_strength * pi / 4`` radians (in every plane at most) about the
          data mean.
        - ``"scale"``: each target feature is scaled by a factor in
          ``[exp(-s), exp(s)]`` and moved by up to ``2 s`` standard deviations,
          ``s = shift_strength``.
    task : {"classification", "regression"}, default="classification"
        Whether ``y`` holds class labels or real values.
    n_classes : int, default=2
        Number of classes (classification only).
    shift_strength : float, default=1.0
        Size of the shift; ``0`` gives two samples of one distribution.
    noise : float, default=0.1
        Label noise: the fraction of flipped labels (classification) or the
        standard deviation of the additive noise (regression).
    random_state : int, RandomState instance or None, default=None
        Seed of every draw.

    Returns
    -------
    X : ndarray of shape (n_samples_source + n_samples_target, n_features)
        Source rows first, then target rows.
    y : ndarray of shape (n_samples_source + n_samples_target,)
        Labels with the target labels masked (``-1`` for classification, ``NaN``
        for regression).
    sample_domain : ndarray of shape (n_samples_source + n_samples_target,)
        ``1`` for source rows, ``-1`` for target rows.
    y_true : ndarray of shape (n_samples_source + n_samples_target,)
        The true labels of every row, target rows included.

    Examples
    --------
    >>> from skadapt.datasets import make_domain_shift
    >>> X, y, sample_domain, y_true = make_domain_shift(
    ...     50, 30, n_features=3, shift="subspace", random_state=0)
    >>> X.shape, int((y == -1).sum()), int((sample_domain < 0).sum())
    ((80, 3), 30, 30)
    """
    rng = check_random_state(random_state)
    ns, nt, d = n_samples_source, n_samples_target, n_features
    s = float(shift_strength)
    classification = task == "classification"

    if shift == "covariate":
        direction = rng.normal(size=d)
        direction /= np.linalg.norm(direction)
        Xs = rng.normal(size=(ns, d)) - 0.75 * s * direction
        Xt = rng.normal(size=(nt, d)) + 0.75 * s * direction
        w = rng.normal(size=d)
        w /= np.linalg.norm(w)
        v = rng.normal(size=d)
        v /= np.linalg.norm(v)

        def score(X):
            # fixed non-linear rule: a linear model fitted on one region is wrong
            # on the other
            return X @ w + 0.8 * np.sin(2.0 * (X @ v)) + 0.3 * (X @ v) ** 2

        fs, ft = score(Xs), score(Xt)
        if classification:
            edges = np.quantile(np.r_[fs, ft], np.linspace(0, 1, n_classes + 1)[1:-1])
            ys, yt = np.searchsorted(edges, fs), np.searchsorted(edges, ft)
        else:
            ys, yt = fs, ft
    else:
        means = _class_means(n_classes if classification else 1, d, 3.0, rng)
        if classification:
            prior_s = np.full(n_classes, 1.0 / n_classes)
            if shift == "label":
                skew = np.exp(-s * np.arange(n_classes))
                prior_t = skew / skew.sum()
            else:
                prior_t = prior_s
            ys = rng.choice(n_classes, size=ns, p=prior_s)
            yt = rng.choice(n_classes, size=nt, p=prior_t)
            Xs = means[ys] + rng.normal(size=(ns, d))
            Xt = means[yt] + rng.normal(size=(nt, d))
        else:
            w = rng.normal(size=d)
            w /= np.linalg.norm(w)
            Xs = rng.normal(size=(ns, d))
            if shift == "label":
                # oversample the rows with large y: select by a tilted acceptance
                cand = rng.normal(size=(8 * nt, d))
                acc = np.exp(s * (cand @ w))
                pick = rng.choice(8 * nt, size=nt, replace=False, p=acc / acc.sum())
                Xt = cand[pick]
            else:
                Xt = rng.normal(size=(nt, d))
            ys, yt = Xs @ w, Xt @ w
        if shift == "subspace":
            centre = Xs.mean(axis=0)
            R = _random_rotation(d, s * np.pi / 4, rng)
            Xt = (Xt - centre) @ R.T + centre
        elif shift == "scale":
            scales = np.exp(rng.uniform(-s, s, size=d))
            offsets = rng.uniform(-2 * s, 2 * s, size=d) * Xs.std(axis=0)
            Xt = Xt * scales + offsets

    if classification:
        ys = np.asarray(ys, dtype=np.int64)
        yt = np.asarray(yt, dtype=np.int64)
        for yy in (ys, yt):
            flip = rng.uniform(size=yy.shape[0]) < noise
            yy[flip] = rng.randint(n_classes, size=int(flip.sum()))
        y_mask = np.full(nt, -1, dtype=np.int64)
    else:
        ys = ys + noise * rng.normal(size=ns)
        yt = yt + noise * rng.normal(size=nt)
        y_mask = np.full(nt, np.nan)

    X = np.concatenate([Xs, Xt])
    y_true = np.concatenate([ys, yt])
    y = np.concatenate([ys, y_mask])
    sample_domain = np.r_[np.ones(ns, dtype=np.int64), -np.ones(nt, dtype=np.int64)]
    return X, y, sample_domain, y_true
