"""
Choosing CORAL's regularisation without target labels
=====================================================

GridSearchCV tunes a domain-adaptation pipeline with the scorers of
:mod:`skadapt.model_selection`, which see the unlabelled target rows of each test
fold (``DomainShuffleSplit(target_in_test=True)``) but never a target label. We
compare each scorer's ranking of the candidates with the target accuracy they
reach, which only the data generator knows. :func:`skadapt.metrics.mmd_squared`
and :func:`skadapt.metrics.transfer_report` say how far apart the domains were and
whether adapting helped.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV

from skadapt import CORAL, make_da_pipeline, unpack_domains
from skadapt.datasets import make_domain_shift
from skadapt.metrics import mmd_permutation_test, transfer_report
from skadapt.model_selection import (
    DeepEmbeddedValidationScorer,
    DomainShuffleSplit,
    HoldoutScorer,
    ImportanceWeightedScorer,
    PredictionEntropyScorer,
    ReverseValidationScorer,
    SoftNeighborhoodDensityScorer,
)

X, y, sample_domain, y_true = make_domain_shift(
    200, 200, n_features=10, shift="scale", shift_strength=1.5, random_state=2
)

# %%
# How far apart are the domains?
Xs, _, Xt, _ = unpack_domains(X, y, sample_domain)
test = mmd_permutation_test(Xs, Xt, random_state=0)
print(f"MMD^2 = {test.statistic:.3f}, permutation p-value = {test.pvalue:.3f}")

# %%
# One multimetric search scores every candidate with every scorer.
pipe = make_da_pipeline(CORAL(), LogisticRegression())
grid = [{"coral__reg": [1e-3, 1e-2, 0.1, 1.0, 10.0]}, {"coral": ["passthrough"]}]
scorers = {
    "source CV": HoldoutScorer(domain="source"),
    "IWCV": ImportanceWeightedScorer(),
    "DEV": DeepEmbeddedValidationScorer(),
    "entropy": PredictionEntropyScorer(),
    "SND": SoftNeighborhoodDensityScorer(),
    "reverse": ReverseValidationScorer(),
}
search = GridSearchCV(
    pipe,
    grid,
    cv=DomainShuffleSplit(n_splits=3, target_in_test=True, random_state=0),
    scoring=scorers,
    refit=False,
).fit(X, y)

candidates = search.cv_results_["params"]
labels = [str(p.get("coral__reg", "none")) for p in candidates]
target = sample_domain < 0
accuracy = [
    pipe.set_params(**p).fit(X, y).score(X[target], y_true[target]) for p in candidates
]
for name in scorers:
    k = int(np.argmax(search.cv_results_[f"mean_test_{name}"]))
    print(f"{name:>10} picks reg={labels[k]:>6}: target accuracy {accuracy[k]:.3f}")
print(
    f"{'oracle':>10} picks reg={labels[int(np.argmax(accuracy))]:>6}: "
    f"target accuracy {max(accuracy):.3f}"
)

# %%
# Each scorer's (min-max scaled) score against the true target accuracy.
fig, ax = plt.subplots(figsize=(7, 4))
x = np.arange(len(labels))
ax.plot(x, accuracy, "k-o", lw=2, label="target accuracy (oracle)")
for name in scorers:
    s = search.cv_results_[f"mean_test_{name}"]
    s = (s - s.min()) / (np.ptp(s) or 1.0)
    ax.plot(x, min(accuracy) + s * np.ptp(accuracy), "--", alpha=0.7, label=name)
ax.set_xticks(x, labels)
ax.set_xlabel("CORAL reg ('none' = no adaptation)")
ax.set_ylabel("target accuracy")
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %%
# Did adapting help?
print(
    transfer_report(
        {"CORAL": make_da_pipeline(CORAL(), LogisticRegression())}, X, y, y_true=y_true
    )
)
