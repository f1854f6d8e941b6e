"""Decision trees carried from a source domain to a target domain (structure transfer).

The source tree's structure (its features and thresholds) is what it learned about
the shape of the problem; the labelled target rows re-estimate the rest:
``"relabel"`` its leaf values, ``"ser"`` (Segev et al., 2017) its leaves, expanded
and pruned on the target, ``"strut"`` (same paper) its thresholds.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    RegressorMixin,
    clone,
)
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import KFold
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    check_consistent_length,
    check_is_fitted,
    validate_data,
)

from .._base import (
    DomainMixin,
    _check_domains,
    check_masked_y,
    check_sample_domain,
    labelled_mask,
)
from ..utils._docstrings import FRAGMENTS, Substitution
from ..utils._sklearn import (
    HasMethods,
    Interval,
    StrOptions,
    _check_sample_weight,
    _fit_context,
)
from ._common import _check_source_fitted, _split_rows
from ._tree_maths import adapt_tree
from ._tree_struct import from_sklearn

__all__ = ["TransferTreeClassifier", "TransferTreeRegressor"]

_MAX_SEED = np.iinfo(np.int32).max
# Folds of the target rows for alpha="auto" with SER / STRUT, whose structure is
# re-learned on each training fold.
_N_FOLDS = 5


def _structure_rows(y, sample_domain, *, source_given, regression, caller):
    """Labelled source and target rows under the data contract of the tree family.

    With a fitted ``source_estimator`` and no ``sample_domain`` every labelled row
    is a target row. Otherwise the domains come from ``sample_domain`` (source
    rows labelled by definition) or are inferred from the masked labels. Raises a
    clear error when there is nothing to adapt to.
    """
    if sample_domain is not None:
        sd = check_sample_domain(sample_domain, y, y.shape[0], regression=regression)
        _check_domains(
            sd, need_source=not source_given, need_target=True, caller=caller
        )
    if (
        source_given
        and sample_domain is None
        and not labelled_mask(y, regression=regression).any()
    ):
        rows = None
    else:
        rows = _split_rows(
            np.empty((y.shape[0], 0)),
            y,
            sample_domain,
            caller,
            source_given=source_given,
            regression=regression,
        )
    if source_given and (rows is None or not rows.target.any()):
        raise ValueError(
            f"{caller}: no labelled target rows to adapt the fitted source_estimator "
            "to. Without sample_domain every labelled row is a target row; with it, "
            "target rows have sample_domain <= -1 and a known label (not -1 / NaN)."
        )
    if rows.any_target.any() and not rows.target.any():
        raise ValueError(
            f"{caller}: the target rows are all unlabelled. Structure transfer "
            "re-estimates the tree from labelled target rows: reveal some target "
            "labels and mark them with sample_domain <= -1."
        )
    return rows


def _sample_weight(sample_weight, X):
    if sample_weight is None:
        return np.ones(X.shape[0])
    return _check_sample_weight(
        sample_weight, X, dtype=np.float64, ensure_non_negative=True
    )


def _unfrozen(estimator):
    """The estimator inside a :class:`~sklearn.frozen.FrozenEstimator`, or itself."""
    return estimator.estimator if isinstance(estimator, FrozenEstimator) else estimator


_CLONED_HINT = (
    " A fitted source passed as a parameter is refitted-away by clone() "
    "(GridSearchCV, cross_validate): wrap it in sklearn.frozen.FrozenEstimator."
)


def _check_not_fitted_error(estimator, caller):
    _check_source_fitted(
        estimator,
        caller,
        "fit it on the source rows first, or leave source_estimator=None to fit it "
        "here." + _CLONED_HINT,
        "scikit-learn estimator",
    )


def _check_fitted_source(estimator, kinds, what, n_features, caller):
    """Raise a clear error unless ``estimator`` is a fitted instance of ``kinds``.

    Returns the estimator, taken out of its ``FrozenEstimator`` if it is in one.
    """
    estimator = _unfrozen(estimator)
    name = type(estimator).__name__
    if not isinstance(estimator, kinds):
        raise TypeError(
            f"{caller}: source_estimator must be a fitted {what}, got {name}. "
            "Leave source_estimator=None to fit one on the source rows."
        )
    _check_not_fitted_error(estimator, caller)
    if estimator.n_features_in_ != n_features:
        raise ValueError(
            f"{caller}: source_estimator {name} was fitted on "
            f"{estimator.n_features_in_} features but X has {n_features} features."
        )
    if getattr(estimator, "n_outputs_", 1) != 1:
        raise ValueError(
            f"{caller}: source_estimator {name} has {estimator.n_outputs_} outputs; "
            "structure transfer handles one output."
        )
    return estimator


def _check_feature_names(self, estimator, caller):
    ours = getattr(self, "feature_names_in_", None)
    theirs = getattr(estimator, "feature_names_in_", None)
    if ours is not None and theirs is not None and not np.array_equal(ours, theirs):
        raise ValueError(
            f"{caller}: X has feature names {list(ours)} but source_estimator was "
            f"fitted with {list(theirs)}; give the columns in the source order."
        )


def _encode_target(classes, y, caller):
    """Class indices of target labels; an error for a label the source never saw."""
    unknown = ~np.isin(y, classes)
    if unknown.any():
        raise ValueError(
            f"{caller}: the target labels {np.unique(y[unknown]).tolist()} are not "
            f"among the classes of the source model ({classes.tolist()}); structure "
            "transfer cannot add classes."
        )
    return np.searchsorted(classes, y)


def _grow(template, max_depth, min_samples_leaf, seeds, classification):
    """Callable growing one SER expansion subtree like the source tree."""
    params = {
        "max_depth": max_depth,
        "min_samples_leaf": min_samples_leaf,
        "max_leaf_nodes": None,
    }
    if classification:
        params["class_weight"] = None

    def grow(X, labels, w, index):
        est = clone(template).set_params(
            random_state=int(seeds[index % seeds.shape[0]]), **params
        )
        # check_input=False (public): X is a C-contiguous float32 row subset
        return est.fit(X, labels, sample_weight=w, check_input=False)

    return grow


def _target_arrays(y_target, n_classes, regression):
    if regression:
        y_target = y_target.astype(np.float64)
        return y_target.reshape(-1, 1), y_target
    labels = y_target.astype(np.intp)
    Y = np.zeros((labels.shape[0], n_classes))
    Y[np.arange(labels.shape[0]), labels] = 1.0
    return Y, labels


def _alpha_folds(alpha, method, n, rng):
    """Folds of the target rows on which SER / STRUT choose ``alpha="auto"``."""
    if not isinstance(alpha, str) or method == "relabel" or n < 2:
        return None
    cv = KFold(
        n_splits=min(_N_FOLDS, n), shuffle=True, random_state=rng.randint(_MAX_SEED)
    )
    return list(cv.split(np.zeros((n, 1))))


def _tree_criterion(estimator):
    return estimator.get_params().get("criterion", "gini")


def _check_target_y(y, regression, caller):
    if regression:
        try:
            return np.asarray(y, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"{caller} is a regressor: y must hold numbers (NaN for unknown "
                "target values)."
            ) from exc
    return y


def _start_fit(est, X, y, sample_weight, sample_domain, *, dtype):
    """The start of every fit of the tree, forest and boosting transfer estimators.

    Validates ``X, y`` and the weights, splits the rows (:func:`_structure_rows`),
    takes the fitted ``source_estimator`` (checked by ``est._given_source``) or
    fits ``est._new_source(seed)`` on the labelled source rows, and sets
    ``source_estimator_``, ``classes_`` / ``n_classes_`` (classifiers) and
    ``n_target_samples_``. Raises when every labelled target row has weight 0.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        The validated rows, of ``dtype``.
    w : ndarray of shape (n_samples,)
        Row weights (ones without ``sample_weight``).
    target : ndarray of int
        Indices of the labelled target rows of positive weight (empty when there
        are no labelled target rows: one domain only).
    y_target : ndarray of shape (target.size,)
        Their labels: class indices into ``classes_``, or float64 values.
    rng : RandomState
        The estimator's random state, after the draw of the source model's seed.
    """
    name = type(est).__name__
    regression = est._regression
    X = validate_data(est, X, dtype=dtype)
    y = check_masked_y(y, name, multi_output=False)
    check_consistent_length(X, y)
    w = _sample_weight(sample_weight, X)
    given = est.source_estimator is not None
    rows = _structure_rows(
        y, sample_domain, source_given=given, regression=regression, caller=name
    )
    rng = check_random_state(est.random_state)
    y = _check_target_y(y, regression, name)
    if given:
        source = est._given_source(X.shape[1], name)
        _check_feature_names(est, source, name)
    else:
        source = est._new_source(rng.randint(_MAX_SEED))
        source.fit(X[rows.source], y[rows.source], sample_weight=w[rows.source])
    est.source_estimator_ = source
    if not regression:
        check_classification_targets(y[rows.target | rows.source])
        est.classes_ = source.classes_
        est.n_classes_ = est.classes_.shape[0]
    est.n_target_samples_ = int(rows.target.sum())
    target = np.flatnonzero(rows.target & (w > 0))
    if rows.target.any() and not target.size:
        raise ValueError(
            f"{name}: every labelled target row has sample_weight 0; give the "
            "target rows positive weights."
        )
    y_target = y[target]
    if not regression:
        y_target = _encode_target(est.classes_, y_target, name)
    return X, w, target, y_target, rng


class _ArgmaxPredictMixin:
    """``predict`` of a classifier: the most probable class of ``predict_proba``."""

    @Substitution(**FRAGMENTS)
    def predict(self, X):
        """Most probable class of each row.

        %(classifier_predict)s
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]


