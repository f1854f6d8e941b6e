import numpy as np
import pytest
from scipy import linalg
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import normalize

from skadapt import MEDA
from skadapt.datasets import make_domain_shift


def _dense_laplacian(Z, k):
    """I - D^-1/2 W D^-1/2 of the symmetrised cosine k-NN graph, by brute force."""
    U = normalize(Z)
    C = U @ U.T
    n = C.shape[0]
    W = np.zeros((n, n))
    for i in range(n):
        order = np.argsort(-C[i])
        nb = [j for j in order if j != i][:k]
        W[i, nb] = np.maximum(C[i, nb], 0)
    W = np.maximum(W, W.T)
    dinv = 1 / np.sqrt(W.sum(axis=1))
    return np.eye(n) - dinv[:, None] * W * dinv[None, :]


def _dense_mmd(labels, sd, n_classes, balance):
    n = labels.size
    src, tgt = sd > 0, sd < 0
    e = np.zeros(n)
    e[src], e[tgt] = 1 / src.sum(), -1 / tgt.sum()
    M = (1 - balance) * np.outer(e, e)
    for c in range(n_classes):
        s, t = src & (labels == c), tgt & (labels == c)
        if s.any() and t.any():
            e = np.zeros(n)
            e[s], e[t] = 1 / s.sum(), -1 / t.sum()
            M += balance * np.outer(e, e)
    return M / np.linalg.norm(M)


@pytest.fixture
def data():
    return make_domain_shift(
        50, 40, n_features=6, shift="subspace", n_classes=3, random_state=0
    )


@pytest.mark.parametrize("n_iter", [1, 3])
def test_fixed_balance_matches_the_papers_dense_solve(data, n_iter):
    X, y, sd, _ = data
    gamma, balance, lam, rho, eta = 0.7, 0.4, 10.0, 1.0, 0.1
    meda = MEDA(
        n_components=3, n_iter=n_iter, balance=balance, gamma=gamma, n_landmarks=None
    ).fit(X, y, sample_domain=sd)
    G = meda.gfk_.transform(X)
    Z = normalize(G)
    K = rbf_kernel(Z, gamma=gamma)
    n, C = X.shape[0], 3
    src = sd > 0
    E = np.diag(src.astype(float))
    Y = np.zeros((n, C))
    Y[src, y[src]] = 1
    Lap = _dense_laplacian(Z, 10)
    labels = y.copy()
    knn = KNeighborsClassifier(n_neighbors=1).fit(G[src], y[src])
    labels[~src] = knn.predict(G[~src])
    for _ in range(n_iter):
        M = _dense_mmd(labels, sd, C, balance)
        alpha = linalg.solve((E + lam * M + rho * Lap) @ K + eta * np.eye(n), E @ Y)
        F = K @ alpha
        labels[~src] = np.argmax(F[~src], axis=1)
    np.testing.assert_allclose(meda.decision_function(X), F, atol=1e-8)
    np.testing.assert_array_equal(meda.pseudo_labels_, labels[~src])
    assert meda.balance_history_ == [balance] * n_iter


def test_landmarks_with_every_row_equal_the_exact_path(data):
    X, y, sd, _ = data
    kw = dict(n_components=3, n_iter=2, balance=0.5, gamma=0.5)
    F = MEDA(n_landmarks=None, **kw).fit(X, y, sample_domain=sd).decision_function(X)
    F2 = MEDA(n_landmarks=X.shape[0], random_state=0, **kw)
    F2 = F2.fit(X, y, sample_domain=sd).decision_function(X)
    np.testing.assert_allclose(F2, F, atol=1e-8)


def test_landmarks_approximate_the_exact_path(data):
    X, y, sd, _ = data
    kw = dict(n_components=3, n_iter=2, balance=0.5, gamma=0.5)
    exact = MEDA(n_landmarks=None, **kw).fit(X, y, sample_domain=sd)
    approx = MEDA(n_landmarks=60, random_state=0, **kw).fit(X, y, sample_domain=sd)
    assert np.mean(exact.predict(X) == approx.predict(X)) > 0.9


def test_adapts_better_than_source_only_nearest_neighbour():
    X, y, sd, y_true = make_domain_shift(
        150, 150, n_features=8, shift="subspace", n_classes=2, random_state=1
    )
    src, tgt = sd > 0, sd < 0
    nn = KNeighborsClassifier(1).fit(X[src], y[src]).score(X[tgt], y_true[tgt])
    meda = MEDA(n_components=4).fit(X, y, sample_domain=sd)
    assert meda.score(X[tgt], y_true[tgt]) >= nn
    assert 0 <= meda.balance_ <= 1


def test_predict_proba_is_consistent(data):
    X, y, sd, _ = data
    meda = MEDA(n_components=3, n_iter=1).fit(X, y, sample_domain=sd)
    P = meda.predict_proba(X)
    np.testing.assert_allclose(P.sum(axis=1), 1)
    np.testing.assert_array_equal(meda.classes_[P.argmax(axis=1)], meda.predict(X))


def test_single_domain_has_no_pseudo_labels(data):
    X, _, _, y_true = data
    meda = MEDA(n_components=3).fit(X, y_true)
    assert meda.pseudo_labels_ is None and meda.balance_ is None
    assert meda.score(X, y_true) > 0.8


def test_labelled_target_rows_keep_their_labels(data):
    X, y, sd, y_true = data
    y2 = y.copy()
    tgt = np.flatnonzero(sd < 0)
    y2[tgt[:5]] = y_true[tgt[:5]]
    meda = MEDA(n_components=3, n_iter=2).fit(X, y2, sample_domain=sd)
    np.testing.assert_array_equal(meda.pseudo_labels_[:5], y_true[tgt[:5]])


def test_every_label_masked_is_an_error(data):
    X, _, _, _ = data
    with pytest.raises(ValueError, match="needs labelled rows"):
        MEDA().fit(X, np.full(X.shape[0], -1))
