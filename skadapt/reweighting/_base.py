"""The interface shared by every density-ratio (weight) estimator of the family.

A weighter is fitted on source and target rows and stores ``weights_``: one weight
per source row, in the order the source rows appear in ``X``, with mean 1, so that
the weighted source sample imitates the target sample. Methods with an
out-of-sample form also give :meth:`compute_weights` for new rows.
"""

import warnings
from numbers import Real

import numpy as np
from scipy import sparse
from scipy.stats import norm
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.sparsefuncs import mean_variance_axis
from sklearn.utils.validation import check_is_fitted, validate_data

from .._base import DomainMixin, _check_domains, check_sample_domain
from .._core import (
    COVERAGE_WARN,
    cap_weights,
    domain_classifier_pvalue,
    effective_sample_size,
    median_heuristic_gamma,
    pairwise_kernel,
    support_coverage,
)
from ..exceptions import (
    DegenerateFitWarning,
    EffectiveSampleSizeWarning,
    LimitedOverlapWarning,
)
from ..utils._sklearn import Hidden, Interval, StrOptions, _fit_context

__all__ = ["EffectiveSampleSizeWarning", "LimitedOverlapWarning", "support_coverage"]

# Relative effective sample size below which a weighter warns.
# (uncapped weights only: a cap M already guarantees an ESS of at least n / M).
_ESS_WARN_FRACTION = 0.1
# Fraction of target rows inside the source support below which a weighter warns
# (skadapt._core.COVERAGE_WARN, beside support_coverage): about 0.95 without shift,
# about (1 - p) 0.95 when a fraction p of the target lies away from every source
# row (tests/reweighting/test_diagnostics.py), so below one half means most of the
# target has no source counterpart.
_COVERAGE_WARN = COVERAGE_WARN
# Capped weights are saturated when their ESS is within 1.5x of the least a cap M
# allows (n / M: every positive weight at the cap): the ratio wants weights beyond
# the cap, i.e. the domains barely overlap.
_SATURATION_FACTOR = 1.5
# Weights are nearly uniform when their ESS is at least 99 % of n (coefficient of
# variation <= 0.1); that is a failure only when the domains differ, which a
# two-sample test with p < 0.001 says (a 0.1 % false alarm rate when they do not).
_UNIFORM_ESS = 0.99
_SHIFT_P = 1e-3
_SHIFT_ROWS = 2000


def _grid_edges(chosen):
    """Hyperparameters chosen at an edge of their grid.

    ``(name, value, grid)`` for each ``name: (value, grid)`` whose value is the
    smallest or largest of a grid of at least three values (with two, every
    choice is an edge).
    """
    out = []
    for name, (value, grid) in chosen.items():
        grid = np.asarray(grid, dtype=np.float64)
        if grid.size >= 3 and (value <= grid.min() or value >= grid.max()):
            out.append((name, float(value), grid))
    return out


def _mean_var(X):
    """Column means and unbiased variances, of dense or sparse rows."""
    n = X.shape[0]
    if sparse.issparse(X):
        mean, var = mean_variance_axis(X.tocsr().astype(np.float64), axis=0)
    else:
        X = np.asarray(X, dtype=np.float64)
        mean, var = X.mean(axis=0), X.var(axis=0)
    return mean, var * n / max(n - 1, 1)


def _shift_sample(Xs, Xt):
    """The rows the two-sample test uses: at most 2000 of each domain, seeded."""
    return tuple(_take(rows) for rows in _shift_sample_lazy(Xs, Xt))


def _shift_sample_lazy(Xs, Xt):
    """:func:`_shift_sample` as ``(rows, index)`` pairs, the copies not yet made.

    A domain of at most 2000 rows is kept whole with the permutation (the copy
    would be as large); a larger one is cut to its 2000 rows at once.
    """
    rng = np.random.RandomState(0)
    out = []
    for X in (Xs, Xt):
        index = rng.permutation(X.shape[0])[:_SHIFT_ROWS]
        out.append((X, index) if X.shape[0] <= _SHIFT_ROWS else (X[index], None))
    return tuple(out)


def _take(rows):
    X, index = rows
    return X if index is None else X[index]


