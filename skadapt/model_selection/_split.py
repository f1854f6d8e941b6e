"""Cross-validation splitters that respect the source/target structure.

Every splitter here draws its test folds from the *labelled* rows of one side
(the source domains by default) and keeps every unlabelled row in every training
fold, so a domain-adaptation estimator always sees the target domain when it is
fitted and no test fold asks for a labelled score on a row whose label is unknown.
With ``target_in_test=True`` the unlabelled target rows are *also* put in every test
fold: they carry no label, so nothing leaks, and the unsupervised scorers of
:mod:`skadapt.model_selection` need them there.

The domains come from ``sample_domain`` when it is routed to ``split`` (metadata
routing on; requested automatically), otherwise from the masked labels in ``y``.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.model_selection import (
    BaseCrossValidator,
    KFold,
    StratifiedKFold,
    StratifiedShuffleSplit,
)
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import type_of_target

from .._base import DomainMixin, check_sample_domain, labelled_mask
from ..utils._docstrings import Substitution

__all__ = [
    "DomainKFold",
    "DomainShuffleSplit",
    "LeaveOneDomainOut",
    "StratifiedDomainShuffleSplit",
]

# The parameters the two shuffle splitters share (entries substituted at four
# spaces in a class docstring).
_SHUFFLE_SPLIT_PARAMETERS = Substitution(
    shuffle_split_parameters="""n_splits : int, default=5
        Number of re-shuffling and splitting iterations.
    test_size : float or int, default=0.2
        Fraction (float) or number (int) of the labelled candidate rows in each
        test fold.
    random_state : int, RandomState instance or None, default=None
        Controls the shuffling."""
)


def _n_rows(X):
    return X.shape[0] if hasattr(X, "shape") else len(X)


def _fold_structure(n_samples, y, sample_domain, test_on, caller):
    """Domain ids, labelled mask and the candidate test rows of a splitter."""
    sd = check_sample_domain(sample_domain, y, n_samples)
    known = labelled_mask(y, sd) if y is not None else np.ones(n_samples, dtype=bool)
    if known.shape[0] != n_samples:
        raise ValueError(f"y has {known.shape[0]} rows but X has {n_samples} rows.")
    side = sd > 0 if test_on == "source" else sd < 0
    candidates = np.flatnonzero(side & known)
    if candidates.size == 0:
        if test_on == "source":
            raise ValueError(
                f"{caller} found no labelled source rows to test on "
                "(sample_domain >= 1 with a known label)."
            )
        raise ValueError(
            f"{caller}(test_on='target') found no labelled target rows to test on; "
            "labelled target rows need an explicit sample_domain <= -1 (enable "
            "metadata routing and pass sample_domain)."
        )
    return sd, known, candidates


def _stratify_key(y, sd, rows, caller):
    """Integer code of (domain, class) for each candidate row."""
    yc = np.asarray(y)[rows]
    if type_of_target(yc) not in ("binary", "multiclass"):
        raise ValueError(
            f"{caller} stratifies by class and needs class labels in y, got "
            f"target type {type_of_target(yc)!r}."
        )
    _, codes = np.unique(yc, return_inverse=True)
    pairs = np.stack([sd[rows], codes.ravel()], axis=1)
    _, key = np.unique(pairs, axis=0, return_inverse=True)
    return key.ravel()


def _check_shuffle_sizes(n_splits, test_size):
    if not isinstance(n_splits, Integral) or isinstance(n_splits, bool) or n_splits < 1:
        raise ValueError(f"n_splits must be a positive integer, got {n_splits!r}.")
    if isinstance(test_size, Real) and not isinstance(test_size, Integral):
        if not 0 < test_size < 1:
            raise ValueError(f"A float test_size must lie in (0, 1), got {test_size}.")
    elif not isinstance(test_size, Integral) or test_size < 1:
        raise ValueError(
            f"test_size must be a float in (0, 1) or a positive int, got {test_size!r}."
        )


def _check_test_on(test_on, target_in_test):
    if test_on not in ("source", "target"):
        raise ValueError(f"test_on must be 'source' or 'target', got {test_on!r}.")
    if not isinstance(target_in_test, (bool, np.bool_)):
        raise ValueError(f"target_in_test must be a bool, got {target_in_test!r}.")


class _BaseDomainSplitter(DomainMixin, BaseCrossValidator):
    """Shared fold assembly: test rows from the candidates, the rest in training."""

    def split(self, X, y=None, groups=None, *, sample_domain=None):
        """Generate indices to split data into training and test sets.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The rows to split.
        y : array-like of shape (n_samples,), default=None
            Labels with unknown ones masked; with ``sample_domain`` None, the
            domains are inferred from it.
        groups : array-like of shape (n_samples,), default=None
            Ignored, except by :class:`LeaveOneDomainOut`, which reads source
            domain ids from it when ``sample_domain`` is not given.
        sample_domain : array-like of shape (n_samples,), default=None
            Domain ids (``>= 1`` source, ``<= -1`` target).

        Yields
        ------
        train : ndarray
            Indices of the training rows (every unlabelled row among them).
        test : ndarray
            Indices of the test rows: labelled rows of the ``test_on`` side, plus
            the unlabelled target rows when ``target_in_test`` is True.
        """
        _check_test_on(self.test_on, self.target_in_test)
        n_samples = _n_rows(X)
        caller = type(self).__name__
        sd, known, candidates = _fold_structure(
            n_samples, y, sample_domain, self.test_on, caller
        )
        extra = np.flatnonzero((sd < 0) & ~known) if self.target_in_test else None
        everything = np.arange(n_samples)
        for test in self._iter_test(
            candidates, y, sd, groups, sample_domain is not None, caller
        ):
            train_mask = np.ones(n_samples, dtype=bool)
            train_mask[test] = False
            if extra is not None and extra.size:
                test = np.union1d(test, extra)
            yield everything[train_mask], np.sort(test)

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
            Ignored; accepted because a search passes the split's metadata.

        Returns
        -------
        n_splits : int
            The number of splits.
        """
        return self.n_splits


