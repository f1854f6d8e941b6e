"""Dense linear algebra shared by the families: covariances and matrix functions.

All functions take validated ndarrays (no NaN, two-dimensional) and never modify
their inputs. Covariance statistics are accumulated in float64 whatever the input
dtype; callers cast results back when they must preserve float32.
"""

import numpy as np
from scipy import linalg

__all__ = [
    "CovarianceAccumulator",
    "canonical_order",
    "domain_rows",
    "iter_row_blocks",
    "ledoit_wolf_shrinkage",
    "ledoit_wolf_shrinkage_from_moments",
    "mean_cov",
    "regularised_covariance",
    "shrink_covariance",
    "sym_eigh",
    "sym_power",
    "sym_sqrt_invsqrt",
]


def mean_cov(X, sample_weight=None, *, overwrite_X=False, fourth_moment=False):
    """Mean and (biased, ``1/n``) covariance of the rows of ``X`` by one GEMM.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    sample_weight : ndarray of shape (n_samples,) or None
        Non-negative row weights; the covariance is ``sum w (x-m)(x-m)^T / sum w``.
    overwrite_X : bool, default=False
        When True and ``X`` is float64, ``X`` is centred in place (saves one copy of
        the data; only for arrays the caller owns).
    fourth_moment : bool, default=False
        Also return ``sum_k ||x_k - mean||^4`` (unweighted rows only), the statistic
        :func:`ledoit_wolf_shrinkage` needs.

    Returns
    -------
    mean : ndarray of shape (n_features,), float64
    cov : ndarray of shape (n_features, n_features), float64
    m4 : float
        Only when ``fourth_moment`` is True.
    """
    X = np.asarray(X, dtype=np.float64)
    if sample_weight is None:
        mean = X.mean(axis=0)
        if overwrite_X:
            X -= mean
            Xc = X
        else:
            Xc = X - mean
        cov = Xc.T @ Xc
        cov /= X.shape[0]
        if fourth_moment:
            a = np.einsum("ij,ij->i", Xc, Xc)
            return mean, _symmetrize(cov), float(a @ a)
    else:
        if fourth_moment:
            raise ValueError("fourth_moment is only computed for unweighted rows.")
        w = np.asarray(sample_weight, dtype=np.float64)
        wsum = w.sum()
        mean = (w @ X) / wsum
        Xc = X - mean
        cov = (Xc * w[:, None]).T @ Xc
        cov /= wsum
    return mean, _symmetrize(cov)


def _symmetrize(A):
    A += A.T
    A *= 0.5
    return A


def ledoit_wolf_shrinkage(cov, sum_sq_norm_sq, n_samples):
    """Ledoit-Wolf shrinkage intensity from sufficient statistics.

    Parameters
    ----------
    cov : ndarray of shape (d, d)
        Biased covariance ``S`` of the centred data.
    sum_sq_norm_sq : float
        ``sum_k ||x_k - mean||^4`` over the rows.
    n_samples : int

    Returns
    -------
    shrinkage : float in [0, 1]
        The weight ``s`` of ``(1 - s) S + s mu I`` with ``mu = tr(S) / d``, as in
        Ledoit & Wolf (2004) and :func:`sklearn.covariance.ledoit_wolf`.
    """
    trace = float(np.trace(cov))
    frob2 = float(np.sum(cov * cov))
    return ledoit_wolf_shrinkage_from_moments(
        trace, frob2, sum_sq_norm_sq, n_samples, cov.shape[0]
    )


def ledoit_wolf_shrinkage_from_moments(
    trace, frob2, sum_sq_norm_sq, n_samples, n_features
):
    """Ledoit-Wolf shrinkage intensity from the trace and Frobenius norm of ``S``.

    The intensity depends on the covariance only through ``tr(S)`` and
    ``||S||_F^2``, which the eigenvalues of the Gram matrix of the centred rows
    give without forming the ``d x d`` covariance (for ``d`` above ``n``).

    Parameters
    ----------
    trace : float
        ``tr(S)`` of the biased covariance.
    frob2 : float
        ``||S||_F^2``.
    sum_sq_norm_sq : float
        ``sum_k ||x_k - mean||^4`` over the rows.
    n_samples : int
    n_features : int

    Returns
    -------
    shrinkage : float in [0, 1]
        As :func:`ledoit_wolf_shrinkage`.
    """
    d = n_features
    mu = trace / d
    delta = (frob2 - d * mu * mu) / d
    beta = (sum_sq_norm_sq / n_samples - frob2) / (n_samples * d)
    if delta <= 0:
        return 1.0 if beta > 0 else 0.0
    return float(min(max(beta, 0.0), delta) / delta)


