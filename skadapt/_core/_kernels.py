"""Kernel computations in bounded memory, and data-driven kernel widths.

A full kernel matrix between ``n`` and ``m`` rows needs ``8 n m`` bytes; these helpers
never hold more than a block of rows at a time, sized so that one block of the
kernel fits in ``sklearn.get_config()["working_memory"]`` MiB.
"""

import numpy as np
from sklearn.metrics.pairwise import pairwise_kernels
from sklearn.utils import check_random_state, gen_batches

from ..utils._sklearn import get_chunk_n_rows

__all__ = [
    "iter_kernel_blocks",
    "kernel_matvec",
    "kernel_row_means",
    "median_heuristic_gamma",
    "pairwise_kernel",
    "rbf_exp",
    "rbf_path",
]

_GAMMA_KERNELS = {"rbf", "laplacian", "sigmoid", "polynomial", "poly", "chi2"}


def _rbf_factors(X, Y, gamma, dtype):
    """Factors ``A``, ``B`` with ``A @ B.T = -gamma ||x - y||^2`` for all row pairs.

    ``-gamma ||x - y||^2 = 2 gamma x.y - gamma |x|^2 - gamma |y|^2`` is the product
    of ``[2 gamma x, -gamma |x|^2, 1]`` and ``[y, 1, -gamma |y|^2]``, so the whole
    exponent of the RBF kernel comes out of a single matrix product: no distance
    matrix, no second pass for the norms. Rows are centred on a common point first
    (distances do not change), which keeps the norms, and so the cancellation error
    of the product, at the scale of the spread of the data: this is what makes
    ``dtype=float32`` usable (a few ``1e-6`` at median-heuristic widths).
    """
    X = np.asarray(X, dtype=np.float64)
    same = Y is None
    Y = X if same else np.asarray(Y, dtype=np.float64)
    centre = X.mean(axis=0) if same else 0.5 * (X.mean(axis=0) + Y.mean(axis=0))
    d = X.shape[1]

    def augment(Z, first):
        Zc = Z - centre
        out = np.empty((Z.shape[0], d + 2), dtype=dtype)
        sq = -gamma * np.einsum("ij,ij->i", Zc, Zc)
        out[:, d], out[:, d + 1] = (sq, 1.0) if first else (1.0, sq)
        if first:
            Zc *= 2.0 * gamma
        out[:, :d] = Zc
        return out

    A = augment(X, True)
    return A, augment(Y, False)


def rbf_exp(K, diagonal_from=None):
    """``exp(min(K, 0))`` in place, from the exponent ``K = -gamma ||x - y||^2``.

    ``diagonal_from``: for a block of rows ``i0, i0 + 1, ...`` of a symmetric
    kernel, the first row index ``i0`` (entries ``(i, i)`` are set to exactly 1).
    """
    np.minimum(K, 0.0, out=K)
    np.exp(K, out=K)
    if diagonal_from is not None:
        i = np.arange(K.shape[0])
        K[i, i + diagonal_from] = 1.0
    return K


def _fast_rbf(X, Y, kernel, params, dtype):
    """Whether the RBF path of :func:`_rbf_factors` applies to these inputs."""
    if kernel != "rbf" or params or not isinstance(X, np.ndarray):
        return False
    if Y is not None and not isinstance(Y, np.ndarray):
        return False
    return dtype is not None or (
        X.dtype == np.float64 and (Y is None or Y.dtype == np.float64)
    )


def pairwise_kernel(
    X, Y=None, *, kernel="rbf", gamma=None, dtype=None, exponent_hook=None, **params
):
    """One kernel block ``K(X, Y)`` (a thin, validated-input wrapper).

    The RBF kernel on dense float64 rows is computed here by one augmented matrix
    product (the factors of ``_rbf_factors``, then ``rbf_exp``); every other case
    goes to :func:`sklearn.metrics.pairwise.pairwise_kernels`.

    Parameters
    ----------
    X : ndarray of shape (n, d)
    Y : ndarray of shape (m, d) or None
    kernel : str or callable
        Any kernel name :func:`sklearn.metrics.pairwise.pairwise_kernels` knows.
    gamma : float or None
        Width parameter for the kernels that take one.
    dtype : {None, numpy.float32, numpy.float64}, default=None
        Precision of the result. ``numpy.float32`` computes the RBF kernel in single
        precision (half the memory, about twice as fast; the exponent is off by
        about ``1e-6`` of ``gamma`` times the largest squared distance of a row to
        the data centre, a few ``1e-6`` at median-heuristic widths); other
        kernels are cast. None keeps what the kernel returns.
    exponent_hook : callable, default=None
        On the RBF path only (see :func:`rbf_path`), called with the exponent
        ``-gamma ||x - y||^2`` of every entry (the squared distances the kernel
        comes from) before the exponential is taken in the same buffer; it may
        overwrite the diagonal of a symmetric kernel (set to 1 afterwards), and
        nothing else.
    **params
        Further keyword arguments of the kernel (``degree``, ``coef0``).

    Returns
    -------
    K : ndarray of shape (n, m)
    """
    if _fast_rbf(X, Y, kernel, params, dtype):
        g = 1.0 / X.shape[1] if gamma is None else float(gamma)
        A, B = _rbf_factors(X, Y, g, np.float64 if dtype is None else dtype)
        K = A @ B.T
        if exponent_hook is not None:
            exponent_hook(K)
        return rbf_exp(K, 0 if Y is None else None)
    if gamma is not None and (callable(kernel) or kernel in _GAMMA_KERNELS):
        params = {**params, "gamma": gamma}
    K = pairwise_kernels(X, Y, metric=kernel, filter_params=True, **params)
    return K if dtype is None else K.astype(dtype, copy=False)


