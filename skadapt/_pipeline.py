"""Composition with stock scikit-learn: LabelledOnly and make_da_pipeline."""

from collections import Counter

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone, is_regressor
from sklearn.pipeline import Pipeline
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from ._base import (
    DomainMixin,
    PredictionDelegationMixin,
    _check_not_one_class,
    check_sample_domain,
    estimator_has,
    inner_estimator_tags,
    labelled_mask,
)
from .utils._docstrings import FRAGMENTS, Substitution
from .utils._sklearn import (
    HasMethods,
    _check_sample_weight,
    _fit_context,
    _safe_indexing,
)

__all__ = ["LabelledOnly", "make_da_pipeline"]


def _n_rows(X):
    return X.shape[0] if hasattr(X, "shape") else len(X)


def _labelled_rows(X, y, caller, *, sample_domain=None, regression=None):
    if y is None:
        raise ValueError(
            f"{caller} requires y to be passed, but the target y is None; give y "
            "with unknown labels masked (-1 or NaN)."
        )
    y = np.asarray(y)
    mask = labelled_mask(y, sample_domain, regression=regression)
    if not mask.any():
        raise ValueError(
            f"{caller}: every label in y is masked (-1 or NaN); there are no "
            "labelled rows to fit on."
        )
    if mask.all():
        return X, y, mask
    return _safe_indexing(X, mask), y[mask], mask


@Substitution(**FRAGMENTS)
class LabelledOnly(
    PredictionDelegationMixin, MetaEstimatorMixin, DomainMixin, BaseEstimator
):
    """Fit any scikit-learn estimator on the rows whose label is known.

    Under skadapt's data contract, target rows travel in the same ``X`` as source
    rows with their labels masked (``-1`` for classification, ``NaN`` for
    regression). A plain estimator at the end of a pipeline would learn the mask as
    a class; this wrapper drops masked rows before fitting and delegates
    prediction. :func:`make_da_pipeline` applies it for you.

    Parameters
    ----------
    estimator : estimator object
        The scikit-learn estimator to fit on the labelled rows.

    Attributes
    ----------
    estimator_ : estimator object
        The fitted clone of ``estimator``.
    classes_ : ndarray of shape (n_classes,)
        Class labels, when the estimator is a classifier.
    %(feature_attributes)s

    See Also
    --------
    make_da_pipeline : Builds a stock Pipeline whose final step is wrapped.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skadapt import LabelledOnly
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0], [1.5]])
    >>> y = np.array([0, 0, 1, 1, -1])  # the last row is an unlabelled target row
    >>> clf = LabelledOnly(LogisticRegression()).fit(X, y)
    >>> clf.classes_
    array([0, 1])
    """

    _parameter_constraints: dict = {"estimator": [HasMethods(["fit"])]}

    def __init__(self, estimator):
        self.estimator = estimator

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None, *, sample_domain=None, **fit_params):
        """Fit a clone of the estimator on the labelled rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            All rows, labelled and unlabelled.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Labels with unknown ones masked (``-1`` or ``NaN``). Not modified.
        sample_weight : array-like of shape (n_samples,), default=None
            Row weights, passed on for the labelled rows.
        sample_domain : array-like of shape (n_samples,), default=None
            Domain ids. Source rows (``>= 1``) are labelled by definition, so a
            label ``-1`` there is a class; target rows are used when their label
            is known. When None, every row whose label is not masked is used.
        **fit_params : dict
            Further parameters passed to the estimator's ``fit``.

        Returns
        -------
        self : object
            The fitted meta-estimator.
        """
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X)
        if sample_domain is not None:
            sample_domain = check_sample_domain(sample_domain, y, _n_rows(X))
        regression = is_regressor(self.estimator)
        Xl, yl, mask = _labelled_rows(
            X,
            y,
            type(self).__name__,
            sample_domain=sample_domain,
            regression=regression,
        )
        if not regression and yl.ndim == 1:
            _check_not_one_class(yl, mask, type(self).__name__)
        if sample_weight is not None:
            sample_weight = sample_weight[mask]
            fit_params = {**fit_params, "sample_weight": sample_weight}
        self.estimator_ = clone(self.estimator).fit(Xl, yl, **fit_params)
        return self

    @property
    def classes_(self):
        """Class labels of the fitted classifier."""
        return self.estimator_.classes_

    @property
    def n_features_in_(self):
        """Number of features seen during fit."""
        return self.estimator_.n_features_in_

    @property
    def feature_names_in_(self):
        """Names of features seen during fit."""
        return self.estimator_.feature_names_in_

    @available_if(estimator_has("score"))
    def score(self, X, y, sample_weight=None, *, sample_domain=None):
        """Score the fitted estimator on the labelled rows of ``X, y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score.
        y : array-like of shape (n_samples,)
            True labels. Masked labels are an error unless ``sample_domain`` is
            given (then masked target rows are left out).
        sample_weight : array-like of shape (n_samples,), default=None
            Row weights.
        sample_domain : array-like of shape (n_samples,), default=None
            Domain ids; source rows are labelled by definition. It is not
            requested by metadata routing (a search scores the deployed model).

        Returns
        -------
        score : float
            The estimator's own ``score`` on the labelled rows.
        """
        check_is_fitted(self)
        name = f"{type(self).__name__}.score"
        regression = is_regressor(self.estimator)
        if sample_domain is None and not labelled_mask(y, regression=regression).all():
            raise ValueError(
                f"{name}: y holds masked (unknown) labels, which cannot be scored. "
                "Score the labelled rows only; in cross-validation use a skadapt "
                "splitter (e.g. skadapt.model_selection.DomainShuffleSplit), which "
                "keeps every unlabelled row in training and out of the test folds "
                "(a stock KFold drops target rows from training and tests on "
                "them); with target_in_test=True score with "
                "HoldoutScorer(domain='source') or a label-free scorer."
            )
        if sample_domain is not None:
            sample_domain = check_sample_domain(sample_domain, y, _n_rows(X))
        Xl, yl, mask = _labelled_rows(
            X, y, name, sample_domain=sample_domain, regression=regression
        )
        kwargs = {}
        if sample_weight is not None:
            kwargs["sample_weight"] = np.asarray(sample_weight)[mask]
        return self.estimator_.score(Xl, yl, **kwargs)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags = inner_estimator_tags(tags, self.estimator).input_tags
        return tags


