"""Black box shift estimation (Lipton et al. 2018): confusion-matrix inversion."""

import warnings

import numpy as np

from ..exceptions import DegenerateFitWarning
from ..utils._docstrings import Substitution
from ._base import (
    PRIOR_FRAGMENTS,
    BasePriorEstimator,
    ConfusionPriorEstimator,
    bootstrap_confusion,
    target_mean,
)
from ._maths import confusion_matrix, confusion_standard_error, simplex_lstsq

__all__ = ["BBSE"]

# Warn when the smallest singular value of the estimated confusion matrix is below
# this many standard errors of the matrix (Frobenius norm), that is when a
# singular matrix is within about two standard deviations of the noise. Measured
# (tests/label_shift/test_priors.py): two classes of one distribution give a
# ratio of 0.7 (soft) to 1.5 (hard), classes one standard deviation apart 3.7 to
# 4.0, well separated classes about 27.
_NOISE_FACTOR = 2.0


def check_confusion(M, H, Y, ws, caller, classes):
    """Raise on a singular confusion matrix, warn on one within noise of singular.

    Returns ``(smallest singular value, its standard error)``.
    """
    sv = np.linalg.svd(M, compute_uv=False)
    k = M.shape[0]
    if sv[-1] <= k * np.finfo(np.float64).eps * max(sv[0], 1e-300):
        never = classes[M.sum(axis=1) <= 0].tolist()
        detail = (
            f" class(es) {never} are never predicted on the source rows;"
            if never
            else " the classifier does not tell some classes apart;"
        )
        raise ValueError(
            f"{caller}: the confusion matrix of the source predictions is singular "
            f"(rank {int(np.sum(sv > k * np.finfo(float).eps * sv[0]))} < {k}):"
            f"{detail} the target priors are then not identified. Remedies: "
            "soft=True (probabilities rarely give a singular matrix), RLLS "
            "(regularised) or MLLS, a classifier that separates these classes, "
            "or merge the classes it confuses."
        )
    se = confusion_standard_error(H, Y, ws, M)
    if sv[-1] < _NOISE_FACTOR * se:
        warnings.warn(
            f"{caller}: the smallest singular value of the confusion matrix "
            f"({sv[-1]:.3g}) is below twice its sampling standard error "
            f"({se:.3g}): a singular matrix is within noise of the estimate, so "
            "the priors may be far off (see priors_std_). Remedies: more "
            "labelled source rows, soft=True, RLLS (regularised) or MLLS, or a "
            "classifier that separates the classes better.",
            DegenerateFitWarning,
            stacklevel=4,
        )
    return float(sv[-1]), se


