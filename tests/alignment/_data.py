"""Small data sets shared by the alignment tests."""

import numpy as np

from skadapt.datasets import make_domain_shift


def gaussian_domains(n_source=60, n_target=50, n_features=4, random_state=0):
    """One source and one target with different means and covariances."""
    rng = np.random.RandomState(random_state)
    A = rng.normal(size=(n_features, n_features))
    Xs = rng.normal(size=(n_source, n_features)) @ A
    Xt = rng.normal(size=(n_target, n_features)) * 2.0 + 3.0
    X = np.vstack([Xs, Xt])
    sd = np.r_[np.ones(n_source, dtype=np.int64), -np.ones(n_target, dtype=np.int64)]
    return X, sd


def two_sources(n=120, n_features=6, shift="scale", random_state=0):
    """Two source domains (the second one rescaled and moved) and one target.

    Returns ``X, y, sample_domain, y_true`` like ``make_domain_shift``, with source
    ids 1 and 2.
    """
    X, y, sd, y_true = make_domain_shift(
        2 * n,
        n,
        n_features=n_features,
        shift=shift,
        n_classes=2,
        random_state=random_state,
    )
    X = X.copy()
    sd = sd.copy()
    second = np.flatnonzero(sd > 0)[n:]
    sd[second] = 2
    rng = np.random.RandomState(random_state + 1)
    X[second] = X[second] * rng.uniform(0.5, 2.0, n_features) + rng.normal(
        size=n_features
    )
    return X, y, sd, y_true


def domain_shift_accuracy(make_embedding, classifier, seeds, **kwargs):
    """Mean target accuracy over ``seeds`` of ``classifier`` fitted on the source.

    ``make_embedding`` is None (source-only, raw features) or a callable returning
    a fresh transformer.
    """
    from sklearn.base import clone

    accs = []
    for seed in seeds:
        X, y, sd, y_true = make_domain_shift(random_state=seed, **kwargs)
        if make_embedding is None:
            Z = X
        else:
            Z = make_embedding().fit_transform(X, y, sample_domain=sd)
        s, t = sd > 0, sd < 0
        clf = clone(classifier).fit(Z[s], y[s])
        accs.append(clf.score(Z[t], y_true[t]))
    return float(np.mean(accs))
