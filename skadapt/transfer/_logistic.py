"""Logistic regression with a source model as prior (Chelba & Acero, 2006)."""

import warnings
from numbers import Integral, Real

import numpy as np
from scipy import optimize, sparse
from scipy.special import expit, logsumexp, softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .._base import DomainMixin, check_masked_y
from .._core import canonical_order
from ..utils._docstrings import FRAGMENTS, Substitution
from ..utils._sklearn import HasMethods, Interval, StrOptions, _fit_context
from ._common import (
    _source_linear_params,
    _split_rows,
    _warn_unlabelled_target,
    _weights,
)

__all__ = ["TransferLogisticRegression"]


def _loss_grad(
    params, X, Y, sample_weight, coef_prior, C, fit_intercept, intercept_prior=None
):
    """Objective and gradient of the prior-penalised logistic loss.

    The objective is divided by ``C * sum(sample_weight)`` (same minimiser), so
    that L-BFGS tolerances mean the same whatever the number of rows:

    ``f = mean_s(loss) + ||W - W_prior||^2 / (2 C sum(s))``.

    Parameters
    ----------
    params : ndarray of shape (k * n_features + k * fit_intercept,)
        Coefficients ``W`` (k rows) raveled, then the ``k`` intercepts.
    X : ndarray of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples,)
        ``{0, 1}`` float labels when ``k == 1`` (binary), else integer class
        indices.
    sample_weight : ndarray of shape (n_samples,)
    coef_prior : ndarray of shape (k, n_features)
    C : float
    fit_intercept : bool
    intercept_prior : ndarray of shape (k,) or None
        When given, the intercepts are penalised towards it like the coefficients.
    """
    k, d = coef_prior.shape
    W = params[: k * d].reshape(k, d)
    Z = np.asarray(X @ W.T)
    if fit_intercept:
        Z += params[k * d :]
    scale = sample_weight / sample_weight.sum()
    diff = W - coef_prior
    if k == 1:
        z = Z[:, 0]
        loss = np.logaddexp(0.0, z) - Y * z
        G = (expit(z) - Y)[:, None]
    else:
        rows = np.arange(Z.shape[0])
        top = Z.max(axis=1)
        Z -= top[:, None]
        picked = Z[rows, Y]
        np.exp(Z, out=Z)
        norm = Z.sum(axis=1)
        loss = np.log(norm) - picked
        Z /= norm[:, None]
        Z[rows, Y] -= 1.0
        G = Z
    G *= scale[:, None]
    penalty = 1.0 / (C * sample_weight.sum())
    value = scale @ loss + 0.5 * penalty * (diff.ravel() @ diff.ravel())
    grad_W = np.asarray((X.T @ G).T)
    grad_W += penalty * diff
    if not fit_intercept:
        return value, grad_W.ravel()
    grad_b = G.sum(axis=0)
    if intercept_prior is not None:
        diff_b = params[k * d :] - intercept_prior
        value += 0.5 * penalty * (diff_b @ diff_b)
        grad_b += penalty * diff_b
    return value, np.concatenate([grad_W.ravel(), grad_b])


