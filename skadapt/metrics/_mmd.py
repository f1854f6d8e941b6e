"""Maximum mean discrepancy (unbiased and linear-time) with a permutation test."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import Bunch, check_array, check_random_state

from .._core import linear_time_mmd, median_heuristic_gamma
from .._core import mmd_from_indicators as _unbiased_from_indicators
from ..utils._docstrings import FRAGMENTS, Substitution
from ..utils._sklearn import Interval, StrOptions, validate_params

__all__ = ["mmd_permutation_test", "mmd_squared"]

_KERNELS = {"rbf", "linear"}


def _check_two_samples(X_source, X_target, min_rows=2, accept_sparse=False):
    kw = {"accept_sparse": ["csr"] if accept_sparse else False}
    Xs = check_array(X_source, dtype=[np.float64, np.float32], **kw)
    Xt = check_array(X_target, dtype=[np.float64, np.float32], **kw)
    if Xs.shape[1] != Xt.shape[1]:
        raise ValueError(
            f"X_source has {Xs.shape[1]} features but X_target has {Xt.shape[1]}."
        )
    for name, A in (("X_source", Xs), ("X_target", Xt)):
        if A.shape[0] < min_rows:
            raise ValueError(
                f"{name} has {A.shape[0]} row(s); at least {min_rows} are needed."
            )
    return Xs, Xt


def _resolve_gamma(kernel, gamma, Xs, Xt):
    if kernel != "rbf":
        return None
    if gamma is None:
        return median_heuristic_gamma(Xs, Xt)
    return float(gamma)


def _linear_time(Xs, Xt, kernel, gamma):
    """Linear-time MMD^2 of Gretton et al. (2012), Lemma 14, on rows in given order."""
    return linear_time_mmd(Xs, Xt, kernel=kernel, gamma=gamma)[0]


# Pooled rows up to which method="auto" computes the exact unbiased statistic
# (O(N^2 d) time: 2e4 rows of 50 features is a few seconds); above, the block
# estimator, whose cost is linear in the rows.
_EXACT_MAX_ROWS = 20000
# Pooled rows of one block of the block estimator.
_BLOCK_ROWS = 2000


def _resolve_method(method, n_rows):
    if method != "auto":
        return method
    return "unbiased" if n_rows <= _EXACT_MAX_ROWS else "block"


def _block_assignment(m, n, rng):
    """Split the rows into blocks of about _BLOCK_ROWS with both samples in each.

    Returns a list of ``(source_rows, target_rows)`` index arrays, each with at
    least two rows of each sample.
    """
    n_blocks = max(1, min((m + n) // _BLOCK_ROWS, m // 2, n // 2))
    src = np.array_split(rng.permutation(m), n_blocks)
    tgt = np.array_split(rng.permutation(n), n_blocks)
    return list(zip(src, tgt))


def _block_statistics(Xs, Xt, kernel, gamma, rng, n_permutations=0):
    """Unbiased MMD^2 of each block.

    Rows: blocks; columns: the observed split, then the within-block permutations.
    """
    blocks = _block_assignment(Xs.shape[0], Xt.shape[0], rng)
    out = np.empty((len(blocks), n_permutations + 1))
    for k, (i, j) in enumerate(blocks):
        Z = np.concatenate([Xs[i], Xt[j]]).astype(np.float64, copy=False)
        U = np.zeros((Z.shape[0], n_permutations + 1))
        U[: i.size, 0] = 1.0
        for b in range(1, n_permutations + 1):
            U[rng.permutation(Z.shape[0])[: i.size], b] = 1.0
        out[k] = _unbiased_from_indicators(Z, U, kernel, gamma)
    return out


_PARAMS = {
    "X_source": ["array-like"],
    "X_target": ["array-like"],
    "kernel": [StrOptions(_KERNELS)],
    "gamma": [Interval(Real, 0, None, closed="neither"), None],
    "method": [StrOptions({"auto", "unbiased", "block", "linear"})],
    "random_state": ["random_state"],
}


@Substitution(**FRAGMENTS)
@validate_params(_PARAMS, prefer_skip_nested_validation=True)
def mmd_squared(
    X_source, X_target, *, kernel="rbf", gamma=None, method="auto", random_state=0
):
    r"""Squared maximum mean discrepancy between two samples.

    The MMD is the distance between the kernel mean embeddings of two
    distributions; with a characteristic kernel (RBF) it is zero only when the
    distributions are equal [1]_.

    Parameters
    ----------
    %(two_samples)s
    kernel : {"rbf", "linear"}, default="rbf"
        Kernel. The linear kernel compares the means only.
    gamma : float, default=None
        RBF width ``k(x, y) = exp(-gamma ||x - y||^2)``; the median heuristic on
        the pooled rows when None.
    method : {"auto", "unbiased", "block", "linear"}, default="auto"
        ``"unbiased"``: the U-statistic over all pairs, computed in row blocks of
        the kernel bounded by scikit-learn's ``working_memory`` (``O(n^2 d)`` time,
        bounded memory). ``"block"``: the mean of the unbiased statistics of
        disjoint random blocks of about 2000 pooled rows (the B-test of [2]_;
        unbiased, ``O(n d)`` time, variance between the exact and the linear
        one). ``"linear"``: the linear-time estimator over disjoint pairs of rows
        (``O(n d)``; the highest variance). ``"auto"`` is ``"unbiased"`` up to
        20,000 pooled rows and ``"block"`` above, so that the cost stays linear.
    random_state : int, RandomState instance or None, default=0
        Shuffles the rows before pairing or blocking them (``method="linear"``
        and ``"block"``), so that ordered data does not bias the pairs.

    Returns
    -------
    mmd2 : float
        The estimate; unbiased, so it can be slightly negative when the samples
        come from one distribution.

    See Also
    --------
    mmd_permutation_test : The estimate with a permutation-test p-value.

    Notes
    -----
    With :math:`m` source rows :math:`x_i` and :math:`n` target rows :math:`y_j`,
    the unbiased estimate is

    .. math::

        \widehat{\mathrm{MMD}}^2_u = \frac{1}{m(m-1)} \sum_{i \ne i'} k(x_i,
        x_{i'}) + \frac{1}{n(n-1)} \sum_{j \ne j'} k(y_j, y_{j'})
        - \frac{2}{mn} \sum_{i, j} k(x_i, y_j),

    and the linear-time one, over :math:`m_2 = \lfloor \min(m, n) / 2 \rfloor`
    disjoint pairs, averages :math:`k(x_{2i-1}, x_{2i}) + k(y_{2i-1}, y_{2i}) -
    k(x_{2i-1}, y_{2i}) - k(x_{2i}, y_{2i-1})`.

    References
    ----------
    .. [1] %(gretton_2012)s
    .. [2] W. Zaremba, A. Gretton and M. Blaschko, "B-test: A Non-parametric, Low
       Variance Kernel Two-sample Test", NIPS 2013.

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt.metrics import mmd_squared
    >>> rng = np.random.RandomState(0)
    >>> Xs = rng.normal(size=(200, 2))
    >>> round(mmd_squared(Xs, rng.normal(size=(200, 2))), 3)
    0.0
    >>> round(mmd_squared(Xs, rng.normal(size=(200, 2)) + 1), 2)
    0.28
    """
    Xs, Xt = _check_two_samples(X_source, X_target)
    gamma = _resolve_gamma(kernel, gamma, Xs, Xt)
    method = _resolve_method(method, Xs.shape[0] + Xt.shape[0])
    if method == "block":
        rng = check_random_state(random_state)
        return float(_block_statistics(Xs, Xt, kernel, gamma, rng)[:, 0].mean())
    if method == "linear":
        rng = check_random_state(random_state)
        Xs = Xs[rng.permutation(Xs.shape[0])]
        Xt = Xt[rng.permutation(Xt.shape[0])]
        return _linear_time(Xs, Xt, kernel, gamma)
    Z = np.concatenate([Xs, Xt]).astype(np.float64, copy=False)
    U = np.zeros((Z.shape[0], 1))
    U[: Xs.shape[0], 0] = 1.0
    return float(_unbiased_from_indicators(Z, U, kernel, gamma)[0])


@Substitution(**FRAGMENTS)
@validate_params(
    {
        **_PARAMS,
        "n_permutations": [Interval(Integral, 1, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def mmd_permutation_test(
    X_source,
    X_target,
    *,
    kernel="rbf",
    gamma=None,
    method="auto",
    n_permutations=200,
    random_state=None,
):
    """Two-sample test of equal distributions with the MMD and a permutation null.

    The rows of both samples are pooled and re-split at random ``n_permutations``
    times; the p-value is the share of re-splits whose MMD estimate reaches the
    observed one, counting the observed split itself, so the test is exact: under
    the null its false-positive rate is at most the level.

    Parameters
    ----------
    %(two_samples)s
    kernel : {"rbf", "linear"}, default="rbf"
        Kernel.
    gamma : float, default=None
        RBF width; the median heuristic on the pooled rows when None (the pooled
        rows do not change under permutation, so neither does the width).
    method : {"auto", "unbiased", "block", "linear"}, default="auto"
        Estimator, as in :func:`mmd_squared` (``"auto"``: exact up to 20,000
        pooled rows, blocks above). For ``"unbiased"`` the kernel is computed
        once, block by block, for all permutations together (memory
        ``O(n * n_permutations)`` besides one kernel block). For ``"block"`` the
        labels are permuted within each block (exchangeable there under the
        null, so the test stays exact), at linear cost.
    n_permutations : int, default=200
        Number of random re-splits.
    random_state : int, RandomState instance or None, default=None
        Draws the permutations (and the pairing of ``method="linear"``).

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        With ``statistic`` (the observed MMD^2 estimate), ``pvalue``,
        ``null_distribution`` (the estimates of the re-splits), ``gamma`` and
        ``method`` (the estimator used, ``"auto"`` resolved).

    See Also
    --------
    mmd_squared : The estimate alone.

    Notes
    -----
    ``pvalue = (1 + #{b : T_b >= T}) / (1 + B)`` over ``B`` permutations [1]_.

    References
    ----------
    .. [1] %(gretton_2012)s

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt.metrics import mmd_permutation_test
    >>> rng = np.random.RandomState(0)
    >>> res = mmd_permutation_test(rng.normal(size=(50, 2)),
    ...                            rng.normal(size=(50, 2)) + 1, random_state=0)
    >>> float(res.pvalue) < 0.05
    True
    """
    Xs, Xt = _check_two_samples(X_source, X_target)
    gamma_ = _resolve_gamma(kernel, gamma, Xs, Xt)
    rng = check_random_state(random_state)
    m = Xs.shape[0]
    Z = np.concatenate([Xs, Xt]).astype(np.float64, copy=False)
    N = Z.shape[0]
    method = _resolve_method(method, N)
    if method == "block":
        stats = _block_statistics(Xs, Xt, kernel, gamma_, rng, n_permutations)
        stats = stats.mean(axis=0)
    elif method == "linear":
        stats = np.empty(n_permutations + 1)
        order = np.arange(N)
        for b in range(n_permutations + 1):
            perm = rng.permutation(order[:m]) if b == 0 else rng.permutation(N)
            if b == 0:
                src = perm
                tgt = m + rng.permutation(N - m)
            else:
                src, tgt = perm[:m], perm[m:]
            stats[b] = _linear_time(Z[src], Z[tgt], kernel, gamma_)
    else:
        U = np.zeros((N, n_permutations + 1))
        U[:m, 0] = 1.0
        for b in range(1, n_permutations + 1):
            U[rng.permutation(N)[:m], b] = 1.0
        stats = _unbiased_from_indicators(Z, U, kernel, gamma_)
    observed = float(stats[0])
    null = stats[1:]
    pvalue = (1.0 + np.sum(null >= observed)) / (1.0 + n_permutations)
    return Bunch(
        statistic=observed,
        pvalue=float(pvalue),
        null_distribution=null,
        gamma=gamma_,
        method=method,
    )