@Substitution(**PRIOR_FRAGMENTS)
class BBSE(ConfusionPriorEstimator):
    r"""Target class priors by black box shift estimation (confusion-matrix inversion).

    Under label shift the distribution of any fixed classifier's predictions on
    the target is the source's class-conditional prediction distribution mixed
    with the target priors: :math:`\mu = M q`, with :math:`M` the confusion
    matrix of the source rows. BBSE estimates :math:`M` from out-of-sample
    source predictions and :math:`\mu` from the target rows, and solves for
    :math:`q` on the simplex. It needs no calibrated probabilities, only an
    invertible confusion matrix.

    The source predictions are *cross-fitted*: ``cv`` folds of the source rows,
    each predicted by the classifier fitted without it (so the confusion matrix is
    not the optimistic one of the rows the classifier learned). Every fold model
    also predicts all target rows and the target mean averages them with the
    fold weights, so the same mixture of models produced :math:`M` and
    :math:`\mu`. With ``cv="prefit"`` the given fitted classifier is used as is,
    on source rows it must not have been trained on.

    With one domain only (no target rows) the priors are the source's.

    Parameters
    ----------
    estimator : classifier, default=None
        Any classifier; ``None`` uses ``LogisticRegression()``. Hard BBSE uses
        ``predict``; ``soft=True`` needs ``predict_proba``.
    soft : bool, default=False
        Use predicted probabilities instead of hard predictions (the soft
        confusion matrix ``E[p(x) | y]``): lower variance, and rarely singular.
    cv : int, cross-validation generator, iterable or "prefit", default=5
        Number of cross-fitting folds (stratified by class; fewer when a class
        has fewer source rows), a splitter or iterable of ``(train, test)``
        indices over the source rows, or ``"prefit"`` for a fitted
        ``estimator``.
    n_bootstrap : int, default=100
        Bootstrap replicates for ``priors_std_`` and ``priors_interval_``: the
        source rows are resampled within each class and the target rows as a
        whole, the predictions kept (the classifier is not refitted). 0 skips.
    %(prior_parallel_parameters)s

    Attributes
    ----------
    priors_ : ndarray of shape (n_classes,)
        Estimated target class priors, on the simplex.
    %(prior_estimates)s
    confusion_matrix_ : ndarray of shape (n_classes, n_classes)
        ``M[j, c]``: mean prediction of class ``j`` over source rows of class
        ``c`` (columns sum to one).
    smallest_singular_value_ : float
        Of ``confusion_matrix_``.
    confusion_standard_error_ : float
        Sampling standard error of ``confusion_matrix_`` (Frobenius norm); a
        :class:`~skadapt.exceptions.DegenerateFitWarning` is raised when twice
        it exceeds the smallest singular value (a singular matrix is then within
        noise of the estimate).
    degenerate_ : bool
        Whether that warning was raised.
    %(prior_fold_attributes)s

    See Also
    --------
    MLLS : Maximum likelihood on calibrated posteriors (EM).
    RLLS : BBSE's equation solved with a regulariser.
    PriorCorrection : Corrects a classifier for the estimated priors.

    Notes
    -----
    With :math:`\hat y = f(x)` the classifier's (hard or soft) prediction,

    .. math::

        \mu_j = E_t[\hat y_j] = \sum_c E_s[\hat y_j \mid y = c]\, q_c = (M q)_j,

    which holds when :math:`p_t(x \mid y) = p_s(x \mid y)` [1]_. The estimate is
    :math:`\arg\min_{q \in \Delta} \lVert \hat M q - \hat\mu \rVert_2`, which is
    :math:`\hat M^{-1} \hat\mu` whenever that lies on the simplex. Its error is of
    order :math:`\sigma_{\min}(M)^{-1}(n_s^{-1/2} + n_t^{-1/2})`; a singular
    :math:`\hat M` raises an error. Cross-fitting follows [2]_.

    References
    ----------
    .. [1] %(lipton_2018)s
    .. [2] %(chernozhukov_2018)s

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt.label_shift import BBSE
    >>> rng = np.random.RandomState(0)
    >>> ys, yt = rng.randint(2, size=600), (rng.uniform(size=600) < 0.8).astype(int)
    >>> X = np.r_[rng.normal(2.0 * ys, 1.0), rng.normal(2.0 * yt, 1.0)][:, None]
    >>> y = np.r_[ys, -np.ones(600, dtype=int)]  # target labels unknown
    >>> est = BBSE(random_state=0).fit(X, y)
    >>> est.priors_.round(1)
    array([0.2, 0.8])
    """

    _parameter_constraints: dict = {
        **BasePriorEstimator._parameter_constraints,
        "soft": ["boolean"],
    }

    def __init__(
        self,
        estimator=None,
        *,
        soft=False,
        cv=5,
        n_bootstrap=100,
        n_jobs=None,
        random_state=None,
    ):
        self.estimator = estimator
        self.soft = soft
        self.cv = cv
        self.n_bootstrap = n_bootstrap
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _fit_single_domain(self):
        k = self.classes_.shape[0]
        self.confusion_matrix_ = np.full((k, k), np.nan)
        self.smallest_singular_value_ = np.nan
        self.confusion_standard_error_ = np.nan
        self.degenerate_ = False

    def _estimate(self, S, Y, ws, T, f, wt):
        M, _ = confusion_matrix(S, Y, ws)
        self.confusion_matrix_ = M
        sv, se = check_confusion(M, S, Y, ws, type(self).__name__, self.classes_)
        self.smallest_singular_value_, self.confusion_standard_error_ = sv, se
        self.degenerate_ = bool(sv < _NOISE_FACTOR * se)
        self.priors_ = simplex_lstsq(M, target_mean(T, f, wt))[0]

    def _bootstrap(self, state, S, ys, Y, ws, T, f, wt, Ws, Wt):
        M = bootstrap_confusion(S, ys, Y.shape[1], Ws)
        return simplex_lstsq(M, target_mean(T, f, Wt))[0]
