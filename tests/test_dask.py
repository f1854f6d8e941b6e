"""Dask arrays: CORAL and DomainStandardScaler reduce them as trees of per-chunk
statistics (one pass, no chunk gathered), on a real multi-process cluster, and
GridSearchCV runs on the cluster through joblib. Skipped without dask."""

import numpy as np
import pytest
import sklearn

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

from skadapt import CORAL, DomainStandardScaler  # noqa: E402


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def _data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(3000, 6)) @ rng.normal(size=(6, 6))
    sd = np.r_[np.ones(1200, int), -np.ones(1000, int), 2 * np.ones(800, int)]
    perm = rng.permutation(3000)  # domains interleaved across the chunks
    X, sd = X[perm], sd[perm]
    X[sd < 0] = 2.0 * X[sd < 0] + 1.0
    return X, sd


@pytest.mark.parametrize("cls", [CORAL, DomainStandardScaler])
def test_dask_fit_matches_numpy(client, cls):
    X, sd = _data()
    Xd = da.from_array(X, chunks=(250, 6))
    ref = cls().fit(X, sample_domain=sd)
    est = cls().fit(Xd, sample_domain=sd)
    out = est.transform(Xd, sample_domain=sd)
    assert isinstance(out, da.Array)
    np.testing.assert_allclose(
        out.compute(), ref.transform(X, sample_domain=sd), atol=1e-10
    )
    # partial_fit: a numpy batch then a dask batch equals one fit
    half = 1500
    inc = cls().partial_fit(X[:half], sample_domain=sd[:half])
    inc.partial_fit(da.from_array(X[half:], chunks=(300, 6)), sample_domain=sd[half:])
    np.testing.assert_allclose(
        inc.transform(X, sample_domain=sd),
        ref.transform(X, sample_domain=sd),
        atol=1e-10,
    )


def test_grid_search_on_the_cluster_through_joblib(client):
    from joblib import parallel_config
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV

    from skadapt import make_da_pipeline
    from skadapt.datasets import make_domain_shift
    from skadapt.model_selection import DomainShuffleSplit

    X, y, sd, _ = make_domain_shift(150, 150, n_features=4, random_state=0)
    search = GridSearchCV(
        make_da_pipeline(CORAL(), LogisticRegression()),
        {"coral__reg": [0.1, 1.0]},
        cv=DomainShuffleSplit(n_splits=2, random_state=0),
        n_jobs=2,
    )
    local = GridSearchCV(**search.get_params(deep=False)).set_params(n_jobs=1)
    with sklearn.config_context(enable_metadata_routing=True):
        local.fit(X, y, sample_domain=sd)
        with parallel_config(backend="dask"):
            search.fit(X, y, sample_domain=sd)
    np.testing.assert_allclose(
        search.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"]
    )
