"""Shared docstring fragments, substituted into docstrings by one mechanism.

A docstring that shares a paragraph with others writes ``%(name)s`` where the
fragment goes and its class or function is decorated with
``@Substitution(**FRAGMENTS)`` (or the few fragments it needs). A literal ``%`` in
such a docstring is written ``%%``. Fragments state what a parameter does and why;
they never quote a benchmark figure (the results pages do).
"""

__all__ = ["FRAGMENTS", "Substitution"]


class Substitution:
    """Decorator filling ``%(name)s`` placeholders of a docstring.

    Parameters
    ----------
    **fragments : str
        The text of each placeholder, indented for a numpydoc parameter or
        attribute description (eight spaces on every line after the first).

    Examples
    --------
    >>> from skadapt.utils._docstrings import Substitution
    >>> @Substitution(what="the answer")
    ... def f():
    ...     '''Return %(what)s.'''
    >>> f.__doc__
    'Return the answer.'
    """

    def __init__(self, **fragments):
        self.fragments = fragments

    def __call__(self, obj):
        if obj.__doc__:
            obj.__doc__ = obj.__doc__ % self.fragments
        return obj


def _description(text, indent=8):
    """A paragraph laid out as a numpydoc description.

    ``indent`` is that of the description's lines: 8 in a class docstring, 12 in
    a method's.
    """
    import textwrap

    lines = textwrap.wrap(" ".join(text.split()), width=88 - indent)
    return ("\n" + " " * indent).join(lines)


# The fitted attributes every weighter shares (a block of numpydoc entries,
# substituted at four spaces: the placeholder's own indentation).
_WEIGHTER_ATTRIBUTES = """weights_ : ndarray of shape (n_source,)
        Weight of each source row, in the order of the source rows in ``X``; mean 1.
    ess_ : float
        Effective sample size ``(sum w)^2 / sum w^2``.
    degenerate_ : list of str
        %(degenerate)s
    shift_pvalue_ : float
        %(shift_pvalue)s
    target_coverage_ : float
        Fraction of target rows inside the support of the source rows
        (:func:`support_coverage`); below one half a
        :class:`LimitedOverlapWarning` is raised. 1.0 with one domain.
    n_source_ : int
        Number of source rows."""

# The kernel density-ratio models (KLIEP, ULSIF, RULSIF): the grid of kernel
# widths and the fitted ratio model (entries substituted at four spaces).
_KERNEL_WIDTH_GRID = """gamma : float, array-like of float or None, default=None
        Kernel widths to choose from. ``None``: the median-heuristic width times
        ``1/16, 1/4, 1, 4, 16``. Every width must be positive."""

_KERNEL_RATIO_ATTRIBUTES = """centers_ : ndarray of shape (n_centers, n_features)
        Kernel centres.
    coef_ : ndarray of shape (n_centers,)
        Non-negative coefficients of the ratio model.
    gamma_ : float
        Selected kernel width."""

# Transfer family (skadapt.transfer): blocks of numpydoc entries substituted at
# four spaces in a class docstring, or at twelve in a ``fit`` docstring.
_FEATURE_ATTRIBUTES = """n_features_in_ : int
        Number of features seen during :term:`fit`.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when `X` has
        feature names that are all strings."""

_TARGET_ATTRIBUTES = """n_target_samples_ : int
        Number of labelled target rows the model was fitted on.
    %(feature_attributes)s"""

_SOURCE_CLASSES_ATTRIBUTES = """classes_ : ndarray of shape (n_classes,)
        Class labels (those of the source model).
    n_classes_ : int
        Number of classes."""

_SOURCE_MODEL_CONTRACT = """Labelled target rows are rows with a known label and
    ``sample_domain <= -1``.
    With a fitted ``source_estimator`` and no ``sample_domain``, every labelled
    row is a target row (masked rows are ignored); with ``sample_domain``, source
    rows are ignored. Without ``source_estimator`` the source model is fitted on
    the labelled source rows, so labelled target rows need an explicit
    ``sample_domain``. With one domain only (no ``sample_domain``, no masked
    label, no ``source_estimator``) the model is the plain source model fitted on
    every row. Target rows that are all unlabelled, or a fitted source with no
    labelled row, are an error: the adaptation needs target labels."""

