"""The unbiased MMD statistic for many splits of one pooled sample at once.

Shared by the two-sample tests of ``skadapt.metrics`` and ``skadapt.label_shift``.
"""

import numpy as np

from ._kernels import iter_kernel_blocks

__all__ = ["linear_time_mmd", "mmd_from_indicators"]


def mmd_from_indicators(Z, U, kernel, gamma):
    """Unbiased MMD^2 for every column of the 0/1 first-sample indicator matrix ``U``.

    One pass over the kernel of the pooled rows ``Z`` in row blocks: ``K @ U``,
    ``K @ 1`` and ``diag(K)`` are all the statistic needs, so every column (the
    observed split and each permutation) costs one matrix product, not a kernel.

    Parameters
    ----------
    Z : ndarray of shape (N, d)
        Pooled rows of both samples.
    U : ndarray of shape (N, B)
        Column ``b`` is 1 on the rows of the first sample of split ``b``; every
        column has the same number ``m`` of ones (``2 <= m <= N - 2``).
    kernel : str
        Kernel name (see :func:`pairwise_kernel`).
    gamma : float or None
        Kernel width.

    Returns
    -------
    mmd2 : ndarray of shape (B,)
    """
    N = Z.shape[0]
    KU = np.empty_like(U)
    K1 = np.empty(N)
    diag = np.empty(N)
    for rows, block in iter_kernel_blocks(Z, Z, kernel=kernel, gamma=gamma):
        KU[rows] = block @ U
        K1[rows] = block.sum(axis=1)
        local = np.arange(rows.stop - rows.start)
        diag[rows] = block[local, local + rows.start]
    m = U[:, 0].sum()
    n = N - m
    uKu = np.einsum("ij,ij->j", U, KU)
    uK1 = U.T @ K1
    total = K1.sum()
    ud = U.T @ diag
    k_ss = uKu - ud
    k_tt = total - 2.0 * uK1 + uKu - (diag.sum() - ud)
    k_st = uK1 - uKu
    return k_ss / (m * (m - 1)) + k_tt / (n * (n - 1)) - 2.0 * k_st / (m * n)


def _rowwise_kernel(A, B, kernel, gamma):
    if kernel == "linear":
        return np.einsum("ij,ij->i", A, B)
    d = A - B
    return np.exp(-gamma * np.einsum("ij,ij->i", d, d))


def linear_time_mmd(Xs, Xt, *, kernel="rbf", gamma=None):
    """Linear-time MMD^2 (Gretton et al. 2012, Lemma 14) and its standard error.

    Rows are paired in the order given: ``h_i = k(x_{2i}, x_{2i+1}) + k(y_{2i},
    y_{2i+1}) - k(x_{2i}, y_{2i+1}) - k(x_{2i+1}, y_{2i})`` over ``m = min(n_s,
    n_t) // 2`` pairs; the estimate is the mean of the ``h_i`` and, the ``h_i``
    being independent, its standard error is their standard deviation over
    ``sqrt(m)``. ``estimate / se`` is asymptotically standard normal when the two
    distributions are equal. O(n d) time and memory.

    Returns
    -------
    mmd2 : float
    se : float
        NaN with fewer than two pairs.
    """
    m2 = min(Xs.shape[0], Xt.shape[0]) // 2
    x1, x2 = Xs[0 : 2 * m2 : 2], Xs[1 : 2 * m2 : 2]
    y1, y2 = Xt[0 : 2 * m2 : 2], Xt[1 : 2 * m2 : 2]
    h = (
        _rowwise_kernel(x1, x2, kernel, gamma)
        + _rowwise_kernel(y1, y2, kernel, gamma)
        - _rowwise_kernel(x1, y2, kernel, gamma)
        - _rowwise_kernel(x2, y1, kernel, gamma)
    )
    se = float(h.std(ddof=1) / np.sqrt(m2)) if m2 >= 2 else float("nan")
    return float(h.mean()), se
