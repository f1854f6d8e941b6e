"""Boosting for transfer with labelled target rows.

TrAdaBoost (Dai et al., 2007), TrAdaBoost.R2 and two-stage TrAdaBoost.R2 (Pardoe &
Stone, 2010).
"""

import warnings
from numbers import Integral

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    check_is_fitted,
    column_or_1d,
    has_fit_parameter,
    validate_data,
)

from .._base import (
    SAMPLE_DOMAIN_HOW,
    DomainMixin,
    _check_domains,
    _check_not_one_class,
    domains_and_labels,
)
from ..exceptions import DegenerateFitWarning, SingleDomainWarning
from ..utils._docstrings import FRAGMENTS, Substitution
from ..utils._sklearn import HasMethods, Interval, _fit_context

__all__ = ["TrAdaBoost", "TrAdaBoostR2", "TwoStageTrAdaBoostR2"]

_ERR_FLOOR = 1e-10


def _set_seed(est, rng):
    if "random_state" in est.get_params():
        est.set_params(random_state=rng.randint(np.iinfo(np.int32).max))
    return est


def weighted_median(preds, weights):
    """Row-wise weighted median of ``preds`` (n_rows, n_models)."""
    order = np.argsort(preds, axis=1)
    sorted_preds = np.take_along_axis(preds, order, axis=1)
    cum = np.cumsum(weights[order], axis=1)
    idx = np.argmax(cum >= 0.5 * cum[:, -1:], axis=1)
    return sorted_preds[np.arange(preds.shape[0]), idx]


def _adjusted_errors(pred, y):
    e = np.abs(pred - y)
    top = e.max()
    return e / top if top > 0 else e


def _miss(est, X, y):
    """0/1 loss of a weak classifier."""
    return (est.predict(X) != y).astype(np.float64)


def _adjusted_loss(est, X, y):
    """AdaBoost.R2's adjusted absolute errors in ``[0, 1]``."""
    return _adjusted_errors(est.predict(X), y)


def _fit_weighted(base, X, y, w, rng):
    est = _set_seed(clone(base), rng)
    return est.fit(X, y, sample_weight=w * (w.shape[0] / w.sum()))


def _tradaboost(base, X, y, target, n_estimators, rng, loss, caller):
    """The TrAdaBoost loop of Dai et al., shared by TrAdaBoost and TrAdaBoost.R2.

    Each round fits the weak learner on the weighted rows, measures its loss in
    ``[0, 1]`` on every row (0/1 for classification, AdaBoost.R2's adjusted error
    for regression) and its weighted error ``eps_t`` on the labelled target rows;
    source rows lose weight by ``beta ** loss``, target rows gain it by
    ``beta_t ** -loss`` with ``beta_t = eps_t / (1 - eps_t)``. As in the paper the
    loop needs ``0 < eps_t < 1/2``: a round with no target error stops it (that
    learner alone is the model: every later round would weigh it infinitely), and
    a round with ``eps_t >= 1/2`` stops it and is dropped (unless it is the first).
    Both warn. Returns the learners and weights used for prediction (the second
    half of the rounds run), the per-round errors and the reason boosting stopped
    (None when every round ran).
    """
    n = y.shape[0]
    ns = int(np.count_nonzero(~target))
    beta = 1.0 / (1.0 + np.sqrt(2.0 * np.log(max(ns, 2)) / n_estimators))
    w = np.ones(n)
    learners, alphas, errors, stop = [], [], [], None
    for t in range(n_estimators):
        est = _fit_weighted(base, X, y, w, rng)
        e = loss(est, X, y)
        err = float(w[target] @ e[target] / w[target].sum())
        errors.append(err)
        if err <= _ERR_FLOOR:
            stop = "zero_target_error"
            learners, alphas = [est], [1.0]
            warnings.warn(
                f"{caller}: at round {t + 1} the weak learner made no error on the "
                "labelled target rows, so boosting stops there (every later round "
                "would give it an infinite weight) and that learner alone is the "
                "model. If this is unexpected, use a weaker base estimator (e.g. a "
                "shallower tree) or more labelled target rows.",
                DegenerateFitWarning,
                stacklevel=4,
            )
            return learners, np.asarray(alphas), np.asarray(errors), stop
        if err >= 0.5:
            stop = "target_error_above_half"
            warnings.warn(
                f"{caller}: at round {t + 1} the weighted error on the labelled "
                f"target rows is {err:.3f} >= 0.5, so boosting stops (TrAdaBoost "
                "needs a weak learner better than chance on the target). Use a "
                "stronger base estimator, or check that the target labels match "
                "the source's.",
                DegenerateFitWarning,
                stacklevel=4,
            )
            if learners:
                break
            err = 0.499  # the first learner is kept, with the largest valid weight
        beta_t = err / (1.0 - err)
        w[~target] *= beta ** e[~target]
        w[target] *= beta_t ** (-e[target])
        w *= n / w.sum()
        learners.append(est)
        alphas.append(np.log(1.0 / beta_t))
        if stop is not None:
            break
    half = len(learners) // 2
    return learners[half:], np.asarray(alphas[half:]), np.asarray(errors), stop