def _is_predictor(est):
    return est not in (None, "passthrough") and hasattr(est, "predict")


def make_da_pipeline(*steps, memory=None, verbose=False):
    """Build a stock :class:`~sklearn.pipeline.Pipeline` for domain adaptation.

    Like :func:`~sklearn.pipeline.make_pipeline`, with one difference: a final
    predictor that is not a skadapt estimator is wrapped in :class:`LabelledOnly`,
    so it learns only from rows whose label is known. Step names are the lowercased
    class names of the unwrapped estimators.

    Parameters
    ----------
    *steps : list of estimators
        Transformers, then (optionally) a final estimator.
    memory : str or object with the joblib.Memory interface, default=None
        Passed to :class:`~sklearn.pipeline.Pipeline`.
    verbose : bool, default=False
        Passed to :class:`~sklearn.pipeline.Pipeline`.

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline
        A plain scikit-learn Pipeline.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skadapt import CORAL, make_da_pipeline
    >>> pipe = make_da_pipeline(StandardScaler(), CORAL(), LogisticRegression())
    >>> [name for name, _ in pipe.steps]
    ['standardscaler', 'coral', 'logisticregression']
    >>> type(pipe.steps[-1][1]).__name__
    'LabelledOnly'
    """
    if not steps:
        raise ValueError("make_da_pipeline needs at least one step.")
    steps = list(steps)
    names = [
        "passthrough" if s in (None, "passthrough") else type(s).__name__.lower()
        for s in steps
    ]
    counts = Counter(names)
    seen = Counter()
    for i, name in enumerate(names):
        if counts[name] > 1:
            seen[name] += 1
            names[i] = f"{name}-{seen[name]}"
    last = steps[-1]
    if _is_predictor(last) and not isinstance(last, DomainMixin):
        steps[-1] = LabelledOnly(last)
    return Pipeline(list(zip(names, steps)), memory=memory, verbose=verbose)
