"""Optimal-transport solvers and Gaussian transport maths shared by the families.

Everything here works on validated float64 ndarrays and never modifies its inputs.

- Ground costs between two sets of rows, filled block by block so that no
  temporary exceeds ``sklearn.get_config()["working_memory"]``, and the exact mean
  of a cost matrix (closed form for the squared Euclidean cost), the scale the
  entropic and class regularisations are relative to.
- Exact optimal transport (:func:`emd`): POT's network simplex when POT is
  installed (the optional extra ``skadapt[ot]``); without it an exact assignment
  (:func:`scipy.optimize.linear_sum_assignment`) for uniform problems of equal
  sizes and HiGHS (:func:`scipy.optimize.linprog`) for small problems.
- Entropic optimal transport (:func:`sinkhorn`): Sinkhorn's matrix scaling with the
  scalings absorbed into log-domain potentials whenever they grow, log-domain
  updates wherever the scaled kernel underflows, and epsilon scaling; its result
  is finite whatever the cost's scale.
- Class-regularised entropic transport (:func:`group_lasso_sinkhorn`): the
  group-lasso penalty of Courty et al. (TPAMI 2017) by generalised conditional
  gradient.
- Multi-source transport under target shift (:func:`jcpot`, Redko et al. 2019).
- Minibatch transport (:func:`minibatch_plan`) above a documented size.
- Gaussian maps: :func:`gaussian_monge_map` and the Bures-Wasserstein barycentre
  :func:`gaussian_barycenter`.
"""

import math
import warnings

import numpy as np
from scipy import optimize, sparse
from scipy.special import xlogy
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics.pairwise import pairwise_distances
from sklearn.utils import check_random_state, gen_batches

from ..utils._sklearn import get_chunk_n_rows
from ._linalg import _symmetrize, sym_power, sym_sqrt_invsqrt
from ._memory import check_dense_memory

__all__ = [
    "AUTO_BATCH_SIZE",
    "DENSE_MAX_ENTRIES",
    "HIGHS_MAX_ENTRIES",
    "cost_matrix",
    "cost_mean",
    "emd",
    "gaussian_barycenter",
    "gaussian_monge_map",
    "group_lasso_sinkhorn",
    "import_pot",
    "jcpot",
    "minibatch_plan",
    "resolve_batch_size",
    "sinkhorn",
]

# ``batch_size="auto"`` solves one dense problem while ``n_source * n_target`` is at
# most this (4096 x 4096 entries: 128 MiB per float64 matrix, two to six of which a
# solver holds), and minibatches of AUTO_BATCH_SIZE rows per domain above it.
DENSE_MAX_ENTRIES = 4096 * 4096
AUTO_BATCH_SIZE = 2048
# Without POT, HiGHS solves exact problems of at most this many plan entries (a
# 500 x 500 problem takes a few seconds; 600 x 500 took 11 s of CPU).
HIGHS_MAX_ENTRIES = 250_000

METRICS = ("sqeuclidean", "euclidean", "cityblock", "cosine")

_POT_HINT = (
    "Install the optional extra with `pip install 'skadapt[ot]'` (or `pip install pot`)"
)


def import_pot(what):
    """Import POT or raise an ImportError naming the extra that provides it."""
    try:
        import ot
    except ImportError as exc:
        raise ImportError(
            f"{what} needs POT (Python Optimal Transport), an optional dependency "
            f"of skadapt. {_POT_HINT}; or use entropic transport (epsilon > 0) or "
            "minibatches (batch_size), which skadapt solves itself."
        ) from exc
    return ot


# ------------------------------------------------------------------------- costs
def _chunk(n_cols, working_memory=None):
    return max(
        1, get_chunk_n_rows(2 * 8 * max(1, n_cols), working_memory=working_memory)
    )


def _sqeuclidean_into(X, Y, out):
    """``out[i, j] = ||x_i - y_j||^2`` by one GEMM on rows centred on a common point.

    Centring (distances do not change) keeps the norms, and so the cancellation
    error of ``|x|^2 + |y|^2 - 2 x.y``, at the scale of the spread of the rows.
    """
    centre = 0.5 * (X.mean(axis=0) + Y.mean(axis=0))
    Xc = X - centre
    Yc = Y - centre
    sx = np.einsum("ij,ij->i", Xc, Xc)
    sy = np.einsum("ij,ij->i", Yc, Yc)
    for rows in gen_batches(X.shape[0], _chunk(Y.shape[0])):
        block = out[rows]
        np.matmul(Xc[rows], Yc.T, out=block)
        block *= -2.0
        block += sx[rows, None]
        block += sy[None, :]
        np.maximum(block, 0.0, out=block)
    return out


