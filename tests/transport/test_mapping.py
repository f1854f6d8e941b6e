"""OT mappings: barycentric images, out-of-sample map, domains, errors."""

import sys

import numpy as np
import pytest
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from skadapt import make_da_pipeline
from skadapt._core import _ot
from skadapt.transport import (
    ClassRegularizedOTMapping,
    EntropicOTMapping,
    ExactOTMapping,
)

from ._data import labelled_domains, point_clouds

MAPPINGS = [ExactOTMapping, EntropicOTMapping, ClassRegularizedOTMapping]


def _domains(Xs, Xt):
    X = np.r_[Xs, Xt]
    sd = np.r_[np.ones(len(Xs), dtype=int), -np.ones(len(Xt), dtype=int)]
    y = np.r_[np.arange(len(Xs)) % 2, -np.ones(len(Xt), dtype=int)]
    return X, y, sd


@pytest.mark.parametrize("cls", MAPPINGS)
def test_source_rows_go_to_the_barycentre_of_their_plan(cls):
    Xs, Xt = point_clouds(40, 30)
    X, y, sd = _domains(Xs, Xt)
    est = cls()
    Xm = est.fit_transform(X, y, sample_domain=sd)
    P = est.coupling_[0]
    np.testing.assert_allclose(Xm[:40], 40 * P @ Xt, atol=1e-8)
    np.testing.assert_array_equal(Xm[40:], Xt)
    # with uniform masses the mapped source has exactly the target mean
    np.testing.assert_allclose(Xm[:40].mean(axis=0), Xt.mean(axis=0), atol=1e-5)
    np.testing.assert_allclose(P.sum(axis=1), np.full(40, 1 / 40), atol=1e-12)
    np.testing.assert_allclose(P.sum(axis=0), np.full(30, 1 / 30), atol=1e-5 / 30)


def test_exact_mapping_with_equal_sizes_lands_on_target_rows(monkeypatch):
    monkeypatch.setitem(sys.modules, "ot", None)  # the assignment path, no POT
    Xs, Xt = point_clouds(25, 25)
    X, y, sd = _domains(Xs, Xt)
    Xm = ExactOTMapping().fit_transform(X, sample_domain=sd)
    # every mapped row is a target row, each target row hit once
    d = ((Xm[:25, None, :] - Xt[None]) ** 2).sum(-1)
    np.testing.assert_allclose(d.min(axis=1), 0, atol=1e-20)
    assert np.unique(d.argmin(axis=1)).size == 25


def test_exact_plan_equals_pot():
    ot = pytest.importorskip("ot")
    Xs, Xt = point_clouds(40, 30)
    X, y, sd = _domains(Xs, Xt)
    est = ExactOTMapping().fit(X, sample_domain=sd)
    ref = ot.emd(np.full(40, 1 / 40), np.full(30, 1 / 30), ot.dist(Xs, Xt))
    np.testing.assert_allclose(est.coupling_[0], ref, atol=1e-12)


def test_entropic_plan_equals_pot_with_the_relative_epsilon():
    ot = pytest.importorskip("ot")
    Xs, Xt = point_clouds(40, 30)
    X, y, sd = _domains(Xs, Xt)
    est = EntropicOTMapping(epsilon=0.1, tol=1e-12, max_iter=10000).fit(
        X, sample_domain=sd
    )
    M = ot.dist(Xs, Xt)
    np.testing.assert_allclose(est.cost_scale_[0], M.mean())
    ref = ot.sinkhorn(
        np.full(40, 1 / 40),
        np.full(30, 1 / 30),
        M,
        0.1 * M.mean(),
        method="sinkhorn_log",
        numItermax=100000,
        stopThr=1e-13,
    )
    np.testing.assert_allclose(est.coupling_[0], ref, atol=1e-10)


