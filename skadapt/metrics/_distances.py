"""Distances between a source and a target sample, and a per-feature shift ranking."""

from numbers import Integral

import numpy as np
from scipy import linalg, stats
from sklearn.utils import Bunch

from .._core import (
    default_domain_classifier,
    domain_classifier_distance,
    mean_cov,
    sym_eigh,
)
from ..utils._docstrings import FRAGMENTS, Substitution
from ..utils._sklearn import HasMethods, Interval, validate_params
from ._mmd import _check_two_samples

__all__ = [
    "coral_distance",
    "feature_shift_ranking",
    "frechet_distance",
    "proxy_a_distance",
]


@Substitution(**FRAGMENTS)
@validate_params(
    {"X_source": ["array-like"], "X_target": ["array-like"]},
    prefer_skip_nested_validation=True,
)
def coral_distance(X_source, X_target):
    r"""CORAL distance: squared Frobenius distance of the two covariances.

    Parameters
    ----------
    %(two_samples)s

    Returns
    -------
    distance : float
        :math:`\lVert C_s - C_t \rVert_F^2 / (4 d^2)`, the CORAL loss of [1]_.

    See Also
    --------
    frechet_distance : Also compares the means, on the Wasserstein geometry.

    Notes
    -----
    Covariances are the (biased, ``1/n``) sample covariances, computed in float64.
    The distance is not scale invariant: standardise the features first when
    their units differ.

    References
    ----------
    .. [1] B. Sun and K. Saenko, "Deep CORAL: Correlation Alignment for Deep
       Domain Adaptation", ECCV Workshops 2016.

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt.metrics import coral_distance
    >>> rng = np.random.RandomState(0)
    >>> Xs = rng.normal(size=(1000, 2))
    >>> round(coral_distance(Xs, 2 * Xs), 2)
    1.03
    """
    Xs, Xt = _check_two_samples(X_source, X_target)
    _, cs = mean_cov(Xs)
    _, ct = mean_cov(Xt)
    d = Xs.shape[1]
    return float(np.sum((cs - ct) ** 2) / (4.0 * d * d))


