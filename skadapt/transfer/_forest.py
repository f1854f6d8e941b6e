"""Random forests carried from a source domain to a target domain, tree by tree."""

from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.ensemble import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.utils.validation import (
    check_is_fitted,
    validate_data,
)

from .._base import DomainMixin
from ..utils._docstrings import FRAGMENTS, Substitution
from ..utils._sklearn import HasMethods, Interval, RealNotInt, StrOptions, _fit_context
from ._tree import (
    _MAX_SEED,
    _alpha_folds,
    _check_fitted_source,
    _grow,
    _LeafClassifierMixin,
    _LeafRegressorMixin,
    _start_fit,
    _target_arrays,
    _tree_criterion,
)
from ._tree_maths import adapt_tree
from ._tree_struct import from_sklearn

__all__ = ["TransferForestClassifier", "TransferForestRegressor"]


def _adapt_one(tree, X, Y, labels, w, seed, params):
    """Adapt one tree of the forest (run in a joblib worker)."""
    rng = np.random.RandomState(seed)
    src = from_sklearn(tree.tree_, n_classes=params["n_classes"])
    grow = _grow(
        tree,
        params["max_depth"],
        params["min_samples_leaf"],
        rng.randint(_MAX_SEED, size=X.shape[0]),
        params["n_classes"] is not None,
    )
    return adapt_tree(
        src,
        X,
        Y,
        labels,
        w,
        method=params["method"],
        alpha=params["alpha"],
        regression=params["n_classes"] is None,
        criterion=_tree_criterion(tree),
        grow=grow,
        folds=_alpha_folds(params["alpha"], params["method"], X.shape[0], rng),
    )


