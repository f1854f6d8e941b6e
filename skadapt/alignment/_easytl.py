"""Easy Transfer Learning (Wang, Chen, Yu, Huang & Yang, 2019)."""

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils.validation import (
    check_is_fitted,
    validate_data,
)

from .._base import (
    DomainMixin,
    check_classifier_fit,
    check_sample_domain,
)
from ..utils._docstrings import FRAGMENTS, Substitution
from ..utils._sklearn import HasMethods, _fit_context
from ._coral import CORAL

__all__ = ["EasyTL"]


def _programming_assignment(D):
    """The intra-domain LP's integral optimum through a ``C x n`` assignment.

    The constraint matrix is that of a bipartite b-matching (totally
    unimodular), so an integral optimum exists: every row takes its nearest
    class except one distinct representative row per class, and the
    representatives minimise the total extra cost ``D[r, c] - min_k D[r, k]``.
    """
    n, C = D.shape
    labels = np.argmin(D, axis=1)
    if n >= C:
        extra = D - D[np.arange(n), labels][:, None]
        rows, cols = linear_sum_assignment(extra.T)
        labels[cols] = rows
    M = np.zeros((n, C))
    M[np.arange(n), labels] = 1.0
    return M


def intra_domain_programming(D):
    r"""Soft class assignment of target rows by EasyTL's linear program.

    Solves :math:`\min_M \sum_{j,c} D_{jc} M_{jc}` subject to
    :math:`\sum_c M_{jc} = 1` for every row, :math:`\sum_j M_{jc} \ge 1` for
    every class (dropped when there are fewer rows than classes) and
    :math:`0 \le M \le 1`.

    Parameters
    ----------
    D : ndarray of shape (n_rows, n_classes)
        Distance of each row to each class centre.

    Returns
    -------
    M : ndarray of shape (n_rows, n_classes)
        An optimal assignment (each row sums to 1).
    """
    return _programming_assignment(D)


