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
}

# fragments that hold placeholders of other fragments are resolved once, here
FRAGMENTS["weighter_attributes"] = FRAGMENTS["weighter_attributes"] % FRAGMENTS

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
