"""CORrelation ALignment (Sun, Feng & Saenko, 2016)."""

from numbers import Real

import numpy as np
from scipy import linalg, sparse
from sklearn.base import BaseEstimator, OneToOneFeatureMixin
from sklearn.utils.validation import validate_data

from .._base import (
    DATransformerMixin,
    DomainMixin,
    _fit_domains,
    check_sample_domain,
)
from .._core import (
    CovarianceAccumulator,
    check_dense_memory,
    domain_rows,
    ledoit_wolf_shrinkage_from_moments,
    near_zero_mean,
    regularised_covariance,
    sym_sqrt_invsqrt,
)
from .._core._dask import dask_map_rows, dask_row_reduce, is_dask_array
from ..utils._docstrings import FRAGMENTS, Substitution
from ..utils._sklearn import Interval, StrOptions, _fit_context
from ._rowmap import AffineSourceMapMixin, validate_dask

__all__ = ["CORAL"]


def _coral_mapping(cov_source, cov_target):
    """Linear part of the CORAL map, ``Cs^{-1/2} Ct^{1/2}`` (row-vector convention).

    Parameters
    ----------
    cov_source : ndarray of shape (d, d)
        Regularised source covariance.
    cov_target : ndarray of shape (d, d)
        Regularised target covariance.

    Returns
    -------
    A : ndarray of shape (d, d)
        A source row ``x`` maps to ``(x - mean_s) @ A + mean_t``.
    """
    _, inv_sqrt_s = sym_sqrt_invsqrt(cov_source)
    sqrt_t, _ = sym_sqrt_invsqrt(cov_target)
    return inv_sqrt_s @ sqrt_t


class _ThinCovariance:
    """One domain's regularised covariance when ``d > n``, kept through its rows.

    With ``Xc`` the centred rows and ``Xc Xc^T / n = U diag(lam) U^T`` (the ``n x n``
    Gram, ``r <= n`` positive eigenvalues), ``S = Xc^T Xc / n = V diag(lam) V^T``
    with ``V = Xc^T B`` and ``B = U diag(1 / sqrt(n lam))``; the regularised
    covariance is ``beta I + V diag(gamma) V^T`` (Ledoit-Wolf: ``beta = s mu``,
    ``gamma = (1 - s) lam``; a float ``reg``: ``beta = reg mu``, ``gamma = lam``).
    ``V`` (``d x r``) is never formed: products with it go through the rows, so
    the factorisation costs one Gram (a SYRK) and one ``n x n`` eigendecomposition.
    Dense rows are stored centred; ``scipy.sparse`` rows are stored as given and
    centred inside the products (never densified).

    Attributes
    ----------
    mean : ndarray of shape (d,)
    gram : ndarray of shape (n, n)
        ``Xc Xc^T``; dropped by the caller once the fit no longer needs it.
    eig : ndarray of shape (r + 1,)
        The ``r`` leading eigenvalues ``beta + gamma``, then ``beta`` (the
        eigenvalue of the orthogonal complement).
    B : ndarray of shape (n, r)
    shrinkage : float
    """

    def __init__(self, X, reg):
        n, d = X.shape
        self.mean = np.asarray(X.mean(axis=0), dtype=np.float64).ravel()
        self.sparse = sparse.issparse(X)
        if self.sparse:
            self.rows = sparse.csr_matrix(X, dtype=np.float64, copy=True)
            Xm = np.asarray(self.rows @ self.mean).ravel()
            G = np.asarray((self.rows @ self.rows.T).todense(), dtype=np.float64)
            G -= Xm[:, None] + Xm[None, :]
            G += self.mean @ self.mean
        else:
            self.rows = np.subtract(X, self.mean, dtype=np.float64)
            G = self.rows @ self.rows.T  # SYRK
        G = 0.5 * (G + G.T)
        self.gram = G
        sq = np.maximum(np.diag(G), 0.0)  # ||x_k - mean||^2
        lam, U = linalg.eigh(G / n, check_finite=False)
        keep = lam > max(lam.max(initial=0.0), 0.0) * max(n, d) * np.finfo(float).eps
        lam, U = lam[keep], U[:, keep]
        self.B = U / np.sqrt(n * lam)
        trace = float(lam.sum())
        mu = trace / d
        if not mu > 0:  # constant data: the identity, as shrink_covariance gives
            self.eig = np.array([1.0])
            self.B = np.zeros((n, 0))
            self.shrinkage = 1.0 if isinstance(reg, str) else float(reg)
            return
        if isinstance(reg, str):
            shrink = ledoit_wolf_shrinkage_from_moments(
                trace, float(lam @ lam), float(sq @ sq), n, d
            )
            beta, gamma = shrink * mu, (1.0 - shrink) * lam
        else:
            shrink = float(reg)
            beta, gamma = reg * mu, lam
        self.eig = np.r_[beta + gamma, beta]
        self.shrinkage = shrink

    def centred(self):
        """The centred rows as a dense array."""
        if self.sparse:
            return self.rows.toarray() - self.mean
        return self.rows

    def cross(self, Z):
        """``Z Xc^T`` for dense rows ``Z`` (already centred by the caller)."""
        if self.sparse:
            return np.asarray(self.rows @ Z.T).T - (Z @ self.mean)[:, None]
        return Z @ self.rows.T

    def combine(self, L, out=None):
        """``L Xc`` for ``L`` of shape (m, n); added to ``out`` when given."""
        if self.sparse:
            prod = np.asarray(self.rows.T @ L.T).T - np.outer(L.sum(axis=1), self.mean)
        elif out is not None and out.flags.c_contiguous and L.flags.c_contiguous:
            # out += L @ Xc as one GEMM accumulating in place (row-major arrays
            # are their transposes in column-major order)
            gemm = linalg.get_blas_funcs("gemm", (L, self.rows, out))
            gemm(1.0, self.rows.T, L.T, beta=1.0, c=out.T, overwrite_c=True)
            return out
        else:
            prod = L @ self.rows
        if out is None:
            return prod
        out += prod
        return out


