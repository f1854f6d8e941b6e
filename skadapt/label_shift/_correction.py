"""Correct any probabilistic classifier for the target's class priors."""

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone, is_classifier
from sklearn.metrics import accuracy_score
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import (
    check_consistent_length,
    check_is_fitted,
    has_fit_parameter,
)

from .._base import (
    check_masked_y,
    check_sample_domain,
    estimator_has,
    labelled_mask,
)
from .._pipeline import LabelledOnly
from ..utils._docstrings import Substitution
from ..utils._sklearn import (
    HasMethods,
    StrOptions,
    _check_sample_weight,
    _fit_context,
    _safe_indexing,
)
from ._base import PRIOR_FRAGMENTS, _class_domains, class_index, source_classes
from ._mlls import MLLS

__all__ = ["PriorCorrection"]


def _check_target_priors(target_priors, classes, caller):
    """Known target priors as an array aligned with ``classes``."""
    if isinstance(target_priors, dict):
        keys = list(target_priors)
        unseen = [k for k in keys if not np.any(classes == np.asarray(k))]
        if unseen:
            raise ValueError(
                f"{caller}: target_priors names class(es) {unseen} not seen in the "
                f"source labels {classes.tolist()}; label shift moves the priors "
                "of the source classes only."
            )
        missing = [c for c in classes.tolist() if c not in target_priors]
        if missing:
            raise ValueError(
                f"{caller}: target_priors gives no prior for class(es) {missing}; "
                "give every source class a prior (0 for a class absent from the "
                "target)."
            )
        q = np.array([target_priors[c] for c in classes.tolist()], dtype=np.float64)
    else:
        q = np.asarray(target_priors, dtype=np.float64)
        if q.ndim != 1 or q.shape[0] != classes.shape[0]:
            raise ValueError(
                f"{caller}: target_priors has shape {q.shape} but there are "
                f"{classes.shape[0]} source classes {classes.tolist()}; give one "
                "prior per class, in the order of classes_, or a dict."
            )
    if not np.all(np.isfinite(q)) or np.any(q < 0) or abs(q.sum() - 1.0) > 1e-6:
        raise ValueError(
            f"{caller}: target_priors must be non-negative and sum to 1, got "
            f"{q.tolist()}."
        )
    return q / q.sum()


def _safe_rows(X, rows):
    """Rows of ``X`` (any array-like or sparse matrix, COO included)."""
    if sp.issparse(X) and X.format not in ("csr", "csc"):
        X = X.tocsr()
    elif not (hasattr(X, "iloc") or hasattr(X, "shape")):
        X = np.asarray(X)
    return _safe_indexing(X, rows)


def _refit_decision(self):
    if self.method != "refit":
        return False
    getattr(
        self.estimator_ if hasattr(self, "estimator_") else self.estimator,
        "decision_function",
    )
    return True


