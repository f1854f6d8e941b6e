"""Transfer Component Analysis (Pan, Tsang, Kwok & Yang, 2011).

The maths works on a factor ``Phi`` of the (possibly Nystroem-approximated) kernel
matrix, ``K ~ Phi Phi^T`` with ``Phi = K(X, landmarks) T`` and
``T = V_m diag(w_m)^{-1/2}`` from the eigendecomposition of the landmark kernel.
With every row as a landmark the factor is exact (``Phi Phi^T = K``), so the exact
and the landmark paths are one code path and agree to rounding.
"""

from numbers import Integral, Real

import numpy as np
from scipy import linalg
from scipy.sparse.linalg import LinearOperator, eigsh
from sklearn import get_config
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import validate_data

from .._base import (
    DATransformerMixin,
    DomainMixin,
    _fit_domains,
)
from .._core import (
    check_dense_memory,
    iter_kernel_blocks,
    median_heuristic_gamma,
    pairwise_kernel,
)
from ..utils._docstrings import FRAGMENTS, Substitution
from ..utils._sklearn import HasMethods, Interval, StrOptions, _fit_context
from ._rowmap import validate_transform_rows

__all__ = ["TCA"]

# relative floor under which kernel eigenvalues are dropped (numerical rank)
_RTOL = 1e-10
# MiB one kernel block may take, whatever sklearn's working_memory (default 1 GiB)
_MAX_BLOCK_MIB = 128
# the "auto" landmark rule: exact up to this many rows, then this many landmarks
_AUTO_LANDMARKS = 2000
# up to this many features the top input variance comes from a dense d x d eigh
_DENSE_COV_MAX = 128


# What TCA, JDA and BDA share: the parameters, constraints and fitted attributes
# of the kernel embedding (fragments substituted at four spaces, a class
# docstring's entries), and those of the pseudo-labelling rounds of JDA and BDA.
EMBEDDING_CONSTRAINTS = {
    "n_components": [Interval(Integral, 1, None, closed="left"), None],
    "kernel": [StrOptions({"rbf", "linear", "cosine"})],
    "gamma": [Interval(Real, 0, None, closed="neither"), None],
    "mu": [Interval(Real, 0, None, closed="neither")],
    "n_landmarks": [
        Interval(Integral, 1, None, closed="left"),
        StrOptions({"auto"}),
        None,
    ],
    "random_state": ["random_state"],
}
PSEUDO_LABEL_CONSTRAINTS = {
    "estimator": [HasMethods(["fit", "predict"]), None],
    "n_iter": [Interval(Integral, 0, None, closed="left")],
}
EMBEDDING_FRAGMENTS = {
    **FRAGMENTS,
    "embedding_parameters": """n_components : int or None, default=None
        Dimension of the embedding. None keeps ``min(n_features, rank)`` where
        ``rank`` is the numerical rank of the (approximate) kernel matrix.
    kernel : {"rbf", "linear", "cosine"}, default="linear"
        Kernel of the feature space; ``"rbf"`` takes a median-heuristic width.
        The linear default is the cheaper to fit; the benchmark results page
        compares both kernels on the bundled suites.
    gamma : float or None, default=None
        Width of the RBF kernel; None takes the median heuristic on the pooled rows
        (``1 / median squared distance``), which does not depend on the units or
        the dimension of the data.
    mu : float, default=1.0
        Weight of the variance-control term. It is relative to the squared mean of
        the kernel diagonal, so for the RBF kernel (diagonal 1) it is the paper's
        ``mu``, and for any other kernel it does not depend on the data's scale.
        Larger values keep more variance; smaller values match the domains harder.
    n_landmarks : int, "auto" or None, default="auto"
        Rows used for the Nystroem approximation of the kernel. None uses every row
        (the exact method, ``O(n^3)`` time and ``O(n^2)`` memory; a
        :class:`~skadapt.exceptions.MemoryLimitError` is raised before allocating
        when its ``n x n`` matrices would pass the dense-memory limit, see
        :func:`skadapt._core.check_dense_memory`). An int ``m``
        draws ``m`` rows at random (``O(n m^2)`` time, memory bounded by the kernel
        block size and ``m^2``). ``"auto"`` is exact up to 2000 rows and uses 1000
        landmarks above; with the linear kernel and fewer features than rows it
        uses the primal form (the unit vectors as landmarks, so the factor is
        ``X`` itself: exact, ``O(n d^2)``).
    random_state : int, RandomState instance or None, default=None
        Draws the landmarks.""",
    "embedding_attributes": """landmarks_ : ndarray of shape (n_landmarks, n_features)
        Rows the out-of-sample map evaluates the kernel against.
    projection_ : ndarray of shape (n_landmarks, n_components)
        A row ``x`` embeds as ``K(x, landmarks_) @ projection_``.
    eigenvalues_ : ndarray of shape (n_components,)
        Values of the objective for each component, decreasing; the embedded
        training rows' variances are proportional to them.
    gamma_ : float or None
        The RBF width used (None for the other kernels).""",
    "pseudo_label_parameters": """estimator : estimator object or None, default=None
        Classifier giving the target pseudo-labels, cloned at each round. None
        labels each target row with the class whose embedded source centroid is
        nearest (:class:`~sklearn.neighbors.NearestCentroid`): the class means are
        what the class-conditional terms align, and the cost is linear in the
        rows. The paper's 1-nearest-neighbour classifier
        (``KNeighborsClassifier(n_neighbors=1)``) costs ``n_source x n_target``
        distances per round, quadratic in the rows.
    n_iter : int, default=10
        Number of pseudo-labelling rounds; ``0`` gives TCA. The ``n x rank``
        factor of the kernel stays in memory to re-embed the rows at each round.""",
    "pseudo_label_attributes": """classes_ : ndarray of shape (n_classes,) or None
        Classes of the labelled source rows (None when no round was run).
    pseudo_labels_ : ndarray of shape (n_target_rows,) or None
        Labels of the target rows used in the last round (None when no round was
        run).""",
    "pseudo_label_fit": """Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Source and target rows.
        y : array-like of shape (n_samples,), default=None
            Class labels with target labels masked (``-1``). Needed when
            ``n_iter > 0`` and both domains are present.
        sample_domain : array-like of shape (n_samples,), default=None
            Domain id of each row: ``>= 1`` source, ``<= -1`` target.

        Returns
        -------
        self : object
            The fitted transformer.""",
}