def _centred_cross(a, b):
    """``Xc_a Xc_b^T`` of two domains' centred rows."""
    if not a.sparse:
        return b.cross(a.rows)
    G = np.asarray((a.rows @ b.rows.T).todense(), dtype=np.float64)
    G -= np.asarray(a.rows @ b.mean).ravel()[:, None]
    G -= np.asarray(b.rows @ a.mean).ravel()[None, :]
    G += a.mean @ b.mean
    return G


def _thin_power(eig, power):
    """Scalar and low-rank parts of ``C^power`` for ``C = e_r I + V diag(e - e_r) V^T``.

    Eigenvalues are clipped as :func:`skadapt._core.sym_power` clips them (at
    ``d * eps`` of the largest, ``d`` replaced by the count given here, the same
    floor for the ones that matter).
    """
    floor = max(eig.max(), np.finfo(np.float64).tiny) * eig.size * np.finfo(float).eps
    e = np.maximum(eig, floor) ** power
    return e[-1], e[:-1] - e[-1]


class _ThinMap:
    """``Zc Cs^{-1/2} Ct^{1/2}`` for centred source rows ``Zc``, from the rows.

    With ``Cs^{-1/2} = a_s I + V_s D_s V_s^T`` and ``Ct^{1/2} = a_t I + V_t D_t
    V_t^T`` (``V = Xc^T B``), ``Y = Zc Cs^{-1/2}`` has ``Y V_t = a_s q + p D_s
    (V_s^T V_t)`` with ``p = Zc V_s = P B_s``, ``q = Zc V_t = Q B_t``, ``P = Zc
    Xc_s^T``, ``Q = Zc Xc_t^T``, so that

    ``Zc A = a_s a_t Zc + (a_t p D_s B_s^T) Xc_s + ((Y V_t) D_t B_t^T) Xc_t``:

    two ``m x n x d`` products once ``P`` and ``Q`` are known (the training source
    rows have them for free: ``P`` is the source Gram, ``Q`` the cross Gram).
    """

    def __init__(self, source, target, cross):
        self.source, self.target = source, target
        self.a_s, self.D_s = _thin_power(source.eig, -0.5)
        self.a_t, self.D_t = _thin_power(target.eig, 0.5)
        self.st = source.B.T @ cross @ target.B  # V_s^T V_t

    def apply(self, Zc, P=None, Q=None):
        """``Zc A``; given ``P`` and ``Q``, ``Zc`` must be the source's own rows."""
        s, t = self.source, self.target
        own = P is not None
        P = s.cross(Zc) if P is None else P
        Q = t.cross(Zc) if Q is None else Q
        p = (P @ s.B) * self.D_s
        YVt = self.a_s * (Q @ t.B) + p @ self.st
        Ls = (self.a_t * p) @ s.B.T
        if own:  # Zc = Xc_s: the identity term joins the product
            Ls[np.diag_indices_from(Ls)] += self.a_s * self.a_t
        out = s.combine(Ls)
        t.combine((YVt * self.D_t) @ t.B.T, out=out)
        if not own:
            out += (self.a_s * self.a_t) * Zc
        return out