@Substitution(**PRIOR_FRAGMENTS)
class PriorCorrection(LabelledOnly):
    r"""Correct a classifier for the target's class priors (label shift).

    A clone of ``estimator`` is fitted on the labelled rows; the target priors
    are estimated by ``prior_estimator`` from the source and target rows (or
    given as ``target_priors``); then the classifier is corrected for them,

    - ``method="posterior"``: its posteriors are re-weighted by the prior ratio
      and renormalised at prediction time (no refit), the Bayes rule for the
      target when the posteriors are calibrated;
    - ``method="refit"``: it is fitted again with per-class sample weights
      ``q_y / p_s(y)``, the importance weights of label shift.

    Masked rows are dropped from the classifier's fit, so it can end a stock
    Pipeline. At prediction time rows are target rows; rows marked as source by
    ``sample_domain`` (``>= 1``) get the uncorrected posterior.

    With one domain only (no target rows and no ``target_priors``) the priors are
    the source's and this is the plain classifier.

    Parameters
    ----------
    estimator : classifier
        Any classifier; ``method="posterior"`` needs ``predict_proba``,
        ``method="refit"`` a ``fit`` that takes ``sample_weight``.
    prior_estimator : prior estimator, default=None
        :class:`BBSE`, :class:`MLLS`, :class:`RLLS` or any estimator with
        ``fit(X, y, sample_weight=..., sample_domain=...)`` and ``priors_``
        over the source classes. ``None`` uses ``MLLS(estimator)``: maximum
        likelihood with bias-corrected calibration, on the same classifier.
    method : {"posterior", "refit"}, default="posterior"
        How the classifier is corrected (see above).
    target_priors : dict, array-like of shape (n_classes,) or None, default=None
        Known target priors (``{class: prior}``, or one per class in the order
        of ``classes_``); when given, ``prior_estimator`` is not used.
    random_state : int, RandomState instance or None, default=None
        Seeds the default ``MLLS`` (its cross-fitting folds and bootstrap); a
        given ``prior_estimator`` keeps its own.

    Attributes
    ----------
    estimator_ : estimator object
        The fitted clone of ``estimator`` (refitted with the class weights for
        ``method="refit"``).
    prior_estimator_ : estimator object or None
        The fitted clone of the prior estimator (None with ``target_priors``, or
        with one domain).
    priors_ : ndarray of shape (n_classes,)
        Target priors used.
    source_priors_ : ndarray of shape (n_classes,)
        Class priors of the (weighted) labelled rows the classifier was fitted
        on.
    class_weights_ : ndarray of shape (n_classes,)
        ``priors_ / source_priors_``.
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    %(feature_attributes)s

    See Also
    --------
    MLLS : The default prior estimator.
    label_shift_test : Whether a shift looks like label shift.

    Notes
    -----
    Under label shift :math:`p_t(y \mid x) \propto p_s(y \mid x)\, w_y` with
    :math:`w_y = q_y / p_s(y)` [1]_, and the target risk is the source risk with
    each row weighted by :math:`w_{y_i}` [2]_. The posterior correction is exact
    for calibrated posteriors; wrapping a badly calibrated classifier in
    :class:`~sklearn.calibration.CalibratedClassifierCV` helps it.

    References
    ----------
    %(saerens_reference)s
    .. [2] %(lipton_2018)s

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skadapt.label_shift import PriorCorrection
    >>> rng = np.random.RandomState(0)
    >>> ys, yt = rng.randint(2, size=600), (rng.uniform(size=600) < 0.9).astype(int)
    >>> X = np.r_[rng.normal(ys, 1.0), rng.normal(yt, 1.0)][:, None]
    >>> y = np.r_[ys, -np.ones(600, dtype=int)]  # target labels unknown
    >>> clf = PriorCorrection(LogisticRegression()).fit(X, y)
    >>> clf.priors_.round(1)
    array([0.1, 0.9])
    >>> plain = LogisticRegression().fit(X[:600], ys)
    >>> bool(clf.score(X[600:], yt) > plain.score(X[600:], yt))
    True
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"])],
        "prior_estimator": [HasMethods(["fit"]), None],
        "method": [StrOptions({"posterior", "refit"})],
        "target_priors": ["array-like", dict, None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator,
        prior_estimator=None,
        *,
        method="posterior",
        target_priors=None,
        random_state=None,
    ):
        self.estimator = estimator
        self.prior_estimator = prior_estimator
        self.method = method
        self.target_priors = target_priors
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None, *, sample_domain=None):
        """Fit the classifier, estimate the target priors and correct for them.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Source and target rows.
        y : array-like of shape (n_samples,)
            Labels with unknown ones masked (``-1``, ``NaN``, ``None`` or
            ``""``). Not modified.
        sample_weight : array-like of shape (n_samples,), default=None
            Row weights, passed to the classifier (multiplied by the class weights
            for ``method="refit"``) and to the prior estimator.
        sample_domain : array-like of shape (n_samples,), default=None
            Domain id of each row (``>= 1`` source, ``<= -1`` target); inferred
            from the mask in ``y`` when None.

        Returns
        -------
        self : object
            The fitted meta-estimator.
        """
        name = type(self).__name__
        est = self.estimator
        if not is_classifier(est):
            raise TypeError(
                f"{name} corrects a classifier; {type(est).__name__} is not one."
            )
        if self.method == "posterior" and not hasattr(est, "predict_proba"):
            raise TypeError(
                f"{name}(method='posterior') re-weights predicted probabilities, but "
                f"{type(est).__name__} has no predict_proba. Wrap it in "
                "sklearn.calibration.CalibratedClassifierCV, or use method='refit' "
                "with a prior estimator that needs only predict, such as "
                "BBSE(soft=False)."
            )
        if self.method == "refit" and not has_fit_parameter(est, "sample_weight"):
            raise TypeError(
                f"{name}(method='refit') refits with class weights, but "
                f"{type(est).__name__}.fit does not accept sample_weight; use "
                "method='posterior'."
            )
        y = check_masked_y(y, name)
        check_consistent_length(X, y)
        n = y.shape[0]
        sd, known = _class_domains(sample_domain, y, n, name)
        classes, _ = source_classes(y, sd, known, name)
        sw = None if sample_weight is None else _check_sample_weight(sample_weight, X)
        rows = np.flatnonzero(known)
        Xl, yl = (X, y) if known.all() else (_safe_rows(X, rows), y[rows])
        swl = None if sw is None else sw[rows]
        kwargs = {} if swl is None else {"sample_weight": swl}
        self.estimator_ = clone(est).fit(Xl, yl, **kwargs)
        idx = class_index(yl, self.classes_)
        counts = np.bincount(idx, weights=swl, minlength=self.classes_.shape[0]).astype(
            np.float64
        )
        self.source_priors_ = counts / counts.sum()
        self.prior_estimator_ = None
        if self.target_priors is not None:
            self.priors_ = _check_target_priors(self.target_priors, classes, name)
        elif np.any(sd < 0):
            pe = (
                MLLS(est, random_state=self.random_state)
                if self.prior_estimator is None
                else self.prior_estimator
            )
            self.prior_estimator_ = clone(pe).fit(
                X, y, sample_weight=sample_weight, sample_domain=sd
            )
            self.priors_ = np.asarray(self.prior_estimator_.priors_, dtype=np.float64)
            if self.priors_.shape[0] != self.classes_.shape[0]:
                raise ValueError(
                    f"{name}: the prior estimator gave {self.priors_.shape[0]} "
                    f"priors for {self.classes_.shape[0]} classes."
                )
        else:
            self.priors_ = self.source_priors_.copy()
        with np.errstate(divide="ignore", invalid="ignore"):
            self.class_weights_ = np.where(
                self.source_priors_ > 0, self.priors_ / self.source_priors_, 0.0
            )
        if self.method == "refit" and not np.allclose(self.class_weights_, 1.0):
            w = self.class_weights_[idx] * (1.0 if swl is None else swl)
            self.estimator_ = clone(est).fit(Xl, yl, sample_weight=w)
        return self

    def _correct(self, P, sample_domain):
        W = P * self.class_weights_
        if sample_domain is not None:
            sd = check_sample_domain(sample_domain, n_samples=P.shape[0])
            W[sd > 0] = P[sd > 0]
        total = W.sum(axis=1, keepdims=True)
        # a row whose mass sits on classes the target lacks keeps its posterior
        return np.where(total > 0, W / np.where(total > 0, total, 1.0), P)

    @available_if(estimator_has("predict_proba"))
    def predict_proba(self, X, *, sample_domain=None):
        """Class probabilities for the target, corrected for its priors.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to predict.
        sample_domain : array-like of shape (n_samples,), default=None
            Rows with a source id (``>= 1``) get the uncorrected posterior; every
            row is a target row when None.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Class probabilities.
        """
        check_is_fitted(self)
        P = np.asarray(self.estimator_.predict_proba(X), dtype=np.float64)
        if self.method == "posterior":
            P = self._correct(P, sample_domain)
        return P

    @available_if(estimator_has("predict_proba"))
    def predict_log_proba(self, X, *, sample_domain=None):
        """Log of :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to predict.
        sample_domain : array-like of shape (n_samples,), default=None
            As in :meth:`predict_proba`.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log class probabilities.
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X, sample_domain=sample_domain))

    def predict(self, X, *, sample_domain=None):
        """Predict target classes with the corrected classifier.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to predict.
        sample_domain : array-like of shape (n_samples,), default=None
            As in :meth:`predict_proba`.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted classes.
        """
        check_is_fitted(self)
        if self.method == "refit":
            return self.estimator_.predict(X)
        P = self.predict_proba(X, sample_domain=sample_domain)
        return self.classes_[np.argmax(P, axis=1)]

    @available_if(_refit_decision)
    def decision_function(self, X, *, sample_domain=None):
        """Decision function of the refitted classifier (``method="refit"`` only).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score.
        sample_domain : array-like of shape (n_samples,), default=None
            Accepted for metadata routing and ignored.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Decision values.
        """
        check_is_fitted(self)
        return self.estimator_.decision_function(X)

    def score(self, X, y, sample_weight=None, *, sample_domain=None):
        """Accuracy of the corrected predictions on the labelled rows of ``X, y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score.
        y : array-like of shape (n_samples,)
            True labels; masked rows are left out.
        sample_weight : array-like of shape (n_samples,), default=None
            Row weights.
        sample_domain : array-like of shape (n_samples,), default=None
            As in :meth:`predict_proba`.

        Returns
        -------
        score : float
            Accuracy.
        """
        check_is_fitted(self)
        y = np.asarray(y)
        mask = labelled_mask(y, regression=False)
        rows = np.flatnonzero(mask)
        sd = None if sample_domain is None else np.asarray(sample_domain)[rows]
        Xr = X if mask.all() else _safe_rows(X, rows)
        pred = self.predict(Xr, sample_domain=sd)
        sw = None if sample_weight is None else np.asarray(sample_weight)[rows]
        return float(accuracy_score(y[rows], pred, sample_weight=sw))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return tags
