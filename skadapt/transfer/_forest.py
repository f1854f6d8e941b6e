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
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    check_consistent_length,
    check_is_fitted,
    validate_data,
)

from .._base import DomainMixin, check_masked_y
from ..utils._docstrings import Substitution
from ..utils._sklearn import HasMethods, Interval, RealNotInt, StrOptions, _fit_context
from ._tree import (
    _CONTRACT,
    _MAX_SEED,
    _alpha_folds,
    _check_feature_names,
    _check_fitted_source,
    _check_target_y,
    _encode_target,
    _grow,
    _sample_weight,
    _structure_rows,
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

    def _new_forest(self, seed):
        kind = RandomForestRegressor if self._regression else RandomForestClassifier
        return kind(
            n_estimators=self.n_estimators,
            max_depth=self.max_depth,
            min_samples_leaf=self.min_samples_leaf,
            max_features=self.max_features,
            n_jobs=self.n_jobs,
            random_state=seed,
        )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, *, sample_domain=None):
        """Fit or take the source forest, then adapt each tree to the target rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Source and target rows (only target rows when a fitted
            ``source_estimator`` is given and ``sample_domain`` is None).
        y : array-like of shape (n_samples,)
            Labels; unknown ones masked (``-1`` / ``NaN``). Not modified.
        sample_weight : array-like of shape (n_samples,), default=None
            Row weights, used by the source fit and by every target estimate.
        sample_domain : array-like of shape (n_samples,), default=None
            Domain id of each row: ``>= 1`` source, ``<= -1`` target. Labelled
            target rows need it unless ``source_estimator`` is given.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        name = type(self).__name__
        regression = self._regression
        X = validate_data(self, X, dtype=np.float32)
        y = check_masked_y(y, name, multi_output=False)
        check_consistent_length(X, y)
        w = _sample_weight(sample_weight, X)
        given = self.source_estimator is not None
        rows = _structure_rows(
            y, sample_domain, source_given=given, regression=regression, caller=name
        )
        rng = check_random_state(self.random_state)
        y = _check_target_y(y, regression, name)
        if given:
            forest = _check_fitted_source(
                self.source_estimator,
                self._forest_kinds,
                self._forest_what,
                X.shape[1],
                name,
            )
            _check_feature_names(self, forest, name)
        else:
            forest = self._new_forest(rng.randint(_MAX_SEED))
            forest.fit(X[rows.source], y[rows.source], sample_weight=w[rows.source])
        self.source_estimator_ = forest
        n_classes = None
        if not regression:
            check_classification_targets(y[rows.target | rows.source])
            self.classes_ = forest.classes_
            self.n_classes_ = self.classes_.shape[0]
            n_classes = self.n_classes_
        trees = forest.estimators_
        self.n_target_samples_ = int(rows.target.sum())
        if not rows.target.any():  # one domain only: the source forest itself
            self.trees_ = [from_sklearn(t.tree_, n_classes=n_classes) for t in trees]
            self.alphas_ = None
            return self
        target = np.flatnonzero(rows.target & (w > 0))
        if not target.size:
            raise ValueError(
                f"{name}: every labelled target row has sample_weight 0; give the "
                "target rows positive weights."
            )
        yt = y[target]
        if not regression:
            yt = _encode_target(self.classes_, yt, name)
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

    def _mean_value(self, X):
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


_FOREST_NOTES = r"""Each tree of the source forest is adapted as
    :class:`TransferTreeClassifier` / :class:`TransferTreeRegressor` would adapt
    it, on all the labelled target rows, with its own ``alpha="auto"`` choice
    and its own seed for the SER expansions (grown with the tree's own
    ``max_features``, so the forest stays randomised). The prediction averages
    the trees (class probabilities, or values), as a random forest does. Trees
    are adapted in parallel with ``n_jobs`` joblib threads (or the backend set
    by ``joblib.parallel_config``).