def _sample_pvalue(A, B):
    """The p-value of :func:`_shift_pvalue` on the rows of :func:`_shift_sample`."""
    (mean_a, var_a), (mean_b, var_b) = _mean_var(A), _mean_var(B)
    var = var_a / A.shape[0] + var_b / B.shape[0]
    ok = var > 0
    p_mean = 1.0
    if ok.any():
        z = np.abs(mean_a[ok] - mean_b[ok]) / np.sqrt(var[ok])
        p_mean = float(min(1.0, 2.0 * ok.sum() * norm.sf(z.max())))
    p_clf = domain_classifier_pvalue(A, B)
    return min(1.0, 2.0 * min(p_mean, p_clf))


def _shift_pvalue(Xs, Xt):
    """p-value of "the two samples come from one distribution", cheaply.

    The smaller of two valid tests, doubled (Bonferroni): Welch's t on every
    feature's mean over at most 2000 rows per domain with a Bonferroni correction
    (valid whatever the features' correlations; it sees moved means) and a
    cross-fitted domain classifier on at most 1000 rows per domain
    (:func:`skadapt._core.domain_classifier_pvalue`; it sees what a linear model
    of standardised features sees, e.g. between domains standardised one by one).
    Seeded, so deterministic.
    """
    return _sample_pvalue(*_shift_sample(Xs, Xt))


def check_gamma_grid(gamma, X, Y, random_state=None):
    """Kernel widths to try, each checked to be positive.

    ``None`` gives the median-heuristic width times powers of 4; a float or an
    array of floats is taken as given.
    """
    if gamma is None:
        g0 = median_heuristic_gamma(X, Y, random_state=random_state)
        return g0 * np.array([1 / 16, 1 / 4, 1.0, 4.0, 16.0])
    grid = np.atleast_1d(np.asarray(gamma, dtype=np.float64)).ravel()
    if grid.size == 0 or not np.all(np.isfinite(grid)) or np.any(grid <= 0):
        raise ValueError(
            f"The kernel width gamma must be > 0 (and finite), got {gamma!r}."
        )
    return grid


class KernelRatioMixin:
    """The fitted density-ratio model of KLIEP, uLSIF and RULSIF.

    ``_raw_weights(X)`` evaluates ``sum_l coef_[l] k(x, centers_[l])``, the
    Gaussian kernel of width ``gamma_``.
    """

    def _raw_weights(self, X):
        X = np.asarray(X, dtype=np.float64)
        return pairwise_kernel(X, self.centers_, gamma=self.gamma_) @ self.coef_

    def _start_kernel_fit(self, Xs, Xt):
        """Float64 rows, the seeded generator and the checked width grid."""
        Xs = np.asarray(Xs, dtype=np.float64)
        Xt = np.asarray(Xt, dtype=np.float64)
        rng = check_random_state(self.random_state)
        gamma = _deprecated_gamma(self, stacklevel=5)
        return Xs, Xt, rng, check_gamma_grid(gamma, Xs, Xt, rng.randint(2**31 - 1))


def _has_out_of_sample(self):
    return self._out_of_sample


