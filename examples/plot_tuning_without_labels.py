"""
Tuning an adaptation without target labels: Office-Caltech
==========================================================

How many components should :class:`~skadapt.alignment.SubspaceAlignment` keep
from webcam photos (source) to DSLR photos (target)? No target label
may be used to choose. ``GridSearchCV`` with the splitters and scorers of
:mod:`skadapt.model_selection` scores every candidate from the labelled source
rows and the unlabelled target rows only; we then compare each scorer's pick
with the target accuracy, which only the benchmark's hidden labels know.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV

from skadapt import SubspaceAlignment, make_da_pipeline
from skadapt.datasets import load_office_caltech
from skadapt.model_selection import (
    DomainShuffleSplit,
    HoldoutScorer,
    ImportanceWeightedScorer,
    PredictionEntropyScorer,
)

X, y, sample_domain, y_true = load_office_caltech("webcam", "dslr")
target = sample_domain < 0

pipe = make_da_pipeline(SubspaceAlignment(), LogisticRegression(C=0.1, max_iter=200))
grid = {"subspacealignment__n_components": [10, 20, 40, 80]}
scorers = {
    "source CV": HoldoutScorer(domain="source"),
    "IWCV": ImportanceWeightedScorer(),
    "entropy": PredictionEntropyScorer(),
}
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    search = GridSearchCV(
        pipe,
        grid,
        cv=DomainShuffleSplit(n_splits=2, target_in_test=True, random_state=0),
        scoring=scorers,
        refit=False,
    ).fit(X, y)

# %%
# Each scorer's pick against the target accuracy
# ----------------------------------------------
values = grid["subspacealignment__n_components"]
accuracy = [
    np.mean(
        pipe.set_params(subspacealignment__n_components=k).fit(X, y).predict(X[target])
        == y_true[target]
    )
    for k in values
]
for name in scorers:
    best = int(np.argmax(search.cv_results_[f"mean_test_{name}"]))
    print(
        f"{name:>9} picks {values[best]:>2} components: accuracy {accuracy[best]:.3f}"
    )
print(f"{'oracle':>9} picks {values[int(np.argmax(accuracy))]:>2} components")

fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(values, accuracy, "k-o", lw=2, label="target accuracy (hidden labels)")
for name in scorers:
    s = search.cv_results_[f"mean_test_{name}"]
    s = (s - s.min()) / (np.ptp(s) or 1.0)  # min-max scaled onto the accuracy range
    ax.plot(values, min(accuracy) + s * np.ptp(accuracy), "--o", label=name)
ax.set_xscale("log")
ax.set_xticks(values, [str(v) for v in values])
ax.set_xlabel("SubspaceAlignment n_components")
ax.set_ylabel("target accuracy (scorers rescaled)")
ax.set_title("Label-free scorers against the hidden target accuracy")
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()
