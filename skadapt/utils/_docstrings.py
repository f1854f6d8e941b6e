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
    "features_in_attributes": """n_features_in_ : int
        Number of features seen during :term:`fit`.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when `X` has
        feature names that are all strings.""",
    "ot_mapping_plans": """source_domains_ : ndarray of shape (n_source_domains,)
        Ids of the source domains a plan was fitted for; empty when only one
        domain was seen (identity).
    coupling_ : list of ndarray or scipy.sparse.csr_matrix
        The plan of each source domain, of shape ``(n_source_rows, n_target)``;
        a CSR matrix when minibatches were used.""",
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
}

# fragments that hold placeholders of other fragments are resolved once, here
for _key in ("weighter_attributes", "ot_propagation_parameters", "jdot_parameters"):
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