def cost_matrix(X, Y, *, metric="sqeuclidean", out=None, working_memory=None):
    """Ground cost between the rows of ``X`` and ``Y``, filled block by block.

    Parameters
    ----------
    X : ndarray of shape (n, d)
    Y : ndarray of shape (m, d)
    metric : {"sqeuclidean", "euclidean", "cityblock", "cosine"}
    out : ndarray of shape (n, m), float64, default=None
        Where to write the cost (allocated when None).
    working_memory : float, default=None
        MiB one block of temporaries may take; sklearn's setting when None.

    Returns
    -------
    C : ndarray of shape (n, m), float64, non-negative
    """
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    if out is None:
        out = np.empty((X.shape[0], Y.shape[0]))
    if metric in ("sqeuclidean", "euclidean"):
        _sqeuclidean_into(X, Y, out)
        if metric == "euclidean":
            np.sqrt(out, out=out)
        return out
    for rows in gen_batches(X.shape[0], _chunk(Y.shape[0], working_memory)):
        out[rows] = pairwise_distances(X[rows], Y, metric=metric)
    np.maximum(out, 0.0, out=out)
    return out


def cost_mean(X, Y, *, metric="sqeuclidean", working_memory=None):
    """Exact mean of the ground cost over all pairs of rows, in bounded memory.

    For the squared Euclidean cost it is a closed form in ``O((n + m) d)``:
    ``mean ||x - y||^2 = var(X) + var(Y) + ||mean(X) - mean(Y)||^2`` (total
    variances); other metrics are averaged over blocks of the cost matrix.

    Returns
    -------
    mean : float
        Positive; ``1.0`` when every pair of rows coincides.
    """
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    if metric == "sqeuclidean":
        mx, my = X.mean(axis=0), Y.mean(axis=0)
        Xc, Yc = X - mx, Y - my
        total = (
            np.einsum("ij,ij->", Xc, Xc) / X.shape[0]
            + np.einsum("ij,ij->", Yc, Yc) / Y.shape[0]
            + float((mx - my) @ (mx - my))
        )
    else:
        total = 0.0
        step = _chunk(Y.shape[0], working_memory)
        buf = np.empty((min(step, X.shape[0]), Y.shape[0]))
        for rows in gen_batches(X.shape[0], step):
            block = buf[: rows.stop - rows.start]
            total += cost_matrix(X[rows], Y, metric=metric, out=block).sum()
        total /= X.shape[0] * Y.shape[0]
    return float(total) if total > 0 else 1.0


# ---------------------------------------------------------------------- exact OT
def _normalised(w):
    w = np.asarray(w, dtype=np.float64)
    return w / w.sum()


def _is_uniform(w):
    return w.size == 0 or np.ptp(w) <= 1e-12 * w.max()


def uniform(n):
    """Uniform masses (or weights) on ``n`` points."""
    return np.full(n, 1.0 / n)


def onehot(idx, n_classes):
    """Indicator matrix of shape ``(len(idx), n_classes)`` of the class indices."""
    out = np.zeros((idx.shape[0], n_classes))
    out[np.arange(idx.shape[0]), idx] = 1.0
    return out


