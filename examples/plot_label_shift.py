"""
Label shift: estimate the target's class priors, then correct for them
======================================================================

The target has the source's classes, each looking the same as in the source, but
in other proportions. A classifier fitted on the source then predicts the
source's class balance. The prior estimators of :mod:`skadapt.label_shift` read
the target's proportions off the unlabelled target rows, and
:class:`~skadapt.label_shift.PriorCorrection` corrects the classifier for them.
The figures: the estimators' error against the target size, the accuracy gained
by the correction, the label-shift test on three kinds of shift, and the recipe
for mixed shift.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression

from skadapt.label_shift import BBSE, MLLS, RLLS, PriorCorrection, label_shift_test
from skadapt.reweighting import ClassifierDensityRatio

rng = np.random.RandomState(0)
means = rng.normal(0.0, 1.5, size=(3, 2))


def draw(priors, n, rng, z_shift=None):
    y = rng.choice(3, size=n, p=priors)
    X = means[y] + rng.normal(size=(n, 2))
    if z_shift is not None:  # a nuisance covariate that changes the noise
        z = rng.normal(z_shift, 1.0, size=n)
        X = np.c_[z, means[y] + rng.normal(size=(n, 2)) * np.exp(0.6 * z)[:, None]]
    return X, y


def pack(Xs, ys, Xt):
    X = np.r_[Xs, Xt]
    y = np.r_[ys, -np.ones(Xt.shape[0], int)]  # target labels unknown
    return X, y


uniform = np.ones(3) / 3
target = np.array([0.6, 0.3, 0.1])

# %%
# Error of the priors against the target size
# -------------------------------------------
# A classifier fitted once on other source rows (``cv="prefit"``), 5000 held-out
# source rows, and target samples of growing size: the mean absolute error of
# each estimator falls like one over the square root of the target size.
clf = LogisticRegression().fit(*draw(uniform, 2000, rng))
sizes = [100, 300, 1000, 3000, 10000]
makers = {
    "BBSE": lambda: BBSE(FrozenEstimator(clf), cv="prefit", n_bootstrap=0),
    "BBSE soft": lambda: BBSE(
        FrozenEstimator(clf), soft=True, cv="prefit", n_bootstrap=0
    ),
    "MLLS (BCTS)": lambda: MLLS(FrozenEstimator(clf), cv="prefit", n_bootstrap=0),
    "RLLS": lambda: RLLS(FrozenEstimator(clf), cv="prefit", n_bootstrap=0),
}
Xs, ys = draw(uniform, 5000, rng)
errors = {name: [] for name in makers}
for n in sizes:
    draws = [draw(target, n, rng) for _ in range(10)]
    for name, make in makers.items():
        err = []
        for Xt, yt in draws:
            est = make().fit(*pack(Xs, ys, Xt))
            err.append(np.mean(np.abs(est.priors_ - np.bincount(yt, minlength=3) / n)))
        errors[name].append(np.mean(err))

fig, ax = plt.subplots(figsize=(5, 3.5))
for name, err in errors.items():
    ax.loglog(sizes, err, marker="o", label=name)
ax.loglog(sizes, 0.3 / np.sqrt(sizes), "k:", label=r"$\propto n^{-1/2}$")
ax.set_xlabel("target rows")
ax.set_ylabel("prior MAE")
ax.set_title("Prior error falls with the target size")
ax.legend()
fig.tight_layout()

# %%
# Accuracy gained by the correction
# ---------------------------------
# Binary tasks whose target has a growing share of class 0: the source-only
# classifier stays at the source's balance, the corrected one (priors estimated
# by MLLS) follows the oracle that knows the target's priors.
shares = np.linspace(0.5, 0.95, 6)
acc = {"source only": [], "PriorCorrection (MLLS)": [], "oracle": []}
for share in shares:
    priors = np.array([share, 1 - share, 0.0])
    Xs, ys = draw(np.array([0.5, 0.5, 0.0]), 1000, rng)
    Xt, yt = draw(priors, 1000, rng)
    X, y = pack(Xs, ys, Xt)
    plain = LogisticRegression().fit(Xs, ys)
    est = PriorCorrection(LogisticRegression()).fit(X, y)
    oracle = PriorCorrection(LogisticRegression(), target_priors=priors[:2]).fit(Xs, ys)
    acc["source only"].append(plain.score(Xt, yt))
    acc["PriorCorrection (MLLS)"].append(est.score(Xt, yt))
    acc["oracle"].append(oracle.score(Xt, yt))

fig, ax = plt.subplots(figsize=(5, 3.5))
for name, a in acc.items():
    ax.plot(shares, a, marker="o", label=name)
ax.set_xlabel("target share of class 0 (source: 0.5)")
ax.set_ylabel("target accuracy")
ax.set_title("Correcting for the estimated priors")
ax.legend()
fig.tight_layout()

# %%
# Is it label shift?
# ------------------
# :func:`~skadapt.label_shift.label_shift_test` compares the target with the
# source, plainly and after re-weighting the source's classes to the estimated
# target priors. Label shift leaves nothing after re-weighting; a covariate
# shift (the target in one corner of every class) does.
cases = {}
Xs, ys = draw(uniform, 1500, rng)
Xt, _ = draw(uniform, 600, rng)
cases["no shift"] = pack(Xs, ys, Xt)
Xt, _ = draw(target, 600, rng)
cases["label shift"] = pack(Xs, ys, Xt)
Xt, _ = draw(uniform, 3000, rng)
cases["covariate shift"] = pack(Xs, ys, Xt[Xt[:, 1] > np.median(Xt[:, 1])][:600])
results = {
    name: label_shift_test(*data, random_state=0) for name, data in cases.items()
}
for name, res in results.items():
    print(f"{name:16s} -> {res.verdict}")

fig, ax = plt.subplots(figsize=(5, 3.5))
x = np.arange(len(results))
ax.bar(x - 0.2, [r.shift_pvalue for r in results.values()], 0.4, label="shift")
ax.bar(
    x + 0.2,
    [r.label_shift_pvalue for r in results.values()],
    0.4,
    label="shift beyond label shift",
)
ax.axhline(0.025, color="k", ls=":", label="level (0.05 / 2)")
ax.set_yscale("log")
ax.set_xticks(x, list(results))
ax.set_ylabel("p-value")
ax.set_title("label_shift_test")
ax.legend()
fig.tight_layout()

# %%
# Mixed shift: covariate weights, then the priors
# -----------------------------------------------
# A nuisance covariate ``z`` (first column), independent of the class, moves
# between the domains and changes how noisy the other features are: the source's
# confusion matrix is not the target's. Weighting the source rows by
# ``p_t(z) / p_s(z)`` (a density ratio on ``z`` alone) and passing the weights as
# ``sample_weight`` leaves plain label shift relative to the weighted source.
mae = {"priors alone": [], "covariate weights, then priors": []}
for seed in range(5):
    r = np.random.RandomState(seed)
    Xs, ys = draw(uniform, 3000, r, z_shift=0.0)
    Xt, yt = draw(target, 3000, r, z_shift=1.0)
    X, y = pack(Xs, ys, Xt)
    q = np.bincount(yt, minlength=3) / yt.size
    w = ClassifierDensityRatio(random_state=0).fit(X[:, :1], y).weights_
    sw = np.r_[w, np.ones(Xt.shape[0])]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = BBSE(n_bootstrap=0, random_state=0).fit(X, y)
        weighted = BBSE(n_bootstrap=0, random_state=0).fit(X, y, sample_weight=sw)
    mae["priors alone"].append(np.mean(np.abs(plain.priors_ - q)))
    mae["covariate weights, then priors"].append(np.mean(np.abs(weighted.priors_ - q)))

fig, ax = plt.subplots(figsize=(5, 3.5))
ax.boxplot(list(mae.values()))
ax.set_xticks([1, 2], list(mae))
ax.set_ylabel("BBSE prior MAE (5 draws)")
ax.set_title("Mixed shift")
fig.tight_layout()
plt.show()
