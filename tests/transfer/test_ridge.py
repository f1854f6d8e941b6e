import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.ensemble import RandomForestRegressor
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression, Ridge, RidgeCV

from skadapt.transfer import TransferRidge
from skadapt.transfer._ridge import _transfer_ridge

from ._data import semi_supervised


def _problem(n_s=60, n_t=15, d=4, n_targets=None, seed=0):
    rng = np.random.RandomState(seed)
    shape = (d,) if n_targets is None else (d, n_targets)
    w = rng.normal(size=shape)
    Xs = rng.normal(size=(n_s, d))
    Xt = rng.normal(size=(n_t, d)) + 0.5
    ys = Xs @ w + 0.1 * rng.normal(size=(n_s,) + shape[1:])
    yt = Xt @ (w + 0.5) + 1.0 + 0.1 * rng.normal(size=(n_t,) + shape[1:])
    X = np.vstack([Xs, Xt])
    y = np.concatenate([ys, yt])
    sd = np.r_[np.ones(n_s, int), -np.ones(n_t, int)]
    return X, y, sd, Xs, ys, Xt, yt


def _augmented(Xt, yt, w_src, alpha, sw):
    """The least-squares problem whose solution TransferRidge must be, built by hand.

    Rows ``sqrt(s_i) [x_i, 1] -> sqrt(s_i) y_i`` and ``sqrt(alpha) [e_j, 0] ->
    sqrt(alpha) w_src_j``: ``min sum_i s_i (y_i - x_i w - b)^2 + alpha |w - w_src|^2``.
    """
    n, d = Xt.shape
    root = np.sqrt(sw)
    top = np.hstack([Xt, np.ones((n, 1))]) * root[:, None]
    bottom = np.hstack([np.sqrt(alpha) * np.eye(d), np.zeros((d, 1))])
    A = np.vstack([top, bottom])
    Y = yt.reshape(n, -1)
    B = np.vstack([Y * root[:, None], np.sqrt(alpha) * w_src.reshape(-1, d).T])
    sol = np.linalg.lstsq(A, B, rcond=None)[0]
    return sol[:d].T, sol[d]


@pytest.mark.parametrize("n_t, d", [(15, 4), (6, 20)])  # primal and dual
@pytest.mark.parametrize("n_targets", [None, 3])
def test_equals_augmented_least_squares(n_t, d, n_targets):
    X, y, sd, Xs, ys, Xt, yt = _problem(n_t=n_t, d=d, n_targets=n_targets)
    sw = np.random.RandomState(1).uniform(0.5, 2.0, size=X.shape[0])
    model = TransferRidge(alpha=0.7, source_alpha=2.0)
    model.fit(X, y, sample_weight=sw, sample_domain=sd)
    src = Ridge(alpha=2.0).fit(Xs, ys, sample_weight=sw[sd > 0])
    assert_allclose(model.source_coef_, src.coef_, atol=1e-10)
    coef, intercept = _augmented(Xt, yt, src.coef_, 0.7, sw[sd < 0])
    assert_allclose(np.atleast_2d(model.coef_), coef, atol=1e-9)
    assert_allclose(np.atleast_1d(model.intercept_), intercept, atol=1e-9)
    assert model.coef_.shape == src.coef_.shape
    assert model.alpha_ == 0.7


def test_alpha_limits():
    X, y, sd, Xs, ys, Xt, yt = _problem(n_t=15, d=4)
    src = Ridge().fit(Xs, ys)
    big = TransferRidge(alpha=1e12).fit(X, y, sample_domain=sd)
    assert_allclose(big.coef_, src.coef_, atol=1e-8)
    assert not np.allclose(big.coef_, Ridge().fit(Xt, yt).coef_, atol=1e-2)
    for alpha in (0.0, 1e-10):
        small = TransferRidge(alpha=alpha).fit(X, y, sample_domain=sd)
        assert_allclose(small.coef_, LinearRegression().fit(Xt, yt).coef_, atol=1e-7)
        assert_allclose(small.coef_, Ridge(alpha=1e-10).fit(Xt, yt).coef_, atol=1e-7)


def test_alpha_zero_underdetermined_is_closest_to_source():
    # fewer rows than features: alpha -> 0 gives the interpolating fit nearest w_src
    X, y, sd, Xs, ys, Xt, yt = _problem(n_t=5, d=12)
    model = TransferRidge(alpha=0.0).fit(X, y, sample_domain=sd)
    assert_allclose(model.predict(Xt), yt, atol=1e-8)
    tiny = TransferRidge(alpha=1e-9).fit(X, y, sample_domain=sd)
    assert_allclose(model.coef_, tiny.coef_, atol=1e-5)