def transfer_logistic(
    X,
    y_index,
    n_classes,
    coef_prior,
    intercept_init,
    C,
    *,
    sample_weight=None,
    fit_intercept=True,
    max_iter=100,
    tol=1e-4,
    penalize_intercept=False,
    warn=True,
):
    """L-BFGS for logistic regression with the penalty ``||W - W_prior||^2 / (2C)``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Rows, float64.
    y_index : ndarray of shape (n_samples,)
        Class index of each row in ``0 .. n_classes - 1``.
    n_classes : int
        Number of classes; 2 gives the binary model (one coefficient row).
    coef_prior : ndarray of shape (k, n_features)
        The prior, also the starting point (``k = 1`` when binary, else
        ``n_classes``).
    intercept_init : ndarray of shape (k,)
        Starting intercept (the intercept is not penalised).
    C : float
        Inverse strength of the pull towards the prior.
    sample_weight : ndarray of shape (n_samples,), default=None
        Row weights.
    fit_intercept : bool, default=True
        Whether to fit intercepts.
    max_iter : int, default=100
        Maximum number of L-BFGS iterations.
    tol : float, default=1e-4
        Stopping tolerance on the projected gradient.
    penalize_intercept : bool, default=False
        Whether the intercepts are pulled towards ``intercept_init`` too.
    warn : bool, default=True
        Whether to warn when L-BFGS stops at ``max_iter``.

    Returns
    -------
    coef : ndarray of shape (k, n_features)
    intercept : ndarray of shape (k,)
    n_iter : int
    """
    n, d = X.shape
    k = coef_prior.shape[0]
    sw = np.ones(n) if sample_weight is None else sample_weight
    Y = (y_index == 1).astype(np.float64) if k == 1 else y_index
    x0 = coef_prior.ravel()
    if fit_intercept:
        x0 = np.concatenate([x0, intercept_init])
    res = optimize.minimize(
        _loss_grad,
        x0,
        args=(
            X,
            Y,
            sw,
            coef_prior,
            C,
            fit_intercept,
            intercept_init if penalize_intercept else None,
        ),
        method="L-BFGS-B",
        jac=True,
        options={
            "maxiter": max_iter,
            "maxls": 50,
            "gtol": tol,
            "ftol": 64 * np.finfo(float).eps,
        },
    )
    if res.status == 1 and warn:
        warnings.warn(
            "TransferLogisticRegression: L-BFGS did not converge within "
            f"max_iter={max_iter} iterations; increase max_iter or scale the data.",
            ConvergenceWarning,
            stacklevel=3,
        )
    coef = res.x[: k * d].reshape(k, d)
    intercept = res.x[k * d :] if fit_intercept else np.zeros(k)
    return coef, intercept, int(res.nit)


# Candidate values of C for C="auto".
_C_GRID = np.logspace(-2, 2, 9)


def _log_likelihood(X, y_index, coef, intercept):
    """Log-probability of each row's class under a fitted model."""
    Z = np.asarray(X @ coef.T) + intercept
    if coef.shape[0] == 1:
        z = Z[:, 0]
        return -np.logaddexp(0.0, np.where(y_index == 1, -z, z))
    return Z[np.arange(Z.shape[0]), y_index] - logsumexp(Z, axis=1)


def _choose_C(
    X,
    y_index,
    n_classes,
    coef_prior,
    intercept_prior,
    sample_weight,
    grid,
    **fit_params,
):
    """The ``C`` of ``grid`` with the best cross-validated log-likelihood.

    Stratified folds of the labelled target rows (at most 5, at most the size of
    the largest class); every fold starts from the prior. Ties go to the smaller
    ``C`` (closer to the source model). Returns ``(C, scores)``, or ``(None,
    None)`` when the rows are too few to split.
    """
    counts = np.bincount(y_index, minlength=n_classes)
    n_splits = min(5, int(counts.max()))
    if n_splits < 2 or y_index.size < 4:
        return None, None
    folds = StratifiedKFold(n_splits=n_splits)
    sw = np.ones(y_index.size) if sample_weight is None else sample_weight
    loglik = np.zeros((len(grid), y_index.size))
    # folds over the rows in a canonical (lexicographic) order, so that the choice
    # does not depend on the order the rows came in
    order = canonical_order(X)
    with warnings.catch_warnings():
        # few rows per class: sklearn warns that a class has fewer members than
        # folds, which is expected here
        warnings.simplefilter("ignore", UserWarning)
        splits = [
            (order[tr], order[te]) for tr, te in folds.split(X[order], y_index[order])
        ]
    for train, test in splits:
        for i, C in enumerate(grid):
            coef, intercept, _ = transfer_logistic(
                X[train],
                y_index[train],
                n_classes,
                coef_prior,
                intercept_prior,
                C,
                sample_weight=sw[train],
                warn=False,
                **fit_params,
            )
            loglik[i, test] = _log_likelihood(X[test], y_index[test], coef, intercept)
    scores = loglik @ sw / sw.sum()
    best = np.lexsort((-np.asarray(grid), scores))[-1]
    return float(grid[best]), scores


