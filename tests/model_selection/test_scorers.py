import numpy as np
import pytest
import sklearn
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.svm import LinearSVC

from skadapt import make_da_pipeline
from skadapt.datasets import make_domain_shift
from skadapt.model_selection import (
    DeepEmbeddedValidationScorer,
    HoldoutScorer,
    ImportanceWeightedScorer,
    NeighborhoodConsistencyScorer,
    PredictionEntropyScorer,
    ReverseValidationScorer,
    SoftNeighborhoodDensityScorer,
)
from skadapt.model_selection._scorers import _dev_risk
from skadapt.model_selection._weights import _domain_classifier_weights

ALL = [
    PredictionEntropyScorer(),
    SoftNeighborhoodDensityScorer(),
    NeighborhoodConsistencyScorer(),
    ImportanceWeightedScorer(),
    DeepEmbeddedValidationScorer(),
    ReverseValidationScorer(),
]


class FixedProba(ClassifierMixin, BaseEstimator):
    """A 'fitted' classifier whose probabilities are a fixed function of x[:, 0]."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        p = 1.0 / (1.0 + np.exp(-3.0 * X[:, 0]))
        return np.c_[1 - p, p]

    def predict(self, X):
        return (X[:, 0] > 0).astype(int)


class GaussianWeighter(BaseEstimator):
    """Tiny weighter of the test: density ratio of two fitted 1-D Gaussians."""

    def fit(self, X, y=None, *, sample_domain=None):
        s, t = X[sample_domain > 0, 0], X[sample_domain < 0, 0]
        ms, vs, mt, vt = s.mean(), s.var(), t.mean(), t.var()
        log_r = -((s - mt) ** 2) / (2 * vt) + ((s - ms) ** 2) / (2 * vs)
        w = np.exp(log_r - log_r.max())
        self.weights_ = w / w.mean()
        return self


class ConstantWeighter(BaseEstimator):
    def fit(self, X, y=None, *, sample_domain=None):
        self.weights_ = np.ones(int(np.sum(sample_domain > 0)))
        return self


def _data(shift="covariate", n_s=150, n_t=150, seed=0, **kw):
    return make_domain_shift(n_s, n_t, shift=shift, random_state=seed, **kw)


def test_entropy_matches_closed_form():
    X, y, sd, _ = _data()
    clf = FixedProba().fit(X, np.r_[0, 1])
    p = clf.predict_proba(X[sd < 0])
    expected = np.mean(np.sum(p * np.log(p), axis=1))
    assert PredictionEntropyScorer()(clf, X, y) == pytest.approx(expected)


def _naive_snd(P, T):
    P = P / np.linalg.norm(P, axis=1, keepdims=True)
    S = P @ P.T / T
    np.fill_diagonal(S, -np.inf)
    Q = np.exp(S - S.max(axis=1, keepdims=True))
    Q /= Q.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        ent = -np.nansum(Q * np.log(Q), axis=1)
    return ent.mean()


def test_snd_matches_naive_and_is_chunked():
    X, y, sd, _ = _data(n_t=120)
    clf = FixedProba().fit(X, np.r_[0, 1])
    expected = _naive_snd(clf.predict_proba(X[sd < 0]), 0.05)
    assert SoftNeighborhoodDensityScorer()(clf, X, y) == pytest.approx(expected)
    with sklearn.config_context(working_memory=0.01):  # several row blocks
        assert SoftNeighborhoodDensityScorer()(clf, X, y) == pytest.approx(expected)


def test_snd_prefers_clustered_predictions():
    # all-confident predictions split in two tight groups: dense neighbourhoods
    X, y, sd, _ = _data(n_t=100)
    good = FixedProba().fit(X, np.r_[0, 1])
    noisy = LogisticRegression(C=1e-4).fit(
        np.c_[np.random.RandomState(0).normal(size=(len(y), 2))][sd > 0], y[sd > 0]
    )
    assert SoftNeighborhoodDensityScorer()(good, X, y) > (
        SoftNeighborhoodDensityScorer()(noisy, X, y) - 1.0
    )


def _naive_consistency(Xt, pred, k):
    agree = []
    for i in range(len(Xt)):
        dist = np.sqrt(((Xt - Xt[i]) ** 2).sum(axis=1))
        dist[i] = np.inf  # a row is not its own neighbour
        agree += [pred[j] == pred[i] for j in np.argsort(dist, kind="stable")[:k]]
    return np.mean(agree)


@pytest.mark.parametrize("k", [1, 5, 12])
def test_consistency_matches_naive_and_is_chunked(k):
    X, y, sd, _ = _data(n_t=90)
    clf = LogisticRegression().fit(X[sd > 0], y[sd > 0])
    Xt = X[sd < 0]
    expected = _naive_consistency(Xt, clf.predict(Xt), k)
    scorer = NeighborhoodConsistencyScorer(n_neighbors=k)
    assert scorer(clf, X, y) == pytest.approx(expected)
    with sklearn.config_context(working_memory=0.01):  # several row blocks
        assert scorer(clf, X, y) == pytest.approx(expected)


def test_consistency_invariants():
    rng = np.random.RandomState(0)
    # two well-separated target clusters, one label each; source rows unlabelled
    # by the scorer (only target rows are scored)
    Xt = np.r_[rng.normal(-5, 0.3, (40, 2)), rng.normal(5, 0.3, (40, 2))]
    X = np.r_[rng.normal(size=(20, 2)), Xt]
    y = np.r_[rng.randint(2, size=20), -np.ones(80, int)]
    along = FixedProba().fit(X, np.r_[0, 1])  # boundary x0 = 0, between them

    class Across(FixedProba):  # labels unrelated to the clusters
        def predict(self, X):
            return (np.sin(1000 * X[:, 1]) > 0).astype(int)

    scorer = NeighborhoodConsistencyScorer(n_neighbors=5)
    assert scorer(along, X, y) == 1.0
    assert 0.35 < scorer(Across().fit(X, np.r_[0, 1]), X, y) < 0.65
    # a constant prediction is perfectly consistent (hence the source guard)
    const = DummyClassifier(strategy="most_frequent").fit(X[:20], y[:20])
    assert scorer(const, X, y) == 1.0
    # every row twice: with one neighbour, each row's neighbour is its copy
    X2, y2 = np.repeat(X, 2, axis=0), np.repeat(y, 2)
    Xt2 = X2[y2 == -1]
    assert _naive_consistency(Xt2, Across().predict(Xt2), 1) == 1.0
    assert NeighborhoodConsistencyScorer(n_neighbors=1)(Across(), X2, y2) == 1.0
    # more neighbours than target rows: all the others
    small = np.r_[X[:20], Xt[:3]], np.r_[y[:20], -np.ones(3, int)]
    assert NeighborhoodConsistencyScorer(n_neighbors=50)(
        Across(), *small
    ) == pytest.approx(_naive_consistency(Xt[:3], Across().predict(Xt[:3]), 2))


def test_consistency_errors():
    X, y, sd, _ = _data()
    reg = Ridge().fit(X[sd > 0], y[sd > 0])
    with pytest.raises(ValueError, match="scores classifiers"):
        NeighborhoodConsistencyScorer()(reg, X, y)
    clf = LogisticRegression().fit(X[sd > 0], y[sd > 0])
    for bad in (0, 2.5, True):
        with pytest.raises(ValueError, match="n_neighbors must be"):
            NeighborhoodConsistencyScorer(n_neighbors=bad)(clf, X, y)
    one = np.r_[np.flatnonzero(sd > 0), np.flatnonzero(sd < 0)[:1]]
    with pytest.raises(ValueError, match="at least 2 target rows"):
        NeighborhoodConsistencyScorer()(clf, X[one], y[one])


def test_iwcv_with_test_weighters():
    X, y, sd, y_true = _data()
    clf = LogisticRegression().fit(X[sd > 0], y[sd > 0])
    src = sd > 0
    err_src = np.mean(clf.predict(X[src]) != y[src])
    # constant weights: plain source error
    assert ImportanceWeightedScorer(ConstantWeighter())(clf, X, y) == pytest.approx(
        -err_src
    )
    # the Gaussian weighter: weighted error computed by hand
    w = GaussianWeighter().fit(X, sample_domain=sd).weights_
    expected = -np.mean(w * (clf.predict(X[src]) != y[src]))
    got = ImportanceWeightedScorer(GaussianWeighter())(clf, X, y)
    assert got == pytest.approx(expected)
    # regression: squared error by default
    Xr, yr, sdr, _ = _data(task="regression")
    reg = Ridge().fit(Xr[sdr > 0], yr[sdr > 0])
    mse = np.mean((reg.predict(Xr[sdr > 0]) - yr[sdr > 0]) ** 2)
    got = ImportanceWeightedScorer(ConstantWeighter())(reg, Xr, yr)
    assert got == pytest.approx(-mse)


@pytest.mark.parametrize("max_weight, bound", [(5.0, 0.85), (20.0, 0.6)])
def test_iwcv_default_weights_track_the_target_error(max_weight, bound):
    # covariate shift with a mis-specified linear model: the source error
    # understates the target error; importance weighting recovers part of the gap,
    # more with a looser cap (less bias, more variance)
    gaps = []
    for seed in range(3):
        X, y, sd, y_true = _data(n_s=600, n_t=600, seed=seed, shift_strength=1.5)
        clf = LogisticRegression().fit(X[sd > 0], y[sd > 0])
        tgt_err = np.mean(clf.predict(X[sd < 0]) != y_true[sd < 0])
        src_err = np.mean(clf.predict(X[sd > 0]) != y[sd > 0])
        iw_err = -ImportanceWeightedScorer(max_weight=max_weight)(clf, X, y)
        gaps.append((abs(iw_err - tgt_err), abs(src_err - tgt_err)))
    gaps = np.array(gaps)
    assert gaps[:, 0].mean() < bound * gaps[:, 1].mean(), gaps


def test_default_weights_are_classifier_density_ratio_weights():
    """One implementation: the scorer's default weights are ClassifierDensityRatio's."""
    from skadapt.reweighting import ClassifierDensityRatio

    X, y, sd, _ = _data()
    w = _domain_classifier_weights(X[sd > 0], X[sd < 0], random_state=3)
    ref = ClassifierDensityRatio(random_state=3).fit(X, sample_domain=sd).weights_
    np.testing.assert_allclose(w, ref)
    assert w.mean() == pytest.approx(1.0)
    assert w.max() <= 5.0 + 1e-9
    # weights grow toward the target side
    shift = X[sd < 0].mean(0) - X[sd > 0].mean(0)
    assert np.corrcoef(w, X[sd > 0] @ shift)[0, 1] > 0.5


def test_dev_control_variate():
    w = np.array([0.5, 1.0, 1.5, 2.0])
    losses = np.array([0.0, 1.0, 0.0, 1.0])
    L = w * losses
    eta = -np.cov(L, w)[0, 1] / np.var(w, ddof=1)
    assert _dev_risk(losses, w) == pytest.approx(L.mean() + eta * w.mean() - eta)
    assert _dev_risk(losses, np.ones(4)) == pytest.approx(losses.mean())
    # the control variate lowers the variance of the weighted estimate: with
    # w = exp(x - 1/2), x ~ N(0, 1), and losses independent of w with mean 0.3,
    # the variance ratio is (0.21 e) / (0.3 e - 0.09) = 0.79 in the limit
    rng = np.random.RandomState(0)
    iw, dev = [], []
    for _ in range(1000):
        x = rng.normal(size=60)
        w = np.exp(x - 0.5)  # E[w] = 1 under N(0, 1)
        losses = (rng.uniform(size=60) < 0.3).astype(float)
        iw.append(np.mean(w * losses))
        dev.append(_dev_risk(losses, w))
    assert np.var(dev) < 0.9 * np.var(iw)
    assert abs(np.mean(dev) - 0.3) < 0.02


def test_dev_scorer_close_to_target_error():
    X, y, sd, y_true = _data(n_s=600, n_t=600, shift_strength=1.5)
    clf = LogisticRegression().fit(X[sd > 0], y[sd > 0])
    tgt_err = np.mean(clf.predict(X[sd < 0]) != y_true[sd < 0])
    src_err = np.mean(clf.predict(X[sd > 0]) != y[sd > 0])
    dev_err = -DeepEmbeddedValidationScorer()(clf, X, y)
    assert abs(dev_err - tgt_err) < abs(src_err - tgt_err)


def test_reverse_validation():
    X, y, sd, y_true = _data(shift="subspace", shift_strength=0.5)
    good = make_da_pipeline(LogisticRegression()).fit(X, y)
    s_good = ReverseValidationScorer()(good, X, y)
    assert 0.8 < s_good <= 1.0
    # a model predicting one class: the reverse model predicts it everywhere
    dummy = make_da_pipeline(DummyClassifier()).fit(X, y)
    s_dummy = ReverseValidationScorer()(dummy, X, y)
    assert s_dummy == pytest.approx(
        np.mean(y[sd > 0] == np.bincount(y[sd > 0]).argmax())
    )
    assert s_good > s_dummy
    # regression, routing on, with sample_domain
    Xr, yr, sdr, _ = _data(task="regression")
    reg = make_da_pipeline(Ridge()).fit(Xr, yr)
    with sklearn.config_context(enable_metadata_routing=True):
        r2 = ReverseValidationScorer()(reg, Xr, yr, sample_domain=sdr)
    assert r2 > 0.5


def test_holdout_scorer():
    X, y, sd, y_true = _data()
    y = y.copy()
    lab_t = np.flatnonzero(sd < 0)[:20]
    y[lab_t] = y_true[lab_t]
    clf = LogisticRegression().fit(X[sd > 0], y[sd > 0])
    got = HoldoutScorer(scoring="accuracy")(clf, X, y, sample_domain=sd)
    assert got == pytest.approx(np.mean(clf.predict(X[lab_t]) == y_true[lab_t]))
    src = HoldoutScorer(domain="source")(clf, X, y, sample_domain=sd)
    assert src == pytest.approx(clf.score(X[sd > 0], y[sd > 0]))
    with pytest.raises(ValueError, match="no labelled target rows"):
        HoldoutScorer()(clf, X, y)  # routing off: labelled rows read as source
    with pytest.raises(ValueError, match="domain must be"):
        HoldoutScorer(domain="both")(clf, X, y, sample_domain=sd)


@pytest.mark.parametrize(
    "scorer",
    [
        PredictionEntropyScorer(),
        SoftNeighborhoodDensityScorer(),
        ImportanceWeightedScorer(loss="log_loss"),
        DeepEmbeddedValidationScorer(loss="log_loss"),
    ],
    ids=lambda s: type(s).__name__,
)
def test_needs_predict_proba(scorer):
    X, y, sd, _ = _data()
    model = make_da_pipeline(LinearSVC()).fit(X, y)
    with pytest.raises(ValueError, match="needs predict_proba, which Pipeline"):
        scorer(model, X, y)


@pytest.mark.parametrize("scorer", ALL, ids=lambda s: type(s).__name__)
def test_errors_on_fold_content(scorer):
    X, y, sd, _ = _data()
    clf = LogisticRegression().fit(X[sd > 0], y[sd > 0])
    with pytest.raises(ValueError, match="target_in_test=True"):
        scorer(clf, X[sd > 0], y[sd > 0])
    with pytest.raises(ValueError, match="needs y"):
        scorer(clf, X, None)
    with pytest.raises(TypeError, match="unexpected argument"):
        scorer(clf, X, y, sample_weight=np.ones(len(y)))


@pytest.mark.parametrize("scorer", ALL[3:], ids=lambda s: type(s).__name__)
def test_errors_no_source_rows(scorer):
    X, y, sd, _ = _data()
    clf = LogisticRegression().fit(X[sd > 0], y[sd > 0])
    with pytest.raises(ValueError, match="needs labelled source rows"):
        scorer(clf, X[sd < 0], y[sd < 0])


def test_bad_parameters():
    X, y, sd, _ = _data()
    clf = LogisticRegression().fit(X[sd > 0], y[sd > 0])
    with pytest.raises(ValueError, match="loss must be"):
        ImportanceWeightedScorer(loss="hinge")(clf, X, y)
    with pytest.raises(ValueError, match="temperature must be"):
        SoftNeighborhoodDensityScorer(temperature=0)(clf, X, y)

    class BadWeighter(BaseEstimator):
        def fit(self, X, y=None, *, sample_domain=None):
            self.weights_ = np.ones(3)
            return self

    with pytest.raises(ValueError, match="one weight per source row"):
        ImportanceWeightedScorer(BadWeighter())(clf, X, y)


def test_scorers_request_sample_domain():
    for scorer in ALL + [HoldoutScorer()]:
        req = scorer.get_metadata_routing()
        assert req.score.requests == {"sample_domain": True}
    with sklearn.config_context(enable_metadata_routing=True):
        s = PredictionEntropyScorer().set_score_request(sample_domain=False)
        assert s.get_metadata_routing().score.requests == {"sample_domain": False}


def test_sees_deployed_predictor():
    # the scorers predict without sample_domain: a recorder sees no metadata
    X, y, sd, _ = _data()

    class Recorder(ClassifierMixin, BaseEstimator):
        def fit(self, X, y, sample_domain=None):
            self.classes_ = np.array([0, 1])
            return self

        def predict_proba(self, X, sample_domain=None):
            assert sample_domain is None
            return np.full((X.shape[0], 2), 0.5)

        def predict(self, X, sample_domain=None):
            assert sample_domain is None
            return np.zeros(X.shape[0], dtype=int)

    rec = Recorder().fit(X, y)
    for scorer in ALL:
        assert np.isfinite(scorer(rec, X, y, sample_domain=sd))


def test_reverse_validation_with_minus_one_a_class():
    # {-1, +1} labels are common: -1 is then a class, never the mask of the
    # reverse model's unlabelled rows; the score equals that of labels {0, 1}
    from sklearn.linear_model import LogisticRegression

    from skadapt import make_da_pipeline
    from skadapt.datasets import make_domain_shift
    from skadapt.model_selection import ReverseValidationScorer

    X, y01, sd, _ = make_domain_shift(80, 80, shift="subspace", random_state=0)
    src = sd > 0
    y_pm = np.where(y01 == 1, 1.0, -1.0)
    y_pm[~src] = np.nan
    ref_model = make_da_pipeline(LogisticRegression()).fit(X, y01)
    model = make_da_pipeline(LogisticRegression())
    step = model.steps[-1][0]
    model.fit(X, y_pm, **{f"{step}__sample_domain": sd})
    ref = ReverseValidationScorer()(ref_model, X, y01, sample_domain=sd)
    got = ReverseValidationScorer()(model, X, y_pm, sample_domain=sd)
    assert got == pytest.approx(ref)


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_row_values_average_to_the_score(task):
    """Each scorer's row values have the score as their mean (paired SEs rest on it)."""
    X, y, sd, _ = _data(shift="scale", task=task, seed=3)
    final = LogisticRegression() if task == "classification" else Ridge()
    model = make_da_pipeline(final).fit(X, y)
    scorers = [
        ReverseValidationScorer(),
        HoldoutScorer(domain="source"),
        ImportanceWeightedScorer(),
    ]
    if task == "classification":
        scorers.append(NeighborhoodConsistencyScorer(n_neighbors=4))
    for scorer in scorers:
        rows = scorer._row_values(model, X, y, sample_domain=sd)
        n_rows = (
            np.sum(sd < 0)
            if isinstance(scorer, NeighborhoodConsistencyScorer)
            else (np.sum(sd > 0))
        )
        assert rows.shape == (n_rows,)
        assert np.mean(rows) == pytest.approx(scorer(model, X, y, sample_domain=sd))
    # a scoring that is not a mean over rows has no row form
    for scorer in (
        ReverseValidationScorer(
            scoring="balanced_accuracy"
            if task == "classification"
            else "neg_median_absolute_error"
        ),
        HoldoutScorer(
            "neg_median_absolute_error" if task == "regression" else "f1",
            domain="source",
        ),
    ):
        assert scorer._row_values(model, X, y, sample_domain=sd) is None


def test_labelled_row_scores_by_hand():
    from skadapt._base import labelled_row_scores, labelled_scorer

    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 3))
    y = X @ np.r_[1.0, -2.0, 0.5] + rng.normal(size=40)
    reg = Ridge(alpha=10.0).fit(X, y)
    rows = labelled_row_scores(reg, X, y)
    e2 = (reg.predict(X) - y) ** 2
    np.testing.assert_allclose(rows, 1 - e2 / np.mean((y - y.mean()) ** 2))
    assert rows.mean() == pytest.approx(labelled_scorer(reg)(reg, X, y))
    # constant labels: every row carries the score; 2-D labels: no row form
    const = np.full(40, 2.0)
    rows = labelled_row_scores(Ridge().fit(X, const), X, const)
    assert np.ptp(rows) == 0
    assert labelled_row_scores(Ridge().fit(X, np.c_[y, y]), X, np.c_[y, y]) is None
    clf = LogisticRegression().fit(X, y > 0)
    np.testing.assert_array_equal(
        labelled_row_scores(clf, X, y > 0), clf.predict(X) == (y > 0)
    )
