"""Optimal-transport mappings: exact, entropic and class-regularised (Courty 2017)."""

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin
from sklearn.neighbors import NearestNeighbors
from sklearn.utils.validation import validate_data

from .._base import (
    DATransformerMixin,
    DomainMixin,
    _fit_domains,
    domains_and_labels,
)
from .._core import domain_rows
from ..utils._docstrings import FRAGMENTS, Substitution
from ..utils._sklearn import Interval, _fit_context
from ._base import (
    EPSILON,
    PLAN_CONSTRAINTS,
    barycentric,
    check_transform,
    encode,
    feature_cost,
    row_keys,
    transport_plan,
)

__all__ = ["ClassRegularizedOTMapping", "EntropicOTMapping", "ExactOTMapping"]

# Cost between a source row and a labelled target row of another class, relative
# to the mean cost (semi-supervised class-regularised mapping): high enough that
# no optimal or entropic plan (epsilon <= 1) puts mass there unless the marginals
# force it (exp(-1000 / 1) underflows to 0).
_FORBIDDEN_COST = 1e3


class _BaseOTMapping(
    OneToOneFeatureMixin, DATransformerMixin, DomainMixin, BaseEstimator
):
    """Barycentric mapping of source rows by a transport plan; NN out of sample."""

    _kind = "exact"

    # the solver follows the parameters a subclass has: no epsilon is the exact
    # plan, no class_reg no class penalty
    def _epsilon(self):
        return float(getattr(self, "epsilon", 0.0))

    def _class_reg(self):
        return float(getattr(self, "class_reg", 0.0))

    def _plan(self, Xs, Xt, ys, yt, yt_known, what):
        cost, scale = feature_cost(Xs, Xt, self.metric)
        labels = t_labels = None
        class_reg = self._class_reg()
        if class_reg or (yt_known is not None and yt_known.any()):
            _, idx = encode(np.concatenate([ys, yt[yt_known]]))
            labels = idx[: ys.shape[0]]
            if yt_known.any():
                t_labels = np.full(yt.shape[0], -1)
                t_labels[yt_known] = idx[ys.shape[0] :]
                base = cost

                def cost(s, t):
                    C = base(s, t)
                    lt = t_labels[t]
                    C[(lt[None, :] >= 0) & (labels[s][:, None] != lt[None, :])] = (
                        _FORBIDDEN_COST
                    )
                    return C

        P = transport_plan(
            cost,
            Xs.shape[0],
            Xt.shape[0],
            epsilon=self._epsilon(),
            batch_size=self.batch_size,
            random_state=self.random_state,
            max_iter=self._sinkhorn_iter(),
            tol=getattr(self, "tol", 1e-9),
            labels=labels,
            class_reg=class_reg,
            class_max_iter=self._class_iter(),
            source_keys=row_keys(Xs, labels),
            target_keys=row_keys(Xt, t_labels),
            info=self._info,
            what=what,
        )
        return P, scale

    def _sinkhorn_iter(self):
        return getattr(self, "max_iter", 1000)

    def _class_iter(self):
        return 10

    def _fit(self, X, y, sample_domain):
        name = type(self).__name__
        X = validate_data(self, X, dtype=[np.float64, np.float32])
        sd = _fit_domains(sample_domain, y, X.shape[0], name)
        groups = domain_rows(np.where(sd < 0, -1, sd))
        sources = sorted(dom for dom in groups if dom > 0)
        self.coupling_ = []
        self.cost_scale_ = np.empty(0)
        self._neighbors, self._displacements = [], []
        self._info = {"n_iter": 0}
        images = {}
        if not sources or -1 not in groups:
            self.source_domains_ = np.array([], dtype=np.int64)
            self.n_iter_ = 0
            return X, sd, images
        rows_t = groups[-1]
        Xt = np.asarray(X[rows_t], dtype=np.float64)
        ys = yt = known_t = None
        if self._needs_labels:
            if y is None:
                raise ValueError(
                    f"{name} requires y (the source labels) to be passed, but the "
                    "target y is None."
                )
            y = np.asarray(y)
            if y.shape[0] != X.shape[0]:
                raise ValueError(f"y has {y.shape[0]} rows but X has {X.shape[0]}.")
            _, known = domains_and_labels(
                sample_domain, y, X.shape[0], regression=False
            )
            yt, known_t = y[rows_t], known[rows_t]
        scales = []
        for dom in sources:
            Xs = np.asarray(X[groups[dom]], dtype=np.float64)
            if self._needs_labels:
                ys = y[groups[dom]]
            P, scale = self._plan(Xs, Xt, ys, yt, known_t, f"{name}'s transport plan")
            mapped = barycentric(P, Xt, onto="source")
            self.coupling_.append(P)
            scales.append(scale)
            images[dom] = mapped
            self._neighbors.append(NearestNeighbors(n_neighbors=1).fit(Xs))
            self._displacements.append(mapped - Xs)
        self.source_domains_ = np.asarray(sources, dtype=np.int64)
        self.cost_scale_ = np.asarray(scales)
        self.n_iter_ = self._info["n_iter"]
        return X, sd, images

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, *, sample_domain=None):
        """Fit the transport plan from each source domain onto the target rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Source and target rows.
        y : array-like of shape (n_samples,), default=None
            Labels with target labels masked; used to infer the domains when
            ``sample_domain`` is None (and, for the class-regularised mapping, as
            the source classes).
        sample_domain : array-like of shape (n_samples,), default=None
            Domain id of each row: ``>= 1`` source, ``<= -1`` target.

        Returns
        -------
        self : object
            The fitted transformer.
        """
        self._fit(X, y, sample_domain)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X, y=None, *, sample_domain=None):
        """Fit, then return the source rows at their barycentric images.

        Unlike ``fit(X).transform(X, sample_domain=...)``, which moves each source
        row by the displacement of its nearest fitted source row, this returns the
        exact barycentric image of every fitted source row (duplicated source rows
        may be sent to different places). Target rows are unchanged.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Source and target rows.
        y : array-like of shape (n_samples,), default=None
            Labels with target labels masked.
        sample_domain : array-like of shape (n_samples,), default=None
            Domain id of each row: ``>= 1`` source, ``<= -1`` target.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features)
            Source rows mapped, target rows unchanged, in the dtype of ``X``.
        """
        X, sd, images = self._fit(X, y, sample_domain)
        out = X.copy()
        for dom, mapped in images.items():
            out[sd == dom] = mapped.astype(X.dtype, copy=False)
        return out

    @Substitution(**FRAGMENTS)
    def transform(self, X, **params):
        """Map source rows onto the target domain; target rows are unchanged.

        A source row ``x`` of domain ``k`` moves by the displacement of its nearest
        fitted source row of that domain: ``x + T(x_nn) - x_nn``, with ``T`` the
        barycentric map of the fit. Fitted rows themselves move to their image.

        Parameters
        ----------
        %(transform_parameters)s

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features)
            Transformed rows, in the dtype of ``X``.
        """
        X, sd = check_transform(
            self, X, params, fitted="coupling_", domains="source_domains_"
        )
        out = X.copy()
        for k, dom in enumerate(self.source_domains_):
            rows = sd == dom
            if rows.any():
                nn = self._neighbors[k].kneighbors(
                    np.asarray(X[rows], dtype=np.float64), return_distance=False
                )[:, 0]
                out[rows] = X[rows] + self._displacements[k][nn].astype(X.dtype)
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