def _prepare(est, X, y, sample_domain, regression):
    """Validate, and split the labelled rows into source and target."""
    name = type(est).__name__
    X = validate_data(est, X, dtype=[np.float64, np.float32])
    if y is None:
        raise ValueError(f"{name} requires y to be passed, but the target y is None.")
    y = column_or_1d(y, warn=True)
    if y.shape[0] != X.shape[0]:
        raise ValueError(
            f"{name} needs a one-dimensional y with one label per row of X."
        )
    sd, mask = domains_and_labels(sample_domain, y, X.shape[0], regression=regression)
    if sample_domain is not None:
        _check_domains(sd, need_source=True, need_target=True, caller=name)
    target = sd < 0
    if sample_domain is not None and not np.any(mask & target):
        raise ValueError(
            f"{name} needs labelled target rows (sample_domain <= -1 with a known "
            "label); every target label is masked."
        )
    if not mask.any():
        raise ValueError(f"{name}: every label in y is masked; nothing to fit on.")
    if sample_domain is None and not mask.all():
        warnings.warn(
            f"{name} learns from labelled target rows, which look like source rows "
            "unless sample_domain says otherwise; without it the masked rows are "
            "ignored and the base estimator is fitted on the labelled rows. To "
            f"give labelled target rows, {SAMPLE_DOMAIN_HOW}.",
            SingleDomainWarning,
            stacklevel=3,
        )
    Xl, yl, tl = X[mask], y[mask], target[mask]
    if regression:
        yl = yl.astype(np.float64)
        if not np.all(np.isfinite(yl)):
            raise ValueError(f"{name}: y contains infinity.")
    else:
        check_classification_targets(yl)
        _check_not_one_class(yl, mask, name)
    return Xl, yl, tl


def _start(est, X, y, sample_domain, *, regression):
    """The start of every TrAdaBoost fit.

    Validates the rows and the base estimator and draws the random state. When
    the labelled rows hold one domain only, there is nothing to boost: the base
    estimator is fitted on them alone (``estimators_``, ``estimator_weights_``)
    and ``done`` is True. Returns ``(base, X_labelled, y_labelled,
    is_target, rng, done)``.
    """
    base = est._base()
    _check_weightable(base, type(est).__name__)
    Xl, yl, tl = _prepare(est, X, y, sample_domain, regression)
    if not regression:
        est.classes_ = np.unique(yl)
    rng = check_random_state(est.random_state)
    done = not tl.any() or tl.all()
    if done:
        est.estimators_ = [_set_seed(clone(base), rng).fit(Xl, yl)]
        est.estimator_weights_ = np.ones(1)
    return base, Xl, yl, tl, rng, done


_CLASSIFIER_LABELS = "Labels, ``-1`` where unknown (such rows are ignored)."
_REGRESSOR_LABELS = "Targets, ``NaN`` where unknown (such rows are ignored)."


def _fit_doc(labels, fitted):
    """The Parameters and Returns of a TrAdaBoost ``fit`` (eight spaces)."""
    return f"""Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Source and target rows.
        y : array-like of shape (n_samples,)
            {labels}
        sample_domain : array-like of shape (n_samples,), default=None
            Domain id of each row (``>= 1`` source, ``<= -1`` target). Needed for
            labelled target rows.

        Returns
        -------
        self : object
            The fitted {fitted}."""


