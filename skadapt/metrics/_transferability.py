"""Transferability scores: how well a representation of target rows fits their labels.

Each score takes the target rows as some representation gives them (raw features,
a feature extractor's output, a source model's outputs or class probabilities)
and a few labelled target rows, and says, without fitting the final model, how
well that representation will serve the target task. Greater is better for every
score; they are meant for *ranking* candidates on one target, not for comparing
values across targets.

All of them are vectorised: one symmetric eigendecomposition of the smaller Gram
matrix of the rows (an SVD of the feature matrix) and a few matrix products, no
loop over rows. Rows whose label is masked (``-1`` or ``NaN``, the data contract's
mask, :func:`skadapt.utils.labelled_mask`) are left out.
"""

import warnings
from numbers import Integral, Real

import numpy as np
from scipy import linalg
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_array

from .._base import labelled_mask
from .._core import ledoit_wolf_shrinkage_from_moments
from ..utils._docstrings import Substitution
from ..utils._sklearn import Interval, StrOptions, validate_params

__all__ = [
    "gbc_score",
    "h_score",
    "leep_score",
    "logme_score",
    "nce_score",
    "transrate_score",
]

_EPS = np.finfo(np.float64).eps
_TINY = np.finfo(np.float64).tiny


# The inputs of the scores of a representation on labelled target rows (entries
# substituted at four spaces in a function docstring).
_LABELLED_FEATURES = Substitution(
    labelled_features="""X : array-like of shape (n_samples, n_features)
        The target rows in the representation to score.
    y : array-like of shape (n_samples,)
        Class labels; masked rows (``-1``) are left out."""
)


def _check_labels(y, n_rows, caller, *, regression=False, what="X"):
    """Known labels of the target rows, with the checks every score needs.

    Returns the mask of labelled rows, and for classification the integer codes
    ``0..K-1`` of the labels (classes sorted, so codes do not depend on row order).
    """
    y = np.asarray(y)
    if y.ndim == 0 or (not regression and y.ndim != 1) or y.ndim > 2:
        raise ValueError(
            f"{caller}: y must be a 1-d array of class labels"
            + (" (or 2-d for several regression targets)" if regression else "")
            + f", got an array of shape {y.shape}."
        )
    if y.shape[0] != n_rows:
        raise ValueError(
            f"{caller}: {what} has {n_rows} rows but y has {y.shape[0]} labels."
        )
    known = labelled_mask(y, regression=regression)
    if not known.any():
        raise ValueError(
            f"{caller} needs the labels of target rows, but every label in y is "
            "masked (-1 or NaN, unknown). Label a few target rows (of at least two "
            "classes) and pass them in y."
        )
    if regression:
        return known, np.asarray(y[known], dtype=np.float64), None
    classes, codes = np.unique(y[known], return_inverse=True)
    if classes.size < 2:
        raise ValueError(
            f"{caller}: the labelled target rows hold one class only "
            f"({classes[0]!r}); a transferability score compares classes, so label "
            "target rows of at least two classes."
        )
    return known, codes.ravel(), classes


def _check_features(X, y, caller, *, regression=False):
    X = check_array(X, dtype=[np.float64, np.float32], ensure_min_samples=2)
    known, labels, classes = _check_labels(y, X.shape[0], caller, regression=regression)
    X = np.asarray(X[known], dtype=np.float64)
    if X.shape[0] < 2:
        raise ValueError(f"{caller} needs at least 2 labelled target rows.")
    return X, labels, classes


def _one_hot(codes, n_classes):
    Y = np.zeros((codes.shape[0], n_classes))
    Y[np.arange(codes.shape[0]), codes] = 1.0
    return Y


