"""Property-based tests of the splitters' fold invariants."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from skadapt.model_selection import (
    DomainKFold,
    DomainShuffleSplit,
    LeaveOneDomainOut,
)


@st.composite
def domains(draw):
    n = draw(st.integers(6, 40))
    sd = np.array(
        draw(st.lists(st.sampled_from([1, 2, 3, -1, -2]), min_size=n, max_size=n))
    )
    labelled = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    # source rows are labelled by definition; target rows may be labelled
    y = np.where(labelled | (sd > 0), np.arange(n) % 3, -1)
    return sd, y, draw(st.booleans())


def _check_folds(folds, sd, y, target_in_test):
    n = len(y)
    known = (y != -1) | (sd > 0)  # source rows are labelled by definition
    for train, test in folds:
        assert np.all(np.diff(train) > 0) and np.all(np.diff(test) > 0)
        scored = test[known[test]]
        # labelled test rows are source rows and never in training
        assert np.all(sd[scored] > 0)
        assert not np.intersect1d(scored, train).size
        # every unlabelled row trains; unlabelled target rows are tested iff asked
        assert np.isin(np.flatnonzero(~known), train).all()
        unl_t = np.flatnonzero(~known & (sd < 0))
        assert np.isin(unl_t, test).all() == target_in_test or unl_t.size == 0
        assert np.array_equal(np.union1d(train, scored), np.arange(n))


@settings(max_examples=60, deadline=None)
@given(domains())
def test_fold_invariants(data):
    sd, y, target_in_test = data
    X = np.zeros((len(y), 1))
    n_cand = np.sum((sd > 0) & (y != -1))
    if n_cand >= 2:
        cv = DomainShuffleSplit(
            n_splits=2, test_size=1, target_in_test=target_in_test, random_state=0
        )
        _check_folds(list(cv.split(X, y, sample_domain=sd)), sd, y, target_in_test)
        cv = DomainKFold(n_splits=2, target_in_test=target_in_test)
        folds = list(cv.split(X, y, sample_domain=sd))
        _check_folds(folds, sd, y, target_in_test)
        tested = np.concatenate([t[y[t] != -1] for _, t in folds])
        assert np.array_equal(np.sort(tested), np.flatnonzero((sd > 0) & (y != -1)))
    if np.unique(sd[(sd > 0) & (y != -1)]).size >= 2:
        cv = LeaveOneDomainOut(target_in_test=target_in_test)
        folds = list(cv.split(X, y, sample_domain=sd))
        _check_folds(folds, sd, y, target_in_test)
        for _, test in folds:
            assert np.unique(sd[test[y[test] != -1]]).size == 1