def shrink_covariance(cov, reg, *, lw_shrinkage=None):
    """Regularise a covariance in a scale-aware way.

    Parameters
    ----------
    cov : ndarray of shape (d, d)
    reg : float or "auto"
        A float adds ``reg * tr(cov) / d`` to the diagonal (a ridge proportional to
        the mean variance, so the amount does not depend on the data's units).
        ``"auto"`` uses the Ledoit-Wolf convex combination
        ``(1 - s) cov + s * tr(cov) / d * I``.
    lw_shrinkage : float, default=None
        The Ledoit-Wolf intensity ``s`` (required when ``reg="auto"``).

    Returns
    -------
    cov_reg : ndarray of shape (d, d), a new array
        The identity when ``cov`` is zero (constant data).
    shrinkage : float
        The Ledoit-Wolf intensity used, or ``reg`` itself.
    """
    d = cov.shape[0]
    mu = np.trace(cov) / d
    if not mu > 0:
        # constant data: no direction to whiten or colour; the identity keeps any
        # map built from it finite and well conditioned
        return np.eye(d), (1.0 if isinstance(reg, str) else float(reg))
    if isinstance(reg, str):
        s = float(lw_shrinkage)
        out = cov * (1.0 - s)
        out.flat[:: d + 1] += s * mu
        return out, s
    out = cov.copy()
    out.flat[:: d + 1] += reg * mu
    return out, float(reg)


def regularised_covariance(cov, m4, n_samples, reg):
    """:func:`shrink_covariance` with the Ledoit-Wolf intensity when ``reg="auto"``.

    Parameters
    ----------
    cov : ndarray of shape (d, d)
        Biased covariance.
    m4 : float
        ``sum_k ||x_k - mean||^4`` (see :func:`mean_cov`), used by ``"auto"``.
    n_samples : int
    reg : float or "auto"

    Returns
    -------
    cov_reg : ndarray of shape (d, d)
    shrinkage : float
    """
    lw = ledoit_wolf_shrinkage(cov, m4, n_samples) if isinstance(reg, str) else None
    return shrink_covariance(cov, reg, lw_shrinkage=lw)


def sym_eigh(A):
    """Eigen-decomposition of a symmetric matrix with eigenvalues clipped at 0."""
    w, V = linalg.eigh(A, check_finite=False)
    return np.maximum(w, 0.0), V


def _clip_floor(w, eps=None):
    if eps is None:
        eps = w.shape[0] * np.finfo(np.float64).eps
    top = w.max() if w.size else 0.0
    return np.maximum(w, max(top, np.finfo(np.float64).tiny) * eps)


def sym_power(A, power, *, eps=None):
    """Power of a symmetric positive semi-definite matrix by one ``eigh``.

    Eigenvalues are clipped below at ``eps * max_eigenvalue`` so negative powers of
    rank-deficient matrices stay finite.

    Parameters
    ----------
    A : ndarray of shape (d, d)
        Symmetric matrix; only its lower triangle is read.
    power : float
    eps : float, default=None
        Relative floor of the eigenvalues; ``d * machine epsilon`` when None.

    Returns
    -------
    A_power : ndarray of shape (d, d)
    """
    w, V = linalg.eigh(A, check_finite=False)
    w = _clip_floor(w, eps)
    return (V * w**power) @ V.T


def sym_sqrt_invsqrt(A, *, eps=None):
    """Square root and inverse square root of a symmetric PSD matrix, one ``eigh``.

    Parameters
    ----------
    A : ndarray of shape (d, d)
    eps : float, default=None
        Relative eigenvalue floor, as in :func:`sym_power`.

    Returns
    -------
    sqrt : ndarray of shape (d, d)
    inv_sqrt : ndarray of shape (d, d)
    """
    w, V = linalg.eigh(A, check_finite=False)
    w = _clip_floor(w, eps)
    r = np.sqrt(w)
    return (V * r) @ V.T, (V / r) @ V.T