_SOURCE_MODEL_FIT_PARAMETERS = """X : array-like of shape (n_samples, n_features)
            Source and target rows (only target rows when a fitted
            ``source_estimator`` is given and ``sample_domain`` is None).
        y : array-like of shape (n_samples,)
            Labels; unknown ones masked (``-1`` / ``NaN``). Not modified.
        sample_weight : array-like of shape (n_samples,), default=None
            Row weights, used by the source fit and by every estimate on the
            target rows.
        sample_domain : array-like of shape (n_samples,), default=None
            Domain id of each row: ``>= 1`` source, ``<= -1`` target. Labelled
            target rows need it unless ``source_estimator`` is given."""

_WRAPPER_FIT_ROWS = """X : array-like of shape (n_samples, n_features)
            Source and target rows.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Labels; unknown ones masked (``-1`` or ``NaN``). Not modified."""

_FIT_SAMPLE_DOMAIN = """sample_domain : array-like of shape (n_samples,), default=None
            Domain id of each row: ``>= 1`` source, ``<= -1`` target. Labelled
            target rows need it."""

_SEGEV_REFERENCE = """\
.. [1] N. Segev, M. Harel, S. Mannor, K. Crammer and R. El-Yaniv, "Learn on
       source, refine on target: a model transfer learning framework with random
       forests", IEEE Transactions on Pattern Analysis and Machine Intelligence
       39(9), 2017."""

_TREE_PARAMETERS = """method : {"relabel", "ser", "strut"}, default="relabel"
        How the source tree is adapted (see Notes): ``"relabel"`` keeps the
        structure and re-estimates the node values; ``"ser"`` expands leaves with
        subtrees grown on the target rows and prunes where the target error says
        so; ``"strut"`` keeps the features and re-chooses each threshold on the
        target rows.
    alpha : float or "auto", default="auto"
        Pseudo-count of the source value in every node: ``0`` uses the target
        rows alone where they arrive, ``inf`` keeps the source values. ``"auto"``
        chooses among ``0, 0.25, 0.5, 1, ..., 128, inf`` by exact leave-one-out
        error on the target rows (ties to the larger value).
    max_depth : int, default=None
        Largest depth of the trees grown here: the source tree when
        ``source_estimator`` is None, and each SER expansion subtree.
    min_samples_leaf : int, default=1
        Fewest rows in a leaf of the trees grown here.
    random_state : int, RandomState instance or None, default=None
        Seeds the source tree and the SER expansions."""

_TREE_ATTRIBUTES = """tree_ : object
        The adapted tree: arrays ``children_left``, ``children_right``,
        ``feature``, ``threshold``, ``value`` (class probabilities or means),
        ``n_node_samples``, ``weighted_n_node_samples`` and ``impurity`` (of the
        labelled target rows), and ``node_count`` / ``max_depth``.
    source_estimator_ : estimator object
        The source tree (``source_estimator`` itself when given).
    alpha_ : float or None
        The pseudo-count used (chosen when ``alpha="auto"``); None when there
        were no labelled target rows.
    %(target_attributes)s"""