# What the three TrAdaBoost docstrings share (four spaces: a class docstring).
_TRADABOOST_FRAGMENTS = dict(FRAGMENTS)
_TRADABOOST_FRAGMENTS["tradaboost_domains"] = """Labelled target rows are given \
through ``sample_domain`` (ids ``<= -1`` with a
    known label). When only one domain is present it fits the base estimator on
    the labelled rows."""
_TRADABOOST_FRAGMENTS["tradaboost_regressor_estimator"] = """estimator : regressor, \
default=None
        Weak learner; its ``fit`` must accept ``sample_weight``. ``None`` uses
        ``DecisionTreeRegressor(max_depth=3)``."""
_TRADABOOST_FRAGMENTS["tradaboost_rounds"] = """n_estimators : int, default=20
        Number of boosting iterations.
    random_state : int, RandomState instance or None, default=None
        Seeds the weak learners that take a ``random_state``."""
# the two papers they cite (the text after the ``.. [n]`` label)
_TRADABOOST_FRAGMENTS["dai_2007"] = """W. Dai, Q. Yang, G.-R. Xue and Y. Yu, "Boosting \
for Transfer
       Learning", ICML 2007."""
_TRADABOOST_FRAGMENTS["pardoe_2010"] = (
    """D. Pardoe and P. Stone, "Boosting for Regression Transfer", ICML 2010."""
)


def _check_weightable(estimator, name):
    if not has_fit_parameter(estimator, "sample_weight"):
        hint = (
            " (a Pipeline's fit takes no sample_weight argument; boost its final "
            "estimator instead)"
            if hasattr(estimator, "steps")
            else ""
        )
        raise TypeError(
            f"{name} reweights the rows it boosts, so its base estimator's fit must "
            f"accept sample_weight; {type(estimator).__name__}.fit does not{hint}. "
            "Use an estimator that honours sample_weight, e.g. "
            "DecisionTreeClassifier / DecisionTreeRegressor, LogisticRegression or "
            "Ridge."
        )


@Substitution(**_TRADABOOST_FRAGMENTS)
class TrAdaBoost(ClassifierMixin, DomainMixin, BaseEstimator):
    r"""TrAdaBoost: boosting that down-weights misleading source rows.

    Trains a sequence of weak classifiers on source and labelled target rows. A
    source row the current classifier gets wrong loses weight (it is probably
    unlike the target); a target row it gets wrong gains weight, as in AdaBoost.
    The prediction is the weighted vote of the second half of the sequence.

    %(tradaboost_domains)s

    Parameters
    ----------
    estimator : classifier, default=None
        Weak learner; its ``fit`` must accept ``sample_weight``. ``None`` uses
        ``DecisionTreeClassifier(max_depth=3)``.
    %(tradaboost_rounds)s

    Attributes
    ----------
    estimators_ : list of estimator
        Weak learners used for prediction (the second half of the sequence).
    estimator_weights_ : ndarray of shape (n_used,)
        Their vote weights ``log(1 / beta_t)``.
    errors_ : ndarray of shape (n_rounds,)
        Weighted error on the labelled target rows at each round run.
    stop_reason_ : str or None
        %(tradaboost_stop)s
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    %(feature_attributes)s

    See Also
    --------
    TrAdaBoostR2 : The regression counterpart.

    Notes
    -----
    With :math:`\epsilon_t` the weighted error on target rows,
    :math:`\beta_t = \epsilon_t / (1 - \epsilon_t)` and
    :math:`\beta = 1 / (1 + \sqrt{2 \ln n_s / N})`, the update of [1]_ is
    :math:`w_i \leftarrow w_i \beta^{[h_t(x_i) \ne y_i]}` on source rows and
    :math:`w_i \leftarrow w_i \beta_t^{-[h_t(x_i) \ne y_i]}` on target rows.
    Several classes are handled by the weighted vote of the learners'
    probabilities.

    References
    ----------
    .. [1] %(dai_2007)s

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt.reweighting import TrAdaBoost
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(120, 2))
    >>> y = (X[:, 0] > 0).astype(int)
    >>> sample_domain = np.r_[np.ones(100, int), -np.ones(20, int)]
    >>> clf = TrAdaBoost(random_state=0).fit(X, y, sample_domain=sample_domain)
    >>> clf.predict([[2.0, 0.0], [-2.0, 0.0]])
    array([1, 0])
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"]), None],
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, *, estimator=None, n_estimators=20, random_state=None):
        self.estimator = estimator
        self.n_estimators = n_estimators
        self.random_state = random_state

    def _base(self):
        if self.estimator is None:
            return DecisionTreeClassifier(max_depth=3)
        return self.estimator

    @_fit_context(prefer_skip_nested_validation=False)
    @Substitution(fit_classifier=_fit_doc(_CLASSIFIER_LABELS, "classifier"))
    def fit(self, X, y, *, sample_domain=None):
        """Boost on the source and labelled target rows.

        %(fit_classifier)s
        """
        base, Xl, yl, tl, rng, done = _start(
            self, X, y, sample_domain, regression=False
        )
        if done:
            self.errors_ = np.zeros(0)
            self.stop_reason_ = None
            return self
        (
            self.estimators_,
            self.estimator_weights_,
            self.errors_,
            self.stop_reason_,
        ) = _tradaboost(base, Xl, yl, tl, self.n_estimators, rng, _miss, "TrAdaBoost")
        return self

    @Substitution(**FRAGMENTS)
    def predict_proba(self, X):
        """Weighted vote of the learners' class probabilities.

        %(classifier_predict_proba)s
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        out = np.zeros((X.shape[0], self.classes_.shape[0]))
        for est, a in zip(self.estimators_, self.estimator_weights_):
            cols = np.searchsorted(self.classes_, est.classes_)
            if hasattr(est, "predict_proba"):
                out[:, cols] += a * est.predict_proba(X)
            else:
                pred = np.searchsorted(self.classes_, est.predict(X))
                out[np.arange(X.shape[0]), pred] += a
        total = out.sum(axis=1, keepdims=True)
        return out / np.where(total > 0, total, 1.0)

    @Substitution(**FRAGMENTS)
    def predict(self, X):
        """Predict the class with the largest weighted vote.

        %(classifier_predict)s
        """
        check_is_fitted(self)
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