def _spectrum(F, Y=None):
    """Non-zero squared singular values of ``F`` and ``U^T Y``, by one ``eigh``.

    ``F = U diag(sqrt(s)) V^T`` (thin SVD). The eigendecomposition is taken of the
    smaller Gram matrix, ``F^T F`` (``d x d``) when there are more rows than
    features and ``F F^T`` (``n x n``) otherwise, so the cost is
    ``O(n d min(n, d))``. Eigenvalues below ``max(n, d) * eps * s_max`` (numerical
    zeros, as in a pseudo-inverse) are dropped.

    Returns
    -------
    s : ndarray of shape (r,)
        Squared singular values kept.
    Z : ndarray of shape (r, k) or None
        ``U^T Y`` for the kept directions (None when ``Y`` is None).
    """
    n, d = F.shape
    if n >= d:
        s, V = linalg.eigh(F.T @ F, check_finite=False)
    else:
        s, U = linalg.eigh(F @ F.T, check_finite=False)
    top = s[-1] if s.size else 0.0
    if not top > 0:
        return np.zeros(0), (None if Y is None else np.zeros((0, Y.shape[1])))
    keep = s > top * max(n, d) * _EPS
    s = s[keep]
    if Y is None:
        return s, None
    if n >= d:
        Z = (V[:, keep].T @ (F.T @ Y)) / np.sqrt(s)[:, None]
    else:
        Z = U[:, keep].T @ Y
    return s, Z


def _gram_eigvals(F):
    """All eigenvalues of ``F^T F`` that can be non-zero, clipped at 0."""
    n, d = F.shape
    G = F.T @ F if n >= d else F @ F.T
    return np.maximum(linalg.eigvalsh(G, check_finite=False), 0.0)


# ----------------------------------------------------------------------------- LogME


def _logme_evidence(s, Z2, e2, n, max_iter, tol):
    """Maximum log evidence of each column by the fixed-point updates of [You21].

    ``s``: squared singular values of ``F`` (r,); ``Z2``: ``(U^T y)^2`` (r, k);
    ``e2``: squared norm of each column outside the span of ``F`` (k,). Returns the
    log evidence at the fixed point (k,), ``alpha``, ``beta`` and whether every
    column converged.
    """
    k = Z2.shape[1]
    y2 = Z2.sum(axis=0) + e2
    if s.size == 0:  # F = 0: y is pure noise, beta = n / ||y||^2 in closed form
        beta = n / np.maximum(y2, _TINY)
        ev = 0.5 * n * np.log(beta) - 0.5 * beta * y2 - 0.5 * n * np.log(2 * np.pi)
        return ev, np.full(k, np.inf), beta, True
    r = s.size
    # t = alpha / beta lives in a bounded range: its ends are the limits of a model
    # that interpolates y (beta -> inf) and of one with w = 0 (alpha -> inf), where
    # the evidence tends to finite values; clipping stops the updates there.
    t_lo, t_hi = s.max() * 1e-12, s.max() * 1e12
    t = np.ones(k)
    sc = s[:, None]
    converged = False
    for _ in range(max_iter):
        den = sc + t
        gamma = (sc / den).sum(axis=0)
        n_minus_gamma = (n - r) + (t / den).sum(axis=0)  # no cancellation
        m2 = (sc * Z2 / den**2).sum(axis=0)
        res2 = ((t / den) ** 2 * Z2).sum(axis=0) + e2
        alpha = gamma / np.maximum(m2, _TINY * y2 + _TINY)
        beta = n_minus_gamma / np.maximum(res2, _TINY * y2 + _TINY)
        t_new = np.clip(alpha / beta, t_lo, t_hi)
        done = np.abs(t_new - t) <= tol * t
        t = t_new
        if np.all(done):
            converged = True
            break
    # evidence at the final (alpha, beta), with m and the residual recomputed there
    den = sc + t
    gamma = (sc / den).sum(axis=0)
    n_minus_gamma = (n - r) + (t / den).sum(axis=0)
    m2 = (sc * Z2 / den**2).sum(axis=0)
    res2 = ((t / den) ** 2 * Z2).sum(axis=0) + e2
    beta = n_minus_gamma / np.maximum(res2, _TINY * y2 + _TINY)
    alpha = t * beta
    ev = (
        0.5 * n * np.log(beta)
        - 0.5 * alpha * m2
        - 0.5 * beta * res2
        - 0.5 * np.log1p(sc / t).sum(axis=0)
        - 0.5 * n * np.log(2 * np.pi)
    )
    return ev, alpha, beta, converged