_TREE_NOTES = r"""With :math:`W_v` and :math:`S_v` the weight and the weighted
    label sum (class indicators, or values) of the labelled target rows
    reaching node :math:`v`, and :math:`p_v` the source value of the node,
    every node's value is

    .. math::

        \hat p_v = \frac{S_v + \alpha\, p_v}{W_v + \alpha},

    the source value counted as :math:`\alpha` pseudo-rows: :math:`\alpha = 0`
    gives the target frequencies / means (the source value where no target row
    arrives), :math:`\alpha = \infty` the source values. ``alpha="auto"`` takes
    the candidate of smallest exact leave-one-out error on the target rows (the
    value of row :math:`i`'s leaf recomputed without it: squared error, or Brier
    score for classes).

    ``method="ser"``, structure expansion / reduction [1]_: every leaf reached
    by target rows of more than one label is replaced by a tree grown on those
    rows (with the source tree's criterion, splitter and ``max_features``, and
    this estimator's ``max_depth`` and ``min_samples_leaf``); then, bottom-up,
    a node becomes a leaf when its target error as a leaf (misclassified
    weight, or sum of squares around its target mean) is not larger than that
    of its subtree. ``method="strut"``, structure transfer [1]_: top-down, each
    split reached by target rows keeps its feature and takes, among the
    thresholds that are local maxima of the target impurity decrease, the one
    of largest divergence gain

    .. math::

        DG = 1 - \sum_{c \in \{l, r\}} \frac{W_c}{W}
        \operatorname{JSD}(Q^{t}_c \,\|\, Q^{s}_c),

    with :math:`Q^s_c` the source class distribution of child :math:`c` and
    :math:`Q^t_c` that of the target rows sent there; the children are swapped
    when that fits better. For regression (the paper treats classification
    only) skadapt uses :math:`DG = -\sum_c (W_c / W)(\bar y^t_c - \bar y^s_c)^2`.
    Ties keep the source threshold.

    Unlike [1]_, which prunes what no target row reaches, skadapt keeps the
    source tree (structure and values) wherever no target row arrives: the
    target gives no evidence there. A STRUT split whose target rows share one
    value of its feature keeps its source threshold.

    scikit-learn's ``Tree`` cannot be built from public API, so the adapted
    tree is held in ``tree_``, arrays with the attribute names of
    scikit-learn's ``Tree`` (``children_left``, ``children_right``,
    ``feature``, ``threshold``, ``value``, ``n_node_samples``, ...); prediction
    routes all rows one level per numpy step. Rows are compared in float32, as
    scikit-learn does, so a relabelled tree routes rows exactly as its source."""

_FOREST_PARAMETERS = """method : {"relabel", "ser", "strut"}, default="relabel"
        How each tree is adapted: see :class:`TransferTreeClassifier` /
        :class:`TransferTreeRegressor`.
    n_estimators : int, default=100
        Number of trees of the source forest fitted here (ignored when
        ``source_estimator`` is given).
    alpha : float or "auto", default="auto"
        Pseudo-count of the source value in every node (``0``: the target rows
        alone where they arrive; ``inf``: the source values); ``"auto"`` chooses
        it per tree by cross-validation on the target rows, as
        :class:`TransferTreeClassifier` / :class:`TransferTreeRegressor` do.
    max_depth : int, default=None
        Largest depth of the trees grown here: the source forest's trees when
        ``source_estimator`` is None, and each SER expansion subtree.
    min_samples_leaf : int, default=1
        Fewest rows in a leaf of the trees grown here.
    max_features : {"sqrt", "log2"}, int, float or None
        Features tried at each split of the source forest fitted here (the
        scikit-learn forest's parameter, with its default: ``"sqrt"`` for the
        classifier, ``1.0`` for the regressor).
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
    %(target_attributes)s"""

_FOREST_NOTES = """Each tree of the source forest is adapted as
    :class:`TransferTreeClassifier` / :class:`TransferTreeRegressor` would adapt
    it, on all the labelled target rows, with its own ``alpha="auto"`` choice
    and its own seed for the SER expansions (grown with the tree's own
    ``max_features``, so the forest stays randomised). The prediction averages
    the trees (class probabilities, or values), as a random forest does. Trees
    are adapted in parallel with ``n_jobs`` joblib threads (or the backend set
    by ``joblib.parallel_config``)."""

_GB_PARAMETERS = """n_estimators : int, default=100
        Largest number of boosting rounds on the target rows.
    learning_rate : float, default=0.1
        Shrinkage of each tree's contribution.
    max_depth : int, default=3
        Depth of each regression tree.
    min_samples_leaf : int, default=1
        Fewest target rows in a leaf of each tree.
    cv : int or None, default=5
        Folds of the labelled target rows (stratified when every class has as
        many rows) on which the number of rounds is chosen; fewer when there
        are fewer rows. None boosts ``n_estimators`` rounds without validation.
    random_state : int, RandomState instance or None, default=None
        Seeds the source model fitted here, the folds and the trees."""

_GB_ATTRIBUTES = """source_estimator_ : estimator object
        The source model (``source_estimator`` itself when given).
    stages_ : list of list of (DecisionTreeRegressor, ndarray)
        Each round's trees (one per score column) with their leaf values,
        indexed by node id.
    n_estimators_ : int
        Number of rounds kept (0: the source model unchanged).
    validation_loss_ : ndarray of shape (n_estimators + 1,) or None
        Cross-validated target loss (mean squared error or log-loss) after
        ``0, 1, ..., n_estimators`` rounds; None without validation.
    %(target_attributes)s"""

