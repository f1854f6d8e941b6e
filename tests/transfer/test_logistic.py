import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import optimize
from scipy.special import logsumexp
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import StratifiedKFold

from skadapt.transfer import TransferLogisticRegression
from skadapt.transfer._logistic import _loss_grad, _prior_in_classes

from ._data import semi_supervised


def _problem(n_classes=2, n_s=80, n_t=30, d=5, seed=0):
    rng = np.random.RandomState(seed)
    W = rng.normal(size=(n_classes, d))
    Xs = rng.normal(size=(n_s, d))
    Xt = rng.normal(size=(n_t, d)) + 0.3

    def draw(X, W):
        P = np.exp(X @ W.T - logsumexp(X @ W.T, axis=1, keepdims=True))
        return np.array([rng.choice(n_classes, p=p) for p in P])

    ys, yt = draw(Xs, W), draw(Xt, W + 0.7 * rng.normal(size=W.shape))
    X = np.vstack([Xs, Xt])
    y = np.r_[ys, yt]
    sd = np.r_[np.ones(n_s, int), -np.ones(n_t, int)]
    return X, y, sd, Xs, ys, Xt, yt


def _objective(W, b, X, y, sw, W_src, b_src, C):
    """The penalised objective written out row by row (naive reference)."""
    total = 0.0
    for x, label, s in zip(X, y, sw):
        if W.shape[0] == 1:
            z = x @ W[0] + b[0]
            total += s * (np.log1p(np.exp(z)) - label * z)
        else:
            z = W @ x + b
            total += s * (np.log(np.sum(np.exp(z))) - z[label])
    return C * total + 0.5 * np.sum((W - W_src) ** 2) + 0.5 * np.sum((b - b_src) ** 2)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_gradient_passes_check_grad(n_classes, fit_intercept):
    X, y, sd, Xs, ys, Xt, yt = _problem(n_classes)
    rng = np.random.RandomState(1)
    k = 1 if n_classes == 2 else n_classes
    d = X.shape[1]
    Y = (yt == 1).astype(float) if k == 1 else yt
    sw = rng.uniform(0.5, 2.0, size=yt.size)
    prior = rng.normal(size=(k, d))
    args = (Xt, Y, sw, prior, 0.3, fit_intercept, rng.normal(size=k))
    size = k * d + (k if fit_intercept else 0)
    for _ in range(3):
        x0 = rng.normal(size=size)
        err = optimize.check_grad(
            lambda p: _loss_grad(p, *args)[0], lambda p: _loss_grad(p, *args)[1], x0
        )
        assert err < 1e-6 * max(1.0, np.linalg.norm(_loss_grad(x0, *args)[1]))


