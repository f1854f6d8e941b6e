"""
Few-label transfer curves: how many summer hours must be labelled?
==================================================================

A ridge model of winter bike rentals (source) is moved to summer (target) with a
few labelled summer hours. :class:`~skadapt.transfer.TransferRidge` keeps the
fit close to the source model (its penalty is the distance to the source
coefficients); the baseline pools the source and the labelled target hours in
one ridge. :class:`~skadapt.plotting.TransferCurveDisplay` reveals ``n`` target
labels at random, fits both and scores them on the summer hours still
unlabelled, over three random orders.
"""

import matplotlib.pyplot as plt
from sklearn.linear_model import Ridge

from skadapt import make_da_pipeline
from skadapt.datasets import load_bikeshare
from skadapt.plotting import TransferCurveDisplay
from skadapt.transfer import TransferRidge

X, y, sample_domain, y_true = load_bikeshare("winter", "summer")

disp = TransferCurveDisplay.from_estimator(
    {"TransferRidge": TransferRidge()},
    X,
    y,
    sample_domain=sample_domain,
    y_true=y_true,
    n_labels=(5, 10, 20, 40, 80),
    baselines={"pooled Ridge": make_da_pipeline(Ridge(alpha=1.0))},
    n_repeats=3,
    random_state=0,
)
for name, scores in disp.scores.items():
    print(name, "mean R^2 per point:", scores.mean(axis=1).round(3))
plt.show()
