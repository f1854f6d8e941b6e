"""
Scaling up: statistics in chunks, and kernels through landmarks
===============================================================

Two ways skadapt keeps memory bounded when the rows do not fit at once.

* :class:`~skadapt.alignment.CORAL` needs only each domain's mean and
  covariance, which are sums over rows: ``partial_fit`` accumulates them chunk
  by chunk and gives the map a single ``fit`` on all rows gives.
* :class:`~skadapt.alignment.TCA` with an RBF kernel would need the ``n x n``
  kernel; with ``n_landmarks`` it works on ``n x m`` blocks against ``m``
  landmark rows (a Nystroem approximation), and its embedding comes close to
  the exact one as ``m`` grows.

The same statistics are computed as tree reductions on Dask arrays, and a
stock ``GridSearchCV`` runs on a ``dask.distributed`` cluster through joblib:
see the user guide's "Scaling up" page.
"""

import time

import matplotlib.pyplot as plt
import numpy as np
from scipy.linalg import subspace_angles

from skadapt import CORAL, TCA
from skadapt.datasets import make_domain_shift

X, y, sample_domain, _ = make_domain_shift(
    4000, 4000, n_features=10, shift="scale", shift_strength=1.0, random_state=0
)

# %%
# CORAL: one pass of ``partial_fit`` over chunks equals ``fit``
# -------------------------------------------------------------
full = CORAL().fit(X, y, sample_domain=sample_domain)
chunked = CORAL()
for rows in np.array_split(np.random.RandomState(0).permutation(X.shape[0]), 8):
    chunked.partial_fit(X[rows], y[rows], sample_domain=sample_domain[rows])
source = sample_domain > 0
mapped_full = full.transform(X[source], sample_domain=sample_domain[source])
mapped_chunked = chunked.transform(X[source], sample_domain=sample_domain[source])
print(
    "largest difference between the two maps of the source rows: "
    f"{np.max(np.abs(mapped_full - mapped_chunked)):.2e}"
)

# %%
# TCA: landmarks against the exact kernel
# ---------------------------------------
# The largest principal angle between the landmark embedding and the exact one
# (0 degrees: the same subspace), and the CPU time of each fit.
rows = np.random.RandomState(1).permutation(X.shape[0])[:2000]
Xs, ys, sds = X[rows], y[rows], sample_domain[rows]
start = time.process_time()
exact = TCA(kernel="rbf", n_components=5, n_landmarks=None, random_state=0)
Z_exact = exact.fit(Xs, ys, sample_domain=sds).transform(Xs, sample_domain=sds)
exact_time = time.process_time() - start
landmarks, angles, times = [50, 100, 200, 400, 800], [], []
for m in landmarks:
    start = time.process_time()
    approx = TCA(kernel="rbf", n_components=5, n_landmarks=m, random_state=0)
    Z = approx.fit(Xs, ys, sample_domain=sds).transform(Xs, sample_domain=sds)
    times.append(time.process_time() - start)
    angles.append(np.degrees(subspace_angles(Z_exact, Z).max()))
    print(f"{m:4d} landmarks: largest angle {angles[-1]:5.1f} deg, {times[-1]:.2f} s")
print(f"exact kernel: {exact_time:.2f} s")

fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(landmarks, angles, "o-", label="landmark TCA")
ax.axhline(0, color="k", lw=1, ls="--", label="exact TCA")
ax.set_xscale("log")
ax.set_xlabel("number of landmarks")
ax.set_ylabel("largest principal angle to the exact embedding (deg)")
ax.set_title("TCA with an RBF kernel: landmarks approach the exact embedding")
ax.legend()
fig.tight_layout()
plt.show()