@pytest.mark.parametrize("n_classes", [2, 3])
def test_minimises_the_objective(n_classes):
    X, y, sd, Xs, ys, Xt, yt = _problem(n_classes, n_t=20)
    sw = np.random.RandomState(2).uniform(0.5, 2.0, size=X.shape[0])
    model = TransferLogisticRegression(C=0.5, tol=1e-10, max_iter=1000)
    model.fit(X, y, sample_weight=sw, sample_domain=sd)
    W_src, b_src, swt = model.source_coef_, model.source_intercept_, sw[sd < 0]
    k, d = W_src.shape

    def f(p):
        W, b = p[: k * d].reshape(k, d), p[k * d :]
        return _objective(W, b, Xt, yt, swt, W_src, b_src, 0.5)

    best = np.r_[model.coef_.ravel(), model.intercept_]
    ref = optimize.minimize(f, np.zeros_like(best), method="BFGS", tol=1e-10).x
    assert f(best) <= f(ref) + 1e-8
    assert_allclose(best, ref, atol=1e-4)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_zero_prior_is_logistic_regression(n_classes):
    X, y, sd, Xs, ys, Xt, yt = _problem(n_classes)
    only_target = -np.ones_like(sd)
    model = TransferLogisticRegression(C=0.5, tol=1e-10, max_iter=1000)
    model.fit(X, y, sample_domain=only_target)
    ref = LogisticRegression(C=0.5, tol=1e-10, max_iter=1000).fit(X, y)
    assert_allclose(model.coef_, ref.coef_, atol=1e-5)
    assert_allclose(model.intercept_, ref.intercept_, atol=1e-5)
    assert_allclose(model.predict_proba(X), ref.predict_proba(X), atol=1e-6)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_C_limits(n_classes):
    X, y, sd, Xs, ys, Xt, yt = _problem(n_classes, n_t=300)  # not separable
    src = LogisticRegression(tol=1e-10, max_iter=1000).fit(Xs, ys)
    small = TransferLogisticRegression(C=1e-9, source_estimator=src).fit(Xt, yt)
    assert_allclose(small.coef_, src.coef_, atol=1e-6)
    assert_allclose(small.intercept_, src.intercept_, atol=1e-6)
    target = LogisticRegression(C=1e4, tol=1e-10, max_iter=5000).fit(Xt, yt)
    large = TransferLogisticRegression(
        C=1e4, source_estimator=src, tol=1e-10, max_iter=5000
    ).fit(Xt, yt)
    assert_allclose(large.coef_, target.coef_, rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_source_estimator_equals_in_fit_source(n_classes):
    X, y, sd, Xs, ys, Xt, yt = _problem(n_classes)
    given = LogisticRegression(C=0.3, max_iter=100, tol=1e-4).fit(Xs, ys)
    a = TransferLogisticRegression(source_estimator=given).fit(Xt, yt)
    b = TransferLogisticRegression(source_C=0.3).fit(X, y, sample_domain=sd)
    assert_allclose(a.source_coef_, b.source_coef_, atol=1e-12)
    assert_allclose(a.coef_, b.coef_, atol=1e-12)
    assert_allclose(a.intercept_, b.intercept_, atol=1e-12)
    np.testing.assert_array_equal(a.classes_, b.classes_)


@pytest.mark.filterwarnings("ignore:The least populated class:UserWarning")
@pytest.mark.parametrize("n_classes", [2, 3])
def test_auto_C_equals_naive_cross_validation(n_classes):
    X, y, sd, Xs, ys, Xt, yt = _problem(n_classes, n_t=24)
    src = LogisticRegression().fit(Xs, ys)
    model = TransferLogisticRegression(source_estimator=src).fit(Xt, yt)
    grid = np.logspace(-2, 2, 9)
    # the folds are drawn over the rows in lexicographic order (row-order invariant)
    order = np.lexsort(Xt.T[::-1])
    folds = [
        (order[tr], order[te])
        for tr, te in StratifiedKFold(n_splits=5).split(Xt[order], yt[order])
    ]
    loglik = np.zeros((grid.size, yt.size))
    for train, test in folds:
        for i, C in enumerate(grid):
            fold = TransferLogisticRegression(C=C, source_estimator=src)
            fold.fit(Xt[train], yt[train])
            proba = fold.predict_log_proba(Xt[test])
            loglik[i, test] = proba[np.arange(test.size), yt[test]]
    assert_allclose(model.cv_scores_, loglik.mean(axis=1), rtol=1e-6)
    assert model.C_ == grid[np.argmax(loglik.mean(axis=1))]
    refit = TransferLogisticRegression(C=model.C_, source_estimator=src).fit(Xt, yt)
    assert_allclose(model.coef_, refit.coef_)
    few = TransferLogisticRegression(source_estimator=src).fit(Xt[:3], yt[:3])
    assert few.C_ == 1.0 and few.cv_scores_ is None


def test_single_domain_is_logistic_regression():
    X, y, sd, *_ = _problem(3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = TransferLogisticRegression(source_C=0.5).fit(X, y)
    ref = LogisticRegression(C=0.5).fit(X, y)
    assert_allclose(model.coef_, ref.coef_, atol=1e-12)
    assert_allclose(model.predict_proba(X), ref.predict_proba(X), atol=1e-12)


def test_unlabelled_target_falls_back_to_source_with_warning():
    X, y, sd, Xs, ys, *_ = _problem(3)
    y = y.copy()
    y[sd < 0] = -1
    with pytest.warns(UserWarning, match="no labelled target rows"):
        model = TransferLogisticRegression().fit(X, y)
    assert_allclose(model.coef_, LogisticRegression().fit(Xs, ys).coef_, atol=1e-12)
    assert model.n_target_samples_ == 0


def test_warm_start_needs_few_iterations():
    # the target rows follow the source model: starting there, L-BFGS stops early
    X, y, sd, Xs, ys, Xt, yt = _problem(2, n_t=200)
    src = LogisticRegression().fit(Xs, ys)
    rng = np.random.RandomState(0)
    yt = (rng.uniform(size=Xt.shape[0]) < src.predict_proba(Xt)[:, 1]).astype(int)
    model = TransferLogisticRegression(C=1.0, source_estimator=src).fit(Xt, yt)
    cold = LogisticRegression(C=1.0).fit(Xt, yt)
    assert model.n_iter_ < cold.n_iter_[0]


def test_binary_source_for_more_target_classes():
    X, y, sd, Xs, ys, Xt, yt = _problem(2)
    yt = yt.copy()
    yt[:5] = 2  # a class the source never saw
    model = TransferLogisticRegression().fit(
        np.vstack([Xs, Xt]), np.r_[ys, yt], sample_domain=sd
    )
    np.testing.assert_array_equal(model.classes_, [0, 1, 2])
    assert model.coef_.shape == (3, X.shape[1])
    # the expanded prior keeps the binary model's probabilities
    src = LogisticRegression().fit(Xs, ys)
    W, b = _prior_in_classes(src.coef_, src.intercept_, src.classes_, np.arange(2))
    np.testing.assert_array_equal(W, src.coef_)
    W, b = _prior_in_classes(
        src.coef_, src.intercept_, np.array([0, 1]), np.array([0, 1, 2])
    )
    Z = Xs @ W[:2].T + b[:2]
    P = np.exp(Z - logsumexp(Z, axis=1, keepdims=True))
    assert_allclose(P, src.predict_proba(Xs), atol=1e-12)


def test_string_labels_and_float32():
    X, y, sd, *_ = _problem(3)
    names = np.array(["a", "b", "c"])[y]
    a = TransferLogisticRegression().fit(X.astype(np.float32), names, sample_domain=sd)
    b = TransferLogisticRegression().fit(X, names, sample_domain=sd)
    np.testing.assert_array_equal(a.classes_, ["a", "b", "c"])
    assert_allclose(a.predict_proba(X), b.predict_proba(X), atol=1e-4)
    assert_allclose(np.exp(b.predict_log_proba(X)), b.predict_proba(X), atol=1e-12)
    assert_allclose(b.predict_proba(X).sum(axis=1), 1.0)


def test_errors():
    X, y, sd, Xs, ys, Xt, yt = _problem(3)
    src = LogisticRegression().fit(Xs, ys)
    with pytest.raises(ValueError, match="fitted on 4 features but X has 5"):
        TransferLogisticRegression(
            source_estimator=LogisticRegression().fit(Xs[:, :4], ys)
        ).fit(Xt, yt)
    with pytest.raises(ValueError, match=r"target labels \[7\] are not classes"):
        TransferLogisticRegression(source_estimator=src).fit(Xt, np.r_[yt[:-1], 7])
    with pytest.raises(NotFittedError, match="not fitted"):
        TransferLogisticRegression(source_estimator=LogisticRegression()).fit(Xt, yt)
    with pytest.raises(TypeError, match="not a classifier"):
        TransferLogisticRegression(source_estimator=Ridge().fit(Xs, ys)).fit(Xt, yt)
    with pytest.raises(ValueError, match="no labelled rows"):
        TransferLogisticRegression().fit(X, np.full(X.shape[0], -1))
    with pytest.raises(ValueError, match="only one class"):
        TransferLogisticRegression().fit(Xt, np.zeros(Xt.shape[0], int))
    with pytest.raises(ValueError, match="continuous|Unknown label type"):
        TransferLogisticRegression().fit(Xt, Xt[:, 0], sample_domain=-np.ones(30, int))


def test_beats_source_only_and_target_only():
    acc = {"transfer": [], "source": [], "target": []}
    for seed in range(5):
        X, y, sd, y_true, test = semi_supervised("classification", seed, 15)
        src = sd > 0
        lab = (sd < 0) & (y != -1)
        models = {
            "transfer": TransferLogisticRegression().fit(X, y, sample_domain=sd),
            "source": LogisticRegression().fit(X[src], y[src]),
            "target": LogisticRegression().fit(X[lab], y[lab]),
        }
        for key, m in models.items():
            acc[key].append(np.mean(m.predict(X[test]) == y_true[test]))
    mean = {k: np.mean(v) for k, v in acc.items()}
    assert mean["transfer"] > mean["source"] + 0.01
    assert mean["transfer"] > mean["target"] + 0.01
