"""Cross-validation splitters that respect the source/target structure."""

from numbers import Integral, Real

import numpy as np
from sklearn.model_selection import BaseCrossValidator
from sklearn.utils import check_random_state

from .._base import DomainMixin, check_sample_domain, labelled_mask

__all__ = ["DomainShuffleSplit"]


def _scorable_source_rows(n_samples, y, sample_domain, caller):
    """Indices of labelled source rows (those a test fold may hold)."""
    sd = check_sample_domain(sample_domain, y, n_samples)
    rows = sd > 0
    if y is not None:
        rows &= labelled_mask(y)
    idx = np.flatnonzero(rows)
    if idx.size == 0:
        raise ValueError(
            f"{caller} found no labelled source rows to test on "
            "(sample_domain >= 1 with a known label)."
        )
    return idx


def _validate_split_sizes(n_splits, test_size, random_state):
    if not isinstance(n_splits, Integral) or n_splits < 1:
        raise ValueError(f"n_splits must be a positive integer, got {n_splits!r}.")
    if isinstance(test_size, Real) and not isinstance(test_size, Integral):
        if not 0 < test_size < 1:
            raise ValueError(f"A float test_size must lie in (0, 1), got {test_size}.")
    elif not isinstance(test_size, Integral) or test_size < 1:
        raise ValueError(
            f"test_size must be a float in (0, 1) or a positive int, got {test_size!r}."
        )


class DomainShuffleSplit(DomainMixin, BaseCrossValidator):
    """Random test folds drawn from the labelled source rows only.

    Every target row (and every unlabelled row) stays in every training fold, so
    a domain-adaptation estimator always sees the target domain when it is fitted,
    and no test fold ever asks for a score on a row whose label is unknown. Works
    with routing off (the domains come from the masked ``y``) and on
    (``sample_domain`` is routed to :meth:`split`).

    Parameters
    ----------
    n_splits : int, default=5
        Number of re-shuffling and splitting iterations.
    test_size : float or int, default=0.2
        Fraction (float) or number (int) of the labelled source rows in each test
        fold.
    random_state : int, RandomState instance or None, default=None
        Controls the shuffling.

    See Also
    --------
    sklearn.model_selection.ShuffleSplit : The same over all rows.

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt.model_selection import DomainShuffleSplit
    >>> X = np.zeros((6, 1))
    >>> y = np.array([0, 1, 0, 1, -1, -1])  # the last two rows are target rows
    >>> cv = DomainShuffleSplit(n_splits=2, test_size=2, random_state=0)
    >>> for train, test in cv.split(X, y):
    ...     print(train, test)
    [0 1 4 5] [2 3]
    [1 3 4 5] [0 2]
    """

    def __init__(self, n_splits=5, *, test_size=0.2, random_state=None):
        self.n_splits = n_splits
        self.test_size = test_size
        self.random_state = random_state

    def split(self, X, y=None, groups=None, *, sample_domain=None):
        """Generate indices to split data into training and test sets.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The rows to split.
        y : array-like of shape (n_samples,), default=None
            Labels with unknown ones masked; with ``sample_domain`` None, the
            domains are inferred from it.
        groups : None
            Ignored; present for API compatibility.
        sample_domain : array-like of shape (n_samples,), default=None
            Domain ids (``>= 1`` source, ``<= -1`` target).

        Yields
        ------
        train : ndarray
            Indices of the training rows (every target row among them).
        test : ndarray
            Indices of the test rows (labelled source rows only).
        """
        _validate_split_sizes(self.n_splits, self.test_size, self.random_state)
        n_samples = X.shape[0] if hasattr(X, "shape") else len(X)
        candidates = _scorable_source_rows(
            n_samples, y, sample_domain, type(self).__name__
        )
        n_cand = candidates.size
        if isinstance(self.test_size, Integral):
            n_test = int(self.test_size)
        else:
            n_test = int(np.ceil(self.test_size * n_cand))
        if not 1 <= n_test < n_cand:
            raise ValueError(
                f"{type(self).__name__}: test_size={self.test_size} gives {n_test} "
                f"test rows out of {n_cand} labelled source rows; at least one row "
                "must remain on each side."
            )
        rng = check_random_state(self.random_state)
        everything = np.arange(n_samples)
        for _ in range(self.n_splits):
            test = np.sort(rng.permutation(candidates)[:n_test])
            train_mask = np.ones(n_samples, dtype=bool)
            train_mask[test] = False
            yield everything[train_mask], test

    def get_n_splits(self, X=None, y=None, groups=None, *, sample_domain=None):
        """Return the number of splitting iterations.

        Parameters
        ----------
        X : object
            Ignored.
        y : object
            Ignored.
        groups : object
            Ignored.
        sample_domain : object
            Ignored.

        Returns
        -------
        n_splits : int
            The number of splits.
        """
        return self.n_splits