def _prior_in_classes(coef, intercept, source_classes, classes):
    """Express a source model over ``source_classes`` over ``classes`` (a superset).

    A binary model ``w`` becomes the rows ``-w/2, w/2`` of a multinomial one (same
    probabilities); classes the source never saw get zero rows.
    """
    if np.array_equal(source_classes, classes):
        return coef, intercept
    if coef.shape[0] == 1:
        coef = np.vstack([-coef / 2, coef / 2])
        intercept = np.r_[-intercept / 2, intercept / 2]
    idx = np.searchsorted(classes, source_classes)
    full_coef = np.zeros((classes.size, coef.shape[1]))
    full_int = np.zeros(classes.size)
    full_coef[idx] = coef
    full_int[idx] = intercept
    return full_coef, full_int


@Substitution(**FRAGMENTS)
class TransferLogisticRegression(ClassifierMixin, DomainMixin, BaseEstimator):
    r"""Logistic regression that shrinks towards a source model instead of zero.

    A logistic regression is learned on the source rows (or taken from a fitted
    ``source_estimator``); the labelled target rows then fit a logistic regression
    (binary or multinomial) whose L2 penalty pulls the coefficients towards the
    source coefficients, ``||W - W_src||^2 / (2 C)``. The fit starts from the
    source model, so few target rows need few L-BFGS iterations.

    Labelled target rows are rows with a known label and ``sample_domain <= -1``;
    they need an explicit ``sample_domain``. Masked rows (label ``-1``) are
    ignored. With one domain only (no ``sample_domain``, no masked label) the model
    is ``LogisticRegression(C=source_C)`` on all rows; without labelled target rows
    but with (unlabelled) target rows it is the source model, with a warning. When
    ``source_estimator`` is given and ``sample_domain`` is not, every labelled row
    is a target row.

    Parameters
    ----------
    C : float or "auto", default="auto"
        Inverse strength of the pull towards the source coefficients, in the units
        of :class:`~sklearn.linear_model.LogisticRegression`'s ``C`` (the penalty
        :math:`\alpha \lVert W - W_{src}\rVert^2` has :math:`\alpha = 1/(2C)`).
        Small ``C`` keeps the source model, large ``C`` lets the target rows
        decide. ``"auto"`` chooses among 9 values from ``0.01`` to ``100`` by the
        cross-validated log-likelihood of the labelled target rows (stratified,
        up to 5 folds, each fold's fit started at the source model; ties go to
        the smaller ``C``); with fewer than 4 labelled target rows, or a single
        row per class, it uses ``C=1``. How close the target is to the source
        differs from one problem to the next (the best fixed ``C`` differs by
        orders of magnitude between the bundled suites), which a fixed default
        cannot know.
    fit_intercept : bool, default=True
        Whether to fit intercepts. They are pulled towards the source intercepts
        like the coefficients (a handful of target rows then cannot overturn the
        class balance the source learned); without a source model they are free,
        as in :class:`~sklearn.linear_model.LogisticRegression`.
    source_estimator : estimator object, default=None
        A fitted linear classifier (``coef_``, ``intercept_``, ``classes_``, such
        as :class:`~sklearn.linear_model.LogisticRegression`) whose coefficients
        are the prior. Every target label must be one of its classes. When None
        the source model is ``LogisticRegression(C=source_C)`` fitted on the
        labelled source rows. The estimator is not modified.
    source_C : float, default=1.0
        ``C`` of the source model learned from the source rows; ignored when
        ``source_estimator`` is given.
    max_iter : int, default=100
        Maximum number of L-BFGS iterations (for the source model as well).
    tol : float, default=1e-4
        L-BFGS stopping tolerance on the gradient (for the source model as well).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Coefficients of the target model (one row when binary).
    intercept_ : ndarray of shape (1,) or (n_classes,)
        Intercepts of the target model.
    source_coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Coefficients of the source model (the prior), over ``classes_``.
    source_intercept_ : ndarray of shape (1,) or (n_classes,)
        Intercepts of the source model.
    C_ : float or None
        The ``C`` of the target fit (chosen when ``C="auto"``); None when there
        were no labelled target rows.
    cv_scores_ : ndarray of shape (9,) or None
        With ``C="auto"``: cross-validated mean log-likelihood of each candidate
        ``C`` (``numpy.logspace(-2, 2, 9)``); None otherwise.
    n_iter_ : int
        Number of L-BFGS iterations of the target fit (of the source fit when
        there were no labelled target rows; 0 when neither took place).
    %(target_attributes)s

    See Also
    --------
    TransferRidge : The same prior on the squared loss.
    FineTune : Continues training any incremental estimator on the target rows.
    sklearn.linear_model.LogisticRegression : The model without a prior.

    Notes
    -----
    With :math:`s_i` the sample weights of the labelled target rows and
    :math:`\ell` the logistic (binary) or softmax cross-entropy (multinomial)
    loss, the model solves [1]_

    .. math::

        \min_{W, b} \; C \sum_i s_i \, \ell(y_i, W x_i + b)
        + \tfrac12 \lVert W - W_{src} \rVert_F^2
        + \tfrac12 \lVert b - b_{src} \rVert^2 ,

    the maximum a posteriori estimate under a Gaussian prior centred on the source
    model, by L-BFGS with the analytic gradient, started at the source model.
    The intercept term is dropped when there is no source model (then the
    objective is scikit-learn's). With a handful of labelled target rows a free
    intercept follows the sample's class proportions instead of the source's;
    pulling it towards :math:`b_{src}` keeps the source's.
    Binary problems have one coefficient row, as in scikit-learn. A binary source
    model used for a multi-class target becomes the rows :math:`\mp w/2`, and
    classes the source never saw start from zero.

    References
    ----------
    .. [1] C. Chelba and A. Acero, "Adaptation of maximum entropy capitalizer:
       Little data can help a lot", Computer Speech & Language 20(4), 2006.

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt import TransferLogisticRegression
    >>> rng = np.random.RandomState(0)
    >>> Xs, Xt = rng.normal(size=(200, 2)), rng.normal(size=(10, 2))
    >>> ys = (Xs[:, 0] > 0).astype(int)
    >>> yt = (Xt[:, 0] + Xt[:, 1] > 0).astype(int)
    >>> X, y = np.vstack([Xs, Xt]), np.r_[ys, yt]
    >>> sample_domain = np.r_[np.ones(200, int), -np.ones(10, int)]
    >>> clf = TransferLogisticRegression().fit(X, y, sample_domain=sample_domain)
    >>> clf.score(Xt, yt)
    1.0
    """

    _parameter_constraints: dict = {
        "C": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
        "fit_intercept": ["boolean"],
        "source_estimator": [HasMethods(["predict"]), None],
        "source_C": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        *,
        C="auto",
        fit_intercept=True,
        source_estimator=None,
        source_C=1.0,
        max_iter=100,
        tol=1e-4,
    ):
        self.C = C
        self.fit_intercept = fit_intercept
        self.source_estimator = source_estimator
        self.source_C = source_C
        self.max_iter = max_iter
        self.tol = tol

    @Substitution(**FRAGMENTS)
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, *, sample_domain=None):
        """Fit the source model, then the target model shrunk towards it.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Source and target rows.
        y : array-like of shape (n_samples,)
            Class labels; unknown ones are ``-1``. Not modified.
        sample_weight : array-like of shape (n_samples,), default=None
            Row weights, used in both the source and the target fit.
        %(fit_sample_domain)s

        Returns
        -------
        self : object
            The fitted classifier.
        """
        name = type(self).__name__
        X = validate_data(
            self, X, dtype=[np.float64, np.float32], accept_sparse=["csr", "csc"]
        )
        y = check_masked_y(y, name, multi_output=False)
        given = self.source_estimator is not None
        rows = _split_rows(
            X, y, sample_domain, name, source_given=given, regression=False
        )
        sw = _weights(sample_weight, X)
        y_t = y[rows.target]
        if y_t.size:
            check_classification_targets(y_t)

        self.n_iter_ = 0
        has_source = given or bool(rows.source.any())
        if given:
            coef_s, b_s, classes = self._given_source(X.shape[1], y_t)
        elif rows.source.any():
            y_s = y[rows.source]
            check_classification_targets(y_s)
            src = LogisticRegression(
                C=self.source_C,
                fit_intercept=self.fit_intercept,
                max_iter=self.max_iter,
                tol=self.tol,
            ).fit(
                X[rows.source],
                y_s,
                sample_weight=None if sw is None else sw[rows.source],
            )
            classes = np.unique(np.concatenate([src.classes_, y_t]))
            coef_s, b_s = _prior_in_classes(
                np.asarray(src.coef_, dtype=np.float64),
                np.asarray(src.intercept_, dtype=np.float64).reshape(-1),
                src.classes_,
                classes,
            )
            self.n_iter_ = int(np.max(src.n_iter_))
        else:
            classes = np.unique(y_t)
            k = 1 if classes.size == 2 else classes.size
            coef_s, b_s = np.zeros((k, X.shape[1])), np.zeros(k)
        if classes.size < 2:
            raise ValueError(
                f"{name} needs samples of at least 2 classes in the data, but the "
                f"data contains only one class: {classes[0]!r}."
            )

        self.classes_ = classes
        self.n_target_samples_ = int(y_t.size)
        coef, b = coef_s, b_s
        self.C_, self.cv_scores_ = None, None
        if y_t.size:
            Xt = X[rows.target]
            Xt = (
                Xt.astype(np.float64).tocsr()
                if sparse.issparse(Xt)
                else np.asarray(Xt, dtype=np.float64)
            )
            y_index = np.searchsorted(classes, y_t)
            sw_t = None if sw is None else sw[rows.target]
            fit_params = {
                "fit_intercept": self.fit_intercept,
                "max_iter": self.max_iter,
                "tol": self.tol,
                "penalize_intercept": has_source,
            }
            C = self.C
            if C == "auto":
                C, self.cv_scores_ = _choose_C(
                    Xt, y_index, classes.size, coef_s, b_s, sw_t, _C_GRID, **fit_params
                )
                C = 1.0 if C is None else C
            self.C_ = float(C)
            coef, b, self.n_iter_ = transfer_logistic(
                Xt,
                y_index,
                classes.size,
                coef_s,
                b_s,
                self.C_,
                sample_weight=sw_t,
                **fit_params,
            )
        elif rows.any_target.any() or given:
            _warn_unlabelled_target(name)
        if not self.fit_intercept:
            b = np.zeros_like(b)
        self.coef_, self.intercept_ = coef, b
        self.source_coef_, self.source_intercept_ = coef_s, b_s
        return self

    def _given_source(self, n_features, y_t):
        name = type(self).__name__
        est = self.source_estimator
        coef, intercept = _source_linear_params(est, n_features, name)
        if not hasattr(est, "classes_"):
            raise TypeError(
                f"{name}: source_estimator {type(est).__name__} is not a classifier "
                "(it has no classes_); give a fitted linear classifier such as "
                "LogisticRegression."
            )
        classes = np.asarray(est.classes_)
        unknown = np.setdiff1d(y_t, classes).tolist() if y_t.size else []
        if unknown:
            raise ValueError(
                f"{name}: the target labels {unknown} are not classes of the "
                f"source_estimator (its classes: {classes.tolist()}); the classes "
                "must match."
            )
        k = 1 if classes.size == 2 else classes.size
        if coef.shape[0] != k:
            raise ValueError(
                f"{name}: source_estimator has {coef.shape[0]} coefficient rows for "
                f"{classes.size} classes; expected {k}."
            )
        return coef, intercept, classes

    def decision_function(self, X):
        """Scores of the target model (log-odds when binary).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Decision values; one column (raveled) when binary.
        """
        check_is_fitted(self, "coef_")
        X = validate_data(
            self,
            X,
            dtype=[np.float64, np.float32],
            reset=False,
            accept_sparse=["csr", "csc"],
        )
        scores = np.asarray(X @ self.coef_.T) + self.intercept_
        return scores.ravel() if scores.shape[1] == 1 else scores

    @Substitution(**FRAGMENTS)
    def predict_proba(self, X):
        """Class probabilities of the target model.

        %(classifier_predict_proba)s
        """
        scores = self.decision_function(X)
        if scores.ndim == 1:
            p = expit(scores)
            return np.column_stack([1.0 - p, p])
        return softmax(scores, axis=1)

    def predict_log_proba(self, X):
        """Log class probabilities of the target model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to predict.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log probabilities, in the order of ``classes_``.
        """
        scores = self.decision_function(X)
        if scores.ndim == 1:
            scores = np.column_stack([np.zeros_like(scores), scores])
        return scores - logsumexp(scores, axis=1, keepdims=True)

    @Substitution(**FRAGMENTS)
    def predict(self, X):
        """Predict class labels with the target model.

        %(classifier_predict)s
        """
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return self.classes_[(scores > 0).astype(int)]
        return self.classes_[scores.argmax(axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