def _kernel_kwargs(kernel, gamma, X):
    if kernel == "rbf":
        return {"gamma": median_heuristic_gamma(X) if gamma is None else gamma}
    return {}


def _landmark_factor(L, kernel, kwargs):
    """``T`` such that ``Phi = K(X, L) @ T`` factors the Nystroem kernel."""
    K = pairwise_kernel(L, L, kernel=kernel, **kwargs)
    w, V = linalg.eigh(K, check_finite=False)
    top = w[-1] if w.size else 0.0
    keep = w > max(top, np.finfo(np.float64).tiny) * _RTOL
    return V[:, keep] / np.sqrt(w[keep])


def _blocks(X, L, T, kernel, kwargs):
    """Yield ``(rows, Phi[rows])`` in bounded memory."""
    wm = min(get_config()["working_memory"], _MAX_BLOCK_MIB)
    for rows, Kb in iter_kernel_blocks(
        X, L, kernel=kernel, working_memory=wm, **kwargs
    ):
        yield rows, Kb @ T


def _onehot(codes, n_groups, dtype=np.float64):
    out = np.zeros((codes.shape[0], n_groups), dtype=dtype)
    out[np.arange(codes.shape[0]), codes] = 1.0
    return out


def _factor_stats(X, L, T, codes, n_groups, kernel, kwargs):
    """``Phi^T Phi`` and the per-group sums ``S[g] = sum_{i in g} Phi_i``, streamed.

    With ``Phi = C T`` and ``C = K(X, L)``, ``Phi^T Phi = T^T (C^T C) T``: the
    blocks of ``C`` are accumulated into the ``m x m`` Gram ``C^T C`` (one SYRK
    per block, ``n m^2`` flops in all) and ``T`` is applied once at the end,
    instead of forming ``C_b T`` for every block and its Gram (``3 n m r``
    flops). The rounding of ``C^T C`` is amplified by ``T`` (whose columns scale
    like the inverse square roots of the landmark kernel's eigenvalues) no more
    than that of ``C_b T`` is: both are ``O(eps ||C||^2 ||T||^2)``, the size the
    numerical-rank floor of the next step discards.
    """
    wm = min(get_config()["working_memory"], _MAX_BLOCK_MIB)
    m = L.shape[0]
    CtC = np.zeros((m, m))
    S0 = np.zeros((n_groups, m))
    for rows, Kb in iter_kernel_blocks(
        X, L, kernel=kernel, working_memory=wm, **kwargs
    ):
        CtC += Kb.T @ Kb  # SYRK
        S0 += _onehot(codes[rows], n_groups).T @ Kb
    G = T.T @ CtC @ T
    G += G.T
    G *= 0.5
    return G, S0 @ T


