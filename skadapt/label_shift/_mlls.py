"""Maximum-likelihood label shift (Saerens et al. 2002) on calibrated posteriors."""

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ..utils._docstrings import Substitution
from ..utils._sklearn import Interval, StrOptions
from ._base import PRIOR_FRAGMENTS, BasePriorEstimator
from ._maths import PROBA_FLOOR, calibrated_proba, em_priors, fit_calibration

__all__ = ["MLLS"]


@Substitution(**PRIOR_FRAGMENTS)
class MLLS(BasePriorEstimator):
    r"""Target class priors by maximum likelihood (EM) on calibrated posteriors.

    Under label shift the target posterior is the source posterior re-weighted by
    the prior ratio, :math:`p_t(y \mid x) \propto p_s(y \mid x)\, q_y / \pi_y`, so
    the target priors :math:`q` maximise the likelihood of the unlabelled target
    rows. The EM algorithm of Saerens et al. finds them: re-weight each target
    row's posterior by :math:`q / \pi`, renormalise, average, repeat. The
    posteriors must be calibrated: they are first recalibrated on out-of-sample
    source predictions by bias-corrected temperature scaling (BCTS, Alexandari et
    al.), a temperature and one bias per class fitted by maximum likelihood.

    The source predictions that fit the calibration are *cross-fitted* (``cv``
    folds, each predicted by the classifier fitted without it); every fold model
    also predicts all target rows, and the likelihood averages the fold models'
    calibrated posteriors with the fold weights, so that the calibration is
    applied to the same mixture of models it was fitted on. With
    ``cv="prefit"`` the given fitted classifier is used as is.

    With one domain only (no target rows) the priors are the source's.

    Parameters
    ----------
    estimator : classifier, default=None
        A classifier with ``predict_proba``; ``None`` uses
        ``LogisticRegression()``.
    calibration : {"bcts", "vs", "ts"} or None, default="bcts"
        Recalibration of ``log predict_proba``: ``"bcts"`` (temperature and
        class biases), ``"vs"`` (vector scaling: a scale and a bias per class),
        ``"ts"`` (temperature only), None (the classifier's probabilities as
        they are).
    cv : int, cross-validation generator, iterable or "prefit", default=5
        Number of cross-fitting folds (stratified by class), a splitter or
        iterable of ``(train, test)`` indices over the source rows, or
        ``"prefit"``.
    max_iter : int, default=1000
        EM iterations at most.
    tol : float, default=1e-8
        EM stops when no prior moves by more than ``tol``.
    n_bootstrap : int, default=100
        Bootstrap replicates of the target rows for ``priors_std_`` and
        ``priors_interval_`` (classifier and calibration kept fixed, EM warm
        started). 0 skips.
    %(prior_parallel_parameters)s

    Attributes
    ----------
    priors_ : ndarray of shape (n_classes,)
        Estimated target class priors (the maximum-likelihood ones), on the
        simplex.
    %(prior_estimates)s
    temperature_ : float or ndarray of shape (n_classes,)
        Fitted temperature (1 without calibration; one per class for ``"vs"``).
    bias_ : ndarray of shape (n_classes,)
        Fitted class biases (zeros for ``"ts"`` and None).
    posterior_source_priors_ : ndarray of shape (n_classes,)
        Mean calibrated posterior over the source rows, the prior :math:`\pi`
        that the posteriors encode and EM divides by (equal to
        ``source_priors_`` at the optimum of ``"bcts"`` and ``"vs"``).
    n_iter_ : int
        EM iterations run.
    %(prior_fold_attributes)s

    See Also
    --------
    BBSE : Moment matching; needs no calibration.
    PriorCorrection : Corrects a classifier for the estimated priors.

    Notes
    -----
    With :math:`z(x)` the classifier's log-probabilities, the calibrated
    posterior is :math:`g(x) = \mathrm{softmax}(z(x) / T + b)` [2]_, and EM [1]_
    maximises the target log-likelihood over the simplex,

    .. math::

        \hat q = \arg\max_{q \in \Delta} \sum_i a_i
        \log \sum_c g_c(x_i) \frac{q_c}{\pi_c},
        \qquad q^{(t+1)}_c = \sum_i a_i
        \frac{g_c(x_i) q^{(t)}_c / \pi_c}{\sum_{c'} g_{c'}(x_i) q^{(t)}_{c'}
        / \pi_{c'}},

    with :math:`a_i` the (fold and sample) weights of the target rows, summing
    to one. The objective is concave, so EM converges to the maximum likelihood
    priors. [2]_ found that the class biases of BCTS matter: temperature scaling
    alone leaves a systematic error in the priors.

    References
    ----------
    %(saerens_reference)s
    .. [2] A. Alexandari, A. Kundaje and A. Shrikumar, "Maximum Likelihood with
       Bias-Corrected Calibration is Hard-To-Beat at Label Shift Adaptation",
       ICML 2020.

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt.label_shift import MLLS
    >>> rng = np.random.RandomState(0)
    >>> ys, yt = rng.randint(2, size=600), (rng.uniform(size=600) < 0.8).astype(int)
    >>> X = np.r_[rng.normal(2.0 * ys, 1.0), rng.normal(2.0 * yt, 1.0)][:, None]
    >>> y = np.r_[ys, -np.ones(600, dtype=int)]  # target labels unknown
    >>> est = MLLS(random_state=0).fit(X, y)
    >>> est.priors_.round(1)
    array([0.2, 0.8])
    """

    _parameter_constraints: dict = {
        **BasePriorEstimator._parameter_constraints,
        "calibration": [StrOptions({"bcts", "vs", "ts"}), None],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        estimator=None,
        *,
        calibration="bcts",
        cv=5,
        max_iter=1000,
        tol=1e-8,
        n_bootstrap=100,
        n_jobs=None,
        random_state=None,
    ):
        self.estimator = estimator
        self.calibration = calibration
        self.cv = cv
        self.max_iter = max_iter
        self.tol = tol
        self.n_bootstrap = n_bootstrap
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _proba_reason(self):
        return "the likelihood is built from posteriors"

    def _fit_single_domain(self):
        k = self.classes_.shape[0]
        self.temperature_ = 1.0
        self.bias_ = np.zeros(k)
        self.posterior_source_priors_ = self.source_priors_.copy()
        self.n_iter_ = 0

    def _posteriors(self, S, Y, ws, T, f, wt):
        Zs = np.log(np.maximum(S, PROBA_FLOOR))
        params = fit_calibration(Zs, Y, ws, self.calibration)
        a, b = params
        self.temperature_ = 1.0 / a
        self.bias_ = np.asarray(b, dtype=np.float64)
        Ps = calibrated_proba(Zs, params, self.calibration)
        self.posterior_source_priors_ = (ws @ Ps) / ws.sum()
        Pt = calibrated_proba(
            np.log(np.maximum(T, PROBA_FLOOR)), params, self.calibration
        )
        return Pt.reshape(-1, Pt.shape[-1])

    def _row_weights(self, f, W):
        W = np.atleast_2d(W)
        W = W / W.sum(axis=1, keepdims=True)
        return (f[None, :, None] * W[:, None, :]).reshape(W.shape[0], -1)

    def _estimate(self, S, Y, ws, T, f, wt):
        P = self._posteriors(S, Y, ws, T, f, wt)
        q, self.n_iter_, converged = em_priors(
            P,
            self._row_weights(f, wt),
            self.posterior_source_priors_,
            max_iter=self.max_iter,
            tol=self.tol,
        )
        if not converged:
            warnings.warn(
                f"MLLS: EM did not converge in max_iter={self.max_iter} iterations "
                f"(tol={self.tol}); raise max_iter. Slow convergence means a "
                "target prior close to zero.",
                ConvergenceWarning,
                stacklevel=3,
            )
        self.priors_ = q[0]
        return P

    def _bootstrap(self, P, S, ys, Y, ws, T, f, wt, Ws, Wt):
        init = np.tile(self.priors_, (Wt.shape[0], 1))
        q, _, _ = em_priors(
            P,
            self._row_weights(f, Wt),
            self.posterior_source_priors_,
            init=init,
            max_iter=self.max_iter,
            tol=max(self.tol, 1e-6),
        )
        return q
