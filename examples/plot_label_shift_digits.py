"""
Label shift on real digits: estimate the target's priors, then correct
======================================================================

USPS digits split in two halves; the target half is resampled so that a few
digits dominate, while each digit looks the same in both halves: a label shift,
``p(y)`` moves and ``p(x | y)`` stays. A classifier fitted on the balanced source
predicts the source's balance. :class:`~skadapt.label_shift.MLLS` estimates the
target's class priors from the unlabelled target rows and
:class:`~skadapt.label_shift.PriorCorrection` corrects the classifier for them.
The correction only changes the decisions where the classifier hesitates between
classes, so on well-separated classes the priors are the useful result (how the
target is made up) and the accuracy may barely move; the oracle that knows the
true priors shows how much there was to gain.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression

from skadapt.datasets import load_mnist_usps
from skadapt.label_shift import MLLS, PriorCorrection, label_shift_test

X_all, _, sample_domain, y_all = load_mnist_usps("mnist", "usps")
usps = sample_domain < 0
X_all, y_all = X_all[usps], y_all[usps]  # the 1800 USPS digits only
# 40 principal components of the pixels (fitted without labels) keep the
# example fast
X_all = PCA(n_components=40, random_state=0).fit_transform(X_all)

rng = np.random.RandomState(0)
half = rng.permutation(y_all.shape[0])
src, pool = half[:900], half[900:]
# target priors: digits 0, 1 and 7 make up most of the target half
priors = np.full(10, 0.03)
priors[[0, 1, 7]] = [0.35, 0.25, 0.19]
priors /= priors.sum()
weight = priors[y_all[pool]] / np.bincount(y_all[pool], minlength=10)[y_all[pool]]
tgt = rng.choice(pool, size=450, replace=False, p=weight / weight.sum())

X = np.r_[X_all[src], X_all[tgt]]
y = np.r_[y_all[src], -np.ones(tgt.shape[0], dtype=int)]  # target labels unknown
y_target = y_all[tgt]
is_target = y < 0
true_priors = np.bincount(y_target, minlength=10) / y_target.shape[0]

# %%
# Is it label shift?
# ------------------
res = label_shift_test(X, y, random_state=0)
print(f"verdict: {res.verdict}")

# %%
# The estimated priors
# --------------------
clf = LogisticRegression(max_iter=1000)
mlls = MLLS(clf, n_bootstrap=0, random_state=0).fit(X, y)
fig, ax = plt.subplots(figsize=(6, 3.5))
digits = np.arange(10)
source_priors = np.bincount(y_all[src], minlength=10) / src.shape[0]
ax.bar(digits - 0.27, source_priors, 0.27, color="tab:grey", label="source")
ax.bar(digits, true_priors, 0.27, color="k", label="target (true)")
ax.bar(digits + 0.27, mlls.priors_, 0.27, color="tab:blue", label="target (MLLS)")
ax.set_xticks(digits)
ax.set_xlabel("digit")
ax.set_ylabel("class prior")
ax.set_title("Target priors estimated without target labels")
ax.legend()
fig.tight_layout()
mae = np.mean(np.abs(mlls.priors_ - true_priors))
print(f"mean absolute error of the estimated priors: {mae:.3f}")

# %%
# Accuracy with and without the correction
# ----------------------------------------
plain = clf.fit(X[~is_target], y[~is_target])
corrected = PriorCorrection(LogisticRegression(max_iter=1000)).fit(X, y)
oracle = PriorCorrection(
    LogisticRegression(max_iter=1000), target_priors=true_priors
).fit(X[~is_target], y[~is_target])
models = {"source only": plain, "PriorCorrection": corrected, "oracle priors": oracle}
for name, model in models.items():
    print(f"{name:>15}: target accuracy {model.score(X[is_target], y_target):.3f}")
plt.show()
