"""The mathematics of class-prior estimation under label shift (private, pure).

Every function works on validated float64 arrays of predictions, never on the
estimators, so that it can be tested against a naive reference. Functions that
solve for priors accept a leading batch axis (one row per bootstrap replicate),
which is how the estimators' bootstraps stay vectorised.
"""

import numpy as np
from scipy.optimize import lsq_linear, minimize, minimize_scalar
from scipy.special import logsumexp, softmax

# floor of a probability before its logarithm (a class a model never predicts)
PROBA_FLOOR = 1e-12


def project_simplex(V):
    """Euclidean projection of each row of ``V`` onto the probability simplex.

    The sort-based algorithm (Held et al. 1974; Duchi et al. 2008): with ``u`` the
    row sorted in decreasing order, ``rho`` the last index with ``u_rho > (sum_{j
    <= rho} u_j - 1) / rho``, the projection is ``max(v - tau, 0)`` for that
    threshold ``tau``. Vectorised over the leading axes.
    """
    V = np.asarray(V, dtype=np.float64)
    k = V.shape[-1]
    U = -np.sort(-V, axis=-1)
    css = np.cumsum(U, axis=-1) - 1.0
    idx = np.arange(1, k + 1)
    cond = U - css / idx > 0
    rho = k - 1 - np.argmax(cond[..., ::-1], axis=-1)  # last True
    tau = np.take_along_axis(css, rho[..., None], axis=-1) / (rho[..., None] + 1)
    return np.maximum(V - tau, 0.0)


def simplex_lstsq(M, mu, *, max_iter=20000, tol=1e-12):
    """``argmin_q ||M q - mu||^2`` over the simplex, batched over leading axes.

    When ``M`` is invertible and ``M^{-1} mu`` lies in the simplex that is the
    answer (a confusion matrix with columns summing to one maps the simplex's
    hyperplane onto itself, so the sum constraint holds by itself); the other
    problems are solved by accelerated projected gradient (FISTA) with the step
    ``1 / ||M||_2^2``.

    Parameters
    ----------
    M : ndarray of shape (..., k, k)
    mu : ndarray of shape (..., k)

    Returns
    -------
    q : ndarray of shape (..., k)
        On the simplex.
    n_iter : int
        Projected-gradient iterations run (0 when no problem needed them).
    """
    M = np.asarray(M, dtype=np.float64)
    mu = np.asarray(mu, dtype=np.float64)
    batch = np.broadcast_shapes(M.shape[:-2], mu.shape[:-1])
    k = mu.shape[-1]
    M = np.broadcast_to(M, batch + (k, k)).reshape(-1, k, k)
    mu = np.broadcast_to(mu, batch + (k,)).reshape(-1, k)
    q = np.empty_like(mu)
    try:
        raw = np.linalg.solve(M, mu[..., None])[..., 0]
        ok = np.all(np.isfinite(raw), axis=-1) & np.all(raw >= 0.0, axis=-1)
    except np.linalg.LinAlgError:
        raw, ok = None, np.zeros(mu.shape[0], dtype=bool)
    if raw is not None:
        q[ok] = raw[ok] / raw[ok].sum(axis=-1, keepdims=True)
    todo = np.flatnonzero(~ok)
    n_iter = 0
    if todo.size:
        A, b = M[todo], mu[todo]
        AtA = np.einsum("bji,bjk->bik", A, A)
        Atb = np.einsum("bji,bj->bi", A, b)
        L = np.linalg.norm(A, ord=2, axis=(1, 2)) ** 2
        step = 1.0 / np.maximum(L, 1e-300)
        x = project_simplex(raw[todo]) if raw is not None else np.full(b.shape, 1 / k)
        x = np.where(np.all(np.isfinite(x), axis=-1, keepdims=True), x, 1.0 / k)
        z, t = x.copy(), 1.0
        for n_iter in range(1, max_iter + 1):
            grad = np.einsum("bij,bj->bi", AtA, z) - Atb
            x_new = project_simplex(z - step[:, None] * grad)
            t_new = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))
            z = x_new + ((t - 1.0) / t_new) * (x_new - x)
            delta = np.max(np.abs(x_new - x))
            x, t = x_new, t_new
            if delta <= tol:
                break
        q[todo] = x
    return q.reshape(batch + (k,)), n_iter


