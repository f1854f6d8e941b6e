"""The bars of a benchmark run (``benchmarks/run.py``), read from its JSON."""

import json
from os import PathLike

import numpy as np

from ._base import PLOT_AX, figure_and_axes

_COLOURS = {
    "skadapt": "tab:blue",
    "source-only": "tab:grey",
    "skada": "tab:orange",
    "adapt": "tab:green",
    "published": "lightgrey",
}
_LEGEND = {
    "skadapt": "skadapt",
    "source-only": "source-only (skadapt)",
    "skada": "skada",
    "adapt": "ADAPT",
    "published": "published / reference",
}
_PEERS = ("skada", "adapt")


def published_averages(published, published_avg, tasks, full):
    """Average of each published row over ``tasks``.

    A row without a value for every task has no average (``None``); on the
    full task list (``full``) a paper's own average (``published_avg``) is used
    and rows that exist only as an average are added. The one implementation of
    this rule, shared with ``benchmarks/_report.py``.
    """
    out = {}
    for name, per_task in published.items():
        if full and name in published_avg:
            out[name] = published_avg[name]
        elif all(t in per_task for t in tasks):
            out[name] = float(np.mean([per_task[t] for t in tasks]))
        else:
            out[name] = None
    if full:
        for name, avg in published_avg.items():
            out.setdefault(name, avg)
    return out


