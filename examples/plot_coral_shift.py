"""
CORAL on a scale shift
======================

The target domain is the source with every feature rescaled and moved. A logistic
regression fitted on the source misreads the target; CORAL maps the source rows so
their mean and covariance match the target's, and the same classifier fitted on the
mapped rows transfers.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression

from skadapt import CORAL, make_da_pipeline
from skadapt.datasets import make_domain_shift


def target_accuracy(pipe, X, y, sample_domain, y_true):
    target = sample_domain < 0
    pipe.fit(X, y)
    return np.mean(pipe.predict(X[target]) == y_true[target])


# %%
# Eight random shifts: target accuracy without and with CORAL.
for seed in range(8):
    data = make_domain_shift(
        300, 300, n_features=2, shift="scale", shift_strength=1.0, random_state=seed
    )
    plain = target_accuracy(make_da_pipeline(LogisticRegression()), *data)
    adapted = target_accuracy(make_da_pipeline(CORAL(), LogisticRegression()), *data)
    print(f"draw {seed}: source only {plain:.3f}, CORAL {adapted:.3f}")

# %%
# What CORAL does to one of them.
X, y, sample_domain, y_true = make_domain_shift(
    300, 300, n_features=2, shift="scale", shift_strength=1.0, random_state=6
)
source, target = sample_domain > 0, sample_domain < 0
mapped = CORAL().fit_transform(X, y)

fig, axes = plt.subplots(1, 2, figsize=(9, 4), sharex=True, sharey=True)
for ax, Xs, title in [
    (axes[0], X[source], "before: source vs target"),
    (axes[1], mapped[source], "after CORAL: mapped source vs target"),
]:
    ax.scatter(*Xs.T, c=y[source], cmap="coolwarm", marker="o", s=12, label="source")
    ax.scatter(
        *X[target].T,
        c=y_true[target],
        cmap="coolwarm",
        marker="x",
        s=12,
        label="target",
    )
    ax.set_title(title)
    ax.legend(loc="upper left")
fig.tight_layout()
plt.show()