@Substitution(**FRAGMENTS)
@validate_params(
    {
        "X_source": ["array-like"],
        "X_target": ["array-like"],
        "squared": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def frechet_distance(X_source, X_target, *, squared=True):
    r"""Fréchet (2-Wasserstein) distance between Gaussian fits of two samples.

    Each sample is summarised by its mean and covariance; the distance between the
    two Gaussians is the mean term plus the Bures-Wasserstein distance between the
    covariances [1]_ (the FID formula of image generation).

    Parameters
    ----------
    %(two_samples)s
    squared : bool, default=True
        Return the squared distance (the usual FID convention).

    Returns
    -------
    distance : float
        Non-negative.

    See Also
    --------
    coral_distance : Compares the covariances only, in Frobenius norm.

    Notes
    -----
    .. math::

        W_2^2 = \lVert \mu_s - \mu_t \rVert^2 + \operatorname{tr} C_s +
        \operatorname{tr} C_t - 2 \operatorname{tr}\left(C_s^{1/2} C_t
        C_s^{1/2}\right)^{1/2}

    Both matrix square roots come from symmetric eigendecompositions with the
    eigenvalues clipped at zero (no ``sqrtm``), so singular covariances (more
    features than rows) are handled.

    References
    ----------
    .. [1] D. C. Dowson and B. V. Landau, "The Fréchet Distance between
       Multivariate Normal Distributions", J. Multivariate Anal. 12, 1982.

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt.metrics import frechet_distance
    >>> rng = np.random.RandomState(0)
    >>> Xs = rng.normal(size=(500, 2))
    >>> round(frechet_distance(Xs, Xs + [3, 4]), 6)
    25.0
    """
    Xs, Xt = _check_two_samples(X_source, X_target)
    mu_s, cs = mean_cov(Xs)
    mu_t, ct = mean_cov(Xt)
    w, V = sym_eigh(cs)
    sqrt_s = (V * np.sqrt(w)) @ V.T
    M = sqrt_s @ ct @ sqrt_s
    eig = linalg.eigvalsh((M + M.T) / 2.0, check_finite=False)
    cross = np.sum(np.sqrt(np.maximum(eig, 0.0)))
    d2 = np.sum((mu_s - mu_t) ** 2) + np.trace(cs) + np.trace(ct) - 2.0 * cross
    d2 = max(float(d2), 0.0)
    return d2 if squared else float(np.sqrt(d2))


@Substitution(**FRAGMENTS)
@validate_params(
    {
        "X_source": ["array-like"],
        "X_target": ["array-like"],
        "estimator": [HasMethods(["fit", "predict"]), None],
        "cv": [Interval(Integral, 2, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def proxy_a_distance(X_source, X_target, *, estimator=None, cv=5, random_state=0):
    r"""Proxy A-distance: how well a classifier tells the two domains apart.

    A domain classifier is cross-validated on the pooled rows; its balanced error
    :math:`\epsilon` gives :math:`\hat d_A = 2 (1 - 2 \epsilon)` [1]_, from 0 (the
    domains cannot be told apart) to 2 (perfectly separable).

    Parameters
    ----------
    %(two_samples)s
    estimator : classifier or None, default=None
        Domain classifier; standardisation then logistic regression when None (a
        linear classifier, as in the original use of a linear SVM).
    cv : int, default=5
        Number of stratified folds.
    random_state : int, RandomState instance or None, default=0
        Shuffles the folds.

    Returns
    -------
    distance : float
        In ``[0, 2]``; a classifier worse than chance gives 0.

    See Also
    --------
    mmd_squared : A kernel two-sample statistic.

    Notes
    -----
    The balanced error (mean of the per-domain errors) is used so that unequal
    domain sizes do not make identical distributions look apart.

    References
    ----------
    .. [1] S. Ben-David, J. Blitzer, K. Crammer and F. Pereira, "Analysis of
       Representations for Domain Adaptation", NIPS 2006.

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt.metrics import proxy_a_distance
    >>> rng = np.random.RandomState(0)
    >>> Xs = rng.normal(size=(200, 2))
    >>> round(proxy_a_distance(Xs, rng.normal(size=(200, 2)) + 4), 2)
    2.0
    """
    Xs, Xt = _check_two_samples(X_source, X_target, accept_sparse=True)
    clf = default_domain_classifier() if estimator is None else estimator
    return domain_classifier_distance(Xs, Xt, clf, cv=cv, random_state=random_state)


@Substitution(**FRAGMENTS)
@validate_params(
    {
        "X_source": ["array-like"],
        "X_target": ["array-like"],
        "feature_names": ["array-like", None],
    },
    prefer_skip_nested_validation=True,
)
def feature_shift_ranking(X_source, X_target, *, feature_names=None):
    """Rank the features by how much their marginal distribution shifts.

    Each feature is compared on its own with a two-sample Kolmogorov-Smirnov test;
    the standardised mean difference and the log ratio of standard deviations say
    in which way it moved.

    Parameters
    ----------
    %(two_samples)s
    feature_names : array-like of shape (n_features,), default=None
        Names of the features; the column names of ``X_source`` when it is a
        DataFrame, ``"x0", "x1", ...`` otherwise.

    Returns
    -------
    ranking : :class:`~sklearn.utils.Bunch`
        Arrays of length ``n_features``, sorted by decreasing KS statistic:
        ``feature`` (names), ``index`` (column positions), ``ks_statistic``,
        ``ks_pvalue`` (not corrected for multiple testing), ``mean_shift``
        (``(mean_t - mean_s) / pooled std``) and ``log_std_ratio``
        (``log(std_t / std_s)``). ``pandas.DataFrame(ranking)`` makes a table.

    See Also
    --------
    mmd_squared : A multivariate comparison.

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt.metrics import feature_shift_ranking
    >>> rng = np.random.RandomState(0)
    >>> Xs = rng.normal(size=(300, 3))
    >>> Xt = rng.normal(size=(300, 3)) + [0, 2, 0.5]
    >>> r = feature_shift_ranking(Xs, Xt)
    >>> r.feature.tolist()
    ['x1', 'x2', 'x0']
    """
    if feature_names is None and hasattr(X_source, "columns"):
        feature_names = np.asarray(X_source.columns, dtype=object)
    Xs, Xt = _check_two_samples(X_source, X_target)
    d = Xs.shape[1]
    if feature_names is None:
        feature_names = np.array([f"x{j}" for j in range(d)], dtype=object)
    feature_names = np.asarray(feature_names, dtype=object)
    if feature_names.shape != (d,):
        raise ValueError(
            f"feature_names has {feature_names.shape[0]} entries for {d} features."
        )
    res = stats.ks_2samp(Xs, Xt, axis=0)
    ks = np.atleast_1d(res.statistic)
    pv = np.atleast_1d(res.pvalue)
    ms, mt = Xs.mean(axis=0), Xt.mean(axis=0)
    ss, st = Xs.std(axis=0), Xt.std(axis=0)
    pooled = np.sqrt((ss**2 + st**2) / 2.0)
    tiny = np.finfo(np.float64).tiny
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_shift = np.where(pooled > 0, (mt - ms) / np.maximum(pooled, tiny), 0.0)
        log_std_ratio = np.log(np.maximum(st, tiny)) - np.log(np.maximum(ss, tiny))
    log_std_ratio = np.where((ss == 0) & (st == 0), 0.0, log_std_ratio)
    order = np.lexsort((-np.abs(mean_shift), -ks))
    return Bunch(
        feature=feature_names[order],
        index=order,
        ks_statistic=ks[order],
        ks_pvalue=pv[order],
        mean_shift=mean_shift[order],
        log_std_ratio=log_std_ratio[order],
    )
