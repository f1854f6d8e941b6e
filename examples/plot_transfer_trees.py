"""
Structure transfer with trees: a few labelled Japanese cars
===========================================================

A random forest learnt on American cars (source) predicts the fuel consumption
of Japanese cars (target) poorly: they are lighter and more efficient. With a
handful of labelled Japanese cars, :class:`~skadapt.transfer.TransferForestRegressor`
keeps the source forest's structure and adapts each tree to them (``"relabel"``
refits the leaf values, ``"ser"`` also expands and reduces the tree, after Segev
et al.). We compare with the source forest, a forest on the few target cars
alone, and one on both pooled, over several random draws of the labelled cars.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.ensemble import RandomForestRegressor

from skadapt.datasets import load_auto
from skadapt.transfer import TransferForestRegressor

X, y, sample_domain, y_true = load_auto("usa", "japan")
source, target = sample_domain > 0, np.flatnonzero(sample_domain < 0)
forest = dict(n_estimators=50, random_state=0)
source_forest = RandomForestRegressor(**forest).fit(X[source], y[source])

n_labelled, n_draws = 10, 5
rmse = {name: [] for name in ("source", "target only", "pooled", "relabel", "ser")}
rng = np.random.RandomState(0)
for _ in range(n_draws):
    order = rng.permutation(target)
    shown, held = order[:n_labelled], order[n_labelled:]
    y_shown = y.copy()
    y_shown[shown] = y_true[shown]
    rows = source | np.isin(np.arange(y.shape[0]), shown)
    models = {
        "source": source_forest,
        "target only": RandomForestRegressor(**forest).fit(X[shown], y_true[shown]),
        "pooled": RandomForestRegressor(**forest).fit(X[rows], y_shown[rows]),
    }
    for method in ("relabel", "ser"):
        models[method] = TransferForestRegressor(
            source_estimator=source_forest, method=method, random_state=0
        ).fit(X, y_shown, sample_domain=sample_domain)
    for name, model in models.items():
        err = model.predict(X[held]) - y_true[held]
        rmse[name].append(np.sqrt(np.mean(err**2)))

for name, errs in rmse.items():
    print(f"{name:>11}: target RMSE {np.mean(errs):.2f} ± {np.std(errs):.2f} mpg")

# %%
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.boxplot(list(rmse.values()))
ax.set_xticks(np.arange(1, len(rmse) + 1), list(rmse))
ax.set_xlabel("model")
ax.set_ylabel("RMSE on the other Japanese cars (mpg)")
ax.set_title(f"{n_labelled} labelled target cars, {n_draws} draws")
fig.tight_layout()
plt.show()
