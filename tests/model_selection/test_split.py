import copy

import numpy as np
import pytest
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_validate

from skadapt import CORAL, make_da_pipeline
from skadapt.datasets import make_domain_shift
from skadapt.model_selection import (
    DomainKFold,
    DomainShuffleSplit,
    LeaveOneDomainOut,
    StratifiedDomainShuffleSplit,
)

SPLITTERS = [
    DomainShuffleSplit(n_splits=3, random_state=0),
    StratifiedDomainShuffleSplit(n_splits=3, random_state=0),
    DomainKFold(n_splits=3),
    DomainKFold(n_splits=3, shuffle=True, stratify=True, random_state=0),
]


def _data(n_s=40, n_t=30, seed=0):
    X, y, sd, y_true = make_domain_shift(n_s, n_t, random_state=seed)
    return X, y, sd, y_true


@pytest.mark.parametrize("cv", SPLITTERS, ids=lambda c: type(c).__name__)
@pytest.mark.parametrize("target_in_test", [False, True])
def test_folds_respect_domains(cv, target_in_test):
    X, y, sd, _ = _data()
    cv = copy.deepcopy(cv)
    cv.target_in_test = target_in_test
    target = np.flatnonzero(sd < 0)
    folds = list(cv.split(X, y))
    assert len(folds) == cv.get_n_splits(X, y) == 3
    for train, test in folds:
        assert np.isin(target, train).all()  # target rows always train
        src_test = test[sd[test] > 0]
        assert src_test.size > 0 and (y[src_test] != -1).all()
        assert not np.intersect1d(src_test, train).size
        assert np.array_equal(np.sort(np.r_[train, src_test]), np.arange(len(y)))
        assert np.isin(target, test).all() == target_in_test
        assert (sd[test] < 0).any() == target_in_test


@pytest.mark.parametrize("cv", SPLITTERS, ids=lambda c: type(c).__name__)
def test_routing_on_matches_masks(cv):
    X, y, sd, _ = _data()
    off = list(cv.split(X, y))
    on = list(cv.split(X, y, sample_domain=sd))
    for (a, b), (c, d) in zip(off, on):
        assert np.array_equal(a, c) and np.array_equal(b, d)


def test_kfold_is_a_partition_of_labelled_source_rows():
    X, y, sd, _ = _data()
    tests = np.concatenate([t for _, t in DomainKFold(n_splits=4).split(X, y)])
    assert np.array_equal(np.sort(tests), np.flatnonzero(sd > 0))


def test_stratified_keeps_domain_class_proportions():
    X, y, sd, _ = _data(n_s=60)
    sd = sd.copy()
    sd[:20] = 2  # a second source domain
    cv = StratifiedDomainShuffleSplit(n_splits=4, test_size=0.5, random_state=0)
    for _, test in cv.split(X, y, sample_domain=sd):
        for dom in (1, 2):
            rows = sd > 0
            whole = np.bincount(y[(sd == dom) & rows], minlength=2) / 2
            got = np.bincount(y[test][sd[test] == dom], minlength=2)
            assert np.all(np.abs(got - whole) <= 1)
    kfold = DomainKFold(n_splits=2, stratify=True)
    for _, test in kfold.split(X, y, sample_domain=sd):
        for dom in (1, 2):
            whole = np.bincount(y[sd == dom], minlength=2) / 2
            got = np.bincount(y[test][sd[test] == dom], minlength=2)
            assert np.all(np.abs(got - whole) <= 1)


def test_test_on_target_draws_labelled_target_rows():
    X, y, sd, y_true = _data()
    y = y.copy()
    labelled_t = np.flatnonzero(sd < 0)[:10]
    y[labelled_t] = y_true[labelled_t]
    cv = DomainShuffleSplit(n_splits=3, test_size=3, test_on="target", random_state=0)
    for train, test in cv.split(X, y, sample_domain=sd):
        assert np.isin(test, labelled_t).all() and test.size == 3
        assert np.isin(np.flatnonzero(sd > 0), train).all()
    cv.target_in_test = True
    for train, test in cv.split(X, y, sample_domain=sd):
        # unlabelled target rows join the test fold; labelled ones never in both
        assert not np.intersect1d(np.intersect1d(train, test), labelled_t).size
    with pytest.raises(ValueError, match="no labelled target rows"):
        next(cv.split(X, y))  # routing off: labelled rows read as source


