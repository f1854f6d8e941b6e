"""Fit any scikit-learn estimator with importance weights on the labelled rows."""

import numpy as np
from sklearn.base import clone, is_regressor
from sklearn.utils.validation import has_fit_parameter

from .._base import domains_and_labels
from .._pipeline import LabelledOnly
from ..utils._docstrings import FRAGMENTS, Substitution
from ..utils._sklearn import HasMethods, _check_sample_weight, _fit_context
from ._kmm import KMM

__all__ = ["ImportanceWeighted"]


@Substitution(**FRAGMENTS)
class ImportanceWeighted(LabelledOnly):
    r"""Fit an estimator on the labelled rows, source rows weighted like the target.

    The weighter (any skadapt weight estimator, e.g. :class:`KMM` or
    :class:`KLIEP`) is fitted on all rows, source and target; then a clone of
    ``estimator`` is fitted on the rows whose label is known, with
    ``sample_weight`` equal to the importance weight of each source row (labelled
    target rows, in semi-supervised adaptation, get weight 1). Masked rows are
    dropped, so it can end a stock Pipeline. Works for classifiers and regressors;
    prediction is the fitted estimator's.

    When only one domain is present the weights are uniform and this is the plain
    estimator.

    Parameters
    ----------
    estimator : estimator object
        A classifier or regressor whose ``fit`` accepts ``sample_weight``.
    weighter : weight estimator, default=None
        Object with ``fit(X, y, sample_domain=...)`` and ``weights_``. ``None``
        uses :class:`KMM`.

    Attributes
    ----------
    estimator_ : estimator object
        The fitted clone of ``estimator``.
    weighter_ : weight estimator
        The fitted clone of ``weighter``.
    sample_weight_ : ndarray of shape (n_labelled,)
        Weights used to fit ``estimator_``, one per labelled row.
    classes_ : ndarray of shape (n_classes,)
        Class labels, when the estimator is a classifier.
    %(feature_attributes)s

    See Also
    --------
    skadapt.LabelledOnly : The same without weights.

    Notes
    -----
    Under covariate shift, minimising the weighted source risk
    :math:`\sum_i w(x_i) \ell(f(x_i), y_i)` with
    :math:`w = p_t / p_s` is consistent for the target risk [1]_.

    References
    ----------
    .. [1] %(shimodaira_2000)s

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> from skadapt.datasets import make_domain_shift
    >>> from skadapt.reweighting import ImportanceWeighted, KLIEP
    >>> X, y, sample_domain, y_true = make_domain_shift(
    ...     200, 200, task="regression", random_state=0)
    >>> model = ImportanceWeighted(Ridge(), KLIEP()).fit(X, y)
    >>> model.sample_weight_.shape
    (200,)
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"])],
        "weighter": [HasMethods(["fit"]), None],
    }

    def __init__(self, estimator, weighter=None):
        self.estimator = estimator
        self.weighter = weighter

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None, *, sample_domain=None, **fit_params):
        """Fit the weighter on all rows, then the estimator on the labelled rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Source and target rows.
        y : array-like of shape (n_samples,)
            Labels with unknown ones masked (``-1`` or ``NaN``). Not modified.
        sample_weight : array-like of shape (n_samples,), default=None
            Row weights, multiplied by the importance weights.
        sample_domain : array-like of shape (n_samples,), default=None
            Domain id of each row (``>= 1`` source, ``<= -1`` target); inferred
            from the mask in ``y`` when None.
        **fit_params : dict
            Further parameters passed to the estimator's ``fit``.

        Returns
        -------
        self : object
            The fitted meta-estimator.
        """
        if not has_fit_parameter(self.estimator, "sample_weight"):
            raise TypeError(
                f"ImportanceWeighted needs an estimator whose fit accepts "
                f"sample_weight; {type(self.estimator).__name__}.fit does not."
            )
        if y is None:
            raise ValueError(
                "ImportanceWeighted requires y to be passed, but the target y is "
                "None; give y with unknown labels masked (-1 or NaN)."
            )
        y = np.asarray(y)
        n = y.shape[0]
        sd, mask = domains_and_labels(
            sample_domain, y, n, regression=is_regressor(self.estimator)
        )
        if not mask.any():
            raise ValueError(
                "ImportanceWeighted: every label in y is masked (-1 or NaN); there "
                "are no labelled rows to fit on."
            )
        weighter = KMM() if self.weighter is None else self.weighter
        self.weighter_ = clone(weighter).fit(X, y, sample_domain=sample_domain)
        w = np.ones(n)
        w[sd > 0] = self.weighter_.weights_
        if sample_weight is not None:
            w = w * _check_sample_weight(sample_weight, X)
        self.sample_weight_ = w[mask]
        return super().fit(
            X, y, sample_weight=w, sample_domain=sample_domain, **fit_params
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # sparse rows when both the weighter and the estimator take them
        weighter = KMM() if self.weighter is None else self.weighter
        tags.input_tags.sparse = bool(
            weighter.__sklearn_tags__().input_tags.sparse
            and self.estimator.__sklearn_tags__().input_tags.sparse
        )
        return tags
