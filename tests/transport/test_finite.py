"""The entropic solvers never return NaN: bundled data, singular data, duplicates.

skada's entropic mapping (POT's Sinkhorn on the raw cost with ``reg_e=1``) returned
NaN on the bundled data, where costs are in the thousands; skadapt's cost is made
relative to its mean and Sinkhorn is stabilised in the log domain, so every plan
and every mapped row must be finite, at the default epsilon and at tiny ones.
"""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from skadapt import datasets
from skadapt._core._ot import cost_matrix, sinkhorn
from skadapt.transport import (
    JCPOT,
    ClassRegularizedOTMapping,
    EntropicOTMapping,
    JDOTClassifier,
    OTLabelPropagationClassifier,
    OTLabelPropagationRegressor,
)

TASKS = {
    "office_raw": lambda: datasets.load_office_caltech(
        "caltech", "dslr", preprocessing=None
    ),
    "office": lambda: datasets.load_office_caltech("amazon", "webcam"),
    "amazon_raw": lambda: datasets.load_amazon_reviews(
        "books", "kitchen", preprocessing=None
    ),
    "amazon": lambda: datasets.load_amazon_reviews("dvd", "elec"),
    "digits_raw": lambda: datasets.load_mnist_usps("usps", "mnist", preprocessing=None),
    "auto": lambda: datasets.load_auto(1, 3),
    "bikeshare": lambda: datasets.load_bikeshare(1, 3),
}
REGRESSION = {"auto", "bikeshare"}


def _subsample(X, y, sd, n=250, seed=0):
    """At most ``n`` rows per domain (the real rows, duplicates included)."""
    rng = np.random.RandomState(seed)
    keep = np.concatenate(
        [rng.permutation(np.flatnonzero(sd == dom))[:n] for dom in np.unique(sd)]
    )
    keep.sort()
    return X[keep], y[keep], sd[keep]


@pytest.mark.parametrize("task", sorted(TASKS))
def test_entropic_estimators_are_finite_on_the_bundled_data(task):
    X, y, sd, _ = TASKS[task]()
    X, y, sd = _subsample(X, y, sd)
    if task in REGRESSION:
        ests = [EntropicOTMapping(), OTLabelPropagationRegressor()]
    else:
        ests = [
            EntropicOTMapping(),
            ClassRegularizedOTMapping(),
            OTLabelPropagationClassifier(),
            JCPOT(),
            JDOTClassifier(max_iter=2),
        ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for est in ests:
            if hasattr(est, "transform"):
                out = est.fit_transform(X, y, sample_domain=sd)
                assert np.all(np.isfinite(out)), type(est).__name__
            else:
                est.fit(X, y, sample_domain=sd)
                assert np.all(np.isfinite(est.predict(X))), type(est).__name__
            plans = (
                est.coupling_ if isinstance(est.coupling_, list) else [est.coupling_]
            )
            for P in plans:
                assert np.all(np.isfinite(P)), type(est).__name__
                np.testing.assert_allclose(
                    P.sum(), 1.0, rtol=1e-8, err_msg=type(est).__name__
                )


@pytest.mark.parametrize("task", ["office_raw", "amazon_raw", "bikeshare"])
@pytest.mark.parametrize("eps", [1e-3, 1e-5])
def test_sinkhorn_on_raw_costs_with_tiny_epsilon_is_finite(task, eps):
    # the cost in its own units (SURF counts: costs in the thousands) and an
    # epsilon where exp(-C / eps) is zero for every entry
    X, y, sd, _ = TASKS[task]()
    X, y, sd = _subsample(X, y, sd, n=150)
    C = cost_matrix(X[sd > 0], X[sd < 0])
    a = np.full(C.shape[0], 1.0 / C.shape[0])
    b = np.full(C.shape[1], 1.0 / C.shape[1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        P, info = sinkhorn(a, b, C, eps * C.mean(), max_iter=300)
    assert np.all(np.isfinite(P)) and np.all(np.isfinite(info["f"]))
    np.testing.assert_allclose(P.sum(axis=1), a, rtol=1e-8)


def test_rank_deficient_and_duplicated_data_is_finite():
    rng = np.random.RandomState(0)
    # one-hot columns, a duplicated column, a constant column, repeated rows
    cats = rng.randint(0, 3, 200)
    Z = rng.normal(size=(200, 2))
    X = np.c_[np.eye(3)[cats], Z, Z[:, :1], np.ones(200)]
    X[100:150] = X[100]  # fifty identical rows
    X[150:] += [0, 0, 0, 2.0, 0, 2.0, 0]  # the target, shifted
    sd = np.r_[np.ones(150, int), -np.ones(50, int)]
    y = np.r_[cats[:150], -np.ones(50, int)]
    for est in [
        EntropicOTMapping(epsilon=1e-3),
        ClassRegularizedOTMapping(epsilon=1e-3),
        OTLabelPropagationClassifier(epsilon=1e-3),
        JCPOT(epsilon=1e-3),
    ]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est.fit(X, y, sample_domain=sd)
        plans = est.coupling_ if isinstance(est.coupling_, list) else [est.coupling_]
        assert all(np.all(np.isfinite(P)) for P in plans), type(est).__name__
    for scale in [1e-8, 1e8]:
        out = EntropicOTMapping().fit_transform(X * scale, y, sample_domain=sd)
        assert np.all(np.isfinite(out))