class BaseWeighter(DomainMixin, BaseEstimator):
    """Base class of the weight estimators (private).

    Subclasses implement ``_fit_weights(Xs, Xt)`` returning raw non-negative source
    weights, and, when the method has an out-of-sample form, set
    ``_out_of_sample = True`` and implement ``_raw_weights(X)``.
    """

    _out_of_sample = False
    # whether the method works on sparse rows (ClassifierDensityRatio)
    _accepts_sparse = False
    # whether ``max_weight`` caps the weights after the fit (KMM's QP box does it)
    _cap_after_fit = True

    _parameter_constraints: dict = {
        "max_weight": [Interval(Real, 1, None, closed="left"), None],
    }

    def _validate_fit_input(self, X, y, sample_domain):
        X = validate_data(
            self,
            X,
            dtype=[np.float64, np.float32],
            accept_sparse=["csr"] if self._accepts_sparse else False,
        )
        sd = check_sample_domain(sample_domain, y, X.shape[0])
        name = type(self).__name__
        if sample_domain is not None:
            _check_domains(sd, need_source=True, need_target=True, caller=name)
        else:
            _check_domains(sd, need_source=True, caller=name)
        n_source = int(np.count_nonzero(sd > 0))
        if n_source < 2:
            raise ValueError(
                f"{name} needs at least 2 source rows, got 1 sample in the source "
                "domain."
            )
        return X, sd

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, *, sample_domain=None):
        """Estimate the importance weights of the source rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Source and target rows.
        y : array-like of shape (n_samples,), default=None
            Labels with target labels masked (``-1`` or ``NaN``); used only to infer
            the domains when ``sample_domain`` is None.
        sample_domain : array-like of shape (n_samples,), default=None
            Domain id of each row: ``>= 1`` source, ``<= -1`` target. Several source
            (or target) domains are pooled.

        Returns
        -------
        self : object
            The fitted weighter.
        """
        return self._fit(X, y, sample_domain)

    @property
    def shift_pvalue_(self):
        """p-value of a two-sample test between the domains (1.0: one domain).

        Computed on first access: the fit needs it only when its weights came out
        nearly uniform (to say why), so a fit that does not keeps the test's
        rows (at most 2000 per domain) and skips the domain classifier's cost.
        """
        if "_shift_pvalue" not in vars(self):
            if "_shift_rows" not in vars(self):
                raise AttributeError("shift_pvalue_")
            self._shift_pvalue = _sample_pvalue(*map(_take, self._shift_rows))
            del self._shift_rows
        return self._shift_pvalue

    def _fit(self, X, y, sample_domain):
        for attr in ("_shift_pvalue", "_shift_rows"):
            vars(self).pop(attr, None)
        X, sd = self._validate_fit_input(X, y, sample_domain)
        source = sd > 0
        Xs = X[source]
        self.n_source_ = Xs.shape[0]
        self._uniform = not np.any(sd < 0)
        if self._uniform:
            self._fit_single_domain(Xs)
            raw = np.ones(Xs.shape[0])
            self._scale, self._floor = 1.0, 0.0
            self._max = None
            self._shift_pvalue = 1.0
        else:
            Xt = X[~source]
            raw = np.asarray(self._fit_weights(Xs, Xt), dtype=np.float64)
            self._max = (
                getattr(self, "max_weight", None) if self._cap_after_fit else None
            )
        raw = np.maximum(raw, 0.0)
        self.target_coverage_ = 1.0 if self._uniform else self._support_coverage(Xs, Xt)
        if self.target_coverage_ < _COVERAGE_WARN:
            warnings.warn(
                f"{type(self).__name__}: only {100 * self.target_coverage_:.0f}% of "
                "the target rows lie inside the support of the source rows "
                "(target_coverage_); no weighting of the source rows represents the "
                "others, and a model fitted with these weights extrapolates there, "
                "so it may do worse than no weighting. Compare with source-only, or "
                "consider feature alignment if the features themselves moved.",
                LimitedOverlapWarning,
                stacklevel=3,
            )
        weights, self._scale, self._floor = cap_weights(raw, self._max)
        self.weights_ = weights
        self.ess_ = effective_sample_size(weights)
        self.degenerate_ = []
        if not self._uniform:
            self._diagnose(Xs, Xt)
        return self

    def _support_coverage(self, Xs, Xt):
        """``target_coverage_``: :func:`support_coverage` of the fitted rows."""
        return support_coverage(Xs, Xt, random_state=0)

    def _weight_bound(self):
        """The largest weight the method allows (its cap, or KMM's QP box)."""
        return self._max

    def _grid_edges(self):
        """Hyperparameters the method's own CV chose at an edge of its grid.

        ``(parameter, value, grid)`` triples; none for methods without a CV.
        """
        return []

    def _diagnose(self, Xs, Xt):
        """Warn, with cause and remedy, and record in ``degenerate_``."""
        name = type(self).__name__
        n = self.weights_.shape[0]
        self._shift_rows = _shift_sample_lazy(Xs, Xt)  # tested when asked for
        uniform = self.ess_ >= _UNIFORM_ESS * n
        shifted = uniform and self.shift_pvalue_ < _SHIFT_P
        if self.target_coverage_ < _COVERAGE_WARN:
            self.degenerate_.append("limited_overlap")
        edges = self._grid_edges()
        self.degenerate_ += [f"grid_edge:{param}" for param, _, _ in edges]
        if uniform:
            self.degenerate_.append("near_uniform")
            at_edge = (
                " (its cross-validation chose "
                + ", ".join(f"{p}={v:.4g}" for p, v, _ in edges)
                + ", at the edge of the grid)"
                if edges
                else ""
            )
            if shifted:
                why = (
                    f"although the domains differ (two-sample test p = "
                    f"{self.shift_pvalue_:.1e}): the weighter found no density "
                    "ratio to correct. Its kernel may not tell these domains apart "
                    "(common with high-dimensional or unit-norm rows); try "
                    "ClassifierDensityRatio, or feature alignment if the features "
                    "moved rather than their distribution."
                )
            else:
                why = (
                    "and a two-sample test sees no shift between the domains (p = "
                    f"{self.shift_pvalue_:.2g}): weighting changes almost nothing "
                    "here, and source-only is as good."
                )
            warnings.warn(
                f"{name}: the weights are nearly uniform (effective sample size "
                f"{100 * self.ess_ / n:.1f}% of the source rows){at_edge} {why}",
                DegenerateFitWarning,
                stacklevel=4,
            )
        else:
            for param, value, grid in edges:
                side = "smallest" if value <= np.min(grid) else "largest"
                warnings.warn(
                    f"{name}: its cross-validation chose {param}={value:.4g}, the "
                    f"{side} value of its grid "
                    f"{np.round(np.asarray(grid), 6).tolist()}; the best value may "
                    f"lie beyond it. Widen the grid (pass an array of {param} "
                    "values) or try another weighter.",
                    DegenerateFitWarning,
                    stacklevel=4,
                )
        bound = self._weight_bound()
        if bound is not None and self.ess_ <= _SATURATION_FACTOR * n / bound:
            zero = float(np.mean(self.weights_ <= 1e-8))
            self.degenerate_.append("saturated")
            warnings.warn(
                f"{name}: the weights are pinned at 0 or at the cap {bound:g} "
                f"({100 * zero:.0f}% of the source rows get weight 0; effective "
                f"sample size {self.ess_:.1f} of {n}, the least the cap allows "
                f"being {n / bound:.1f}): the density ratio wants weights beyond "
                "the cap, so the domains barely overlap and the weighted source "
                "stands for the target poorly. Compare with source-only, or "
                "consider feature alignment.",
                EffectiveSampleSizeWarning,
                stacklevel=4,
            )
        elif bound is None and self.ess_ < _ESS_WARN_FRACTION * n:
            self.degenerate_.append("ess_collapse")
            warnings.warn(
                f"{name}: the effective sample size of the weighted source rows is "
                f"{self.ess_:.1f} of {n}; a few rows carry most of the weight. "
                "Set max_weight, or use a wider kernel or more regularisation.",
                EffectiveSampleSizeWarning,
                stacklevel=4,
            )

    @available_if(_has_out_of_sample)
    def compute_weights(self, X):
        """Importance weights of new rows under the fitted density ratio.

        The weights are on the scale of ``weights_`` (the same normalising constant
        and the same cap), so a row drawn like the source has expected weight 1.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to weight.

        Returns
        -------
        weights : ndarray of shape (n_samples,)
            Non-negative weights.
        """
        check_is_fitted(self, "weights_")
        X = validate_data(
            self,
            X,
            dtype=[np.float64, np.float32],
            reset=False,
            accept_sparse=["csr"] if self._accepts_sparse else False,
        )
        if self._uniform:
            return np.ones(X.shape[0])
        raw = np.maximum(np.asarray(self._raw_weights(X), dtype=np.float64), 0.0)
        if not np.isfinite(self._scale):  # the floor case of cap_weights
            return np.where(raw > 0, self._max, self._floor)
        w = raw * self._scale
        if self._max is not None:
            w = np.minimum(w, self._max)
        return w

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.input_tags.sparse = self._accepts_sparse
        return tags