@validate_params(
    {
        "X": ["array-like"],
        "y": ["array-like"],
        "regression": ["boolean"],
        "fit_intercept": ["boolean"],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="neither")],
    },
    prefer_skip_nested_validation=True,
)
def logme_score(X, y, *, regression=False, fit_intercept=False, max_iter=100, tol=1e-6):
    r"""LogME: the log maximum evidence of a Bayesian linear model on the features.

    Each target (one column per class, one-vs-rest, for classification; each
    output for regression) is modelled as a linear function of the features with
    a Gaussian prior on the weights and Gaussian noise, and the evidence (the
    marginal likelihood of the labels) is maximised over the prior precision
    :math:`\alpha` and the noise precision :math:`\beta` [1]_. Features that make
    the labels likely under a simple linear model score high. The score is the
    log evidence divided by the number of rows, averaged over the columns.

    Needs: features of labelled target rows and their labels. Cost: one
    eigendecomposition of the smaller Gram matrix, ``O(n d min(n, d))``, then
    ``O(k min(n, d))`` per fixed-point iteration for the ``k`` columns together.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The target rows in the representation to score.
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Class labels (``regression=False``) or regression targets. Masked rows
        (``-1``, or ``NaN`` for regression) are left out.
    regression : bool, default=False
        Treat ``y`` as real-valued targets instead of class labels.
    fit_intercept : bool, default=False
        Give the linear model an intercept with a flat prior: the features and
        the targets are centred and the evidence is that of the centred data, in
        the :math:`n - 1` dimensions orthogonal to the constant (the restricted
        likelihood). Without it, as in [1]_, the targets' mean must come from the
        features, which centred representations (standardised features, a
        decision function) cannot give.
    max_iter : int, default=100
        Largest number of fixed-point iterations; they typically converge in
        fewer than ten.
    tol : float, default=1e-6
        Stop when the ratio :math:`\alpha / \beta` of every column changes by less
        than this fraction.

    Returns
    -------
    score : float
        Log evidence per row, averaged over the columns; greater is better.

    See Also
    --------
    h_score : A second-moment score of the same features.

    Notes
    -----
    For one column :math:`y` with features :math:`F \in \mathbb{R}^{n \times d}`,
    :math:`w \sim \mathcal N(0, \alpha^{-1} I)` and
    :math:`y \mid F, w \sim \mathcal N(F w, \beta^{-1} I)`,

    .. math::

        \log p(y \mid F, \alpha, \beta) = \frac{d}{2} \log \alpha + \frac{n}{2}
        \log \beta - \frac{n}{2} \log 2\pi - \frac{\beta}{2} \lVert F m - y
        \rVert^2 - \frac{\alpha}{2} m^\top m - \frac{1}{2} \log \lvert A \rvert,

    with :math:`A = \alpha I + \beta F^\top F` and :math:`m = \beta A^{-1} F^\top
    y`. With the SVD :math:`F = U \Sigma V^\top`, every term is a sum over the
    singular values, and the maximum is reached by MacKay's fixed-point updates
    :math:`\gamma = \sum_i \beta \sigma_i^2 / (\alpha + \beta \sigma_i^2)`,
    :math:`\alpha \leftarrow \gamma / m^\top m`, :math:`\beta \leftarrow (n -
    \gamma) / \lVert F m - y \rVert^2`, all columns at once from one SVD, as in
    [1]_. When there are at least as many features as rows the model can
    interpolate the labels and the maximum may lie at :math:`\beta \to \infty`;
    the ratio :math:`\alpha / \beta` is then kept above :math:`10^{-12}
    \sigma_{\max}^2`, where the evidence has reached its limit. The features are
    used as given (no centring, no intercept), as in [1]_. The score is invariant
    to a common rescaling of the features (:math:`\alpha` absorbs it).

    References
    ----------
    .. [1] K. You, Y. Liu, J. Wang and M. Long, "LogME: Practical Assessment of
       Pre-trained Models for Transfer Learning", ICML 2021.

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt.metrics import logme_score
    >>> rng = np.random.RandomState(0)
    >>> y = rng.randint(0, 3, size=200)
    >>> informative = np.eye(3)[y] + 0.1 * rng.normal(size=(200, 3))
    >>> noise = rng.normal(size=(200, 3))
    >>> bool(logme_score(informative, y) > logme_score(noise, y))
    True
    """
    F, labels, classes = _check_features(X, y, "logme_score", regression=regression)
    if regression:
        Y = labels.reshape(F.shape[0], -1)
    else:
        Y = _one_hot(labels, classes.size)
    n = F.shape[0]
    if fit_intercept:
        F = F - F.mean(axis=0)
        Y = Y - Y.mean(axis=0)
        n -= 1  # the data live in the n - 1 dimensions orthogonal to 1
    s, Z = _spectrum(F, Y)
    if s.size > n:  # keep the n largest (eigenvalues come in ascending order)
        s, Z = s[s.size - n :], Z[s.size - n :]
    Z2 = Z * Z
    e2 = np.maximum((Y * Y).sum(axis=0) - Z2.sum(axis=0), 0.0)
    ev, _, _, converged = _logme_evidence(s, Z2, e2, n, max_iter, tol)
    if not converged:
        warnings.warn(
            f"logme_score: the fixed-point updates did not converge in {max_iter} "
            "iterations; increase max_iter.",
            ConvergenceWarning,
            stacklevel=2,
        )
    return float(np.mean(ev) / n)