def confusion_matrix(H, Y, weights):
    """Column-conditional confusion matrix ``M[j, c] = E_w[H_j | y = c]``.

    ``H`` holds one-hot hard predictions (``M[j, c] = P(yhat = j | y = c)``) or
    predicted probabilities (the soft confusion matrix); ``Y`` is the one-hot
    label matrix; ``weights`` the row weights. Returns ``(M, class_weight)`` with
    ``class_weight[c]`` the total weight of class ``c``.
    """
    WY = Y * weights[:, None]
    total = WY.sum(axis=0)
    return (H.T @ WY) / total, total


def confusion_standard_error(H, Y, weights, M):
    """Standard error of the confusion-matrix estimate in Frobenius norm.

    ``sqrt(sum_{j,c} Var(H_j | y = c) / n_eff(c))`` with ``n_eff`` Kish's
    effective number of rows of class ``c``. By Weyl's inequality a perturbation
    of this size can move the smallest singular value of ``M`` by as much.
    """
    W = Y * weights[:, None]
    total = W.sum(axis=0)
    second = ((H * H).T @ W) / total
    var = np.maximum(second - M * M, 0.0)
    n_eff = total**2 / np.maximum((Y * weights[:, None] ** 2).sum(axis=0), 1e-300)
    return float(np.sqrt(np.sum(var / n_eff[None, :])))


def em_priors(P, row_weights, reference_prior, *, init=None, max_iter=1000, tol=1e-8):
    """Maximum-likelihood target priors by EM (Saerens et al. 2002), batched.

    Maximises ``sum_i a_i log sum_c P[i, c] q_c / pi_c`` over the simplex, with
    ``P`` source posteriors, ``pi`` the prior they encode and ``a`` row weights
    (one row of ``row_weights`` per problem). Each EM step re-weights the
    posteriors by ``q / pi``, renormalises them per row and averages them.

    Parameters
    ----------
    P : ndarray of shape (n, k)
    row_weights : ndarray of shape (B, n)
        Each row sums to one.
    reference_prior : ndarray of shape (k,)
    init : ndarray of shape (B, k), default=None
        Starting priors; ``reference_prior`` when None.
    max_iter, tol : int, float
        Stop when no prior moves by more than ``tol``.

    Returns
    -------
    q : ndarray of shape (B, k)
    n_iter : int
    converged : bool
    """
    pi = np.asarray(reference_prior, dtype=np.float64)
    Pn = P / pi  # posterior over prior: the likelihood ratio up to a row factor
    B = row_weights.shape[0]
    q = np.tile(pi, (B, 1)) if init is None else np.array(init, dtype=np.float64)
    converged = False
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        D = q @ Pn.T  # (B, n): sum_c P[i, c] q_c / pi_c
        q_new = q * ((row_weights / np.maximum(D, 1e-300)) @ Pn)
        q_new /= q_new.sum(axis=1, keepdims=True)
        delta = np.max(np.abs(q_new - q))
        q = q_new
        if delta <= tol:
            converged = True
            break
    return q, n_iter, converged


def em_log_likelihood(P, row_weights, reference_prior, q):
    """``sum_i a_i log sum_c P[i, c] q_c / pi_c``, the objective of EM."""
    return float(row_weights @ np.log(P @ (q / reference_prior)))


def calibration_logits(Z, params, kind):
    """Calibrated logits ``a * Z + b`` of the fitted calibration ``params``."""
    if kind is None:
        return Z
    a, b = params
    return Z * a + b


