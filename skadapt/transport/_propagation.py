"""OT label propagation and JCPOT (Redko et al., AISTATS 2019)."""

from numbers import Real

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    RegressorMixin,
    clone,
)
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

from .._base import DomainMixin
from .._core import domain_rows
from .._core._ot import cost_mean, dense_plan_guard, jcpot, onehot, uniform
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
    row_keys,
    transport_plan,
)

__all__ = ["JCPOT", "OTLabelPropagationClassifier", "OTLabelPropagationRegressor"]


class _BasePropagation(
    TargetModelMixin, MetaEstimatorMixin, DomainMixin, BaseEstimator
):
    """Label the target rows from the source labels, then fit an estimator on them."""

    _regression = False

    def _default(self):
        if self.estimator is not None:
            return self.estimator
        if self._regression:
            return KNeighborsRegressor(n_neighbors=1)
        return KNeighborsClassifier(n_neighbors=1)

    @_fit_context(prefer_skip_nested_validation=False)
    @Substitution(**FRAGMENTS)
    def fit(self, X, y, *, sample_domain=None):
        """Transport the source labels onto the target rows, then fit the estimator.

        %(ot_labelled_fit)s
        """
        X, y, sd, known = self._check_fit_input(
            X, y, sample_domain, purpose="propagate"
        )
        source, target = sd > 0, sd < 0
        if not source.any() or not target.any():
            # one domain only: the estimator on the labelled rows (the baseline)
            self.transduction_ = None
            self._fit_labelled(X, y, known)
            self._fit_baseline(y, sd, known)
            return self
        labels_t = self._propagate(X, y, sd, known)
        # labelled target rows keep their own label
        known_t = known[target]
        labels_t[known_t] = self._encode_labels(y[target][known_t])
        if self._regression:
            self.transduction_ = labels_t
        else:
            self.label_distributions_ = labels_t
            self.transduction_ = self.classes_[np.argmax(labels_t, axis=1)]
        self.estimator_ = clone(self._default()).fit(X[target], self.transduction_)
        return self

    def _fit_baseline(self, y, sd, known):
        """Attributes of a fit that saw one domain only."""
        self.n_iter_ = 0

    def _encode_labels(self, labels):
        """Labels as the plan carries them: values, or one-hot rows over classes_."""
        if self._regression:
            return np.asarray(labels, dtype=np.float64)
        idx = np.searchsorted(self.classes_, labels)
        return onehot(idx, self.classes_.size)


class _ClassifierPropagation(ClassifierMixin, TargetClassifierMixin, _BasePropagation):
    pass


class _OTPropagation:
    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"]), None],
        "epsilon": [Interval(Real, 0, None, closed="left")],
        **PLAN_CONSTRAINTS,
    }

    def __init__(
        self,
        estimator=None,
        *,
        epsilon=EPSILON,
        metric="sqeuclidean",
        max_iter=1000,
        tol=1e-5,
        batch_size="auto",
        random_state=None,
    ):
        self.estimator = estimator
        self.epsilon = epsilon
        self.metric = metric
        self.max_iter = max_iter
        self.tol = tol
        self.batch_size = batch_size
        self.random_state = random_state

    def _propagate(self, X, y, sd, known):
        source, target = sd > 0, sd < 0
        Xs = np.asarray(X[source], dtype=np.float64)
        Xt = np.asarray(X[target], dtype=np.float64)
        cost, self.cost_scale_ = feature_cost(Xs, Xt, self.metric)
        info = {"n_iter": 0}
        P = transport_plan(
            cost,
            Xs.shape[0],
            Xt.shape[0],
            epsilon=float(self.epsilon),
            batch_size=self.batch_size,
            random_state=self.random_state,
            max_iter=self.max_iter,
            tol=self.tol,
            source_keys=row_keys(Xs, encode(y[source])[1]),
            target_keys=row_keys(Xt),
            info=info,
            what=f"{type(self).__name__}'s transport plan",
        )
        self.n_iter_ = info["n_iter"]
        self.coupling_ = P
        return barycentric(P, self._encode_labels(y[source]), onto="target")


