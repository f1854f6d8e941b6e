import pickle

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import xlogy
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from skadapt import make_da_pipeline
from skadapt.model_selection import DomainShuffleSplit
from skadapt.transfer import TransferTreeClassifier, TransferTreeRegressor
from skadapt.transfer._tree_maths import (
    ALPHA_GRID,
    ser_expand,
    ser_reduce,
    strut_threshold,
)
from skadapt.transfer._tree_struct import TREE_LEAF, from_sklearn

from ._data import semi_supervised


def _data(task, seed=0, n_s=300, n_t=60, d=3, shift=0.7):
    rng = np.random.RandomState(seed)
    Xs = rng.normal(size=(n_s, d))
    Xt = rng.normal(size=(n_t, d)) + shift
    if task == "classification":
        ys = (Xs[:, 0] + 0.5 * Xs[:, 1] > 0).astype(int) + (Xs[:, 2] > 1)
        yt = (Xt[:, 0] + 0.5 * Xt[:, 1] > 1.0).astype(int) + (Xt[:, 2] > 1)
    else:
        ys = 2 * Xs[:, 0] + np.sin(2 * Xs[:, 1]) + 0.1 * rng.normal(size=n_s)
        yt = 2.5 * Xt[:, 0] + np.sin(2 * Xt[:, 1]) + 1 + 0.1 * rng.normal(size=n_t)
    return Xs, ys, Xt, yt


def _source(task, Xs, ys, **kw):
    kind = DecisionTreeClassifier if task == "classification" else DecisionTreeRegressor
    return kind(random_state=0, **kw).fit(Xs, ys)


def _model(task, **kw):
    kind = TransferTreeClassifier if task == "classification" else TransferTreeRegressor
    return kind(**kw)


def _predict(model, X):
    if hasattr(model, "predict_proba"):
        return model.predict_proba(X)
    return model.predict(X)


TASKS = ["classification", "regression"]


# ----------------------------------------------------------------------- relabel


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("alpha", [0.0, 2.0, np.inf, "auto"])
@pytest.mark.parametrize("max_depth", [3, None])
def test_relabel_with_target_equal_to_source_reproduces_the_source(
    task, alpha, max_depth
):
    Xs, ys, _, _ = _data(task)
    source = _source(task, Xs, ys, max_depth=max_depth)
    model = _model(task, source_estimator=source, method="relabel", alpha=alpha)
    model.fit(Xs, ys)
    Xnew = np.random.RandomState(1).normal(size=(500, 3)) * 2
    assert_allclose(_predict(model, Xnew), _predict(source, Xnew), atol=1e-12)
    if task == "classification":
        assert_array_equal(model.predict(Xnew), source.predict(Xnew))
    assert_array_equal(model.apply(Xnew), source.apply(Xnew))
    assert (model.decision_path(Xnew) != source.decision_path(Xnew)).nnz == 0
    assert_allclose(model.feature_importances_, source.feature_importances_, atol=1e-12)
    assert model.get_depth() == source.get_depth()
    assert model.get_n_leaves() == source.get_n_leaves()


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("alpha", [0.0, 3.0])
def test_relabel_values_are_the_shrunk_target_means_and_frequencies(task, alpha):
    Xs, ys, Xt, yt = _data(task)
    source = _source(task, Xs, ys, max_depth=4)
    sw = np.random.RandomState(2).uniform(0.5, 2.0, size=yt.shape[0])
    model = _model(task, source_estimator=source, method="relabel", alpha=alpha)
    model.fit(Xt, yt, sample_weight=sw)
    leaves = source.apply(Xt)
    st = source.tree_
    reached = 0
    for leaf in np.flatnonzero(st.children_left == TREE_LEAF):
        prior = st.value[leaf, 0] / st.value[leaf, 0].sum()
        if task == "regression":
            prior = st.value[leaf, 0]
        inside = leaves == leaf
        if not inside.any():
            expected = prior  # where no target row arrives: the source value
        elif task == "classification":
            counts = np.array([sw[inside & (yt == c)].sum() for c in source.classes_])
            expected = (counts + alpha * prior) / (sw[inside].sum() + alpha)
            reached += 1
        else:
            expected = (sw[inside] @ yt[inside] + alpha * prior) / (
                sw[inside].sum() + alpha
            )
            reached += 1
        assert_allclose(model.tree_.value[leaf, 0], expected, rtol=1e-12)
    assert reached >= 3
    assert model.alpha_ == alpha
    assert model.n_target_samples_ == yt.shape[0]


