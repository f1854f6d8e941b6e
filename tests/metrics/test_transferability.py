"""Transferability scores against their definitions, computed naively."""

import numpy as np
import pytest
from scipy import optimize, stats
from sklearn.covariance import ledoit_wolf_shrinkage

from skadapt.metrics import (
    gbc_score,
    h_score,
    leep_score,
    logme_score,
    nce_score,
    transrate_score,
)

FEATURE_SCORES = [logme_score, h_score, transrate_score, gbc_score]


def _blobs(n=60, d=5, k=3, seed=0, sep=1.5):
    rng = np.random.RandomState(seed)
    y = np.arange(n) % k
    rng.shuffle(y)
    centres = rng.normal(size=(k, d)) * sep
    X = centres[y] + rng.normal(size=(n, d)) @ rng.normal(size=(d, d)) * 0.7
    return X, y


# ----------------------------------------------------------------------------- LogME


def _naive_log_evidence(F, y, alpha, beta):
    """log p(y | F, alpha, beta) from the weight-space formula, dense algebra."""
    n, d = F.shape
    A = alpha * np.eye(d) + beta * F.T @ F
    m = beta * np.linalg.solve(A, F.T @ y)
    res = F @ m - y
    return (
        0.5 * d * np.log(alpha)
        + 0.5 * n * np.log(beta)
        - 0.5 * n * np.log(2 * np.pi)
        - 0.5 * beta * res @ res
        - 0.5 * alpha * m @ m
        - 0.5 * np.linalg.slogdet(A)[1]
    )


def _naive_logme(F, Y):
    """Maximise the evidence of each column over (log alpha, log beta) numerically."""
    n = F.shape[0]
    best = []
    for y in Y.T:

        def neg(p, y=y):
            return -_naive_log_evidence(F, y, np.exp(p[0]), np.exp(p[1]))

        vals = []
        for start in [(0.0, 0.0), (-3.0, 3.0), (3.0, -1.0), (-6.0, 6.0)]:
            res = optimize.minimize(
                neg,
                start,
                method="Nelder-Mead",
                options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000},
            )
            vals.append(-res.fun)
        best.append(max(vals))
    return np.mean(best) / n


def test_naive_evidence_is_the_marginal_likelihood():
    # the test's own formula against the Gaussian marginal y ~ N(0, K/alpha + I/beta)
    F, y = _blobs(20, 4)
    t = (y == 0).astype(float)
    alpha, beta = 0.7, 2.3
    cov = F @ F.T / alpha + np.eye(20) / beta
    ref = stats.multivariate_normal(np.zeros(20), cov).logpdf(t)
    assert _naive_log_evidence(F, t, alpha, beta) == pytest.approx(ref, rel=1e-10)


@pytest.mark.parametrize("n, d", [(60, 5), (40, 12)])
def test_logme_equals_naive_evidence_maximisation(n, d):
    X, y = _blobs(n, d)
    Y = np.eye(3)[y]
    assert logme_score(X, y) == pytest.approx(_naive_logme(X, Y), rel=1e-6)


def test_logme_regression_equals_naive_evidence_maximisation():
    rng = np.random.RandomState(3)
    X = rng.normal(size=(50, 4))
    Y = X @ rng.normal(size=(4, 2)) + 0.5 * rng.normal(size=(50, 2))
    assert logme_score(X, Y, regression=True) == pytest.approx(
        _naive_logme(X, Y), rel=1e-6
    )
    assert logme_score(X, Y[:, 0], regression=True) == pytest.approx(
        _naive_logme(X, Y[:, :1]), rel=1e-6
    )


def test_logme_with_more_features_than_rows_reaches_the_supremum():
    # d > n: the evidence may increase up to the interpolation limit beta -> inf;
    # the fixed point must reach at least what a numerical search finds
    X, y = _blobs(15, 25, seed=2)
    naive = _naive_logme(X, np.eye(3)[y])
    assert logme_score(X, y) >= naive - 1e-6 * abs(naive)
    assert logme_score(X, y) == pytest.approx(naive, rel=1e-4)


def test_logme_is_scale_invariant_and_ranks_informative_features_first():
    X, y = _blobs(80, 4)
    assert logme_score(1e3 * X, y) == pytest.approx(logme_score(X, y), rel=1e-8)
    noise = np.random.RandomState(0).normal(size=X.shape)
    assert logme_score(X, y) > logme_score(noise, y)


# ------------------------------------------------------------------------ LEEP / NCE


def _naive_leep(P, y):
    n, ks = P.shape
    labels = sorted(set(y))
    joint = {(a, z): 0.0 for a in labels for z in range(ks)}
    for i in range(n):
        for z in range(ks):
            joint[y[i], z] += P[i, z] / n
    marg = {z: sum(joint[a, z] for a in labels) for z in range(ks)}
    total = 0.0
    for i in range(n):
        eep = 0.0
        for z in range(ks):
            eep += joint[y[i], z] / marg[z] * P[i, z]
        total += np.log(eep)
    return total / n


def _naive_nce(z, y):
    n = len(y)
    pairs, zs = {}, {}
    for a, b in zip(y, z):
        pairs[a, b] = pairs.get((a, b), 0) + 1
        zs[b] = zs.get(b, 0) + 1
    return sum(c / n * np.log(c / zs[b]) for (a, b), c in pairs.items())


def _proba(n=12, ks=4, seed=0):
    rng = np.random.RandomState(seed)
    P = rng.dirichlet(np.ones(ks), size=n)
    y = rng.randint(0, 3, size=n)
    y[:3] = [0, 1, 2]
    return P, y


def test_leep_equals_its_definition_with_loops():
    P, y = _proba()
    assert leep_score(P, y) == pytest.approx(_naive_leep(P, list(y)), rel=1e-12)


def test_nce_equals_its_definition_with_loops():
    rng = np.random.RandomState(1)
    z = rng.choice(["a", "b", "c", "d"], size=30)
    y = rng.randint(0, 3, size=30)
    assert nce_score(z, y) == pytest.approx(_naive_nce(list(z), list(y)), rel=1e-12)
    assert nce_score(y, y) == 0.0  # source labels that determine the target labels


def test_leep_is_maximal_for_a_perfect_source_and_chance_for_a_useless_one():
    y = np.repeat([0, 1, 2], 10)
    assert leep_score(np.eye(3)[y], y) == pytest.approx(0.0)
    assert leep_score(np.full((30, 3), 1 / 3), y) == pytest.approx(np.log(1 / 3))


# --------------------------------------------------------------------------- H-score


def _naive_h(X, y, reg=None):
    n, d = X.shape
    cov = np.cov(X, rowvar=False, bias=True)
    G = np.empty_like(X)
    for c in set(y):
        G[y == c] = X[y == c].mean(axis=0)
    cov_g = np.cov(G, rowvar=False, bias=True)
    mu = np.trace(cov) / d
    if reg is None:
        return np.trace(np.linalg.pinv(cov, rcond=1e-10, hermitian=True) @ cov_g)
    if reg == "auto":
        a = ledoit_wolf_shrinkage(X, assume_centered=False)
        return np.trace(
            np.linalg.inv((1 - a) * cov + a * mu * np.eye(d)) @ ((1 - a) * cov_g)
        )
    return np.trace(np.linalg.inv(cov + reg * mu * np.eye(d)) @ cov_g)


@pytest.mark.parametrize("n, d", [(60, 5), (30, 40)])
@pytest.mark.parametrize("reg", [None, "auto", 0.3])
def test_h_score_matches_its_formula(n, d, reg):
    X, y = _blobs(n, d)
    assert h_score(X, y, reg=reg) == pytest.approx(_naive_h(X, y, reg), rel=1e-7)


def test_h_score_is_degenerate_without_shrinkage_when_features_outnumber_rows():
    # d >= n: cov(f)^+ cov(E[f|y]) has trace K - 1 whatever the features; the
    # shrinkage variant still tells informative features from noise
    X, y = _blobs(30, 40)
    noise = np.random.RandomState(0).normal(size=X.shape)
    assert h_score(X, y) == pytest.approx(2.0)
    assert h_score(noise, y) == pytest.approx(2.0)
    assert h_score(X, y, reg="auto") > h_score(noise, y, reg="auto")


def test_h_score_is_invariant_to_an_invertible_linear_map():
    X, y = _blobs(80, 4)
    A = np.random.RandomState(5).normal(size=(4, 4))
    assert h_score(X @ A, y) == pytest.approx(h_score(X, y), rel=1e-8)


# ------------------------------------------------------------------------- TransRate


def _naive_transrate(X, y, eps=1e-4):
    Z = X - X.mean(axis=0)
    n, d = Z.shape
    e = eps * np.trace(np.cov(Z, rowvar=False, bias=True)) / d

    def rate(A):
        m = A.shape[0]
        return 0.5 * np.linalg.slogdet(np.eye(d) + A.T @ A / (m * e))[1]

    classes = sorted(set(y))
    return rate(Z) - sum(rate(Z[y == c]) for c in classes) / len(classes)


@pytest.mark.parametrize("n, d", [(60, 5), (30, 40)])
@pytest.mark.parametrize("eps", [1e-4, 0.5])
def test_transrate_matches_its_formula(n, d, eps):
    X, y = _blobs(n, d)
    assert transrate_score(X, y, eps=eps) == pytest.approx(
        _naive_transrate(X, y, eps), rel=1e-8
    )


def test_transrate_is_scale_invariant():
    X, y = _blobs()
    assert transrate_score(7.0 * X, y) == pytest.approx(transrate_score(X, y))


# ------------------------------------------------------------------------------- GBC


def _naive_gbc(X, y, reg=1e-4):
    n, d = X.shape
    floor = reg * X.var(axis=0)
    classes = sorted(set(y))
    stats_ = {}
    for c in classes:
        Xc = X[y == c]
        stats_[c] = (Xc.mean(axis=0), np.maximum(Xc.var(axis=0), floor))
    total = 0.0
    for a in classes:
        for b in classes:
            if a == b:
                continue
            (m1, v1), (m2, v2) = stats_[a], stats_[b]
            db = 0.0
            for k in range(d):
                v = (v1[k] + v2[k]) / 2
                db += (m1[k] - m2[k]) ** 2 / (8 * v)
                db += 0.5 * np.log(v / np.sqrt(v1[k] * v2[k]))
            total += np.exp(-db)
    return -total


@pytest.mark.parametrize("reg", [1e-4, 0.1])
def test_gbc_matches_its_formula(reg):
    X, y = _blobs(60, 5, sep=0.5)
    assert gbc_score(X, y, reg=reg) == pytest.approx(_naive_gbc(X, y, reg), rel=1e-10)


def test_gbc_floors_constant_features_within_a_class():
    X, y = _blobs(30, 4)
    X[y == 0, 1] = 2.0  # constant within class 0: zero variance
    value = gbc_score(X, y)
    assert np.isfinite(value)
    assert value == pytest.approx(_naive_gbc(X, y), rel=1e-10)
    assert gbc_score(X * [1, 3, 5, 7], y) == pytest.approx(value, rel=1e-8)


# ------------------------------------------------------------------------ invariances


def _all_scores(X, y, P, z):
    out = {f.__name__: f(X, y) for f in FEATURE_SCORES}
    out["h_score_auto"] = h_score(X, y, reg="auto")
    out["leep_score"] = leep_score(P, y)
    out["nce_score"] = nce_score(z, y)
    return out


@pytest.mark.parametrize("seed", [0, 1])
def test_scores_are_invariant_to_row_permutation_and_class_relabelling(seed):
    X, y = _blobs(45, 6, seed=seed)
    rng = np.random.RandomState(seed)
    P = rng.dirichlet(np.ones(4), size=45)
    z = P.argmax(axis=1)
    ref = _all_scores(X, y, P, z)
    perm = rng.permutation(45)
    permuted = _all_scores(X[perm], y[perm], P[perm], z[perm])
    names = np.array(["cat", "ant", "bee"])  # relabel 0, 1, 2 as strings
    relabelled = _all_scores(X, names[y], P, z)
    swapped = _all_scores(X, (y + 1) % 3, P[:, ::-1], 3 - z)  # source classes too
    for key, value in ref.items():
        assert permuted[key] == pytest.approx(value, rel=1e-9, abs=1e-12), key
        assert relabelled[key] == pytest.approx(value, rel=1e-9, abs=1e-12), key
        assert swapped[key] == pytest.approx(value, rel=1e-9, abs=1e-12), key


def test_masked_rows_are_left_out():
    X, y = _blobs(40, 4)
    P = np.random.RandomState(0).dirichlet(np.ones(3), size=40)
    ym = y.copy()
    ym[::4] = -1
    keep = ym != -1
    for f in FEATURE_SCORES:
        assert f(X, ym) == pytest.approx(f(X[keep], y[keep]), rel=1e-12)
    assert leep_score(P, ym) == pytest.approx(leep_score(P[keep], y[keep]))
    assert nce_score(P.argmax(1), ym) == pytest.approx(
        nce_score(P.argmax(1)[keep], y[keep])
    )


def test_float32_inputs_and_inputs_unchanged():
    X, y = _blobs(40, 4)
    X32 = X.astype(np.float32)
    X0, y0 = X32.copy(), y.copy()
    for f in FEATURE_SCORES:
        assert f(X32, y) == pytest.approx(f(X32.astype(np.float64), y), rel=1e-9)
        assert isinstance(f(X32, y), float)
    np.testing.assert_array_equal(X32, X0)
    np.testing.assert_array_equal(y, y0)


# ---------------------------------------------------------------------------- errors


@pytest.mark.parametrize("score", FEATURE_SCORES)
def test_errors_of_the_feature_scores(score):
    X, y = _blobs(20, 3)
    with pytest.raises(ValueError, match="needs the labels of target rows"):
        score(X, np.full(20, -1))
    with pytest.raises(ValueError, match="one class only"):
        score(X, np.zeros(20, dtype=int))
    with pytest.raises(ValueError, match="X has 20 rows but y has 19"):
        score(X, y[:19])


def test_errors_of_leep_and_nce():
    P, y = _proba()
    with pytest.raises(ValueError, match="class probabilities"):
        leep_score(P * 2, y)
    with pytest.raises(ValueError, match="one class only"):
        leep_score(P, np.zeros(12, dtype=int))
    with pytest.raises(ValueError, match="needs the labels"):
        nce_score(P.argmax(1), np.full(12, -1))
    with pytest.raises(ValueError, match="hard source labels"):
        nce_score(P, y)
    with pytest.raises(ValueError, match="source_labels has 11 rows but y has 12"):
        nce_score(P.argmax(1)[:11], y)


def test_logme_intercept_is_the_evidence_of_the_data_orthogonal_to_the_constant():
    # fit_intercept=True equals LogME without intercept after projecting rows and
    # targets on an orthonormal basis Q of the complement of the constant vector
    X, y = _blobs(40, 4)
    X = X + 5.0  # an offset that a model without intercept must use
    n = X.shape[0]
    Q = np.linalg.qr(np.c_[np.ones(n), np.eye(n)[:, : n - 1]])[0][:, 1:]
    Y = np.eye(3)[y]
    projected = logme_score(Q.T @ X, Q.T @ Y, regression=True)
    assert logme_score(X, y, fit_intercept=True) == pytest.approx(projected, rel=1e-8)
    assert logme_score(X, y, fit_intercept=True) == pytest.approx(
        _naive_logme(Q.T @ X, Q.T @ Y), rel=1e-6
    )
    # invariant to an offset of the features, unlike the model without intercept
    assert logme_score(X - 5.0, y, fit_intercept=True) == pytest.approx(
        logme_score(X, y, fit_intercept=True), rel=1e-8
    )
