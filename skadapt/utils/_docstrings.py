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
    "tradaboost_stop": _description(
        """Why boosting stopped before ``n_estimators`` rounds: ``None`` (every
        round ran), ``"zero_target_error"`` (a weak learner made no error on the
        labelled target rows; it alone is the model) or
        ``"target_error_above_half"`` (the weighted target error reached 1/2).
        Both stops raise a :class:`~skadapt.exceptions.DegenerateFitWarning`."""
    ),
}