class _LeafClassifierMixin(_ArgmaxPredictMixin):
    """Predictions of the tree and forest classifiers from ``self._leaf_value``."""

    @Substitution(**FRAGMENTS)
    def predict_proba(self, X):
        """Class probabilities: the value of the leaf each row reaches.

        A forest averages the leaf values of its trees.

        %(classifier_predict_proba)s
        """
        return self._leaf_value(X)

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


class _LeafRegressorMixin:
    """``predict`` of the tree and forest regressors from ``self._leaf_value``."""

    @Substitution(**FRAGMENTS)
    def predict(self, X):
        """Value of the leaf each row reaches.

        A forest averages the leaf values of its trees.

        %(regressor_predict)s
        """
        return self._leaf_value(X)[:, 0]


class _BaseTransferTree(DomainMixin, BaseEstimator):
    """Shared fit and traversal of :class:`TransferTreeClassifier` / ``Regressor``."""

    _parameter_constraints: dict = {
        "source_estimator": [HasMethods(["fit", "predict"]), None],
        "method": [StrOptions({"relabel", "ser", "strut"})],
        "alpha": [Interval(Real, 0, None, closed="both"), StrOptions({"auto"})],
        "max_depth": [Interval(Integral, 1, None, closed="left"), None],
        "min_samples_leaf": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        *,
        source_estimator=None,
        method="relabel",
        alpha="auto",
        max_depth=None,
        min_samples_leaf=1,
        random_state=None,
    ):
        self.source_estimator = source_estimator
        self.method = method
        self.alpha = alpha
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf
        self.random_state = random_state

    def _new_source(self, seed):
        return self._tree_kind(
            max_depth=self.max_depth,
            min_samples_leaf=self.min_samples_leaf,
            random_state=seed,
        )

    def _given_source(self, n_features, caller):
        return _check_fitted_source(
            self.source_estimator, self._tree_kind, self._tree_what, n_features, caller
        )

    @Substitution(**FRAGMENTS)
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, *, sample_domain=None):
        """Fit or take the source tree, then adapt it to the labelled target rows.

        %(source_model_fit)s
        """
        regression = self._regression
        X, w, target, yt, rng = _start_fit(
            self, X, y, sample_weight, sample_domain, dtype=np.float32
        )
        source = self.source_estimator_
        n_classes = None if regression else self.n_classes_
        src = from_sklearn(source.tree_, n_classes=n_classes)
        self.alpha_ = None
        if not self.n_target_samples_:  # one domain only: the source tree itself
            self.tree_ = src
            return self
        Y, labels = _target_arrays(yt, n_classes, regression)
        seeds = rng.randint(_MAX_SEED, size=target.size)
        grow = _grow(
            source, self.max_depth, self.min_samples_leaf, seeds, not regression
        )
        self.tree_, self.alpha_ = adapt_tree(
            src,
            X[target],
            Y,
            labels,
            w[target],
            method=self.method,
            alpha=self.alpha,
            regression=regression,
            criterion=_tree_criterion(source),
            grow=grow,
            folds=_alpha_folds(self.alpha, self.method, target.size, rng),
        )
        return self

    def _validate_X_predict(self, X):
        check_is_fitted(self, "tree_")
        return validate_data(self, X, dtype=np.float32, reset=False)

    def _leaf_value(self, X):
        X = self._validate_X_predict(X)
        return self.tree_.value[self.tree_.apply(X), 0, :]

    def apply(self, X):
        """Index of the leaf each row ends up in.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to route.

        Returns
        -------
        X_leaves : ndarray of shape (n_samples,)
            Leaf index (a node id of ``tree_``) of each row.
        """
        return self.tree_.apply(self._validate_X_predict(X))

    def decision_path(self, X):
        """Nodes each row passes through.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to route.

        Returns
        -------
        indicator : sparse matrix of shape (n_samples, n_nodes)
            CSR indicator: entry ``(i, j)`` is 1 when row ``i`` visits node ``j``.
        """
        return self.tree_.decision_path(self._validate_X_predict(X))

    def get_depth(self):
        """Depth of the adapted tree (the longest root-to-leaf path).

        Returns
        -------
        depth : int
            The depth.
        """
        check_is_fitted(self, "tree_")
        return self.tree_.max_depth

    def get_n_leaves(self):
        """Number of leaves of the adapted tree.

        Returns
        -------
        n_leaves : int
            The number of leaves.
        """
        check_is_fitted(self, "tree_")
        return self.tree_.n_leaves

    @property
    def feature_importances_(self):
        """Impurity-decrease importances of the adapted tree on the target rows.

        Returns
        -------
        feature_importances_ : ndarray of shape (n_features,)
            Normalised total impurity decrease brought by each feature, measured
            on the rows the node statistics come from (the labelled target rows;
            the source rows when there were none). All zeros when no split
            decreases the impurity of those rows.
        """
        check_is_fitted(self, "tree_")
        return self.tree_.compute_feature_importances()