def test_leave_one_domain_out():
    X, y, sd, _ = _data(n_s=60)
    sd = sd.copy()
    sd[20:40] = 2
    sd[40:60] = 3
    cv = LeaveOneDomainOut()
    folds = list(cv.split(X, y, sample_domain=sd))
    assert cv.get_n_splits(X, y, sample_domain=sd) == 3
    for dom, (train, test) in zip((1, 2, 3), folds):
        assert np.array_equal(test, np.flatnonzero(sd == dom))
        assert not np.isin(dom, sd[train])
        assert np.isin(np.flatnonzero(sd < 0), train).all()
    # routing off: the source domains come from groups
    groups = np.where(sd > 0, sd, 0)
    folds_groups = list(cv.split(X, y, groups))
    for (a, b), (c, d) in zip(folds, folds_groups):
        assert np.array_equal(a, c) and np.array_equal(b, d)
    with pytest.raises(ValueError, match="at least two source domains"):
        next(cv.split(X, y))
    with pytest.raises(ValueError, match="groups has 3 entries"):
        next(cv.split(X, y, [1, 2, 3]))


def test_errors():
    X, y, sd, _ = _data()
    no_source = np.full_like(y, -1)
    for cv in SPLITTERS + [LeaveOneDomainOut()]:
        with pytest.raises(ValueError, match="no labelled source rows"):
            next(cv.split(X, no_source))
    few = y.copy()
    few[3:40] = -1  # three labelled source rows left
    with pytest.raises(ValueError, match="n_splits=5 is larger than the number"):
        next(DomainKFold(n_splits=5).split(X, few))
    with pytest.raises(ValueError, match="at least one row must remain"):
        next(DomainShuffleSplit(test_size=3).split(X, few))
    with pytest.raises(ValueError, match="n_splits must be an integer >= 2"):
        next(DomainKFold(n_splits=1).split(X, y))
    with pytest.raises(ValueError, match="test_size must"):
        next(DomainShuffleSplit(test_size=0).split(X, y))
    with pytest.raises(ValueError, match="test_on must be"):
        next(DomainShuffleSplit(test_on="both").split(X, y))
    X_r, y_r, _, _ = make_domain_shift(30, 20, task="regression", random_state=0)
    with pytest.raises(ValueError, match="needs class labels"):
        next(StratifiedDomainShuffleSplit().split(X_r, y_r))


@pytest.mark.parametrize(
    "cv", [SPLITTERS[0], SPLITTERS[3]], ids=lambda c: type(c).__name__
)
def test_search_with_routing_on_and_off(cv):
    X, y, sd, _ = _data(80, 60)
    pipe = make_da_pipeline(CORAL(), LogisticRegression())
    grid = {"coral__reg": [0.1, 1.0]}
    # "accuracy" predicts without sample_domain under both settings (scoring=None
    # would route sample_domain to Pipeline.score, mapping the source test rows)
    off = GridSearchCV(pipe, grid, cv=cv, scoring="accuracy").fit(X, y)
    with sklearn.config_context(enable_metadata_routing=True):
        on = GridSearchCV(pipe, grid, cv=cv, scoring="accuracy")
        on.fit(X, y, sample_domain=sd)
        res = cross_validate(pipe, X, y, cv=cv, params={"sample_domain": sd})
    assert np.allclose(
        off.cv_results_["mean_test_score"], on.cv_results_["mean_test_score"]
    )
    assert len(res["test_score"]) == cv.get_n_splits()


def test_leave_one_domain_out_in_search():
    X, y, sd, _ = _data(90, 40)
    sd = sd.copy()
    sd[30:60], sd[60:90] = 2, 3
    pipe = make_da_pipeline(CORAL(), LogisticRegression())
    grid = {"coral__reg": [0.1, 1.0]}
    with sklearn.config_context(enable_metadata_routing=True):
        on = GridSearchCV(pipe, grid, cv=LeaveOneDomainOut(), scoring="accuracy")
        on.fit(X, y, sample_domain=sd)
    off = GridSearchCV(pipe, grid, cv=LeaveOneDomainOut(), scoring="accuracy")
    off.fit(X, y, groups=np.where(sd > 0, sd, 0))
    assert on.n_splits_ == off.n_splits_ == 3
    assert np.isfinite(on.cv_results_["mean_test_score"]).all()
    assert np.isfinite(off.cv_results_["mean_test_score"]).all()