@Substitution(**FRAGMENTS)
class ExactOTMapping(_BaseOTMapping):
    r"""Optimal-transport mapping with the exact (earth mover's) plan.

    The plan between the source and the target rows is an optimal transport plan
    for the ground cost (the squared Euclidean distance by default) with uniform
    masses, and every source row moves to the barycentre of the target rows it is
    sent to [1]_. With as many source as target rows the plan is a permutation and
    the source rows land exactly on target rows. New source rows (``transform``
    with a source ``sample_domain``) move by the displacement of their nearest
    fitted source row [2]_. Target rows are left unchanged.

    %(ot_mapping_domains)s

    The exact plan is POT's network simplex when POT is installed (the optional
    extra ``pip install 'skadapt[ot]'``); without it skadapt solves uniform
    problems with as many source as target rows as an assignment and problems of
    at most 250 000 plan entries with HiGHS, and raises an ImportError naming the
    extra for larger ones.

    Parameters
    ----------
    %(ot_metric)s
    %(ot_minibatches)s

    Attributes
    ----------
    %(ot_mapping_plans)s
    cost_scale_ : ndarray of shape (n_source_domains,)
        Mean ground cost of each source domain against the target rows.
    %(feature_attributes)s

    See Also
    --------
    EntropicOTMapping : The entropic plan, smoother and solved without POT.
    ClassRegularizedOTMapping : Plans that keep the source classes apart.
    skadapt.alignment.LinearOTMapping : The Gaussian (linear) Monge map.

    Notes
    -----
    The plan solves

    .. math:: \min_{P \ge 0,\ P 1 = a,\ P^T 1 = b} \sum_{ij} P_{ij} C_{ij}.

    %(ot_barycentric_image)s

    Above ``4096**2`` plan entries the default ``batch_size="auto"`` transports
    random minibatches of 2048 rows onto each other (a partition of both domains),
    which bounds memory and time but only matches rows within their batch.

    References
    ----------
    %(ot_mapping_references)s

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt.transport import ExactOTMapping
    >>> X = np.array([[0.0], [1.0], [10.0], [11.0]])
    >>> sample_domain = np.array([1, 1, -1, -1])
    >>> ExactOTMapping().fit_transform(X, sample_domain=sample_domain).ravel()
    array([10., 11., 10., 11.])
    """

    _parameter_constraints: dict = {
        key: PLAN_CONSTRAINTS[key] for key in ("metric", "batch_size", "random_state")
    }
    _needs_labels = False

    def __init__(self, *, metric="sqeuclidean", batch_size="auto", random_state=None):
        self.metric = metric
        self.batch_size = batch_size
        self.random_state = random_state


