"""Both domains in two dimensions, before and after alignment."""

import numpy as np
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_array, check_is_fitted

from .._base import check_sample_domain, labelled_mask
from ._base import estimator_name, sequence_of_axes

_MARKERS = ("o", "s", "^", "D", "v", "P", "*", "X", "<", ">")
_UNLABELLED = "unlabelled"


def _domain_labels(domains):
    """``{id: label}``: "source"/"target", numbered when a side has several."""
    sources = [d for d in domains if d > 0]
    targets = [d for d in domains if d < 0]
    labels = {}
    for side, ids in (("source", sources), ("target", targets)):
        for d in ids:
            labels[d] = side if len(ids) == 1 else f"{side} {d}"
    return labels


def _projection(Z, reference=None, feature_names=None):
    """2-D coordinates of ``Z`` and the axis labels.

    Two columns are drawn as they are; more are projected on the first two
    principal components of ``reference`` (``Z`` itself when None).
    """
    if Z.shape[1] < 2:
        raise ValueError(
            f"DomainEmbeddingDisplay needs at least 2 features, got {Z.shape[1]}."
        )
    if Z.shape[1] == 2:
        names = feature_names if feature_names is not None else ("x0", "x1")
        return Z, tuple(str(n) for n in names)
    pca = PCA(n_components=2, svd_solver="full").fit(
        Z if reference is None else reference
    )
    ratio = pca.explained_variance_ratio_
    labels = tuple(
        f"PC {i + 1} ({100 * r:.0f}% of the variance)" for i, r in enumerate(ratio)
    )
    return pca.transform(Z), labels