# ------------------------------------------------------------------------ LEEP / NCE


@validate_params(
    {"source_proba": ["array-like"], "y": ["array-like"]},
    prefer_skip_nested_validation=True,
)
def leep_score(source_proba, y):
    r"""LEEP: log expected empirical prediction of a source classifier on the target.

    The source model's class probabilities on the labelled target rows give an
    empirical joint distribution of (target label, source label); the score is the
    mean log-likelihood of the target labels under the classifier that maps each
    source class to the target labels by that joint, the "expected empirical
    predictor" of [1]_. It needs no training on the target.

    Needs: the source model's ``predict_proba`` on labelled target rows and their
    labels (the source and target label sets may differ). Cost: ``O(n K_s K_t)``.

    Parameters
    ----------
    source_proba : array-like of shape (n_samples, n_source_classes)
        Source-class probabilities of the target rows, e.g.
        ``source_model.predict_proba(X_target)``; each row sums to 1.
    y : array-like of shape (n_samples,)
        Target labels; masked rows (``-1``) are left out.

    Returns
    -------
    score : float
        Mean log-likelihood, at most 0; greater is better.

    See Also
    --------
    nce_score : The same question from hard source labels.

    Notes
    -----
    With :math:`\theta(x)_z` the source probability of source class :math:`z`,

    .. math::

        \hat P(y, z) = \frac{1}{n} \sum_{i : y_i = y} \theta(x_i)_z, \qquad
        \hat P(y \mid z) = \frac{\hat P(y, z)}{\sum_{y'} \hat P(y', z)},

        \mathrm{LEEP} = \frac{1}{n} \sum_{i=1}^n \log \Bigl(\sum_z \hat P(y_i
        \mid z)\, \theta(x_i)_z\Bigr).

    References
    ----------
    .. [1] C. V. Nguyen, T. Hassner, M. Seeger and C. Archambeau, "LEEP: A New
       Measure to Evaluate Transferability of Learned Representations", ICML
       2020.

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt.metrics import leep_score
    >>> proba = np.array([[0.9, 0.1], [0.8, 0.2], [0.2, 0.8], [0.1, 0.9]])
    >>> round(leep_score(proba, [0, 0, 1, 1]), 4)
    -0.2955
    >>> round(leep_score(proba, [0, 1, 0, 1]), 4)
    -0.6856
    """
    P = check_array(source_proba, dtype=[np.float64, np.float32], ensure_min_samples=2)
    P = np.asarray(P, dtype=np.float64)
    if np.any(P < 0) or not np.allclose(P.sum(axis=1), 1.0, atol=1e-6):
        raise ValueError(
            "leep_score: source_proba must hold class probabilities (non-negative "
            "rows summing to 1), such as source_model.predict_proba(X_target); "
            "got rows summing to "
            f"{P.sum(axis=1).min():.3g}..{P.sum(axis=1).max():.3g}."
        )
    known, codes, classes = _check_labels(
        y, P.shape[0], "leep_score", what="source_proba"
    )
    P = P[known]
    n = P.shape[0]
    joint = _one_hot(codes, classes.size).T @ P / n  # (K_t, K_s)
    marginal = joint.sum(axis=0)
    cond = np.divide(joint, marginal, out=np.zeros_like(joint), where=marginal > 0)
    eep = np.einsum("iz,iz->i", P, cond[codes])  # sum_z P(y_i | z) theta_iz
    return float(np.mean(np.log(np.maximum(eep, _TINY))))


