"""Manifold Embedded Distribution Alignment (Wang, Feng, Chen, Yu, Huang & Yu, 2018).

The classifier ``f = Phi beta`` lives on a factor ``Phi`` of the kernel matrix, as in
``_tca.py``: ``Phi = K(X, landmarks) T`` with every row as a landmark on the exact
path (then ``Phi Phi^T = K``) and a Nystroem sample above. The structural risk is a
ridge problem in ``beta`` whose matrix changes between rounds only by the low-rank
MMD term, so one Cholesky factor serves every round (Woodbury).
"""

from numbers import Integral, Real

import numpy as np
from scipy import linalg, sparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors
from sklearn.preprocessing import normalize
from sklearn.utils import check_random_state
from sklearn.utils.validation import (
    check_is_fitted,
    validate_data,
)

from .._base import (
    DomainMixin,
    check_classifier_fit,
    check_sample_domain,
)
from .._core import check_dense_memory
from ..utils._docstrings import FRAGMENTS, Substitution
from ..utils._sklearn import Interval, StrOptions, _fit_context
from ._bda import _balance_factor
from ._gfk import GFK
from ._tca import _blocks, _kernel_kwargs, _landmark_factor

__all__ = ["MEDA"]

# the "auto" landmark rule: exact up to this many rows (an n x n factor, one
# eigh), then _AUTO_LANDMARKS // 3 landmarks
_AUTO_LANDMARKS = 3000


def _knn_laplacian(Z, n_neighbors):
    """Normalised Laplacian ``I - D^-1/2 W D^-1/2`` of a cosine k-NN graph.

    ``W`` holds the cosine similarity (clipped at 0) of each row with its
    ``n_neighbors`` nearest rows, symmetrised by the maximum; returned as the
    sparse ``S = D^-1/2 W D^-1/2`` (``L = I - S``).
    """
    n = Z.shape[0]
    k = min(n_neighbors, n - 1)
    if k < 1:
        return sparse.csr_matrix((n, n))
    U = normalize(Z)
    nn = NearestNeighbors(n_neighbors=k + 1).fit(U)
    dist, idx = nn.kneighbors(U)
    # unit rows: cosine = 1 - |u - v|^2 / 2
    sim = np.maximum(1.0 - 0.5 * dist[:, 1:] ** 2, 0.0)
    rows = np.repeat(np.arange(n), k)
    W = sparse.csr_matrix((sim.ravel(), (rows, idx[:, 1:].ravel())), shape=(n, n))
    W = W.maximum(W.T)
    deg = np.asarray(W.sum(axis=1)).ravel()
    inv = np.zeros(n)
    inv[deg > 0] = 1.0 / np.sqrt(deg[deg > 0])
    return sparse.diags(inv) @ W @ sparse.diags(inv)


def _mmd_contrasts(labels, is_source, is_target, n_classes, balance):
    """Contrast vectors ``e_k`` (columns) and weights with ``M = sum w_k e_k e_k^T``.

    The first column is the marginal contrast (``1/n_s`` on source rows,
    ``-1/n_t`` on target rows, weight ``1 - balance``), then one per class
    present in both domains (weight ``balance``). ``M`` is scaled to unit
    Frobenius norm, as in the paper's code.
    """
    n = labels.shape[0]
    cols, w = [], []
    e = np.zeros(n)
    e[is_source] = 1.0 / is_source.sum()
    e[is_target] = -1.0 / is_target.sum()
    cols.append(e)
    w.append(1.0 - balance)
    for c in range(n_classes):
        s, t = is_source & (labels == c), is_target & (labels == c)
        if s.any() and t.any():
            e = np.zeros(n)
            e[s], e[t] = 1.0 / s.sum(), -1.0 / t.sum()
            cols.append(e)
            w.append(balance)
    Emat, w = np.column_stack(cols), np.asarray(w)
    gram = Emat.T @ Emat
    fro = np.sqrt(max(float(w @ (gram * gram) @ w), 0.0))
    return Emat, (w / fro if fro > 0 else w)


def meda_solve(A_chol, U, weights, rhs):
    """Solve ``(A + U diag(weights) U^T) beta = rhs`` from the Cholesky of ``A``.

    Parameters
    ----------
    A_chol : tuple
        ``scipy.linalg.cho_factor`` of the SPD matrix ``A`` (r x r).
    U : ndarray of shape (r, q)
    weights : ndarray of shape (q,), non-negative
    rhs : ndarray of shape (r, n_classes)

    Returns
    -------
    beta : ndarray of shape (r, n_classes)
    """
    keep = weights > 0
    U, weights = U[:, keep], weights[keep]
    x = linalg.cho_solve(A_chol, rhs, check_finite=False)
    if not weights.size:
        return x
    AU = linalg.cho_solve(A_chol, U, check_finite=False)
    C = np.diag(1.0 / weights) + U.T @ AU
    return x - AU @ linalg.solve(C, U.T @ x, assume_a="pos", check_finite=False)


