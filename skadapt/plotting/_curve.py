"""Transfer learning curves: target score against the number of target labels."""

from numbers import Integral

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.utils import check_random_state
from sklearn.utils.validation import column_or_1d

from .._auto import _fit_with_domains
from .._base import check_sample_domain, labelled_mask, labelled_scorer
from ._base import PLOT_AX, estimator_name, figure_and_axes


class TransferCurveDisplay:
    """Score on the target against the number of labelled target rows.

    One line per estimator (the mean over repeats) with a band of one standard
    deviation. :meth:`from_estimator` computes the curves: it reveals ``n``
    target labels at random, fits each estimator and scores it on the target
    rows still unlabelled.

    Parameters
    ----------
    n_labels : array-like of shape (n_points,)
        Numbers of labelled target rows (the x axis).
    scores : dict
        ``{name: ndarray of shape (n_points, n_repeats)}``, the score of each
        estimator at each point and repeat.
    score_name : str, default="score"
        Name of the score, on the y axis.

    Attributes
    ----------
    ax_ : matplotlib Axes
        Axes with the curves.
    figure_ : matplotlib Figure
        Figure holding the axes.
    lines_ : dict
        ``{name: Line2D}``, the mean curves.
    fills_ : dict
        ``{name: PolyCollection}``, the bands of one standard deviation.
    legend_ : matplotlib Legend
        The legend.

    See Also
    --------
    skadapt.metrics.transfer_report : Did transfer help, with a test.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skadapt import make_da_pipeline
    >>> from skadapt.datasets import make_domain_shift
    >>> from skadapt.plotting import TransferCurveDisplay
    >>> from skadapt.transfer import TransferLogisticRegression
    >>> X, y, sample_domain, y_true = make_domain_shift(
    ...     60, 60, n_features=2, shift="scale", random_state=0)
    >>> disp = TransferCurveDisplay.from_estimator(
    ...     TransferLogisticRegression(), X, y, sample_domain=sample_domain,
    ...     y_true=y_true, n_labels=(5, 10), n_repeats=2, random_state=0,
    ...     baselines={"source + target rows": make_da_pipeline(LogisticRegression())})
    >>> sorted(disp.lines_)
    ['TransferLogisticRegression', 'source + target rows']
    >>> matplotlib.pyplot.close(disp.figure_)
    """

    def __init__(self, n_labels, scores, *, score_name="score"):
        self.n_labels = n_labels
        self.scores = scores
        self.score_name = score_name

    @PLOT_AX
    def plot(self, ax=None):
        """Draw the curves.

        Parameters
        ----------
        %(plot_ax)s

        Returns
        -------
        display : TransferCurveDisplay
            The display, with its artists stored.
        """
        self.figure_, self.ax_ = figure_and_axes(
            ax, "TransferCurveDisplay", figsize=(5.5, 3.8)
        )
        n = np.asarray(self.n_labels)
        self.lines_, self.fills_ = {}, {}
        for name, s in self.scores.items():
            s = np.asarray(s, dtype=np.float64).reshape(n.shape[0], -1)
            mean, std = s.mean(axis=1), s.std(axis=1)
            (self.lines_[name],) = self.ax_.plot(n, mean, marker="o", label=name)
            self.fills_[name] = self.ax_.fill_between(
                n,
                mean - std,
                mean + std,
                alpha=0.2,
                color=self.lines_[name].get_color(),
            )
        self.ax_.set_xlabel("labelled target rows")
        self.ax_.set_ylabel(f"{self.score_name} on the unlabelled target rows")
        self.ax_.set_title("Transfer learning curve (mean ± std over repeats)")
        self.legend_ = self.ax_.legend(fontsize=8, loc="best")
        return self

    @classmethod
    @PLOT_AX
    def from_estimator(
        cls,
        estimator,
        X,
        y,
        *,
        sample_domain,
        y_true,
        n_labels=(0, 5, 10, 20, 40),
        baselines=None,
        n_repeats=3,
        scoring=None,
        random_state=None,
        ax=None,
    ):
        """Compute transfer curves by revealing target labels, and plot them.

        For each repeat the unlabelled target rows are put in a random order;
        at each point the first ``n`` of them get their label from ``y_true``
        (so a larger ``n`` extends the smaller one), a clone of each estimator
        is fitted on ``X`` with ``sample_domain`` (the revealed rows stay target
        rows: semi-supervised adaptation), and it is scored on the other target
        rows, predicted as target rows.

        Parameters
        ----------
        estimator : estimator or dict
            A skadapt estimator or Pipeline (e.g. from
            :func:`~skadapt.make_da_pipeline`), or ``{name: estimator}``.
        X : array-like of shape (n_samples, n_features)
            Source and target rows.
        y : array-like of shape (n_samples,)
            Labels with unknown target labels masked.
        sample_domain : array-like of shape (n_samples,)
            Domain id of each row (needed: revealed target rows stay target
            rows).
        y_true : array-like of shape (n_samples,)
            Labels of every row; only those of the revealed and the scored
            target rows are read.
        n_labels : sequence of int, default=(0, 5, 10, 20, 40)
            Numbers of target labels revealed; each below the number of
            unlabelled target rows.
        baselines : dict or None, default=None
            ``{name: estimator}`` drawn beside the estimator(s), e.g.
            ``make_da_pipeline(LogisticRegression())`` (source and revealed
            target rows pooled).
        n_repeats : int, default=3
            Number of random orders of the target rows.
        scoring : str, callable or None, default=None
            Score of the held-out target rows; None is accuracy for a
            classifier and R^2 otherwise.
        random_state : int, RandomState instance or None, default=None
            Draws the orders.
        %(plot_ax)s

        Returns
        -------
        display : TransferCurveDisplay
            The display, drawn; its ``scores`` hold every fold's score.
        """
        estimators = (
            dict(estimator)
            if isinstance(estimator, dict)
            else {estimator_name(estimator): estimator}
        )
        estimators.update(baselines or {})
        y = column_or_1d(y)
        y_true = column_or_1d(y_true)
        n_rows = y.shape[0]
        sd = check_sample_domain(sample_domain, y, n_rows)
        pool = np.flatnonzero((sd < 0) & ~labelled_mask(y, sd))
        n_labels = np.asarray(n_labels)
        if (
            n_labels.ndim != 1
            or n_labels.size == 0
            or not all(isinstance(v, Integral) for v in n_labels.tolist())
            or n_labels.min() < 0
            or n_labels.max() >= pool.size
        ):
            raise ValueError(
                "n_labels must be non-negative integers below the number of "
                f"unlabelled target rows ({pool.size}), got {n_labels.tolist()}."
            )
        if not isinstance(n_repeats, Integral) or n_repeats < 1:
            raise ValueError(f"n_repeats must be a positive integer, got {n_repeats}.")
        rng = check_random_state(random_state)
        take = getattr(X, "iloc", X)
        scores = {name: np.empty((n_labels.size, n_repeats)) for name in estimators}
        for r in range(n_repeats):
            order = rng.permutation(pool)
            for i, n in enumerate(n_labels):
                revealed, held = order[:n], order[n:]
                y_r = y.copy()
                y_r[revealed] = y_true[revealed]
                for name, est in estimators.items():
                    fitted = _fit_with_domains(clone(est), X, y_r, sd)
                    scorer = labelled_scorer(fitted, scoring)
                    scores[name][i, r] = scorer(fitted, take[held], y_true[held])
        if isinstance(scoring, str):
            score_name = scoring
        elif scoring is None:
            first = next(iter(estimators.values()))
            score_name = "accuracy" if is_classifier(first) else "R^2"
        else:
            score_name = "score"
        return cls(n_labels, scores, score_name=score_name).plot(ax=ax)