@validate_params(
    {"source_labels": ["array-like"], "y": ["array-like"]},
    prefer_skip_nested_validation=True,
)
def nce_score(source_labels, y):
    r"""NCE: negative conditional entropy of the target labels given source labels.

    Each labelled target row carries a source label (the source model's
    prediction, ``source_model.predict(X_target)``, or a label from the source
    task when the rows have both); the less uncertain the target label is once
    the source label is known, the better the source task transfers [1]_.

    Needs: hard source labels of labelled target rows and their target labels.
    Cost: ``O(n)`` (a joint histogram).

    Parameters
    ----------
    source_labels : array-like of shape (n_samples,)
        Source-task label of each target row.
    y : array-like of shape (n_samples,)
        Target labels; masked rows (``-1``) are left out.

    Returns
    -------
    score : float
        :math:`-H(Y \mid Z)`, at most 0; greater is better.

    See Also
    --------
    leep_score : The soft version, from source probabilities.

    Notes
    -----
    With :math:`\hat P(y, z)` the empirical joint of the target and source labels
    of the rows,

    .. math::

        \mathrm{NCE} = -H(Y \mid Z) = \sum_{y, z} \hat P(y, z) \log
        \frac{\hat P(y, z)}{\hat P(z)}.

    References
    ----------
    .. [1] A. T. Tran, C. V. Nguyen and T. Hassner, "Transferability and Hardness
       of Supervised Classification Tasks", ICCV 2019.

    Examples
    --------
    >>> from skadapt.metrics import nce_score
    >>> nce_score(["a", "a", "b", "b"], [0, 0, 1, 1])
    0.0
    >>> round(nce_score(["a", "a", "b", "b"], [0, 1, 0, 1]), 4)
    -0.6931
    """
    z = np.asarray(source_labels)
    if z.ndim != 1:
        raise ValueError(
            "nce_score: source_labels must be a 1-d array of hard source labels "
            "(source_model.predict(X_target)), got an array of shape "
            f"{z.shape}; for probabilities use leep_score."
        )
    known, codes, classes = _check_labels(
        y, z.shape[0], "nce_score", what="source_labels"
    )
    _, zc = np.unique(z[known], return_inverse=True)
    zc = zc.ravel()
    n_z = int(zc.max()) + 1
    joint = np.bincount(codes * n_z + zc, minlength=classes.size * n_z)
    joint = joint.reshape(classes.size, n_z) / codes.shape[0]
    marginal = joint.sum(axis=0)
    nz = joint > 0
    ratio = joint[nz] / np.broadcast_to(marginal, joint.shape)[nz]
    return float(np.sum(joint[nz] * np.log(ratio)))


# --------------------------------------------------------------------------- H-score