@pytest.mark.parametrize("cls", MAPPINGS)
def test_out_of_sample_rows_move_with_their_nearest_fitted_row(cls):
    Xs, Xt = point_clouds(40, 30)
    X, y, sd = _domains(Xs, Xt)
    est = cls().fit(X, y, sample_domain=sd)
    Xm = est.fit_transform(X, y, sample_domain=sd)
    # fitted rows: their own image
    np.testing.assert_allclose(
        est.transform(Xs, sample_domain=np.ones(40, dtype=int)), Xm[:40]
    )
    # a new row near fitted row 3 moves by row 3's displacement
    new = Xs[[3]] + 1e-3
    out = est.transform(new, sample_domain=[1])
    np.testing.assert_allclose(out - new, Xm[[3]] - Xs[[3]])
    # rows read as target rows are unchanged
    np.testing.assert_array_equal(est.transform(Xs), Xs)


@pytest.mark.parametrize("cls", MAPPINGS)
def test_one_domain_is_the_identity(cls):
    Xs, _ = point_clouds(20, 5)
    y = np.arange(20) % 2
    est = cls()
    np.testing.assert_array_equal(est.fit_transform(Xs, y), Xs)
    assert est.source_domains_.size == 0 and est.coupling_ == []


def test_several_sources_are_each_transported_onto_the_target():
    Xs, Xt = point_clouds(40, 30)
    X = np.r_[Xs, Xs + 10.0, Xt]
    sd = np.r_[np.ones(40, int), np.full(40, 2), -np.ones(30, int)]
    est = EntropicOTMapping()
    Xm = est.fit_transform(X, sample_domain=sd)
    np.testing.assert_array_equal(est.source_domains_, [1, 2])
    for k in range(2):
        np.testing.assert_allclose(
            Xm[40 * k : 40 * (k + 1)].mean(axis=0), Xt.mean(axis=0), atol=1e-5
        )
    with pytest.raises(ValueError, match=r"source id\(s\) \[3\]"):
        est.transform(Xs[:2], sample_domain=[3, 3])


@pytest.mark.parametrize("cls", MAPPINGS)
def test_float32_is_preserved(cls):
    Xs, Xt = point_clouds(30, 20)
    X, y, sd = _domains(Xs, Xt)
    est = cls()
    out = est.fit_transform(X.astype(np.float32), y, sample_domain=sd)
    assert out.dtype == np.float32
    ref = cls().fit_transform(X, y, sample_domain=sd)
    np.testing.assert_allclose(out, ref, atol=1e-4)
    assert est.transform(X[:3].astype(np.float32), sample_domain=[1, 1, 1]).dtype == (
        np.float32
    )


def test_minibatches_give_a_sparse_plan_close_to_the_dense_one():
    Xs, Xt = point_clouds(300, 260, d=2)
    X, y, sd = _domains(Xs, Xt)
    dense = EntropicOTMapping().fit(X, sample_domain=sd)
    mini = EntropicOTMapping(batch_size=100, random_state=0)
    Xm = mini.fit_transform(X, sample_domain=sd)
    assert sparse.issparse(mini.coupling_[0])
    assert not sparse.issparse(dense.coupling_[0])
    rows = np.asarray(mini.coupling_[0].sum(axis=1)).ravel()
    np.testing.assert_allclose(rows, 1 / 300, atol=1e-12)
    Xd = dense.fit_transform(X, sample_domain=sd)
    # each row is matched inside a third of the data only: close, not equal
    err = np.sqrt(np.mean(np.sum((Xm[:300] - Xd[:300]) ** 2, axis=1)))
    spread = np.sqrt(np.mean(np.sum((Xt - Xt.mean(0)) ** 2, axis=1)))
    assert 0 < err < 0.5 * spread


def test_the_dense_path_checks_its_memory(monkeypatch):
    from skadapt.exceptions import MemoryLimitError

    monkeypatch.setenv("SKADAPT_MAX_DENSE_BYTES", "10000")
    Xs, Xt = point_clouds(40, 30)
    X, y, sd = _domains(Xs, Xt)
    with pytest.raises(MemoryLimitError, match="batch_size"):
        EntropicOTMapping(batch_size=None).fit(X, sample_domain=sd)


def test_exact_mapping_without_pot_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "ot", None)
    monkeypatch.setattr(_ot, "HIGHS_MAX_ENTRIES", 100)
    Xs, Xt = point_clouds(40, 30)
    X, y, sd = _domains(Xs, Xt)
    with pytest.raises(ImportError, match=r"skadapt\[ot\]"):
        ExactOTMapping().fit(X, sample_domain=sd)