@pytest.mark.parametrize("task", TASKS)
def test_relabel_auto_alpha_is_the_leave_one_out_minimiser(task):
    """alpha="auto" equals a naive leave-one-out loop that refits without each row."""
    Xs, ys, Xt, yt = _data(task, n_t=25)
    source = _source(task, Xs, ys, max_depth=3)
    n_classes = 3
    losses = []
    for alpha in ALPHA_GRID:
        total = 0.0
        for i in range(yt.shape[0]):
            keep = np.arange(yt.shape[0]) != i
            Xk, yk = Xt[keep], yt[keep]
            if task == "classification" and np.unique(yk).size == 0:
                continue
            m = _model(task, source_estimator=source, alpha=alpha).fit(Xk, yk)
            if task == "classification":
                onehot = np.eye(n_classes)[np.searchsorted(source.classes_, yt[i])]
                total += np.sum((m.predict_proba(Xt[i : i + 1])[0] - onehot) ** 2)
            else:
                total += (m.predict(Xt[i : i + 1])[0] - yt[i]) ** 2
        losses.append(total)
    losses = np.array(losses)
    best = np.flatnonzero(losses <= losses.min() * (1 + 1e-9) + 1e-12)[-1]
    model = _model(task, source_estimator=source, alpha="auto").fit(Xt, yt)
    assert model.alpha_ == ALPHA_GRID[best]


# --------------------------------------------------------------------------- SER


def _leaf_regions(source, Xt):
    """Source leaves reached / not reached by the target rows."""
    leaves = np.flatnonzero(source.tree_.children_left == TREE_LEAF)
    reached = np.isin(leaves, source.apply(Xt))
    return leaves[reached], leaves[~reached]


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("alpha", [0.0, "auto"])
def test_ser_leaves_a_leaf_without_target_rows_unchanged(task, alpha):
    Xs, ys, Xt, yt = _data(task, shift=1.5)
    source = _source(task, Xs, ys, max_depth=5)
    _, unreached = _leaf_regions(source, Xt)
    assert unreached.size >= 3
    model = _model(task, source_estimator=source, method="ser", alpha=alpha)
    model.fit(Xt, yt)
    probe = np.random.RandomState(3).normal(size=(4000, 3)) * 1.5
    inside = np.isin(source.apply(probe), unreached)
    assert inside.sum() > 100
    assert_allclose(
        _predict(model, probe[inside]), _predict(source, probe[inside]), atol=1e-12
    )
    # the leaf is still a leaf, at the end of the same path
    src_path = source.decision_path(probe[inside])
    new_path = model.decision_path(probe[inside])
    assert_array_equal(src_path.sum(axis=1), new_path.sum(axis=1))


def test_ser_expands_an_impure_leaf_with_the_tree_grown_on_its_rows():
    Xs, ys, Xt, yt = _data("classification", shift=0.0, n_t=200)
    source = _source("classification", Xs, ys, max_depth=2)
    model = TransferTreeClassifier(
        source_estimator=source, method="ser", alpha=0.0, random_state=0
    ).fit(Xt, yt)
    leaves = source.apply(Xt)
    # each expansion is seeded by the fit's random_state, one seed per leaf group
    seeds = np.random.RandomState(0).randint(np.iinfo(np.int32).max, size=200)
    probe = np.random.RandomState(4).normal(size=(3000, 3))
    probe_leaves = source.apply(probe)
    checked = 0
    for index, leaf in enumerate(np.unique(leaves)):
        rows = leaves == leaf
        if np.unique(yt[rows]).size < 2:
            continue
        sub = DecisionTreeClassifier(random_state=seeds[index])
        sub.fit(Xt[rows], yt[rows])
        at = probe_leaves == leaf
        expected = np.zeros((at.sum(), 3))
        expected[:, np.searchsorted(source.classes_, sub.classes_)] = sub.predict_proba(
            probe[at]
        )
        # the expansion is fully grown (pure leaves), so no reduction touches it
        assert_allclose(model.predict_proba(probe[at]), expected, atol=1e-12)
        checked += 1
    assert checked >= 2
    assert model.tree_.node_count > source.tree_.node_count


