"""How much each feature's marginal distribution shifts."""

import numpy as np
from sklearn.utils.validation import check_array

from .._base import check_sample_domain
from ..metrics import feature_shift_ranking
from ._base import PLOT_AX, figure_and_axes


class FeatureShiftDisplay:
    """Bars of the per-feature shift, most shifted feature on top.

    Each bar is a feature's two-sample Kolmogorov-Smirnov statistic between the
    source and the target rows (0: same marginal distribution, 1: disjoint),
    coloured by the direction of its mean shift and annotated with the
    standardised mean difference, as returned by
    :func:`~skadapt.metrics.feature_shift_ranking`.

    Parameters
    ----------
    ranking : Bunch
        The output of :func:`~skadapt.metrics.feature_shift_ranking`
        (``feature``, ``ks_statistic``, ``mean_shift``, ... sorted by decreasing
        KS statistic).
    max_features : int or None, default=20
        Number of features drawn (the most shifted); all when None.

    Attributes
    ----------
    ax_ : matplotlib Axes
        Axes with the bars.
    figure_ : matplotlib Figure
        Figure holding the axes.
    bars_ : matplotlib BarContainer
        One bar per feature drawn.
    texts_ : list of matplotlib Text
        The mean-shift annotation of each bar.
    legend_ : matplotlib Legend
        What the colours mean.

    See Also
    --------
    skadapt.metrics.feature_shift_ranking : The numbers drawn.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skadapt.plotting import FeatureShiftDisplay
    >>> rng = np.random.RandomState(0)
    >>> X = np.r_[rng.normal(size=(50, 3)), rng.normal(size=(50, 3)) + [0, 2, 0]]
    >>> sample_domain = np.r_[np.ones(50, int), -np.ones(50, int)]
    >>> disp = FeatureShiftDisplay.from_data(X, sample_domain)
    >>> [t.get_text() for t in disp.ax_.get_yticklabels()][0]
    'x1'
    >>> matplotlib.pyplot.close(disp.figure_)
    """

    def __init__(self, ranking, *, max_features=20):
        self.ranking = ranking
        self.max_features = max_features

    @PLOT_AX
    def plot(self, ax=None):
        """Draw the bars.

        Parameters
        ----------
        %(plot_ax)s

        Returns
        -------
        display : FeatureShiftDisplay
            The display, with its artists stored.
        """
        r = self.ranking
        k = len(r["feature"]) if self.max_features is None else self.max_features
        names = [str(f) for f in r["feature"][:k]]
        ks = np.asarray(r["ks_statistic"][:k], dtype=np.float64)
        shift = np.asarray(r["mean_shift"][:k], dtype=np.float64)
        self.figure_, self.ax_ = figure_and_axes(
            ax, "FeatureShiftDisplay", figsize=(6, 0.3 * len(names) + 1.5)
        )
        from matplotlib.patches import Patch  # checked above

        pos = np.arange(len(names))[::-1]
        colours = np.where(shift >= 0, "C3", "C0")
        self.bars_ = self.ax_.barh(pos, ks, color=colours)
        self.ax_.set_yticks(pos, names)
        self.texts_ = [
            self.ax_.text(v, p, f" {s:+.2f}", va="center", fontsize=8)
            for p, v, s in zip(pos, ks, shift)
        ]
        self.ax_.set_xlim(0, min(1.0, max(float(ks.max(initial=0.0)) * 1.25, 0.05)))
        self.ax_.set_xlabel("Kolmogorov-Smirnov statistic (source vs target)")
        self.ax_.set_ylabel("feature")
        self.ax_.set_title("Per-feature shift (label: standardised mean shift)")
        self.legend_ = self.ax_.legend(
            handles=[
                Patch(color="C3", label="target mean higher"),
                Patch(color="C0", label="target mean lower"),
            ],
            fontsize=8,
            loc="lower right",
        )
        return self

    @classmethod
    @PLOT_AX
    def from_data(
        cls,
        X,
        sample_domain=None,
        *,
        y=None,
        feature_names=None,
        max_features=20,
        ax=None,
    ):
        """Rank the features of ``X`` by shift between its domains and plot them.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Source and target rows (several domains of a side are pooled).
        sample_domain : array-like of shape (n_samples,), default=None
            Domain id of each row; inferred from ``y`` when None.
        y : array-like of shape (n_samples,), default=None
            Labels with target labels masked, to infer the domains.
        feature_names : sequence of str, default=None
            Names of the features; the column names of a DataFrame ``X``, else
            ``"x0", "x1", ...``.
        max_features : int or None, default=20
            Number of features drawn (the most shifted); all when None.
        %(plot_ax)s

        Returns
        -------
        display : FeatureShiftDisplay
            The display, drawn.
        """
        if feature_names is None and hasattr(X, "columns"):
            feature_names = np.asarray(X.columns, dtype=object)
        X = check_array(X, dtype=np.float64)
        sd = check_sample_domain(sample_domain, y, X.shape[0])
        ranking = feature_shift_ranking(
            X[sd > 0], X[sd < 0], feature_names=feature_names
        )
        return cls(ranking, max_features=max_features).plot(ax=ax)