_GB_NOTES = r"""The target model is
    :math:`F(x) = F_{src}(x) + \eta \sum_{m=1}^{M} h_m(x)`:
    the source model's raw output :math:`F_{src}` (``decision_function`` of a
    classifier, the log-odds / log-probabilities from ``predict_proba`` when it
    has none, ``predict`` of a regressor) is the offset, and :math:`M` regression
    trees :math:`h_m` are boosted on the labelled target rows as scikit-learn's
    gradient boosting does (squared error, or the binomial / multinomial
    log-loss with one Newton step per leaf) [1]_. The number of rounds
    :math:`M \le` ``n_estimators`` is chosen by ``cv``-fold cross-validation on
    the target rows (early stopping on held-out target rows), and :math:`M = 0`,
    the source model unchanged, is a candidate: ties go to fewer rounds.

    What scikit-learn allows, with public API only: ``GradientBoosting*``
    accept an ``init`` estimator whose predictions become the initial raw
    scores, so ``GradientBoostingClassifier(init=FrozenEstimator(source))``
    boosts from a fitted source on target rows (the results match this
    estimator's, see the tests); but its classes come from the target labels,
    so with a class missing from the few target rows the columns of the init's
    probabilities no longer match its classes (a three-class source on two
    target classes is silently read as binary),
    its early stopping (``n_iter_no_change``) holds out one random
    ``validation_fraction`` of the few target rows and never considers zero
    rounds, and it needs ``predict_proba``. ``HistGradientBoosting*`` has no
    initial-score parameter at all; its ``warm_start`` continues only a
    ``HistGradientBoosting`` source, with the source's bins. skadapt therefore
    runs the boosting loop itself with public parts: ``DecisionTreeRegressor``
    weak learners fitted to the target pseudo-residuals, leaf values through
    ``apply``, and the source model's public prediction methods."""

_FRIEDMAN_REFERENCE = """\
.. [1] J. H. Friedman, "Greedy function approximation: a gradient boosting
       machine", Annals of Statistics 29(5), 2001."""

