"""The unbiased MMD statistic for many splits of one pooled sample at once.

Shared by the two-sample tests of ``skadapt.metrics`` and ``skadapt.label_shift``.
"""

import numpy as np

from ._kernels import iter_kernel_blocks

__all__ = ["mmd_from_indicators"]


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
