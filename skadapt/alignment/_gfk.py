"""Geodesic Flow Kernel (Gong, Shi, Sha & Grauman, 2012)."""

from numbers import Integral

import numpy as np
from scipy import linalg
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin
from sklearn.utils.validation import validate_data

from .._base import (
    DATransformerMixin,
    DomainMixin,
    _fit_domains,
)
from .._core import check_dense_memory, mean_cov, sym_power
from ..utils._docstrings import FRAGMENTS, Substitution
from ..utils._sklearn import Interval, StrOptions, _fit_context
from ._rowmap import validate_transform_rows
from ._subspace import _pca_basis

__all__ = ["GFK"]

# "auto": the subspace disagreement measure must come this close to 1 (a
# principal angle within about 8 degrees of orthogonality: sin 82 deg = 0.990)
_SDM_THRESHOLD = 0.99
# "auto" looks at most at this many dimensions (and at most half the rows of the
# smaller domain and half the features)
_SDM_MAX_DIM = 200
# principal angles whose sine is below this are "no rotation": their flow
# direction out of the source subspace is undefined and carries no weight
_ANGLE_FLOOR = 1e-8


def _principal_angles(Ps, Pt):
    """Cosines ``g``, angles, and rotated bases of two orthonormal bases.

    ``Ps^T Pt = U diag(g) V^T`` (an SVD) gives the principal vectors ``Ps U`` and
    ``Pt V``, and the principal angles ``arccos(g)``.
    """
    U, g, Vt = linalg.svd(Ps.T @ Pt, check_finite=False)
    g = np.clip(g, -1.0, 1.0)
    return U, g, Vt.T


def gfk_factor(Ps, Pt):
    r"""Factor ``G = W M W^T`` of the geodesic flow kernel between two subspaces.

    Parameters
    ----------
    Ps, Pt : ndarray of shape (n_features, d)
        Orthonormal bases of the source and target subspaces.

    Returns
    -------
    W : ndarray of shape (n_features, 2 d)
        Orthonormal columns: the source principal vectors ``Ps U``, then the unit
        directions ``E`` the geodesic leaves the source subspace along (zero
        columns for principal angles 0, which carry no weight).
    M : ndarray of shape (2 d, 2 d)
        Symmetric positive semi-definite, with ``G = W M W^T =
        \int_0^1 \Phi(t) \Phi(t)^T dt``.
    angles : ndarray of shape (d,)
        Principal angles (radians), increasing.
    """
    U, g, V = _principal_angles(Ps, Pt)
    B = Ps @ U
    # Pt V = B diag(g) - E diag(s): the part of the target principal vectors
    # outside the source subspace, normalised, without forming the complement;
    # the sines come from its column norms (arccos is ill-conditioned near 0)
    E = B * g - Pt @ V
    s = np.sqrt(np.einsum("ij,ij->j", E, E))
    theta = np.arctan2(s, g)
    moving = s > _ANGLE_FLOOR
    E[:, moving] /= s[moving]
    E[:, ~moving] = 0.0
    t = np.maximum(theta, _ANGLE_FLOOR)
    # \int_0^1 cos^2, -cos sin and sin^2 of (t theta) dt
    cc = 0.5 * (1.0 + np.sin(2 * t) / (2 * t))
    cs = 0.5 * (np.cos(2 * t) - 1.0) / (2 * t)
    ss = 0.5 * (1.0 - np.sin(2 * t) / (2 * t))
    cs[~moving] = 0.0
    ss[~moving] = 0.0
    d = theta.shape[0]
    i = np.arange(d)
    M = np.zeros((2 * d, 2 * d))
    M[i, i] = cc
    M[i, d + i] = cs
    M[d + i, i] = cs
    M[d + i, d + i] = ss
    return np.hstack([B, E]), M, theta