def test_ser_reduces_a_split_the_target_does_not_need():
    rng = np.random.RandomState(0)
    Xs = rng.uniform(-1, 1, size=(200, 2))
    source = DecisionTreeClassifier(max_depth=1).fit(Xs, Xs[:, 0] > 0)
    Xt = rng.uniform(-1, 1, size=(30, 2))
    yt = np.ones(30, dtype=bool)  # the target has one class on both sides
    model = TransferTreeClassifier(source_estimator=source, method="ser", alpha=0)
    model.fit(Xt, yt)
    assert model.tree_.node_count == 1
    assert_array_equal(model.predict(Xs), np.ones(200, dtype=bool))
    # ... unless one side has no target row: that side keeps the source
    keep = Xt[:, 0] > 0
    model.fit(Xt[keep], yt[keep])
    assert model.tree_.node_count == 3
    assert_array_equal(model.predict([[-0.5, 0.0], [0.5, 0.0]]), [False, True])


def _naive_reduce(tree, X, Y, regression):
    """Recursive SER reduction: the set of nodes turned into leaves."""
    pruned = set()

    def leaf_error(rows):
        if not rows.any():
            return 0.0, 0.0
        if regression:
            y = Y[rows, 0]
            return float(np.sum((y - y.mean()) ** 2)), float(np.sum(y**2))
        counts = Y[rows].sum(axis=0)
        return float(counts.sum() - counts.max()), float(counts.sum())

    def rec(v, rows):
        err, scale = leaf_error(rows)
        if tree.children_left[v] == TREE_LEAF:
            return err, not rows.any()
        go_left = X[:, tree.feature[v]] <= tree.threshold[v]
        el, empty_l = rec(tree.children_left[v], rows & go_left)
        er, empty_r = rec(tree.children_right[v], rows & ~go_left)
        empty = empty_l or empty_r
        if rows.any() and not empty and err <= el + er + 1e-9 * scale:
            pruned.add(v)
            return err, False
        return el + er, empty

    rec(0, np.ones(X.shape[0], dtype=bool))
    return pruned


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ser_reduction_matches_a_recursive_reference(task, seed):
    rng = np.random.RandomState(seed)
    Xs = rng.randint(0, 4, size=(300, 3)).astype(np.float32)
    Xt = rng.randint(0, 4, size=(40, 3)).astype(np.float32)
    if task == "classification":
        ys = rng.randint(0, 3, size=300)
        Y = np.eye(3)[rng.randint(0, 2, size=40)]
        source = DecisionTreeClassifier(max_depth=6, random_state=0).fit(Xs, ys)
        arrays = from_sklearn(source.tree_, n_classes=3)
    else:
        source = DecisionTreeRegressor(max_depth=6, random_state=0).fit(
            Xs, rng.normal(size=300)
        )
        Y = np.round(Xt[:, :1] * (Xt[:, 1:2] > 1), 0)
        arrays = from_sklearn(source.tree_)
    w = np.ones(40)
    parts = (
        arrays.children_left,
        arrays.children_right,
        arrays.feature,
        arrays.threshold,
        arrays.value[:, 0, :],
    )
    left, *_ = ser_reduce(*parts, Xt, Y, w, regression=task == "regression")
    pruned = _naive_reduce(arrays, Xt, Y, task == "regression")
    assert pruned, "the case must prune something"
    below = set()
    for v in pruned:
        stack = [arrays.children_left[v], arrays.children_right[v]]
        while stack:
            u = stack.pop()
            below.add(u)
            if arrays.children_left[u] != TREE_LEAF:
                stack += [arrays.children_left[u], arrays.children_right[u]]
    assert left.shape[0] == arrays.node_count - len(below)


def test_ser_expansion_keeps_node_order_and_priors():
    Xs, ys, Xt, yt = _data("regression", n_t=80)
    source = _source("regression", Xs, ys, max_depth=2)
    arrays = from_sklearn(source.tree_)

    def grow(X, labels, w, index):
        return DecisionTreeRegressor(max_depth=2, random_state=0).fit(X, labels)

    left, right, feature, threshold, prior = ser_expand(
        arrays,
        Xt.astype(np.float32),
        yt[:, None],
        yt,
        np.ones(80),
        grow,
        regression=True,
    )
    inner = left != TREE_LEAF
    assert np.all(left[inner] > np.flatnonzero(inner))
    assert np.all(right[inner] > np.flatnonzero(inner))
    n_src = arrays.node_count
    assert left.shape[0] > n_src
    # grafted nodes carry the prior of the source leaf they expand
    for leaf in np.flatnonzero(arrays.children_left == TREE_LEAF):
        if left[leaf] != TREE_LEAF:
            stack = [left[leaf], right[leaf]]
            while stack:
                u = stack.pop()
                assert u >= n_src
                assert_allclose(prior[u], arrays.value[leaf, 0])
                if left[u] != TREE_LEAF:
                    stack += [left[u], right[u]]


