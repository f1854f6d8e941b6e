"""Per-domain standardisation, the simplest alignment."""

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin
from sklearn.utils.validation import validate_data

from .._base import (
    DATransformerMixin,
    DomainMixin,
    check_sample_domain,
)
from .._core import domain_rows, iter_row_blocks
from .._core._dask import dask_row_reduce, is_dask_array
from ..utils._docstrings import FRAGMENTS, Substitution
from ..utils._sklearn import _fit_context
from ._rowmap import DomainRowMapMixin, validate_dask

__all__ = ["DomainStandardScaler"]


def _merge(a, b):
    """Chan et al.'s pairwise merge of ``(count, mean, scatter)`` per feature."""
    n_a, mean_a, m2_a = a
    n_b, mean_b, m2_b = b
    if n_a == 0:
        return b
    if n_b == 0:
        return a
    n = n_a + n_b
    delta = mean_b - mean_a
    mean = mean_a + delta * (n_b / n)
    m2 = m2_a + m2_b + delta**2 * (n_a * n_b / n)
    return n, mean, m2


def _domain_moments(X, sd):
    """``{domain: (count, mean, scatter)}`` of a block of rows, target ids pooled.

    Rows go through cache-sized blocks, so the temporaries never exceed one block
    whatever the size of ``X``.
    """
    sd = np.asarray(sd)
    out = {}
    for dom, rows in domain_rows(np.where(sd < 0, -1, sd)).items():
        acc = (0, 0.0, 0.0)
        for block in iter_row_blocks(rows, X.shape[1], X.shape[0]):
            Z = np.asarray(X[block], dtype=np.float64)
            if Z.shape[0] == 0:
                continue
            mean = Z.mean(axis=0)
            Z = Z - mean
            acc = _merge(acc, (Z.shape[0], mean, np.einsum("ij,ij->j", Z, Z)))
        out[int(dom)] = acc
    return out


def _combine(parts):
    """Merge several ``{domain: moments}`` dictionaries."""
    out = {}
    for part in parts:
        for dom, mom in part.items():
            out[dom] = _merge(out[dom], mom) if dom in out else mom
    return out


