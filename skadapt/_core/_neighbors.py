"""Exact nearest rows by blocked matrix products, in bounded memory."""

import numpy as np
from joblib import Parallel, delayed
from sklearn.utils import gen_batches

from ._kernels import _chunk_rows

__all__ = ["nearest_rows"]

# rows of Y and at most rows of X per block of the distance matrix
_COLS = 2048
_ROWS = 1024


def _distance_factors(X, Y):
    """``A``, ``B`` with ``(A @ B.T)[i, j] = |y_j - c|^2 - 2 (x_i - c).(y_j - c)``,
    which is ``|x_i - y_j|^2`` up to a constant of each row ``i`` (``c`` is the
    mean of ``Y``: centred rows keep the norms, and so the rounding, at the scale
    of the spread of the data), and the rounding slack of each row ``i``.

    ``A`` and ``B`` are in single precision (the product is about 1.6 times as
    fast) unless the data's range could overflow or underflow it. ``slack[i]`` is
    twice a bound on the error of ``(A @ B.T)[i, j]`` against the exact
    ``|x_i - y_j|^2 - |x_i - c|^2`` (the rounding of the factors, products, sums,
    norms and centring, plus that of the direct ``sum((x_i - y_j) ** 2)`` the
    candidates are compared by), whatever the order of summation: any row ``j``
    whose direct distance is the smallest has
    ``(A @ B.T)[i, j] <= min_j (A @ B.T)[i, j] + slack[i]``.
    """
    d = X.shape[1]
    centre = Y.mean(axis=0)
    Xc, Yc = X - centre, Y - centre
    sq_y = np.einsum("ij,ij->i", Yc, Yc)
    A = np.empty((X.shape[0], d + 1))
    np.multiply(Xc, -2.0, out=A[:, :d])
    A[:, d] = 1.0
    B = np.empty((Y.shape[0], d + 1))
    B[:, :d] = Yc
    B[:, d] = sq_y
    scale = (np.sqrt(np.einsum("ij,ij->i", Xc, Xc)) + np.sqrt(sq_y.max())) ** 2
    # each error is below (d + 4) u scale (Higham's gamma_n bounds, n <= d + 2):
    # four of them, doubled, and doubled again for safety
    slack = 16.0 * (d + 4) * scale * (1.0 + 1e-6)
    top = max(np.abs(A).max(initial=0.0), np.abs(B).max(initial=0.0))
    # single precision: no overflow (entries below 1e15, products below 1e32) and
    # no underflow that matters (slack above 1e-20, absolute errors below 1e-30)
    u32 = np.finfo(np.float32).eps / 2
    if top < 1e15 and u32 * slack.min(initial=np.inf) > 1e-20:
        return A.astype(np.float32), B.astype(np.float32), u32 * slack
    return A, B, np.finfo(np.float64).eps / 2 * slack


def _scan(A, B, slack, cols):
    """Smallest entry of each row of ``A @ B.T`` (first column among equal ones),
    and whether another entry lies within ``slack`` of it."""
    k = A.shape[0]
    best = np.full(k, np.inf)
    arg = np.zeros(k, dtype=np.intp)
    tied = np.zeros(k, dtype=bool)
    ar = np.arange(k)
    for c in gen_batches(B.shape[0], cols):
        D = A @ B[c].T
        j = D.argmin(axis=1)
        low = D[ar, j]
        D[ar, j] = np.inf
        near = D.min(axis=1) <= low + slack
        new = low < best - slack
        close = ~new & (low <= best + slack)
        tied = np.where(new, near, tied | close)
        better = low < best
        arg = np.where(better, j + c.start, arg)
        best = np.where(better, low, best)
    return best, arg, tied


def _resolve(X, Y, rows, A, B, limit, cols, max_pairs):
    """Among the columns ``j`` with ``(A @ B.T)[i, j] <= limit[i]``, the one of
    smallest direct ``sum((X[rows[i]] - Y[j]) ** 2)`` (the lowest among equal)."""
    best = np.full(rows.size, np.inf)
    arg = np.zeros(rows.size, dtype=np.intp)
    for c in gen_batches(B.shape[0], cols):
        i, j = np.nonzero(A @ B[c].T <= limit[:, None])  # row-major: i, then j
        if not i.size:
            continue
        j += c.start
        e = np.empty(i.size)
        for p in gen_batches(i.size, max_pairs):
            diff = X[rows[i[p]]] - Y[j[p]]
            e[p] = np.einsum("ij,ij->i", diff, diff)
        first = np.flatnonzero(np.r_[True, i[1:] != i[:-1]])
        low = np.minimum.reduceat(e, first)
        hit = e == np.repeat(low, np.diff(np.r_[first, i.size]))
        r, at = np.unique(i[hit], return_index=True)
        better = low < best[r]
        best[r[better]] = low[better]
        arg[r[better]] = j[hit][at][better]
    return arg


def _nearest_block(X, Y, A, B, slack, rows, cols, max_pairs):
    best, arg, tied = _scan(A[rows], B, slack[rows], cols)
    if tied.any():
        t = np.flatnonzero(tied)
        r = t + rows.start
        arg[t] = _resolve(X, Y, r, A[r], B, best[t] + slack[r], cols, max_pairs)
    return arg


def nearest_rows(X, Y, *, n_jobs=None, working_memory=None):
    """Index of the nearest row of ``Y`` (Euclidean) for each row of ``X``, exactly.

    The nearest row is the one of smallest ``sum((x - y) ** 2)`` computed directly
    from the differences, the lowest index among equal ones (exact ties, e.g.
    duplicate rows of ``Y``). The distances are screened by blocked matrix
    products (``|y|^2 - 2 x.y`` on rows centred on the mean of ``Y``, in single
    precision when its rounding bound is valid for the data's range, else in
    double); the rows where another row of ``Y`` comes within the rounding bound
    of the smallest are decided by the direct distances of those candidates
    only, so rounding never changes the answer.

    Parameters
    ----------
    X : ndarray of shape (n, d)
    Y : ndarray of shape (m, d)
    n_jobs : int or None, default=None
        Blocks of rows of ``X`` searched in parallel (joblib threads).
    working_memory : float, default=None
        MiB one block of the distance matrix may take; sklearn's
        ``working_memory`` setting when None.

    Returns
    -------
    nearest : ndarray of shape (n,)
    """
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    A, B, slack = _distance_factors(X, Y)
    cols = min(Y.shape[0], _COLS)
    step = min(_ROWS, _chunk_rows(cols, working_memory=working_memory))
    max_pairs = max(1, step * cols // X.shape[1])
    blocks = list(gen_batches(X.shape[0], step))
    args = Parallel(n_jobs=n_jobs, prefer="threads")(
        delayed(_nearest_block)(X, Y, A, B, slack, rows, cols, max_pairs)
        for rows in blocks
    )
    return np.concatenate(args) if args else np.zeros(0, dtype=np.intp)