# ------------------------------------------------------------------------- STRUT


@pytest.mark.parametrize(
    "task, criterion",
    [
        ("classification", "gini"),
        ("classification", "entropy"),
        ("regression", "squared_error"),
    ],
)
@pytest.mark.parametrize("seed", [0, 1])
def test_strut_with_target_equal_to_source_keeps_thresholds_in_the_gaps(
    task, criterion, seed
):
    Xs, ys, _, _ = _data(task, seed=seed)
    source = _source(task, Xs, ys, criterion=criterion, max_depth=8)
    model = _model(task, source_estimator=source, method="strut").fit(Xs, ys)
    st, new = source.tree_, model.tree_
    assert_array_equal(new.children_left, st.children_left)
    assert_array_equal(
        new.feature[st.children_left != TREE_LEAF],
        st.feature[st.children_left != TREE_LEAF],
    )
    path = source.decision_path(Xs).tocsc()
    X32 = Xs.astype(np.float32)
    for v in np.flatnonzero(st.children_left != TREE_LEAF):
        x = X32[path[:, v].toarray().ravel() > 0, st.feature[v]]
        lo = x[x <= st.threshold[v]].max()
        hi = x[x > st.threshold[v]].min()
        assert lo <= new.threshold[v] < hi
    assert_allclose(_predict(model, Xs), _predict(source, Xs), atol=1e-12)


def _naive_strut(x, Y, prior_l, prior_r, thr, regression, criterion="gini"):
    """Loop over every gap: local maxima of the gain, then the largest DG."""
    xs = np.unique(x)
    cands = []
    for a, b in zip(xs[:-1], xs[1:]):
        t = 0.5 * (float(a) + float(b))
        go = x <= t
        Yl, Yr = Y[go], Y[~go]
        n, nl, nr = len(Y), len(Yl), len(Yr)
        if regression:
            gain = (
                np.sum((Y - Y.mean()) ** 2)
                - np.sum((Yl - Yl.mean()) ** 2)
                - np.sum((Yr - Yr.mean()) ** 2)
            )
            ml, mr = Yl.mean(), Yr.mean()
            dg = -(nl / n * (ml - prior_l[0]) ** 2 + nr / n * (mr - prior_r[0]) ** 2)
            dgs = -(nl / n * (ml - prior_r[0]) ** 2 + nr / n * (mr - prior_l[0]) ** 2)
        else:
            ql, qr = Yl.mean(axis=0), Yr.mean(axis=0)

            def imp(q):
                return 1 - np.sum(q**2)

            def jsd(p, q):
                m = (p + q) / 2
                return 0.5 * np.sum(xlogy(p, p) - xlogy(p, m)) + 0.5 * np.sum(
                    xlogy(q, q) - xlogy(q, m)
                )

            gain = -(nl * imp(ql) + nr * imp(qr))
            dg = 1 - nl / n * jsd(ql, prior_l) - nr / n * jsd(qr, prior_r)
            dgs = 1 - nl / n * jsd(ql, prior_r) - nr / n * jsd(qr, prior_l)
        cands.append((t, float(gain), dg, dgs, a <= thr < b))
    gains = np.array([c[1] for c in cands])
    best = None
    for i, (t, g, dg, dgs, holds) in enumerate(cands):
        tol = 1e-12 * np.abs(gains).max()
        if i > 0 and g < gains[i - 1] - tol:
            continue
        if i + 1 < len(cands) and g < gains[i + 1] - tol:
            continue
        for score, swap in ((dg, False), (dgs, True)):
            key = (-score, not holds, swap, abs(t - thr))
            if best is None or key < best[0]:
                best = (key, thr if holds else t, swap)
    return best[1], best[2]