def _orthogonal_basis(G):
    """Eigenpairs ``(s, U)`` of ``G = Phi^T Phi`` above the numerical rank floor."""
    s, U = linalg.eigh(G, check_finite=False)
    top = s[-1] if s.size else 0.0
    keep = s > max(top, np.finfo(np.float64).tiny) * _RTOL
    return s[keep], U[:, keep]


def tca_components(gram, b_sum, b_contrasts, n_samples, n_components, mu):
    r"""Solve TCA's eigenproblem given the training rows' coordinates ``B``.

    TCA maximises ``tr((u^T (B^T L B + mu I) u)^{-1} u^T B^T H B u)`` where ``B`` is
    either the kernel matrix itself (exact path, ``u = W``) or the rows'
    coordinates in an orthogonal basis of the approximate kernel (landmark path).
    ``L = sum_k e_k e_k^T`` has low rank, so ``B^T L B + mu I`` is whitened in
    closed form and one symmetric eigendecomposition (leading part only) solves
    the problem.

    Parameters
    ----------
    gram : ndarray of shape (r, r)
        ``B^T B``.
    b_sum : ndarray of shape (r,)
        ``B^T 1``, the column sums of ``B``.
    b_contrasts : ndarray of shape (n_contrasts, r)
        ``B^T e_k`` for each MMD contrast vector ``e_k``.
    n_samples : int
        Number of rows.
    n_components : int
        Number of leading components.
    mu : float
        Effective weight of the variance-control term (positive).

    Returns
    -------
    u : ndarray of shape (r, n_components)
        Leading generalised eigenvectors, ordered by decreasing eigenvalue and
        normalised by ``u^T (B^T L B + mu I) u = I``.
    eigenvalues : ndarray of shape (n_components,)
        The corresponding eigenvalues, decreasing.
    """
    r = gram.shape[0]
    M = gram - np.outer(b_sum, b_sum) / n_samples
    a = 1.0 / np.sqrt(mu)
    C = b_contrasts
    # (mu I + C^T C)^{-1/2} = a I + Q diag(c) Q^T with Q the row space of C
    sig2, P = linalg.eigh(C @ C.T, check_finite=False)
    keep = sig2 > max(sig2.max(initial=0.0), np.finfo(np.float64).tiny) * _RTOL
    Q = (C.T @ P[:, keep]) / np.sqrt(sig2[keep])
    R = Q * (1.0 / np.sqrt(mu + sig2[keep]) - a)
    MQ = M @ Q
    A = M * (a * a)
    A += a * (R @ MQ.T + MQ @ R.T) + R @ (Q.T @ MQ) @ R.T
    vals, v = linalg.eigh(
        A, subset_by_index=[r - n_components, r - 1], check_finite=False
    )
    u = a * v + R @ (Q.T @ v)
    return u[:, ::-1], vals[::-1]


def _top_input_variance(X):
    """Largest variance of the rows of ``X`` along a direction of the input space.

    The top eigenvalue of the (``1/n``) covariance: dense for few features, else
    by Lanczos on ``X_c^T X_c / n`` as an operator (no centred copy, no
    ``d x d`` matrix) from a fixed start vector, so the result is deterministic.
    """
    n, d = X.shape
    mean = X.mean(axis=0)
    if d <= _DENSE_COV_MAX:
        Xc = X - mean
        return float(linalg.eigvalsh(Xc.T @ Xc / n, check_finite=False)[-1])
    if not np.any(X != X[0]):
        return 0.0  # every row equal: no variance (ARPACK needs a non-zero operator)

    def matvec(v):
        v = np.ravel(v)
        return (X.T @ (X @ v) - n * mean * (mean @ v)) / n

    op = LinearOperator((d, d), matvec=matvec, dtype=np.float64)
    v0 = np.random.RandomState(0).uniform(0.5, 1.5, size=d)
    top = eigsh(op, k=1, which="LA", v0=v0, return_eigenvectors=False)
    return float(top[0])


