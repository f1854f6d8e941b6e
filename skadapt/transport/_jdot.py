"""Joint distribution optimal transport (Courty et al., NeurIPS 2017)."""

from numbers import Real

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    RegressorMixin,
    clone,
)
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.utils.validation import has_fit_parameter

from .._base import DomainMixin
from .._core._ot import onehot
from ..utils._docstrings import FRAGMENTS, Substitution
from ..utils._sklearn import HasMethods, Interval, _fit_context
from ._base import (
    EPSILON,
    PLAN_CONSTRAINTS,
    TargetClassifierMixin,
    TargetModelMixin,
    barycentric,
    encode,
    feature_cost,
    plan_marginals,
    row_keys,
    transport_plan,
)

__all__ = ["JDOTClassifier", "JDOTRegressor"]

# Smallest probability entering the log-loss cost: caps a row's cost at
# -log(1e-12) = 27.6 nats instead of infinity when the model is certain and wrong.
_PROBA_FLOOR = 1e-12
# Expanded (target row, class) pairs lighter than this fraction of the heaviest
# are dropped from the classifier's weighted fit (they change no prediction).
_WEIGHT_FLOOR = 1e-8


class _BaseJDOT(TargetModelMixin, MetaEstimatorMixin, DomainMixin, BaseEstimator):
    _regression = False

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"]), None],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="left")],
        **PLAN_CONSTRAINTS,
    }

    def __init__(
        self,
        estimator=None,
        *,
        alpha=1.0,
        epsilon=EPSILON,
        metric="sqeuclidean",
        max_iter=10,
        tol=1e-4,
        batch_size="auto",
        random_state=None,
    ):
        self.estimator = estimator
        self.alpha = alpha
        self.epsilon = epsilon
        self.metric = metric
        self.max_iter = max_iter
        self.tol = tol
        self.batch_size = batch_size
        self.random_state = random_state

    def _default(self):
        if self.estimator is not None:
            return self.estimator
        return Ridge() if self._regression else LogisticRegression()

    @_fit_context(prefer_skip_nested_validation=False)
    @Substitution(**FRAGMENTS)
    def fit(self, X, y, *, sample_domain=None):
        """Alternate transport plans and estimator fits on the target rows.

        %(ot_labelled_fit)s
        """
        name = type(self).__name__
        base = self._default()
        if not has_fit_parameter(base, "sample_weight"):
            raise TypeError(
                f"{name} needs an estimator whose fit accepts sample_weight (the "
                f"transported labels are weighted); {type(base).__name__}.fit "
                "does not."
            )
        X, y, sd, known = self._check_fit_input(
            X, y, sample_domain, purpose="learn from"
        )
        reg = self._regression
        if reg:
            y_num = np.where(known, y, 0.0).astype(np.float64)
        source, target = sd > 0, sd < 0
        self.objective_ = np.empty(0)
        self.n_iter_ = 0
        if not source.any() or not target.any():
            self._fit_labelled(X, y, known)
            return self

        Xs = np.asarray(X[source], dtype=np.float64)
        Xt = np.asarray(X[target], dtype=np.float64)
        n_s, n_t = Xs.shape[0], Xt.shape[0]
        known_t = known[target]
        if reg:
            ys = y_num[source]
            yl = y_num[target][known_t]
            label_scale = float(np.var(ys)) or 1.0
            self.label_scale_ = label_scale
        else:
            ys = np.searchsorted(self.classes_, y[source])
            yl = np.searchsorted(self.classes_, y[target][known_t])
            label_scale = 1.0
        feature, self.cost_scale_ = feature_cost(Xs, Xt, self.metric, weight=self.alpha)
        Xl = Xt[known_t]

        model = clone(base).fit(Xs, y_num[source] if reg else y[source])
        source_keys = row_keys(Xs, encode(ys)[1])
        target_keys = row_keys(Xt)
        history = []
        P = None
        for it in range(1, self.max_iter + 1):
            loss_t = self._target_loss(model, Xt)

            def cost(s, t, loss_t=loss_t):
                C = feature(s, t)
                C += self._label_cost(ys[s], loss_t, t) / label_scale
                return C

            P = transport_plan(
                cost,
                n_s,
                n_t,
                epsilon=float(self.epsilon),
                batch_size=self.batch_size,
                random_state=self.random_state,
                max_iter=1000,
                tol=1e-5,
                source_keys=source_keys,
                target_keys=target_keys,
                what=f"{name}'s transport plan",
            )
            history.append(self._transport_cost(P, cost, n_s, n_t))
            model = self._refit(base, P, Xt, ys, Xl, yl)
            self.n_iter_ = it
            if it > 1 and history[-2] - history[-1] <= self.tol * abs(history[-2]):
                break
        self.objective_ = np.asarray(history)
        self.coupling_ = P
        self.estimator_ = model
        return self

    @staticmethod
    def _transport_cost(P, cost, n_s, n_t):
        """``sum_ij P_ij C_ij`` over the plan's non-zero entries (any plan type)."""
        if isinstance(P, np.ndarray):
            return float(np.sum(P * cost(np.arange(n_s), np.arange(n_t))))
        coo = P.tocoo()
        total = 0.0
        for rows in np.array_split(np.unique(coo.row), max(1, coo.nnz // 10**6)):
            sel = np.isin(coo.row, rows)
            r, c, v = coo.row[sel], coo.col[sel], coo.data[sel]
            cols = np.unique(c)
            C = cost(rows, cols)
            total += float(v @ C[np.searchsorted(rows, r), np.searchsorted(cols, c)])
        return total


@Substitution(**FRAGMENTS)
class JDOTRegressor(RegressorMixin, _BaseJDOT):
    r"""Joint distribution optimal transport for regression.

    JDOT [1]_ learns a target regressor :math:`f` and a transport plan between
    the source rows and the target rows *in the joint feature-label space*: a
    source row :math:`(x_i, y_i)` is matched to a target row :math:`x'_j` when
    the rows are close and :math:`f(x'_j)` is close to :math:`y_i`. It alternates
    two exact minimisations of the same objective: the plan for fixed :math:`f`
    (an optimal transport problem), and :math:`f` for a fixed plan, which for the
    squared loss is a weighted fit of ``estimator`` on the target rows with the
    transported targets :math:`\hat y_j = \sum_i P_{ij} y_i / b_j`. The first
    :math:`f` is fitted on the source rows. Labelled target rows (semi-supervised,
    with an explicit ``sample_domain``) join every fit of :math:`f` with their
    own targets. All source domains are pooled.

    %(ot_baseline)s

    Parameters
    ----------
    estimator : estimator object, default=None
        Regressor whose ``fit`` accepts ``sample_weight`` and minimises a squared
        loss; None uses ``Ridge()``.
    alpha : float, default=1.0
        Weight of the feature distance in the joint cost, relative to the label
        loss (the feature cost is divided by its mean and the squared label error
        by the variance of the source targets, so ``1`` weighs them alike).
    %(jdot_parameters)s

    Attributes
    ----------
    estimator_ : estimator object
        The target regressor :math:`f`.
    %(jdot_attributes)s
    label_scale_ : float
        Variance of the source targets, the unit of the label loss.
    %(feature_attributes)s

    See Also
    --------
    JDOTClassifier : The same for class labels.
    OTLabelPropagationRegressor : One plan on the features only.

    Notes
    -----
    With :math:`\bar C` the mean feature cost and :math:`\sigma^2` the variance
    of the source targets, JDOT minimises over :math:`f` and the plans :math:`P`
    with uniform marginals

    .. math:: \sum_{ij} P_{ij} \Big( \alpha \frac{\|x_i - x'_j\|^2}{\bar C} +
              \frac{(y_i - f(x'_j))^2}{\sigma^2} \Big)

    (plus the entropic term when ``epsilon > 0``). For a fixed plan,
    :math:`\sum_{ij} P_{ij} (y_i - f(x'_j))^2 = \sum_j b_j (\hat y_j -
    f(x'_j))^2 + \mathrm{const}`, so the estimator's weighted fit is the exact
    minimisation over :math:`f` when ``estimator`` minimises the squared loss;
    each alternation then decreases the objective.

    References
    ----------
    %(jdot_reference)s

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt.transport import JDOTRegressor
    >>> rng = np.random.RandomState(0)
    >>> Xs = rng.uniform(-1, 1, size=(100, 1))
    >>> Xt = rng.uniform(-1, 1, size=(100, 1)) + 2.0  # shifted target
    >>> X = np.r_[Xs, Xt]
    >>> y = np.r_[3.0 * Xs[:, 0], np.full(100, np.nan)]
    >>> jdot = JDOTRegressor().fit(X, y)
    >>> jdot.n_iter_ > 0
    True
    """

    _regression = True

    @staticmethod
    def _target_loss(model, Xt):
        return model.predict(Xt)

    @staticmethod
    def _label_cost(ys_block, pred_t, t):
        diff = ys_block[:, None] - pred_t[t][None, :]
        return diff * diff

    def _refit(self, base, P, Xt, ys, Xl, yl):
        yhat = barycentric(P, ys, onto="target")
        w = plan_marginals(P)[1] * Xt.shape[0]
        X_fit, y_fit = np.r_[Xt, Xl], np.r_[yhat, yl]
        w_fit = np.r_[w, np.ones(yl.shape[0])]
        return clone(base).fit(X_fit, y_fit, sample_weight=w_fit)


@Substitution(**FRAGMENTS)
class JDOTClassifier(ClassifierMixin, TargetClassifierMixin, _BaseJDOT):
    r"""Joint distribution optimal transport for classification.

    JDOT [1]_ learns a target classifier :math:`f` and a transport plan between
    the source rows and the target rows *in the joint feature-label space*: a
    source row :math:`(x_i, y_i)` is matched to a target row :math:`x'_j` when
    the rows are close and :math:`f` gives :math:`x'_j` a high probability of
    class :math:`y_i`. It alternates the plan for fixed :math:`f` (an optimal
    transport problem whose cost adds the log-loss of :math:`f` to the feature
    distance) and :math:`f` for a fixed plan: a fit of ``estimator`` on the
    target rows, each repeated once per class with the mass of that class it
    receives as ``sample_weight``, which minimises exactly the plan-weighted
    log-loss. The first :math:`f` is fitted on the source rows. Labelled target
    rows (with an explicit ``sample_domain``) join every fit of :math:`f` with
    their own labels. All source domains are pooled.

    An estimator without ``predict_proba`` gets the 0-1 loss
    :math:`[y_i \ne f(x'_j)]` in the cost instead of the log-loss.

    %(ot_baseline)s

    Parameters
    ----------
    estimator : estimator object, default=None
        Classifier whose ``fit`` accepts ``sample_weight`` (ideally minimising the
        log-loss, with ``predict_proba``); None uses ``LogisticRegression()``.
    alpha : float, default=1.0
        Weight of the feature distance in the joint cost, relative to the
        log-loss in nats (the feature cost is divided by its mean).
    %(jdot_parameters)s

    Attributes
    ----------
    estimator_ : estimator object
        The target classifier :math:`f`.
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    %(jdot_attributes)s
    %(feature_attributes)s

    See Also
    --------
    JDOTRegressor : The same for regression targets.
    OTLabelPropagationClassifier : One plan on the features only.

    Notes
    -----
    With :math:`\bar C` the mean feature cost and :math:`p_f(c \mid x)` the
    classifier's probabilities, JDOT minimises over :math:`f` and the plans
    :math:`P` with uniform marginals

    .. math:: \sum_{ij} P_{ij} \Big( \alpha \frac{\|x_i - x'_j\|^2}{\bar C}
              - \log p_f(y_i \mid x'_j) \Big)

    (plus the entropic term when ``epsilon > 0``). For a fixed plan the second
    term is :math:`-\sum_j \sum_c W_{jc} \log p_f(c \mid x'_j)` with
    :math:`W_{jc} = \sum_{i: y_i = c} P_{ij}`: the log-loss of the target rows
    repeated per class with weights :math:`W`, which ``estimator`` minimises.

    References
    ----------
    %(jdot_reference)s

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt.transport import JDOTClassifier
    >>> rng = np.random.RandomState(0)
    >>> ys = np.repeat([0, 1], 50)
    >>> Xs = rng.normal(size=(100, 2)) + 3 * ys[:, None]
    >>> Xt = rng.normal(size=(100, 2)) + 3 * ys[:, None] + [2.0, 0.0]
    >>> X, y = np.r_[Xs, Xt], np.r_[ys, -np.ones(100, int)]
    >>> jdot = JDOTClassifier().fit(X, y)
    >>> float(np.mean(jdot.predict(Xt) == ys)) > 0.9
    True
    """

    def _target_loss(self, model, Xt):
        if hasattr(model, "predict_proba"):
            proba = np.zeros((Xt.shape[0], self.classes_.size))
            cols = np.searchsorted(self.classes_, model.classes_)
            proba[:, cols] = model.predict_proba(Xt)
            return -np.log(np.maximum(proba, _PROBA_FLOOR))
        pred = np.searchsorted(self.classes_, model.predict(Xt))
        return 1.0 - onehot(pred, self.classes_.size)

    @staticmethod
    def _label_cost(ys_block, loss_t, t):
        return loss_t[t][:, ys_block].T

    def _refit(self, base, P, Xt, ys, Xl, yl):
        K = self.classes_.size
        W = np.asarray(P.T @ onehot(ys, K)) * Xt.shape[0]
        keep = W > _WEIGHT_FLOOR * W.max()
        rows, cls = np.nonzero(keep)
        X_fit = np.r_[Xt[rows], Xl]
        y_fit = self.classes_[np.r_[cls, yl]]
        w_fit = np.r_[W[rows, cls], np.ones(yl.shape[0])]
        return clone(base).fit(X_fit, y_fit, sample_weight=w_fit)