@Substitution(**FRAGMENTS)
class EasyTL(ClassifierMixin, DomainMixin, BaseEstimator):
    r"""Easy Transfer Learning: aligned class centroids and a linear program.

    EasyTL [1]_ has no hyperparameter to tune. *Intra-domain alignment*
    (:class:`CORAL` by default) maps the source rows onto the target's
    second-order statistics; the class centroids of the labelled rows then
    serve as a non-parametric classifier, and *intra-domain programming*
    assigns the target rows to classes jointly: the assignment of least total
    Euclidean distance to the centroids in which every class receives at least
    one row (a linear program). Prediction is transductive: ``predict``
    solves the program on the rows it is given (with fewer rows than classes
    it is the nearest centroid).

    Labelled target rows (an explicit ``sample_domain``) join the centroids.
    Several source domains are aligned by the aligner (CORAL aligns each one).
    When only one domain is present there is nothing to align, and EasyTL is
    the nearest-centroid classifier with the programming step.

    Parameters
    ----------
    aligner : transformer or None, default=None
        The intra-domain alignment, cloned and fitted on all rows; None is
        ``CORAL(reg=1.0)``, the paper's (the identity added to covariances
        of standardised features).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    aligner_ : transformer
        The fitted alignment.
    centroids_ : ndarray of shape (n_classes, n_features)
        Class centres of the aligned labelled rows.
    pseudo_labels_ : ndarray of shape (n_target_rows,) or None
        Labels the programming step gave the target rows at fit time (None
        with one domain).
    %(feature_attributes)s

    See Also
    --------
    CORAL : The default intra-domain alignment.
    MEDA : A kernel classifier across domains.

    Notes
    -----
    With :math:`h_c` the centroid of class ``c`` and
    :math:`D_{jc} = \|x_j - h_c\|` for the rows :math:`x_j` to classify, the
    intra-domain programming of [1]_ is

    .. math:: \min_M \sum_{j,c} D_{jc} M_{jc} \quad \text{s.t.} \quad
              \sum_c M_{jc} = 1, \quad \sum_j M_{jc} \ge 1, \quad
              0 \le M_{jc} \le 1 ,

    and row ``j`` takes the class of largest :math:`M_{jc}`. The constraints
    are those of a bipartite b-matching, so an integral optimum exists, and it
    is found by an exact reduction instead of an LP solver: every row takes its
    nearest centroid except one distinct row per class, chosen by a ``C x n``
    rectangular assignment (:func:`scipy.optimize.linear_sum_assignment`) on
    the extra cost :math:`D_{jc} - \min_k D_{jk}`, linear in the rows. (The
    tests check it against the LP solved by :func:`scipy.optimize.linprog`.)
    ``predict_proba`` returns :math:`M` itself (its rows are one-hot at an
    integral optimum).

    References
    ----------
    .. [1] J. Wang, Y. Chen, H. Yu, M. Huang and Q. Yang, "Easy Transfer
       Learning By Exploiting Intra-domain Structures", IEEE ICME 2019.

    Examples
    --------
    >>> from skadapt import EasyTL
    >>> from skadapt.datasets import make_domain_shift
    >>> X, y, sample_domain, y_true = make_domain_shift(
    ...     60, 60, n_features=4, shift="covariate", random_state=0)
    >>> clf = EasyTL().fit(X, y, sample_domain=sample_domain)
    >>> clf.predict(X[sample_domain < 0]).shape
    (60,)
    """

    _parameter_constraints: dict = {
        "aligner": [HasMethods(["fit", "transform"]), None],
    }

    def __init__(self, *, aligner=None):
        self.aligner = aligner

    @_fit_context(prefer_skip_nested_validation=False)
    @Substitution(**FRAGMENTS)
    def fit(self, X, y, *, sample_domain=None):
        """Align the domains, compute the class centroids, program the target.

        %(classifier_fit)s
        """
        X = validate_data(self, X, dtype=[np.float64, np.float32])
        y, sd, known = check_classifier_fit(self, X, y, sample_domain)
        src, tgt = sd > 0, sd < 0
        two = bool(src.any() and tgt.any())
        aligner = CORAL(reg=1.0) if self.aligner is None else clone(self.aligner)
        Xf = np.asarray(X, dtype=np.float64)
        if two:
            Z = aligner.fit(Xf, sample_domain=sd).transform(Xf, sample_domain=sd)
        else:
            Z = aligner.fit(Xf).transform(Xf)
        codes = np.searchsorted(self.classes_, y[known])
        counts = np.bincount(codes, minlength=self.classes_.size)
        sums = np.zeros((self.classes_.size, X.shape[1]))
        np.add.at(sums, codes, Z[known])
        self.aligner_ = aligner
        self.centroids_ = sums / counts[:, None]
        self.pseudo_labels_ = None
        free = tgt & ~known
        if two:
            labels = y[tgt].copy()
            if free.any():
                M = intra_domain_programming(self._distances(Z[free]))
                labels[free[tgt]] = self.classes_[np.argmax(M, axis=1)]
            self.pseudo_labels_ = labels
        return self

    def _distances(self, Z):
        sq = (
            np.einsum("ij,ij->i", Z, Z)[:, None]
            - 2.0 * Z @ self.centroids_.T
            + np.einsum("ij,ij->i", self.centroids_, self.centroids_)[None, :]
        )
        return np.sqrt(np.maximum(sq, 0.0))

    def _assignment(self, X, sample_domain):
        check_is_fitted(self, "centroids_")
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        sd = check_sample_domain(sample_domain, None, X.shape[0], predict=True)
        Z = self.aligner_.transform(np.asarray(X, dtype=np.float64), sample_domain=sd)
        return intra_domain_programming(self._distances(Z))

    def predict(self, X, *, sample_domain=None):
        """Assign the rows to classes by the intra-domain program.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to classify, all at once (the program couples them).
        sample_domain : array-like of shape (n_samples,), default=None
            Domain ids; rows are target rows when None (source rows would be
            mapped by the aligner first).

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted classes.
        """
        M = self._assignment(X, sample_domain)
        return self.classes_[np.argmax(M, axis=1)]

    def predict_proba(self, X, *, sample_domain=None):
        """The program's assignment matrix ``M`` (one-hot rows at its optimum).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to classify, all at once.
        sample_domain : array-like of shape (n_samples,), default=None
            Domain ids; rows are target rows when None.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Rows sum to 1.
        """
        return self._assignment(X, sample_domain)
