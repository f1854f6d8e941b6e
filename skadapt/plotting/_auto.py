"""The decision of :class:`skadapt.AutoAdapt`: each candidate's gains and margins."""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .._auto import SOURCE_ONLY
from ._base import PLOT_AX, figure_and_axes

# Where a candidate's gain must land to be adoptable, as a multiple of the
# margin (AutoAdapt's rule: reverse gain >= margin, source and weighted gains
# >= -margin; with target labels, a positive mean gain).
_MARGIN_SIGN = {"reverse": 1.0, "source": -1.0, "weighted": -1.0, "target": 0.0}


def _label(row):
    params = ", ".join(f"{k}={v}" for k, v in row["params"].items())
    return row["name"] + (f" ({params})" if params else "")


class AutoAdaptDisplay:
    """Grouped bars of each candidate's gain over source-only, per scorer.

    One group of horizontal bars per candidate configuration of
    :class:`skadapt.AutoAdapt` (one bar per scorer: reverse, source and
    importance-weighted validation, or the held-out labelled target rows), a
    dashed line per scorer where the margin of the rule lies, and the chosen
    candidate highlighted. Candidates marked ``[degenerate]`` had a degenerate
    fit and could not be adopted; ``(adoptable)`` ones cleared every margin.

    Parameters
    ----------
    names : list of str
        Label of each candidate configuration.
    gains : ndarray of shape (n_candidates, n_scorers)
        Gain of each candidate over source-only, per scorer.
    scorers : list of str
        Name of each scorer (column of ``gains``).
    thresholds : dict, default=None
        ``{scorer: gain}`` the candidate must reach for that scorer, drawn as
        lines.
    chosen : int or None, default=None
        Index of the chosen candidate; None when source-only was kept.
    adoptable : array-like of bool, default=None
        Whether each candidate cleared the margins.
    degenerate : array-like of bool, default=None
        Whether each candidate had a degenerate fit.
    mode : str, default=None
        The decision's mode ("label-free" or "target labels"), in the title.

    Attributes
    ----------
    ax_ : matplotlib Axes
        Axes with the bars.
    figure_ : matplotlib Figure
        Figure holding the axes.
    bars_ : dict
        ``{scorer: BarContainer}``, one bar per candidate.
    threshold_lines_ : dict
        ``{scorer: Line2D}``, the margins.
    chosen_patch_ : matplotlib Polygon or None
        The band behind the chosen candidate.
    legend_ : matplotlib Legend
        The legend.

    See Also
    --------
    skadapt.AutoAdapt : The automatic choice drawn here.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skadapt.plotting import AutoAdaptDisplay
    >>> disp = AutoAdaptDisplay(
    ...     ["CORAL", "TCA"], np.array([[0.05, 0.01], [-0.02, -0.04]]),
    ...     ["reverse", "source"], thresholds={"reverse": 0.03, "source": -0.03},
    ...     chosen=0).plot()
    >>> disp.ax_.get_title()
    'AutoAdapt: CORAL chosen'
    >>> matplotlib.pyplot.close(disp.figure_)
    """

    def __init__(
        self,
        names,
        gains,
        scorers,
        *,
        thresholds=None,
        chosen=None,
        adoptable=None,
        degenerate=None,
        mode=None,
    ):
        self.names = names
        self.gains = gains
        self.scorers = scorers
        self.thresholds = thresholds
        self.chosen = chosen
        self.adoptable = adoptable
        self.degenerate = degenerate
        self.mode = mode

    @PLOT_AX
    def plot(self, ax=None):
        """Draw the bars, the margins and the choice.

        Parameters
        ----------
        %(plot_ax)s

        Returns
        -------
        display : AutoAdaptDisplay
            The display, with its artists stored.
        """
        gains = np.asarray(self.gains, dtype=np.float64).reshape(len(self.names), -1)
        n, k = gains.shape
        self.figure_, self.ax_ = figure_and_axes(
            ax, "AutoAdaptDisplay", figsize=(7, 0.35 * n * max(k, 2) + 1.5)
        )
        adoptable = np.zeros(n, bool) if self.adoptable is None else self.adoptable
        degenerate = np.zeros(n, bool) if self.degenerate is None else self.degenerate
        labels = [
            name
            + (" [degenerate]" if degenerate[i] else "")
            + (" (adoptable)" if adoptable[i] else "")
            for i, name in enumerate(self.names)
        ]
        pos = np.arange(n)[::-1].astype(np.float64)
        height = 0.8 / k
        self.chosen_patch_ = None
        if self.chosen is not None:
            c = pos[self.chosen]
            self.chosen_patch_ = self.ax_.axhspan(
                c - 0.45,
                c + 0.45,
                color="gold",
                alpha=0.3,
                label=f"chosen: {self.names[self.chosen]}",
            )
        self.bars_ = {}
        for j, scorer in enumerate(self.scorers):
            offset = (k - 1) / 2 * height - j * height
            self.bars_[scorer] = self.ax_.barh(
                pos + offset,
                gains[:, j],
                height=height,
                color=f"C{j}",
                label=f"{scorer} gain",
            )
        self.ax_.axvline(0.0, color="k", lw=0.8)
        self.threshold_lines_ = {}
        for j, scorer in enumerate(self.scorers):
            if self.thresholds and scorer in self.thresholds:
                t = self.thresholds[scorer]
                self.threshold_lines_[scorer] = self.ax_.axvline(
                    t,
                    color=f"C{j}",
                    ls="--",
                    lw=1.2,
                    label=f"{scorer} margin (gain >= {t:+g})",
                )
        self.ax_.set_yticks(pos, labels)
        if self.chosen is not None:
            self.ax_.get_yticklabels()[self.chosen].set_fontweight("bold")
        self.ax_.set_xlabel("gain over source-only (score units)")
        self.ax_.set_ylabel("candidate")
        choice = (
            "source-only kept"
            if self.chosen is None
            else f"{self.names[self.chosen]} chosen"
        )
        mode = f" ({self.mode})" if self.mode else ""
        self.ax_.set_title(f"AutoAdapt{mode}: {choice}")
        self.legend_ = self.ax_.legend(fontsize=8, loc="best")
        return self

    @classmethod
    @PLOT_AX
    def from_estimator(cls, estimator, *, ax=None):
        """Plot the decision of a fitted :class:`skadapt.AutoAdapt`.

        Parameters
        ----------
        estimator : AutoAdapt
            A fitted AutoAdapt; its ``decision_`` is drawn.
        %(plot_ax)s

        Returns
        -------
        display : AutoAdaptDisplay
            The display, drawn.
        """
        check_is_fitted(estimator, "decision_")
        decision = estimator.decision_
        rows = [
            r for r in decision["candidates"] if r["name"] != SOURCE_ONLY and r["gain"]
        ]
        if not rows:
            raise ValueError(
                "This AutoAdapt scored no candidate (decision mode "
                f"{decision['mode']!r}: {decision['reason']}); nothing to plot."
            )
        scorers = list(rows[0]["gain"])
        margin = decision.get("margin") or {}
        thresholds = {
            s: _MARGIN_SIGN[s] * margin.get(s, 0.0)
            for s in scorers
            if s in _MARGIN_SIGN and (s in margin or _MARGIN_SIGN[s] == 0.0)
        }
        chosen = [i for i, r in enumerate(rows) if r["chosen"]]
        disp = cls(
            [_label(r) for r in rows],
            np.array([[r["gain"][s] for s in scorers] for r in rows]),
            scorers,
            thresholds=thresholds,
            chosen=chosen[0] if chosen else None,
            adoptable=np.array([r["adoptable"] for r in rows]),
            degenerate=np.array([bool(r["degenerate"]) for r in rows]),
            mode=decision["mode"],
        )
        return disp.plot(ax=ax)
