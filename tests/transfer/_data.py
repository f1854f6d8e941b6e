"""Small semi-supervised problems shared by the transfer tests."""

import numpy as np

from skadapt.datasets import make_domain_shift


def semi_supervised(
    task, seed, n_labelled, *, shift="scale", n_features=10, n_classes=3, n=300
):
    """A domain shift with ``n_labelled`` target labels revealed.

    Returns ``X, y, sample_domain, y_true, test`` where ``test`` indexes the target
    rows whose label stays masked.
    """
    X, y, sd, y_true = make_domain_shift(
        n,
        n,
        n_features=n_features,
        shift=shift,
        task=task,
        n_classes=n_classes,
        shift_strength=0.5,
        noise=0.1 if task == "classification" else 0.3,
        random_state=seed,
    )
    rng = np.random.RandomState(seed)
    target = np.flatnonzero(sd < 0)
    labelled = rng.choice(target, n_labelled, replace=False)
    y = y.copy()
    y[labelled] = y_true[labelled]
    return X, y, sd, y_true, np.setdiff1d(target, labelled)
