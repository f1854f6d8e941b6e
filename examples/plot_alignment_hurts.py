"""
When alignment hurts: CORAL on a regression under covariate shift
=================================================================

Hourly bike rentals in Washington D.C. in 2011: a model of winter hours
(source) predicts summer hours (target). The hours are warmer in summer, so the
features moved, but the way rentals depend on the hour, the weather and the
temperature did not: a covariate shift. :class:`~skadapt.alignment.CORAL` makes
the source rows *look* like summer hours by recolouring their features, which
breaks the very relation the regression must learn. Alignment methods assume
that the features moved while the labels kept their place in the moved space;
when the shift is in the inputs alone, source-only is the better model. This is
what :class:`skadapt.AutoAdapt` guards against (see the gallery's automatic
choice).
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.linear_model import Ridge

from skadapt import CORAL, make_da_pipeline
from skadapt.datasets import load_bikeshare
from skadapt.plotting import FeatureShiftDisplay

X, y, sample_domain, y_true = load_bikeshare("winter", "summer")
target = sample_domain < 0
print(f"{np.sum(~target)} winter hours, {np.sum(target)} summer hours")

# %%
# What moved between winter and summer
# ------------------------------------
# The temperatures, far more than anything else (the hour of the day is the same
# in both seasons).
FeatureShiftDisplay.from_data(X, sample_domain, max_features=10)
plt.tight_layout()

# %%
# Source-only against CORAL
# -------------------------
# Two final estimators, a linear one and boosted trees; RMSE of
# ``log1p(rentals)`` on the summer hours.
models = {
    "Ridge": Ridge(alpha=1.0),
    "boosted trees": GradientBoostingRegressor(random_state=0),
}
rmse = {}
for name, est in models.items():
    for adapt in ("source only", "CORAL"):
        steps = [CORAL(), est] if adapt == "CORAL" else [est]
        pipe = make_da_pipeline(*steps).fit(X, y)
        err = np.sqrt(np.mean((pipe.predict(X[target]) - y_true[target]) ** 2))
        rmse[name, adapt] = err
        print(f"{name:>13} {adapt:>11}: summer RMSE {err:.3f}")

fig, ax = plt.subplots(figsize=(5.5, 3.5))
pos = np.arange(len(models))
for k, adapt in enumerate(("source only", "CORAL")):
    ax.bar(
        pos + (k - 0.5) * 0.38,
        [rmse[name, adapt] for name in models],
        0.38,
        label=adapt,
        color="tab:grey" if k == 0 else "tab:blue",
    )
ax.set_xticks(pos, list(models))
ax.set_xlabel("final estimator")
ax.set_ylabel("RMSE on the summer hours (lower is better)")
ax.set_title("Aligning the features of a covariate shift hurts")
ax.legend()
fig.tight_layout()
plt.show()
