"""label_shift_test: its verdicts on shifts of known kind, and its null."""

import numpy as np
import pytest

from skadapt.label_shift import label_shift_test

from ._data import label_shift_data


def test_label_shift_is_recognised():
    X, y, sd, _ = label_shift_data(1200, 600, [0.7, 0.2, 0.1], seed=0)
    res = label_shift_test(X, y, sd, random_state=0)
    assert res.verdict == "consistent with label shift"
    assert res.shift_pvalue < 0.01
    assert np.mean(np.abs(res.priors - [0.7, 0.2, 0.1])) < 0.05


def test_covariate_shift_is_not_label_shift():
    """The target's rows lie in one corner of every class: p(x | y) moved."""
    X, y, sd, y_true = label_shift_data(1500, 3000, [1 / 3] * 3, seed=1)
    target = np.flatnonzero(sd < 0)
    keep = np.r_[np.flatnonzero(sd > 0), target[X[target, 1] > np.median(X[:, 1])]]
    res = label_shift_test(X[keep], y[keep], sd[keep], random_state=0)
    assert res.verdict == "not label shift"
    assert res.label_shift_pvalue < 0.01


def test_no_shift():
    X, y, sd, _ = label_shift_data(1000, 500, [1 / 3] * 3, seed=2)
    res = label_shift_test(X, y, sd, random_state=0)
    assert res.verdict == "no shift detected"


def test_null_pvalues_are_not_small_too_often():
    """Without shift the shift p-value is below 0.05 in few of 20 draws."""
    small = 0
    for seed in range(20):
        X, y, sd, _ = label_shift_data(300, 150, [1 / 3] * 3, seed=100 + seed)
        res = label_shift_test(X, y, sd, n_permutations=99, random_state=seed)
        small += res.pvalues["outputs"]["shift"] < 0.05
    assert small <= 4  # binomial(20, 0.05): P(> 4) < 0.003


def test_errors():
    X, y, sd, _ = label_shift_data(100, 50, [0.5, 0.3, 0.2], seed=3)
    with pytest.raises(ValueError, match="needs target rows"):
        label_shift_test(X[sd > 0], y[sd > 0], sd[sd > 0])
    with pytest.raises(TypeError, match="predict_proba"):
        from sklearn.svm import LinearSVC

        label_shift_test(X, y, estimator=LinearSVC())
