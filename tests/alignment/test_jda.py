import numpy as np
import pytest
from scipy import linalg
from sklearn.linear_model import LogisticRegression
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.neighbors import KNeighborsClassifier

from skadapt import JDA, TCA
from skadapt.datasets import make_domain_shift

from ._data import domain_shift_accuracy, two_sources


def _match_signs(Z, Zref):
    return Z * np.sign(np.sum(Z * Zref, axis=0))


def _dense_jda(K, y, sd, target_labels, mu, k, X):
    """TCA's eigenproblem with L = marginal + class-conditional MMD matrices."""
    n = K.shape[0]
    tgt = sd < 0
    labels = np.asarray(y).copy()
    labels[tgt] = target_labels
    L = np.zeros((n, n))
    for dom in np.unique(sd[sd > 0]):
        src = sd == dom
        e = np.zeros(n)
        e[src], e[tgt] = 1.0 / src.sum(), -1.0 / tgt.sum()
        L += np.outer(e, e)
        for c in np.unique(y[src]):
            sc, tc = src & (labels == c), tgt & (labels == c)
            if sc.any() and tc.any():
                e = np.zeros(n)
                e[sc], e[tc] = 1.0 / sc.sum(), -1.0 / tc.sum()
                L += np.outer(e, e)
    H = np.eye(n) - 1.0 / n
    mu_eff = mu * (np.trace(K) / n) ** 2
    vals, W = linalg.eigh(K @ H @ K, K @ L @ K + mu_eff * np.eye(n))
    Z = K @ W[:, ::-1][:, :k]
    # one scalar to the input's units: the leading component gets the top
    # variance of the input rows (as TCA's embedding)
    top = np.linalg.eigvalsh(np.cov(X.T, bias=True))[-1]
    return Z * np.sqrt(top / Z[:, 0].var()), vals[::-1][:k]


@pytest.fixture
def data():
    X, y, sd, y_true = make_domain_shift(
        40, 35, n_features=8, shift="scale", n_classes=3, random_state=0
    )
    return X, y, sd, y_true


def test_n_iter_zero_is_tca(data):
    X, y, sd, _ = data
    Z_tca = TCA(n_components=3, mu=0.5).fit_transform(X, y, sample_domain=sd)
    jda = JDA(n_components=3, mu=0.5, n_iter=0)
    Z_jda = jda.fit_transform(X, y, sample_domain=sd)
    np.testing.assert_allclose(_match_signs(Z_jda, Z_tca), Z_tca, atol=1e-10)
    assert jda.pseudo_labels_ is None


def test_last_round_matches_dense_solution_with_its_pseudo_labels(data):
    X, y, sd, _ = data
    gamma = 0.05
    jda = JDA(n_components=3, kernel="rbf", gamma=gamma, n_iter=3, n_landmarks=None)
    Z = jda.fit(X, y, sample_domain=sd).transform(X)
    Zref, vals = _dense_jda(
        rbf_kernel(X, gamma=gamma), y, sd, jda.pseudo_labels_, 1.0, 3, X
    )
    np.testing.assert_allclose(jda.eigenvalues_, vals, rtol=1e-8)
    np.testing.assert_allclose(_match_signs(Z, Zref), Zref, atol=1e-8)


def test_pseudo_labels_come_from_the_given_estimator(data):
    X, y, sd, _ = data
    jda = JDA(n_components=3, n_iter=1, estimator=LogisticRegression())
    jda.fit(X, y, sample_domain=sd)
    # refit the estimator on the embedding of the round that produced the labels:
    # here the first (TCA) embedding
    Z = TCA(n_components=3).fit_transform(X, y, sample_domain=sd)
    s, t = sd > 0, sd < 0
    expected = LogisticRegression().fit(Z[s], y[s]).predict(Z[t])
    np.testing.assert_array_equal(jda.pseudo_labels_, expected)
    np.testing.assert_array_equal(jda.classes_, [0, 1, 2])


def test_labelled_target_rows_keep_their_labels(data):
    X, y, sd, y_true = data
    y = y.copy()
    tgt = np.flatnonzero(sd < 0)
    y[tgt[:6]] = y_true[tgt[:6]]
    jda = JDA(n_components=3, n_iter=2).fit(X, y, sample_domain=sd)
    np.testing.assert_array_equal(jda.pseudo_labels_[:6], y_true[tgt[:6]])


def test_two_sources_each_get_marginal_and_conditional_terms():
    X, y, sd, _ = two_sources(n=30, n_features=5)
    gamma = 0.1
    jda = JDA(n_components=2, kernel="rbf", gamma=gamma, n_iter=2, n_landmarks=None)
    Z = jda.fit(X, y, sample_domain=sd).transform(X)
    Zref, _ = _dense_jda(rbf_kernel(X, gamma=gamma), y, sd, jda.pseudo_labels_, 1, 2, X)
    np.testing.assert_allclose(_match_signs(Z, Zref), Zref, atol=1e-8)


def test_improves_target_accuracy_under_scale_shift():
    kwargs = dict(
        n_samples_source=200,
        n_samples_target=200,
        n_features=10,
        shift="scale",
        n_classes=3,
    )
    knn = KNeighborsClassifier(n_neighbors=1)
    base = domain_shift_accuracy(None, knn, range(3), **kwargs)
    adapted = domain_shift_accuracy(
        lambda: JDA(n_components=5, n_iter=5), knn, range(3), **kwargs
    )
    assert adapted > base + 0.03


def test_float32_preserved(data):
    X, y, sd, _ = data
    Z = JDA(n_components=2, n_iter=1).fit_transform(
        X.astype(np.float32), y, sample_domain=sd
    )
    assert Z.dtype == np.float32


def test_errors(data):
    X, y, sd, _ = data
    with pytest.raises(ValueError, match="needs the source labels y"):
        JDA(n_components=2).fit(X, sample_domain=sd)
    # source rows are labelled by definition: NaN there is an error
    with pytest.raises(ValueError, match="source row.*NaN or None label"):
        JDA(n_components=2).fit(X, np.full(X.shape[0], np.nan), sample_domain=sd)
    with pytest.raises(ValueError, match="needs target rows"):
        JDA(n_components=2).fit(X, y, sample_domain=np.abs(sd))
    with pytest.raises(ValueError, match="larger than the number of rows"):
        JDA(n_components=500).fit(X, y, sample_domain=sd)
    # one domain only: no class-conditional rounds, no labels needed
    JDA(n_components=2).fit(X[sd > 0])


def test_default_pseudo_labeller_is_the_nearest_source_centroid(data):
    from sklearn.neighbors import NearestCentroid

    X, y, sd, _ = data
    a = JDA(n_components=2, n_iter=3).fit(X, y, sample_domain=sd)
    b = JDA(n_components=2, n_iter=3, estimator=NearestCentroid()).fit(
        X, y, sample_domain=sd
    )
    np.testing.assert_array_equal(a.pseudo_labels_, b.pseudo_labels_)
    np.testing.assert_allclose(a.transform(X), b.transform(X))


def test_default_pseudo_labeller_three_classes_two_sources():
    from sklearn.neighbors import NearestCentroid

    X, _, sd, _ = two_sources()
    y_true = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5)  # three classes
    y = np.where(sd > 0, y_true, -1)
    a = JDA(n_components=3, n_iter=2).fit(X, y, sample_domain=sd)
    b = JDA(n_components=3, n_iter=2, estimator=NearestCentroid()).fit(
        X, y, sample_domain=sd
    )
    np.testing.assert_array_equal(a.pseudo_labels_, b.pseudo_labels_)
    np.testing.assert_allclose(a.transform(X), b.transform(X))
