"""make_domain_shift: shapes, masks, reproducibility and the shift it promises."""

import numpy as np
import pytest

from skadapt.datasets import make_domain_shift


@pytest.mark.parametrize("shift", ["covariate", "label", "subspace", "scale"])
@pytest.mark.parametrize("task", ["classification", "regression"])
def test_contract(shift, task):
    X, y, sd, y_true = make_domain_shift(
        40, 30, n_features=3, shift=shift, task=task, random_state=0
    )
    assert X.shape == (70, 3) and y.shape == sd.shape == y_true.shape == (70,)
    np.testing.assert_array_equal(sd, np.r_[np.ones(40), -np.ones(30)])
    if task == "classification":
        assert np.all(y[30 + 10 :] == -1) and np.all(y[:40] >= 0)
        np.testing.assert_array_equal(y[:40], y_true[:40])
    else:
        assert np.isnan(y[40:]).all() and not np.isnan(y_true).any()
    again = make_domain_shift(
        40, 30, n_features=3, shift=shift, task=task, random_state=0
    )
    np.testing.assert_array_equal(X, again[0])


def test_zero_strength_gives_one_distribution():
    X, y, sd, _ = make_domain_shift(
        2000, 2000, n_features=2, shift="scale", shift_strength=0, random_state=0
    )
    s, t = X[sd > 0], X[sd < 0]
    np.testing.assert_allclose(s.mean(0), t.mean(0), atol=0.15)
    np.testing.assert_allclose(s.std(0), t.std(0), rtol=0.1)


def test_shifts_do_what_they_say():
    # subspace: rotation about the source mean keeps norms of centred rows
    X, _, sd, _ = make_domain_shift(
        3000, 3000, n_features=4, shift="subspace", shift_strength=2.0, random_state=1
    )
    s, t = X[sd > 0], X[sd < 0]
    c = s.mean(0)
    assert np.linalg.norm(s - c, axis=1).mean() == pytest.approx(
        np.linalg.norm(t - c, axis=1).mean(), rel=0.05
    )
    assert np.abs(np.cov(s.T) - np.cov(t.T)).max() > 0.5
    # label shift: class proportions differ, class-conditional means do not
    X, y, sd, yt = make_domain_shift(
        3000, 3000, shift="label", shift_strength=2.0, random_state=2, noise=0
    )
    ps, pt = np.mean(yt[sd > 0] == 0), np.mean(yt[sd < 0] == 0)
    assert ps == pytest.approx(0.5, abs=0.05) and pt > 0.8
    for k in (0, 1):
        np.testing.assert_allclose(
            X[(sd > 0) & (yt == k)].mean(0), X[(sd < 0) & (yt == k)].mean(0), atol=0.2
        )
    # covariate shift: the means move, the labelling rule is shared
    X, y, sd, yt = make_domain_shift(
        3000, 3000, shift="covariate", shift_strength=2.0, random_state=3
    )
    assert np.linalg.norm(X[sd > 0].mean(0) - X[sd < 0].mean(0)) > 2.5


def test_errors():
    with pytest.raises(ValueError, match="shift"):
        make_domain_shift(shift="nope")
    with pytest.raises(ValueError, match="n_samples_source"):
        make_domain_shift(1)
