"""The importance weights of the source rows, with their diagnostics."""

import numpy as np
from sklearn.base import clone
from sklearn.utils.validation import check_array

from .._base import check_sample_domain
from .._core import effective_sample_size, support_coverage
from ..utils._docstrings import Substitution
from ._base import PLOT_AX, estimator_name, figure_and_axes

# The parameters the two constructors pass on to ``plot`` (eight spaces: a
# method's parameter entries).
_FROM_HISTOGRAM = Substitution(
    histogram_parameters=f"""bins : int, sequence or str, default="auto"
            Bins of the histogram.
        {PLOT_AX.fragments["plot_ax"]}
        hist_kwargs : dict, default=None
            Passed to ``ax.hist``."""
)


class WeightDistributionDisplay:
    """Histogram of the importance weights of the source rows.

    The legend gives the effective sample size ``(sum w)^2 / sum w^2`` (how many
    unweighted rows the weighted source is worth) and the title the share of
    target rows inside the support of the source rows
    (:func:`~skadapt.reweighting.support_coverage`), the overlap importance
    weighting needs. A line marks weight 1, the unweighted fit.

    Parameters
    ----------
    weights : array-like of shape (n_source,)
        Weight of each source row.
    ess : float, default=None
        Effective sample size; computed from ``weights`` when None.
    target_coverage : float, default=None
        Fraction of target rows inside the source support; not shown when None.
    estimator_name : str, default=None
        Name of the weighter, in the legend.

    Attributes
    ----------
    ax_ : matplotlib Axes
        Axes with the histogram.
    figure_ : matplotlib Figure
        Figure holding the axes.
    hist_ : matplotlib BarContainer
        The bars of the histogram.
    uniform_line_ : matplotlib Line2D
        The vertical line at weight 1.
    legend_ : matplotlib Legend
        The legend.

    See Also
    --------
    skadapt.reweighting.ImportanceWeighted : Fit an estimator with these weights.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skadapt.plotting import WeightDistributionDisplay
    >>> disp = WeightDistributionDisplay.from_weights(np.array([0.5, 0.5, 1.0, 2.0]))
    >>> round(disp.ess, 2)
    2.91
    >>> disp.legend_.get_texts()[0].get_text()
    'weights (effective sample size 2.9 of 4 rows)'
    >>> matplotlib.pyplot.close(disp.figure_)
    """

    def __init__(self, weights, *, ess=None, target_coverage=None, estimator_name=None):
        self.weights = weights
        self.ess = ess
        self.target_coverage = target_coverage
        self.estimator_name = estimator_name

    @PLOT_AX
    def plot(self, ax=None, *, bins="auto", hist_kwargs=None):
        """Draw the histogram.

        Parameters
        ----------
        %(plot_ax)s
        bins : int, sequence or str, default="auto"
            Bins of ``ax.hist``.
        hist_kwargs : dict, default=None
            Passed to ``ax.hist``.

        Returns
        -------
        display : WeightDistributionDisplay
            The display, with its artists stored.
        """
        self.figure_, self.ax_ = figure_and_axes(
            ax, "WeightDistributionDisplay", figsize=(5, 3.5)
        )
        w = np.asarray(self.weights, dtype=np.float64)
        ess = effective_sample_size(w) if self.ess is None else self.ess
        name = f"{self.estimator_name} weights" if self.estimator_name else "weights"
        label = f"{name} (effective sample size {ess:.1f} of {w.shape[0]} rows)"
        kwargs = {"color": "C0", "alpha": 0.8, **(hist_kwargs or {})}
        _, _, self.hist_ = self.ax_.hist(w, bins=bins, label=label, **kwargs)
        self.uniform_line_ = self.ax_.axvline(
            1.0, color="k", ls="--", lw=1, label="weight 1 (unweighted)"
        )
        self.ax_.set_xlabel("importance weight")
        self.ax_.set_ylabel("source rows")
        title = "Importance weights of the source rows"
        if self.target_coverage is not None:
            title += (
                f"\n{100 * self.target_coverage:.0f}% of the target rows inside "
                "the source support"
            )
        self.ax_.set_title(title)
        self.legend_ = self.ax_.legend(fontsize=8)
        return self

    @classmethod
    @_FROM_HISTOGRAM
    def from_weights(
        cls,
        weights,
        *,
        X_source=None,
        X_target=None,
        name=None,
        bins="auto",
        ax=None,
        hist_kwargs=None,
    ):
        """Plot given weights, with the overlap when both samples are given.

        Parameters
        ----------
        weights : array-like of shape (n_source,)
            Weight of each source row.
        X_source : array-like of shape (n_source, n_features), default=None
            Source rows, to compute the target coverage with ``X_target``.
        X_target : array-like of shape (n_target, n_features), default=None
            Target rows.
        name : str, default=None
            Name of the weights, in the legend.
        %(histogram_parameters)s

        Returns
        -------
        display : WeightDistributionDisplay
            The display, drawn.
        """
        w = check_array(weights, ensure_2d=False, dtype=np.float64)
        if w.ndim != 1:
            raise ValueError(f"weights must be 1-D, got shape {w.shape}.")
        coverage = None
        if X_source is not None and X_target is not None:
            coverage = support_coverage(X_source, X_target)
        disp = cls(
            w,
            ess=effective_sample_size(w),
            target_coverage=coverage,
            estimator_name=name,
        )
        return disp.plot(ax=ax, bins=bins, hist_kwargs=hist_kwargs)

    @classmethod
    @_FROM_HISTOGRAM
    def from_estimator(
        cls,
        weighter,
        X,
        y=None,
        *,
        sample_domain=None,
        name=None,
        bins="auto",
        ax=None,
        hist_kwargs=None,
    ):
        """Plot the weights a skadapt weighter gives the source rows of ``X``.

        A fitted weighter (one with ``weights_``) is used as it is, and ``X``
        must be the rows it was fitted on; otherwise a clone is fitted on ``X``.
        The effective sample size and the coverage are the weighter's ``ess_``
        and ``target_coverage_``.

        Parameters
        ----------
        weighter : skadapt weighter
            ``KMM``, ``KLIEP``, ``ClassifierDensityRatio``, ... fitted or not.
        X : array-like of shape (n_samples, n_features)
            Source and target rows.
        y : array-like of shape (n_samples,), default=None
            Labels with target labels masked; used to infer the domains when
            ``sample_domain`` is None.
        sample_domain : array-like of shape (n_samples,), default=None
            Domain id of each row.
        name : str, default=None
            Name in the legend; the weighter's class when None.
        %(histogram_parameters)s

        Returns
        -------
        display : WeightDistributionDisplay
            The display, drawn.
        """
        fitted = weighter
        if not hasattr(weighter, "weights_"):
            fitted = clone(weighter).fit(X, y, sample_domain=sample_domain)
        else:
            n_rows = X.shape[0] if hasattr(X, "shape") else len(X)
            sd = check_sample_domain(sample_domain, y, n_rows)
            n_source = int(np.count_nonzero(sd > 0))
            if n_source != fitted.weights_.shape[0]:
                raise ValueError(
                    f"The fitted {type(weighter).__name__} weights "
                    f"{fitted.weights_.shape[0]} source rows, X holds {n_source}: "
                    "pass the rows it was fitted on, or an unfitted weighter."
                )
        disp = cls(
            fitted.weights_,
            ess=getattr(fitted, "ess_", None),
            target_coverage=getattr(fitted, "target_coverage_", None),
            estimator_name=name or estimator_name(fitted),
        )
        return disp.plot(ax=ax, bins=bins, hist_kwargs=hist_kwargs)