def _subspace_disagreement(Ps, Pt, Pst):
    """``D(d) = (sin a_d + sin b_d) / 2`` for ``d = 1 .. Ps.shape[1]``.

    ``a_d`` (``b_d``) is the largest principal angle between the leading ``d``
    source (target) directions and the leading ``d`` directions of both domains.
    """
    out = np.empty(Ps.shape[1])
    A, Bm = Ps.T @ Pst, Pt.T @ Pst
    for d in range(1, Ps.shape[1] + 1):
        a = linalg.svdvals(A[:d, :d], check_finite=False).min(initial=1.0)
        b = linalg.svdvals(Bm[:d, :d], check_finite=False).min(initial=1.0)
        out[d - 1] = 0.5 * (np.sqrt(max(0.0, 1 - a * a)) + np.sqrt(max(0.0, 1 - b * b)))
    return out


@Substitution(**FRAGMENTS)
class GFK(
    ClassNamePrefixFeaturesOutMixin, DATransformerMixin, DomainMixin, BaseEstimator
):
    r"""Geodesic Flow Kernel: integrate over the subspaces between the domains.

    GFK [1]_ summarises each domain by its ``n_components`` leading principal
    directions and walks the geodesic between the two subspaces on the
    Grassmann manifold. Projecting a row on every subspace along the way and
    integrating the inner products gives the kernel ``<x, y>_G = x^T G y``.
    The transformer returns rows mapped by the square root of ``G``, so a
    Euclidean model on the output (a nearest-neighbour classifier, logistic
    regression) works with the GFK geometry. Every row, source or target, goes
    through the same map.

    Several source domains are pooled into one source subspace. When only one
    domain is present the two subspaces coincide and the map is the projection
    on the leading principal directions (PCA, the non-adaptive baseline).

    Parameters
    ----------
    n_components : int or "auto", default="auto"
        Dimension ``d`` of the source and target subspaces; the output has up to
        ``2 d`` columns (the geodesic flow spans ``d`` source directions and up
        to ``d`` directions it moves along). ``"auto"`` takes the smallest ``d``
        whose subspace disagreement measure [1]_ reaches 0.99 (see Notes),
        searched up to 200 and at most half the rows of the smaller domain and
        half the features; when none does, the largest dimension searched.

    Attributes
    ----------
    n_components_ : int
        Subspace dimension used.
    subspace_disagreement_ : ndarray of shape (n_searched,) or None
        ``D(1), D(2), ...`` as computed by ``"auto"`` (None for an int).
    principal_angles_ : ndarray of shape (`n_components_`,)
        Principal angles (radians) between the source and target subspaces.
    projection_ : ndarray of shape (n_features, n_features_out)
        A row ``x`` maps to ``x @ projection_``; ``projection_ @ projection_.T``
        is the GFK matrix ``G``.
    %(feature_attributes)s

    See Also
    --------
    SubspaceAlignment : Aligns the two subspaces by one linear map.
    MEDA : A classifier built on GFK features.

    Notes
    -----
    With ``Ps``, ``Pt`` orthonormal bases of the two subspaces and the SVD
    ``Ps^T Pt = U \cos\Theta V^T`` (principal angles :math:`\theta_i`), the
    geodesic from ``Ps`` to ``Pt`` is

    .. math:: \Phi(t) = P_s U \cos(t\Theta) - E \sin(t\Theta),
              \qquad E = (P_s U \cos\Theta - P_t V) \sin^{-1}\Theta ,

    (``E`` has orthonormal columns orthogonal to ``Ps``, so the orthogonal
    complement of ``Ps`` is never formed) and the kernel has the closed form

    .. math:: G = \int_0^1 \Phi(t)\Phi(t)^T dt = [P_s U, E]
              \begin{bmatrix} \Lambda_1 & \Lambda_2 \\ \Lambda_2 & \Lambda_3
              \end{bmatrix} [P_s U, E]^T ,

    with the diagonal :math:`\Lambda_1 = \tfrac12(1 + \tfrac{\sin 2\theta}{2
    \theta})`, :math:`\Lambda_2 = \tfrac12 \tfrac{\cos 2\theta - 1}{2\theta}`,
    :math:`\Lambda_3 = \tfrac12(1 - \tfrac{\sin 2\theta}{2\theta})`. As
    ``[Ps U, E]`` has orthonormal columns, ``G^{1/2} = W M^{1/2} W^T`` and the
    output ``x W M^{1/2}`` has the inner products and distances of
    ``x G^{1/2}`` in at most ``2 d`` columns; :math:`M^{1/2}` comes from one
    ``eigh`` with eigenvalue clipping.

    The subspace disagreement measure of [1]_ is
    :math:`D(d) = \tfrac12(\sin\alpha_d + \sin\beta_d)`, with
    :math:`\alpha_d` (:math:`\beta_d`) the largest principal angle between the
    leading ``d`` source (target) directions and the leading ``d`` directions
    of both domains pooled. [1]_ takes the smallest ``d`` with
    :math:`D(d) = 1`: past it the two domains have a direction in which they
    fully disagree. Rounding never gives exactly 1, so ``"auto"`` accepts 0.99
    (an angle within 8 degrees of orthogonal); on two synthetic domains that
    share ``k`` directions and then have orthogonal ones it picks ``k + 1``.

    References
    ----------
    .. [1] B. Gong, Y. Shi, F. Sha and K. Grauman, "Geodesic Flow Kernel for
       Unsupervised Domain Adaptation", CVPR 2012.

    Examples
    --------
    >>> from skadapt import GFK
    >>> from skadapt.datasets import make_domain_shift
    >>> X, y, sample_domain, _ = make_domain_shift(
    ...     60, 60, n_features=5, shift="subspace", random_state=0)
    >>> gfk = GFK(n_components=2).fit(X, y, sample_domain=sample_domain)
    >>> gfk.transform(X).shape
    (120, 4)
    >>> gfk.principal_angles_.round(2)
    array([0.35, 1.03])
    """

    _parameter_constraints: dict = {
        "n_components": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
    }

    def __init__(self, *, n_components="auto"):
        self.n_components = n_components

    @_fit_context(prefer_skip_nested_validation=True)
    @Substitution(**FRAGMENTS)
    def fit(self, X, y=None, *, sample_domain=None):
        """Fit the two subspaces and the geodesic flow kernel between them.

        %(transformer_fit)s
        """
        X = validate_data(self, X, dtype=[np.float64, np.float32])
        sd = _fit_domains(sample_domain, y, X.shape[0], "GFK")
        n_features = X.shape[1]
        check_dense_memory(
            3 * 8 * n_features**2,
            what=f"GFK's {n_features} x {n_features} covariances",
            remedy="fewer features (e.g. a PCA or feature selection step first)",
        )
        src, tgt = sd > 0, sd < 0
        two = src.any() and tgt.any()
        parts = (X[src], X[tgt]) if two else (X, X)
        n_min = min(p.shape[0] for p in parts)
        covs = [mean_cov(p)[1] for p in parts]
        self.subspace_disagreement_ = None
        if self.n_components == "auto":
            k_max = max(1, min(_SDM_MAX_DIM, n_min // 2, n_features // 2))
            if two:
                Ps, Pt = (_pca_basis(c, k_max) for c in covs)
                Pst = _pca_basis(mean_cov(X)[1], k_max)
                sdm = _subspace_disagreement(Ps, Pt, Pst)
                hit = np.flatnonzero(sdm >= _SDM_THRESHOLD)
                k = int(hit[0]) + 1 if hit.size else k_max
                self.subspace_disagreement_ = sdm
            else:
                k = k_max
        else:
            k = self.n_components
            if k > n_features or k > n_min:
                raise ValueError(
                    f"GFK: n_components={k} must be at most the number of features "
                    f"({n_features}) and of rows of the smaller domain ({n_min})."
                )
        Ps, Pt = (_pca_basis(c, k) for c in covs)
        W, M, angles = gfk_factor(Ps, Pt)
        keep = np.any(W != 0.0, axis=0)
        W, M = W[:, keep], M[np.ix_(keep, keep)]
        self.n_components_ = k
        self.principal_angles_ = angles
        self.projection_ = W @ sym_power(M, 0.5)
        self._n_features_out = self.projection_.shape[1]
        return self

    def transform(self, X, **params):
        """Map rows by the square root of the GFK matrix.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to map.
        **params : dict
            Only ``sample_domain`` (array-like of shape (n_samples,)), validated
            in direct calls; the map does not depend on the domain.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features_out)
            Mapped rows, in the dtype of ``X``.
        """
        X, _ = validate_transform_rows(self, X, params, "projection_")
        return X @ self.projection_.astype(X.dtype)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
