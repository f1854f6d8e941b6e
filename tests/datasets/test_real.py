"""Tests of the bundled real benchmarks (skadapt.datasets._real)."""

import itertools

import numpy as np
import pytest
from sklearn.neighbors import KNeighborsClassifier

from skadapt._base import check_sample_domain, labelled_mask
from skadapt.datasets import (
    load_amazon_reviews,
    load_auto,
    load_bikeshare,
    load_mnist_usps,
    load_office_caltech,
)

OFFICE_CLASS_COUNTS = {  # skadapt/datasets/data/README.md, rows per class 1..10
    "amazon": [92, 82, 94, 99, 100, 100, 99, 100, 94, 98],
    "caltech": [151, 110, 100, 138, 85, 128, 133, 94, 87, 97],
    "dslr": [12, 21, 12, 13, 10, 24, 22, 12, 8, 23],
    "webcam": [29, 21, 31, 27, 27, 30, 43, 30, 27, 30],
}
# 1-NN on the standard preprocessing: the JDA paper's NN column (data README)
OFFICE_1NN = {
    ("caltech", "amazon"): 23.7,
    ("caltech", "webcam"): 25.8,
    ("caltech", "dslr"): 25.5,
    ("amazon", "caltech"): 26.0,
    ("amazon", "webcam"): 29.8,
    ("amazon", "dslr"): 25.5,
    ("webcam", "caltech"): 19.9,
    ("webcam", "amazon"): 23.0,
    ("webcam", "dslr"): 59.2,
    ("dslr", "caltech"): 26.3,
    ("dslr", "amazon"): 28.5,
    ("dslr", "webcam"): 63.4,
}
AMAZON_COUNTS = {
    "books": [1000, 1000],
    "dvd": [1000, 999],
    "elec": [1000, 998],
    "kitchen": [1000, 999],
}
DIGIT_COUNTS = {
    "mnist": [196, 227, 207, 202, 196, 179, 191, 206, 195, 201],
    "usps": [352, 241, 165, 166, 166, 126, 139, 172, 129, 144],
}


def one_nn_accuracy(X, y, sample_domain, y_true):
    src, tgt = sample_domain > 0, sample_domain < 0
    pred = KNeighborsClassifier(n_neighbors=1).fit(X[src], y[src]).predict(X[tgt])
    return 100 * np.mean(pred == y_true[tgt])


def check_contract(X, y, sample_domain, y_true, n_target, regression=False):
    """The four arrays follow the data contract; target labels are all masked."""
    n = X.shape[0]
    assert y.shape == sample_domain.shape == y_true.shape == (n,)
    assert X.dtype == np.float64 and np.isfinite(X).all()
    assert sample_domain.dtype == np.int64
    checked = check_sample_domain(sample_domain, y, n)
    np.testing.assert_array_equal(checked, sample_domain)
    tgt = sample_domain == -1
    assert tgt.sum() == n_target and not tgt[: n - n_target].any()
    np.testing.assert_array_equal(labelled_mask(y), ~tgt)
    np.testing.assert_array_equal(y[~tgt], y_true[~tgt])
    if regression:
        assert y.dtype == y_true.dtype == np.float64
        assert np.isnan(y[tgt]).all() and np.isfinite(y_true).all()
    else:
        assert y.dtype == y_true.dtype == np.int64
        assert (y[tgt] == -1).all() and (y_true >= 0).all()


@pytest.mark.parametrize("source, target", list(OFFICE_1NN))
def test_office_caltech_contract_and_1nn(source, target):
    X, y, sd, y_true = load_office_caltech(source, target)
    ns = sum(OFFICE_CLASS_COUNTS[source])
    nt = sum(OFFICE_CLASS_COUNTS[target])
    assert X.shape == (ns + nt, 800)
    check_contract(X, y, sd, y_true, nt)
    assert np.bincount(y_true[sd == 1]).tolist() == OFFICE_CLASS_COUNTS[source]
    assert np.bincount(y_true[sd == -1]).tolist() == OFFICE_CLASS_COUNTS[target]
    # standard preprocessing: each domain's columns are z-scored on their own
    for d in (1, -1):
        Xd = X[sd == d]
        np.testing.assert_allclose(Xd.mean(axis=0), 0, atol=1e-10)
        std = Xd.std(axis=0)
        assert np.all(np.isclose(std, 1) | np.isclose(std, 0))
    assert round(one_nn_accuracy(X, y, sd, y_true), 1) == OFFICE_1NN[source, target]


def test_office_caltech_1nn_average():
    accs = [one_nn_accuracy(*load_office_caltech(s, t)) for s, t in OFFICE_1NN]
    assert round(np.mean(accs), 1) == 31.4