def _data_unit_scale(vals, top_variance, n_samples):
    r"""Factor that puts the TCA embedding in the units of the input rows.

    With the normalisation ``u^T (B^T L B + mu' I) u = I`` the training rows'
    embedding ``Z = B u`` has column variances ``vals / n``: a number that does
    not depend on the data's units and grows with the number of rows.
    Multiplying ``u`` by the returned factor gives the leading component the
    variance ``top_variance`` of the rows' leading principal direction, and
    keeps the ratios between components.
    """
    tiny = np.finfo(np.float64).tiny
    if vals.size == 0 or vals[0] <= tiny or top_variance <= tiny:
        return 1.0
    return float(np.sqrt(n_samples * top_variance / vals[0]))


def _domain_codes(sd):
    """Group code per row: one per source id, then one for the pooled targets."""
    sources = np.unique(sd[sd > 0])
    codes = np.searchsorted(sources, sd)
    codes[sd < 0] = sources.size
    return sources, codes


def _marginal_contrasts(counts, n_sources):
    """Contrast coefficients over groups: each source against the pooled target."""
    C = np.zeros((n_sources, n_sources + 1))
    for k in range(n_sources):
        C[k, k] = 1.0 / counts[k]
        C[k, n_sources] = -1.0 / counts[n_sources]
    return C


def _resolve_n_components(n_components, n_features, rank, caller):
    k = min(n_features, rank) if n_components is None else n_components
    if k > rank:
        raise ValueError(
            f"{caller}: n_components={k} exceeds the numerical rank {rank} of the "
            "kernel matrix (at most the number of rows or landmarks); choose "
            f"n_components <= {rank}."
        )
    return k


class _KernelEmbeddingMixin(DATransformerMixin):
    """Shared validation, landmark choice and transform of TCA and JDA."""

    def _validate_kernel_fit(self, X, y, sample_domain):
        X = validate_data(self, X, dtype=[np.float64, np.float32])
        name = type(self).__name__
        sd = _fit_domains(sample_domain, y, X.shape[0], name)
        n = X.shape[0]
        if self.n_components is not None and self.n_components > n:
            raise ValueError(
                f"{name}: n_components={self.n_components} is larger than the "
                f"number of rows ({n})."
            )
        Xf = np.asarray(X, dtype=np.float64)
        d = X.shape[1]
        primal = self.kernel == "linear" and self.n_landmarks == "auto" and d < n
        if primal:
            m = d
        elif self.n_landmarks == "auto":
            m = n if n <= _AUTO_LANDMARKS else _AUTO_LANDMARKS // 2
        elif self.n_landmarks is None:
            m = n
        else:
            m = min(self.n_landmarks, n)
        if not primal and self.n_components is not None and self.n_components > m:
            raise ValueError(
                f"{name}: n_components={self.n_components} is larger than the "
                f"number of landmarks ({m}); raise n_landmarks or lower n_components."
            )
        if primal:
            # the unit vectors as landmarks: K(X, L) = X, an exact factor of X X^T
            L = np.eye(d)
        elif self.n_landmarks is None or (self.n_landmarks == "auto" and m == n):
            L = None  # the exact path
        else:
            rng = check_random_state(self.random_state)
            L = Xf[rng.choice(n, m, replace=False)]
        kwargs = _kernel_kwargs(self.kernel, self.gamma, Xf)
        return X, Xf, sd, L, kwargs

    def _exact_coordinates(self, Xf, kwargs):
        """Exact path: the coordinates are the kernel matrix itself (``W = u``)."""
        n = Xf.shape[0]
        name = type(self).__name__
        # the kernel, its square (or the JDA products) and the eigensolver's copy
        check_dense_memory(
            24 * n**2,
            what=f"{name}'s exact path (an {n} x {n} kernel, its square and an "
            "eigendecomposition workspace)",
            remedy=f"{name}(n_landmarks='auto') or an integer n_landmarks (a "
            "Nystroem approximation, linear in the number of rows)",
        )
        K = pairwise_kernel(Xf, Xf, kernel=self.kernel, **kwargs)
        K += K.T
        K *= 0.5
        return K, float(np.trace(K)) / Xf.shape[0]

    def _store(self, landmarks, projection, vals, kwargs):
        self.landmarks_ = landmarks
        self.projection_ = projection
        self.eigenvalues_ = vals
        self.gamma_ = kwargs.get("gamma")
        self._kwargs = kwargs
        self._n_features_out = projection.shape[1]

    @Substitution(**FRAGMENTS)
    def transform(self, X, **params):
        """Embed rows into the learned components (the same map for every domain).

        Parameters
        ----------
        %(transform_parameters)s

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_components)
            Embedded rows, in the dtype of ``X``.
        """
        X, _ = validate_transform_rows(self, X, params, "projection_")
        Xf = np.asarray(X, dtype=np.float64)
        out = np.empty((X.shape[0], self._n_features_out), dtype=X.dtype)
        wm = min(get_config()["working_memory"], _MAX_BLOCK_MIB)
        for rows, Kb in iter_kernel_blocks(
            Xf, self.landmarks_, kernel=self.kernel, working_memory=wm, **self._kwargs
        ):
            out[rows] = Kb @ self.projection_
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


