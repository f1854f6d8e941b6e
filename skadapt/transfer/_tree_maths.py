"""Structure transfer of one decision tree: relabel, SER and STRUT.

Pure functions on :class:`~skadapt.transfer._tree_struct.TreeArrays` and validated
arrays; the estimators in ``_tree.py`` and ``_forest.py`` call them. Target rows
arrive as ``X`` (float32), ``Y`` (one-hot class indicators, or the regression
target as one column) and ``w`` (sample weights, all positive).

Where no target row reaches a node, the source tree is kept as it is (structure
and values): the target gives no evidence there.
"""

import numpy as np
from scipy.special import xlogy

from ._tree_struct import (
    TREE_LEAF,
    TREE_UNDEFINED,
    TreeArrays,
    apply_tree,
    compact,
    node_depths,
    node_sums,
)

# Candidate pseudo-counts for alpha="auto": how many rows' worth of the source
# value each node keeps, from none (target frequencies / means) to all (the source
# values, i.e. no change where the structure is the source's).
ALPHA_GRID = np.r_[0.0, 2.0 ** np.arange(-2, 8), np.inf]


class _Stats:
    """Target statistics of every node of a tree.

    ``W`` weighted counts, ``S`` weighted sums of ``Y`` (regression: of ``y``
    centred on ``offset``), ``S2`` (regression) weighted sums of squares of the
    centred ``y``, ``n_rows`` row counts.
    """

    def __init__(self, tree, X, Y, w, regression):
        self.regression = regression
        if regression:
            self.offset = float(np.average(Y[:, 0], weights=w))
            Yc = Y - self.offset
            n_rows, W, S = node_sums(tree, X, np.hstack([Yc, Yc**2]), w)
            self.S, self.S2 = S[:, :1], S[:, 1]
        else:
            self.offset = 0.0
            n_rows, W, S = node_sums(tree, X, Y, w)
            self.S, self.S2 = S, None
        self.n_rows, self.W = n_rows, W

    def leaf_error(self):
        """Target error of each node read as a leaf with its own target value."""
        if self.regression:
            mean = np.divide(
                self.S[:, 0], self.W, out=np.zeros_like(self.W), where=self.W > 0
            )
            return np.maximum(self.S2 - mean * self.S[:, 0], 0.0)
        return self.W - self.S.max(axis=1)

    def error_scale(self):
        """Size of a node's error, for the relative tolerance of comparisons."""
        return self.S2 if self.regression else self.W

    def impurity(self, criterion):
        """Variance, Gini index or entropy (bits) of the target rows at each node."""
        W = self.W[:, None]
        P = np.divide(self.S, W, out=np.zeros_like(self.S), where=W > 0)
        if self.regression:
            second = np.divide(
                self.S2, self.W, out=np.zeros_like(self.W), where=self.W > 0
            )
            return np.maximum(second - P[:, 0] ** 2, 0.0)
        if criterion in ("entropy", "log_loss"):
            return -xlogy(P, P).sum(axis=1) / np.log(2.0)
        return 1.0 - np.sum(P**2, axis=1)


def _shrunk_values(stats, prior, alpha):
    """``(S + alpha p) / (W + alpha)`` per node (the prior ``p`` where undefined)."""
    prior_c = prior - stats.offset
    if np.isinf(alpha):
        return prior.copy()
    den = stats.W + alpha
    out = np.divide(
        stats.S + alpha * prior_c,
        den[:, None],
        out=prior_c.copy(),
        where=(den > 0)[:, None],
    )
    return out + stats.offset