@Substitution(**FRAGMENTS)
class EntropicOTMapping(_BaseOTMapping):
    r"""Optimal-transport mapping with the entropic (Sinkhorn) plan.

    The plan between the source and the target rows minimises the transport cost
    plus ``epsilon`` times the negative entropy of the plan [1]_ [3]_: every source
    row spreads its mass over the target rows close to its best match, and moves
    to their barycentre. The solver is Sinkhorn's scaling with log-domain
    stabilisation, so it returns a finite plan whatever the scale of the data.
    New source rows (``transform`` with a source ``sample_domain``) move by the
    displacement of their nearest fitted source row [2]_. Target rows are left
    unchanged.

    %(ot_mapping_domains)s

    Parameters
    ----------
    epsilon : float, default=0.05
        Entropic regularisation, relative to the mean ground cost between the
        source and target rows (so its effect does not depend on the units or the
        dimension of the data). Small values approach the exact plan and need more
        iterations; large values blur every source row towards the target mean.
    %(ot_metric)s
    %(ot_sinkhorn_iterations)s
    %(ot_minibatches)s

    Attributes
    ----------
    %(ot_mapping_plans)s
    cost_scale_ : ndarray of shape (n_source_domains,)
        Mean ground cost of each source domain against the target rows; the
        absolute regularisation is ``epsilon * cost_scale_``.
    n_iter_ : int
        Largest number of Sinkhorn iterations a plan needed (0 when only one
        domain was seen).
    %(feature_attributes)s

    See Also
    --------
    ExactOTMapping : The exact plan.
    ClassRegularizedOTMapping : Plans that keep the source classes apart.

    Notes
    -----
    With :math:`\bar C` the mean cost, the plan solves

    .. math:: \min_{P \ge 0,\ P 1 = a,\ P^T 1 = b} \sum_{ij} P_{ij} C_{ij}
              + \varepsilon \bar C \sum_{ij} P_{ij} (\log P_{ij} - 1),

    whose solution is :math:`P_{ij} = \exp((f_i + g_j - C_{ij}) /
    (\varepsilon \bar C))`. Sinkhorn's iterations rescale rows and columns; the
    scalings are absorbed into the potentials :math:`f, g` before they overflow,
    a row or column whose kernel underflows is updated in the log domain, and the
    regularisation decreases geometrically from :math:`\bar C` to
    :math:`\varepsilon \bar C` (epsilon scaling).

    %(ot_barycentric_image)s

    References
    ----------
    %(ot_mapping_references)s
    .. [3] B. Schmitzer, "Stabilized sparse scaling algorithms for entropy
       regularized transport problems", SIAM Journal on Scientific Computing
       41(3), 2019.

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt.transport import EntropicOTMapping
    >>> rng = np.random.RandomState(0)
    >>> Xs = rng.normal(size=(100, 2))
    >>> Xt = rng.normal(size=(80, 2)) * [2.0, 0.5] + 5.0
    >>> X = np.r_[Xs, Xt]
    >>> sd = np.r_[np.ones(100, int), -np.ones(80, int)]
    >>> Xs_mapped = EntropicOTMapping().fit_transform(X, sample_domain=sd)[:100]
    >>> np.allclose(Xs_mapped.mean(axis=0), Xt.mean(axis=0))  # the target mean
    True
    """

    _parameter_constraints: dict = {
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        **PLAN_CONSTRAINTS,
    }
    _needs_labels = False

    def __init__(
        self,
        *,
        epsilon=EPSILON,
        metric="sqeuclidean",
        max_iter=1000,
        tol=1e-5,
        batch_size="auto",
        random_state=None,
    ):
        self.epsilon = epsilon
        self.metric = metric
        self.max_iter = max_iter
        self.tol = tol
        self.batch_size = batch_size
        self.random_state = random_state