@pytest.mark.parametrize("regression", [False, True])
@pytest.mark.parametrize("seed", range(5))
def test_strut_threshold_matches_a_loop_over_every_gap(regression, seed):
    rng = np.random.RandomState(seed)
    x = rng.randint(0, 30, size=60).astype(np.float32)
    if regression:
        Y = (x[:, None] > 12) * 2.0 + 0.3 * rng.normal(size=(60, 1))
        prior_l, prior_r = np.array([0.3]), np.array([1.5])
    else:
        labels = (x > 12).astype(int)
        labels[rng.rand(60) < 0.2] = 2
        Y = np.eye(3)[labels]
        prior_l, prior_r = np.array([0.7, 0.2, 0.1]), np.array([0.2, 0.6, 0.2])
    thr = 9.5
    got = strut_threshold(
        x,
        Y,
        np.ones(60),
        prior_l,
        prior_r,
        thr,
        regression=regression,
        criterion="gini",
    )
    want = _naive_strut(x, Y, prior_l, prior_r, thr, regression)
    assert got[1] == want[1]
    assert_allclose(got[0], want[0])


def test_strut_moves_a_shifted_threshold_and_swaps_flipped_children():
    rng = np.random.RandomState(0)
    Xs = rng.uniform(-3, 3, size=(300, 1))
    source = DecisionTreeClassifier(max_depth=1).fit(Xs, Xs[:, 0] > 0)
    Xt = rng.uniform(-3, 3, size=(80, 1))
    model = TransferTreeClassifier(source_estimator=source, method="strut")
    model.fit(Xt, Xt[:, 0] > 1.0)
    assert abs(model.tree_.threshold[0] - 1.0) < 0.2
    assert model.tree_.children_left[0] == source.tree_.children_left[0]
    # labels flipped on the target: the children swap instead of the labels
    model.fit(Xt, Xt[:, 0] < 1.0)
    assert model.tree_.children_left[0] == source.tree_.children_right[0]
    assert model.score(Xt, Xt[:, 0] < 1.0) > 0.95


def test_strut_keeps_the_threshold_where_the_target_has_one_value():
    rng = np.random.RandomState(0)
    Xs = rng.uniform(-3, 3, size=(300, 2))
    source = DecisionTreeClassifier(max_depth=1).fit(Xs, Xs[:, 0] > 0)
    Xt = np.column_stack([np.full(20, 2.0), rng.normal(size=20)])
    model = TransferTreeClassifier(source_estimator=source, method="strut")
    model.fit(Xt, rng.randint(0, 2, size=20).astype(bool))
    assert model.tree_.threshold[0] == source.tree_.threshold[0]


# ------------------------------------------------------------------ the estimator


def test_feature_importances_are_the_target_impurity_decrease():
    Xs, ys, Xt, yt = _data("classification")
    source = _source("classification", Xs, ys, max_depth=4, criterion="entropy")
    model = TransferTreeClassifier(source_estimator=source, method="strut").fit(Xt, yt)
    tree = model.tree_
    path = model.decision_path(Xt).tocsc()
    expected = np.zeros(3)
    for v in np.flatnonzero(tree.children_left != TREE_LEAF):

        def term(u):
            rows = path[:, u].toarray().ravel() > 0
            if not rows.any():
                return 0.0
            p = np.bincount(np.searchsorted(model.classes_, yt[rows]), minlength=3)
            p = p / p.sum()
            return rows.sum() * -np.sum(xlogy(p, p))

        expected[tree.feature[v]] += (
            term(v) - term(tree.children_left[v]) - term(tree.children_right[v])
        )
    assert_allclose(model.feature_importances_, expected / expected.sum(), atol=1e-12)