FRAGMENTS = {
    "weighter_attributes": _WEIGHTER_ATTRIBUTES,
    "max_weight": _description(
        """Cap on the weights after rescaling to mean 1, skadapt's one weight cap.
        A cap ``M`` guarantees an effective sample size of at least ``n_source /
        M`` (``sum w^2 <= M sum w``), so a few source rows cannot carry the whole
        fit. ``None`` only rescales."""
    ),
    "degenerate": _description(
        """What went wrong in the fit, empty when nothing did: ``"near_uniform"``
        (effective sample size at least 99% of the source rows),
        ``"grid_edge:<param>"`` (the method's cross-validation chose the edge of
        its grid), ``"saturated"`` (weights pinned at 0 or the cap: effective
        sample size within 1.5x of the least the cap allows),
        ``"ess_collapse"`` (uncapped weights, effective sample size below a tenth
        of the rows), ``"limited_overlap"`` (``target_coverage_`` below one
        half). Each also raises a warning naming the cause and the remedy."""
    ),
    "shift_pvalue": _description(
        """p-value of a two-sample test of source against target rows (Welch's
        t on each feature's mean, Bonferroni-corrected, and a cross-fitted
        domain classifier); below 0.001 the domains are taken to differ, which
        turns nearly uniform weights into a failure. 1.0 with one domain."""
    ),
    "transform_params": _description(
        """Only ``sample_domain`` (array-like of shape (n_samples,)): the domain
        id of each row, in direct calls. Without it every row is a target row
        (the deployed model). It is never routed by metadata routing, so a
        pipeline in a search transforms every row as a target row with routing
        on or off (see :class:`skadapt.model_selection.HoldoutScorer` to score
        source rows as source rows).""",
        indent=12,
    ),
    "tradaboost_stop": _description(
        """Why boosting stopped before ``n_estimators`` rounds: ``None`` (every
        round ran), ``"zero_target_error"`` (a weak learner made no error on the
        labelled target rows; it alone is the model) or
        ``"target_error_above_half"`` (the weighted target error reached 1/2).
        Both stops raise a :class:`~skadapt.exceptions.DegenerateFitWarning`."""
    ),
    # The optimal-transport estimators (skadapt.transport): blocks of numpydoc
    # entries or paragraphs of a class docstring, substituted at four spaces (the
    # placeholder's own indentation); "ot_labelled_fit_parameters" at eight, for a
    # method. The two that hold reST maths are raw strings.
    "ot_metric": (
        """metric : {"sqeuclidean", "euclidean", "cityblock", "cosine"}, \
default="sqeuclidean"
        Ground cost between rows."""
    ),
    "ot_minibatches": """batch_size : int, "auto" or None, default="auto"
        Rows per domain in a minibatch. ``"auto"`` solves one problem while
        ``n_source * n_target <= 4096**2`` and minibatches of 2048 rows above;
        None always solves one problem (checking its memory first); an int uses
        minibatches of about that many rows whenever a domain has more rows.
    random_state : int, RandomState instance or None, default=None
        Shuffles the rows into minibatches.""",
    "ot_sinkhorn_iterations": """max_iter : int, default=1000
        Sinkhorn iterations.
    tol : float, default=1e-5
        Stop when the L1 violation of the target marginal is below ``tol``: the
        target rows receive their mass within a mean relative error of ``tol``.""",
    # the parameters after ``estimator`` of the two OT label propagations (one
    # __init__) and after ``alpha`` of the two JDOTs (one __init__)
    "ot_propagation_parameters": """epsilon : float, default=0.05
        Entropic regularisation of the plan, relative to the mean ground cost;
        ``0`` solves the exact plan (POT's network simplex when POT is installed,
        the optional extra ``skadapt[ot]``; see :class:`ExactOTMapping`).
    %(ot_metric)s
    %(ot_sinkhorn_iterations)s
    %(ot_minibatches)s""",
    "jdot_parameters": """epsilon : float, default=0.05
        Entropic regularisation of the plans, in the units of the joint cost
        (where the mean feature cost is ``alpha``); ``0`` solves exact plans
        (POT's network simplex when POT is installed, the optional extra
        ``skadapt[ot]``), as in [1]_.
    %(ot_metric)s
    max_iter : int, default=10
        Alternations of plan and estimator.
    tol : float, default=1e-4
        Stop when the transport objective decreases by less than ``tol`` times
        its value.
    %(ot_minibatches)s""",
    "ot_mapping_plans": """source_domains_ : ndarray of shape (n_source_domains,)
        Ids of the source domains a plan was fitted for; empty when only one
        domain was seen (identity).
    coupling_ : list of ndarray or scipy.sparse.csr_matrix
        The plan of each source domain, of shape ``(n_source_rows, n_target)``;
        a CSR matrix when minibatches were used.""",
    # the two classifier propagations (OTLabelPropagationClassifier, JCPOT)
    "ot_classifier_estimator": """estimator : estimator object, default=None
        Classifier fitted on the target rows and their propagated labels; None
        uses ``KNeighborsClassifier(n_neighbors=1)``.""",
    "ot_propagated_labels": """label_distributions_ : ndarray of shape \
(n_target, n_classes)
        Class distribution each target row received. Only when both domains were
        present.
    transduction_ : ndarray of shape (n_target,) or None
        Label given to each target row, in their order in ``X``; None when only
        one domain was present.""",
    "ot_propagation_plan": """coupling_ : ndarray or scipy.sparse.csr_matrix of \
shape (n_source, n_target)
        The transport plan (CSR when minibatches were used). Only when both
        domains were present.""",
    "ot_propagation_solve": """cost_scale_ : float
        Mean ground cost between the source and the target rows.
    n_iter_ : int
        Sinkhorn iterations the plan needed (the largest over minibatches; 0 for
        an exact plan or when only one domain was present).""",
    "jdot_attributes": "coupling_ : ndarray or scipy.sparse.csr_matrix of "
    r"""shape (n_source, n_target)
        The last plan. Only when both domains were present.
    objective_ : ndarray of shape (`n_iter_`,)
        Transport cost :math:`\sum_{ij} P_{ij} D_{ij}(f)` of each iteration's plan.
    n_iter_ : int
        Alternations run (0 when only one domain was present).
    cost_scale_ : float
        Mean feature cost between the source and the target rows.""",
    "ot_mapping_domains": """Each source domain is transported onto the pooled \
target rows. When only one
    domain is present there is nothing to align and the transformer is the
    identity.""",
    "ot_baseline": """When only one domain is present the estimator is fitted \
on the labelled rows
    (the baseline).""",
    "ot_barycentric_image": "For source rows :math:`x_i` (masses "
    r""":math:`a_i = 1/n_s`) and target rows
    :math:`x'_j` (masses :math:`b_j = 1/n_t`), a plan :math:`P` with marginals
    :math:`a, b` moves each source row to its barycentric image [1]_

    .. math:: \hat T(x_i) = \frac{1}{a_i} \sum_j P_{ij} x'_j .""",
    "ot_mapping_references": """.. [1] N. Courty, R. Flamary, D. Tuia and \
A. Rakotomamonjy, "Optimal
       transport for domain adaptation", IEEE Transactions on Pattern Analysis
       and Machine Intelligence 39(9), 2017.
    .. [2] S. Ferradans, N. Papadakis, G. Peyré and J.-F. Aujol, "Regularized
       discrete optimal transport", SIAM Journal on Imaging Sciences 7(3), 2014.""",
    "ot_propagation_references": """.. [1] J. Solomon, R. Rustamov, L. Guibas \
and A. Butscher, "Wasserstein
       propagation for semi-supervised learning", ICML 2014.
    .. [2] I. Redko, N. Courty, R. Flamary and D. Tuia, "Optimal transport for
       multi-source domain adaptation under target shift", AISTATS 2019.""",
    "jdot_reference": """.. [1] N. Courty, R. Flamary, A. Habrard and \
A. Rakotomamonjy, "Joint
       distribution optimal transportation for domain adaptation", NeurIPS 2017.""",
    "ot_labelled_fit_parameters": """X : array-like of shape (n_samples, \
n_features)
            Source and target rows.
        y : array-like of shape (n_samples,)
            Labels with unknown ones masked (``-1`` or ``NaN`` for a classifier,
            ``NaN`` for a regressor). Not modified.
        sample_domain : array-like of shape (n_samples,), default=None
            Domain id of each row (``>= 1`` source, ``<= -1`` target); inferred
            from the mask in ``y`` when None.""",
    # kernel density-ratio models
    "kernel_width_grid": _KERNEL_WIDTH_GRID,
    "kernel_ratio_attributes": _KERNEL_RATIO_ATTRIBUTES,
    # transfer family
    "feature_attributes": _FEATURE_ATTRIBUTES,
    "target_attributes": _TARGET_ATTRIBUTES,
    "source_classes_attributes": _SOURCE_CLASSES_ATTRIBUTES,
    "source_model_contract": _SOURCE_MODEL_CONTRACT,
    "source_model_fit_parameters": _SOURCE_MODEL_FIT_PARAMETERS,
    "wrapper_fit_rows": _WRAPPER_FIT_ROWS,
    "fit_sample_domain": _FIT_SAMPLE_DOMAIN,
    "segev_reference": _SEGEV_REFERENCE,
    "tree_parameters": _TREE_PARAMETERS,
    "tree_attributes": _TREE_ATTRIBUTES,
    "tree_notes": _TREE_NOTES,
    "forest_parameters": _FOREST_PARAMETERS,
    "forest_attributes": _FOREST_ATTRIBUTES,
    "forest_notes": _FOREST_NOTES,
    "gb_parameters": _GB_PARAMETERS,
    "gb_attributes": _GB_ATTRIBUTES,
    "gb_notes": _GB_NOTES,
    "friedman_reference": _FRIEDMAN_REFERENCE,
    # papers cited by more than one estimator or function: the text after the
    # ``.. [n]`` label (written at four spaces, continued at seven)
    "gretton_2012": """A. Gretton, K. M. Borgwardt, M. J. Rasch, \
B. Schoelkopf and A. Smola,
       "A Kernel Two-Sample Test", JMLR 13, 2012.""",
    "lipton_2018": """Z. C. Lipton, Y.-X. Wang and A. J. Smola, \
"Detecting and Correcting for
       Label Shift with Black Box Predictors", ICML 2018.""",
    "chernozhukov_2018": """V. Chernozhukov et al., \
"Double/debiased machine learning for treatment
       and structural parameters", The Econometrics Journal 21, 2018.""",
    "sugiyama_2007": """M. Sugiyama, M. Krauledat and K.-R. Mueller, "Covariate Shift
       Adaptation by Importance Weighted Cross Validation", JMLR 8, 2007.""",
    "shimodaira_2000": """H. Shimodaira, \
"Improving predictive inference under covariate shift
       by weighting the log-likelihood function", Journal of Statistical Planning
       and Inference 90, 2000.""",
}