def test_office_caltech_raw_counts():
    X, y, sd, y_true = load_office_caltech("dslr", "webcam", preprocessing=None)
    assert X.shape == (157 + 295, 800)
    np.testing.assert_array_equal(X, np.round(X))
    assert X.min() == 0 and X.max() <= 255
    # the standard features are these counts, row-normalised and z-scored per domain
    Xs = load_office_caltech("dslr", "webcam")[0]
    P = X / X.sum(axis=1, keepdims=True)
    for d in (1, -1):
        Pd = P[sd == d]
        std = Pd.std(axis=0)
        std[std == 0] = 1
        np.testing.assert_allclose(Xs[sd == d], (Pd - Pd.mean(axis=0)) / std)


def test_office_caltech_multi_source():
    X, y, sd, y_true = load_office_caltech(["amazon", "dslr"], "webcam")
    assert np.bincount(sd[sd > 0]).tolist() == [0, 958, 157]
    # sources come first, in the order given
    np.testing.assert_array_equal(sd[:958], 1)
    np.testing.assert_array_equal(sd[958 : 958 + 157], 2)
    check_contract(X, y, sd, y_true, 295)
    X1 = load_office_caltech("dslr", "webcam")[0]
    np.testing.assert_array_equal(X[sd == 2], X1[:157])


@pytest.mark.parametrize(
    "source, target", [("amazon", "dslr"), ("caltech", "webcam"), ("webcam", "amazon")]
)
def test_office_caltech_trial(source, target):
    per_class = 20 if source == "amazon" else 8
    full = load_office_caltech(source, target)
    seen = []
    for trial in (0, 19):
        X, y, sd, y_true = load_office_caltech(source, target, trial=trial)
        src, tgt = sd == 1, sd == -1
        assert np.bincount(y_true[src]).tolist() == [per_class] * 10
        assert (y[src] == y_true[src]).all()
        # all target rows are returned; 3 per class keep their label
        nt = sum(OFFICE_CLASS_COUNTS[target])
        assert tgt.sum() == nt and X.shape[0] == 10 * per_class + nt
        known = tgt & (y >= 0)
        assert np.bincount(y[known]).tolist() == [3] * 10
        np.testing.assert_array_equal(y[known], y_true[known])
        assert ((y == -1) == (tgt & ~known)).all()
        check_sample_domain(sd, y, len(y))
        # the target rows and their features are those of the unsupervised task
        # (preprocessing statistics come from whole domains)
        np.testing.assert_array_equal(X[tgt], full[0][full[2] == -1])
        np.testing.assert_array_equal(y_true[tgt], full[3][full[2] == -1])
        # the source rows are rows of the full source domain, each once
        Xs_full = full[0][full[2] == 1]
        match = (X[src][:, None, :] == Xs_full[None, :, :]).all(axis=2)
        assert (match.sum(axis=1) >= 1).all()
        seen.append(np.flatnonzero(known))
    assert not np.array_equal(seen[0], seen[1])


def test_office_caltech_trial_raw():
    X, y, sd, _ = load_office_caltech("caltech", "amazon", trial=3, preprocessing=None)
    assert X.shape == (80 + 958, 800)
    np.testing.assert_array_equal(X, np.round(X))


@pytest.mark.parametrize(
    "source, target", list(itertools.permutations(AMAZON_COUNTS, 2))[:3]
)
def test_amazon_reviews_contract(source, target):
    X, y, sd, y_true = load_amazon_reviews(source, target)
    nt = sum(AMAZON_COUNTS[target])
    check_contract(X, y, sd, y_true, nt)
    assert X.shape == (sum(AMAZON_COUNTS[source]) + nt, 400)
    assert np.bincount(y_true[sd == 1]).tolist() == AMAZON_COUNTS[source]
    assert np.bincount(y_true[sd == -1]).tolist() == AMAZON_COUNTS[target]
    raw = load_amazon_reviews(source, target, preprocessing=None)[0]
    np.testing.assert_allclose(raw.sum(axis=1), 1)
    assert raw.min() == 0


def test_amazon_reviews_1nn_average():
    # data README: the 12-task 1-NN average with the standard preprocessing is 60.9
    accs = [
        one_nn_accuracy(*load_amazon_reviews(s, t))
        for s, t in itertools.permutations(AMAZON_COUNTS, 2)
    ]
    assert round(np.mean(accs), 1) == 60.9


