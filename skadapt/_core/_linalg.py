"""Dense linear algebra shared by the families: covariances and matrix functions.

All functions take validated ndarrays (no NaN, two-dimensional) and never modify
their inputs. Covariance statistics are accumulated in float64 whatever the input
dtype; callers cast results back when they must preserve float32.
"""

import numpy as np
from scipy import linalg

__all__ = [
    "CovarianceAccumulator",
    "ledoit_wolf_shrinkage",
    "mean_cov",
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
    d = cov.shape[0]
    mu = np.trace(cov) / d
    frob2 = float(np.sum(cov * cov))
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
    shrinkage : float
        The Ledoit-Wolf intensity used, or ``reg`` itself.
    """
    d = cov.shape[0]
    mu = np.trace(cov) / d
    if mu <= 0:  # all-constant data: any positive scale will do
        mu = 1.0
    if isinstance(reg, str):
        s = float(lw_shrinkage)
        out = cov * (1.0 - s)
        out.flat[:: d + 1] += s * mu
        return out, s
    out = cov.copy()
    out.flat[:: d + 1] += reg * mu
    return out, float(reg)


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


class CovarianceAccumulator:
    """Streaming mean, covariance and Ledoit-Wolf statistics, merged batch by batch.

    Batches are merged with the pairwise update of Chan et al. (1979), so the result
    equals the one-pass statistics up to rounding. The fourth-moment term needed by
    Ledoit-Wolf, ``sum ||x - mean||^4``, is kept through power sums about a fixed
    shift (the first batch's mean) so it can be re-centred at the end.
    """

    def __init__(self, n_features):
        d = n_features
        self.n = 0
        self.mean = np.zeros(d)
        self.m2 = np.zeros((d, d))  # centred scatter sum (x-m)(x-m)^T
        self.shift = None
        # power sums of z = x - shift: sum a, sum a^2, sum a z, with a = ||z||^2
        self.sum_a = 0.0
        self.sum_a2 = 0.0
        self.sum_az = np.zeros(d)
        self.sum_z = np.zeros(d)
        self.sum_zz = np.zeros((d, d))

    def update(self, X):
        """Add a batch of rows (ndarray of shape (n, d))."""
        X = np.asarray(X, dtype=np.float64)
        nb = X.shape[0]
        if nb == 0:
            return self
        if self.shift is None:
            self.shift = X.mean(axis=0)
        mb = X.mean(axis=0)
        Xc = X - mb
        m2b = Xc.T @ Xc
        n = self.n + nb
        delta = mb - self.mean
        self.m2 += m2b + np.outer(delta, delta) * (self.n * nb / n)
        self.mean += delta * (nb / n)
        self.n = n

        Z = X - self.shift
        a = np.einsum("ij,ij->i", Z, Z)
        self.sum_a += a.sum()
        self.sum_a2 += a @ a
        self.sum_az += a @ Z
        self.sum_z += Z.sum(axis=0)
        self.sum_zz += Z.T @ Z
        return self

    def covariance(self):
        """Biased covariance of all rows seen."""
        return _symmetrize(self.m2 / self.n)

    def sum_sq_norm_sq(self):
        """``sum_k ||x_k - mean||^4`` over all rows seen."""
        u = self.mean - self.shift  # mean of z
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
