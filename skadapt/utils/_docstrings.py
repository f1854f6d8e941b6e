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


def _description(text):
    """A paragraph laid out as a numpydoc description (eight-space indent)."""
    import textwrap

    lines = textwrap.wrap(" ".join(text.split()), width=80)
    return "\n        ".join(lines)


FRAGMENTS = {
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
    "tradaboost_stop": _description(
        """Why boosting stopped before ``n_estimators`` rounds: ``None`` (every
        round ran), ``"zero_target_error"`` (a weak learner made no error on the
        labelled target rows; it alone is the model) or
        ``"target_error_above_half"`` (the weighted target error reached 1/2).
        Both stops raise a :class:`~skadapt.exceptions.DegenerateFitWarning`."""
    ),
}
