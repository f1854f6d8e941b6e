"""Regularized learning under label shift (Azizzadenesheli et al. 2019)."""

from numbers import Real

import numpy as np

from ..utils._docstrings import Substitution
from ..utils._sklearn import Interval
from ._base import (
    PRIOR_FRAGMENTS,
    BasePriorEstimator,
    ConfusionPriorEstimator,
    bootstrap_confusion,
    target_mean,
)
from ._maths import confusion_matrix, rlls_radius, rlls_theta

__all__ = ["RLLS"]


def _priors_from_theta(theta, source_priors):
    q = source_priors * np.maximum(1.0 + theta, 0.0)
    total = q.sum()
    return q / total if total > 0 else source_priors.copy()


@Substitution(**PRIOR_FRAGMENTS)
class RLLS(ConfusionPriorEstimator):
    r"""Target class priors by regularised confusion-matrix inversion (RLLS).

    RLLS solves BBSE's equation for the class weights minus one,
    :math:`\theta = w - 1` with :math:`w = q / p_s`, by a least-squares fit
    penalised by :math:`\rho \lVert\theta\rVert_2`, where :math:`\rho` is a
    multiple of the confidence radius of the estimated confusion matrix. When
    the confusion matrix is ill-conditioned or the samples are small, the
    estimate shrinks towards no shift (:math:`w = 1`) instead of amplifying the
    noise as the plain inversion does.

    Source predictions are cross-fitted as in :class:`BBSE`. With one domain only
    the priors are the source's.

    Parameters
    ----------
    estimator : classifier, default=None
        Any classifier; ``None`` uses ``LogisticRegression()``. ``soft=True``
        needs ``predict_proba``.
    alpha : float, default=0.01
        Multiplier of the confidence radius: :math:`\rho = \alpha \Delta_C`.
        The radius is a worst-case (matrix Bernstein) bound, far above the
        actual error of the confusion matrix, so the full radius
        (``alpha=1``) shrinks almost every estimate to no shift; 0 is the
        unregularised least-squares BBSE with the constraint :math:`w \ge 0`.
    delta : float, default=0.05
        Confidence level of the radius :math:`\Delta_C` (it holds with
        probability at least ``1 - delta``).
    soft : bool, default=False
        Use predicted probabilities instead of hard predictions.
    cv : int, cross-validation generator, iterable or "prefit", default=5
        Number of cross-fitting folds, a splitter or iterable of ``(train,
        test)`` indices over the source rows, or ``"prefit"`` for a fitted
        ``estimator``.
    n_bootstrap : int, default=100
        Bootstrap replicates (source rows resampled within class, target rows
        as a whole, predictions kept) for ``priors_std_`` and
        ``priors_interval_``. 0 skips.
    %(prior_parallel_parameters)s

    Attributes
    ----------
    priors_ : ndarray of shape (n_classes,)
        Estimated target class priors, on the simplex.
    %(prior_estimates)s
    theta_ : ndarray of shape (n_classes,)
        The penalised solution :math:`\hat\theta` (class weights minus one
        before the renormalisation onto the simplex).
    confidence_radius_ : float
        :math:`\Delta_C`, the radius of the confusion matrix's confidence set.
    regularization_ : float
        :math:`\rho = \alpha \Delta_C`, the penalty used.
    confusion_matrix_ : ndarray of shape (n_classes, n_classes)
        Joint confusion matrix ``C[j, c] = p_s(yhat = j, y = c)``.
    %(prior_fold_attributes)s

    See Also
    --------
    BBSE : The unregularised inversion.
    MLLS : Maximum likelihood on calibrated posteriors.

    Notes
    -----
    With :math:`C` the joint confusion matrix of the source rows and
    :math:`b = \mu_t - C \mathbf{1}` the shift of the mean prediction, RLLS [1]_
    solves

    .. math::

        \hat\theta = \arg\min_{\theta \ge -1}
        \lVert \hat C \theta - \hat b \rVert_2 + \rho \lVert \theta \rVert_2,
        \qquad \Delta_C = 3\left(\frac{2 \log(2k/\delta)}{3 n}
        + \sqrt{\frac{2 \log(2k/\delta)}{n}}\right),

    with :math:`n` the (effective) number of source rows; the penalised problem
    is the worst case of the least-squares fit over confusion matrices within
    :math:`\rho` of :math:`\hat C` in spectral norm (robust least squares). It
    is solved exactly along the path of bounded ridge problems. The priors are
    :math:`p_s (1 + \hat\theta)` renormalised. The second stage of [1]_, which
    shrinks :math:`\hat\theta` by a factor chosen from a bound with unknown
    constants, is not applied (as in the authors' experiments, which tune the
    regulariser instead).

    References
    ----------
    .. [1] K. Azizzadenesheli, A. Liu, F. Yang and A. Anandkumar, "Regularized
       Learning for Domain Adaptation under Label Shifts", ICLR 2019.

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt.label_shift import RLLS
    >>> rng = np.random.RandomState(0)
    >>> ys, yt = rng.randint(2, size=600), (rng.uniform(size=600) < 0.8).astype(int)
    >>> X = np.r_[rng.normal(2.0 * ys, 1.0), rng.normal(2.0 * yt, 1.0)][:, None]
    >>> y = np.r_[ys, -np.ones(600, dtype=int)]  # target labels unknown
    >>> est = RLLS(random_state=0).fit(X, y)
    >>> est.priors_.round(1)
    array([0.2, 0.8])
    """

    _parameter_constraints: dict = {
        **BasePriorEstimator._parameter_constraints,
        "alpha": [Interval(Real, 0, None, closed="left")],
        "delta": [Interval(Real, 0, 1, closed="neither")],
        "soft": ["boolean"],
    }

    def __init__(
        self,
        estimator=None,
        *,
        alpha=0.01,
        delta=0.05,
        soft=False,
        cv=5,
        n_bootstrap=100,
        n_jobs=None,
        random_state=None,
    ):
        self.estimator = estimator
        self.alpha = alpha
        self.delta = delta
        self.soft = soft
        self.cv = cv
        self.n_bootstrap = n_bootstrap
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _fit_single_domain(self):
        k = self.classes_.shape[0]
        self.theta_ = np.zeros(k)
        self.confidence_radius_ = np.nan
        self.regularization_ = np.nan
        self.confusion_matrix_ = np.full((k, k), np.nan)

    def _solve(self, M, source_priors, mu_t):
        C = M * source_priors[None, :]
        theta = rlls_theta(C, mu_t - C.sum(axis=1), self.regularization_)
        return theta, _priors_from_theta(theta, source_priors)

    def _estimate(self, S, Y, ws, T, f, wt):
        M, _ = confusion_matrix(S, Y, ws)
        p = self.source_priors_
        self.confusion_matrix_ = M * p[None, :]
        n_eff = ws.sum() ** 2 / (ws @ ws)
        self.confidence_radius_ = float(rlls_radius(Y.shape[1], n_eff, self.delta))
        self.regularization_ = self.alpha * self.confidence_radius_
        self.theta_, self.priors_ = self._solve(M, p, target_mean(T, f, wt))

    def _bootstrap(self, state, S, ys, Y, ws, T, f, wt, Ws, Wt):
        M = bootstrap_confusion(S, ys, Y.shape[1], Ws)
        P = Ws @ Y
        P /= P.sum(axis=1, keepdims=True)
        mu = target_mean(T, f, Wt)
        # one small convex problem per replicate (a loop over replicates, not rows)
        return np.array([self._solve(M[b], P[b], mu[b])[1] for b in range(M.shape[0])])