@Substitution(**FRAGMENTS)
class OTLabelPropagationClassifier(_OTPropagation, _ClassifierPropagation):
    r"""Label the target rows by transporting the source labels, then learn them.

    An optimal transport plan between the source and the target rows (entropic by
    default, exact with ``epsilon=0``) carries the one-hot source labels onto the
    target rows: each target row gets the class distribution of the source mass it
    receives, and its most likely class [1]_ [2]_. A clone of ``estimator`` is then
    fitted on the target rows with these labels and makes every prediction; the
    default 1-nearest-neighbour estimator predicts exactly the propagated labels
    on the fitted target rows and interpolates them for new rows. Labelled target
    rows (semi-supervised adaptation, with an explicit ``sample_domain``) keep
    their own label. All source domains are pooled.

    %(ot_baseline)s

    Parameters
    ----------
    %(ot_classifier_estimator)s
    %(ot_propagation_parameters)s

    Attributes
    ----------
    estimator_ : estimator object
        The fitted clone of ``estimator``.
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    %(ot_propagation_plan)s
    %(ot_propagated_labels)s
    %(ot_propagation_solve)s
    %(feature_attributes)s

    See Also
    --------
    OTLabelPropagationRegressor : The same for regression targets.
    JCPOT : Propagation from several sources under a change of class proportions.
    JDOTClassifier : Learns the plan and the classifier jointly.

    Notes
    -----
    With :math:`Y_s` the one-hot source labels and :math:`P` the plan (target
    masses :math:`b_j`), target row :math:`j` receives the class distribution

    .. math:: \hat y_j = \frac{1}{b_j} \sum_i P_{ij} Y_{s,i} .

    References
    ----------
    %(ot_propagation_references)s

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt.transport import OTLabelPropagationClassifier
    >>> X = np.array([[0.0], [1.0], [10.0], [11.0]])
    >>> y = np.array([0, 1, -1, -1])  # two labelled source rows, two target rows
    >>> clf = OTLabelPropagationClassifier(epsilon=0.001).fit(X, y)
    >>> clf.transduction_
    array([0, 1])
    >>> clf.predict([[10.2], [10.9]])
    array([0, 1])
    """


@Substitution(**FRAGMENTS)
class OTLabelPropagationRegressor(_OTPropagation, RegressorMixin, _BasePropagation):
    r"""Regress on the target rows with source targets carried by a transport plan.

    An optimal transport plan between the source and the target rows (entropic by
    default, exact with ``epsilon=0``) gives each target row the mean of the
    source targets whose mass it receives [1]_ [2]_. A clone of ``estimator`` is
    then fitted on the target rows with these values and makes every prediction;
    the default 1-nearest-neighbour estimator predicts exactly the propagated
    values on the fitted target rows and interpolates them for new rows. Labelled
    target rows (with an explicit ``sample_domain``) keep their own value. All
    source domains are pooled.

    %(ot_baseline)s

    Parameters
    ----------
    estimator : estimator object, default=None
        Regressor fitted on the target rows and their propagated values; None
        uses ``KNeighborsRegressor(n_neighbors=1)``.
    %(ot_propagation_parameters)s

    Attributes
    ----------
    estimator_ : estimator object
        The fitted clone of ``estimator``.
    %(ot_propagation_plan)s
    transduction_ : ndarray of shape (n_target,) or None
        Value given to each target row, in their order in ``X``; None when only
        one domain was present.
    %(ot_propagation_solve)s
    %(feature_attributes)s

    See Also
    --------
    OTLabelPropagationClassifier : The same for class labels.
    JDOTRegressor : Learns the plan and the regressor jointly.

    Notes
    -----
    With source targets :math:`y_i` and the plan :math:`P` (target masses
    :math:`b_j`), target row :math:`j` receives

    .. math:: \hat y_j = \frac{1}{b_j} \sum_i P_{ij} y_i .

    References
    ----------
    %(ot_propagation_references)s

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt.transport import OTLabelPropagationRegressor
    >>> X = np.array([[0.0], [1.0], [10.0], [11.0]])
    >>> y = np.array([5.0, 7.0, np.nan, np.nan])
    >>> reg = OTLabelPropagationRegressor(epsilon=0.001).fit(X, y)
    >>> reg.transduction_.round(3)
    array([5., 7.])
    """

    _regression = True