@pytest.mark.parametrize("n_t, d", [(12, 4), (8, 20)])  # primal and dual
def test_auto_alpha_is_exact_leave_one_out(n_t, d):
    X, y, sd, Xs, ys, Xt, yt = _problem(n_t=n_t, d=d)
    model = TransferRidge().fit(X, y, sample_domain=sd)
    w_src = model.source_coef_
    Xc = Xt - Xt.mean(axis=0)
    grid = np.sum(Xc**2) / Xt.shape[1] * np.logspace(-3, 4, 29)

    def loo(alpha):  # refit without each row, by brute force
        err = 0.0
        for i in range(Xt.shape[0]):
            keep = np.arange(Xt.shape[0]) != i
            coef, b, _ = _transfer_ridge(
                Xt[keep], yt[keep, None], w_src[None], alpha, fit_intercept=True
            )
            err += (yt[i] - Xt[i] @ coef[0] - b[0]) ** 2
        return err

    errors = np.array([loo(a) for a in grid])
    assert model.alpha_ == pytest.approx(grid[np.argmin(errors)])
    coef, b = _augmented(Xt, yt, w_src, model.alpha_, np.ones(Xt.shape[0]))
    assert_allclose(model.coef_, coef[0], atol=1e-8)
    assert_allclose(model.intercept_, b[0], atol=1e-8)


def test_auto_alpha_with_too_few_rows_for_leave_one_out():
    X, y, sd, Xs, ys, Xt, yt = _problem(n_t=2, d=4)
    model = TransferRidge().fit(X, y, sample_domain=sd)
    Xc = Xt - Xt.mean(axis=0)
    assert model.alpha_ == pytest.approx(np.sum(Xc**2) / Xt.shape[1])
    constant = np.r_[Xs, np.ones((3, 4))]  # target rows all equal: nothing to learn
    sd = np.r_[np.ones(60, int), -np.ones(3, int)]
    model = TransferRidge().fit(constant, np.r_[ys, 1, 2, 3], sample_domain=sd)
    assert_allclose(model.coef_, model.source_coef_)


def test_source_estimator_equals_in_fit_source():
    X, y, sd, Xs, ys, Xt, yt = _problem()
    given = Ridge(alpha=3.0).fit(Xs, ys)
    a = TransferRidge(source_estimator=given).fit(Xt, yt)
    b = TransferRidge(source_alpha=3.0).fit(X, y, sample_domain=sd)
    assert_allclose(a.coef_, b.coef_, atol=1e-10)
    assert_allclose(a.intercept_, b.intercept_, atol=1e-10)
    # with sample_domain the given source model still wins over the source rows
    c = TransferRidge(source_estimator=given).fit(X, y, sample_domain=sd)
    assert_allclose(c.coef_, b.coef_, atol=1e-10)


def test_single_domain_is_ridge():
    X, y, sd, *_ = _problem()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = TransferRidge(source_alpha=2.0).fit(X, y)
    ref = Ridge(alpha=2.0).fit(X, y)
    assert_allclose(model.coef_, ref.coef_, atol=1e-12)
    assert_allclose(model.intercept_, ref.intercept_, atol=1e-12)
    # only target rows: a ridge regression (shrunk towards zero)
    target_only = TransferRidge(alpha=2.0).fit(X, y, sample_domain=-np.ones_like(sd))
    assert_allclose(target_only.coef_, ref.coef_, atol=1e-10)


def test_unlabelled_target_falls_back_to_source_with_warning():
    X, y, sd, Xs, ys, *_ = _problem()
    y = y.copy()
    y[sd < 0] = np.nan
    y_before = y.copy()
    with pytest.warns(UserWarning, match="no labelled target rows"):
        model = TransferRidge().fit(X, y)
    assert_allclose(model.coef_, Ridge().fit(Xs, ys).coef_, atol=1e-12)
    assert_allclose(model.intercept_, Ridge().fit(Xs, ys).intercept_, atol=1e-12)
    assert model.alpha_ is None
    np.testing.assert_array_equal(y, y_before)


