"""Ridge regression with a source model as prior (Evgeniou & Pontil, 2004)."""

from numbers import Real

import numpy as np
from scipy import linalg
from sklearn.base import BaseEstimator, MultiOutputMixin, RegressorMixin
from sklearn.utils import check_array
from sklearn.utils.validation import check_is_fitted, validate_data

from .._base import DomainMixin, check_masked_y
from .._core import iter_row_blocks
from ..utils._docstrings import FRAGMENTS, Substitution
from ..utils._sklearn import HasMethods, Interval, StrOptions, _fit_context
from ._common import (
    _source_linear_params,
    _split_rows,
    _warn_unlabelled_target,
    _weights,
)

__all__ = ["TransferRidge"]


def _ridge_solve(A, B, alpha):
    """Minimise ``||B - A V||^2 + alpha ||V||^2`` over ``V``; the dual when n < d.

    For ``alpha = 0`` or a numerically singular system it returns the minimum-norm
    least-squares solution, the ``alpha -> 0`` limit.
    """
    n, d = A.shape
    try:
        if alpha <= 0:
            raise linalg.LinAlgError
        if n >= d:
            G = A.T @ A
            G.flat[:: d + 1] += alpha
            return linalg.cho_solve(
                linalg.cho_factor(G, lower=True, check_finite=False),
                A.T @ B,
                check_finite=False,
            )
        K = A @ A.T
        K.flat[:: n + 1] += alpha
        dual = linalg.cho_solve(
            linalg.cho_factor(K, lower=True, check_finite=False),
            B,
            check_finite=False,
        )
        return A.T @ dual
    except linalg.LinAlgError:
        return linalg.lstsq(A, B, check_finite=False, lapack_driver="gelsd")[0]


# Candidate penalties for alpha="auto", relative to trace(X^T S X) / n_features (the
# data's weight along an average feature direction): from "almost only the target
# rows" to "almost only the source model".
_AUTO_GRID = np.logspace(-3, 4, 29)


def _spectrum(A):
    """Thin SVD ``A = U diag(s) V^T`` from one eigendecomposition of the smaller Gram.

    Singular values below ``sqrt(eps * max(n, d))`` times the largest are dropped.
    ``V`` is None in the dual case (more features than rows), where it is not
    needed: ``V = A^T U / s``.
    """
    n, d = A.shape
    eps = np.finfo(np.float64).eps * max(n, d)
    if n >= d:
        ev, V = linalg.eigh(A.T @ A, check_finite=False)
        keep = ev > ev[-1] * eps
        s = np.sqrt(ev[keep])
        V = V[:, keep]
        return (A @ V) / s, s, V
    ev, U = linalg.eigh(A @ A.T, check_finite=False)
    keep = ev > ev[-1] * eps
    return U[:, keep], np.sqrt(ev[keep]), None


def _loo_alpha(U, s, R, base_leverage, alphas):
    """The penalty of ``alphas`` with the smallest leave-one-out squared error.

    Uses the exact leave-one-out residuals of a linear smoother,
    ``e_i / (1 - H_ii)``; ties go to the larger penalty (closer to the prior).
    """
    UR = U.T @ R
    U2 = U**2
    best, best_err = alphas[-1], np.inf
    for alpha in alphas[::-1]:
        f = s**2 / (s**2 + alpha)
        resid = R - U @ (f[:, None] * UR)
        h = base_leverage + U2 @ f
        err = np.sum((resid / np.maximum(1.0 - h, 1e-12)[:, None]) ** 2)
        if err < best_err * (1 - 1e-12):
            best, best_err = alpha, err
    return float(best)