def loo_alpha(leaf, stats, prior, Y, w, grid=ALPHA_GRID):
    """The pseudo-count of ``grid`` with the smallest leave-one-out target loss.

    Each target row is predicted by its leaf's value computed without it,
    ``(S_l - w_i y_i + alpha p_l) / (W_l - w_i + alpha)`` (the prior ``p_l`` when
    the denominator vanishes); the loss is the weighted squared error (regression)
    or Brier score (classification). Ties go to the larger pseudo-count.

    Returns
    -------
    alpha : float
        The chosen pseudo-count.
    losses : ndarray of shape (len(grid),)
        Total leave-one-out loss of each candidate, divided by ``sum(w)``.
    """
    Yc = Y - stats.offset
    prior_c = prior[leaf] - stats.offset
    num0 = stats.S[leaf] - w[:, None] * Yc
    den0 = stats.W[leaf] - w
    tiny = 1e-12 * max(float(stats.W[0]), 1.0)
    losses = np.empty(len(grid))
    for k, a in enumerate(grid):
        if np.isinf(a):
            pred = prior_c
        else:
            den = den0 + a
            ok = (den > tiny)[:, None]
            pred = np.divide(
                num0 + a * prior_c, den[:, None], out=prior_c.copy(), where=ok
            )
        losses[k] = w @ np.sum((pred - Yc) ** 2, axis=1)
    losses /= w.sum()
    return _smallest(grid, losses), losses


def _bare_tree(left, right, feature, threshold, prior, n_features):
    """A :class:`TreeArrays` whose values are the priors (statistics not yet set)."""
    zeros = np.zeros(left.shape[0])
    return TreeArrays(
        left,
        right,
        feature,
        threshold,
        prior[:, None, :],
        zeros,
        zeros,
        zeros,
        n_features,
    )


def finish_tree(arrays, X, Y, w, *, alpha, regression, criterion):
    """Node values (pseudo-count ``alpha``), counts and impurities from the target."""
    tree = _bare_tree(*arrays, X.shape[1])
    stats = _Stats(tree, X, Y, w, regression)
    tree.value = _shrunk_values(stats, arrays[4], float(alpha))[:, None, :]
    tree.n_node_samples = stats.n_rows
    tree.weighted_n_node_samples = stats.W
    tree.impurity = stats.impurity(criterion)
    return tree


def _source_arrays(source):
    return (
        source.children_left.copy(),
        source.children_right.copy(),
        source.feature.copy(),
        source.threshold.copy(),
        source.value[:, 0, :].copy(),
    )


# --------------------------------------------------------------------------- SER


def _groups(keys):
    """``(key, indices)`` of each distinct value of ``keys``, by one stable sort."""
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    ends = np.r_[starts[1:], keys.shape[0]]
    return [(sorted_keys[s], order[s:e]) for s, e in zip(starts, ends)]


def ser_expand(source, X, Y, labels, w, grow, *, regression):
    """Replace each impure target-reached leaf by a subtree grown on its target rows.

    ``grow(X, labels, w, index)`` returns a fitted scikit-learn decision tree (the
    ``index``-th expansion). Grafted nodes take the expanded leaf's source value
    as their prior. Returns the children, feature, threshold and prior arrays.
    """
    left = source.children_left.copy()
    right = source.children_right.copy()
    feature = source.feature.copy()
    threshold = source.threshold.copy()
    prior = source.value[:, 0, :].copy()
    pieces = []
    n_nodes = left.shape[0]
    for count, (leaf, rows) in enumerate(_groups(apply_tree(source, X))):
        if rows.shape[0] < 2:
            continue
        if regression:
            if np.ptp(Y[rows, 0]) == 0:
                continue
        elif np.all(labels[rows] == labels[rows[0]]):
            continue
        sub = grow(X[rows], labels[rows], w[rows], count).tree_
        m = sub.node_count
        if m == 1:
            continue
        # node j >= 1 of the subtree becomes node n_nodes + j - 1
        shift = n_nodes - 1
        sub_left = np.where(
            sub.children_left == TREE_LEAF, TREE_LEAF, sub.children_left + shift
        )
        sub_right = np.where(
            sub.children_right == TREE_LEAF, TREE_LEAF, sub.children_right + shift
        )
        is_leaf = sub.children_left == TREE_LEAF
        sub_feature = np.where(is_leaf, TREE_UNDEFINED, sub.feature)
        sub_threshold = np.where(is_leaf, TREE_UNDEFINED, sub.threshold)
        left[leaf], right[leaf] = sub_left[0], sub_right[0]
        feature[leaf], threshold[leaf] = sub_feature[0], sub_threshold[0]
        pieces.append(
            (
                sub_left[1:],
                sub_right[1:],
                sub_feature[1:],
                sub_threshold[1:],
                np.repeat(prior[leaf][None, :], m - 1, axis=0),
            )
        )
        n_nodes += m - 1
    if pieces:
        left, right, feature, threshold, prior = (
            np.concatenate([base] + [p[i] for p in pieces])
            for i, base in enumerate((left, right, feature, threshold, prior))
        )
    return left, right, feature, threshold, prior


def ser_reduce(left, right, feature, threshold, prior, X, Y, w, *, regression):
    """Prune, bottom-up, every subtree whose target error its node alone matches.

    A node is turned into a leaf when target rows reach it, no leaf below it is
    left without target rows (those keep the source tree), and its error as a
    leaf (misclassified weight, or sum of squares around its target mean) is not
    larger than the total error of its (already reduced) subtree. Returns the
    compacted arrays.
    """
    tree = TreeArrays(
        left,
        right,
        feature,
        threshold,
        prior[:, None, :],
        np.zeros(left.shape[0]),
        np.zeros(left.shape[0]),
        np.zeros(left.shape[0]),
        X.shape[1],
    )
    stats = _Stats(tree, X, Y, w, regression)
    leaf_err = stats.leaf_error()
    tol = 1e-9 * stats.error_scale()
    depth = node_depths(left, right)
    is_leaf = left == TREE_LEAF
    err = np.where(is_leaf, leaf_err, 0.0)
    empty_below = is_leaf & (stats.W <= 0)
    left, right = left.copy(), right.copy()
    feature, threshold = feature.copy(), threshold.copy()
    for level in range(int(depth.max()) - 1, -1, -1):
        nodes = np.flatnonzero((depth == level) & ~is_leaf)
        if not nodes.size:
            continue
        lc, rc = left[nodes], right[nodes]
        empty_below[nodes] = empty_below[lc] | empty_below[rc]
        sub = err[lc] + err[rc]
        prune = (
            (stats.W[nodes] > 0)
            & ~empty_below[nodes]
            & (leaf_err[nodes] <= sub + tol[nodes])
        )
        err[nodes] = np.where(prune, leaf_err[nodes], sub)
        cut = nodes[prune]
        left[cut] = right[cut] = TREE_LEAF
        feature[cut] = TREE_UNDEFINED
        threshold[cut] = TREE_UNDEFINED
    left, right, feature, threshold, prior, _ = compact(
        left, right, feature, threshold, prior
    )
    return left, right, feature, threshold, prior


# ------------------------------------------------------------------------- STRUT


def _jsd(P, Q):
    """Jensen-Shannon divergence (nats) between the rows of ``P`` and ``Q``."""
    M = 0.5 * (P + Q)
    return 0.5 * (
        np.sum(xlogy(P, P) - xlogy(P, M), axis=-1)
        + np.sum(xlogy(Q, Q) - xlogy(Q, M), axis=-1)
    )


def _local_maxima(gain):
    """Positions where ``gain`` is at least each neighbour (plateaus included)."""
    tol = 1e-12 * max(float(np.max(np.abs(gain))), 1e-300)
    ok = np.ones(gain.shape[0], dtype=bool)
    ok[1:] &= gain[1:] >= gain[:-1] - tol
    ok[:-1] &= gain[:-1] >= gain[1:] - tol
    return ok