def _block_rows(n_features, itemsize=8, block_bytes=4 * 2**20):
    """Rows per block so a block of rows stays in cache (about 4 MiB)."""
    return max(64, block_bytes // max(1, n_features * itemsize))


def domain_rows(sd):
    """Rows of each domain id, as a slice when they are contiguous.

    Parameters
    ----------
    sd : ndarray of shape (n_samples,), int
        Domain ids (validated).

    Returns
    -------
    groups : dict
        ``{domain_id: slice or ndarray of row indices}``, ids in increasing order.
    """
    if sd.size == 0:
        return {}
    lo = int(sd.min())
    counts = np.bincount(sd - lo)
    ids = np.flatnonzero(counts) + lo
    if ids.size == 1:
        return {int(ids[0]): slice(0, sd.size)}
    out = {}
    for dom in ids:
        mask = sd == dom
        first = int(mask.argmax())
        count = int(counts[dom - lo])
        if mask[first : first + count].all():
            out[int(dom)] = slice(first, first + count)
        else:
            out[int(dom)] = np.flatnonzero(mask)
    return out


def iter_row_blocks(rows, n_features, n_samples=None):
    """Split a slice or an index array of rows into cache-sized blocks."""
    step = _block_rows(n_features)
    if isinstance(rows, slice):
        start, stop, _ = rows.indices(n_samples if n_samples is not None else rows.stop)
        for b in range(start, stop, step):
            yield slice(b, min(b + step, stop))
    else:
        for b in range(0, rows.shape[0], step):
            yield rows[b : b + step]


# Largest squared mean-to-spread ratio of a feature for which statistics and
# maps skip centring: ``cov = S/n - u u^T`` then loses about ``eps * ratio`` of
# the variance (2e-12 here) and ``x A - mu A`` about ``eps * sqrt(ratio)`` of
# ``(x - mu) A``.
_NEAR_ZERO_RATIO = 1e4


def near_zero_mean(mean, variance):
    """Whether every feature's mean is small against its spread (no centring).

    True when ``mean^2 <= 1e4 * variance`` for every feature: power sums about
    zero and uncentred products then lose nothing that matters to cancellation,
    and the centring pass over the rows can be saved.
    """
    return bool(np.all(mean * mean <= _NEAR_ZERO_RATIO * variance))


def _first_shift(Xb):
    """The fixed shift of an accumulator, from its first block of rows."""
    Xb = np.asarray(Xb, dtype=np.float64)
    mean = Xb.mean(axis=0)
    if Xb.shape[0] > 1 and near_zero_mean(mean, Xb.var(axis=0)):
        return np.zeros_like(mean)
    return mean


class CovarianceAccumulator:
    """Mean, covariance and Ledoit-Wolf statistics in one pass over blocks of rows.

    Rows are shifted by a fixed vector (the mean of the first block, or zero when
    that block's features are near zero against their spread) and the power
    sums ``sum z``, ``sum z z^T`` (one SYRK per cache-sized block), ``sum ||z||^2``,
    ``sum ||z||^4`` and ``sum ||z||^2 z`` of ``z = x - shift`` are accumulated; the
    centred statistics follow exactly from them at the end. The shift keeps the
    cancellation in ``cov = S/n - u u^T`` at the level of ``||mean - shift||^2``
    relative to the variance, negligible when the first block is a sample of the
    data. Streaming batches (``partial_fit``) and one ``fit`` give the same result
    up to rounding, and memory beyond the statistics is one block of rows.
    """

    def __init__(self, n_features, shift=None):
        d = n_features
        self.n = 0
        self.shift = None if shift is None else np.asarray(shift, dtype=np.float64)
        self.sum_z = np.zeros(d)
        self.sum_zz = np.zeros((d, d))
        self.sum_a = 0.0
        self.sum_a2 = 0.0
        self.sum_az = np.zeros(d)

    def update(self, X, rows=None):
        """Add rows of ``X`` (all of them, or a slice / index array of them)."""
        if rows is None:
            rows = slice(0, X.shape[0])
        buf = None
        for block in iter_row_blocks(rows, X.shape[1], X.shape[0]):
            Xb = X[block]
            if Xb.shape[0] == 0:
                continue
            if self.shift is None:
                self.shift = _first_shift(Xb)
            if (
                not self.shift.any()
                and Xb.dtype == np.float64
                and Xb.flags.c_contiguous
            ):
                # no shift needed (see _first_shift): the rows as they are
                Z = Xb
            else:
                if buf is None or buf.shape[0] < Xb.shape[0]:
                    buf = np.empty((Xb.shape[0], X.shape[1]))
                # one pass writes the shifted block into a cache-sized buffer
                Z = np.subtract(Xb, self.shift, out=buf[: Xb.shape[0]])
            self.n += Z.shape[0]
            self.sum_zz += Z.T @ Z  # SYRK
            a = np.einsum("ij,ij->i", Z, Z)
            # the column sums and the a-weighted sums as one GEMM of two rows
            w = np.empty((2, Z.shape[0]))
            w[0] = 1.0
            w[1] = a
            sums = w @ Z
            self.sum_z += sums[0]
            self.sum_az += sums[1]
            self.sum_a += a.sum()
            self.sum_a2 += a @ a
        return self

    def update_sparse(self, X, rows=None):
        """Add rows of a ``scipy.sparse`` matrix without densifying it.

        The power sums are taken about ``shift`` (zero unless given at
        construction: subtracting a dense shift would densify the rows), with
        ``X^T X`` as a sparse product turned into the dense ``d x d`` statistic.
        Without a shift the centred covariance follows from raw sums, exact up to
        the cancellation ``eps * ||mean||^2 / variance`` (negligible for sparse
        features such as TF-IDF, whose means are small).
        """
        from scipy import sparse

        X = sparse.csr_matrix(X)
        if rows is not None:
            X = X[rows]
        if X.shape[0] == 0:
            return self
        d = X.shape[1]
        if self.shift is None:
            self.shift = np.zeros(d)
        s = self.shift
        n = X.shape[0]
        XtX = (X.T @ X).toarray()
        col = np.asarray(X.sum(axis=0)).ravel()
        sq = np.asarray(X.multiply(X).sum(axis=1)).ravel()  # ||x||^2
        xs = X @ s
        a = sq - 2.0 * xs + s @ s  # ||x - s||^2
        # sums of z = x - s, z z^T, a z
        self.n += n
        self.sum_z += col - n * s
        zz = XtX - np.outer(col, s) - np.outer(s, col) + n * np.outer(s, s)
        self.sum_zz += zz
        Xa = np.asarray(X.T @ a).ravel()
        self.sum_az += Xa - a.sum() * s
        self.sum_a += a.sum()
        self.sum_a2 += a @ a
        return self

    def merge(self, other):
        """Add the rows another accumulator saw (both taken about one shift)."""
        if other.n == 0:
            return self
        if self.n == 0 and self.shift is None:
            self.shift = other.shift
        if not np.array_equal(self.shift, other.shift):
            raise ValueError("Accumulators with different shifts cannot be merged.")
        self.n += other.n
        self.sum_z += other.sum_z
        self.sum_zz += other.sum_zz
        self.sum_a += other.sum_a
        self.sum_a2 += other.sum_a2
        self.sum_az += other.sum_az
        return self

    @property
    def mean(self):
        """Mean of all rows seen."""
        return self.shift + self.sum_z / self.n

    def covariance(self):
        """Biased (``1/n``) covariance of all rows seen."""
        u = self.sum_z / self.n
        cov = self.sum_zz / self.n - np.outer(u, u)
        return _symmetrize(cov)

    def sum_sq_norm_sq(self):
        """``sum_k ||x_k - mean||^4`` over all rows seen."""
        u = self.sum_z / self.n  # mean of z
        c = u @ u
        n = self.n
        total = (
            self.sum_a2
            + n * c * c
            + 4.0 * (u @ self.sum_zz @ u)
            + 2.0 * c * self.sum_a
            - 4.0 * (u @ self.sum_az)
            - 4.0 * c * (u @ self.sum_z)
        )
        return max(float(total), 0.0)


def canonical_order(X):
    """Row order that depends on the rows' values only.

    Rows sorted by their projections on three fixed random directions (seeded):
    folds drawn over rows in this order do not depend on the order the rows came
    in, and dense and sparse copies of the rows get the same order. Identical rows
    tie, and their order cannot matter.
    """
    X = X.reshape(-1, 1) if getattr(X, "ndim", 2) == 1 else X
    P = np.asarray(X @ np.random.RandomState(0).normal(size=(X.shape[1], 3)))
    return np.lexsort(P.T[::-1])