@Substitution(**FRAGMENTS)
class DomainStandardScaler(
    DomainRowMapMixin,
    OneToOneFeatureMixin,
    DATransformerMixin,
    DomainMixin,
    BaseEstimator,
):
    r"""Standardise each domain with its own mean and standard deviation.

    Every domain is centred on its own mean and scaled to unit variance per
    feature, which removes shifts and rescalings of individual features between
    domains (the baseline every alignment should beat). Statistics are additive,
    so :meth:`partial_fit` streams data larger than memory, and a dask array is
    reduced chunk by chunk on its workers (one pass, statistics added in a tree,
    no chunk gathered; :meth:`transform` then returns a lazy dask array).

    Each source id keeps its own statistics; every target id is pooled into one
    target domain (``-1``), which is what :meth:`transform` uses for rows without
    ``sample_domain``. When only one domain is present the transformer is
    :class:`~sklearn.preprocessing.StandardScaler` and every row, whatever its
    domain, is scaled with those statistics.

    Parameters
    ----------
    with_mean : bool, default=True
        Centre each domain on its mean.
    with_std : bool, default=True
        Scale each domain to unit variance per feature (features constant within a
        domain are left unscaled).

    Attributes
    ----------
    domains_ : ndarray of shape (n_domains,)
        Domain ids with statistics: sorted source ids, then ``-1`` for the
        target when target rows were seen.
    mean_ : ndarray of shape (n_domains, n_features)
        Per-domain feature means.
    var_ : ndarray of shape (n_domains, n_features)
        Per-domain feature variances.
    scale_ : ndarray of shape (n_domains, n_features)
        Per-domain scaling factors (standard deviations, ``1`` for constant
        features or when ``with_std=False``).
    n_samples_seen_ : ndarray of shape (n_domains,)
        Rows seen per domain.
    %(feature_attributes)s

    See Also
    --------
    sklearn.preprocessing.StandardScaler : One set of statistics for all rows.
    CORAL : Also aligns the correlations between features.

    Notes
    -----
    A row ``x`` of domain ``k`` maps to

    .. math:: z = (x - \mu_k) / \sigma_k

    feature by feature. Batches are merged with the pairwise update of Chan,
    Golub and LeVeque, so several :meth:`partial_fit` calls equal one :meth:`fit`.

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt import DomainStandardScaler
    >>> X = np.array([[0.0], [2.0], [10.0], [14.0]])
    >>> sample_domain = np.array([1, 1, -1, -1])
    >>> DomainStandardScaler().fit_transform(X, sample_domain=sample_domain).ravel()
    array([-1.,  1., -1.,  1.])
    """

    _fitted_attribute = "scale_"

    _parameter_constraints: dict = {"with_mean": ["boolean"], "with_std": ["boolean"]}

    def __init__(self, *, with_mean=True, with_std=True):
        self.with_mean = with_mean
        self.with_std = with_std

    def _reset(self):
        for attr in ("_stats", "domains_", "mean_", "var_", "scale_"):
            if hasattr(self, attr):
                delattr(self, attr)

    @_fit_context(prefer_skip_nested_validation=True)
    @Substitution(**FRAGMENTS)
    def fit(self, X, y=None, *, sample_domain=None):
        """Compute each domain's mean and standard deviation.

        %(transformer_fit)s
        """
        self._reset()
        return self._partial_fit(X, y, sample_domain)

    @_fit_context(prefer_skip_nested_validation=True)
    @Substitution(**FRAGMENTS)
    def partial_fit(self, X, y=None, *, sample_domain=None):
        """Update the per-domain statistics with a batch of rows.

        %(transformer_partial_fit)s
        """
        return self._partial_fit(X, y, sample_domain)

    def _partial_fit(self, X, y, sample_domain):
        first = not hasattr(self, "_stats")
        if is_dask_array(X):
            X, sd = validate_dask(self, X, y, sample_domain, reset=first)
            batch = dask_row_reduce(X, sd, _domain_moments, _combine)
        else:
            X = validate_data(self, X, dtype=[np.float64, np.float32], reset=first)
            sd = check_sample_domain(sample_domain, y, X.shape[0])
            batch = _domain_moments(X, sd)
        if first:
            self._stats = {}
        self._stats = _combine([self._stats, batch])
        doms = sorted(self._stats, key=lambda k: (k < 0, k))
        self.domains_ = np.asarray(doms, dtype=np.int64)
        self.n_samples_seen_ = np.array([self._stats[k][0] for k in doms])
        self.mean_ = np.stack([self._stats[k][1] for k in doms])
        self.var_ = np.stack([self._stats[k][2] / self._stats[k][0] for k in doms])
        scale = np.sqrt(self.var_)
        tiny = 10 * np.finfo(np.float64).eps * np.maximum(np.abs(self.mean_), 1.0)
        scale[scale < tiny] = 1.0
        if not self.with_std:
            scale[:] = 1.0
        self.scale_ = scale
        return self

    @Substitution(**FRAGMENTS)
    def transform(self, X, **params):
        """Standardise each row with the statistics of its domain.

        Parameters
        ----------
        %(transform_parameters)s

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features)
            Standardised rows, in the dtype of ``X``.
        """
        return self._map_rows(X, params)

    def _transform(self, X, sd):
        sd = np.asarray(sd)
        if self.domains_.size == 1:
            pos = np.zeros(X.shape[0], dtype=np.intp)
        else:
            key = np.where(sd < 0, -1, sd)
            order = np.argsort(self.domains_)
            loc = np.searchsorted(self.domains_[order], key).clip(
                max=self.domains_.size - 1
            )
            pos = order[loc]
            missing = np.unique(key[self.domains_[pos] != key])
            if missing.size:
                raise ValueError(
                    f"DomainStandardScaler has no statistics for domain id(s) "
                    f"{missing.tolist()} (fitted: {self.domains_.tolist()}); fit or "
                    "partial_fit rows of those domains first, or pass sample_domain."
                )
        mean = self.mean_ if self.with_mean else np.zeros_like(self.mean_)
        # one output array and cache-sized blocks: the peak is the data plus the
        # result, never a per-row copy of the statistics
        out = np.empty_like(X)
        for k, rows in domain_rows(pos).items():
            mu = mean[k].astype(X.dtype)
            inv = (1.0 / self.scale_[k]).astype(X.dtype)
            for block in iter_row_blocks(rows, X.shape[1], X.shape[0]):
                if isinstance(block, slice):
                    np.subtract(X[block], mu, out=out[block])
                    out[block] *= inv
                else:
                    out[block] = (X[block] - mu) * inv
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