@Substitution(**FRAGMENTS)
class TransferTreeClassifier(_LeafClassifierMixin, ClassifierMixin, _BaseTransferTree):
    """Decision tree classifier adapted from a source tree to the target rows.

    The source tree (given fitted, or grown on the source rows) keeps what it
    learned about the shape of the problem, its splits; the labelled target rows
    re-estimate the rest: the leaf class frequencies (``"relabel"``), the leaves
    themselves (``"ser"``) or the thresholds (``"strut"``).
    %(source_model_contract)s

    Parameters
    ----------
    source_estimator : estimator object, default=None
        A fitted ``DecisionTreeClassifier`` (or ``ExtraTreeClassifier``) whose
        structure is transferred; it is not modified. When None, a
        ``DecisionTreeClassifier(max_depth=max_depth,
        min_samples_leaf=min_samples_leaf)`` is fitted on the labelled source
        rows.
    %(tree_parameters)s

    Attributes
    ----------
    %(source_classes_attributes)s
    %(tree_attributes)s

    See Also
    --------
    TransferTreeRegressor : The same for regression trees.
    TransferForestClassifier : The same for every tree of a random forest.
    TransferGradientBoostingClassifier : Boosting on the target from a source
        model's scores.

    Notes
    -----
    %(tree_notes)s

    References
    ----------
    %(segev_reference)s

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from skadapt import TransferTreeClassifier
    >>> rng = np.random.RandomState(0)
    >>> Xs = rng.uniform(-3, 3, size=(300, 2))
    >>> ys = (Xs[:, 0] > 0).astype(int)
    >>> Xt = rng.uniform(-3, 3, size=(40, 2))
    >>> yt = (Xt[:, 0] > 1).astype(int)  # the boundary moved
    >>> source = DecisionTreeClassifier(max_depth=1).fit(Xs, ys)
    >>> model = TransferTreeClassifier(source_estimator=source, method="strut")
    >>> model.fit(Xt, yt).tree_.threshold[0].round(1)
    np.float64(1.0)
    >>> model.predict([[0.5, 0.0], [2.0, 0.0]])
    array([0, 1])
    """

    _regression = False
    _tree_kind = DecisionTreeClassifier
    _tree_what = "DecisionTreeClassifier"