@_SHUFFLE_SPLIT_PARAMETERS
class DomainShuffleSplit(_BaseDomainSplitter):
    """Random test folds drawn from the labelled source rows only.

    Every target row (and every unlabelled row) stays in every training fold, so
    a domain-adaptation estimator always sees the target domain when it is fitted,
    and no test fold ever asks for a score on a row whose label is unknown. Works
    with routing off (the domains come from the masked ``y``) and on
    (``sample_domain`` is routed to :meth:`split`).

    Parameters
    ----------
    %(shuffle_split_parameters)s
    target_in_test : bool, default=False
        Also put every unlabelled target row in every test fold (they stay in the
        training folds too). The unsupervised scorers (entropy, IWCV, DEV, SND,
        reverse validation) need target rows at score time; plain scorers such as
        ``"accuracy"`` need them left out.
    test_on : {"source", "target"}, default="source"
        Which labelled rows the test folds are drawn from. ``"target"`` draws them
        from the few labelled target rows of semi-supervised adaptation (these need
        an explicit ``sample_domain``), for :class:`HoldoutScorer`.

    See Also
    --------
    sklearn.model_selection.ShuffleSplit : The same over all rows.
    StratifiedDomainShuffleSplit : Keeps each domain's class proportions.

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

    def __init__(
        self,
        n_splits=5,
        *,
        test_size=0.2,
        random_state=None,
        target_in_test=False,
        test_on="source",
    ):
        self.n_splits = n_splits
        self.test_size = test_size
        self.random_state = random_state
        self.target_in_test = target_in_test
        self.test_on = test_on

    def _n_test(self, n_cand, caller):
        _check_shuffle_sizes(self.n_splits, self.test_size)
        if isinstance(self.test_size, Integral):
            n_test = int(self.test_size)
        else:
            n_test = int(np.ceil(self.test_size * n_cand))
        if not 1 <= n_test < n_cand:
            raise ValueError(
                f"{caller}: test_size={self.test_size} gives {n_test} test rows out "
                f"of {n_cand} labelled {self.test_on} rows; at least one row must "
                "remain on each side."
            )
        return n_test

    def _iter_test(self, candidates, y, sd, groups, given, caller):
        n_test = self._n_test(candidates.size, caller)
        rng = check_random_state(self.random_state)
        for _ in range(self.n_splits):
            yield rng.permutation(candidates)[:n_test]


@_SHUFFLE_SPLIT_PARAMETERS
class StratifiedDomainShuffleSplit(DomainShuffleSplit):
    """Random test folds that keep each domain's class proportions.

    Like :class:`DomainShuffleSplit`, but the test rows are drawn by
    :class:`~sklearn.model_selection.StratifiedShuffleSplit` over the pairs
    *(domain, class)* of the labelled candidate rows, so every test fold holds each
    source domain and each class in the proportions of the whole.

    Parameters
    ----------
    %(shuffle_split_parameters)s
    target_in_test : bool, default=False
        Also put every unlabelled target row in every test fold.
    test_on : {"source", "target"}, default="source"
        Which labelled rows the test folds are drawn from.

    See Also
    --------
    DomainShuffleSplit : Without stratification.

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt.model_selection import StratifiedDomainShuffleSplit
    >>> X = np.zeros((10, 1))
    >>> y = np.array([0, 0, 0, 0, 1, 1, 1, 1, -1, -1])
    >>> cv = StratifiedDomainShuffleSplit(n_splits=1, test_size=0.5, random_state=0)
    >>> train, test = next(cv.split(X, y))
    >>> np.bincount(y[test])
    array([2, 2])
    >>> train
    array([2, 3, 4, 6, 8, 9])
    """

    def _iter_test(self, candidates, y, sd, groups, given, caller):
        self._n_test(candidates.size, caller)
        key = _stratify_key(y, sd, candidates, caller)
        inner = StratifiedShuffleSplit(
            n_splits=self.n_splits,
            test_size=self.test_size,
            random_state=self.random_state,
        )
        for _, test in inner.split(np.zeros((candidates.size, 1)), key):
            yield np.sort(candidates[test])


class DomainKFold(_BaseDomainSplitter):
    """K folds over the labelled source rows; unlabelled rows always train.

    Each labelled source row is in exactly one test fold. With ``stratify=True``
    the folds keep the proportions of every *(domain, class)* pair
    (:class:`~sklearn.model_selection.StratifiedKFold`).

    Parameters
    ----------
    n_splits : int, default=5
        Number of folds, at least 2.
    shuffle : bool, default=False
        Shuffle the candidate rows before cutting them into folds.
    random_state : int, RandomState instance or None, default=None
        Controls the shuffling when ``shuffle`` is True.
    stratify : bool, default=False
        Keep each domain's class proportions in every fold.
    target_in_test : bool, default=False
        Also put every unlabelled target row in every test fold.
    test_on : {"source", "target"}, default="source"
        Which labelled rows the folds are cut from.

    See Also
    --------
    DomainShuffleSplit : Random test folds instead of a partition.

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt.model_selection import DomainKFold
    >>> X = np.zeros((6, 1))
    >>> y = np.array([0, 1, 0, 1, -1, -1])
    >>> for train, test in DomainKFold(n_splits=2).split(X, y):
    ...     print(train, test)
    [2 3 4 5] [0 1]
    [0 1 4 5] [2 3]
    """

    def __init__(
        self,
        n_splits=5,
        *,
        shuffle=False,
        random_state=None,
        stratify=False,
        target_in_test=False,
        test_on="source",
    ):
        self.n_splits = n_splits
        self.shuffle = shuffle
        self.random_state = random_state
        self.stratify = stratify
        self.target_in_test = target_in_test
        self.test_on = test_on

    def _iter_test(self, candidates, y, sd, groups, given, caller):
        if (
            not isinstance(self.n_splits, Integral)
            or isinstance(self.n_splits, bool)
            or self.n_splits < 2
        ):
            raise ValueError(
                f"n_splits must be an integer >= 2, got {self.n_splits!r}."
            )
        if self.n_splits > candidates.size:
            raise ValueError(
                f"{caller}: n_splits={self.n_splits} is larger than the number of "
                f"labelled {self.test_on} rows ({candidates.size}); lower n_splits."
            )
        kwargs = dict(
            n_splits=self.n_splits,
            shuffle=self.shuffle,
            random_state=self.random_state if self.shuffle else None,
        )
        zeros = np.zeros((candidates.size, 1))
        if self.stratify:
            key = _stratify_key(y, sd, candidates, caller)
            folds = StratifiedKFold(**kwargs).split(zeros, key)
        else:
            folds = KFold(**kwargs).split(zeros)
        for _, test in folds:
            yield np.sort(candidates[test])


class LeaveOneDomainOut(_BaseDomainSplitter):
    """Hold out one whole source domain per fold (multi-source adaptation).

    Each fold's test rows are the labelled rows of one source domain; the model is
    fitted on the other source domains and the unlabelled target rows, so the
    held-out source plays the part of a new domain. The source domains are read from
    ``sample_domain`` (routing on) or, with routing off, from ``groups`` (one group
    label per row; only the labelled rows' groups are used).

    Parameters
    ----------
    target_in_test : bool, default=False
        Also put every unlabelled target row in every test fold.

    See Also
    --------
    sklearn.model_selection.LeaveOneGroupOut : The same over arbitrary groups.

    Examples
    --------
    >>> import numpy as np
    >>> from skadapt.model_selection import LeaveOneDomainOut
    >>> X = np.zeros((6, 1))
    >>> y = np.array([0, 1, 0, 1, -1, -1])
    >>> sample_domain = np.array([1, 1, 2, 2, -1, -1])
    >>> cv = LeaveOneDomainOut()
    >>> for train, test in cv.split(X, y, sample_domain=sample_domain):
    ...     print(train, test)
    [2 3 4 5] [0 1]
    [0 1 4 5] [2 3]
    """

    test_on = "source"

    def __init__(self, *, target_in_test=False):
        self.target_in_test = target_in_test

    def _iter_test(self, candidates, y, sd, groups, given, caller):
        if not given and groups is not None:
            groups = np.asarray(groups)
            if groups.shape[0] != sd.shape[0]:
                raise ValueError(
                    f"groups has {groups.shape[0]} entries but X has "
                    f"{sd.shape[0]} rows."
                )
            ids = groups[candidates]
        else:
            ids = sd[candidates]
        domains = np.unique(ids)
        if domains.size < 2:
            raise ValueError(
                f"{caller} needs at least two source domains among the labelled "
                f"rows, found {domains.size}; pass sample_domain (routing on) or "
                "groups (routing off) with one id per source domain."
            )
        for dom in domains:
            yield candidates[ids == dom]

    def get_n_splits(self, X=None, y=None, groups=None, *, sample_domain=None):
        """Return the number of source domains, hence of folds.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The rows.
        y : array-like of shape (n_samples,), default=None
            Labels with unknown ones masked.
        groups : array-like of shape (n_samples,), default=None
            Source domain label of each row, used when ``sample_domain`` is None.
        sample_domain : array-like of shape (n_samples,), default=None
            Domain ids.

        Returns
        -------
        n_splits : int
            The number of folds.
        """
        if X is None:
            raise ValueError("LeaveOneDomainOut.get_n_splits needs X.")
        return sum(1 for _ in self.split(X, y, groups, sample_domain=sample_domain))