# fragments that hold placeholders of other fragments are resolved once, here
# (in this order: a fragment's own placeholders are resolved before it is used)
for _key in (
    "weighter_attributes",
    "target_attributes",
    "tree_attributes",
    "forest_attributes",
    "gb_attributes",
    "ot_propagation_parameters",
    "jdot_parameters",
):
    FRAGMENTS[_key] = FRAGMENTS[_key] % FRAGMENTS
del _key

# The parameters of a transformer's ``fit`` and ``transform`` (blocks of
# numpydoc entries, substituted at eight spaces: a method's indentation).
FRAGMENTS["transformer_fit"] = """Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Source and target rows.
        y : array-like of shape (n_samples,), default=None
            Labels with target labels masked (``-1`` or ``NaN``); used only to infer
            the domains when ``sample_domain`` is None.
        sample_domain : array-like of shape (n_samples,), default=None
            Domain id of each row: ``>= 1`` source, ``<= -1`` target.

        Returns
        -------
        self : object
            The fitted transformer."""
FRAGMENTS["transform_parameters"] = (
    """X : array-like of shape (n_samples, n_features)
            Rows to transform.
        **params : dict
            %(transform_params)s"""
    % FRAGMENTS
)
FRAGMENTS["classifier_fit"] = """Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Source and target rows.
        y : array-like of shape (n_samples,)
            Class labels, target labels masked (``-1``).
        sample_domain : array-like of shape (n_samples,), default=None
            Domain id of each row: ``>= 1`` source, ``<= -1`` target.

        Returns
        -------
        self : object
            The fitted classifier."""