@Substitution(**FRAGMENTS)
class TransferTreeRegressor(_LeafRegressorMixin, RegressorMixin, _BaseTransferTree):
    """Decision tree regressor adapted from a source tree to the target rows.

    The source tree (given fitted, or grown on the source rows) keeps its
    splits; the labelled target rows re-estimate the leaf means
    (``"relabel"``), the leaves themselves (``"ser"``) or the thresholds
    (``"strut"``).
    %(source_model_contract)s

    Parameters
    ----------
    source_estimator : estimator object, default=None
        A fitted ``DecisionTreeRegressor`` (or ``ExtraTreeRegressor``) whose
        structure is transferred; it is not modified. When None, a
        ``DecisionTreeRegressor(max_depth=max_depth,
        min_samples_leaf=min_samples_leaf)`` is fitted on the labelled source
        rows.
    %(tree_parameters)s

    Attributes
    ----------
    %(tree_attributes)s

    See Also
    --------
    TransferTreeClassifier : The same for classification trees.
    TransferForestRegressor : The same for every tree of a random forest.
    TransferGradientBoostingRegressor : Boosting on the target from a source
        model's predictions.

    Notes
    -----
    %(tree_notes)s

    References
    ----------
    %(segev_reference)s

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt import TransferTreeRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(0, 4, size=(230, 1))
    >>> y = np.floor(X[:, 0])  # a staircase
    >>> y[200:] += 10.0  # the target's staircase is higher
    >>> y[215:] = np.nan  # the last 15 target values are unknown
    >>> sample_domain = np.r_[np.ones(200, int), -np.ones(30, int)]
    >>> model = TransferTreeRegressor(max_depth=2, alpha=0)
    >>> model.fit(X, y, sample_domain=sample_domain).predict([[0.5], [3.5]])
    array([10., 13.])
    """

    _regression = True
    _tree_kind = DecisionTreeRegressor
    _tree_what = "DecisionTreeRegressor"