class BenchmarkDisplay:
    """Horizontal bars of the average score of each method of a benchmark run.

    skadapt's methods in blue (source-only in grey), the peer libraries' runs
    of the same methods in orange (skada) and green (ADAPT), published or
    reference averages in light grey, each bar labelled with its value, and a
    dashed line at source-only. :meth:`from_results` reads the JSON written by
    ``benchmarks/run.py``.

    Parameters
    ----------
    labels : list of str
        Label of each bar, top to bottom.
    values : array-like of shape (n_bars,)
        Average of each bar.
    kinds : list of str
        Kind of each bar: ``"skadapt"``, ``"source-only"``, ``"skada"``,
        ``"adapt"`` or ``"published"`` (its colour).
    metric : {"accuracy", "rmse"}, default="accuracy"
        The suite's metric (accuracy in %, higher is better; RMSE, lower).
    suite : str, default=None
        Name of the suite, in the title.
    quick : bool, default=False
        Whether the run was a quick one (marked in the title).
    baseline : float or None, default=None
        Source-only average, drawn as a dashed line.

    Attributes
    ----------
    ax_ : matplotlib Axes
        Axes with the bars.
    figure_ : matplotlib Figure
        Figure holding the axes.
    bars_ : matplotlib BarContainer
        One bar per label.
    texts_ : list of matplotlib Text
        The value printed at the end of each bar.
    baseline_line_ : matplotlib Line2D or None
        The source-only line.
    legend_ : matplotlib Legend
        What the colours mean.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skadapt.plotting import BenchmarkDisplay
    >>> run = {
    ...     "suite": "toy", "metric": "accuracy", "quick": False,
    ...     "tasks": ["A->B"], "methods": ["source-only", "CORAL"],
    ...     "results": {"skadapt:source-only": {"avg": 40.0},
    ...                 "skadapt:CORAL": {"avg": 45.5}},
    ...     "published": {}, "published_avg": {"CORAL": 47.0}}
    >>> disp = BenchmarkDisplay.from_results(run)
    >>> [t.get_text() for t in disp.ax_.get_yticklabels()]
    ['source-only', 'CORAL', 'CORAL']
    >>> matplotlib.pyplot.close(disp.figure_)
    """

    def __init__(
        self,
        labels,
        values,
        kinds,
        *,
        metric="accuracy",
        suite=None,
        quick=False,
        baseline=None,
    ):
        self.labels = labels
        self.values = values
        self.kinds = kinds
        self.metric = metric
        self.suite = suite
        self.quick = quick
        self.baseline = baseline

    def plot(self, ax=None):
        """Draw the bars.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Where to draw; a new figure sized to the number of bars when None.

        Returns
        -------
        display : BenchmarkDisplay
            The display, with its artists stored.
        """
        self.figure_, self.ax_ = figure_and_axes(
            ax, "BenchmarkDisplay", figsize=(7, 0.32 * len(self.labels) + 1.6)
        )
        from matplotlib.patches import Patch  # checked above

        fmt = "{:.1f}" if self.metric == "accuracy" else "{:.3f}"
        y = np.arange(len(self.labels))[::-1]
        self.bars_ = self.ax_.barh(
            y, self.values, color=[_COLOURS[k] for k in self.kinds]
        )
        self.ax_.set_yticks(y, self.labels)
        self.texts_ = [
            self.ax_.text(v, yi, " " + fmt.format(v), va="center", fontsize=8)
            for yi, v in zip(y, self.values)
        ]
        self.ax_.set_xlabel(
            "average accuracy (%)" if self.metric == "accuracy" else "average RMSE"
        )
        self.ax_.set_ylabel("method")
        quick = " (quick)" if self.quick else ""
        self.ax_.set_title(f"skadapt benchmark: {self.suite}{quick}")
        handles = [
            Patch(color=_COLOURS[k], label=_LEGEND[k])
            for k in _COLOURS
            if k in self.kinds
        ]
        self.baseline_line_ = None
        if self.baseline is not None:
            self.baseline_line_ = self.ax_.axvline(
                self.baseline, color="k", lw=0.8, ls="--", label="source-only average"
            )
            handles.append(self.baseline_line_)
        # below the axes, so that it hides no bar
        self.legend_ = self.ax_.legend(
            handles=handles,
            fontsize=7,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.45 / (0.32 * len(self.labels) + 1.2)),
            ncol=3,
            frameon=False,
        )
        if ax is None:
            self.figure_.tight_layout()
        return self

    @classmethod
    @PLOT_AX
    def from_results(cls, results, *, ax=None):
        """Plot a benchmark run from its JSON file (or the dict it holds).

        Parameters
        ----------
        results : str, path-like or dict
            A ``benchmarks/results/run_*.json`` file, its parsed content, or
            its ``"results"`` entry: ``suite``, ``metric``, ``quick``,
            ``tasks``, ``methods``, ``results`` (``{"library:method": {"avg":
            ...}}``), ``published`` and ``published_avg``.
        %(plot_ax)s

        Returns
        -------
        display : BenchmarkDisplay
            The display, drawn.
        """
        if isinstance(results, (str, PathLike)):
            with open(results) as f:
                results = json.load(f)
        if "suite" not in results and isinstance(results.get("results"), dict):
            results = results["results"]  # the stamped file: payload under "results"
        summary = results["results"]
        labels, values, kinds = [], [], []

        def avg(lib, name):
            return (summary.get(f"{lib}:{name}") or {}).get("avg")

        for name in results["methods"]:
            if avg("skadapt", name) is not None:
                labels.append(name)
                values.append(avg("skadapt", name))
                kinds.append("source-only" if name == "source-only" else "skadapt")
            for lib in _PEERS:
                if avg(lib, name) is not None:
                    labels.append(f"{name} ({lib})")
                    values.append(avg(lib, name))
                    kinds.append(lib)
        published = results.get("published", {})
        averages = published_averages(
            published,
            results.get("published_avg", {}),
            results["tasks"],
            full=not results.get("quick", False),
        )
        for name, value in averages.items():
            if value is not None:
                is_paper = name in published and "check run" not in name
                labels.append(f"{name} (published)" if is_paper else name)
                values.append(value)
                kinds.append("published")
        disp = cls(
            labels,
            values,
            kinds,
            metric=results.get("metric", "accuracy"),
            suite=results.get("suite"),
            quick=results.get("quick", False),
            baseline=avg("skadapt", "source-only"),
        )
        return disp.plot(ax=ax)
