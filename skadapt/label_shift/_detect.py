"""Tell label shift from other shifts: two-sample tests with and without reweighting."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.utils import Bunch, check_array, check_random_state

from .._base import _check_domains, check_masked_y, domains_and_labels
from .._core import median_heuristic_gamma, mmd_from_indicators
from ..utils._docstrings import FRAGMENTS, Substitution
from ..utils._sklearn import HasMethods, Interval, validate_params
from ._base import aligned_proba, source_classes
from ._maths import confusion_matrix, simplex_lstsq

__all__ = ["label_shift_test"]


def _permutation_test(A, B, n_permutations, rng):
    """MMD permutation p-value of ``A`` against ``B`` (every split in one pass)."""
    Z = np.concatenate([A, B]).astype(np.float64, copy=False)
    N, m = Z.shape[0], A.shape[0]
    gamma = median_heuristic_gamma(Z, random_state=rng.randint(2**31 - 1))
    U = np.zeros((N, n_permutations + 1))
    U[:m, 0] = 1.0
    picks = np.argsort(rng.random_sample((n_permutations, N)), axis=1)[:, :m]
    U[picks, np.arange(1, n_permutations + 1)[:, None]] = 1.0
    stats = mmd_from_indicators(Z, U, "rbf", gamma)
    pvalue = (1.0 + np.sum(stats[1:] >= stats[0])) / (1.0 + n_permutations)
    return float(stats[0]), float(pvalue)


def _stratified_subsample(ys, q, max_rows, rng):
    """Rows of a sample whose class counts are proportional to ``q``.

    The largest size ``m`` with ``m q_c <= n_c`` for every class (at most
    ``max_rows``); the rows of each class drawn without replacement.
    """
    n_c = np.bincount(ys, minlength=q.shape[0])
    pos = q > 0
    m = min(float(np.min(n_c[pos] / q[pos])), float(max_rows))
    counts = np.floor(m * q + 1e-9).astype(int)
    counts = np.minimum(counts, n_c)
    rows = [
        rng.choice(np.flatnonzero(ys == c), counts[c], replace=False)
        for c in range(q.shape[0])  # one draw per class
        if counts[c] > 0
    ]
    return np.concatenate(rows) if rows else np.empty(0, dtype=int)


@Substitution(**FRAGMENTS)
@validate_params(
    {
        "X": ["array-like"],
        "y": ["array-like"],
        "sample_domain": ["array-like", None],
        "estimator": [HasMethods(["fit", "predict_proba"]), None],
        "test_size": [Interval(Real, 0, 1, closed="neither")],
        "n_permutations": [Interval(Integral, 1, None, closed="left")],
        "max_samples": [Interval(Integral, 10, None, closed="left")],
        "alpha": [Interval(Real, 0, 1, closed="neither")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=False,
)
def label_shift_test(
    X,
    y,
    sample_domain=None,
    *,
    estimator=None,
    test_size=0.5,
    n_permutations=200,
    max_samples=1000,
    alpha=0.05,
    random_state=None,
):
    r"""Test whether the target differs from the source, and whether by label shift.

    Label shift says the target is the source with its classes re-weighted:
    :math:`p_t(x) = \sum_c q_c\, p_s(x \mid c)`. So after the source rows are
    re-weighted by class to the estimated target priors, nothing should tell
    them from the target rows; any other shift (covariate, concept, mixed)
    generally leaves a difference. The function runs two kernel two-sample tests
    (MMD with a permutation null), each on two representations:

    - **shift**: held-out source rows against target rows: is there any shift?
    - **label shift**: a class-stratified subsample of the held-out source rows,
      with class counts proportional to the estimated target priors, against the
      target rows: is the shift more than label shift?

    Both are run on the classifier's predicted probabilities (*outputs*: low
    dimensional, so powerful for the shifts that matter to the classifier) and
    on the *features* (every shift, with less power in high dimension). The
    classifier is fitted on the other part of the source rows, so all the
    compared rows are out of sample; the target priors are estimated by soft
    BBSE on the held-out rows.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Source and target rows (dense).
    y : array-like of shape (n_samples,)
        Source labels; target labels masked (or ignored with ``sample_domain``).
    sample_domain : array-like of shape (n_samples,), default=None
        Domain id of each row (``>= 1`` source, ``<= -1`` target); inferred
        from the mask in ``y`` when None.
    estimator : classifier, default=None
        A classifier with ``predict_proba``; ``None`` uses
        ``LogisticRegression()``.
    test_size : float, default=0.5
        Fraction of the source rows held out for the tests (stratified).
    n_permutations : int, default=200
        Permutations of each test; the smallest p-value is
        ``1 / (n_permutations + 1)``.
    max_samples : int, default=1000
        Largest number of rows of each sample in a test (drawn at random), which
        bounds the cost at ``O(max_samples^2 (d + n_permutations))``.
    alpha : float, default=0.05
        Level of the verdict; each of the two tests of a question is run at
        ``alpha / 2`` (Bonferroni).
    random_state : int, RandomState instance or None, default=None
        Draws the split, the subsamples and the permutations.

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        With ``verdict`` (``"no shift detected"``, ``"consistent with label
        shift"`` or ``"not label shift"``), ``shift_pvalue`` and
        ``label_shift_pvalue`` (the smaller of the two representations'),
        ``pvalues`` (a dict ``{"outputs": {"shift": p, "label_shift": p},
        "features": {...}}``), ``statistics`` (the observed MMD^2 in the same
        layout), ``priors`` (estimated target priors) and ``classes``.

    See Also
    --------
    PriorCorrection : The correction when the verdict is label shift.

    Notes
    -----
    Under :math:`H_0: p_t(x \mid y) = p_s(x \mid y)`, the subsample of the
    source drawn with class counts :math:`\propto \hat q` is a sample of
    :math:`\sum_c \hat q_c\, p_s(x \mid c)`, the target's distribution when
    :math:`\hat q = q`, and the permutation test [1]_ is exact given
    :math:`\hat q`. Estimating :math:`\hat q` on the same target rows matches
    the mean outputs by construction, which makes the label-shift test
    conservative. A test on the outputs of a classifier is the black-box shift
    detection of [2]_. Shifts the features do not show (concept shift in
    :math:`p(y \mid x)` with :math:`p(x)` fixed) cannot be detected without
    target labels.

    References
    ----------
    .. [1] %(gretton_2012)s
    .. [2] %(lipton_2018)s

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt.label_shift import label_shift_test
    >>> rng = np.random.RandomState(0)
    >>> ys, yt = rng.randint(2, size=400), (rng.uniform(size=300) < 0.85).astype(int)
    >>> X = np.r_[rng.normal(2.0 * ys, 1.0), rng.normal(2.0 * yt, 1.0)][:, None]
    >>> y = np.r_[ys, -np.ones(300, dtype=int)]
    >>> label_shift_test(X, y, random_state=0).verdict
    'consistent with label shift'
    """
    X = check_array(X, dtype=np.float64)
    y = check_masked_y(y, "label_shift_test")
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"y has {y.shape[0]} rows but X has {X.shape[0]} rows.")
    sd, known = domains_and_labels(sample_domain, y, X.shape[0], regression=False)
    _check_domains(sd, need_source=True, need_target=True, caller="label_shift_test")
    classes, ys_all = source_classes(y, sd, known, "label_shift_test")
    k = classes.shape[0]
    rng = check_random_state(random_state)
    src, tgt = np.flatnonzero(sd > 0), np.flatnonzero(sd < 0)
    if np.min(np.bincount(ys_all, minlength=k)) < 2:
        raise ValueError(
            "label_shift_test needs at least 2 source rows of every class (one to "
            "fit the classifier, one to hold out)."
        )
    train, hold = train_test_split(
        np.arange(src.size),
        test_size=test_size,
        stratify=ys_all,
        random_state=rng.randint(2**31 - 1),
    )
    est = LogisticRegression() if estimator is None else estimator
    model = clone(est).fit(X[src[train]], y[src[train]])
    yh = ys_all[hold]
    Ph = aligned_proba(model, X[src[hold]], classes)
    if tgt.size > max_samples:
        tgt = rng.choice(tgt, max_samples, replace=False)
    Pt = aligned_proba(model, X[tgt], classes)
    M, _ = confusion_matrix(Ph, np.eye(k)[yh], np.ones(hold.size))
    q = simplex_lstsq(M, Pt.mean(axis=0))[0]

    plain = rng.choice(hold.size, min(hold.size, max_samples), replace=False)
    sub = _stratified_subsample(yh, q, max_samples, rng)
    if sub.size < 2:
        raise ValueError(
            "label_shift_test: too few held-out source rows to draw a subsample "
            "with the estimated target priors; give more source rows or a larger "
            "test_size."
        )
    Xh = X[src[hold]]
    pvalues, statistics = {}, {}
    for space, A, B in (("outputs", Ph, Pt), ("features", Xh, X[tgt])):
        s_shift, p_shift = _permutation_test(A[plain], B, n_permutations, rng)
        s_label, p_label = _permutation_test(A[sub], B, n_permutations, rng)
        pvalues[space] = {"shift": p_shift, "label_shift": p_label}
        statistics[space] = {"shift": s_shift, "label_shift": s_label}
    shift_p = min(v["shift"] for v in pvalues.values())
    label_p = min(v["label_shift"] for v in pvalues.values())
    if shift_p > alpha / 2:
        verdict = "no shift detected"
    elif label_p > alpha / 2:
        verdict = "consistent with label shift"
    else:
        verdict = "not label shift"
    return Bunch(
        verdict=verdict,
        shift_pvalue=shift_p,
        label_shift_pvalue=label_p,
        pvalues=pvalues,
        statistics=statistics,
        priors=q,
        classes=classes,
    )