def _chunk_rows(n_cols, dtype=np.float64, working_memory=None, factor=2):
    row_bytes = factor * n_cols * np.dtype(dtype).itemsize
    return max(1, get_chunk_n_rows(row_bytes, working_memory=working_memory))


def rbf_path(X, Y=None, *, kernel="rbf", dtype=None, **params):
    """Whether :func:`pairwise_kernel` and :func:`iter_kernel_blocks` compute this
    kernel from its exponent (the RBF kernel of dense rows), calling their
    ``exponent_hook``."""
    return _fast_rbf(X, Y, kernel, params, dtype)


def iter_kernel_blocks(
    X,
    Y=None,
    *,
    kernel="rbf",
    gamma=None,
    working_memory=None,
    exponent_hook=None,
    **params,
):
    """Yield ``(rows, K[rows])`` blocks of the kernel between ``X`` and ``Y``.

    Parameters
    ----------
    X : ndarray of shape (n, d)
    Y : ndarray of shape (m, d) or None
        ``X`` itself when None.
    kernel, gamma, **params
        As in :func:`pairwise_kernel`.
    working_memory : float, default=None
        MiB one block may take; sklearn's ``working_memory`` setting when None.
    exponent_hook : callable, default=None
        As in :func:`pairwise_kernel`, called as ``exponent_hook(rows, E)`` on
        each block's exponent.

    Yields
    ------
    rows : slice
        The rows of ``X`` the block covers.
    block : ndarray of shape (rows.stop - rows.start, m)
    """
    Yref = X if Y is None else Y
    step = _chunk_rows(Yref.shape[0], working_memory=working_memory)
    if _fast_rbf(X, Y, kernel, params, None):
        g = 1.0 / X.shape[1] if gamma is None else float(gamma)
        A, B = _rbf_factors(X, Y, g, np.float64)
        for rows in gen_batches(X.shape[0], step):
            E = A[rows] @ B.T
            if exponent_hook is not None:
                exponent_hook(rows, E)
            yield rows, rbf_exp(E, rows.start if Y is None else None)
        return
    for rows in gen_batches(X.shape[0], step):
        yield rows, pairwise_kernel(X[rows], Yref, kernel=kernel, gamma=gamma, **params)


def kernel_matvec(X, Y, V, *, kernel="rbf", gamma=None, working_memory=None, **params):
    """``K(X, Y) @ V`` without storing ``K``.

    Parameters
    ----------
    X : ndarray of shape (n, d)
    Y : ndarray of shape (m, d)
    V : ndarray of shape (m,) or (m, k)
    kernel, gamma, working_memory, **params
        As in :func:`iter_kernel_blocks`.

    Returns
    -------
    KV : ndarray of shape (n,) or (n, k)
    """
    V = np.asarray(V)
    out = np.empty((X.shape[0],) + V.shape[1:], dtype=np.result_type(X, V))
    for rows, block in iter_kernel_blocks(
        X, Y, kernel=kernel, gamma=gamma, working_memory=working_memory, **params
    ):
        out[rows] = block @ V
    return out


def kernel_row_means(X, Y, *, kernel="rbf", gamma=None, working_memory=None, **params):
    """Mean of ``K(x, y)`` over the rows ``y`` of ``Y``, for each row ``x`` of ``X``.

    Returns
    -------
    means : ndarray of shape (n,)
    """
    m = Y.shape[0]
    return kernel_matvec(
        X,
        Y,
        np.full(m, 1.0 / m),
        kernel=kernel,
        gamma=gamma,
        working_memory=working_memory,
        **params,
    )


def median_heuristic_gamma(X, Y=None, *, max_samples=1000, random_state=0):
    """RBF width by the median heuristic: ``gamma = 1 / median(||x - x'||^2)``.

    The median is taken over the pairwise squared distances of at most
    ``max_samples`` rows drawn without replacement from the rows of ``X`` and ``Y``
    together, so the cost is bounded whatever ``n``. With this width the median pair
    of rows has kernel value ``exp(-1)``, whatever the dimension and units.

    Parameters
    ----------
    X : ndarray of shape (n, d)
    Y : ndarray of shape (m, d) or None
        A second sample (e.g. the target rows), pooled with ``X``.
    max_samples : int, default=1000
        Size of the subsample.
    random_state : int, RandomState instance or None, default=0
        Draws the subsample.

    Returns
    -------
    gamma : float
        Positive; ``1.0`` when every sampled pair of rows coincides.
    """
    Z = X if Y is None else np.concatenate([X, Y], axis=0)
    n = Z.shape[0]
    if n > max_samples:
        rng = check_random_state(random_state)
        Z = Z[rng.choice(n, max_samples, replace=False)]
    Z = np.asarray(Z, dtype=np.float64)
    sq = np.einsum("ij,ij->i", Z, Z)
    D = sq[:, None] + sq[None, :] - 2.0 * (Z @ Z.T)
    iu = np.triu_indices(Z.shape[0], k=1)
    d2 = np.maximum(D[iu], 0.0)
    med = np.median(d2) if d2.size else 0.0
    if not med > 0:
        positive = d2[d2 > 0]
        med = np.median(positive) if positive.size else 1.0
    return float(1.0 / med)