@Substitution(**FRAGMENTS)
class JCPOT(_ClassifierPropagation):
    r"""Joint class-proportion and optimal transport: multi-source target shift.

    When the class proportions of the target differ from those of the sources
    (target shift), a plain transport plan sends source mass to the wrong
    classes. JCPOT [1]_ estimates the target class proportions :math:`h` jointly
    with one entropic plan per source domain: each source is reweighted so that
    its classes carry the masses :math:`h`, and :math:`h` is the proportion
    vector for which all the reweighted sources transport best onto the target.
    The target rows then receive the class distribution transported from all the
    sources, and a clone of ``estimator`` is fitted on them (the default
    1-nearest-neighbour estimator predicts exactly these labels on the fitted
    target rows). Labelled target rows (with an explicit ``sample_domain``) keep
    their own label. The estimated proportions are ``priors_``.

    When only one domain is present the estimator is fitted on the labelled rows
    (the baseline) and ``priors_`` are the class frequencies of those rows.

    Parameters
    ----------
    %(ot_classifier_estimator)s
    epsilon : float, default=0.05
        Entropic regularisation, relative to the mean ground cost between the
        source and the target rows. Large values blur the plans and pull the
        proportions towards those of the sources.
    %(ot_metric)s
    max_iter : int, default=1000
        Bregman-projection iterations.
    tol : float, default=1e-7
        Stop when the L1 change of the class proportions in one iteration is below
        ``tol``.

    Attributes
    ----------
    estimator_ : estimator object
        The fitted clone of ``estimator``.
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    priors_ : ndarray of shape (n_classes,)
        Estimated class proportions of the target, on the simplex, in the order
        of ``classes_``.
    source_domains_ : ndarray of shape (n_source_domains,)
        Ids of the source domains.
    coupling_ : list of ndarray
        The plan of each source domain, of shape ``(n_source_rows, n_target)``.
    %(ot_propagated_labels)s
    n_iter_ : int
        Bregman-projection iterations run.
    %(feature_attributes)s

    See Also
    --------
    OTLabelPropagationClassifier : Propagation without proportion estimation.

    Notes
    -----
    With :math:`C_k` the cost between source :math:`k` and the target rows (over
    its mean :math:`\bar C`), :math:`b` the uniform target masses and
    :math:`D_k h` the source masses giving each row of class :math:`c` the mass
    :math:`h_c / n^{(k)}_c`, JCPOT solves

    .. math:: \min_{h \in \Delta} \sum_k \lambda_k \min_{P_k 1 = D_k h,\
              P_k^T 1 = b} \mathrm{KL}(P_k \mid e^{-C_k / \varepsilon})

    by iterative Bregman projections: every plan is projected on the target
    marginal, :math:`h` becomes the geometric mean (weights :math:`\lambda_k =
    1/K`) of the plans' class masses, and every plan is projected on its source
    marginal :math:`D_k h`. Target row :math:`j` receives the class distribution
    :math:`\propto \sum_k \lambda_k \sum_{i \in I^{(k)}_c} P_{k,ij}`. The
    scalings are stabilised in the log domain as in :class:`EntropicOTMapping`.

    References
    ----------
    .. [1] I. Redko, N. Courty, R. Flamary and D. Tuia, "Optimal transport for
       multi-source domain adaptation under target shift", AISTATS 2019.

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt.transport import JCPOT
    >>> rng = np.random.RandomState(0)
    >>> ys = np.repeat([0, 1], 100)  # balanced source
    >>> yt = np.repeat([0, 1], [160, 40])  # 80%% / 20%% target
    >>> X = np.r_[rng.normal(size=(200, 2)) + 4 * ys[:, None],
    ...           rng.normal(size=(200, 2)) + 4 * yt[:, None]]
    >>> y = np.r_[ys, -np.ones(200, int)]
    >>> JCPOT(epsilon=0.01).fit(X, y).priors_.round(2)
    array([0.8, 0.2])
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"]), None],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        **{key: PLAN_CONSTRAINTS[key] for key in ("metric", "max_iter", "tol")},
    }

    def __init__(
        self,
        estimator=None,
        *,
        epsilon=EPSILON,
        metric="sqeuclidean",
        max_iter=1000,
        tol=1e-7,
    ):
        self.estimator = estimator
        self.epsilon = epsilon
        self.metric = metric
        self.max_iter = max_iter
        self.tol = tol

    def fit(self, X, y, *, sample_domain=None):
        """Estimate the target class proportions and label the target rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Source and target rows.
        y : array-like of shape (n_samples,)
            Labels with unknown ones masked (``-1``). Not modified.
        sample_domain : array-like of shape (n_samples,), default=None
            Domain id of each row (``>= 1`` source domains, ``<= -1`` target);
            inferred from the mask in ``y`` when None (one source).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return super().fit(X, y, sample_domain=sample_domain)

    def _fit_baseline(self, y, sd, known):
        counts = np.unique(y[known], return_counts=True)[1]
        self.priors_ = counts / counts.sum()
        self.source_domains_ = np.unique(sd[sd > 0])
        self.coupling_ = []
        self.n_iter_ = 0

    def _propagate(self, X, y, sd, known):
        groups = domain_rows(np.where(sd < 0, -1, sd))
        sources = sorted(dom for dom in groups if dom > 0)
        Xt = np.asarray(X[groups[-1]], dtype=np.float64)
        K = self.classes_.size
        Xs_list = [np.asarray(X[groups[dom]], dtype=np.float64) for dom in sources]
        idx = [np.searchsorted(self.classes_, y[groups[dom]]) for dom in sources]
        n_t = Xt.shape[0]
        dense_plan_guard(
            sum(x.shape[0] for x in Xs_list), n_t, 3, "JCPOT's transport plans"
        )
        scale = float(np.mean([cost_mean(x, Xt, metric=self.metric) for x in Xs_list]))
        everything = slice(None)
        Cs = [
            feature_cost(x, Xt, self.metric, scale=scale)[0](everything, everything)
            for x in Xs_list
        ]
        h, plans, info = jcpot(
            Cs,
            idx,
            uniform(n_t),
            float(self.epsilon),
            n_classes=K,
            max_iter=self.max_iter,
            tol=self.tol,
        )
        del Cs
        self.priors_ = h
        self.coupling_ = plans
        self.source_domains_ = np.asarray(sources, dtype=np.int64)
        self.n_iter_ = info["n_iter"]
        dist = np.zeros((n_t, K))
        for P, i in zip(plans, idx):
            dist += (onehot(i, K).T @ P).T / len(plans)
        total = dist.sum(axis=1, keepdims=True)
        return dist / np.where(total > 0, total, 1.0)