def _transfer_ridge(
    X, y, coef_source, alpha, *, sample_weight=None, fit_intercept=True
):
    """Ridge regression shrunk towards source coefficients instead of zero.

    Solves ``min_{W, b} sum_i s_i ||y_i - W x_i - b||^2 + alpha ||W - W_src||_F^2``
    in closed form: with centred data and the residual ``R = Y - X W_src^T`` it is a
    ridge regression of ``R`` on ``X`` for ``V = W - W_src`` (primal Cholesky when
    rows outnumber features, dual otherwise).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Rows, float64.
    y : ndarray of shape (n_samples, n_targets)
        Targets, float64.
    coef_source : ndarray of shape (n_targets, n_features)
        The prior coefficients ``W_src`` (zeros give plain ridge regression).
    alpha : float or "auto"
        Strength of the pull towards ``coef_source``, in the units of
        :class:`~sklearn.linear_model.Ridge`'s ``alpha``. ``"auto"`` picks it by
        exact leave-one-out error among ``trace(X^T S X) / n_features`` times
        ``_AUTO_GRID`` (with fewer than 3 rows: that trace ratio itself).
    sample_weight : ndarray of shape (n_samples,), default=None
        Row weights ``s_i``.
    fit_intercept : bool, default=True
        Whether to fit an unpenalised intercept ``b``.

    Returns
    -------
    coef : ndarray of shape (n_targets, n_features)
        The solution ``W``.
    intercept : ndarray of shape (n_targets,)
        The intercept ``b`` (zeros when ``fit_intercept=False``).
    alpha : float
        The penalty used.
    """
    n, d = X.shape
    if fit_intercept:
        if sample_weight is None:
            x_mean = X.mean(axis=0)
            y_mean = y.mean(axis=0)
        else:
            total = sample_weight.sum()
            x_mean = (sample_weight @ X) / total
            y_mean = (sample_weight @ y) / total
        Xc = X - x_mean
        R = y - y_mean
    else:
        Xc = X.copy()
        R = y.copy()
    R -= Xc @ coef_source.T
    if sample_weight is not None:
        root = np.sqrt(sample_weight)[:, None]
        Xc *= root
        R *= root
    if isinstance(alpha, str):
        U, s, V = _spectrum(Xc)
        scale = np.sum(s**2) / d
        if scale == 0:  # constant features: the prior is all there is
            alpha, V_coef = np.inf, np.zeros((d, R.shape[1]))
        else:
            if n < 3:
                alpha = scale
            else:
                if not fit_intercept:
                    lev = np.zeros(n)
                elif sample_weight is None:
                    lev = np.full(n, 1.0 / n)
                else:
                    lev = sample_weight / sample_weight.sum()
                alpha = _loo_alpha(U, s, R, lev, scale * _AUTO_GRID)
            UR = U.T @ R
            if V is not None:
                V_coef = V @ ((s / (s**2 + alpha))[:, None] * UR)
            else:  # dual: V = A^T U / s
                V_coef = Xc.T @ (U @ (UR / (s**2 + alpha)[:, None]))
        coef = coef_source + V_coef.T
    else:
        coef = coef_source + _ridge_solve(Xc, R, alpha).T
    if fit_intercept:
        intercept = y_mean - x_mean @ coef.T
    else:
        intercept = np.zeros(coef.shape[0])
    return coef, intercept, float(alpha)


def _transfer_ridge_blocked(
    X, rows, y, coef_source, alpha, *, sample_weight=None, fit_intercept=True
):
    """:func:`_transfer_ridge` for a fixed ``alpha`` and ``n >= d``, without copies.

    The centred, weighted normal equations ``(Z^T Z + alpha I) V = Z^T R`` are
    accumulated over cache-sized blocks of the rows ``rows`` of ``X`` (one SYRK
    and one GEMM per block), so no ``n x d`` copy of the data is made (centring,
    weighting and row selection happen block by block). ``alpha = 0`` or a
    singular system gives the minimum-norm least-squares solution through the
    pseudo-inverse of ``Z^T Z``, as the dense path does through ``lstsq``.
    """
    n, d = rows.shape[0], X.shape[1]
    contiguous = n == 0 or (rows[-1] - rows[0] + 1 == n)
    base = slice(int(rows[0]), int(rows[0]) + n) if contiguous and n else rows

    def blocks():
        for block in iter_row_blocks(slice(0, n), d, n):
            if isinstance(base, slice):
                yield block, slice(base.start + block.start, base.start + block.stop)
            else:
                yield block, base[block]

    x_mean, y_mean = np.zeros(d), np.zeros(y.shape[1])
    if fit_intercept:
        w = np.ones(n) if sample_weight is None else sample_weight
        for block, idx in blocks():
            x_mean += w[block] @ X[idx]
        x_mean /= w.sum()
        y_mean = (w @ y) / w.sum()
    G = np.zeros((d, d))
    ZtR = np.zeros((d, y.shape[1]))
    for block, idx in blocks():
        Z = np.subtract(X[idx], x_mean, dtype=np.float64)
        R = y[block] - y_mean
        R -= Z @ coef_source.T
        if sample_weight is not None:
            root = np.sqrt(sample_weight[block])[:, None]
            Z *= root
            R *= root
        G += Z.T @ Z  # SYRK
        ZtR += Z.T @ R
    G = 0.5 * (G + G.T)
    V = None
    if alpha > 0:
        A = G.copy()
        A.flat[:: d + 1] += alpha
        try:
            V = linalg.cho_solve(
                linalg.cho_factor(A, lower=True, check_finite=False),
                ZtR,
                check_finite=False,
            )
        except linalg.LinAlgError:
            V = None
    if V is None:
        V = linalg.pinvh(G, check_finite=False) @ ZtR
    coef = coef_source + V.T
    intercept = y_mean - x_mean @ coef.T if fit_intercept else np.zeros(coef.shape[0])
    return coef, intercept, float(alpha)