@validate_params(
    {
        "X": ["array-like"],
        "y": ["array-like"],
        "reg": [None, StrOptions({"auto"}), Interval(Real, 0, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
@_LABELLED_FEATURES
def h_score(X, y, *, reg=None):
    r"""H-score: how much of the feature covariance the class means explain.

    The H-score [1]_ is :math:`\operatorname{tr}(\operatorname{cov}(f)^{-1}
    \operatorname{cov}(\mathbb E[f \mid y]))`, the asymptotic error exponent of a
    classifier on the features: between-class over total variance, in every
    direction of the feature space at once.

    The inverse of a sample covariance is unstable when there are few rows for
    the dimension; with at least as many features as rows (and distinct rows),
    the published score is exactly :math:`K - 1` whatever the features. The
    shrinkage variant of [2]_ (``reg="auto"``) replaces the covariance by its
    Ledoit-Wolf estimate and keeps a meaningful ranking there.

    Needs: features of labelled target rows and their labels. Cost: one
    eigendecomposition of the smaller Gram matrix, ``O(n d min(n, d))``; the
    ``d x d`` covariance is never formed.

    Parameters
    ----------
    %(labelled_features)s
    reg : None, "auto" or float, default=None
        ``None``: the published H-score, with the pseudo-inverse of the
        covariance (eigenvalues below ``max(n, d) * eps`` times the largest are
        dropped). ``"auto"``: the shrinkage H-score of [2]_, Ledoit-Wolf intensity
        :math:`a`. A float ``r >= 0``: a ridge :math:`\operatorname{cov}(f) + r
        \frac{\operatorname{tr} \operatorname{cov}(f)}{d} I`. The default
        departs from skadapt's ``reg="auto"`` so that the function named after
        the published score computes it.

    Returns
    -------
    score : float
        Non-negative, at most :math:`K - 1`; greater is better.

    See Also
    --------
    logme_score : A likelihood-based score of the same features.

    Notes
    -----
    With :math:`\Sigma` the (biased) covariance of the features, :math:`\mu_c`
    and :math:`n_c` the mean and size of class :math:`c` and :math:`\mu` the mean,

    .. math::

        H = \operatorname{tr}\bigl(\Sigma^{+} B\bigr), \qquad B = \sum_c
        \frac{n_c}{n} (\mu_c - \mu)(\mu_c - \mu)^\top,

        H_a = \operatorname{tr}\bigl(((1 - a) \Sigma + a \bar\sigma I)^{-1} (1 -
        a) B\bigr), \quad \bar\sigma = \operatorname{tr}(\Sigma) / d.

    With the SVD of the centred features :math:`F_c = U S V^\top`, :math:`H =
    \sum_c \lVert U^\top 1_c \rVert^2 / n_c`: the score is computed in the row
    space, whatever :math:`d`.

    References
    ----------
    .. [1] Y. Bao, Y. Li, S.-L. Huang, L. Zhang, L. Zheng, A. Zamir and L.
       Guibas, "An Information-Theoretic Approach to Transferability in Task
       Transfer Learning", ICIP 2019.
    .. [2] S. Ibrahim, N. Ponomareva and R. Mazumder, "Newer is Not Always
       Better: Rethinking Transferability Metrics, Their Peculiarities,
       Stability and Performance", ECML PKDD 2022.

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt.metrics import h_score
    >>> rng = np.random.RandomState(0)
    >>> y = rng.randint(0, 2, size=500)
    >>> X = np.c_[2.0 * y + rng.normal(size=500), rng.normal(size=500)]
    >>> round(h_score(X, y), 1)  # between / total variance: 1 / (1 + 1)
    0.5
    >>> bool(h_score(X, y, reg="auto") <= h_score(X, y))
    True
    """
    F, codes, classes = _check_features(X, y, "h_score")
    n, d = F.shape
    Fc = F - F.mean(axis=0)
    counts = np.bincount(codes, minlength=classes.size).astype(np.float64)
    s, Z = _spectrum(Fc, _one_hot(codes, classes.size))
    Z2 = Z * Z  # (r, K): (u_i^T 1_c)^2
    if reg is None:
        return float(np.sum(Z2.sum(axis=0) / counts))
    lam = s / n  # covariance eigenvalues (non-zero ones)
    mu = lam.sum() / d
    if not mu > 0:
        return 0.0
    if isinstance(reg, str):
        a2 = np.einsum("ij,ij->i", Fc, Fc)
        frob2 = float(lam @ lam)
        # an isotropic covariance (always so for d = 1) is its own shrinkage
        # target: any intensity gives the same matrix, and 0 keeps the (1 - a)
        # factor from zeroing the score (scikit-learn's ledoit_wolf does the same)
        isotropic = frob2 - d * mu * mu <= 1e-12 * frob2
        a = (
            0.0
            if isotropic
            else ledoit_wolf_shrinkage_from_moments(
                float(lam.sum()), frob2, float(a2 @ a2), n, d
            )
        )
        denom = (1.0 - a) * lam + a * mu
        scale = 1.0 - a
    else:
        denom = lam + reg * mu
        scale = 1.0
    # (mu_c - mu)^T inv(.) (mu_c - mu) * n_c / n in the eigenbasis of the covariance
    inner = (lam[:, None] * Z2 / denom[:, None]).sum(axis=0) / counts
    return float(scale * inner.sum())


# ------------------------------------------------------------------------- TransRate


@validate_params(
    {
        "X": ["array-like"],
        "y": ["array-like"],
        "eps": [Interval(Real, 0, None, closed="neither")],
    },
    prefer_skip_nested_validation=True,
)
@_LABELLED_FEATURES
def transrate_score(X, y, *, eps=1e-4):
    r"""TransRate: coding rate of the features minus its mean within the classes.

    The coding rate :math:`R(Z, \epsilon)` is the number of bits needed to encode
    the features up to a distortion :math:`\epsilon`; TransRate [1]_ is the rate of
    all the rows minus the mean rate of the rows of each class, an estimate of
    the mutual information between features and labels: high when the classes
    are spread apart and compact within.

    Needs: features of labelled target rows and their labels. Cost: one
    eigendecomposition of a Gram matrix per class and one for all rows,
    ``O(n d min(n, d))`` in all.

    Parameters
    ----------
    %(labelled_features)s
    eps : float, default=1e-4
        Distortion :math:`\epsilon` of the coding rate, relative to the mean
        feature variance :math:`\operatorname{tr}(\Sigma) / d` (so the score does
        not depend on the features' units; on standardised features it is the
        paper's absolute :math:`\epsilon`, whose default it keeps).

    Returns
    -------
    score : float
        Greater is better.

    See Also
    --------
    gbc_score : Class overlap of per-class Gaussians.

    Notes
    -----
    With :math:`Z` the centred features (:math:`n \times d`), :math:`Z_c` its rows
    of class :math:`c` (:math:`n_c` of them), :math:`K` classes and
    :math:`\epsilon' = \epsilon \operatorname{tr}(\Sigma) / d`,

    .. math::

        R(Z, \epsilon') = \frac{1}{2} \log\det\Bigl(I_d + \frac{1}{n \epsilon'}
        Z^\top Z\Bigr), \qquad \mathrm{TrR} = R(Z, \epsilon') - \frac{1}{K}
        \sum_c R(Z_c, \epsilon'),

    the form of the authors' algorithm (mean over classes, each class rate
    normalised by its own :math:`n_c`). Each log-determinant is a sum over the
    eigenvalues of the smaller Gram matrix.

    References
    ----------
    .. [1] L.-K. Huang, J. Huang, Y. Rong, Q. Yang and Y. Wei, "Frustratingly
       Easy Transferability Estimation", ICML 2022.

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt.metrics import transrate_score
    >>> rng = np.random.RandomState(0)
    >>> y = rng.randint(0, 3, size=300)
    >>> separated = np.eye(3)[y] * 3 + rng.normal(size=(300, 3))
    >>> noise = rng.normal(size=(300, 3))
    >>> bool(transrate_score(separated, y) > transrate_score(noise, y))
    True
    """
    F, codes, classes = _check_features(X, y, "transrate_score")
    n, d = F.shape
    Z = F - F.mean(axis=0)
    total_var = float(np.einsum("ij,ij->", Z, Z)) / (n * d)
    if not total_var > 0:
        return 0.0
    e = eps * total_var
    rate = 0.5 * np.sum(np.log1p(_gram_eigvals(Z) / (n * e)))
    order = np.argsort(codes, kind="stable")
    bounds = np.cumsum(np.bincount(codes, minlength=classes.size))[:-1]
    class_rates = [
        0.5 * np.sum(np.log1p(_gram_eigvals(Z[rows]) / (rows.size * e)))
        for rows in np.split(order, bounds)
    ]
    return float(rate - np.mean(class_rates))


# ------------------------------------------------------------------------------- GBC


@validate_params(
    {
        "X": ["array-like"],
        "y": ["array-like"],
        "reg": [Interval(Real, 0, None, closed="neither")],
    },
    prefer_skip_nested_validation=True,
)
@_LABELLED_FEATURES
def gbc_score(X, y, *, reg=1e-4):
    r"""GBC: minus the total Bhattacharyya overlap of per-class Gaussians.

    Each class of labelled target rows is summarised by a Gaussian with diagonal
    covariance in the feature space; the Bhattacharyya coefficient of two classes
    is 1 when their Gaussians coincide and 0 when they do not overlap. GBC [1]_ is
    minus the sum of the coefficients over all ordered pairs of distinct classes:
    0 for perfectly separated classes, :math:`-K(K-1)` for identical ones.

    Needs: features of labelled target rows and their labels. Cost: ``O(n d)`` for
    the class statistics and ``O(K^2 d)`` for the pairs (memory ``O(K d)``).

    Parameters
    ----------
    %(labelled_features)s
    reg : float, default=1e-4
        Floor of every per-class variance of a feature, relative to the variance
        of that feature over all rows (constant features within a class,
        frequent with few rows per class, would give infinite distances). On
        standardised features it is the paper's absolute floor of ``1e-4``.
        Features constant over all rows are left out (they separate nothing).

    Returns
    -------
    score : float
        In :math:`[-K(K-1), 0]`; greater is better.

    See Also
    --------
    transrate_score : Another class-separability score.

    Notes
    -----
    With :math:`\mu_c` and :math:`\sigma^2_c` the mean and (biased) per-feature
    variance of class :math:`c`, floored at ``reg`` times the feature's variance,
    and :math:`\bar\sigma^2 = (\sigma^2_i + \sigma^2_j) / 2`,

    .. math::

        D_B(i, j) = \frac{1}{8} \sum_k \frac{(\mu_{ik} - \mu_{jk})^2}{\bar\sigma^2_k}
        + \frac{1}{2} \sum_k \log \frac{\bar\sigma^2_k}{\sigma_{ik}
        \sigma_{jk}}, \qquad \mathrm{GBC} = -\sum_{i \ne j} e^{-D_B(i, j)}.

    The diagonal Gaussians are those the paper recommends. The score is
    invariant to a rescaling of each feature (the floor scales with them).

    References
    ----------
    .. [1] M. Pándy, A. Agostinelli, J. Uijlings, V. Ferrari and T. Mensink,
       "Transferability Estimation using Bhattacharyya Class Separability", CVPR
       2022.

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt.metrics import gbc_score
    >>> rng = np.random.RandomState(0)
    >>> y = np.repeat([0, 1], 100)
    >>> far = np.c_[10.0 * y + rng.normal(size=200)]
    >>> bool(gbc_score(far, y) > -1e-3)
    True
    >>> round(gbc_score(rng.normal(size=(200, 1)), y), 1)
    -2.0
    """
    F, codes, classes = _check_features(X, y, "gbc_score")
    n, d = F.shape
    K = classes.size
    Y = _one_hot(codes, K)
    counts = Y.sum(axis=0)
    means = (Y.T @ F) / counts[:, None]
    R = F - means[codes]
    var = (Y.T @ (R * R)) / counts[:, None]
    feature_var = F.var(axis=0)
    informative = feature_var > 0  # a constant feature separates nothing
    means, var = means[:, informative], var[:, informative]
    var = np.maximum(var, reg * feature_var[informative])
    log_var = np.log(var)
    total = 0.0
    for i in range(K):  # one class against all: memory O(K d)
        avg = 0.5 * (var[i] + var)
        db = np.sum((means[i] - means) ** 2 / avg, axis=1) / 8.0 + 0.5 * np.sum(
            np.log(avg) - 0.5 * (log_var[i] + log_var), axis=1
        )
        bc = np.exp(-db)
        bc[i] = 0.0
        total += bc.sum()
    return float(-total)