def emd(a, b, C, *, solver="auto", max_iter=100_000_000):
    """Exact optimal transport plan between the histograms ``a`` and ``b``.

    Parameters
    ----------
    a : ndarray of shape (n,)
        Source masses (normalised to sum to one).
    b : ndarray of shape (m,)
        Target masses (normalised to sum to one).
    C : ndarray of shape (n, m)
        Ground cost.
    solver : {"auto", "pot", "assignment", "highs"}, default="auto"
        ``"pot"``: POT's network simplex. ``"assignment"``: uniform masses and
        ``n == m`` only, where an optimal plan is a permutation (Birkhoff) found by
        :func:`scipy.optimize.linear_sum_assignment`. ``"highs"``: the linear
        programme by HiGHS, for at most ``HIGHS_MAX_ENTRIES`` plan entries.
        ``"auto"``: POT when importable, else the assignment when it applies, else
        HiGHS when the problem is small enough, else an ImportError naming the
        extra.
    max_iter : int, default=100_000_000
        Iterations of the network simplex. POT's own default (100 000) stops a
        2000 x 2000 problem before optimality; reaching this cap warns.

    Returns
    -------
    P : ndarray of shape (n, m)
        An optimal plan, ``P @ 1 = a`` and ``P.T @ 1 = b``.
    """
    a, b = _normalised(a), _normalised(b)
    C = np.ascontiguousarray(C, dtype=np.float64)
    n, m = C.shape
    if solver == "auto":
        try:
            import ot  # noqa: F401
        except ImportError:
            if n == m and _is_uniform(a) and _is_uniform(b):
                solver = "assignment"
            elif n * m <= HIGHS_MAX_ENTRIES:
                solver = "highs"
            else:
                import_pot(
                    f"Exact optimal transport between {n} and {m} rows (above the "
                    f"{HIGHS_MAX_ENTRIES} plan entries skadapt's own exact solver "
                    "handles, and not an equal-size uniform assignment)"
                )
        else:
            solver = "pot"
    if solver == "pot":
        ot = import_pot("Exact optimal transport with solver='pot'")
        P, log = ot.emd(a, b, C, numItermax=int(max_iter), log=True)
        if log.get("result_code", 1) != 1:
            warnings.warn(
                f"POT's network simplex stopped before optimality "
                f"({log.get('warning')}); the plan is feasible but not optimal. "
                "Raise max_iter, or use minibatches (batch_size).",
                ConvergenceWarning,
                stacklevel=2,
            )
        return np.asarray(P, dtype=np.float64)
    if solver == "assignment":
        if n != m or not (_is_uniform(a) and _is_uniform(b)):
            raise ValueError(
                "solver='assignment' needs uniform masses on as many source as "
                "target rows."
            )
        rows, cols = optimize.linear_sum_assignment(C)
        P = np.zeros((n, m))
        P[rows, cols] = 1.0 / n
        return P
    if solver == "highs":
        return _emd_highs(a, b, C)
    raise ValueError(f"Unknown exact solver {solver!r}.")


def _emd_highs(a, b, C):
    n, m = C.shape
    rows_eq = sparse.kron(sparse.eye(n, format="csr"), np.ones((1, m)), format="csr")
    cols_eq = sparse.kron(np.ones((1, n)), sparse.eye(m, format="csr"), format="csr")
    A_eq = sparse.vstack([rows_eq, cols_eq], format="csr")
    res = optimize.linprog(
        C.ravel(),
        A_eq=A_eq,
        b_eq=np.concatenate([a, b]),
        bounds=(0, None),
        method="highs",
        options={"primal_feasibility_tolerance": 1e-10},
    )
    if res.status != 0:  # pragma: no cover - a transport LP is always feasible
        raise RuntimeError(f"HiGHS failed on the transport problem: {res.message}")
    P = np.maximum(res.x.reshape(n, m), 0.0)
    # a vertex of the transport polytope: rescale rows to the exact masses (the
    # columns move by the LP's feasibility tolerance at most)
    s = P.sum(axis=1)
    P *= (a / np.where(s > 0, s, 1.0))[:, None]
    return P


# -------------------------------------------------------------------- entropic OT
def _logsumexp_rows(B):
    """Row-wise log-sum-exp of ``B``, overwriting ``B``."""
    mx = B.max(axis=1)
    mx[~np.isfinite(mx)] = 0.0
    B -= mx[:, None]
    np.exp(B, out=B)
    with np.errstate(divide="ignore"):
        return mx + np.log(B.sum(axis=1))


