"""What every display shares: the matplotlib check and the axes it draws on."""

import numpy as np

from ..utils._docstrings import Substitution

INSTALL_HINT = "pip install 'skadapt[plot]'"

# The ``ax`` of a display's ``plot`` and of the ``from_*`` constructors that call
# it (eight spaces: a method's parameter entry).
PLOT_AX = Substitution(
    plot_ax="""ax : matplotlib Axes, default=None
            Where to draw; a new figure when None."""
)


def check_matplotlib(caller):
    """Import and return ``matplotlib.pyplot``, or say which extra installs it.

    The one place that imports matplotlib, so that ``import skadapt`` never does
    and every display fails the same way without it.

    Parameters
    ----------
    caller : str
        What needs matplotlib, named in the error.

    Returns
    -------
    plt : module
        ``matplotlib.pyplot``.
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            f"{caller} needs matplotlib, an optional dependency of skadapt: "
            f"{INSTALL_HINT}"
        ) from exc
    return plt


def figure_and_axes(ax, caller, figsize=None):
    """``(figure, ax)``: a new figure with one axes when ``ax`` is None."""
    plt = check_matplotlib(caller)
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
    return ax.figure, ax


def sequence_of_axes(ax, n, caller, figsize=None):
    """``(figure, axes)`` with ``n`` axes: new ones side by side when None."""
    plt = check_matplotlib(caller)
    if ax is None:
        fig, axes = plt.subplots(1, n, figsize=figsize, squeeze=False)
        return fig, axes.ravel()
    axes = np.atleast_1d(np.asarray(ax, dtype=object)).ravel()
    if axes.shape[0] != n:
        raise ValueError(f"{caller} draws {n} panel(s); ax holds {axes.shape[0]}.")
    return axes[0].figure, axes


def estimator_name(estimator):
    """A short readable name: the class, or a Pipeline's non-trivial steps."""
    steps = getattr(estimator, "steps", None)
    if steps is not None:
        names = [
            estimator_name(step)
            for _, step in steps
            if step not in (None, "passthrough")
        ]
        return " + ".join(names)
    if type(estimator).__name__ == "LabelledOnly":  # make_da_pipeline's wrapper
        return estimator_name(estimator.estimator)
    return type(estimator).__name__