def _predict_sections(returns):
    """The Parameters and Returns of a ``predict``-like method (eight spaces)."""
    return f"""Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to predict.

        Returns
        -------
        {returns}"""


def _fit_sections(parameters):
    """The Parameters and Returns of an estimator's ``fit`` (eight spaces)."""
    return f"""Parameters
        ----------
        {parameters}

        Returns
        -------
        self : object
            The fitted estimator."""


# The Parameters and Returns of a predictor's ``predict`` / ``predict_proba``.
FRAGMENTS["classifier_predict"] = _predict_sections(
    """y_pred : ndarray of shape (n_samples,)
            Predicted labels."""
)
FRAGMENTS["classifier_predict_proba"] = _predict_sections(
    """proba : ndarray of shape (n_samples, n_classes)
            Probabilities, columns in the order of ``classes_``."""
)
FRAGMENTS["regressor_predict"] = _predict_sections(
    """y_pred : ndarray of shape (n_samples,)
            Predictions."""
)
# The ``fit`` of a source-model transfer estimator (the trees, the forests and the
# gradient boosting) and that of the OT label propagations and the JDOTs.
FRAGMENTS["source_model_fit"] = _fit_sections(FRAGMENTS["source_model_fit_parameters"])
FRAGMENTS["ot_labelled_fit"] = _fit_sections(FRAGMENTS["ot_labelled_fit_parameters"])
# the two samples a shift measure compares (a function's entries, four spaces)
FRAGMENTS["two_samples"] = """X_source : array-like of shape (n_source, n_features)
        Source rows.
    X_target : array-like of shape (n_target, n_features)
        Target rows."""
# the parameters of a transformer's ``partial_fit`` (eight spaces)
FRAGMENTS["transformer_partial_fit"] = """Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            A batch of source and/or target rows.
        y : array-like of shape (n_samples,), default=None
            Labels with target labels masked; used to infer the domains when
            ``sample_domain`` is None.
        sample_domain : array-like of shape (n_samples,), default=None
            Domain id of each row.

        Returns
        -------
        self : object
            The updated transformer."""