class _Scaling:
    """A Gibbs kernel ``diag(u) exp((f + g - C) / eps) diag(v)`` kept finite.

    The potentials ``f``, ``g`` (in cost units) hold what the scalings ``u``,
    ``v`` have accumulated: whenever a scaling leaves ``[1/tau, tau]`` it is
    absorbed into the potentials and the kernel ``K = exp((f + g - C) / eps)`` is
    recomputed. Where ``K @ v`` underflows (a row whose every entry is below the
    smallest double, which happens right after epsilon decreases) the update is
    made in the log domain instead, by a log-sum-exp over the row. The plan is
    therefore never ``0 / 0``: the result is finite for any cost scale and any
    ``eps > 0``.
    """

    tau = 1e6

    def __init__(self, C, eps, f=None, g=None):
        self.C = C
        self.eps = float(eps)
        n, m = C.shape
        self.f = np.zeros(n) if f is None else np.array(f, dtype=np.float64)
        self.g = np.zeros(m) if g is None else np.array(g, dtype=np.float64)
        self.u = np.ones(n)
        self.v = np.ones(m)
        self.K = np.empty_like(C)
        self._refresh()

    def _refresh(self):
        K = self.K
        np.add(self.f[:, None], self.g[None, :], out=K)
        K -= self.C
        K *= 1.0 / self.eps
        np.exp(K, out=K)

    def _absorb_potentials(self):
        tiny = np.finfo(np.float64).tiny
        self.f += self.eps * np.log(np.maximum(self.u, tiny))
        self.g += self.eps * np.log(np.maximum(self.v, tiny))
        self.u = np.ones_like(self.u)
        self.v = np.ones_like(self.v)

    def absorb(self):
        """Move the scalings into the potentials; the kernel becomes the plan."""
        self._absorb_potentials()
        self._refresh()

    def set_eps(self, eps):
        self._absorb_potentials()
        self.eps = float(eps)
        self._refresh()

    def _log_rows(self, target):
        self._absorb_potentials()
        B = self.K
        np.subtract(self.g[None, :], self.C, out=B)
        B *= 1.0 / self.eps
        with np.errstate(divide="ignore"):
            self.f = self.eps * (np.log(target) - _logsumexp_rows(B))
        self.f = np.maximum(self.f, -np.finfo(np.float64).max / 4)
        self._refresh()

    def _log_cols(self, target):
        self._absorb_potentials()
        B = self.K
        np.subtract(self.f[:, None], self.C, out=B)
        B *= 1.0 / self.eps
        mx = B.max(axis=0)
        mx[~np.isfinite(mx)] = 0.0
        B -= mx[None, :]
        np.exp(B, out=B)
        with np.errstate(divide="ignore"):
            lse = mx + np.log(B.sum(axis=0))
            self.g = self.eps * (np.log(target) - lse)
        self.g = np.maximum(self.g, -np.finfo(np.float64).max / 4)
        self._refresh()

    def _check(self):
        if (
            self.u.max() > self.tau
            or self.v.max() > self.tau
            or self.u.min() < 1.0 / self.tau
            or self.v.min() < 1.0 / self.tau
        ):
            self.absorb()

    def scale_rows(self, target, omega=1.0):
        """Rescale so that the plan's row sums equal ``target``.

        ``omega > 1`` over-relaxes the step in the log domain,
        ``log u <- (1 - omega) log u + omega log(target / K v)``.
        """
        Kv = self.K @ self.v
        if np.all(Kv > 0) and np.all(np.isfinite(Kv)):
            self.u = self._relaxed(self.u, target / Kv, omega)
            self._check()
        else:
            self._log_rows(target)

    def scale_cols(self, target, omega=1.0):
        """Rescale so that the plan's column sums equal ``target``."""
        KTu = self.K.T @ self.u
        if np.all(KTu > 0) and np.all(np.isfinite(KTu)):
            self.v = self._relaxed(self.v, target / KTu, omega)
            self._check()
        else:
            self._log_cols(target)

    @staticmethod
    def _relaxed(old, new, omega):
        if omega == 1.0:
            return new
        with np.errstate(over="ignore", invalid="ignore"):
            out = old ** (1.0 - omega) * new**omega
        return out if np.all(np.isfinite(out)) and np.all(out > 0) else new

    def row_sums(self):
        return self.u * (self.K @ self.v)

    def col_sums(self):
        return self.v * (self.K.T @ self.u)

    def plan(self):
        """The plan ``diag(u) K diag(v)`` (the kernel buffer, after absorbing)."""
        self.absorb()
        return self.K


def _eps_schedule(eps, start, factor=0.25):
    """Decreasing epsilons from ``start`` down to ``eps`` (geometric)."""
    out = []
    e = float(start)
    while e > eps * 1.0001:
        out.append(e)
        e *= factor
    out.append(float(eps))
    return out


