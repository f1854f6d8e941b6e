import itertools

import numpy as np
import pytest
from scipy import sparse
from scipy.optimize import linprog

from skadapt import CORAL, EasyTL
from skadapt.alignment._easytl import (
    _programming_assignment,
    intra_domain_programming,
)
from skadapt.datasets import make_domain_shift


def _programming_linprog(D):
    """Reference: EasyTL's intra-domain LP as written, solved by HiGHS."""
    n, C = D.shape
    # variable j * C + c is M[j, c]
    eq = sparse.csr_matrix(
        (np.ones(n * C), (np.repeat(np.arange(n), C), np.arange(n * C))),
        shape=(n, n * C),
    )
    ub = sparse.csr_matrix(
        (-np.ones(n * C), (np.tile(np.arange(C), n), np.arange(n * C))),
        shape=(C, n * C),
    )
    res = linprog(
        D.ravel(),
        A_ub=ub if n >= C else None,
        b_ub=-np.ones(C) if n >= C else None,
        A_eq=eq,
        b_eq=np.ones(n),
        bounds=(0, 1),
        method="highs",
    )
    assert res.status == 0, res.message
    return res.x.reshape(n, C)


def _brute_force(D):
    """Least cost over every assignment of rows to classes using every class."""
    n, C = D.shape
    best = np.inf
    for labels in itertools.product(range(C), repeat=n):
        if len(set(labels)) == C:
            best = min(best, D[np.arange(n), labels].sum())
    return best


@pytest.mark.parametrize("seed", range(5))
def test_lp_optimum_is_the_best_assignment_covering_every_class(seed):
    rng = np.random.RandomState(seed)
    D = rng.uniform(size=(6, 3))
    D[:, 2] += 1.0  # class 2 is nobody's nearest: the constraint binds
    M = _programming_linprog(D)
    np.testing.assert_allclose(M.sum(axis=1), 1, atol=1e-9)
    assert np.all(M.sum(axis=0) >= 1 - 1e-9)
    assert np.all((M >= -1e-9) & (M <= 1 + 1e-9))
    assert (D * M).sum() == pytest.approx(_brute_force(D))
    assert np.unique(M.argmax(axis=1)).size == 3


@pytest.mark.parametrize("seed", range(5))
def test_assignment_reduction_reaches_the_lp_optimum(seed):
    rng = np.random.RandomState(seed)
    D = rng.uniform(size=(300, 8)) + np.r_[0, 0, 0, 0.5, 0.8, 1, 1, 2]
    M_lp, M_as = _programming_linprog(D), _programming_assignment(D)
    assert (D * M_as).sum() == pytest.approx((D * M_lp).sum(), rel=1e-10)
    assert np.all(M_as.sum(axis=0) >= 1)
    np.testing.assert_array_equal(M_as.sum(axis=1), 1)


def test_fewer_rows_than_classes_is_nearest_centroid():
    D = np.array([[0.3, 0.1, 0.9], [0.2, 0.5, 0.4]])
    np.testing.assert_array_equal(intra_domain_programming(D).argmax(axis=1), [1, 0])
    np.testing.assert_array_equal(_programming_assignment(D).argmax(axis=1), [1, 0])


def test_centroids_are_the_class_means_of_the_coral_mapped_rows():
    X, y, sd, _ = make_domain_shift(
        60, 50, n_features=4, shift="covariate", n_classes=3, random_state=0
    )
    clf = EasyTL().fit(X, y, sample_domain=sd)
    Z = CORAL(reg=1.0).fit_transform(X, sample_domain=sd)
    src = sd > 0
    for k, c in enumerate(clf.classes_):
        np.testing.assert_allclose(clf.centroids_[k], Z[src & (y == c)].mean(axis=0))
    # the fit-time target labels are the program's solution on the target rows
    np.testing.assert_array_equal(clf.pseudo_labels_, clf.predict(X[sd < 0]))
    D = np.linalg.norm(X[sd < 0][:, None, :] - clf.centroids_[None], axis=2)
    M = _programming_linprog(D)
    np.testing.assert_array_equal(clf.pseudo_labels_, clf.classes_[M.argmax(axis=1)])
    np.testing.assert_array_equal(clf.predict_proba(X[sd < 0]), M)


def test_every_class_gets_a_target_row():
    # the target sits near one class centroid only
    rng = np.random.RandomState(0)
    Xs = np.r_[rng.normal(size=(30, 2)), rng.normal(size=(30, 2)) + 6]
    ys = np.repeat([0, 1], 30)
    Xt = rng.normal(size=(40, 2)) * 0.5
    X = np.r_[Xs, Xt]
    y = np.r_[ys, -np.ones(40, int)]
    clf = EasyTL(aligner=CORAL(reg=1.0)).fit(X, y)
    assert set(clf.pseudo_labels_) == {0, 1}


def test_single_domain_is_nearest_centroid_with_programming():
    X, _, _, y_true = make_domain_shift(40, 40, n_features=3, random_state=0)
    clf = EasyTL().fit(X, y_true)
    assert clf.pseudo_labels_ is None
    assert clf.score(X, y_true) > 0.7


def test_predict_proba_rows_sum_to_one():
    X, y, sd, _ = make_domain_shift(40, 30, n_features=3, random_state=0)
    P = EasyTL().fit(X, y, sample_domain=sd).predict_proba(X[sd < 0])
    np.testing.assert_allclose(P.sum(axis=1), 1)


def test_every_label_masked_is_an_error():
    X = np.zeros((4, 2))
    with pytest.raises(ValueError, match="needs labelled rows"):
        EasyTL().fit(X, -np.ones(4, int))
