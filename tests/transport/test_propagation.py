"""OT label propagation and JCPOT: propagated labels, priors, EM agreement."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression, Ridge

from skadapt.transport import (
    JCPOT,
    OTLabelPropagationClassifier,
    OTLabelPropagationRegressor,
)

from ._data import labelled_domains


def test_classifier_labels_are_the_transported_class_mass():
    X, y, sd, ys, yt = labelled_domains(shift=(0.0, 2.0))
    clf = OTLabelPropagationClassifier().fit(X, y)
    P = clf.coupling_
    W = np.stack([P[ys == c].sum(axis=0) for c in [0, 1]], axis=1)
    np.testing.assert_allclose(clf.label_distributions_, W / W.sum(1, keepdims=True))
    np.testing.assert_array_equal(clf.transduction_, W.argmax(axis=1))
    # the default 1-NN predicts exactly the propagated labels on the target rows
    np.testing.assert_array_equal(clf.predict(X[sd < 0]), clf.transduction_)
    assert np.mean(clf.transduction_ == yt) == 1.0
    proba = clf.predict_proba(X[sd < 0])
    assert proba.shape == (60, 2)


def test_exact_propagation_with_equal_sizes_gives_each_target_one_source_label():
    X, y, sd, ys, yt = labelled_domains(n=40, m=40)
    clf = OTLabelPropagationClassifier(epsilon=0).fit(X, y)
    np.testing.assert_allclose(np.sort(clf.label_distributions_, axis=1)[:, 1], 1.0)


def test_regressor_values_are_the_transported_means():
    rng = np.random.RandomState(0)
    Xs = rng.normal(size=(50, 2))
    Xt = rng.normal(size=(40, 2)) + 1.0
    ys = Xs @ [1.0, -2.0] + 3.0
    X = np.r_[Xs, Xt]
    y = np.r_[ys, np.full(40, np.nan)]
    reg = OTLabelPropagationRegressor().fit(X, y)
    P = reg.coupling_
    np.testing.assert_allclose(reg.transduction_, (P.T @ ys) / P.sum(axis=0))
    np.testing.assert_allclose(reg.predict(Xt), reg.transduction_)
    # -1.0 is a value for a regressor, never a mask
    y2 = y.copy()
    y2[0] = -1.0
    assert OTLabelPropagationRegressor().fit(X, y2).coupling_.shape == (50, 40)


def test_labelled_target_rows_keep_their_label():
    X, y, sd, ys, yt = labelled_domains()
    y = y.copy()
    idx = 60 + np.arange(0, 60, 7)
    y[idx] = 1 - yt[idx - 60]  # deliberately the other class
    clf = OTLabelPropagationClassifier().fit(X, y, sample_domain=sd)
    np.testing.assert_array_equal(clf.transduction_[idx - 60], y[idx])


def test_one_domain_is_the_estimator_on_the_labelled_rows():
    X, y, sd, ys, yt = labelled_domains()
    Xs = X[sd > 0]
    clf = OTLabelPropagationClassifier(LogisticRegression()).fit(Xs, ys)
    ref = LogisticRegression().fit(Xs, ys)
    np.testing.assert_allclose(clf.predict_proba(Xs), ref.predict_proba(Xs))
    assert clf.transduction_ is None
    reg = OTLabelPropagationRegressor(Ridge()).fit(Xs, ys.astype(float))
    np.testing.assert_allclose(
        reg.predict(Xs), Ridge().fit(Xs, ys.astype(float)).predict(Xs)
    )


def test_every_label_masked_is_an_error():
    X, y, sd, ys, yt = labelled_domains()
    with pytest.raises(ValueError, match="every label in y is masked"):
        OTLabelPropagationClassifier().fit(X, -np.ones_like(y))
    with pytest.raises(ValueError, match="every label in y is masked"):
        JCPOT().fit(X, -np.ones_like(y))


def test_string_labels():
    X, y, sd, ys, yt = labelled_domains()
    names = np.array(["neg", "pos"], dtype=object)
    ystr = np.where(y >= 0, names[np.maximum(y, 0)], None)
    clf = OTLabelPropagationClassifier().fit(X, ystr)
    np.testing.assert_array_equal(clf.classes_, names)
    assert np.mean(clf.predict(X[sd < 0]) == names[yt]) == 1.0


# ------------------------------------------------------------------------ JCPOT
def _label_shift(n=300, m=300, prior=0.8, seed=0, n_sources=1):
    """Gaussian classes, balanced sources, a target with ``prior`` of class 0."""
    rng = np.random.RandomState(seed)
    centres = np.array([[0.0, 0.0], [3.5, 1.5]])
    X, y, sd = [], [], []
    for k in range(n_sources):
        ys = rng.randint(0, 2, n)
        X.append(centres[ys] + rng.normal(size=(n, 2)))
        y.append(ys)
        sd.append(np.full(n, k + 1))
    yt = (rng.uniform(size=m) > prior).astype(int)
    X.append(centres[yt] + rng.normal(size=(m, 2)))
    y.append(-np.ones(m, dtype=int))
    sd.append(-np.ones(m, dtype=int))
    return np.concatenate(X), np.concatenate(y), np.concatenate(sd), yt


def _em_priors(proba_source, source_priors, n_iter=1000):
    """Saerens et al. (2002): EM on the target priors from source posteriors."""
    priors = source_priors.copy()
    for _ in range(n_iter):
        w = proba_source * (priors / source_priors)
        w /= w.sum(axis=1, keepdims=True)
        priors = w.mean(axis=0)
    return priors


@pytest.mark.parametrize("prior", [0.8, 0.5, 0.3])
def test_jcpot_priors_agree_with_em_on_single_source_label_shift(prior):
    X, y, sd, yt = _label_shift(prior=prior)
    est = JCPOT(epsilon=0.01).fit(X, y, sample_domain=sd)
    source = sd > 0
    clf = LogisticRegression().fit(X[source], y[source])
    em = _em_priors(clf.predict_proba(X[sd < 0]), np.bincount(y[source]) / source.sum())
    truth = np.bincount(yt, minlength=2) / yt.size
    np.testing.assert_allclose(est.priors_.sum(), 1.0)
    np.testing.assert_allclose(est.priors_, em, atol=0.03)
    np.testing.assert_allclose(est.priors_, truth, atol=0.03)


def test_jcpot_beats_plain_propagation_under_target_shift():
    X, y, sd, yt = _label_shift(prior=0.85, n_sources=2)
    test = sd < 0
    jcpot = JCPOT(epsilon=0.01).fit(X, y, sample_domain=sd)
    otlp = OTLabelPropagationClassifier(epsilon=0.01).fit(X, y, sample_domain=sd)
    acc_j = np.mean(jcpot.predict(X[test]) == yt)
    acc_o = np.mean(otlp.predict(X[test]) == yt)
    assert acc_j > acc_o + 0.05
    np.testing.assert_array_equal(jcpot.source_domains_, [1, 2])
    assert len(jcpot.coupling_) == 2
    np.testing.assert_allclose(jcpot.label_distributions_.sum(axis=1), 1.0)


def test_jcpot_priors_equal_pot():
    ot = pytest.importorskip("ot")
    X, y, sd, yt = _label_shift(n=100, m=120, n_sources=2, seed=3)
    est = JCPOT(epsilon=0.05, tol=1e-12, max_iter=20000).fit(X, y, sample_domain=sd)
    Xs = [X[sd == k] for k in (1, 2)]
    ys = [y[sd == k] for k in (1, 2)]
    scale = np.mean([ot.dist(x, X[sd < 0]).mean() for x in Xs])
    h = ot.da.jcpot_barycenter(
        Xs, ys, X[sd < 0], reg=0.05 * scale, numItermax=20000, stopThr=1e-13
    )
    np.testing.assert_allclose(est.priors_, h / h.sum(), atol=1e-7)


def test_jcpot_one_domain_gives_the_label_frequencies():
    X, y, sd, yt = _label_shift()
    source = sd > 0
    est = JCPOT().fit(X[source], y[source])
    np.testing.assert_allclose(est.priors_, np.bincount(y[source]) / source.sum())