@Substitution(**FRAGMENTS)
class MEDA(ClassifierMixin, DomainMixin, BaseEstimator):
    r"""Manifold Embedded Distribution Alignment: a kernel classifier across domains.

    MEDA [1]_ first maps every row into the Grassmann-manifold features of
    :class:`GFK`, then learns a kernel classifier ``f`` by structural risk
    minimisation: squared loss on the labelled rows, an RKHS norm, a
    *dynamic distribution alignment* term (the MMD between the domains,
    marginal and class by class, balanced by an adaptive factor as in
    :class:`BDA`) and a Laplacian term that keeps ``f`` smooth on the
    nearest-neighbour graph of all rows. The target classes the conditional
    term needs come from pseudo-labels, initialised by 1-nearest-neighbour on
    the GFK features and refreshed by ``f`` itself ``n_iter`` times.

    Labelled target rows (an explicit ``sample_domain``) enter the loss and
    keep their labels. Several source domains are pooled. When only one
    domain is present there is nothing to align: MEDA is then a
    Laplacian-regularised kernel ridge classifier on PCA features (the
    non-adaptive baseline).

    Parameters
    ----------
    n_components : int, default=20
        Subspace dimension of the GFK step (the paper's ``d``), at most the
        number of features and the rows of the smaller domain.
    kernel : {"rbf", "linear", "cosine"}, default="rbf"
        Kernel of the classifier on the unit-norm GFK features.
    gamma : float or None, default=None
        Width of the RBF kernel; None takes the median heuristic.
    alpha : float, default=0.1
        Weight of the RKHS norm (the paper's :math:`\eta`).
    mmd_weight : float, default=10.0
        Weight of the distribution alignment term (the paper's :math:`\lambda`).
    manifold_weight : float, default=1.0
        Weight of the Laplacian term (the paper's :math:`\rho`).
    n_neighbors : int, default=10
        Neighbours of each row in the Laplacian graph (the paper's ``p``).
    balance : float in [0, 1] or "auto", default="auto"
        Weight of the class-conditional MMD (``1 - balance`` on the marginal
        one); ``"auto"`` is the paper's adaptive factor, re-estimated at each
        round from proxy A-distances on the GFK features (see :class:`BDA`).
    n_iter : int, default=10
        Rounds of pseudo-labelling (the paper's ``T``).
    n_landmarks : int, "auto" or None, default="auto"
        Rank of the kernel factor: None is exact (every row a landmark,
        ``O(n^3)`` time once and ``O(n^2)`` memory); an int draws that many
        landmark rows (Nystroem, ``O(n m^2)`` time, ``n m`` floats of
        memory); ``"auto"`` is exact up to 3000 rows and 1000 landmarks above.
    random_state : int, RandomState instance or None, default=None
        Draws the landmarks.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    gfk_ : GFK
        The fitted GFK step.
    landmarks_ : ndarray of shape (n_landmarks, n_features_out)
        Unit-norm GFK rows the kernel is evaluated against.
    dual_coef_ : ndarray of shape (n_landmarks, n_classes)
        ``f(x) = K(x, landmarks_) @ dual_coef_`` on the unit-norm GFK features.
    gamma_ : float or None
        The RBF width used.
    balance_ : float or None
        Balance factor of the last round (None when no round was run).
    balance_history_ : list of float
        The factor of each round.
    pseudo_labels_ : ndarray of shape (n_target_rows,) or None
        Target labels after the last round (None with one domain).
    %(feature_attributes)s

    See Also
    --------
    GFK : The manifold features.
    BDA : The same balanced MMD in a TCA-style embedding.

    Notes
    -----
    With ``K`` the kernel of the unit-norm GFK features of all ``n`` rows,
    ``E`` the diagonal indicator of the labelled rows, ``Y`` their one-hot
    labels (zero rows for unlabelled ones), ``M`` the balanced MMD matrix
    :math:`(1-\mu) M_0 + \mu \sum_c M_c` scaled to unit Frobenius norm (as in
    the paper's code) and ``L = I - D^{-1/2} W D^{-1/2}`` the normalised
    Laplacian of the cosine ``n_neighbors`` graph, MEDA minimises over
    ``f = K \alpha``

    .. math:: \|E^{1/2}(Y - K\alpha)\|_F^2 + \eta \operatorname{tr}(\alpha^T K
              \alpha) + \operatorname{tr}(\alpha^T K (\lambda M + \rho L) K
              \alpha),

    whose minimiser the paper writes
    :math:`\alpha = ((E + \lambda M + \rho L) K + \eta I)^{-1} E Y`. Here
    ``f = \Phi \beta`` with ``\Phi \Phi^T = K`` (exact, or Nystroem with
    landmarks), and :math:`\beta` solves the ``r x r`` SPD system

    .. math:: (\Phi^T E \Phi + \eta I + \rho \Phi^T L \Phi
              + \lambda \Phi^T M \Phi) \beta = \Phi^T E Y ;

    the same minimiser (``f`` agrees with the paper's formula when ``K`` has
    full rank). Only the last term changes between rounds and it has rank at
    most ``n_classes + 1``, so one Cholesky factorisation and a Woodbury
    update per round solve it. The adaptive factor is
    :math:`\hat\mu = \sum_c d_c / (d_M + \sum_c d_c)` from proxy A-distances
    (see :class:`BDA`). ``predict_proba`` is the softmax of ``f``.

    References
    ----------
    .. [1] J. Wang, W. Feng, Y. Chen, H. Yu, M. Huang and P. S. Yu, "Visual
       Domain Adaptation with Manifold Embedded Distribution Alignment", ACM
       Multimedia 2018.

    Examples
    --------
    >>> from skadapt import MEDA
    >>> from skadapt.datasets import make_domain_shift
    >>> X, y, sample_domain, y_true = make_domain_shift(
    ...     80, 80, n_features=6, shift="subspace", random_state=0)
    >>> meda = MEDA(n_components=3, n_iter=3).fit(X, y, sample_domain=sample_domain)
    >>> meda.predict(X[sample_domain < 0]).shape
    (80,)
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "kernel": [StrOptions({"rbf", "linear", "cosine"})],
        "gamma": [Interval(Real, 0, None, closed="neither"), None],
        "alpha": [Interval(Real, 0, None, closed="neither")],
        "mmd_weight": [Interval(Real, 0, None, closed="left")],
        "manifold_weight": [Interval(Real, 0, None, closed="left")],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "balance": [Interval(Real, 0, 1, closed="both"), StrOptions({"auto"})],
        "n_iter": [Interval(Integral, 0, None, closed="left")],
        "n_landmarks": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
            None,
        ],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        *,
        n_components=20,
        kernel="rbf",
        gamma=None,
        alpha=0.1,
        mmd_weight=10.0,
        manifold_weight=1.0,
        n_neighbors=10,
        balance="auto",
        n_iter=10,
        n_landmarks="auto",
        random_state=None,
    ):
        self.n_components = n_components
        self.kernel = kernel
        self.gamma = gamma
        self.alpha = alpha
        self.mmd_weight = mmd_weight
        self.manifold_weight = manifold_weight
        self.n_neighbors = n_neighbors
        self.balance = balance
        self.n_iter = n_iter
        self.n_landmarks = n_landmarks
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    @Substitution(**FRAGMENTS)
    def fit(self, X, y, *, sample_domain=None):
        """Fit the GFK features and the classifier, refreshing target pseudo-labels.

        %(classifier_fit)s
        """
        X = validate_data(self, X, dtype=[np.float64, np.float32])
        y, sd, known = check_classifier_fit(self, X, y, sample_domain)
        codes = np.full(y.shape[0], -1)
        codes[known] = np.searchsorted(self.classes_, y[known])
        src, tgt = sd > 0, sd < 0
        two = bool(src.any() and tgt.any())
        n, n_classes = X.shape[0], self.classes_.size

        n_min = min(src.sum(), tgt.sum()) if two else n
        d = max(1, min(self.n_components, X.shape[1], n_min))
        self.gfk_ = GFK(n_components=d).fit(
            X, sample_domain=np.where(src, 1, -1) if two else None
        )
        G = self.gfk_.transform(np.asarray(X, dtype=np.float64))
        Z = normalize(G)
        kwargs = _kernel_kwargs(self.kernel, self.gamma, Z)
        L = self._landmarks(Z)
        T = _landmark_factor(L, self.kernel, kwargs)
        Phi = np.empty((n, T.shape[1]))
        for rows, P in _blocks(Z, L, T, self.kernel, kwargs):
            Phi[rows] = P

        Y = np.zeros((n, n_classes))
        Y[known, codes[known]] = 1.0
        Pl = Phi[known]
        A = Pl.T @ Pl
        A.flat[:: A.shape[0] + 1] += self.alpha
        if self.manifold_weight > 0:
            S = _knn_laplacian(Z, self.n_neighbors)
            A += self.manifold_weight * (Phi.T @ Phi - Phi.T @ (S @ Phi))
        A_chol = linalg.cho_factor(A, check_finite=False)
        rhs = Pl.T @ Y[known]

        self.balance_, self.balance_history_ = None, []
        self.pseudo_labels_ = None
        labels = codes.copy()
        if two:
            knn = KNeighborsClassifier(n_neighbors=1).fit(
                G[src & known], codes[src & known]
            )
            free = tgt & ~known
            if free.any():
                labels[free] = knn.predict(G[free])
        beta = linalg.cho_solve(A_chol, rhs, check_finite=False)
        for _ in range(self.n_iter if two and self.mmd_weight > 0 else 0):
            b = self._round_balance(G, labels, src, tgt, n_classes)
            Emat, w = _mmd_contrasts(labels, src, tgt, n_classes, b)
            beta = meda_solve(A_chol, Phi.T @ Emat, self.mmd_weight * w, rhs)
            free = tgt & ~known
            if free.any():
                labels[free] = np.argmax(Phi[free] @ beta, axis=1)
        if two:
            self.pseudo_labels_ = self.classes_[labels[tgt]]
        self.landmarks_ = L
        self.dual_coef_ = T @ beta
        self.gamma_ = kwargs.get("gamma")
        self._kwargs = kwargs
        return self

    def _landmarks(self, Z):
        n = Z.shape[0]
        if self.n_landmarks is None or (
            self.n_landmarks == "auto" and n <= _AUTO_LANDMARKS
        ):
            check_dense_memory(
                3 * 8 * n * n,
                what=f"MEDA's exact {n} x {n} kernel factor",
                remedy="n_landmarks='auto' or an int n_landmarks",
            )
            return Z
        m = _AUTO_LANDMARKS // 3 if self.n_landmarks == "auto" else self.n_landmarks
        if m >= n:
            return Z
        rng = check_random_state(self.random_state)
        return Z[np.sort(rng.choice(n, m, replace=False))]

    def _round_balance(self, G, labels, src, tgt, n_classes):
        if self.balance != "auto":
            b = float(self.balance)
        else:
            b = _balance_factor(G[src], labels[src], G[tgt], labels[tgt], n_classes)
        self.balance_ = b
        self.balance_history_.append(b)
        return b

    def decision_function(self, X, *, sample_domain=None):
        """Scores ``f(x)`` of each class (the regression onto one-hot labels).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score.
        sample_domain : array-like of shape (n_samples,), default=None
            Accepted for metadata routing and validated; the scores do not
            depend on the domain.

        Returns
        -------
        scores : ndarray of shape (n_samples, n_classes)
            For two classes, the score of the second minus the first, shape
            (n_samples,).
        """
        F = self._scores(X, sample_domain)
        return F[:, 1] - F[:, 0] if F.shape[1] == 2 else F

    def _scores(self, X, sample_domain):
        check_is_fitted(self, "dual_coef_")
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        check_sample_domain(sample_domain, None, X.shape[0], predict=True)
        Z = normalize(self.gfk_.transform(np.asarray(X, dtype=np.float64)))
        F = np.empty((Z.shape[0], self.classes_.size))
        for rows, P in _blocks(
            Z, self.landmarks_, self.dual_coef_, self.kernel, self._kwargs
        ):
            F[rows] = P
        return F

    def predict(self, X, *, sample_domain=None):
        """Predict the class of each row (the largest score).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to classify.
        sample_domain : array-like of shape (n_samples,), default=None
            Accepted for metadata routing and validated.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted classes.
        """
        F = self._scores(X, sample_domain)
        return self.classes_[np.argmax(F, axis=1)]

    def predict_proba(self, X, *, sample_domain=None):
        """Class probabilities: the softmax of the scores.

        The scores regress one-hot labels (they lie near ``[0, 1]``), so these
        probabilities rank rows and classes like the scores but are not
        calibrated.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score.
        sample_domain : array-like of shape (n_samples,), default=None
            Accepted for metadata routing and validated.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Rows sum to 1.
        """
        F = self._scores(X, sample_domain)
        E = np.exp(F - F.max(axis=1, keepdims=True))
        return E / E.sum(axis=1, keepdims=True)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags
