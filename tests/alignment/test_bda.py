import numpy as np
import pytest
from scipy import linalg
from sklearn.linear_model import RidgeClassifier
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skadapt import BDA, JDA, TCA
from skadapt._core import domain_classifier_distance
from skadapt.alignment._bda import _balance_factor
from skadapt.datasets import make_domain_shift

from ._data import two_sources


def _match_signs(Z, Zref):
    return Z * np.sign(np.sum(Z * Zref, axis=0))


def _dense_bda(K, y, sd, target_labels, balance, mu, k, X):
    """TCA's eigenproblem with L = (1 - b) marginal + b class-conditional MMD."""
    n = K.shape[0]
    tgt = sd < 0
    labels = np.asarray(y).copy()
    labels[tgt] = target_labels
    L = np.zeros((n, n))
    for dom in np.unique(sd[sd > 0]):
        src = sd == dom
        e = np.zeros(n)
        e[src], e[tgt] = 1.0 / src.sum(), -1.0 / tgt.sum()
        L += (1 - balance) * np.outer(e, e)
        for c in np.unique(y[src]):
            sc, tc = src & (labels == c), tgt & (labels == c)
            if sc.any() and tc.any():
                e = np.zeros(n)
                e[sc], e[tc] = 1.0 / sc.sum(), -1.0 / tc.sum()
                L += balance * np.outer(e, e)
    H = np.eye(n) - 1.0 / n
    mu_eff = mu * (np.trace(K) / n) ** 2
    vals, W = linalg.eigh(K @ H @ K, K @ L @ K + mu_eff * np.eye(n))
    Z = K @ W[:, ::-1][:, :k]
    top = np.linalg.eigvalsh(np.cov(X.T, bias=True))[-1]
    return Z * np.sqrt(top / Z[:, 0].var()), vals[::-1][:k]


@pytest.fixture
def data():
    return make_domain_shift(
        40, 35, n_features=8, shift="scale", n_classes=3, random_state=0
    )


def test_balance_zero_is_tca(data):
    X, y, sd, _ = data
    Z_tca = TCA(n_components=3, mu=0.5).fit_transform(X, y, sample_domain=sd)
    bda = BDA(n_components=3, mu=0.5, balance=0.0)
    Z = bda.fit_transform(X, y, sample_domain=sd)
    np.testing.assert_allclose(_match_signs(Z, Z_tca), Z_tca, atol=1e-10)
    assert bda.balance_ is None and bda.pseudo_labels_ is None


@pytest.mark.parametrize("kernel", ["linear", "rbf"])
def test_half_balance_is_jda_with_twice_the_variance_weight(data, kernel):
    X, y, sd, _ = data
    jda = JDA(n_components=3, mu=1.0, n_iter=4, kernel=kernel, gamma=0.05)
    Z_jda = jda.fit_transform(X, y, sample_domain=sd)
    bda = BDA(n_components=3, mu=0.5, n_iter=4, balance=0.5, kernel=kernel, gamma=0.05)
    Z = bda.fit_transform(X, y, sample_domain=sd)
    np.testing.assert_array_equal(bda.pseudo_labels_, jda.pseudo_labels_)
    np.testing.assert_allclose(_match_signs(Z, Z_jda), Z_jda, atol=1e-8)
    assert bda.balance_history_ == [0.5] * 4


@pytest.mark.parametrize("balance", [0.3, 1.0])
def test_last_round_matches_dense_solution(data, balance):
    X, y, sd, _ = data
    gamma = 0.05
    bda = BDA(
        n_components=3,
        kernel="rbf",
        gamma=gamma,
        n_iter=3,
        balance=balance,
        n_landmarks=None,
    )
    Z = bda.fit(X, y, sample_domain=sd).transform(X)
    Zref, vals = _dense_bda(
        rbf_kernel(X, gamma=gamma), y, sd, bda.pseudo_labels_, balance, 1.0, 3, X
    )
    np.testing.assert_allclose(bda.eigenvalues_, vals, rtol=1e-8)
    np.testing.assert_allclose(_match_signs(Z, Zref), Zref, atol=1e-8)


def test_landmarks_with_every_row_agree_with_the_exact_path(data):
    X, y, sd, _ = data
    kw = dict(n_components=3, kernel="rbf", gamma=0.05, n_iter=2, balance=0.7)
    Z_exact = BDA(n_landmarks=None, **kw).fit(X, y, sample_domain=sd).transform(X)
    Z_lm = BDA(n_landmarks=X.shape[0], random_state=0, **kw)
    Z_lm = Z_lm.fit(X, y, sample_domain=sd).transform(X)
    np.testing.assert_allclose(_match_signs(Z_lm, Z_exact), Z_exact, atol=1e-6)


def test_balance_factor_formula():
    rng = np.random.RandomState(0)
    Zs = rng.normal(size=(80, 3))
    ys = np.repeat([0, 1], 40)
    Zs[ys == 1] += 3.0
    Zt = rng.normal(size=(60, 3)) + 0.5
    yt = np.repeat([0, 1], 30)
    Zt[yt == 1] += 3.0
    clf = make_pipeline(StandardScaler(), RidgeClassifier(class_weight="balanced"))
    d_m = domain_classifier_distance(Zs, Zt, clf, cv=2)
    d_c = sum(
        domain_classifier_distance(Zs[ys == c], Zt[yt == c], clf, cv=2) for c in (0, 1)
    )
    assert _balance_factor(Zs, ys, Zt, yt, 2) == pytest.approx(d_c / (d_m + d_c))


def test_balance_factor_is_high_when_only_the_conditionals_differ():
    # same marginal (the two class clusters swap places): only the
    # class-conditional terms can tell the domains apart
    rng = np.random.RandomState(0)
    Zs = rng.normal(size=(200, 2))
    ys = (Zs[:, 0] > 0).astype(int)
    Zt = rng.normal(size=(200, 2))
    yt = (Zt[:, 0] < 0).astype(int)
    assert _balance_factor(Zs, ys, Zt, yt, 2) > 0.9


def test_auto_balance_is_recorded_per_round(data):
    X, y, sd, _ = data
    bda = BDA(n_components=3, n_iter=3).fit(X, y, sample_domain=sd)
    assert len(bda.balance_history_) == 3
    assert all(0 <= b <= 1 for b in bda.balance_history_)
    assert bda.balance_ == bda.balance_history_[-1]


def test_several_sources(data):
    X, y, sd, _ = two_sources()
    bda = BDA(n_components=2, n_iter=2, balance=0.5).fit(X, y, sample_domain=sd)
    assert bda.transform(X).shape == (X.shape[0], 2)


def test_needs_labels(data):
    X, _, sd, _ = data
    with pytest.raises(ValueError, match="needs the source labels y"):
        BDA(n_components=2, balance=0.5).fit(X, sample_domain=sd)


def test_float32(data):
    X, y, sd, _ = data
    Z = BDA(n_components=2, n_iter=1).fit(X.astype(np.float32), y, sample_domain=sd)
    assert Z.transform(X.astype(np.float32)).dtype == np.float32