class _BaseTransferForest(DomainMixin, BaseEstimator):
    """Shared fit and prediction of the transfer forests."""

    _parameter_constraints: dict = {
        "source_estimator": [HasMethods(["fit", "predict"]), None],
        "method": [StrOptions({"relabel", "ser", "strut"})],
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="both"), StrOptions({"auto"})],
        "max_depth": [Interval(Integral, 1, None, closed="left"), None],
        "min_samples_leaf": [Interval(Integral, 1, None, closed="left")],
        "max_features": [
            Interval(Integral, 1, None, closed="left"),
            Interval(RealNotInt, 0.0, 1.0, closed="right"),
            StrOptions({"sqrt", "log2"}),
            None,
        ],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        *,
        source_estimator=None,
        method="relabel",
        n_estimators=100,
        alpha="auto",
        max_depth=None,
        min_samples_leaf=1,
        max_features=None,
        n_jobs=None,
        random_state=None,
    ):
        self.source_estimator = source_estimator
        self.method = method
        self.n_estimators = n_estimators
        self.alpha = alpha
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf
        self.max_features = max_features
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _new_source(self, seed):
        kind = RandomForestRegressor if self._regression else RandomForestClassifier
        return kind(
            n_estimators=self.n_estimators,
            max_depth=self.max_depth,
            min_samples_leaf=self.min_samples_leaf,
            max_features=self.max_features,
            n_jobs=self.n_jobs,
            random_state=seed,
        )

    def _given_source(self, n_features, caller):
        return _check_fitted_source(
            self.source_estimator,
            self._forest_kinds,
            self._forest_what,
            n_features,
            caller,
        )

    @Substitution(**FRAGMENTS)
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, *, sample_domain=None):
        """Fit or take the source forest, then adapt each tree to the target rows.

        %(source_model_fit)s
        """
        regression = self._regression
        X, w, target, yt, rng = _start_fit(
            self, X, y, sample_weight, sample_domain, dtype=np.float32
        )
        n_classes = None if regression else self.n_classes_
        trees = self.source_estimator_.estimators_
        if not self.n_target_samples_:  # one domain only: the source forest itself
            self.trees_ = [from_sklearn(t.tree_, n_classes=n_classes) for t in trees]
            self.alphas_ = None
            return self
        Y, labels = _target_arrays(yt, n_classes, regression)
        params = {
            "n_classes": n_classes,
            "method": self.method,
            "alpha": self.alpha,
            "max_depth": self.max_depth,
            "min_samples_leaf": self.min_samples_leaf,
        }
        seeds = rng.randint(_MAX_SEED, size=len(trees))
        Xt, wt = X[target], w[target]
        out = Parallel(n_jobs=self.n_jobs, prefer="threads")(
            delayed(_adapt_one)(tree, Xt, Y, labels, wt, seed, params)
            for tree, seed in zip(trees, seeds)
        )
        self.trees_ = [tree for tree, _ in out]
        self.alphas_ = np.array([alpha for _, alpha in out])
        return self

    def _validate_X_predict(self, X):
        check_is_fitted(self, "trees_")
        return validate_data(self, X, dtype=np.float32, reset=False)

    def _leaf_value(self, X):
        X = self._validate_X_predict(X)
        total = np.zeros((X.shape[0], self.trees_[0].value.shape[2]))
        for tree in self.trees_:
            total += tree.value[tree.apply(X), 0, :]
        return total / len(self.trees_)

    def apply(self, X):
        """Leaf each row reaches in every tree.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to route.

        Returns
        -------
        X_leaves : ndarray of shape (n_samples, n_estimators)
            Leaf index of each row in each tree.
        """
        X = self._validate_X_predict(X)
        return np.column_stack([tree.apply(X) for tree in self.trees_])

    def decision_path(self, X):
        """Nodes each row passes through, in every tree.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to route.

        Returns
        -------
        indicator : sparse matrix of shape (n_samples, n_nodes)
            CSR indicator of the visited nodes, the trees side by side.
        n_nodes_ptr : ndarray of shape (n_estimators + 1,)
            Columns ``n_nodes_ptr[i]:n_nodes_ptr[i + 1]`` belong to tree ``i``.
        """
        X = self._validate_X_predict(X)
        paths = [tree.decision_path(X) for tree in self.trees_]
        ptr = np.r_[0, np.cumsum([tree.node_count for tree in self.trees_])]
        return sparse.hstack(paths).tocsr(), ptr

    @property
    def feature_importances_(self):
        """Mean impurity-decrease importances of the adapted trees.

        Returns
        -------
        feature_importances_ : ndarray of shape (n_features,)
            Mean over the trees (with at least one split) of each tree's
            normalised importances, measured on the labelled target rows,
            normalised to sum to one (all zeros when no tree splits).
        """
        check_is_fitted(self, "trees_")
        imps = [
            t.compute_feature_importances() for t in self.trees_ if t.node_count > 1
        ]
        if not imps:
            return np.zeros(self.n_features_in_)
        mean = np.mean(imps, axis=0)
        total = mean.sum()
        return mean / total if total > 0 else mean