def test_masked_rows_ignored_and_inputs_untouched():
    X, y, sd, Xs, ys, Xt, yt = _problem()
    Xm = np.vstack([X, np.full((5, X.shape[1]), 100.0)])
    ym = np.r_[y, np.full(5, np.nan)]
    sdm = np.r_[sd, -np.ones(5, int)]
    sw = np.ones(Xm.shape[0])
    copies = [a.copy() for a in (Xm, ym, sdm, sw)]
    a = TransferRidge(alpha=1.0).fit(Xm, ym, sample_weight=sw, sample_domain=sdm)
    b = TransferRidge(alpha=1.0).fit(X, y, sample_domain=sd)
    assert_allclose(a.coef_, b.coef_, atol=1e-12)
    for before, after in zip(copies, (Xm, ym, sdm, sw)):
        np.testing.assert_array_equal(before, after)


def test_sample_weight_equals_repeated_rows():
    X, y, sd, *_ = _problem()
    sw = np.random.RandomState(0).randint(1, 4, size=X.shape[0])
    a = TransferRidge(alpha=1.0).fit(X, y, sample_weight=sw, sample_domain=sd)
    rep = np.repeat(np.arange(X.shape[0]), sw)
    b = TransferRidge(alpha=1.0).fit(X[rep], y[rep], sample_domain=sd[rep])
    assert_allclose(a.coef_, b.coef_, atol=1e-10)


def test_no_intercept():
    X, y, sd, Xs, ys, Xt, yt = _problem()
    model = TransferRidge(alpha=1.0, fit_intercept=False).fit(X, y, sample_domain=sd)
    src = Ridge(fit_intercept=False).fit(Xs, ys)
    A = np.vstack([Xt, np.eye(Xt.shape[1])])
    B = np.r_[yt, src.coef_]
    assert_allclose(model.coef_, np.linalg.lstsq(A, B, rcond=None)[0], atol=1e-10)
    assert model.intercept_ == 0.0


def test_float32():
    X, y, sd, *_ = _problem()
    a = TransferRidge().fit(X.astype(np.float32), y, sample_domain=sd)
    b = TransferRidge().fit(X, y, sample_domain=sd)
    assert a.coef_.dtype == np.float32
    assert a.predict(X.astype(np.float32)).dtype == np.float32
    assert_allclose(a.predict(X), b.predict(X), rtol=1e-4, atol=1e-4)


def test_errors():
    X, y, sd, Xs, ys, Xt, yt = _problem()
    with pytest.raises(ValueError, match="fitted on 3 features but X has 4"):
        TransferRidge(source_estimator=Ridge().fit(Xs[:, :3], ys)).fit(Xt, yt)
    with pytest.raises(NotFittedError, match="not fitted"):
        TransferRidge(source_estimator=Ridge()).fit(Xt, yt)
    forest = RandomForestRegressor(n_estimators=2, random_state=0).fit(Xs, ys)
    with pytest.raises(TypeError, match="not a linear model"):
        TransferRidge(source_estimator=forest).fit(Xt, yt)
    with pytest.raises(ValueError, match="no labelled rows"):
        TransferRidge().fit(X, np.full(X.shape[0], np.nan))
    with pytest.raises(ValueError, match="2 output"):
        two = Ridge().fit(Xs, np.c_[ys, ys])
        TransferRidge(source_estimator=two).fit(Xt, yt)
    with pytest.raises(ValueError, match="requires y"):
        TransferRidge().fit(X, None)
    with pytest.raises(ValueError, match="id 0"):
        TransferRidge().fit(X, y, sample_domain=np.zeros_like(sd))
    bad = y.copy()
    bad[-1] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        TransferRidge().fit(X, bad, sample_domain=sd)


def test_beats_source_only_and_target_only():
    mse = {"transfer": [], "source": [], "target": []}
    for seed in range(5):
        X, y, sd, y_true, test = semi_supervised("regression", seed, 15)
        src = sd > 0
        lab = (sd < 0) & ~np.isnan(y)
        models = {
            "transfer": TransferRidge().fit(X, y, sample_domain=sd),
            "source": Ridge().fit(X[src], y[src]),
            "target": RidgeCV().fit(X[lab], y[lab]),
        }
        for key, m in models.items():
            mse[key].append(np.mean((m.predict(X[test]) - y_true[test]) ** 2))
    mean = {k: np.mean(v) for k, v in mse.items()}
    assert mean["transfer"] < 0.8 * mean["source"]
    assert mean["transfer"] < 0.8 * mean["target"]