def test_duplicate_rows_give_identical_plan_rows():
    Xs, Xt = point_clouds(30, 20)
    Xs = np.r_[Xs, Xs[:10]]  # ten duplicated source rows
    Xt = np.r_[Xt, Xt[:5], Xt[:5]]
    X, y, sd = _domains(Xs, Xt)
    est = EntropicOTMapping(tol=1e-12, max_iter=5000).fit(X, sample_domain=sd)
    P = est.coupling_[0]
    np.testing.assert_allclose(P[:10], P[30:], atol=1e-15)
    np.testing.assert_allclose(P[:, :5], P[:, 20:25], atol=1e-15)
    # the merged problem is the same problem: compare with a row-by-row reference
    from skadapt._core._ot import cost_matrix, sinkhorn

    C = cost_matrix(Xs, Xt)
    ref, _ = sinkhorn(
        np.full(40, 1 / 40),
        np.full(30, 1 / 30),
        C / C.mean(),
        0.05,
        max_iter=20000,
        tol=1e-12,
    )
    np.testing.assert_allclose(P, ref, atol=1e-10)


# ---------------------------------------------------------- class regularisation
def _class_purity(P, ys):
    """Mean over target rows of the largest share of one class in their mass."""
    W = np.stack([P[ys == c].sum(axis=0) for c in np.unique(ys)], axis=1)
    return np.mean(W.max(axis=1) / W.sum(axis=1))


def test_class_regulariser_keeps_the_classes_apart():
    # the target is centred between the classes: entropic transport mixes them,
    # the group-lasso penalty pushes each target row towards one class
    rng = np.random.RandomState(0)
    ys = np.repeat([0, 1], 40)
    Xs = rng.normal(size=(80, 2)) + 3.0 * ys[:, None]
    Xt = rng.normal(size=(80, 2)) * 1.5 + 1.5
    X, sd = np.r_[Xs, Xt], np.r_[np.ones(80, int), -np.ones(80, int)]
    y = np.r_[ys, -np.ones(80, int)]
    ent = EntropicOTMapping(epsilon=0.2).fit(X, sample_domain=sd)
    purity = [_class_purity(ent.coupling_[0], ys)]
    for class_reg in [0.3, 3.0]:
        reg = ClassRegularizedOTMapping(epsilon=0.2, class_reg=class_reg, max_iter=50)
        purity.append(_class_purity(reg.fit(X, y).coupling_[0], ys))
    assert purity[0] < purity[1] - 0.01 < purity[2] - 0.02
    none = ClassRegularizedOTMapping(epsilon=0.2, class_reg=0.0).fit(X, y)
    np.testing.assert_allclose(none.coupling_[0], ent.coupling_[0])


def test_labelled_target_rows_receive_mass_of_their_class_only():
    X, y, sd, ys, yt = labelled_domains()
    y = y.copy()
    labelled = np.r_[np.zeros(60, bool), np.arange(60) % 6 == 0]
    y[labelled] = np.r_[ys, yt][labelled]
    est = ClassRegularizedOTMapping().fit(X, y, sample_domain=sd)
    P = est.coupling_[0]
    lt = labelled[60:]
    wrong = P[:, lt][ys[:, None] != yt[lt][None, :]]
    assert wrong.max() < 1e-100


def test_class_regularised_mapping_needs_labels():
    Xs, Xt = point_clouds(20, 20)
    X, y, sd = _domains(Xs, Xt)
    with pytest.raises(ValueError, match="requires y"):
        ClassRegularizedOTMapping().fit(X, sample_domain=sd)


def test_mapping_in_a_pipeline_recovers_a_translated_target():
    X, y, sd, ys, yt = labelled_domains(shift=(0.0, 6.0))
    test = sd < 0
    source_only = make_da_pipeline(LogisticRegression()).fit(X, y)
    acc0 = np.mean(source_only.predict(X[test]) == yt)
    for mapping in [EntropicOTMapping(), ClassRegularizedOTMapping()]:
        pipe = make_da_pipeline(mapping, LogisticRegression()).fit(X, y)
        assert np.mean(pipe.predict(X[test]) == yt) >= 0.95 > acc0
