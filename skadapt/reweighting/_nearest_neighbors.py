"""Nearest-neighbour weighting (Loog, 2012)."""

from numbers import Real

import numpy as np

from .._core import nearest_rows
from ..utils._docstrings import FRAGMENTS, Substitution
from ..utils._sklearn import Interval
from ._base import BaseWeighter

__all__ = ["NearestNeighborWeighting"]


@Substitution(**FRAGMENTS)
class NearestNeighborWeighting(BaseWeighter):
    r"""Weight each source row by the number of target rows nearest to it.

    Every target row votes for its nearest source row; a source row's weight is its
    vote count plus a Laplace smoothing term, so that the weighted source sample
    has the target's mass in each Voronoi cell of the source rows. The method is
    free of kernel widths but has no out-of-sample form.

    When only one domain is present the weights are uniform.

    Parameters
    ----------
    smoothing : float, default=1.0
        Count added to every source row (Laplace smoothing); ``0`` gives the raw
        counts, which leave most source rows with weight 0 when the target is
        small.
    max_weight : float or None, default=5.0
        %(max_weight)s
    n_jobs : int or None, default=None
        Parallel jobs of the neighbour search.

    Attributes
    ----------
    %(weighter_attributes)s
    counts_ : ndarray of shape (n_source,)
        Number of target rows whose nearest source row each row is.
    %(feature_attributes)s

    See Also
    --------
    KMM : Kernel mean matching.

    Notes
    -----
    With :math:`V_i` the Voronoi cell of source row :math:`x^s_i` [1]_,

    .. math:: w_i \propto \#\{j : x^t_j \in V_i\} + \lambda .

    References
    ----------
    .. [1] M. Loog, "Nearest neighbor-based importance weighting", IEEE
       International Workshop on Machine Learning for Signal Processing, 2012.

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt.reweighting import NearestNeighborWeighting
    >>> X = np.array([[0.0], [1.0], [2.0], [1.1], [0.9], [2.1]])
    >>> sample_domain = np.array([1, 1, 1, -1, -1, -1])
    >>> est = NearestNeighborWeighting().fit(X, sample_domain=sample_domain)
    >>> est.counts_
    array([0, 2, 1])
    >>> np.round(est.weights_, 2)
    array([0.5, 1.5, 1. ])
    """

    _parameter_constraints: dict = {
        **BaseWeighter._parameter_constraints,
        "smoothing": [Interval(Real, 0, None, closed="left")],
        "n_jobs": [int, None],
    }

    def __init__(self, *, smoothing=1.0, max_weight=5.0, n_jobs=None):
        self.smoothing = smoothing
        self.max_weight = max_weight
        self.n_jobs = n_jobs

    def _fit_single_domain(self, Xs):
        self.counts_ = np.zeros(Xs.shape[0], dtype=np.int64)

    def _fit_weights(self, Xs, Xt):
        nearest = nearest_rows(Xt, Xs, n_jobs=self.n_jobs)
        self.counts_ = np.bincount(nearest, minlength=Xs.shape[0])
        raw = self.counts_ + float(self.smoothing)
        if not raw.any():
            raw = np.ones(Xs.shape[0])
        return raw