def sinkhorn(
    a,
    b,
    C,
    eps,
    *,
    max_iter=1000,
    tol=1e-9,
    potentials=None,
    eps_start=None,
    check_every=10,
    relaxation=1.5,
    warn=True,
):
    r"""Entropic optimal transport plan by stabilised Sinkhorn scaling.

    Solves :math:`\min_{P \ge 0,\ P 1 = a,\ P^T 1 = b} \langle P, C\rangle +
    \varepsilon \sum_{ij} P_{ij} (\log P_{ij} - 1)`, whose solution is
    :math:`P = \exp((f_i + g_j - C_{ij}) / \varepsilon)` for dual potentials
    :math:`f, g`. Scalings are absorbed into the potentials whenever they leave
    ``[1e-6, 1e6]`` and updates fall back to the log domain where the kernel
    underflows (see :class:`_Scaling`), so the plan is finite whatever the scale
    of ``C``. Epsilon scaling (a geometric schedule from ``eps_start`` down to
    ``eps``, each stage warm-started) makes small ``eps`` converge in few
    iterations.

    Parameters
    ----------
    a : ndarray of shape (n,)
    b : ndarray of shape (m,)
        Marginals (normalised to sum to one).
    C : ndarray of shape (n, m)
    eps : float
        Entropic regularisation, in the units of ``C``.
    max_iter : int, default=1000
        Scaling iterations over all stages.
    tol : float, default=1e-9
        Stop when the L1 violation of the column marginal is below ``tol`` (the
        row marginal holds to rounding after each iteration). With marginals
        summing to one this is the mean relative error of the column masses,
        ``mean_j |P^T 1 - b|_j / b_j`` for uniform ``b``.
    potentials : tuple of ndarray, default=None
        Warm start ``(f, g)``.
    eps_start : float, default=None
        First epsilon of the schedule; ``max(eps, mean(C))`` when None and no
        warm start is given, ``eps`` otherwise.
    check_every : int, default=10
        Iterations between marginal checks.
    relaxation : float, default=1.5
        Over-relaxation :math:`\omega \in [1, 2)` of the scaling steps in the
        last stage (Thibault et al., 2017): each log-scaling moves ``omega`` times
        the plain Sinkhorn step (twice as fast on most bundled tasks). Falls back
        to plain steps when the marginal violation is larger than five checks
        earlier, and for a step that would overflow.
    warn : bool, default=True
        Warn with a ConvergenceWarning when ``tol`` is not reached.

    Returns
    -------
    P : ndarray of shape (n, m)
    info : dict
        ``f``, ``g`` (potentials), ``n_iter``, ``err`` (final column violation).
    """
    a, b = _normalised(a), _normalised(b)
    if potentials is None:
        state = _Scaling(C, eps)
        start = float(C.mean()) if eps_start is None else eps_start
        schedule = _eps_schedule(eps, max(eps, start))
    else:
        state = _Scaling(C, eps, *potentials)
        schedule = _eps_schedule(eps, max(eps, eps_start or eps))
    n_iter, err = 0, np.inf
    for k, e in enumerate(schedule):
        last = k == len(schedule) - 1
        if e != state.eps:
            state.set_eps(e)
        if k == 0 and potentials is None:
            state._log_cols(b)
            state._log_rows(a)
        stage_tol = tol if last else max(tol, 1e-3)
        omega, history = (relaxation if last else 1.0), []
        while n_iter < max_iter:
            state.scale_cols(b, omega)
            state.scale_rows(a, omega)
            n_iter += 1
            if n_iter % check_every == 0 or n_iter == max_iter:
                err = float(np.abs(state.col_sums() - b).sum())
                if err <= stage_tol:
                    break
                history.append(err)
                if len(history) > 5 and err > history[-6]:
                    # over-relaxation stopped contracting: plain steps from here
                    omega = 1.0
        if not last and n_iter >= max_iter:
            # out of iterations before the last stage: jump to the target epsilon
            # with one log-domain sweep (the stale kernel may underflow)
            state.set_eps(schedule[-1])
            state._log_cols(b)
            state._log_rows(a)
            break
    if omega != 1.0:  # end on a plain step: the row marginal holds exactly
        state.scale_rows(a)
    P = state.plan()
    if not np.allclose(P.sum(axis=1), a, rtol=1e-9, atol=0):
        state._log_rows(a)
        P = state.plan()
    err = float(np.abs(P.sum(axis=0) - b).sum())
    if warn and not err <= tol:
        warnings.warn(
            f"Sinkhorn stopped after {n_iter} iterations with a marginal violation "
            f"of {err:.2e} (tol={tol:.0e}). Raise max_iter, or raise epsilon.",
            ConvergenceWarning,
            stacklevel=2,
        )
    return P, {"f": state.f, "g": state.g, "n_iter": n_iter, "err": err}


def entropic_objective(P, C, eps):
    """``<P, C> + eps * sum P (log P - 1)`` (``0 log 0 = 0``)."""
    return float(np.sum(P * C) + eps * (np.sum(xlogy(P, P)) - P.sum()))


