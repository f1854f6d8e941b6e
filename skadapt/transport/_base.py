"""Machinery shared by the transport estimators: plans between domains, labels."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import clone
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .._base import (
    _check_not_one_class,
    _prediction_domain,
    check_masked_y,
    check_sample_domain,
    domains_and_labels,
    estimator_has,
)
from .._core._ot import (
    METRICS,
    cost_matrix,
    cost_mean,
    dense_plan_guard,
    emd,
    group_lasso_sinkhorn,
    minibatch_plan,
    resolve_batch_size,
    sinkhorn,
    uniform,
)
from ..utils._sklearn import Interval, StrOptions

# Parameters every estimator that solves a transport plan shares.
PLAN_CONSTRAINTS = {
    "metric": [StrOptions(set(METRICS))],
    "batch_size": [
        Interval(Integral, 1, None, closed="left"),
        StrOptions({"auto"}),
        None,
    ],
    "max_iter": [Interval(Integral, 1, None, closed="left")],
    "tol": [Interval(Real, 0, None, closed="left")],
    "random_state": ["random_state"],
}

# Default entropic regularisation, relative to the mean ground cost. At 0.05 a
# source row spreads its mass over the target rows within about 0.05 x (mean cost)
# of its best match, and Sinkhorn with epsilon scaling converges in a few hundred
# iterations on the bundled data.
EPSILON = 0.05

# n x m float64 arrays each solver holds at once (cost, plan and work buffers).
_DENSE_MATRICES = {"exact": 3, "entropic": 3, "class": 10}


def feature_cost(Xs, Xt, metric, *, weight=1.0, scale=None):
    """``cost(s, t)``: ``weight`` times the ground cost of rows ``s`` and ``t``.

    The cost is divided by ``scale``, by default the mean ground cost of ``Xs`` and
    ``Xt``; returns ``cost`` and ``scale``. ``s`` and ``t`` index the rows (arrays or
    slices).
    """
    if scale is None:
        scale = cost_mean(Xs, Xt, metric=metric)

    def cost(s, t):
        C = cost_matrix(Xs[s], Xt[t], metric=metric)
        C *= weight / scale
        return C

    return cost, scale


def transport_plan(
    cost,
    n_source,
    n_target,
    *,
    epsilon,
    batch_size,
    random_state,
    max_iter,
    tol,
    labels=None,
    class_reg=0.0,
    class_max_iter=10,
    source_keys=None,
    target_keys=None,
    info=None,
    what="Optimal transport",
):
    """The plan with uniform masses for ``cost``, dense or by minibatches.

    Parameters
    ----------
    cost : callable
        ``cost(source_rows, target_rows) -> ndarray`` (index arrays).
    n_source, n_target : int
    epsilon : float
        ``0`` for exact transport; otherwise the entropic regularisation in the
        units of ``cost``.
    batch_size : int, "auto" or None
        See :func:`skadapt._core._ot.resolve_batch_size`.
    random_state : int, RandomState instance or None
        Shuffles the minibatches.
    max_iter, tol
        Of the Sinkhorn solves.
    labels : ndarray of shape (n_source,), int, default=None
        Source classes, for the group-lasso class penalty.
    class_reg : float, default=0.0
        Weight of the class penalty (needs ``labels`` and ``epsilon > 0``).
    class_max_iter : int, default=10
        Conditional-gradient iterations of the class-regularised problem.
    source_keys, target_keys : ndarray of shape (n_source,) / (n_target,), int
        Equal keys mark identical rows (see :func:`row_keys`); the entropic
        solvers merge them. None solves row by row.
    info : dict, default=None
        When given, ``info["n_iter"]`` receives the largest number of iterations
        a solve ran (Sinkhorn, or conditional gradient for the class penalty).
    what : str
        Named in the memory error.

    Returns
    -------
    P : ndarray or scipy.sparse.csr_matrix of shape (n_source, n_target)
        Dense for one problem, CSR when minibatches were used.
    """
    kind = "exact" if epsilon == 0 else ("class" if class_reg else "entropic")

    def solve_atoms(s, t, a, b):
        C = cost(s, t)
        if kind == "exact":
            return emd(a, b, C)
        if kind == "entropic":
            P, out = sinkhorn(a, b, C, epsilon, max_iter=max_iter, tol=tol)
            if info is not None:
                info["n_iter"] = max(info.get("n_iter", 0), out["n_iter"])
            return P
        # the penalty over its value at the independent plan a b^T, whose
        # transport cost is the mean cost (1): class_reg weighs one against the
        # other whatever the number of rows and classes
        ls = labels[s]
        omega0 = np.sqrt(np.bincount(ls, weights=a * a)).sum()
        P, out = group_lasso_sinkhorn(
            a,
            b,
            C,
            ls,
            epsilon,
            class_reg / omega0,
            max_iter=class_max_iter,
            inner_max_iter=max_iter,
            inner_tol=tol,
        )
        if info is not None:
            info["n_iter"] = max(info.get("n_iter", 0), out["n_iter"])
        return P

    def solve(s, t):
        # merging identical rows is exact for the entropic problem only: the
        # group-lasso norm of k merged rows is not that of the k rows
        if kind != "entropic" or source_keys is None:
            return solve_atoms(s, t, uniform(s.size), uniform(t.size))
        # identical rows merged into one atom of their total mass: the entropic
        # plan gives identical rows identical plan rows, so this is exact, and
        # Sinkhorn converges an order of magnitude faster on data with duplicate
        # rows (text, one-hot)
        rs, inv_s, cnt_s = _atoms(source_keys[s])
        rt, inv_t, cnt_t = _atoms(target_keys[t])
        if rs.size == s.size and rt.size == t.size:
            return solve_atoms(s, t, uniform(s.size), uniform(t.size))
        P = solve_atoms(s[rs], t[rt], cnt_s / s.size, cnt_t / t.size)
        P = P / cnt_s[:, None]
        P /= cnt_t[None, :]
        return P[inv_s][:, inv_t]

    bs = resolve_batch_size(batch_size, n_source, n_target)
    if bs is None:
        dense_plan_guard(n_source, n_target, _DENSE_MATRICES[kind], what)
        return solve(np.arange(n_source), np.arange(n_target))
    return minibatch_plan(n_source, n_target, solve, bs, random_state)


def _atoms(keys):
    """First row of each distinct key, the atom of every row, the atom sizes."""
    _, first, inverse, counts = np.unique(
        keys, return_index=True, return_inverse=True, return_counts=True
    )
    return first, inverse.reshape(-1), counts.astype(np.float64)


def row_keys(X, labels=None):
    """Integer keys equal exactly for identical rows (and labels)."""
    _, keys = np.unique(np.ascontiguousarray(X), axis=0, return_inverse=True)
    keys = keys.reshape(-1).astype(np.int64)
    if labels is not None:
        _, keys = np.unique(
            np.stack([keys, np.asarray(labels, dtype=np.int64)], axis=1),
            axis=0,
            return_inverse=True,
        )
        keys = keys.reshape(-1).astype(np.int64)
    return keys


def plan_marginals(P):
    """Row and column sums of a dense or sparse plan, as 1-d arrays."""
    return np.asarray(P.sum(axis=1)).ravel(), np.asarray(P.sum(axis=0)).ravel()


def barycentric(P, values, *, onto):
    """The plan-weighted mean of ``values`` that each row of one side receives.

    ``onto="source"``: each source row's mean of the target ``values`` (its
    barycentric image when ``values`` are the target rows); ``onto="target"``:
    each target row's mean of the source ``values`` (labels carried by the plan).
    ``values`` is 1-d or 2-d; ``P`` dense or sparse.
    """
    rows, cols = plan_marginals(P)
    if onto == "source":
        out, mass = np.asarray(P @ values), rows
    else:
        out, mass = np.asarray(P.T @ values), cols
    return out / (mass[:, None] if out.ndim == 2 else mass)


def encode(labels):
    """Classes and the index of each label among them."""
    classes, idx = np.unique(labels, return_inverse=True)
    return classes, idx.reshape(-1)


def check_transform(estimator, X, params, *, fitted, domains):
    """``X`` and its domain ids for ``transform`` of a transformer fitted per domain.

    ``params`` holds only ``sample_domain`` (every row a target row without it);
    ``fitted`` names an attribute that ``fit`` sets and ``domains`` the attribute
    holding the ids of the fitted domains (source ids, and maybe ``-1``; empty for
    an identity fit). A source id that was not fitted is an error.
    """
    sample_domain = _prediction_domain(params, estimator)
    check_is_fitted(estimator, fitted)
    X = validate_data(estimator, X, dtype=[np.float64, np.float32], reset=False)
    sd = check_sample_domain(sample_domain, None, X.shape[0], predict=True)
    fitted_ids = getattr(estimator, domains)
    if fitted_ids.size:
        sources = fitted_ids[fitted_ids > 0]
        unknown = np.setdiff1d(np.unique(sd[sd > 0]), sources)
        if unknown.size:
            raise ValueError(
                f"sample_domain holds source id(s) {unknown.tolist()} that "
                f"{type(estimator).__name__} was not fitted on (fitted: "
                f"{sources.tolist()})."
            )
    return X, sd


def _default_estimator(self):
    return self._default()


class TargetModelMixin:
    """Predictions by ``estimator_``, the model fitted on the target rows.

    For the estimators that learn a target model from transported labels (OT
    label propagation, JCPOT, JDOT): their ``fit`` input is checked and the
    one-domain baseline fitted alike, and every row is predicted by that model.
    """

    def _check_fit_input(self, X, y, sample_domain, *, purpose):
        """Validated ``X``, ``y``, domain ids and mask of the labelled rows.

        ``y`` holds masked labels, checked as regression targets or classes (then
        ``classes_`` is set to the classes of the labelled rows); ``purpose`` ends
        the error raised when no label is known.
        """
        name = type(self).__name__
        X = validate_data(self, X, dtype=[np.float64, np.float32])
        y = check_masked_y(y, name)
        if y.shape[0] != X.shape[0]:
            raise ValueError(f"y has {y.shape[0]} rows but X has {X.shape[0]}.")
        reg = self._regression
        sd, known = domains_and_labels(sample_domain, y, X.shape[0], regression=reg)
        if not known.any():
            raise ValueError(
                f"{name}: every label in y is masked (-1 or NaN); there are no "
                f"labelled source rows to {purpose}."
            )
        if reg:
            if not np.all(np.isfinite(np.asarray(y[known], dtype=np.float64))):
                raise ValueError(f"{name}: y holds infinite values.")
        else:
            check_classification_targets(y[known])
            _check_not_one_class(y[known], known, name)
            self.classes_ = np.unique(y[known])
        return X, y, sd, known

    def _fit_labelled(self, X, y, known):
        """``estimator_`` fitted on the labelled rows: the one-domain baseline."""
        yk = y[known]
        if self._regression:
            yk = np.asarray(yk, dtype=np.float64)
        self.estimator_ = clone(self._default()).fit(X[known], yk)

    def predict(self, X, *, sample_domain=None):
        """Predict with the estimator fitted on the target rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to predict.
        sample_domain : array-like of shape (n_samples,), default=None
            Accepted for metadata routing and ignored: every row is predicted by
            the target model.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predictions.
        """
        check_is_fitted(self, "estimator_")
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        return self.estimator_.predict(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        return tags


class TargetClassifierMixin(TargetModelMixin):
    """:class:`TargetModelMixin` with ``predict_proba`` over ``classes_``."""

    @available_if(estimator_has("predict_proba", unfitted=_default_estimator))
    def predict_proba(self, X, *, sample_domain=None):
        """Class probabilities from the estimator fitted on the target rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to predict.
        sample_domain : array-like of shape (n_samples,), default=None
            Accepted for metadata routing and ignored.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities of the classes in ``classes_``.
        """
        check_is_fitted(self, "estimator_")
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        proba = self.estimator_.predict_proba(X)
        inner = self.estimator_.classes_
        if inner.shape == self.classes_.shape and np.all(inner == self.classes_):
            return proba
        # the target rows may have been given fewer classes than the source has
        out = np.zeros((proba.shape[0], self.classes_.size), dtype=proba.dtype)
        out[:, np.searchsorted(self.classes_, inner)] = proba
        return out