@pytest.mark.parametrize("task", TASKS)
def test_one_domain_is_the_plain_tree(task):
    Xs, ys, _, _ = _data(task)
    model = _model(task, max_depth=4, random_state=0).fit(Xs, ys)
    plain = _source(task, Xs, ys, max_depth=4)
    assert model.alpha_ is None and model.n_target_samples_ == 0
    assert_allclose(_predict(model, Xs), _predict(plain, Xs))
    assert_allclose(model.feature_importances_, plain.feature_importances_)


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("method", ["relabel", "ser"])
def test_predictions_are_the_leaf_values(task, method):
    # tree and forest share their predict methods: each is the value of the leaf a
    # row reaches, and the classifier's labels and log-probabilities follow from it
    from skadapt.transfer import TransferForestClassifier, TransferForestRegressor

    Xs, ys, Xt, yt = _data(task)
    tree = _model(task, source_estimator=_source(task, Xs, ys, max_depth=4))
    tree.set_params(method=method, random_state=0).fit(Xt, yt)
    probe = np.random.RandomState(1).normal(size=(200, 3))
    value = tree.tree_.value[tree.apply(probe), 0, :]
    forest_kind = (
        TransferForestClassifier
        if task == "classification"
        else TransferForestRegressor
    )
    sd = np.r_[np.ones(len(ys), int), -np.ones(len(yt), int)]
    forest = forest_kind(n_estimators=3, max_depth=4, method=method, random_state=0)
    forest.fit(np.vstack([Xs, Xt]), np.r_[ys, yt], sample_domain=sd)
    leaves = forest.apply(probe)
    mean = np.mean(
        [t.value[leaves[:, i], 0, :] for i, t in enumerate(forest.trees_)], axis=0
    )
    for model, expected in ((tree, value), (forest, mean)):
        if task == "regression":
            assert_array_equal(model.predict(probe), expected[:, 0])
            continue
        assert_allclose(model.predict_proba(probe), expected, rtol=0, atol=1e-15)
        assert_array_equal(
            model.predict(probe), model.classes_[np.argmax(expected, axis=1)]
        )
        with np.errstate(divide="ignore"):
            log = np.log(model.predict_proba(probe))
        assert_array_equal(model.predict_log_proba(probe), log)


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("method", ["relabel", "ser", "strut"])
def test_source_fitted_in_fit_equals_source_given(task, method):
    X, y, sd, y_true, test = semi_supervised(task, 0, 40, n_features=4)
    model = _model(task, method=method, max_depth=4, alpha=1.0, random_state=0)
    model.fit(X, y, sample_domain=sd)
    src = model.source_estimator_
    labelled = (sd < 0) & (np.isfinite(y) if task == "regression" else y != -1)
    given = _model(
        task,
        source_estimator=src,
        method=method,
        max_depth=4,
        alpha=1.0,
        random_state=0,
    )
    given.fit(X[labelled], y[labelled])
    if method != "ser":  # SER seeds its expansions from random_state differently
        assert_allclose(_predict(model, X[test]), _predict(given, X[test]))
    assert model.n_target_samples_ == 40
    # source rows passed with a given source are ignored
    again = _model(task, source_estimator=src, method=method, max_depth=4, alpha=1.0)
    again.set_params(random_state=0).fit(X, y, sample_domain=sd)
    assert_allclose(_predict(again, X[test]), _predict(given, X[test]))


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("method", ["relabel", "ser", "strut"])
def test_float32_weights_and_inputs_untouched(task, method):
    Xs, ys, Xt, yt = _data(task)
    source = _source(task, Xs, ys, max_depth=4)
    sw = np.ones(yt.shape[0])
    X_copy, y_copy = Xt.copy(), yt.copy()
    m64 = _model(task, source_estimator=source, method=method, random_state=0)
    m64.fit(Xt, yt, sample_weight=sw)
    m32 = _model(task, source_estimator=source, method=method, random_state=0)
    m32.fit(Xt.astype(np.float32), yt, sample_weight=sw)
    assert_allclose(_predict(m64, Xt), _predict(m32, Xt.astype(np.float32)))
    assert_array_equal(Xt, X_copy)
    assert_array_equal(yt, y_copy)
    assert_array_equal(sw, 1.0)


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("method", ["relabel", "strut"])
def test_integer_weights_equal_repeated_rows(task, method):
    Xs, ys, Xt, yt = _data(task)
    source = _source(task, Xs, ys, max_depth=4)
    counts = np.random.RandomState(0).randint(0, 3, size=yt.shape[0])
    weighted = _model(task, source_estimator=source, method=method, alpha=1.5)
    weighted.fit(Xt, yt, sample_weight=counts)
    rep = np.repeat(np.arange(yt.shape[0]), counts)
    repeated = _model(task, source_estimator=source, method=method, alpha=1.5)
    repeated.fit(Xt[rep], yt[rep])
    probe = np.random.RandomState(1).normal(size=(300, 3))
    assert_allclose(_predict(weighted, probe), _predict(repeated, probe), atol=1e-12)


