"""Density ratio from a probabilistic classifier that separates the domains."""

from numbers import Integral, Real

from .._core import DEFAULT_MAX_WEIGHT, cross_fitted_domain_odds, fold_odds
from ..utils._docstrings import FRAGMENTS, Substitution
from ..utils._sklearn import HasMethods, Interval
from ._base import BaseWeighter

__all__ = ["ClassifierDensityRatio"]


@Substitution(**FRAGMENTS)
class ClassifierDensityRatio(BaseWeighter):
    r"""Density ratio from any probabilistic classifier of source versus target.

    A classifier learns to tell target rows from source rows; by Bayes' rule its
    odds times ``n_source / n_target`` estimate ``p_target(x) / p_source(x)``. The
    weights are *cross-fitted*: rows are split into ``cv`` folds and each source
    row's weight comes from the model fitted without its fold, so no row is
    weighted by a model that saw it (which would overfit the weights).
    ``compute_weights`` averages the odds of the fold models.

    When only one domain is present the weights are uniform.

    Parameters
    ----------
    estimator : classifier, default=None
        Any classifier with ``predict_proba``. ``None`` uses standardisation then
        ``LogisticRegression(max_iter=1000)``, so the ratio does not depend on the
        units of the features.
    cv : int, default=5
        Number of cross-fitting folds (stratified by domain).
    clip : float, default=1e-3
        Probabilities are clipped to ``[clip, 1 - clip]`` before taking odds.
    max_weight : float or None, default=5.0
        %(max_weight)s
    n_jobs : int or None, default=None
        Number of folds fitted in parallel (joblib).
    random_state : int, RandomState instance or None, default=None
        Shuffles the folds; None seeds them from the data, so the same rows give
        the same weights.

    Attributes
    ----------
    %(weighter_attributes)s
    estimators_ : list of estimator
        The fold models.
    prior_ratio_ : float
        ``n_source / n_target``.
    %(feature_attributes)s

    See Also
    --------
    KLIEP : A direct density-ratio estimate.

    Notes
    -----
    With :math:`d = 1` for target rows, :math:`\frac{p_t(x)}{p_s(x)} =
    \frac{n_s}{n_t}\frac{P(d=1\mid x)}{P(d=0\mid x)}` [1]_. Cross-fitting follows
    the double machine learning practice [2]_.

    References
    ----------
    .. [1] S. Bickel, M. Brueckner and T. Scheffer, "Discriminative Learning Under
       Covariate Shift", JMLR 10, 2009.
    .. [2] %(chernozhukov_2018)s

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt.reweighting import ClassifierDensityRatio
    >>> rng = np.random.RandomState(0)
    >>> X = np.r_[rng.normal(0, 1, (200, 1)), rng.normal(1, 1, (200, 1))]
    >>> sample_domain = np.r_[np.ones(200, int), -np.ones(200, int)]
    >>> est = ClassifierDensityRatio().fit(X, sample_domain=sample_domain)
    >>> bool(np.corrcoef(X[:200, 0], np.log(est.weights_))[0, 1] > 0.95)
    True
    """

    _out_of_sample = True
    _accepts_sparse = True

    _parameter_constraints: dict = {
        **BaseWeighter._parameter_constraints,
        "estimator": [HasMethods(["fit", "predict_proba"]), None],
        "cv": [Interval(Integral, 2, None, closed="left")],
        "clip": [Interval(Real, 0, 0.5, closed="neither")],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        *,
        estimator=None,
        cv=5,
        clip=1e-3,
        max_weight=DEFAULT_MAX_WEIGHT,
        n_jobs=None,
        random_state=None,
    ):
        self.estimator = estimator
        self.cv = cv
        self.clip = clip
        self.max_weight = max_weight
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _fit_single_domain(self, Xs):
        self.estimators_ = []
        self.prior_ratio_ = 1.0

    def _fit_weights(self, Xs, Xt):
        raw, self.estimators_, self.prior_ratio_ = cross_fitted_domain_odds(
            Xs,
            Xt,
            self.estimator,
            cv=self.cv,
            clip=self.clip,
            n_jobs=self.n_jobs,
            random_state=self.random_state,
        )
        return raw

    def _raw_weights(self, X):
        return fold_odds(self.estimators_, X, self.clip) * self.prior_ratio_