def fit_calibration(Z, Y, weights, kind):
    """Fit temperature / vector scaling with or without biases by weighted NLL.

    ``kind``: ``"bcts"`` (one temperature and one bias per class, Alexandari et
    al. 2020), ``"vs"`` (one scale and one bias per class), ``"ts"`` (one
    temperature), or None (identity). The calibrated posterior is
    ``softmax(a * Z + b)`` with ``a = exp(tau) > 0``; the weighted mean negative
    log-likelihood is minimised by L-BFGS with its exact gradient.

    Returns
    -------
    params : tuple ``(a, b)``
        ``a`` a float or an array of shape (k,), ``b`` an array of shape (k,).
    """
    k = Z.shape[1]
    if kind is None:
        return (1.0, np.zeros(k))
    w = weights / weights.sum()
    n_scale = k if kind == "vs" else 1
    with_bias = kind in ("bcts", "vs")

    def unpack(theta):
        a = np.exp(theta[:n_scale])
        b = theta[n_scale:] if with_bias else np.zeros(k)
        return a, b

    def fun(theta):
        a, b = unpack(theta)
        L = Z * a + b
        lse = logsumexp(L, axis=1)
        nll = float(w @ (lse - np.einsum("ij,ij->i", L, Y)))
        G = (np.exp(L - lse[:, None]) - Y) * w[:, None]
        ga = np.einsum("ij,ij->j", G, Z)
        ga = ga if n_scale == k else np.array([ga.sum()])
        grad = [ga * a]
        if with_bias:
            grad.append(G.sum(axis=0))
        return nll, np.concatenate(grad)

    theta0 = np.zeros(n_scale + (k if with_bias else 0))
    res = minimize(
        fun, theta0, jac=True, method="L-BFGS-B", options={"maxiter": 500, "gtol": 1e-9}
    )
    a, b = unpack(res.x)
    return (float(a[0]) if n_scale == 1 else a, b)


def calibrated_proba(Z, params, kind):
    """Posteriors ``softmax(a * Z + b)`` (``softmax(Z)`` when ``kind`` is None)."""
    return softmax(calibration_logits(Z, params, kind), axis=-1)


def rlls_radius(n_classes, n_source, delta):
    """RLLS's confidence radius ``Delta_C`` for the joint confusion matrix.

    ``3 (2 log(2k / delta) / (3 n) + sqrt(2 log(2k / delta) / n))``: with
    probability at least ``1 - delta`` the spectral-norm error of the joint
    confusion matrix estimated from ``n`` rows is below it (matrix Bernstein).
    """
    log_term = np.log(2.0 * n_classes / delta)
    return 3.0 * (
        2.0 * log_term / (3.0 * n_source) + np.sqrt(2.0 * log_term / n_source)
    )


def _bounded_ridge(C, b, mu):
    """``argmin_{theta >= -1} ||C theta - b||^2 + mu ||theta||^2`` (bounded LS)."""
    k = C.shape[1]
    A = np.vstack([C, np.sqrt(mu) * np.eye(k)])
    rhs = np.concatenate([b, np.zeros(k)])
    return lsq_linear(A, rhs, bounds=(-1.0, np.inf), method="bvls").x


def rlls_theta(C, b, rho):
    """``argmin_{theta >= -1} ||C theta - b||_2 + rho ||theta||_2`` (RLLS).

    The objective is convex, and every minimiser of the penalised problem solves a
    bounded ridge problem ``min ||C theta - b||^2 + mu ||theta||^2`` for some
    ``mu >= 0`` (the two share their KKT conditions with ``mu = rho ||C theta -
    b|| / ||theta||``). Along that path the objective is a convex function of the
    monotone ``||theta(mu)||``, hence unimodal in ``log mu``: a bounded scalar
    search finds the minimum, and the two ends (bounded least squares, and
    ``theta = 0``) are checked too.

    Returns
    -------
    theta : ndarray of shape (k,)
        ``w - 1``, the class weights minus one; ``>= -1``.
    """
    scale = max(float(np.linalg.norm(C, 2)) ** 2, 1e-300)

    def objective(theta):
        return float(np.linalg.norm(C @ theta - b) + rho * np.linalg.norm(theta))

    def along(log_mu):
        return objective(_bounded_ridge(C, b, scale * np.exp(log_mu)))

    candidates = [np.zeros(C.shape[1]), _bounded_ridge(C, b, scale * 1e-12)]
    res = minimize_scalar(along, bounds=(-28.0, 14.0), method="bounded")
    candidates.append(_bounded_ridge(C, b, scale * np.exp(res.x)))
    values = [objective(t) for t in candidates]
    return candidates[int(np.argmin(values))]
