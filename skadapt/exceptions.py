"""Warnings and errors raised by skadapt estimators.

Every warning here names a *cause* (what in the data or the fit went wrong) and the
estimator's message names the *remedy*. Estimators also record degenerate fits in
fitted attributes (for example ``degenerate_``), so that
:class:`skadapt.AutoAdapt` and users can act on them without parsing warnings.
"""

__all__ = [
    "AmbiguousLabelWarning",
    "DegenerateFitWarning",
    "EffectiveSampleSizeWarning",
    "LimitedOverlapWarning",
    "MemoryLimitError",
    "SingleDomainWarning",
]


class DegenerateFitWarning(UserWarning):
    """Warning raised when a fit is degenerate and its result is not to be trusted.

    Examples: importance weights that came out nearly uniform (the weighter changed
    nothing), a hyperparameter chosen at the edge of its grid, a boosting round
    whose weak learner made no error (every later round would repeat it).

    Examples
    --------
    >>> from skadapt.exceptions import DegenerateFitWarning
    >>> issubclass(DegenerateFitWarning, UserWarning)
    True
    """


class EffectiveSampleSizeWarning(DegenerateFitWarning):
    """Warning raised when importance weights leave few effective source rows.

    The effective sample size ``(sum w)^2 / sum w^2`` measures how many source rows
    the weighted sample is worth; when most of the weight sits on a few rows, a
    model fitted with these weights has the variance of a much smaller sample.

    Examples
    --------
    >>> from skadapt.exceptions import EffectiveSampleSizeWarning
    >>> issubclass(EffectiveSampleSizeWarning, UserWarning)
    True
    """


class LimitedOverlapWarning(UserWarning):
    """Warning raised when many target rows lie outside the source rows' support.

    Importance weighting can only re-balance the source rows it has: target rows
    far from every source row get no source counterpart whatever the weights, and
    a model fitted on the weighted source extrapolates there.

    Examples
    --------
    >>> from skadapt.exceptions import LimitedOverlapWarning
    >>> issubclass(LimitedOverlapWarning, UserWarning)
    True
    """


class SingleDomainWarning(UserWarning):
    """Warning raised when an adaptation method sees one domain only.

    The estimator then behaves like its non-adaptive baseline. This is usually a
    user mistake: target rows need masked labels (``-1`` or ``NaN``) or an explicit
    ``sample_domain``.

    Examples
    --------
    >>> from skadapt.exceptions import SingleDomainWarning
    >>> issubclass(SingleDomainWarning, UserWarning)
    True
    """


class AmbiguousLabelWarning(UserWarning):
    """Warning raised when the mask of unknown labels cannot be told from a value.

    For instance a float ``y`` of whole numbers holding ``-1.0`` and no ``NaN``:
    ``-1.0`` is read as the mask of an unknown class label, but it may be a
    regression value. Mask regression targets with ``NaN`` (then ``-1.0`` is a
    value), or pass ``sample_domain``.

    Examples
    --------
    >>> from skadapt.exceptions import AmbiguousLabelWarning
    >>> issubclass(AmbiguousLabelWarning, UserWarning)
    True
    """


class MemoryLimitError(MemoryError):
    """Error raised before an exact path allocates more memory than allowed.

    The limit is half the machine's physical memory, or the number of bytes in the
    ``SKADAPT_MAX_DENSE_BYTES`` environment variable. The message names the
    low-rank or minibatch option that avoids the dense matrix.

    Examples
    --------
    >>> from skadapt.exceptions import MemoryLimitError
    >>> issubclass(MemoryLimitError, MemoryError)
    True
    """
