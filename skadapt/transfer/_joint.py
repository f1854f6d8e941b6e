"""Joint training on source and weighted target rows (Daumé & Marcu, 2006)."""

from numbers import Real

import numpy as np
from sklearn.base import clone, is_regressor
from sklearn.utils.validation import has_fit_parameter

from .._base import check_masked_y
from .._pipeline import LabelledOnly
from ..utils._sklearn import (
    HasMethods,
    Interval,
    StrOptions,
    _fit_context,
    _safe_indexing,
)
from ._common import _split_rows, _warn_unlabelled_target, _weights

__all__ = ["JointTraining"]


class JointTraining(LabelledOnly):
    r"""Fit one estimator on the source rows and the up-weighted target rows.

    The wrapped estimator minimises :math:`\sum_{source} L + \lambda
    \sum_{target} L` over the labelled rows, through its ``sample_weight``: source
    rows weigh 1 and labelled target rows weigh ``target_weight``. A few labelled
    target rows then count as much as the many source rows, while the source rows
    still fill in what the target rows do not cover.

    Labelled target rows are rows with a known label and ``sample_domain <= -1``;
    they need an explicit ``sample_domain``. Masked rows are ignored. With one
    domain only the estimator is fitted on every labelled row with the caller's
    weights (its baseline); without labelled target rows but with (unlabelled)
    target rows it is fitted on the source rows, with a warning.

    Parameters
    ----------
    estimator : estimator object
        Any scikit-learn estimator whose ``fit`` takes ``sample_weight``.
    target_weight : float or "balanced", default="balanced"
        Weight :math:`\lambda` of each labelled target row relative to a source
        row. ``"balanced"`` gives both domains the same total weight,
        :math:`\lambda = n_{source} / n_{target}` (sums of sample weights); ``0``
        is source-only and a very large value target-only training. Tunable in
        :class:`~sklearn.model_selection.GridSearchCV`.

    Attributes
    ----------
    estimator_ : estimator object
        The fitted clone of ``estimator``.
    target_weight_ : float
        The weight :math:`\lambda` used (1.0 when only one domain was labelled).
    classes_ : ndarray of shape (n_classes,)
        Class labels, when the estimator is a classifier.
    n_features_in_ : int
        Number of features seen during :term:`fit`.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when `X` has feature
        names that are all strings.

    See Also
    --------
    LinearInterpolation : Mixes the predictions of two separate models instead.
    TransferRidge : Uses the source model as a prior rather than its rows.

    Notes
    -----
    With :math:`s_i` the caller's sample weights, the estimator is fitted with
    weights :math:`s_i` on labelled source rows and :math:`\lambda s_i` on
    labelled target rows, so that it minimises

    .. math::

        \sum_{i \in S} s_i L(y_i, f(x_i)) + \lambda \sum_{i \in T} s_i L(y_i, f(x_i)),

    the weighted joint objective of the "all" baseline of [1]_ that [2]_ found
    hard to beat when the weight is tuned.

    References
    ----------
    .. [1] H. Daumé III and D. Marcu, "Domain adaptation for statistical
       classifiers", Journal of Artificial Intelligence Research 26, 2006.
    .. [2] H. Daumé III, "Frustratingly easy domain adaptation", ACL 2007.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> from skadapt import JointTraining
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0], [1.0], [2.0]])
    >>> y = np.array([0.0, 1.0, 2.0, 3.0, 2.0, 4.0])
    >>> sample_domain = np.array([1, 1, 1, 1, -1, -1])
    >>> model = JointTraining(Ridge()).fit(X, y, sample_domain=sample_domain)
    >>> model.target_weight_
    2.0
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit"])],
        "target_weight": [
            Interval(Real, 0, None, closed="left"),
            StrOptions({"balanced"}),
        ],
    }

    def __init__(self, estimator, *, target_weight="balanced"):
        self.estimator = estimator
        self.target_weight = target_weight

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None, *, sample_domain=None, **fit_params):
        """Fit the estimator on the labelled rows, target rows up-weighted.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Source and target rows.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Labels; unknown ones masked (``-1`` or ``NaN``). Not modified.
        sample_weight : array-like of shape (n_samples,), default=None
            Row weights, multiplied by the domain weights.
        sample_domain : array-like of shape (n_samples,), default=None
            Domain id of each row: ``>= 1`` source, ``<= -1`` target. Labelled
            target rows need it.
        **fit_params : dict
            Further parameters passed to the estimator's ``fit``.

        Returns
        -------
        self : object
            The fitted meta-estimator.
        """
        name = type(self).__name__
        if not has_fit_parameter(self.estimator, "sample_weight"):
            raise ValueError(
                f"{name} needs an estimator whose fit takes sample_weight; "
                f"{type(self.estimator).__name__}.fit does not."
            )
        y = check_masked_y(y, name, multi_output=True)
        n = y.shape[0]
        rows = _split_rows(
            X, y, sample_domain, name, regression=is_regressor(self.estimator)
        )
        sw = _weights(sample_weight, np.empty((n, 0)))
        known = rows.source | rows.target
        base = np.ones(n) if sw is None else sw
        lam = 1.0
        weights = sw
        if rows.source.any() and rows.target.any():
            if self.target_weight == "balanced":
                lam = base[rows.source].sum() / base[rows.target].sum()
            else:
                lam = float(self.target_weight)
            weights = base * np.where(rows.target, lam, 1.0)
        elif rows.any_target.any() and not rows.target.any():
            _warn_unlabelled_target(name)
        if weights is not None:
            fit_params = {**fit_params, "sample_weight": weights[known]}
        Xl = X if known.all() else _safe_indexing(X, known)
        yl = y if known.all() else y[known]
        self.estimator_ = clone(self.estimator).fit(Xl, yl, **fit_params)
        self.target_weight_ = float(lam)
        return self
