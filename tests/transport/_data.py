"""Small data sets shared by the transport tests."""

import numpy as np


def uniform(n):
    return np.full(n, 1.0 / n)


def point_clouds(n=30, m=40, d=3, seed=0):
    """Two Gaussian clouds, the target shifted and stretched."""
    rng = np.random.RandomState(seed)
    Xs = rng.normal(size=(n, d))
    Xt = rng.normal(size=(m, d)) * np.linspace(0.5, 2.0, d) + 2.0
    return Xs, Xt


def labelled_domains(n=60, m=60, shift=(0.0, 3.0), seed=0):
    """Two classes far apart in both domains; the target is translated."""
    rng = np.random.RandomState(seed)
    ys = np.repeat([0, 1], [n // 2, n - n // 2])
    yt = np.repeat([0, 1], [m // 2, m - m // 2])
    Xs = rng.normal(size=(n, 2)) + 5.0 * ys[:, None]
    Xt = rng.normal(size=(m, 2)) + 5.0 * yt[:, None] + np.asarray(shift)
    X = np.r_[Xs, Xt]
    y = np.r_[ys, -np.ones(m, dtype=int)]
    sd = np.r_[np.ones(n, dtype=int), -np.ones(m, dtype=int)]
    return X, y, sd, ys, yt


def naive_sinkhorn(a, b, C, eps, n_iter=20000):
    """Log-domain Sinkhorn written out plainly, the reference of the tests."""
    from scipy.special import logsumexp

    f = np.zeros(C.shape[0])
    g = np.zeros(C.shape[1])
    for it in range(n_iter):
        f = eps * np.log(a) - eps * logsumexp((g[None, :] - C) / eps, axis=1)
        g = eps * np.log(b) - eps * logsumexp((f[:, None] - C) / eps, axis=0)
        if it % 50 == 0:
            P = np.exp((f[:, None] + g[None, :] - C) / eps)
            if np.abs(P.sum(axis=1) - a).sum() < 1e-15:
                break
    return np.exp((f[:, None] + g[None, :] - C) / eps)