"""

_FOREST_PARAMETERS = """source_estimator : estimator object, default=None
        A fitted {what} whose trees are transferred; it is not modified. When
        None, a ``{forest}(n_estimators=n_estimators, max_depth=max_depth,
        min_samples_leaf=min_samples_leaf, max_features=max_features)`` is fitted
        on the labelled source rows.
    method : {{"relabel", "ser", "strut"}}, default="relabel"
        How each tree is adapted: see :class:`{tree}`.
    n_estimators : int, default=100
        Number of trees of the source forest fitted here (ignored when
        ``source_estimator`` is given).
    alpha : float or "auto", default="auto"
        Pseudo-count of the source value in every node (``0``: the target rows
        alone where they arrive; ``inf``: the source values); ``"auto"`` chooses
        it per tree by cross-validation on the target rows, as
        :class:`{tree}` does.
    max_depth : int, default=None
        Largest depth of the trees grown here: the source forest's trees when
        ``source_estimator`` is None, and each SER expansion subtree.
    min_samples_leaf : int, default=1
        Fewest rows in a leaf of the trees grown here.
    max_features : {{"sqrt", "log2"}}, int, float or None, default={max_features}
        Features tried at each split of the source forest fitted here (the
        scikit-learn forest's parameter).
    n_jobs : int, default=None
        Number of joblib workers adapting the trees (and fitting the source
        forest); ``None`` means 1 unless in a ``joblib.parallel_config`` context,
        ``-1`` all processors.
    random_state : int, RandomState instance or None, default=None
        Seeds the source forest, the SER expansions and the folds of
        ``alpha="auto"``."""

_FOREST_ATTRIBUTES = """trees_ : list of object
        The adapted trees, each with the array attributes of scikit-learn's
        ``Tree`` (``children_left``, ``children_right``, ``feature``,
        ``threshold``, ``value``, ...) and ``apply`` / ``decision_path``.
    source_estimator_ : estimator object
        The source forest (``source_estimator`` itself when given).
    alphas_ : ndarray of shape (n_estimators,) or None
        The pseudo-count each tree used; None when there were no labelled
        target rows.
    n_target_samples_ : int
        Number of labelled target rows the trees were adapted on.
    n_features_in_ : int
        Number of features seen during :term:`fit`.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when `X` has
        feature names that are all strings."""

_REFERENCES = """References
    ----------
    .. [1] N. Segev, M. Harel, S. Mannor, K. Crammer and R. El-Yaniv, "Learn on
       source, refine on target: a model transfer learning framework with random
       forests", IEEE Transactions on Pattern Analysis and Machine Intelligence
       39(9), 2017.
"""


@Substitution(
    contract=_CONTRACT,
    forest_parameters=_FOREST_PARAMETERS.format(
        what="``RandomForestClassifier`` or ``ExtraTreesClassifier``",
        forest="RandomForestClassifier",
        tree="TransferTreeClassifier",
        max_features='"sqrt"',
    ),
    forest_attributes=_FOREST_ATTRIBUTES,
    forest_notes=_FOREST_NOTES,
    references=_REFERENCES,
)
class TransferForestClassifier(ClassifierMixin, _BaseTransferForest):
    """Random forest classifier whose every tree is adapted to the target rows.

    The structure transfer of :class:`TransferTreeClassifier` (``"relabel"``,
    ``"ser"`` or ``"strut"``, after Segev et al. [1]_) applied to each tree of a
    source random forest.
    %(contract)s

    Parameters
    ----------
    %(forest_parameters)s

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels (those of the source forest).
    n_classes_ : int
        Number of classes.
    %(forest_attributes)s

    See Also
    --------
    TransferTreeClassifier : The same for one tree.
    TransferGradientBoostingClassifier : Boosting on the target from a source
        model's scores.

    Notes
    -----
    %(forest_notes)s
    %(references)s

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

    def predict_proba(self, X):
        """Class probabilities: the mean of the trees' leaf values.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to predict.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities, columns in the order of ``classes_``.
        """
        return self._mean_value(X)

    def predict_log_proba(self, X):
        """Logarithm of the class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to predict.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities (``-inf`` for a zero probability).
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """Most probable class of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to predict.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted labels.
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]


@Substitution(
    contract=_CONTRACT,
    forest_parameters=_FOREST_PARAMETERS.format(
        what="``RandomForestRegressor`` or ``ExtraTreesRegressor``",
        forest="RandomForestRegressor",
        tree="TransferTreeRegressor",
        max_features="1.0",
    ),
    forest_attributes=_FOREST_ATTRIBUTES,
    forest_notes=_FOREST_NOTES,
    references=_REFERENCES,
)
class TransferForestRegressor(RegressorMixin, _BaseTransferForest):
    """Random forest regressor whose every tree is adapted to the target rows.

    The structure transfer of :class:`TransferTreeRegressor` (``"relabel"``,
    ``"ser"`` or ``"strut"``, after Segev et al. [1]_) applied to each tree of a
    source random forest.
    %(contract)s

    Parameters
    ----------
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
    %(references)s

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

    def predict(self, X):
        """Mean of the trees' leaf values.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to predict.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predictions.
        """
        return self._mean_value(X)[:, 0]