def _adaboost_r2_frozen(base, X, y, w, target, n_estimators, rng):
    """AdaBoost.R2' of Pardoe & Stone: only target weights change."""
    w = w.copy()
    learners, betas = [], []
    for _ in range(n_estimators):
        est = _set_seed(clone(base), rng)
        est.fit(X, y, sample_weight=w * (w.shape[0] / w.sum()))
        e = _adjusted_errors(est.predict(X), y)
        err = float(w @ e / w.sum())
        if err >= 0.5 and learners:
            break
        learners.append(est)
        err = min(max(err, _ERR_FLOOR), 0.499)
        beta_k = err / (1.0 - err)
        betas.append(beta_k)
        if not target.any():
            break
        mass = w[target].sum()
        w[target] *= beta_k ** (1.0 - e[target])
        w[target] *= mass / w[target].sum()
        if err <= _ERR_FLOOR:
            break
    return learners, np.log(1.0 / np.asarray(betas))


def _median_predict(learners, weights, X):
    preds = np.column_stack([est.predict(X) for est in learners])
    return weighted_median(preds, weights)


class _BaseTrAdaBoostR2(RegressorMixin, DomainMixin, BaseEstimator):
    def _base(self):
        if self.estimator is None:
            return DecisionTreeRegressor(max_depth=3)
        return self.estimator

    @Substitution(**FRAGMENTS)
    def predict(self, X):
        """Weighted median of the learners' predictions.

        %(regressor_predict)s
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        return _median_predict(self.estimators_, self.estimator_weights_, X)


@Substitution(**_TRADABOOST_FRAGMENTS)
class TrAdaBoostR2(_BaseTrAdaBoostR2):
    r"""TrAdaBoost.R2: TrAdaBoost for regression with AdaBoost.R2's adjusted errors.

    Each weak regressor's absolute errors, divided by the largest, are the
    adjusted errors ``e_i`` in ``[0, 1]``; source rows lose weight by
    ``beta ** e_i`` and labelled target rows gain it by ``beta_t ** -e_i``. The
    prediction is the weighted median of the second half of the sequence.

    %(tradaboost_domains)s

    Parameters
    ----------
    %(tradaboost_regressor_estimator)s
    %(tradaboost_rounds)s

    Attributes
    ----------
    estimators_ : list of estimator
        Weak learners used for prediction.
    estimator_weights_ : ndarray of shape (n_used,)
        Their weights ``log(1 / beta_t)`` in the weighted median.
    errors_ : ndarray of shape (n_rounds,)
        Weighted adjusted error on the labelled target rows at each round run.
    stop_reason_ : str or None
        %(tradaboost_stop)s
    %(feature_attributes)s

    See Also
    --------
    TwoStageTrAdaBoostR2 : The more conservative two-stage variant.

    Notes
    -----
    Pardoe and Stone [1]_ combine TrAdaBoost [2]_ with AdaBoost.R2:
    :math:`e_i = |h_t(x_i) - y_i| / \max_j |h_t(x_j) - y_j|`,
    :math:`w_i \leftarrow w_i \beta^{e_i}` (source) and
    :math:`w_i \leftarrow w_i \beta_t^{-e_i}` (target).

    References
    ----------
    .. [1] %(pardoe_2010)s
    .. [2] %(dai_2007)s

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt.reweighting import TrAdaBoostR2
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(-2, 2, size=(120, 1))
    >>> y = X[:, 0] ** 2
    >>> sample_domain = np.r_[np.ones(100, int), -np.ones(20, int)]
    >>> reg = TrAdaBoostR2(random_state=0).fit(X, y, sample_domain=sample_domain)
    >>> bool(abs(reg.predict([[1.5]])[0] - 2.25) < 0.5)
    True
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"]), None],
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, *, estimator=None, n_estimators=20, random_state=None):
        self.estimator = estimator
        self.n_estimators = n_estimators
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=False)
    @Substitution(fit_regressor=_fit_doc(_REGRESSOR_LABELS, "regressor"))
    def fit(self, X, y, *, sample_domain=None):
        """Boost on the source and labelled target rows.

        %(fit_regressor)s
        """
        base, Xl, yl, tl, rng, done = _start(self, X, y, sample_domain, regression=True)
        if done:
            self.errors_ = np.zeros(0)
            self.stop_reason_ = None
            return self
        (
            self.estimators_,
            self.estimator_weights_,
            self.errors_,
            self.stop_reason_,
        ) = _tradaboost(
            base, Xl, yl, tl, self.n_estimators, rng, _adjusted_loss, "TrAdaBoostR2"
        )
        return self