@Substitution(**FRAGMENTS)
class ClassRegularizedOTMapping(_BaseOTMapping):
    r"""Entropic optimal-transport mapping that keeps the source classes apart.

    The entropic plan gets a group-lasso penalty [1]_ that makes every target row
    receive its mass from source rows of one class: the source classes move as
    wholes onto separate groups of target rows, instead of being mixed where they
    overlap the target. Source rows move to the barycentre of the target rows
    they are sent to; new source rows move by the displacement of their nearest
    fitted source row [2]_. Target rows are left unchanged.

    The source labels come from ``y``. Labelled target rows (semi-supervised
    adaptation, with an explicit ``sample_domain``) receive mass from source rows
    of their own class only.

    %(ot_mapping_domains)s

    Parameters
    ----------
    epsilon : float, default=0.05
        Entropic regularisation, relative to the mean ground cost.
    class_reg : float, default=0.1
        Weight :math:`\eta` of the group-lasso penalty. The penalty is divided by
        its value at the independent plan (every source row sends its mass to
        every target row alike), whose transport cost is the mean ground cost, so
        ``1`` weighs the penalty of that plan like its cost whatever the numbers
        of rows and classes. ``0`` is the entropic mapping.
    %(ot_metric)s
    max_iter : int, default=10
        Generalised conditional-gradient iterations (each one a Sinkhorn solve of
        at most 1000 iterations).
    tol : float, default=1e-5
        Tolerance of each Sinkhorn solve (L1 violation of the target marginal:
        the mean relative error of the target rows' masses).
    %(ot_minibatches)s

    Attributes
    ----------
    %(ot_mapping_plans)s
    cost_scale_ : ndarray of shape (n_source_domains,)
        Mean ground cost of each source domain against the target rows.
    n_iter_ : int
        Largest number of conditional-gradient iterations a plan needed (0 when
        only one domain was seen).
    %(feature_attributes)s

    See Also
    --------
    EntropicOTMapping : The same without the class penalty.

    Notes
    -----
    With :math:`I_c` the source rows of class :math:`c` and :math:`\bar C` the
    mean cost, the plan solves

    .. math:: \min_{P \ge 0,\ P 1 = a,\ P^T 1 = b} \sum_{ij} P_{ij} C_{ij}
              + \varepsilon \bar C \sum_{ij} P_{ij} (\log P_{ij} - 1)
              + \eta \bar C \frac{\Omega(P)}{\Omega(a b^T)}, \qquad
              \Omega(P) = \sum_j \sum_c \| P_{I_c, j} \|_2

    by generalised conditional gradient [3]_: the penalty is linearised at the
    current plan, the entropic problem with the cost :math:`C + \eta \bar C
    \nabla\Omega(P)` is solved by stabilised Sinkhorn, and the plan moves
    towards its solution by an exact line search on the objective.

    %(ot_barycentric_image)s

    References
    ----------
    %(ot_mapping_references)s
    .. [3] A. Rakotomamonjy, R. Flamary and N. Courty, "Generalized conditional
       gradient: analysis of convergence and applications", arXiv:1510.06567,
       2015.

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt.transport import ClassRegularizedOTMapping
    >>> rng = np.random.RandomState(0)
    >>> ys = np.repeat([0, 1], 50)
    >>> Xs = rng.normal(size=(100, 2)) + 4.0 * ys[:, None]
    >>> Xt = rng.normal(size=(100, 2)) + 4.0 * ys[:, None] + [0.0, 3.0]
    >>> X, y = np.r_[Xs, Xt], np.r_[ys, -np.ones(100, int)]
    >>> Xs_mapped = ClassRegularizedOTMapping().fit_transform(X, y)[:100]
    >>> Xs_mapped[ys == 1].mean(axis=0).round(1)  # class 1 lands on its target
    array([4., 7.])
    """

    _parameter_constraints: dict = {
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "class_reg": [Interval(Real, 0, None, closed="left")],
        **PLAN_CONSTRAINTS,
    }
    _needs_labels = True

    def __init__(
        self,
        *,
        epsilon=EPSILON,
        class_reg=0.1,
        metric="sqeuclidean",
        max_iter=10,
        tol=1e-5,
        batch_size="auto",
        random_state=None,
    ):
        self.epsilon = epsilon
        self.class_reg = class_reg
        self.metric = metric
        self.max_iter = max_iter
        self.tol = tol
        self.batch_size = batch_size
        self.random_state = random_state

    def _sinkhorn_iter(self):
        return 1000

    def _class_iter(self):
        return self.max_iter