@Substitution(**FRAGMENTS)
class TransferForestClassifier(
    _LeafClassifierMixin, ClassifierMixin, _BaseTransferForest
):
    """Random forest classifier whose every tree is adapted to the target rows.

    The structure transfer of :class:`TransferTreeClassifier` (``"relabel"``,
    ``"ser"`` or ``"strut"``, after Segev et al. [1]_) applied to each tree of a
    source random forest.
    %(source_model_contract)s

    Parameters
    ----------
    source_estimator : estimator object, default=None
        A fitted ``RandomForestClassifier`` or ``ExtraTreesClassifier`` whose trees are
        transferred; it is not modified. When None, a
        ``RandomForestClassifier(n_estimators=n_estimators, max_depth=max_depth,
        min_samples_leaf=min_samples_leaf, max_features=max_features)`` is fitted
        on the labelled source rows.
    %(forest_parameters)s

    Attributes
    ----------
    %(source_classes_attributes)s
    %(forest_attributes)s

    See Also
    --------
    TransferTreeClassifier : The same for one tree.
    TransferGradientBoostingClassifier : Boosting on the target from a source
        model's scores.

    Notes
    -----
    %(forest_notes)s

    References
    ----------
    %(segev_reference)s

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt import TransferForestClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(-3, 3, size=(340, 2))
    >>> y = (X[:, 0] > 0).astype(int)
    >>> y[300:] = (X[300:, 0] > 1).astype(int)  # the target's boundary moved
    >>> sample_domain = np.r_[np.ones(300, int), -np.ones(40, int)]
    >>> model = TransferForestClassifier(
    ...     method="strut", n_estimators=10, max_depth=2, random_state=0)
    >>> model.fit(X, y, sample_domain=sample_domain).predict([[0.5, 0.0], [2.0, 0.0]])
    array([0, 1])
    """

    _regression = False
    _forest_kinds = (RandomForestClassifier, ExtraTreesClassifier)
    _forest_what = "RandomForestClassifier or ExtraTreesClassifier"

    def __init__(
        self,
        *,
        source_estimator=None,
        method="relabel",
        n_estimators=100,
        alpha="auto",
        max_depth=None,
        min_samples_leaf=1,
        max_features="sqrt",
        n_jobs=None,
        random_state=None,
    ):
        super().__init__(
            source_estimator=source_estimator,
            method=method,
            n_estimators=n_estimators,
            alpha=alpha,
            max_depth=max_depth,
            min_samples_leaf=min_samples_leaf,
            max_features=max_features,
            n_jobs=n_jobs,
            random_state=random_state,
        )


@Substitution(**FRAGMENTS)
class TransferForestRegressor(_LeafRegressorMixin, RegressorMixin, _BaseTransferForest):
    """Random forest regressor whose every tree is adapted to the target rows.

    The structure transfer of :class:`TransferTreeRegressor` (``"relabel"``,
    ``"ser"`` or ``"strut"``, after Segev et al. [1]_) applied to each tree of a
    source random forest.
    %(source_model_contract)s

    Parameters
    ----------
    source_estimator : estimator object, default=None
        A fitted ``RandomForestRegressor`` or ``ExtraTreesRegressor`` whose trees are
        transferred; it is not modified. When None, a
        ``RandomForestRegressor(n_estimators=n_estimators, max_depth=max_depth,
        min_samples_leaf=min_samples_leaf, max_features=max_features)`` is fitted
        on the labelled source rows.
    %(forest_parameters)s

    Attributes
    ----------
    %(forest_attributes)s

    See Also
    --------
    TransferTreeRegressor : The same for one tree.
    TransferGradientBoostingRegressor : Boosting on the target from a source
        model's predictions.

    Notes
    -----
    %(forest_notes)s

    References
    ----------
    %(segev_reference)s

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt import TransferForestRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(0, 4, size=(230, 1))
    >>> y = np.floor(X[:, 0])
    >>> y[200:] += 10.0  # the target is higher
    >>> sample_domain = np.r_[np.ones(200, int), -np.ones(30, int)]
    >>> model = TransferForestRegressor(n_estimators=10, max_depth=2, alpha=0,
    ...                                 random_state=0)
    >>> model.fit(X, y, sample_domain=sample_domain).predict([[0.5], [3.5]]).round(1)
    array([10., 13.])
    """

    _regression = True
    _forest_kinds = (RandomForestRegressor, ExtraTreesRegressor)
    _forest_what = "RandomForestRegressor or ExtraTreesRegressor"

    def __init__(
        self,
        *,
        source_estimator=None,
        method="relabel",
        n_estimators=100,
        alpha="auto",
        max_depth=None,
        min_samples_leaf=1,
        max_features=1.0,
        n_jobs=None,
        random_state=None,
    ):
        super().__init__(
            source_estimator=source_estimator,
            method=method,
            n_estimators=n_estimators,
            alpha=alpha,
            max_depth=max_depth,
            min_samples_leaf=min_samples_leaf,
            max_features=max_features,
            n_jobs=n_jobs,
            random_state=random_state,
        )
