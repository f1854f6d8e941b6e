"""Optional dask support: sums over rows computed as tree reductions.

dask is never imported by skadapt unless the caller has already imported it (an
array can only be a dask array then), so the core costs nothing without it. The
statistics of a dask array are computed chunk by chunk (each chunk of rows gives a
small statistic), and the statistics are added pairwise in a tree on the workers:
one pass over the data, and no chunk is ever gathered.
"""

import sys

import numpy as np

__all__ = ["is_dask_array", "dask_row_reduce", "dask_map_rows"]


def is_dask_array(X):
    """Whether ``X`` is a dask array (False when dask was never imported)."""
    if "dask" not in sys.modules:
        return False
    import dask.array as da

    return isinstance(X, da.Array)


def _row_chunked(X):
    """``X`` with one chunk across the columns (rows stay chunked)."""
    if X.ndim != 2:
        raise ValueError(f"Expected a 2-d dask array, got {X.ndim} dimension(s).")
    if len(X.chunks[1]) > 1:
        X = X.rechunk({1: -1})
    return X


def _split_like(v, X):
    """The per-row vector ``v`` (numpy or dask) as one piece per row chunk of X."""
    bounds = np.cumsum((0,) + X.chunks[0])
    if is_dask_array(v):
        v = v.rechunk((X.chunks[0],))
        return list(v.to_delayed().ravel())
    v = np.asarray(v)
    return [v[a:b] for a, b in zip(bounds[:-1], bounds[1:])]


def dask_row_reduce(X, sd, chunk_fn, combine_fn, *, split_every=8):
    """``combine(chunk_fn(X_k, sd_k) for each row chunk k)``, as a tree on dask.

    Parameters
    ----------
    X : dask array of shape (n_samples, n_features)
    sd : ndarray or dask array of shape (n_samples,)
        Per-row labels (domain ids) cut like the rows of ``X``.
    chunk_fn : callable
        ``(ndarray block, ndarray labels) -> statistic`` (small, picklable).
    combine_fn : callable
        ``(list of statistics) -> statistic``; associative.
    split_every : int, default=8
        Fan-in of the reduction tree.

    Returns
    -------
    statistic
        The combined statistic, computed (one pass over the chunks).
    """
    import dask

    X = _row_chunked(X)
    blocks = X.to_delayed().ravel()
    labels = _split_like(sd, X)
    parts = [dask.delayed(chunk_fn)(b, s) for b, s in zip(blocks, labels)]
    combine = dask.delayed(combine_fn)
    while len(parts) > 1:
        parts = [
            combine(parts[i : i + split_every])
            for i in range(0, len(parts), split_every)
        ]
    (out,) = dask.compute(parts[0] if len(parts) == 1 else combine(parts))
    return out


def dask_map_rows(X, sd, block_fn, n_features_out, dtype):
    """Lazy dask array ``block_fn(X_k, sd_k)`` for each row chunk ``k`` of ``X``."""
    import dask
    import dask.array as da

    X = _row_chunked(X)
    blocks = X.to_delayed().ravel()
    labels = _split_like(sd, X)
    pieces = [
        da.from_delayed(
            dask.delayed(block_fn)(b, s), shape=(n, n_features_out), dtype=dtype
        )
        for b, s, n in zip(blocks, labels, X.chunks[0])
    ]
    return da.concatenate(pieces, axis=0)