@Substitution(**FRAGMENTS)
class TransferRidge(MultiOutputMixin, RegressorMixin, DomainMixin, BaseEstimator):
    r"""Ridge regression that shrinks towards a source model instead of zero.

    A linear model is learned on the source rows (or taken from a fitted
    ``source_estimator``); the labelled target rows then fit a ridge regression
    whose penalty pulls the coefficients towards the source coefficients:
    ``||y_t - X_t w - b||^2 + alpha ||w - w_src||^2``. Few target labels move the
    model a little from the source solution, many target labels move it to the
    target's own least-squares fit.

    Labelled target rows are rows with a known label and ``sample_domain <= -1``;
    they need an explicit ``sample_domain`` (without it every labelled row is a
    source row). Masked rows (``NaN`` labels) are ignored. With one domain only
    (no ``sample_domain``, no masked label) the model is
    ``Ridge(alpha=source_alpha)`` on all rows; without labelled target rows but
    with (unlabelled) target rows it is the source model, with a warning. When
    ``source_estimator`` is given and ``sample_domain`` is not, every labelled row
    is a target row.

    Parameters
    ----------
    alpha : float or "auto", default="auto"
        Strength of the pull towards the source coefficients. A float is in the
        units of :class:`~sklearn.linear_model.Ridge`'s ``alpha`` (the penalty is
        added to the sum, not the mean, of squared errors, so more target rows
        weigh more): ``alpha -> inf`` keeps the source coefficients, ``alpha = 0``
        gives the target's least-squares fit closest to them. ``"auto"`` chooses
        it by exact leave-one-out error on the labelled target rows among 29
        values from ``1e-3`` to ``1e4`` times ``trace(X_t^T S X_t) / n_features``
        (the weight the target rows carry along an average feature direction), so
        the choice follows the scale of the data; ties go to the larger value.
    fit_intercept : bool, default=True
        Whether to fit an intercept. It is not penalised: it is re-estimated on the
        target rows.
    source_estimator : estimator object, default=None
        A fitted linear regressor (``coef_`` and ``intercept_``, such as
        :class:`~sklearn.linear_model.Ridge`) whose coefficients are the prior.
        When None the source model is ``Ridge(alpha=source_alpha)`` fitted on the
        labelled source rows (zero when there are none). The estimator is not
        modified.
    source_alpha : float, default=1.0
        Ridge penalty of the source model learned from the source rows; ignored
        when ``source_estimator`` is given.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        Coefficients of the target model.
    intercept_ : float or ndarray of shape (n_targets,)
        Intercept of the target model.
    source_coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        Coefficients of the source model (the prior).
    source_intercept_ : float or ndarray of shape (n_targets,)
        Intercept of the source model.
    alpha_ : float or None
        The penalty of the target fit (chosen when ``alpha="auto"``); None when
        there were no labelled target rows.
    %(target_attributes)s

    See Also
    --------
    TransferLogisticRegression : The same prior on the logistic loss.
    JointTraining : Fits one model on source and weighted target rows.
    sklearn.linear_model.Ridge : The model without a prior.

    Notes
    -----
    With :math:`s_i` the sample weights of the labelled target rows, the model
    solves [1]_ [2]_

    .. math::

        \min_{w, b} \sum_i s_i (y_i - x_i^\top w - b)^2
        + \alpha \lVert w - w_{src} \rVert^2 .

    The intercept is eliminated by centring with the weighted means; substituting
    :math:`v = w - w_{src}` leaves a ridge regression of the residual
    :math:`y - X w_{src}` on :math:`X`, solved by one Cholesky factorisation of
    :math:`X^\top S X + \alpha I` (or of :math:`S^{1/2} X X^\top S^{1/2} + \alpha I`
    when features outnumber rows). It is the maximum a posteriori estimate under a
    Gaussian prior centred on the source coefficients.

    With ``alpha="auto"`` one eigendecomposition of the smaller Gram matrix gives
    :math:`S^{1/2} X_c = U \operatorname{diag}(\sigma) V^\top`, from which the
    fit and the leverages :math:`h_i(\alpha) = s_i / \sum_j s_j + \sum_k U_{ik}^2
    \sigma_k^2 / (\sigma_k^2 + \alpha)` follow for every candidate; the exact
    leave-one-out residuals are :math:`e_i / (1 - h_i)` [3]_.

    References
    ----------
    .. [1] T. Evgeniou and M. Pontil, "Regularized multi-task learning", KDD 2004.
    .. [2] J. Yang, R. Yan and A. G. Hauptmann, "Cross-domain video concept
       detection using adaptive SVMs", ACM Multimedia 2007.
    .. [3] G. H. Golub, M. Heath and G. Wahba, "Generalized cross-validation as a
       method for choosing a good ridge parameter", Technometrics 21(2), 1979.

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt import TransferRidge
    >>> rng = np.random.RandomState(0)
    >>> Xs, Xt = rng.normal(size=(200, 3)), rng.normal(size=(5, 3))
    >>> ys = Xs @ [1.0, 2.0, 3.0]
    >>> yt = Xt @ [1.0, 2.0, 3.5]
    >>> X, y = np.vstack([Xs, Xt]), np.r_[ys, yt]
    >>> sample_domain = np.r_[np.ones(200, int), -np.ones(5, int)]
    >>> model = TransferRidge(alpha=1.0).fit(X, y, sample_domain=sample_domain)
    >>> np.round(model.source_coef_, 2)
    array([1.  , 1.99, 2.98])
    >>> np.round(model.coef_, 2)  # target-only Ridge gives [1.14, 1.82, 1.97]
    array([1.07, 2.02, 3.24])
    """

    _parameter_constraints: dict = {
        "alpha": [Interval(Real, 0, None, closed="left"), StrOptions({"auto"})],
        "fit_intercept": ["boolean"],
        "source_estimator": [HasMethods(["predict"]), None],
        "source_alpha": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        *,
        alpha="auto",
        fit_intercept=True,
        source_estimator=None,
        source_alpha=1.0,
    ):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.source_estimator = source_estimator
        self.source_alpha = source_alpha

    @Substitution(**FRAGMENTS)
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, *, sample_domain=None):
        """Fit the source model, then the target model shrunk towards it.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Source and target rows.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Targets; unknown ones are ``NaN``. Not modified.
        sample_weight : array-like of shape (n_samples,), default=None
            Row weights, used in both the source and the target fit.
        %(fit_sample_domain)s

        Returns
        -------
        self : object
            The fitted regressor.
        """
        name = type(self).__name__
        X = validate_data(self, X, dtype=[np.float64, np.float32])
        y = check_masked_y(y, name, multi_output=True)
        given = self.source_estimator is not None
        rows = _split_rows(
            X, y, sample_domain, name, source_given=given, regression=True
        )
        sw = _weights(sample_weight, X)
        one_d = y.ndim == 1
        n_targets = 1 if one_d else y.shape[1]
        d = X.shape[1]

        if given:
            coef_s, b_s = _source_linear_params(self.source_estimator, d, name)
            if coef_s.shape[0] != n_targets:
                raise ValueError(
                    f"{name}: source_estimator predicts {coef_s.shape[0]} output(s) "
                    f"but y has {n_targets}."
                )
        elif rows.source.any():
            coef_s, b_s, _ = self._solve(
                X, y, sw, rows.source, np.zeros((n_targets, d)), self.source_alpha
            )
        else:
            coef_s, b_s = np.zeros((n_targets, d)), np.zeros(n_targets)

        self.n_target_samples_ = int(rows.target.sum())
        self.alpha_ = None
        if rows.target.any():
            coef, b, self.alpha_ = self._solve(
                X, y, sw, rows.target, coef_s, self.alpha
            )
        else:
            if rows.any_target.any() or given:
                _warn_unlabelled_target(name)
            coef, b = coef_s, b_s

        def out(c, i):
            c = c.astype(X.dtype, copy=False)
            if one_d:
                return c[0], float(i[0])
            return c, i.astype(X.dtype, copy=False)

        self.coef_, self.intercept_ = out(coef, b)
        self.source_coef_, self.source_intercept_ = out(coef_s, b_s)
        return self

    def _solve(self, X, y, sw, rows, coef_prior, alpha):
        yl = check_array(
            y[rows], ensure_2d=False, dtype=np.float64, input_name="y"
        ).reshape(int(rows.sum()), -1)
        if not isinstance(alpha, str) and int(rows.sum()) >= X.shape[1]:
            # a fixed penalty and more rows than features: the normal equations
            # from cache-sized blocks of the rows, no copy of X
            return _transfer_ridge_blocked(
                X,
                np.flatnonzero(rows),
                yl,
                coef_prior,
                float(alpha),
                sample_weight=None if sw is None else sw[rows],
                fit_intercept=self.fit_intercept,
            )
        return _transfer_ridge(
            np.asarray(X[rows], dtype=np.float64),
            yl,
            coef_prior,
            alpha,
            sample_weight=None if sw is None else sw[rows],
            fit_intercept=self.fit_intercept,
        )

    def predict(self, X):
        """Predict with the target model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to predict.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_targets)
            Predictions.
        """
        check_is_fitted(self, "coef_")
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        return X @ self.coef_.T + self.intercept_
