"""A binary decision tree held in plain numpy arrays, with vectorised traversal.

scikit-learn's ``Tree`` (``DecisionTree*.tree_``) exposes its arrays read-only
through public attributes, but it cannot be *built* from public API: its
constructor and ``__setstate__`` take a structured node array whose layout is
private and changes between releases. The transfer trees therefore keep their
adapted trees in :class:`TreeArrays`, which uses the attribute names of
scikit-learn's ``Tree`` (``children_left``, ``children_right``, ``feature``,
``threshold``, ``value``, ``n_node_samples``, ``weighted_n_node_samples``,
``impurity``, ``node_count``, ``max_depth``) so that code reading ``tree_`` keeps
working. Traversal moves every row one level per step: ``max_depth`` numpy steps,
no loop over rows.

Nodes are numbered so that a node's children come after it (as in scikit-learn's
builders); every function here keeps that order.
"""

import numpy as np
from scipy import sparse

TREE_LEAF = -1
TREE_UNDEFINED = -2


class TreeArrays:
    """A fitted binary decision tree as arrays (scikit-learn ``Tree`` names).

    Parameters
    ----------
    children_left, children_right : ndarray of shape (node_count,), dtype=intp
        Children of each node; ``-1`` at leaves.
    feature : ndarray of shape (node_count,), dtype=intp
        Split feature of each internal node; ``-2`` at leaves.
    threshold : ndarray of shape (node_count,), dtype=float64
        A row goes left when ``x[feature] <= threshold``; ``-2`` at leaves.
    value : ndarray of shape (node_count, 1, n_classes)
        The prediction of each node: class probabilities, or the mean
        (``n_classes == 1``) for regression.
    n_node_samples : ndarray of shape (node_count,), dtype=intp
        Rows reaching each node among those the values were estimated on.
    weighted_n_node_samples : ndarray of shape (node_count,)
        Their total sample weight.
    impurity : ndarray of shape (node_count,)
        Impurity (Gini, entropy or variance) of those rows at each node.
    n_features : int
        Number of features of the rows the tree routes.
    """

    def __init__(
        self,
        children_left,
        children_right,
        feature,
        threshold,
        value,
        n_node_samples,
        weighted_n_node_samples,
        impurity,
        n_features,
    ):
        self.children_left = np.asarray(children_left, dtype=np.intp)
        self.children_right = np.asarray(children_right, dtype=np.intp)
        self.feature = np.asarray(feature, dtype=np.intp)
        self.threshold = np.asarray(threshold, dtype=np.float64)
        self.value = np.asarray(value, dtype=np.float64)
        self.n_node_samples = np.asarray(n_node_samples, dtype=np.intp)
        self.weighted_n_node_samples = np.asarray(
            weighted_n_node_samples, dtype=np.float64
        )
        self.impurity = np.asarray(impurity, dtype=np.float64)
        self.n_features = int(n_features)
        self.max_depth = int(node_depths(self.children_left, self.children_right).max())

    @property
    def node_count(self):
        """Number of nodes."""
        return self.children_left.shape[0]

    @property
    def n_leaves(self):
        """Number of leaves."""
        return int(np.sum(self.children_left == TREE_LEAF))

    @property
    def n_outputs(self):
        """Number of outputs (always 1)."""
        return 1

    @property
    def n_classes(self):
        """Number of classes (``[1]`` for regression), as scikit-learn's ``Tree``."""
        return np.array([self.value.shape[2]], dtype=np.intp)

    def apply(self, X):
        """Leaf index of each row of ``X`` (float32), by vectorised traversal."""
        return apply_tree(self, X)

    def decision_path(self, X):
        """CSR indicator ``(n_samples, node_count)`` of the nodes each row visits."""
        return decision_path(self, X)

    def compute_feature_importances(self, normalize=True):
        """Total impurity decrease brought by each feature (Breiman's MDI)."""
        left, right = self.children_left, self.children_right
        inner = np.flatnonzero(left != TREE_LEAF)
        w = self.weighted_n_node_samples * self.impurity
        decrease = w[inner] - w[left[inner]] - w[right[inner]]
        out = np.bincount(
            self.feature[inner], weights=decrease, minlength=self.n_features
        ).astype(np.float64)
        root = self.weighted_n_node_samples[0]
        if root > 0:
            out /= root
        if normalize:
            total = out.sum()
            if total > 0:
                out /= total
        return out


def node_depths(children_left, children_right):
    """Depth of every node, one numpy step per level."""
    depth = np.zeros(children_left.shape[0], dtype=np.intp)
    frontier = np.array([0], dtype=np.intp)
    level = 0
    while frontier.size:
        depth[frontier] = level
        inner = frontier[children_left[frontier] != TREE_LEAF]
        frontier = np.concatenate([children_left[inner], children_right[inner]])
        level += 1
    return depth


def apply_tree(tree, X):
    """Leaf reached by each row: every row moves down one level per numpy step.

    ``X`` must be float32 (the dtype scikit-learn compares thresholds in), so that
    a tree converted from scikit-learn routes every row exactly as the original.
    """
    n = X.shape[0]
    node = np.zeros(n, dtype=np.intp)
    active = np.arange(n)
    left, right, feature, threshold = (
        tree.children_left,
        tree.children_right,
        tree.feature,
        tree.threshold,
    )
    while active.size:
        nd = node[active]
        inner = left[nd] != TREE_LEAF
        if not inner.all():
            active, nd = active[inner], nd[inner]
            if not active.size:
                break
        go_left = X[active, feature[nd]] <= threshold[nd]
        node[active] = np.where(go_left, left[nd], right[nd])
    return node


def decision_path(tree, X):
    """CSR indicator ``(n_samples, node_count)`` of the nodes on each row's path."""
    n = X.shape[0]
    rows, nodes = [np.arange(n)], [np.zeros(n, dtype=np.intp)]
    node = np.zeros(n, dtype=np.intp)
    active = np.arange(n)
    left, right = tree.children_left, tree.children_right
    while active.size:
        nd = node[active]
        inner = left[nd] != TREE_LEAF
        active, nd = active[inner], nd[inner]
        if not active.size:
            break
        go_left = X[active, tree.feature[nd]] <= tree.threshold[nd]
        node[active] = np.where(go_left, left[nd], right[nd])
        rows.append(active)
        nodes.append(node[active])
    rows, nodes = np.concatenate(rows), np.concatenate(nodes)
    data = np.ones(rows.shape[0], dtype=np.int64)
    out = sparse.csr_matrix((data, (rows, nodes)), shape=(n, tree.node_count))
    out.sort_indices()
    return out


def node_sums(tree, X, Y, sample_weight):
    """Weighted row count and weighted sums of ``Y`` over the rows reaching each node.

    Returns ``(n_rows, W, S)`` of shapes ``(node_count,)``, ``(node_count,)`` and
    ``(node_count, Y.shape[1])``, from one sparse product with the decision path.
    """
    path = decision_path(tree, X).T.tocsr().astype(np.float64)
    n_rows = np.asarray(path.sum(axis=1)).ravel().astype(np.intp)
    W = path @ sample_weight
    S = path @ (sample_weight[:, None] * Y)
    return n_rows, np.asarray(W).ravel(), np.asarray(S)


def from_sklearn(tree, n_classes=None):
    """:class:`TreeArrays` copy of a fitted scikit-learn ``Tree`` (one output).

    Classification values are normalised to class probabilities (older
    scikit-learn releases stored weighted counts).
    """
    value = np.array(tree.value, dtype=np.float64)[:, :1, :]
    if n_classes is not None:
        total = value.sum(axis=2, keepdims=True)
        value = np.divide(
            value, total, out=np.full_like(value, 1.0 / value.shape[2]), where=total > 0
        )
    return TreeArrays(
        tree.children_left.copy(),
        tree.children_right.copy(),
        np.where(tree.children_left == TREE_LEAF, TREE_UNDEFINED, tree.feature),
        np.where(tree.children_left == TREE_LEAF, TREE_UNDEFINED, tree.threshold),
        value,
        tree.n_node_samples.copy(),
        tree.weighted_n_node_samples.copy(),
        tree.impurity.copy(),
        tree.n_features,
    )


def subtree_nodes(children_left, children_right, node):
    """Indices of ``node`` and all its descendants."""
    out = [np.array([node], dtype=np.intp)]
    frontier = out[0]
    while frontier.size:
        inner = frontier[children_left[frontier] != TREE_LEAF]
        frontier = np.concatenate([children_left[inner], children_right[inner]])
        out.append(frontier)
    return np.concatenate(out)


def compact(children_left, children_right, *arrays):
    """Drop the nodes no longer reachable from the root; keep the node order.

    Returns the renumbered children arrays followed by ``arrays`` restricted to the
    kept nodes, and the indices of the kept nodes.
    """
    keep = np.sort(subtree_nodes(children_left, children_right, 0))
    new_index = np.full(children_left.shape[0], TREE_LEAF, dtype=np.intp)
    new_index[keep] = np.arange(keep.size)
    left, right = children_left[keep], children_right[keep]
    inner = left != TREE_LEAF
    left = np.where(inner, new_index[np.maximum(left, 0)], TREE_LEAF)
    right = np.where(inner, new_index[np.maximum(right, 0)], TREE_LEAF)
    return (left, right, *[a[keep] for a in arrays], keep)