@Substitution(**FRAGMENTS)
class CORAL(
    AffineSourceMapMixin,
    OneToOneFeatureMixin,
    DATransformerMixin,
    DomainMixin,
    BaseEstimator,
):
    r"""CORrelation ALignment: match the source's mean and covariance to the target's.

    Each source row is whitened with the (regularised) source covariance, re-coloured
    with the target covariance and moved to the target mean:
    ``x -> (x - mu_s) Cs^{-1/2} Ct^{1/2} + mu_t``. Target rows are left unchanged.
    With several source domains each is mapped onto the (pooled) target domains.

    Sparse input (``scipy.sparse``, e.g. the output of a ``TfidfVectorizer``) is
    accepted without densifying the ``n x d`` matrix: the dense ``d x d``
    statistics come from sparse products. The output of :meth:`transform` is a
    dense ndarray (the map mixes the features, so mapped rows are dense; target
    rows are returned densified too). With more features than rows in every
    domain, :meth:`fit` keeps each shrunk covariance as a scaled identity plus a
    rank-``n`` term (thin factorisation) and applies the map factored, so the
    cost is ``O(n^2 d)`` instead of ``O(d^3)``. A dask array is reduced chunk by
    chunk on its workers (one pass, statistics added in a tree) and transformed
    lazily.

    When only one domain is present (``sample_domain`` not given and no masked label
    in ``y``) there is nothing to align and the transformer is the identity.

    Parameters
    ----------
    reg : float or "auto", default="auto"
        Covariance regularisation. ``"auto"`` shrinks each covariance towards a
        multiple of the identity with the Ledoit-Wolf intensity (sound when features
        outnumber rows or covariances are singular). A float ``r >= 0`` adds
        ``r * trace(C) / n_features`` to the diagonal, a ridge proportional to the
        mean variance so that its effect does not depend on the units of the data;
        ``reg=1`` on standardised features is the original paper's choice.

    Attributes
    ----------
    source_domains_ : ndarray of shape (n_source_domains,)
        Ids of the source domains a map was fitted for; empty when only one domain
        was seen (identity).
    mapping_ : ndarray of shape (n_source_domains, n_features, n_features)
        Linear part ``A_k`` of each source domain's map.
    mean_source_ : ndarray of shape (n_source_domains, n_features)
        Mean ``mu_k`` of each source domain; a row maps to
        ``(x - mu_k) @ A_k + mean_target_``.
    mean_target_ : ndarray of shape (n_features,)
        Mean of the target rows.
    shrinkage_ : dict
        Regularisation used per domain id (the Ledoit-Wolf intensity when
        ``reg="auto"``).
    n_samples_seen_ : dict
        Rows seen per domain id (accumulated by :meth:`partial_fit`).
    %(feature_attributes)s

    See Also
    --------
    skadapt.LabelledOnly : Fits a final estimator on the labelled rows only.
    skadapt.make_da_pipeline : Builds a stock Pipeline around CORAL.

    Notes
    -----
    With :math:`\mu_s, C_s` and :math:`\mu_t, C_t` the means and regularised
    covariances of the source and target rows, a source row maps to

    .. math:: x \mapsto (x - \mu_s)\, C_s^{-1/2} C_t^{1/2} + \mu_t ,

    so the mapped source rows have exactly mean :math:`\mu_t` and covariance
    :math:`C_t^{1/2} C_s^{-1/2} S_s C_s^{-1/2} C_t^{1/2}`, which is :math:`C_t` when
    no regularisation is applied. The original method [1]_ centres nothing and adds
    the identity; keeping the means makes the map correct for regression under
    covariate shift. Matrix square roots come from one symmetric eigendecomposition
    each, with eigenvalues clipped.

    References
    ----------
    .. [1] B. Sun, J. Feng and K. Saenko, "Return of Frustratingly Easy Domain
       Adaptation", AAAI 2016.

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt import CORAL
    >>> rng = np.random.RandomState(0)
    >>> Xs = rng.normal(size=(100, 2))
    >>> Xt = 3 * rng.normal(size=(100, 2)) + 5
    >>> X = np.vstack([Xs, Xt])
    >>> sample_domain = np.r_[np.ones(100, int), -np.ones(100, int)]
    >>> Xs_mapped = CORAL(reg=0).fit_transform(X, sample_domain=sample_domain)[:100]
    >>> np.round(Xs_mapped.mean(axis=0) - Xt.mean(axis=0), 6)
    array([0., 0.])
    """

    _accept_sparse = True

    _parameter_constraints: dict = {
        "reg": [Interval(Real, 0, None, closed="left"), StrOptions({"auto"})],
    }

    def __init__(self, *, reg="auto"):
        self.reg = reg

    def _reset(self):
        for attr in (
            "_stats",
            "_thin",
            "_mapping",
            "_factors",
            "_uncentred",
            "n_samples_seen_",
            "source_domains_",
        ):
            if hasattr(self, attr):
                delattr(self, attr)

    @_fit_context(prefer_skip_nested_validation=True)
    @Substitution(**FRAGMENTS)
    def fit(self, X, y=None, *, sample_domain=None):
        """Fit the map from each source domain onto the target domains.

        %(transformer_fit)s
        """
        self._fit(X, y, sample_domain)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    @Substitution(**FRAGMENTS)
    def partial_fit(self, X, y=None, *, sample_domain=None):
        """Update the domain statistics with a batch of rows, then the map.

        The result after several batches equals one :meth:`fit` on all of them (up
        to rounding), so data larger than memory can stream through.

        %(transformer_partial_fit)s
        """
        if hasattr(self, "_thin"):
            raise ValueError(
                "CORAL was fitted by fit() with more features than rows, through "
                "thin factorisations that have no additive statistics; call "
                "partial_fit from the start (a new CORAL) to stream batches."
            )
        first = not hasattr(self, "_stats")
        if is_dask_array(X):
            X, sd = validate_dask(self, X, y, sample_domain, reset=first)
            if first:
                self._stats = {}
            self._accumulate_dask(X, sd)
        else:
            X = validate_data(
                self,
                X,
                dtype=[np.float64, np.float32],
                accept_sparse=["csr", "csc"],
                reset=first,
            )
            sd = check_sample_domain(sample_domain, y, X.shape[0])
            if first:
                self._stats = {}
            self._accumulate(X, sd)
        self._finish()
        return self

    def _accumulate(self, X, sd):
        # every target id is pooled into the single key -1
        for dom, rows in domain_rows(np.where(sd < 0, -1, sd)).items():
            acc = self._stats.get(dom)
            if acc is None:
                acc = self._stats[dom] = CovarianceAccumulator(X.shape[1])
            if sparse.issparse(X):
                acc.update_sparse(X, rows)
            else:
                acc.update(X, rows)

    def _accumulate_dask(self, X, sd):
        """One pass over the chunks of a dask array, statistics added in a tree."""
        d = X.shape[1]
        first = np.asarray(X[: min(X.chunks[0][0], X.shape[0])].compute())
        default = first.astype(np.float64).mean(axis=0)
        shifts = {dom: acc.shift for dom, acc in self._stats.items()}

        def chunk(block, sdb):
            out = {}
            for dom, rows in domain_rows(np.where(sdb < 0, -1, sdb)).items():
                acc = CovarianceAccumulator(d, shift=shifts.get(dom, default))
                out[dom] = acc.update(block, rows)
            return out

        def combine(parts):
            out = {}
            for part in parts:
                for dom, acc in part.items():
                    out[dom] = out[dom].merge(acc) if dom in out else acc
            return out

        batch = dask_row_reduce(X, sd, chunk, combine)
        for dom, acc in batch.items():
            if dom in self._stats:
                self._stats[dom].merge(acc)
            else:
                self._stats[dom] = acc

    def _finish_thin(self, X, groups):
        """Thin factorisations of every domain; the training rows' products.

        Returns ``{source id: (P, Q)}``, the Gram and cross Gram of each source
        domain's rows (what :meth:`fit_transform` needs to map them), or None
        when there is nothing to map.
        """
        d = X.shape[1]
        fac = {dom: _ThinCovariance(X[rows], self.reg) for dom, rows in groups.items()}
        self._thin = True
        self.n_samples_seen_ = {int(k): _rows_count(r) for k, r in groups.items()}
        self.shrinkage_ = {int(k): f.shrinkage for k, f in fac.items()}
        sources = sorted(k for k in fac if k > 0)
        if not sources or -1 not in fac:
            self._identity(d, fac[sources[0] if sources else -1].mean)
            return None
        target = fac[-1]
        self._factors, training = [], {}
        for dom in sources:
            cross = _centred_cross(fac[dom], target)
            self._factors.append(_ThinMap(fac[dom], target, cross))
            training[dom] = (fac[dom].gram, cross)
        for f in fac.values():
            f.gram = None  # only the training rows' products needed it
        self.source_domains_ = np.asarray(sources, dtype=np.int64)
        self.mean_source_ = np.stack([fac[dom].mean for dom in sources])
        self.mean_target_ = target.mean
        return training

    def _identity(self, d, mean):
        self.source_domains_ = np.array([], dtype=np.int64)
        self._mapping = np.empty((0, d, d))
        self.mean_source_ = np.empty((0, d))
        self.mean_target_ = mean

    @property
    def mapping_(self):
        """Linear part ``A_k`` of each source domain's map.

        With more features than rows (the thin path) the map is kept factored
        and formed here, once, on first access.
        """
        if "_mapping" not in vars(self):
            if "_factors" not in vars(self):
                raise AttributeError("mapping_")
            d = self.n_features_in_
            check_dense_memory(
                8 * d * d * len(self._factors),
                what=f"CORAL's {d} x {d} mapping_",
                remedy="transform (which applies the factored map)",
            )
            eye = np.eye(d)
            self._mapping = np.stack([m.apply(eye) for m in self._factors])
        return self._mapping

    def _finish(self):
        stats = {
            dom: (acc.n, acc.mean, acc.covariance(), acc.sum_sq_norm_sq())
            for dom, acc in self._stats.items()
        }
        self.n_samples_seen_ = {int(d): int(s[0]) for d, s in stats.items()}
        d = self.n_features_in_
        self.shrinkage_ = {}
        sources = sorted(dom for dom in stats if dom > 0)
        targets = [dom for dom in stats if dom < 0]
        if not sources or not targets:
            pool = stats[sources[0] if sources else targets[0]] if stats else None
            self._identity(d, pool[1] if pool is not None else np.zeros(d))
            return
        n_t, mean_t, cov_t, m4_t = stats[targets[0]]
        cov_t_reg, self.shrinkage_[-1] = regularised_covariance(
            cov_t, m4_t, n_t, self.reg
        )
        sqrt_t, _ = sym_sqrt_invsqrt(cov_t_reg)
        mappings, means, self._uncentred = [], [], []
        for k, dom in enumerate(sources):
            n_s, mean_s, cov_s, m4_s = stats[dom]
            if near_zero_mean(mean_s, np.diag(cov_s)):
                self._uncentred.append(k)
            cov_s_reg, self.shrinkage_[dom] = regularised_covariance(
                cov_s, m4_s, n_s, self.reg
            )
            _, inv_sqrt_s = sym_sqrt_invsqrt(cov_s_reg)
            A = inv_sqrt_s @ sqrt_t
            mappings.append(A)
            means.append(mean_s)
        self.source_domains_ = np.asarray(sources, dtype=np.int64)
        self._mapping = np.stack(mappings)
        self.mean_source_ = np.stack(means)
        self.mean_target_ = mean_t

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X, y=None, *, sample_domain=None):
        """Fit the maps, then map the source rows of ``X`` (one validation pass).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Source and target rows.
        y : array-like of shape (n_samples,), default=None
            Labels with target labels masked; used to infer the domains when
            ``sample_domain`` is None.
        sample_domain : array-like of shape (n_samples,), default=None
            Domain id of each row.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features)
            Source rows mapped onto the target, target rows unchanged.
        """
        X, sd, training = self._fit(X, y, sample_domain)
        if is_dask_array(X):
            return dask_map_rows(X, sd, self._transform, X.shape[1], X.dtype)
        if training is None:
            return self._transform(X, sd)
        # thin path: the training source rows' products with the domains' rows
        # are the Grams the fit computed, so mapping them costs two products
        out = np.empty(X.shape, dtype=X.dtype)
        for dom, rows in domain_rows(np.where(sd < 0, -1, sd)).items():
            if dom < 0:
                out[rows] = X[rows].toarray() if sparse.issparse(X) else X[rows]
                continue
            thin = self._factors[int(np.searchsorted(self.source_domains_, dom))]
            mapped = thin.apply(thin.source.centred(), *training[dom])
            mapped += self.mean_target_
            out[rows] = mapped
        return out

    def _fit(self, X, y, sample_domain):
        self._reset()
        if is_dask_array(X):
            X, sd = validate_dask(self, X, y, sample_domain, reset=True)
            self._stats = {}
            self._accumulate_dask(X, sd)
            self._finish()
            return X, sd, None
        X = validate_data(
            self, X, dtype=[np.float64, np.float32], accept_sparse=["csr", "csc"]
        )
        sd = _fit_domains(sample_domain, y, X.shape[0], "CORAL")
        groups = domain_rows(np.where(sd < 0, -1, sd))
        sizes = [_rows_count(r) for r in groups.values()]
        if len(groups) > 1 and X.shape[1] > max(sizes):
            # more features than rows in every domain: thin factorisations of the
            # covariances instead of d x d statistics and eigendecompositions
            return X, sd, self._finish_thin(X, groups)
        self._stats = {}
        self._accumulate(X, sd)
        self._finish()
        return X, sd, None

    def _uncentred_sources(self):
        return getattr(self, "_uncentred", ())

    def _apply_map(self, k, centred, out, block):
        if "_factors" not in vars(self):
            return super()._apply_map(k, centred, out, block)
        out[block] = self._factors[k].apply(centred)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        tags.input_tags.sparse = True
        return tags


def _rows_count(rows):
    if isinstance(rows, slice):
        return rows.stop - rows.start
    return int(rows.shape[0])