def strut_threshold(
    x, Y, w, prior_left, prior_right, source_threshold, *, regression, criterion
):
    """New threshold of one numeric split (and whether to swap its children).

    The candidates are the gaps between consecutive distinct target values of the
    split feature that are local maxima of the target impurity decrease (the
    source tree's criterion); among them (in both child orientations) the one of
    largest divergence gain wins,

    ``DG = 1 - sum_v (W_v / W) JSD(Q_v^target, Q_v^source)`` (classification), or
    ``DG = - sum_v (W_v / W) (mean_v^target - mean_v^source)^2`` (regression).

    Ties go to the gap holding the source threshold (which is then kept), then to
    the unswapped orientation, then to the gap nearest the source threshold. A
    node whose target rows share one value of the feature keeps its threshold.
    """
    order = np.argsort(x, kind="stable")
    xs = x[order]
    gaps = np.flatnonzero(xs[1:] > xs[:-1])
    if not gaps.size:
        return source_threshold, False
    ws = w[order]
    WY = ws[:, None] * Y[order]
    W_left = np.cumsum(ws)[gaps]
    S_left = np.cumsum(WY, axis=0)[gaps]
    W, S = ws.sum(), WY.sum(axis=0)
    W_right = W - W_left
    S_right = S - S_left
    valid = (W_left > 0) & (W_right > 0)
    if not valid.any():
        return source_threshold, False
    gaps, W_left, W_right = gaps[valid], W_left[valid], W_right[valid]
    S_left, S_right = S_left[valid], S_right[valid]
    mean_left = S_left / W_left[:, None]
    mean_right = S_right / W_right[:, None]
    p_left, p_right = W_left / W, W_right / W
    if regression:
        gain = W_left * W_right / W * (mean_left[:, 0] - mean_right[:, 0]) ** 2
        m_l, m_r = prior_left[0], prior_right[0]
        dg = -(
            p_left * (mean_left[:, 0] - m_l) ** 2
            + p_right * (mean_right[:, 0] - m_r) ** 2
        )
        dg_swap = -(
            p_left * (mean_left[:, 0] - m_r) ** 2
            + p_right * (mean_right[:, 0] - m_l) ** 2
        )
    else:
        if criterion in ("entropy", "log_loss"):

            def h(P):
                return -xlogy(P, P).sum(axis=1)
        else:

            def h(P):
                return 1.0 - np.sum(P**2, axis=1)

        gain = -(W_left * h(mean_left) + W_right * h(mean_right))
        dg = (
            1.0
            - p_left * _jsd(mean_left, prior_left)
            - p_right * _jsd(mean_right, prior_right)
        )
        dg_swap = (
            1.0
            - p_left * _jsd(mean_left, prior_right)
            - p_right * _jsd(mean_right, prior_left)
        )
    cand = np.flatnonzero(_local_maxima(gain))
    scores = np.concatenate([dg[cand], dg_swap[cand]])
    best = scores.max()
    tol = (
        1e-12 * max(abs(best), 1.0)
        if not regression
        else 1e-12 * max(abs(best), 1e-300)
    )
    tied = np.flatnonzero(scores >= best - tol)
    gap = gaps[np.r_[cand, cand]][tied]
    swap = tied >= cand.shape[0]
    lo, hi = xs[gap].astype(np.float64), xs[gap + 1].astype(np.float64)
    holds = (lo <= source_threshold) & (source_threshold < hi)
    mid = 0.5 * (lo + hi)
    key = np.lexsort((np.abs(mid - source_threshold), swap, ~holds))
    pick = key[0]
    if holds[pick]:
        return source_threshold, bool(swap[pick])
    return float(mid[pick]), bool(swap[pick])


def strut_thresholds(source, X, Y, w, *, regression, criterion):
    """STRUT's top-down pass: every reached numeric split gets a target threshold.

    Rows are routed with the thresholds already chosen above them. Returns the
    children (possibly swapped), feature and threshold arrays.
    """
    left = source.children_left.copy()
    right = source.children_right.copy()
    feature = source.feature.copy()
    threshold = source.threshold.copy()
    prior = source.value[:, 0, :]
    node = np.zeros(X.shape[0], dtype=np.intp)
    active = np.arange(X.shape[0])
    while active.size:
        inner = left[node[active]] != TREE_LEAF
        active = active[inner]
        if not active.size:
            break
        for v, rows in _groups(node[active]):
            rows = active[rows]
            f = feature[v]
            new, swap = strut_threshold(
                X[rows, f],
                Y[rows],
                w[rows],
                prior[left[v]],
                prior[right[v]],
                threshold[v],
                regression=regression,
                criterion=criterion,
            )
            threshold[v] = new
            if swap:
                left[v], right[v] = right[v], left[v]
        nd = node[active]
        go_left = X[active, feature[nd]] <= threshold[nd]
        node[active] = np.where(go_left, left[nd], right[nd])
    return left, right, feature, threshold