@Substitution(**_TRADABOOST_FRAGMENTS)
class TwoStageTrAdaBoostR2(_BaseTrAdaBoostR2):
    r"""Two-stage TrAdaBoost.R2 (Pardoe & Stone, 2010).

    Stage 1 lowers the weight of source rows step by step (by the factor
    ``beta_s ** e_i``, with ``beta_s`` found by bisection so that the target rows
    hold a share of the total weight that grows linearly from ``n_t / n`` to 1),
    without ever changing the target rows' weights. At each step a stage-2 model
    (AdaBoost.R2 with source weights frozen) is scored by cross-validation on the
    labelled target rows; the best one is kept. Being able to stop before all
    source weight is gone makes it far less prone to negative transfer than
    TrAdaBoost.R2.

    %(tradaboost_domains)s

    Parameters
    ----------
    %(tradaboost_regressor_estimator)s
    n_steps : int, default=10
        Number of stage-1 steps ``S``.
    n_estimators : int, default=10
        Boosting iterations of each stage-2 model.
    cv : int, default=5
        Folds of the cross-validation over the labelled target rows.
    n_jobs : int or None, default=None
        Number of cross-validation folds fitted in parallel at each step
        (joblib). Boosting itself is sequential. The result does not depend on
        ``n_jobs``: each fold's learners are seeded before the folds are
        dispatched.
    random_state : int, RandomState instance or None, default=None
        Seeds the folds and the weak learners.

    Attributes
    ----------
    estimators_ : list of estimator
        Weak learners of the selected stage-2 model.
    estimator_weights_ : ndarray of shape (n_used,)
        Their weights in the weighted median.
    cv_errors_ : ndarray of shape (n_steps,)
        Cross-validated mean squared error on target rows at each step.
    best_step_ : int
        Step whose model was kept.
    %(feature_attributes)s

    See Also
    --------
    TrAdaBoostR2 : The one-stage algorithm.

    Notes
    -----
    At step :math:`s` of :math:`S` the source weights become
    :math:`w_i \beta_s^{e_i}`, where :math:`\beta_s` makes the total target weight
    :math:`\frac{m}{n} + \frac{s}{S-1}\left(1 - \frac{m}{n}\right)` after
    normalisation (:math:`m` target and :math:`n` labelled rows) [1]_.

    References
    ----------
    .. [1] %(pardoe_2010)s

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt.reweighting import TwoStageTrAdaBoostR2
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(-2, 2, size=(120, 1))
    >>> y = X[:, 0] ** 2
    >>> sample_domain = np.r_[np.ones(100, int), -np.ones(20, int)]
    >>> reg = TwoStageTrAdaBoostR2(n_steps=4, random_state=0)
    >>> reg = reg.fit(X, y, sample_domain=sample_domain)
    >>> reg.cv_errors_.shape
    (4,)
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"]), None],
        "n_steps": [Interval(Integral, 2, None, closed="left")],
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "cv": [Interval(Integral, 2, None, closed="left")],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        *,
        estimator=None,
        n_steps=10,
        n_estimators=10,
        cv=5,
        n_jobs=None,
        random_state=None,
    ):
        self.estimator = estimator
        self.n_steps = n_steps
        self.n_estimators = n_estimators
        self.cv = cv
        self.n_jobs = n_jobs
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=False)
    @Substitution(fit_regressor=_fit_doc(_REGRESSOR_LABELS, "regressor"))
    def fit(self, X, y, *, sample_domain=None):
        """Run both stages on the source and labelled target rows.

        %(fit_regressor)s
        """
        base, Xl, yl, tl, rng, done = _start(self, X, y, sample_domain, regression=True)
        if done:
            self.cv_errors_ = np.zeros(0)
            self.best_step_ = 0
            return self
        n, m = yl.shape[0], int(np.count_nonzero(tl))
        t_idx = np.flatnonzero(tl)
        n_folds = min(self.cv, m)
        folds = np.full(n, -1)
        folds[t_idx] = rng.permutation(m) % n_folds
        w = np.full(n, 1.0 / n)
        S = self.n_steps
        errors, weights = [], []
        parallel = Parallel(n_jobs=self.n_jobs)
        for s in range(S):
            # score the stage-2 model these weights give, on held-out target rows
            seeds = rng.randint(np.iinfo(np.int32).max, size=max(n_folds, 1))
            sq = parallel(
                delayed(_fold_squared_error)(
                    base, Xl, yl, w, tl, folds, k, self.n_estimators, seeds[k]
                )
                for k in range(n_folds if n_folds >= 2 else 0)
            )
            errors.append(float(np.sum(sq)) / m)
            weights.append(w.copy())
            if s == S - 1:
                break
            est = _set_seed(clone(base), rng)
            est.fit(Xl, yl, sample_weight=w * (n / w.sum()))
            e = _adjusted_errors(est.predict(Xl), yl)
            share = m / n + (s + 1) / (S - 1) * (1.0 - m / n)
            w = _stage1_update(w, e, tl, share)
        self.cv_errors_ = np.asarray(errors)
        self.best_step_ = int(np.argmin(self.cv_errors_))
        self.estimators_, self.estimator_weights_ = _adaboost_r2_frozen(
            base, Xl, yl, weights[self.best_step_], tl, self.n_estimators, rng
        )
        return self


def _fold_squared_error(base, X, y, w, target, folds, k, n_estimators, seed):
    """Squared error on fold ``k`` of the stage-2 model fitted on the others."""
    train, held = folds != k, folds == k
    learners, a = _adaboost_r2_frozen(
        base,
        X[train],
        y[train],
        w[train],
        target[train],
        n_estimators,
        check_random_state(seed),
    )
    return float(np.sum((_median_predict(learners, a, X[held]) - y[held]) ** 2))


def _stage1_update(w, e, target, share, n_bisect=60):
    """Multiply source weights by ``beta ** e`` and normalise.

    ``beta`` is found by bisection so that the target rows hold ``share`` of the
    total weight.
    """
    wt = w[target].sum()
    ws, es = w[~target], e[~target]
    if share >= 1.0 or ws.sum() == 0:
        out = w.copy()
        out[~target] = 0.0
        return out / out.sum()
    lo, hi = 0.0, 1.0
    for _ in range(n_bisect):
        beta = 0.5 * (lo + hi)
        frac = wt / (wt + float(ws @ beta**es))
        if frac > share:
            lo = beta
        else:
            hi = beta
    out = w.copy()
    out[~target] = ws * (0.5 * (lo + hi)) ** es
    return out / out.sum()