# ----------------------------------------------------------- class regularisation
def _group_norms(P, onehot):
    """``N[c, j] = ||P[rows of class c, j]||_2``, by one GEMM."""
    return np.sqrt(np.maximum(onehot.T @ (P * P), 0.0))


def group_lasso_penalty(P, onehot):
    r"""Group-lasso penalty :math:`\sum_j \sum_c \|P_{I_c, j}\|_2` of a plan."""
    return float(_group_norms(P, onehot).sum())


def group_lasso_sinkhorn(
    a,
    b,
    C,
    labels,
    eps,
    class_reg,
    *,
    max_iter=20,
    inner_max_iter=1000,
    tol=1e-7,
    inner_tol=1e-9,
):
    r"""Entropic transport with the group-lasso class penalty, by GCG.

    Minimises :math:`F(P) = \langle P, C\rangle + \varepsilon \sum P (\log P - 1)
    + \eta \sum_j \sum_c \|P_{I_c, j}\|_2` over the transport polytope, where
    :math:`I_c` are the source rows of class :math:`c` [Courty et al., TPAMI 2017]:
    each target row is pushed to receive mass from one class only. Generalised
    conditional gradient [Rakotomamonjy et al., 2015]: linearise the penalty at
    the current plan, solve the entropic problem with the cost :math:`C + \eta
    \nabla\Omega(P)` by :func:`sinkhorn` (warm-started), and move towards its
    solution by an exact line search on :math:`F`.

    Parameters
    ----------
    a, b : ndarray
        Marginals.
    C : ndarray of shape (n, m)
    labels : ndarray of shape (n,), int
        Class index (``0 .. n_classes - 1``) of each source row.
    eps, class_reg : float
        :math:`\varepsilon > 0` and :math:`\eta \ge 0`, in the units of ``C``.
    max_iter : int, default=20
        Conditional-gradient iterations.
    inner_max_iter, inner_tol
        Of each Sinkhorn solve.
    tol : float, default=1e-7
        Stop when the relative decrease of ``F`` is below ``tol``.

    Returns
    -------
    P : ndarray of shape (n, m)
    info : dict
        ``objective`` (the history of ``F``), ``n_iter``.
    """
    a, b = _normalised(a), _normalised(b)
    labels = np.asarray(labels)
    n_classes = int(labels.max()) + 1 if labels.size else 0
    members = onehot(labels, n_classes)

    def objective(P):
        return entropic_objective(P, C, eps) + class_reg * group_lasso_penalty(
            P, members
        )

    P, info = sinkhorn(a, b, C, eps, max_iter=inner_max_iter, tol=inner_tol)
    potentials = (info["f"], info["g"])
    history = [objective(P)]
    n_iter = 0
    if class_reg == 0:
        return P, {"objective": history, "n_iter": 0}
    Clin = np.empty_like(C)
    for n_iter in range(1, max_iter + 1):
        norms = _group_norms(P, members)
        with np.errstate(divide="ignore", invalid="ignore"):
            grad = P / norms[labels]
        grad[~np.isfinite(grad)] = 0.0
        np.multiply(grad, class_reg, out=Clin)
        Clin += C
        Q, info = sinkhorn(
            a,
            b,
            Clin,
            eps,
            max_iter=inner_max_iter,
            tol=inner_tol,
            potentials=potentials,
        )
        potentials = (info["f"], info["g"])
        D = Q - P
        res = optimize.minimize_scalar(
            lambda t: objective(P + t * D),
            bounds=(0.0, 1.0),
            method="bounded",
            options={"xatol": 1e-4},
        )
        t = float(res.x)
        if objective(P + D) <= res.fun:
            t = 1.0
        P += t * D
        history.append(objective(P))
        if history[-2] - history[-1] <= tol * abs(history[-2]):
            break
    return P, {"objective": history, "n_iter": n_iter}


