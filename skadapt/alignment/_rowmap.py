"""The ``transform`` of the aligners that map each row by its domain's statistics.

CORAL, LinearOTMapping and DomainStandardScaler fit per-domain statistics and map
each row by those of its domain; they share one validation path (numpy, sparse
where the estimator takes it, dask arrays mapped chunk by chunk) and, for the two
affine maps, one application of ``(x - mean_source_[k]) @ mapping_[k] +
mean_target_`` in bounded row blocks. ``validate_transform_rows`` is the same
check of the rows for the dense aligners that map them otherwise
(SubspaceAlignment, GFK, TCA / JDA / BDA).
"""

import numpy as np
from scipy import sparse
from sklearn.utils.validation import check_is_fitted, validate_data

from .._base import DATransformerMixin, _prediction_domain, check_sample_domain
from .._core import domain_rows, iter_row_blocks
from .._core._dask import dask_map_rows, is_dask_array
from ..utils._docstrings import FRAGMENTS, Substitution

__all__ = []


def validate_transform_rows(est, X, params, fitted):
    """The rows of a dense ``transform(X, **params)`` and their domains, checked.

    ``fitted`` is the attribute ``check_is_fitted`` looks for; the rows keep a
    float64 or float32 dtype.
    """
    sample_domain = _prediction_domain(params, est)
    check_is_fitted(est, fitted)
    X = validate_data(est, X, dtype=[np.float64, np.float32], reset=False)
    sd = check_sample_domain(sample_domain, None, X.shape[0], predict=True)
    return X, sd


def validate_dask(est, X, y, sample_domain, *, reset, predict=False):
    """Checks of a dask array without computing it; the domains as numpy."""
    if X.ndim != 2:
        raise ValueError(f"Expected a 2-d dask array, got {X.ndim} dimension(s).")
    if X.dtype not in (np.float64, np.float32):
        X = X.astype(np.float64)
    d = X.shape[1]
    if reset:
        est.n_features_in_ = d
    elif d != est.n_features_in_:
        raise ValueError(
            f"X has {d} features, but {type(est).__name__} is expecting "
            f"{est.n_features_in_} features as input."
        )
    n = X.shape[0]
    if sample_domain is not None and is_dask_array(sample_domain):
        sample_domain = sample_domain.compute()  # one small integer per row
    if y is not None and is_dask_array(y):
        y = y.compute()
    sd = check_sample_domain(sample_domain, y, n, predict=predict)
    return X, sd


class DomainRowMapMixin:
    """``_map_rows``: validate the rows of ``transform`` and map them by domain.

    A class sets ``_fitted_attribute`` (checked by ``check_is_fitted``),
    ``_accept_sparse`` and implements ``_transform(X, sd)`` on validated numpy
    (or sparse) rows; dask arrays are mapped chunk by chunk with the same
    ``_transform``.
    """

    _fitted_attribute = None
    _accept_sparse = False

    def _map_rows(self, X, params):
        sample_domain = _prediction_domain(params, self)
        check_is_fitted(self, self._fitted_attribute)
        if is_dask_array(X):
            X, sd = validate_dask(
                self, X, None, sample_domain, reset=False, predict=True
            )
            return dask_map_rows(X, sd, self._transform, X.shape[1], X.dtype)
        X = validate_data(
            self,
            X,
            dtype=[np.float64, np.float32],
            accept_sparse=["csr", "csc"] if self._accept_sparse else False,
            reset=False,
        )
        sd = check_sample_domain(sample_domain, None, X.shape[0], predict=True)
        return self._transform(X, sd)


class AffineSourceMapMixin(DomainRowMapMixin, DATransformerMixin):
    """Affine map of each source domain onto the target; target rows unchanged.

    A source row of domain ``k`` maps to ``(x - mean_source_[k]) @ mapping_[k] +
    mean_target_``.
    Needs the fitted ``source_domains_``, ``mapping_``, ``mean_source_`` and
    ``mean_target_``; a class may override ``_apply_map`` (CORAL's thin factors).
    A DA transformer mixin itself, so that its ``transform`` is wrapped for
    ``set_output`` where it is defined.
    """

    _fitted_attribute = "mean_target_"

    @Substitution(**FRAGMENTS)
    def transform(self, X, **params):
        """Map source rows onto the target domain; target rows are unchanged.

        Parameters
        ----------
        %(transform_parameters)s

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features)
            Transformed rows, in the dtype of ``X``.
        """
        return self._map_rows(X, params)

    def _uncentred_sources(self):
        """Indices of the sources whose rows may be mapped without centring.

        A class that knows each source's spread lists the sources whose mean is
        small against it (``x A - mu A`` then cancels nothing that matters).
        """
        return ()

    def _apply_map(self, k, centred, out, block):
        A = self.mapping_[k].astype(centred.dtype, copy=False)
        if isinstance(block, slice):
            np.matmul(centred, A, out=out[block])
        else:
            out[block] = centred @ A

    def _transform(self, X, sd):
        sd = np.asarray(sd)
        is_sparse = sparse.issparse(X)
        if is_sparse:
            X = X.tocsr()
        if self.source_domains_.size == 0:
            return X.toarray() if is_sparse else X.copy()
        index = {int(dom): k for k, dom in enumerate(self.source_domains_)}
        out = np.empty(X.shape, dtype=X.dtype)
        groups = domain_rows(sd)
        unknown = [dom for dom in groups if dom > 0 and dom not in index]
        if unknown:
            raise ValueError(
                f"sample_domain holds source id(s) {unknown} that "
                f"{type(self).__name__} was not fitted on (fitted: "
                f"{self.source_domains_.tolist()})."
            )
        mu_t = self.mean_target_.astype(X.dtype, copy=False)
        buf = None  # one block-sized buffer: a fresh temporary per block would
        # be a fresh mapping of memory (page faults) for every block
        for dom, rows in groups.items():
            if dom < 0:
                out[rows] = X[rows].toarray() if is_sparse else X[rows]
                continue
            k = index[dom]
            mu_s = self.mean_source_[k].astype(X.dtype, copy=False)
            if not is_sparse and k in self._uncentred_sources():
                # x A + (mu_t - mu_s A): no centring pass, and no cancellation
                # to fear when the mean is small against the spread
                A = self.mapping_[k]
                bias = (self.mean_target_ - self.mean_source_[k] @ A).astype(X.dtype)
                for block in iter_row_blocks(rows, X.shape[1], X.shape[0]):
                    self._apply_map(k, X[block], out, block)
                    out[block] += bias
                continue
            for block in iter_row_blocks(rows, X.shape[1], X.shape[0]):
                Xb = X[block].toarray() if is_sparse else X[block]
                if buf is None or buf.shape[0] < Xb.shape[0]:
                    buf = np.empty(Xb.shape, dtype=X.dtype)
                # centre first: x @ A - mu_s @ A would cancel badly when A is large
                centred = np.subtract(Xb, mu_s, out=buf[: Xb.shape[0]])
                self._apply_map(k, centred, out, block)
                out[block] += mu_t
        return out