class DomainEmbeddingDisplay:
    """Both domains in two dimensions, before and (optionally) after alignment.

    Each panel draws every row as a point, coloured by its domain and marked by
    its class (rows whose label is unknown get a marker of their own). Use
    :meth:`from_estimator` to project the rows and their aligned version; the
    constructor takes coordinates that are already two-dimensional.

    Parameters
    ----------
    embedding : ndarray of shape (n_samples, 2)
        Coordinates of the rows before alignment.
    sample_domain : array-like of shape (n_samples,)
        Domain id of each row (``>= 1`` source, ``<= -1`` target).
    y : array-like of shape (n_samples,), default=None
        Class of each row, unknown labels masked as in the data contract; None
        draws every row with one marker.
    embedding_after : ndarray of shape (n_samples, 2), default=None
        Coordinates of the rows after alignment, drawn in a second panel.
    axis_labels : tuple of str, default=("x0", "x1")
        Labels of the two axes of the first panel.
    axis_labels_after : tuple of str, default=None
        Labels of the axes of the second panel; ``axis_labels`` when None.
    estimator_name : str, default=None
        Name of the alignment, in the second panel's title.

    Attributes
    ----------
    ax_ : ndarray of matplotlib Axes
        One axes per panel (before, then after).
    figure_ : matplotlib Figure
        Figure holding the panels.
    scatters_ : list of dict
        Per panel, ``{(domain label, class label): PathCollection}``.
    legend_ : matplotlib Legend
        Legend of the domains (colours) and classes (markers), on the last panel.

    See Also
    --------
    skadapt.metrics.mmd_squared : How far apart the domains are, in one number.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skadapt import CORAL
    >>> from skadapt.datasets import make_domain_shift
    >>> from skadapt.plotting import DomainEmbeddingDisplay
    >>> X, y, sample_domain, y_true = make_domain_shift(
    ...     40, 40, n_features=3, shift="scale", random_state=0)
    >>> disp = DomainEmbeddingDisplay.from_estimator(
    ...     CORAL(), X, y, sample_domain=sample_domain)
    >>> [ax.get_title() for ax in disp.ax_]
    ['Before alignment', 'After alignment (CORAL)']
    >>> matplotlib.pyplot.close(disp.figure_)
    """

    def __init__(
        self,
        embedding,
        sample_domain,
        y=None,
        *,
        embedding_after=None,
        axis_labels=("x0", "x1"),
        axis_labels_after=None,
        estimator_name=None,
    ):
        self.embedding = embedding
        self.sample_domain = sample_domain
        self.y = y
        self.embedding_after = embedding_after
        self.axis_labels = axis_labels
        self.axis_labels_after = axis_labels_after
        self.estimator_name = estimator_name

    def _groups(self):
        """``(domain label, class label, colour, marker, row mask)`` of each group."""
        sd = np.asarray(self.sample_domain)
        ids = sorted(np.unique(sd), key=lambda d: (d < 0, abs(d)))
        dlabels = _domain_labels(ids)
        if self.y is None:
            classes = np.array(["all"], dtype=object)
            cls = np.zeros(sd.shape[0], dtype=np.int64)
            unknown = np.zeros(sd.shape[0], dtype=bool)
        else:
            y = np.asarray(self.y)
            unknown = ~labelled_mask(y, sd)
            classes, cls = np.unique(y[~unknown], return_inverse=True)
            full = np.full(sd.shape[0], -1, dtype=np.int64)
            full[~unknown] = cls
            cls = full
        groups = []
        for i, d in enumerate(ids):
            in_domain = sd == d
            for k, c in enumerate(classes):
                rows = in_domain & (cls == k) & ~unknown
                if rows.any():
                    label = "all rows" if self.y is None else f"class {c}"
                    groups.append((dlabels[d], label, f"C{i}", _MARKERS[k % 10], rows))
            rows = in_domain & unknown
            if rows.any():
                groups.append((dlabels[d], _UNLABELLED, f"C{i}", ".", rows))
        return groups

    def plot(self, ax=None, *, scatter_kwargs=None):
        """Draw the panels.

        Parameters
        ----------
        ax : matplotlib Axes or sequence of Axes, default=None
            One axes per panel (one, or two with ``embedding_after``); new ones
            side by side when None.
        scatter_kwargs : dict, default=None
            Passed to every ``ax.scatter`` call (``s``, ``alpha``, ...).

        Returns
        -------
        display : DomainEmbeddingDisplay
            The display, with its artists stored.
        """
        panels = [(self.embedding, self.axis_labels, "Before alignment")]
        if self.embedding_after is not None:
            title = "After alignment" + (
                f" ({self.estimator_name})" if self.estimator_name else ""
            )
            after_labels = self.axis_labels_after or self.axis_labels
            panels.append((self.embedding_after, after_labels, title))
        elif self.estimator_name:
            panels[0] = (self.embedding, self.axis_labels, self.estimator_name)
        n = len(panels)
        self.figure_, self.ax_ = sequence_of_axes(
            ax, n, "DomainEmbeddingDisplay", figsize=(4.5 * n, 4)
        )
        from matplotlib.lines import Line2D  # matplotlib is there: checked above

        kwargs = {"s": 14, "alpha": 0.7, **(scatter_kwargs or {})}
        groups = self._groups()
        self.scatters_ = []
        for axes, (Z, labels, title) in zip(self.ax_, panels):
            Z = np.asarray(Z)
            drawn = {}
            for dlabel, clabel, colour, marker, rows in groups:
                drawn[(dlabel, clabel)] = axes.scatter(
                    Z[rows, 0], Z[rows, 1], c=colour, marker=marker, **kwargs
                )
            axes.set_xlabel(labels[0])
            axes.set_ylabel(labels[1])
            axes.set_title(title)
            self.scatters_.append(drawn)
        handles, seen = [], set()
        for dlabel, _, colour, _, _ in groups:
            if dlabel not in seen:
                seen.add(dlabel)
                handles.append(
                    Line2D([], [], ls="", marker="o", color=colour, label=dlabel)
                )
        if self.y is not None:
            for _, clabel, _, marker, _ in groups:
                if clabel not in seen:
                    seen.add(clabel)
                    handles.append(
                        Line2D([], [], ls="", marker=marker, color="grey", label=clabel)
                    )
        self.legend_ = self.ax_[-1].legend(handles=handles, fontsize=8, loc="best")
        return self

    @classmethod
    def from_estimator(
        cls,
        transformer,
        X,
        y=None,
        *,
        sample_domain=None,
        y_true=None,
        feature_names=None,
        ax=None,
        scatter_kwargs=None,
    ):
        """Project the rows before and after a skadapt transformer, and plot them.

        The transformer is used as it is when fitted, else a clone is fitted on
        ``X``. The aligned rows are ``transform(X, sample_domain=...)``: source
        rows mapped as in ``fit``, target rows as the method treats them. With
        two features the coordinates are the features; with more, both panels
        use the two principal components of all rows before alignment (the
        same axes, so the panels compare), unless the transformer changes the
        number of features, in which case the aligned rows get their own.

        Parameters
        ----------
        transformer : skadapt transformer
            An alignment (``CORAL``, ``SubspaceAlignment``, ``TCA``, ...),
            fitted or not.
        X : array-like of shape (n_samples, n_features)
            Source and target rows.
        y : array-like of shape (n_samples,), default=None
            Labels with unknown target labels masked; used to fit and to mark
            the classes.
        sample_domain : array-like of shape (n_samples,), default=None
            Domain id of each row; inferred from ``y`` when None.
        y_true : array-like of shape (n_samples,), default=None
            Labels of every row, to mark the target rows by their true class in
            the picture (never used to fit).
        feature_names : sequence of str, default=None
            Names of the two features when ``X`` has two columns.
        ax : matplotlib Axes or sequence of two Axes, default=None
            Where to draw the two panels.
        scatter_kwargs : dict, default=None
            Passed to every ``ax.scatter`` call.

        Returns
        -------
        display : DomainEmbeddingDisplay
            The display, drawn.
        """
        if feature_names is None and hasattr(X, "columns"):
            feature_names = list(X.columns)
        X = check_array(X, accept_sparse="csr", dtype=[np.float64, np.float32])
        sd = check_sample_domain(sample_domain, y, X.shape[0])
        try:
            check_is_fitted(transformer)
            fitted, Z = transformer, transformer.transform(X, sample_domain=sd)
        except NotFittedError:
            fitted = clone(transformer)
            Z = fitted.fit_transform(X, y, sample_domain=sd)
        dense = X.toarray() if hasattr(X, "toarray") else X
        Z = Z.toarray() if hasattr(Z, "toarray") else np.asarray(Z)
        before, labels = _projection(dense, feature_names=feature_names)
        same_space = Z.shape[1] == dense.shape[1]
        after, labels_after = _projection(
            Z,
            reference=dense if same_space else None,
            feature_names=feature_names if same_space else None,
        )
        disp = cls(
            before,
            sd,
            y_true if y_true is not None else y,
            embedding_after=after,
            axis_labels=labels,
            axis_labels_after=labels_after,
            estimator_name=estimator_name(fitted),
        )
        return disp.plot(ax=ax, scatter_kwargs=scatter_kwargs)