def resolve_gamma(gamma, Xs, Xt, random_state=None):
    """One kernel width: the median heuristic for ``None``, else the float given."""
    if gamma is None:
        return median_heuristic_gamma(Xs, Xt, random_state=random_state)
    return float(gamma)


GAMMA_CONSTRAINT = [
    Interval(Real, 0, None, closed="neither"),
    None,
    Hidden(StrOptions({"auto"})),
]
GAMMA_GRID_CONSTRAINT = [
    Interval(Real, 0, None, closed="neither"),
    None,
    Hidden(StrOptions({"auto"})),
    "array-like",
]


def _deprecated_gamma(estimator, stacklevel=4):
    """Map the deprecated ``gamma="auto"`` to ``None`` with a FutureWarning.

    ``stacklevel`` points the warning at the user's ``fit`` call from a caller
    inside ``_fit_weights`` (one more level from a helper it calls).
    """
    gamma = getattr(estimator, "gamma", None)
    if isinstance(gamma, str) and gamma == "auto":
        warnings.warn(
            f'{type(estimator).__name__}: gamma="auto" is deprecated and will be '
            "removed in skadapt 0.3; use gamma=None (the same data-driven width, "
            "the one spelling across skadapt).",
            FutureWarning,
            stacklevel=stacklevel,
        )
        return None
    return gamma