# ------------------------------------------------------------------------ JCPOT
def jcpot(Cs, labels, b, eps, *, n_classes, weights=None, max_iter=1000, tol=1e-9):
    r"""Target class proportions and plans of JCPOT (Redko et al., AISTATS 2019).

    Each source domain :math:`k` gives a cost :math:`C_k` (its rows against the
    target rows) and labels. The unknown target class proportions :math:`h` and
    the plans :math:`P_k` solve

    .. math:: \min_{h \in \Delta,\ P_k} \sum_k \lambda_k \mathrm{KL}(P_k \mid
              e^{-C_k / \varepsilon}) \quad P_k^T 1 = b,\quad P_k 1 = D_2^{(k)} h,

    where :math:`D_2^{(k)} h` gives each source row of class :math:`c` the mass
    :math:`h_c / n_c^{(k)}`. Iterative Bregman projections: project every plan on
    the target marginal, take :math:`h` as the weighted geometric mean of the
    plans' class masses, then project every plan on its class-reweighted source
    marginal; the scalings are stabilised as in :func:`sinkhorn`.

    Parameters
    ----------
    Cs : list of ndarray of shape (n_k, m)
    labels : list of ndarray of shape (n_k,), int in ``0 .. n_classes - 1``
    b : ndarray of shape (m,)
        Target marginal.
    eps : float
        Entropic regularisation, in the units of the costs.
    n_classes : int
    weights : ndarray of shape (n_sources,), default=None
        :math:`\lambda_k`; uniform when None.
    max_iter : int, default=1000
    tol : float, default=1e-9
        Stop when the L1 change of ``h`` in an iteration is below ``tol``.

    Returns
    -------
    h : ndarray of shape (n_classes,)
        Target class proportions, normalised to the simplex.
    plans : list of ndarray of shape (n_k, m)
    info : dict
        ``n_iter``, ``change`` (last L1 change of ``h``).
    """
    b = _normalised(b)
    K = len(Cs)
    lam = uniform(K) if weights is None else _normalised(weights)
    states = [_Scaling(C, eps) for C in Cs]
    counts = [np.bincount(y, minlength=n_classes).astype(np.float64) for y in labels]
    # the first projection (on the target marginal) from exp(-C / eps), in the log
    # domain so that it cannot underflow
    for st in states:
        st._log_cols(b)
    h = uniform(n_classes)
    change, it = np.inf, 0
    tiny = np.finfo(np.float64).tiny
    for it in range(1, max_iter + 1):
        log_h = np.zeros(n_classes)
        for st, y, lam_k in zip(states, labels, lam):
            st.scale_cols(b)
            q = np.bincount(y, weights=st.row_sums(), minlength=n_classes)
            log_h += lam_k * np.log(np.maximum(q, tiny))
        h_new = np.exp(log_h)
        for st, y, cnt in zip(states, labels, counts):
            mass = h_new[y] / cnt[y]
            st.scale_rows(np.maximum(mass, tiny))
        change = float(np.abs(h_new - h).sum())
        h = h_new
        if change <= tol:
            break
    if not change <= tol:
        warnings.warn(
            f"JCPOT's Bregman projections stopped after {it} iterations with a "
            f"change of {change:.2e} in the class proportions (tol={tol:.0e}). "
            "Raise max_iter, or raise epsilon.",
            ConvergenceWarning,
            stacklevel=2,
        )
    plans = [st.plan() for st in states]
    return h / h.sum(), plans, {"n_iter": it, "change": change}


# -------------------------------------------------------------------- minibatches
def resolve_batch_size(batch_size, n_source, n_target):
    """Rows per minibatch, or None for one dense problem.

    ``None``: always dense. ``"auto"``: dense while ``n_source * n_target <=
    DENSE_MAX_ENTRIES``, else ``AUTO_BATCH_SIZE``. An int ``B``: minibatches of
    about ``B`` rows when a domain has more than ``B`` rows, dense otherwise.
    """
    if batch_size is None:
        return None
    if isinstance(batch_size, str):
        if n_source * n_target <= DENSE_MAX_ENTRIES:
            return None
        batch_size = AUTO_BATCH_SIZE
    if max(n_source, n_target) <= batch_size:
        return None
    return int(batch_size)


def minibatch_plan(n_source, n_target, solve, batch_size, random_state=None):
    r"""A transport plan made of independent minibatch plans (a partition).

    Source and target rows are shuffled and split into the same number
    :math:`k = \lceil \max(n_s, n_t) / B \rceil` of nearly equal batches; batch
    :math:`i` of the source is transported onto batch :math:`i` of the target with
    uniform masses, and the block is weighted by its share of the source rows. The
    result is block-diagonal up to the shuffles, with exact row sums
    ``1 / n_source`` and column sums within a factor ``1 +- k / n`` of
    ``1 / n_target``. Memory and time are those of ``k`` problems of ``B`` rows
    instead of one of ``n``; the price is that a row is only matched within its
    batch (the approximation is measured in ``benchmarks/
    bench_transport_scaling.py``).

    Parameters
    ----------
    n_source, n_target : int
    solve : callable
        ``solve(source_rows, target_rows) -> P`` of shape ``(len(source_rows),
        len(target_rows))`` with uniform normalised marginals.
    batch_size : int
    random_state : int, RandomState instance or None

    Returns
    -------
    P : scipy.sparse.csr_matrix of shape (n_source, n_target)
    """
    rng = check_random_state(random_state)
    k = max(1, math.ceil(max(n_source, n_target) / batch_size))
    src = np.array_split(rng.permutation(n_source), k)
    tgt = np.array_split(rng.permutation(n_target), k)
    data, rows, cols = [], [], []
    for s, t in zip(src, tgt):
        if s.size == 0 or t.size == 0:
            continue
        block = solve(s, t) * (s.size / n_source)
        nz = np.nonzero(block > 0)
        data.append(block[nz])
        rows.append(s[nz[0]])
        cols.append(t[nz[1]])
    return sparse.csr_matrix(
        (np.concatenate(data), (np.concatenate(rows), np.concatenate(cols))),
        shape=(n_source, n_target),
    )