@pytest.mark.parametrize(
    "source, target, l2, raw",
    [("usps", "mnist", 44.70, 35.85), ("mnist", "usps", 65.94, 64.44)],
)
def test_mnist_usps(source, target, l2, raw):
    X, y, sd, y_true = load_mnist_usps(source, target)
    nt = sum(DIGIT_COUNTS[target])
    check_contract(X, y, sd, y_true, nt)
    assert X.shape == (3800, 256)
    assert np.bincount(y_true[sd == 1]).tolist() == DIGIT_COUNTS[source]
    assert np.bincount(y_true[sd == -1]).tolist() == DIGIT_COUNTS[target]
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), 1)
    assert round(one_nn_accuracy(X, y, sd, y_true), 2) == l2
    Xraw = load_mnist_usps(source, target, preprocessing=None)[0]
    assert Xraw.min() == 0 and Xraw.max() <= 1
    assert round(one_nn_accuracy(Xraw, y, sd, y_true), 2) == raw


def test_auto():
    sizes = {1: 245, 2: 68, 3: 79}
    X, y, sd, y_true = load_auto(1, 3)
    check_contract(X, y, sd, y_true, 79, regression=True)
    assert X.shape == (245 + 79, 6)
    X2, y2, sd2, _ = load_auto(["japan", "europe"], "usa")
    assert [int((sd2 == k).sum()) for k in (1, 2, -1)] == [sizes[3], sizes[2], 245]
    np.testing.assert_array_equal(X2[sd2 == -1], X[sd == 1])
    # mpg is a positive number, the year 70..82
    assert (y_true > 5).all() and set(X[:, 5]) <= set(range(70, 83))


def test_bikeshare():
    sizes = {1: 2068, 2: 2203, 3: 2240, 4: 2134}
    X, y, sd, y_true = load_bikeshare(1, 3)
    check_contract(X, y, sd, y_true, sizes[3], regression=True)
    assert X.shape == (sizes[1] + sizes[3], 34)
    np.testing.assert_array_equal(X[:, :24].sum(axis=1), 1)  # one-hot hour
    np.testing.assert_array_equal(X[:, 26:30].sum(axis=1), 1)  # one-hot weather
    assert ((X[:, 30:] >= 0) & (X[:, 30:] <= 1)).all()
    assert (y_true >= 0).all() and y_true.max() < np.log1p(1000)
    X3, y3, sd3, _ = load_bikeshare([2, "fall", 3], "winter")
    assert [int((sd3 == k).sum()) for k in (1, 2, 3, -1)] == [2203, 2134, 2240, 2068]
    # summer is warmer than winter: the covariate shift the data is here for
    assert X[sd == -1, 30].mean() > X[sd == 1, 30].mean() + 0.3


def test_returned_arrays_are_fresh():
    X, y, sd, y_true = load_office_caltech("dslr", "webcam", preprocessing=None)
    X[:] = -5
    y_true[:] = 7
    X2, _, _, y_true2 = load_office_caltech("dslr", "webcam", preprocessing=None)
    assert X2.min() == 0 and (y_true2 != 7).any()


@pytest.mark.parametrize(
    "loader, source, target, match",
    [
        (load_office_caltech, "amazon", "imagenet", r"valid domains: 'amazon'"),
        (load_office_caltech, "amazonx", "dslr", "Unknown Office-Caltech domain"),
        (load_office_caltech, "dslr", "dslr", "source and target must be different"),
        (load_office_caltech, ["dslr", "amazon"], "dslr", "must be different"),
        (load_office_caltech, ["dslr", "dslr"], "amazon", "repeated"),
        (load_office_caltech, [], "amazon", "at least one domain"),
        (load_amazon_reviews, "books", "music", r"'books', 'dvd', 'elec'"),
        (load_mnist_usps, "mnist", "svhn", r"valid domains: 'mnist', 'usps'"),
        (load_mnist_usps, "usps", "usps", "must be different"),
        (load_auto, 1, 4, r"valid domains: 1 \('usa'\)"),
        (load_auto, "asia", 1, "Unknown Auto domain 'asia'"),
        (load_auto, 2, "europe", "must be different"),
        (load_auto, [1, 2], [3], "target must be a single domain|must be"),
        (load_bikeshare, 0, 1, r"4 \('fall'\)"),
        (load_bikeshare, True, 2, "Unknown Bikeshare domain True"),
    ],
)
def test_domain_errors(loader, source, target, match):
    with pytest.raises(ValueError, match=match):
        loader(source, target)


def test_parameter_errors():
    with pytest.raises(ValueError, match="preprocessing"):
        load_office_caltech("amazon", "dslr", preprocessing="l2")
    with pytest.raises(ValueError, match="preprocessing"):
        load_mnist_usps("mnist", "usps", preprocessing="standard")
    with pytest.raises(ValueError, match="trial"):
        load_office_caltech("amazon", "dslr", trial=20)
    with pytest.raises(ValueError, match="one source"):
        load_office_caltech(["amazon", "caltech"], "dslr", trial=0)
