"""
Which source to transfer from? Ranking Office-Caltech domains for DSLR
======================================================================

Three candidate sources (amazon, caltech and webcam photos) for one target, the
DSLR photos, of which we label three per class. :func:`skadapt.rank_sources`
scores each source from the target rows alone (transferability scores on the
labelled ones, shift metrics on all); we then compare its ranking with the
accuracy a classifier trained on each source really reaches on the unlabelled
DSLR rows.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.neighbors import KNeighborsClassifier

from skadapt import rank_sources
from skadapt.datasets import load_office_caltech

sources = ("amazon", "caltech", "webcam")
candidates, accuracy = {}, {}
for name in sources:
    X, y, sample_domain, y_true = load_office_caltech(name, "dslr")
    src, tgt = sample_domain > 0, sample_domain < 0
    candidates[name] = (X[src], y[src])
    knn = KNeighborsClassifier(1).fit(X[src], y[src])
    accuracy[name] = float(np.mean(knn.predict(X[tgt]) == y_true[tgt]))
X_target, y_dslr = X[tgt], y_true[tgt]

# three labelled DSLR photos per class, the others masked
rng = np.random.RandomState(0)
y_target = np.full(y_dslr.shape[0], -1)
for c in np.unique(y_dslr):
    shown = rng.choice(np.flatnonzero(y_dslr == c), 3, replace=False)
    y_target[shown] = c

table = rank_sources(
    candidates, X_target, y_target, scores=["logme", "mmd"], random_state=0
)
print(table)

# %%
fig, ax = plt.subplots(figsize=(5.5, 3.5))
pos = np.arange(len(sources))
rank = {name: int(table.loc[name, "rank"]) for name in sources}
ax.bar(pos, [accuracy[s] for s in sources], color="tab:blue", label="1-NN accuracy")
for p, s in zip(pos, sources):
    ax.text(p, accuracy[s], f"rank {rank[s]}", ha="center", va="bottom")
ax.set_xticks(pos, sources)
ax.set_xlabel("source domain")
ax.set_ylabel("accuracy on the DSLR rows")
ax.set_title("rank_sources (LogME, 3 labels per class) vs true transfer")
ax.legend(loc="lower right")
fig.tight_layout()
plt.show()