@Substitution(**EMBEDDING_FRAGMENTS)
class TCA(
    ClassNamePrefixFeaturesOutMixin,
    _KernelEmbeddingMixin,
    DATransformerMixin,
    DomainMixin,
    BaseEstimator,
):
    r"""Transfer Component Analysis: a kernel embedding that shrinks the domain MMD.

    TCA [1]_ finds the directions of a kernel feature space that keep the variance
    of all rows while making the source and target means close (a small maximum
    mean discrepancy). Every row, source or target, is embedded by the same map,
    and new rows get the out-of-sample embedding ``K(x, landmarks) @ projection_``.

    With several source domains the MMD term sums one source-versus-target
    discrepancy per source id (each source is pulled towards the pooled target).
    When only one domain is present the MMD term vanishes and TCA keeps only its
    variance-maximising part, a kernel-PCA-like embedding (the non-adaptive
    baseline).

    Parameters
    ----------
    %(embedding_parameters)s

    Attributes
    ----------
    %(embedding_attributes)s
    %(feature_attributes)s

    See Also
    --------
    JDA : TCA plus class-conditional MMD with target pseudo-labels.
    SubspaceAlignment : A linear, PCA-based alignment.

    Notes
    -----
    With ``K`` the kernel matrix of all ``n`` rows, ``H = I - 11^T / n`` and
    ``L = \sum_k e_k e_k^T`` where ``e_k`` holds ``1/n_k`` on the rows of source
    ``k`` and ``-1/n_t`` on the target rows, TCA solves

    .. math:: \max_W \operatorname{tr}\big((W^T (K L K + \mu' I) W)^{-1}
              W^T K H K W\big),

    whose solution is the leading eigenvectors of ``(KLK + \mu' I)^{-1} KHK``, and
    embeds the rows as ``Z = c K W``; ``\mu' = \mu (\operatorname{tr} K / n)^2``.

    ``L`` has rank at most the number of sources, so ``KLK + \mu' I`` is whitened
    in closed form and one partial symmetric eigendecomposition gives the
    leading components (the exact path costs one ``n x n`` product and one
    partial ``eigh``).

    The constraint ``W^T (K L K + \mu' I) W = I`` fixes the embedding only up to
    its units: the columns of ``K W`` have variances ``eigenvalues_ / n``, numbers
    that ignore the data's units and grow with the number of rows, so a
    regularised model fitted downstream would see an effective regularisation
    that changes with ``n`` (on the bundled digits, ``n = 3800``, the unscaled
    leading component had ~200 times the variance of the rows' leading principal
    component, and logistic regression fell below source-only). The scalar

    .. math:: c = \sqrt{n \lambda_1 / \nu_1},

    with :math:`\nu_1` the first of ``eigenvalues_`` and :math:`\lambda_1` the
    top eigenvalue of the covariance of the input rows (their largest variance
    along any direction), gives the leading component exactly that variance and
    keeps the ratios between components. The embedding is then in the units of
    the input, whatever the kernel: a downstream model's regularisation means
    what it means on the raw features, the embedding scales with the data like
    PCA scores, and it does not depend on ``n_components``. (The kernel feature
    space's own units would not do: the RBF feature space has total variance at
    most 1, and logistic regression on the embedding collapsed to chance on
    Office-Caltech and Amazon when its leading component was given the top
    variance of ``H K H / n``.) For the linear kernel the two coincide.

    The landmark option replaces ``K`` by its Nystroem approximation
    ``\Phi \Phi^T`` with ``\Phi = K_{nm} K_{mm}^{-1/2}`` [2]_ and solves the same
    problem in an orthonormal basis of the range of ``\Phi``: with
    ``\Phi^T \Phi = U S U^T`` and ``B = \Phi U S^{1/2}`` the rows' coordinates,

    .. math:: \max_u \operatorname{tr}\big((u^T (B^T L B + \mu' I) u)^{-1}
              u^T B^T H B u\big), \qquad B^T B = S^2 .

    Only ``\Phi^T \Phi`` and per-domain sums of ``\Phi`` are needed, accumulated
    over bounded blocks of rows, so the cost is ``O(n m^2)`` and the memory does
    not grow with ``n^2``. With every row as a landmark the approximation is exact
    and both paths give the same embedding.

    References
    ----------
    .. [1] S. J. Pan, I. W. Tsang, J. T. Kwok and Q. Yang, "Domain Adaptation via
       Transfer Component Analysis", IEEE Transactions on Neural Networks 22(2),
       2011.
    .. [2] C. K. I. Williams and M. Seeger, "Using the Nystroem Method to Speed Up
       Kernel Machines", NIPS 2001.

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt import TCA
    >>> from skadapt.datasets import make_domain_shift
    >>> X, y, sample_domain, _ = make_domain_shift(
    ...     60, 60, n_features=5, shift="covariate", random_state=0)
    >>> tca = TCA(n_components=2).fit(X, y, sample_domain=sample_domain)
    >>> tca.transform(X).shape
    (120, 2)
    """

    _parameter_constraints: dict = {**EMBEDDING_CONSTRAINTS}

    def __init__(
        self,
        *,
        n_components=None,
        kernel="linear",
        gamma=None,
        mu=1.0,
        n_landmarks="auto",
        random_state=None,
    ):
        self.n_components = n_components
        self.kernel = kernel
        self.gamma = gamma
        self.mu = mu
        self.n_landmarks = n_landmarks
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    @Substitution(**FRAGMENTS)
    def fit(self, X, y=None, *, sample_domain=None):
        """Learn the transfer components from source and target rows.

        %(transformer_fit)s
        """
        X, Xf, sd, L, kwargs = self._validate_kernel_fit(X, y, sample_domain)
        n = X.shape[0]
        sources, codes = _domain_codes(sd)
        n_groups = sources.size + 1
        counts = np.bincount(codes, minlength=n_groups)
        if L is None:
            K, scale = self._exact_coordinates(Xf, kwargs)
            gram, S = K @ K, _onehot(codes, n_groups).T @ K
            rank = n
        else:
            T = _landmark_factor(L, self.kernel, kwargs)
            G, S0 = _factor_stats(Xf, L, T, codes, n_groups, self.kernel, kwargs)
            s, U = _orthogonal_basis(G)
            F = U * np.sqrt(s)
            gram, S = np.diag(s * s), S0 @ F
            scale, rank = s.sum() / n, s.size
        k = _resolve_n_components(self.n_components, X.shape[1], rank, "TCA")
        if sources.size and counts[-1]:
            b_contrasts = _marginal_contrasts(counts, sources.size) @ S
        else:
            b_contrasts = np.zeros((0, gram.shape[0]))
        mu = self.mu * scale * scale
        u, vals = tca_components(gram, S.sum(axis=0), b_contrasts, n, k, mu)
        u = u * _data_unit_scale(vals, _top_input_variance(Xf), n)
        if L is None:
            self._store(Xf, u, vals, kwargs)
        else:
            self._store(L, T @ (F @ u), vals, kwargs)
        return self