def structure(method, source, X, Y, labels, w, grow, *, regression, criterion):
    """The adapted structure ``(left, right, feature, threshold, prior)``."""
    if method == "relabel":
        return _source_arrays(source)
    if method == "ser":
        arrays = ser_expand(source, X, Y, labels, w, grow, regression=regression)
        return ser_reduce(*arrays, X, Y, w, regression=regression)
    left, right, feature, threshold = strut_thresholds(
        source, X, Y, w, regression=regression, criterion=criterion
    )
    return left, right, feature, threshold, source.value[:, 0, :].copy()


def cv_alpha(
    method,
    source,
    X,
    Y,
    labels,
    w,
    grow,
    folds,
    *,
    regression,
    criterion,
    grid=ALPHA_GRID,
):
    """The pseudo-count of ``grid`` with the smallest cross-validated target loss.

    Each fold re-learns the structure on its training rows, and every candidate's
    node values are scored on the held-out rows (weighted squared error, or Brier
    score). Ties go to the larger pseudo-count.

    Returns
    -------
    alpha : float
    losses : ndarray of shape (len(grid),)
        Held-out loss of each candidate, divided by ``sum(w)``.
    """
    losses = np.zeros(len(grid))
    for train, test in folds:
        arrays = structure(
            method,
            source,
            X[train],
            Y[train],
            labels[train],
            w[train],
            grow,
            regression=regression,
            criterion=criterion,
        )
        tree = _bare_tree(*arrays, X.shape[1])
        stats = _Stats(tree, X[train], Y[train], w[train], regression)
        leaf = apply_tree(tree, X[test])
        for k, a in enumerate(grid):
            pred = _shrunk_values(stats, arrays[4], a)[leaf]
            losses[k] += w[test] @ np.sum((pred - Y[test]) ** 2, axis=1)
    losses /= w.sum()
    return _smallest(grid, losses), losses


def _smallest(grid, losses):
    best = losses.min()
    k = np.flatnonzero(losses <= best + 1e-12 * max(abs(best), 1e-300))[-1]
    return float(grid[k])


def adapt_tree(
    source, X, Y, labels, w, *, method, alpha, regression, criterion, grow, folds
):
    """Adapt one tree: structure, pseudo-count, then node values.

    ``folds`` (a list of ``(train, test)`` index pairs) is used by
    ``alpha="auto"`` for SER and STRUT; relabel uses exact leave-one-out.
    Returns the :class:`TreeArrays` and the pseudo-count.
    """
    arrays = structure(
        method,
        source,
        X,
        Y,
        labels,
        w,
        grow,
        regression=regression,
        criterion=criterion,
    )
    if isinstance(alpha, str):
        if method == "relabel":
            tree = _bare_tree(*arrays, X.shape[1])
            stats = _Stats(tree, X, Y, w, regression)
            alpha, _ = loo_alpha(apply_tree(tree, X), stats, arrays[4], Y, w)
        elif folds:
            alpha, _ = cv_alpha(
                method,
                source,
                X,
                Y,
                labels,
                w,
                grow,
                folds,
                regression=regression,
                criterion=criterion,
            )
        else:  # a single target row: nothing to validate on
            alpha = np.inf
    tree = finish_tree(
        arrays, X, Y, w, alpha=alpha, regression=regression, criterion=criterion
    )
    return tree, float(alpha)