@pytest.mark.parametrize("method", ["relabel", "ser", "strut"])
def test_pickle_pipeline_and_grid_search_over_method(method):
    Xs, ys, Xt, yt = _data("classification", n_t=80)
    source = _source("classification", Xs, ys, max_depth=4)
    model = TransferTreeClassifier(source_estimator=source, method=method).fit(Xt, yt)
    back = pickle.loads(pickle.dumps(model))
    assert_allclose(back.predict_proba(Xs), model.predict_proba(Xs))
    # every labelled row is a target row when the source is given: stock CV works
    search = GridSearchCV(
        TransferTreeClassifier(
            source_estimator=FrozenEstimator(source), random_state=0
        ),
        {"method": ["relabel", "ser", "strut"]},
        cv=3,
    ).fit(Xt, yt)
    assert search.best_params_["method"] in ("relabel", "ser", "strut")
    pipe = make_pipeline(StandardScaler(), TransferTreeClassifier(method=method))
    X, y, sd, y_true, test = semi_supervised("classification", 0, 30)
    pipe.fit(X, y, transfertreeclassifier__sample_domain=sd)
    assert pipe.score(X[test], y_true[test]) > 0.4


def test_grid_search_with_routing_and_domain_splits():
    X, y, sd, y_true, test = semi_supervised("regression", 0, 40)
    with sklearn.config_context(enable_metadata_routing=True):
        search = GridSearchCV(
            make_da_pipeline(StandardScaler(), TransferTreeRegressor(max_depth=4)),
            {"transfertreeregressor__method": ["relabel", "ser", "strut"]},
            cv=DomainShuffleSplit(n_splits=2, random_state=0),
        )
        search.fit(X, y, sample_domain=sd)
    assert search.best_estimator_[-1].n_target_samples_ == 40


# ------------------------------------------------------------------------ errors


def test_errors_name_the_problem():
    Xs, ys, Xt, yt = _data("classification")
    source = _source("classification", Xs, ys, max_depth=3)
    with pytest.raises(NotFittedError, match="not fitted"):
        TransferTreeClassifier(source_estimator=DecisionTreeClassifier()).fit(Xt, yt)
    with pytest.raises(TypeError, match="must be a fitted DecisionTreeClassifier"):
        TransferTreeClassifier(source_estimator=LogisticRegression().fit(Xs, ys)).fit(
            Xt, yt
        )
    with pytest.raises(TypeError, match="must be a fitted DecisionTreeRegressor"):
        TransferTreeRegressor(source_estimator=source).fit(Xt, yt.astype(float))
    with pytest.raises(ValueError, match="fitted on 3 features but X has 2"):
        TransferTreeClassifier(source_estimator=source).fit(Xt[:, :2], yt)
    with pytest.raises(ValueError, match=r"target labels \[7\] are not among"):
        TransferTreeClassifier(source_estimator=source).fit(Xt, np.r_[yt[:-1], 7])
    with pytest.raises(ValueError, match="no labelled target rows"):
        TransferTreeClassifier(source_estimator=source).fit(Xt, np.full(yt.shape, -1))
    X = np.vstack([Xs, Xt])
    y = np.r_[ys, np.full(yt.shape, -1)]
    with pytest.raises(ValueError, match="target rows are all unlabelled"):
        TransferTreeClassifier().fit(X, y)
    sd = np.r_[np.ones(len(ys), int), -np.ones(len(yt), int)]
    with pytest.raises(ValueError, match="target rows are all unlabelled"):
        TransferTreeClassifier().fit(X, y, sample_domain=sd)
    with pytest.raises(ValueError, match="needs target rows"):
        TransferTreeClassifier().fit(Xs, ys, sample_domain=np.ones(len(ys), int))
    with pytest.raises(ValueError, match="sample_weight 0"):
        TransferTreeClassifier().fit(
            X,
            np.r_[ys, yt],
            sample_weight=np.r_[np.ones(len(ys)), np.zeros(len(yt))],
            sample_domain=sd,
        )
    pd = pytest.importorskip("pandas")
    named = DecisionTreeClassifier(max_depth=2).fit(
        pd.DataFrame(Xs, columns=["a", "b", "c"]), ys
    )
    with pytest.raises(ValueError, match="feature names"):
        TransferTreeClassifier(source_estimator=named).fit(
            pd.DataFrame(Xt, columns=["c", "b", "a"]), yt
        )