def dense_plan_guard(n_source, n_target, n_matrices, what):
    """``check_dense_memory`` for a solver holding ``n_matrices`` n x m arrays."""
    check_dense_memory(
        8 * n_matrices * n_source * n_target,
        what=f"{what} between {n_source} and {n_target} rows",
        remedy="minibatch transport (batch_size='auto' or an int)",
    )


# ------------------------------------------------------------------ Gaussian maps
def gaussian_monge_map(cov_source, cov_target):
    r"""Linear part of the optimal transport map between two Gaussians.

    Parameters
    ----------
    cov_source : ndarray of shape (d, d)
        Regularised source covariance ``Cs`` (positive definite).
    cov_target : ndarray of shape (d, d)
        Regularised target covariance ``Ct``.

    Returns
    -------
    A : ndarray of shape (d, d)
        Symmetric positive semi-definite ``A`` with ``A Cs A = Ct``:
        ``A = Cs^{-1/2} (Cs^{1/2} Ct Cs^{1/2})^{1/2} Cs^{-1/2}``; a source row maps
        to ``(x - mean_s) @ A + mean_t``.
    """
    sqrt_s, inv_sqrt_s = sym_sqrt_invsqrt(np.asarray(cov_source, dtype=np.float64))
    middle = _symmetrize(sqrt_s @ np.asarray(cov_target, dtype=np.float64) @ sqrt_s)
    A = inv_sqrt_s @ sym_power(middle, 0.5) @ inv_sqrt_s
    return _symmetrize(A)


def gaussian_barycenter(covs, weights=None, *, max_iter=100, tol=1e-10):
    r"""Covariance of the Wasserstein barycentre of centred Gaussians.

    The barycentre :math:`\bar\Sigma` of :math:`N(0, \Sigma_k)` with weights
    :math:`w_k` is the fixed point of
    :math:`\bar\Sigma = \sum_k w_k (\bar\Sigma^{1/2} \Sigma_k
    \bar\Sigma^{1/2})^{1/2}`; the iteration of Álvarez-Esteban et al. (2016),

    .. math:: S \leftarrow S^{-1/2} \Big(\sum_k w_k (S^{1/2} \Sigma_k
              S^{1/2})^{1/2}\Big)^2 S^{-1/2},

    converges to it from any positive definite start. Each matrix function is one
    symmetric eigendecomposition with clipped eigenvalues (``S^{1/2}`` and
    ``S^{-1/2}`` share one).

    Parameters
    ----------
    covs : ndarray of shape (n_domains, d, d)
        Positive definite covariances.
    weights : ndarray of shape (n_domains,), default=None
        Barycentric weights (normalised); uniform when None.
    max_iter : int, default=100
    tol : float, default=1e-10
        Stop when ``||S_new - S||_F <= tol * ||S||_F``.

    Returns
    -------
    S : ndarray of shape (d, d)
    n_iter : int
    """
    covs = np.asarray(covs, dtype=np.float64)
    w = uniform(covs.shape[0]) if weights is None else _normalised(weights)
    S = np.einsum("k,kij->ij", w, covs)
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        r, ir = sym_sqrt_invsqrt(S)
        M = np.zeros_like(S)
        for wk, Ck in zip(w, covs):
            M += wk * sym_power(_symmetrize(r @ Ck @ r), 0.5)
        S_new = _symmetrize(ir @ (M @ M) @ ir)
        delta = np.linalg.norm(S_new - S)
        S = S_new
        if delta <= tol * np.linalg.norm(S):
            break
    return S, n_iter
