"""Fit time of SubspaceAlignment, TCA and LinearOTMapping against skada's, same problem.

Each pair solves one problem with the same settings, and the script checks that
both reach it before comparing CPU times (``ratio = skada / skadapt``, above 1
means skadapt is faster):

- **SA**: ``n_components`` PCA directions per domain and the alignment matrix;
- **TCA exact**: RBF kernel of width ``gamma = 1 / n_features`` (skada's kernel
  is ``pairwise_kernels(metric="rbf")``, whose default width that is),
  ``n_components``, and the same variance-control weight: skada solves
  ``(I + mu_s K L K)^{-1} K H K``, skadapt ``(K L K + mu I)^{-1} K H K`` with
  ``mu`` relative to the squared mean kernel diagonal (1 for the RBF kernel),
  so ``mu = 1 / mu_s``; both run with 1. skadapt on its exact path
  (``n_landmarks=None``, the O(n^3) problem skada solves);
- **TCA 500 landmarks**: skadapt's Nystroem approximation of the same problem,
  against skada's exact solve (an approximation: its row says how close);
- **LinearOT**: the Gaussian Monge map with a ``1e-8`` ridge in both.

Comparable outputs: the largest principal angle between the two embeddings of
all rows (``scipy.linalg.subspace_angles``, degrees; 0 = the same subspace, the
natural check for methods defined up to a rotation of the components), for TCA
the TCA objective ``tr((W' A W)^{-1} W' K H K W)`` each solution reaches (ours
over skada's), and for every pair the target accuracy of logistic regression
fitted on the embedded source rows (synthetic labels). LinearOT gives points,
not a subspace: the largest absolute difference of the mapped source rows.

The peak memory of TCA's landmark path (RBF kernel, the default ``n_landmarks="auto"``:
1000 landmarks above 2000 rows) at ``--memory-rows`` rows is measured in a fresh
process (``_harness.run_child``): its peak resident set and the peak of
numpy allocations during ``fit``.

Run::

    python benchmarks/bench_alignment_speed.py --refresh
    python benchmarks/bench_alignment_speed.py --sizes 500 1000 --no-peers
"""

import argparse
import json
import sys

import _harness
import numpy as np
from scipy import linalg
from sklearn.linear_model import LogisticRegression
from sklearn.metrics.pairwise import rbf_kernel

from skadapt import TCA, LinearOTMapping, SubspaceAlignment


def make_data(n, d, seed=0):
    """Half source, half target (scaled and shifted); labels for both halves."""
    rng = np.random.RandomState(seed)
    mix = rng.normal(size=(d, d)) / np.sqrt(d)
    X = rng.normal(size=(n, d)) @ mix
    y_true = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    X[n // 2 :] = X[n // 2 :] * 1.5 + 0.5
    sd = np.r_[np.ones(n // 2, int), -np.ones(n - n // 2, int)]
    y = np.where(sd > 0, y_true, -1)
    return X, y, sd, y_true


def pairs(d, k, skada):
    """``{name: (skadapt factory, skada factory or None)}`` with matched settings."""
    gamma = 1.0 / d
    ours = {
        "SA": lambda: SubspaceAlignment(n_components=k),
        "TCA exact": lambda: TCA(
            kernel="rbf", gamma=gamma, mu=1.0, n_components=k, n_landmarks=None
        ),
        "TCA 500 landmarks": lambda: TCA(
            kernel="rbf",
            gamma=gamma,
            mu=1.0,
            n_components=k,
            n_landmarks=500,
            random_state=0,
        ),
        "LinearOT": lambda: LinearOTMapping(reg=1e-8),
    }
    theirs = dict.fromkeys(ours)
    if skada is not None:
        tca = lambda: skada.TransferComponentAnalysisAdapter(  # noqa: E731
            kernel="rbf", n_components=k, mu=1.0
        )
        theirs = {
            "SA": lambda: skada.SubspaceAlignmentAdapter(n_components=k),
            "TCA exact": tca,
            "TCA 500 landmarks": tca,
            "LinearOT": lambda: skada.LinearOTMappingAdapter(reg=1e-8),
        }
    return {name: (ours[name], theirs[name]) for name in ours}


def tca_objective(X, sd, W, gamma):
    """``tr((W' (K L K + I) W)^{-1} W' K H K W)`` on the training rows (maximised)."""
    K = rbf_kernel(X, gamma=gamma)
    e = np.where(sd > 0, 1.0 / np.sum(sd > 0), -1.0 / np.sum(sd < 0))
    KW = K @ W
    a = (KW.T @ e)[:, None]
    A = a @ a.T + W.T @ W
    KWc = KW - KW.mean(axis=0)
    return float(np.trace(linalg.solve(A, KWc.T @ KWc, assume_a="pos")))


def _accuracy(Z, y_true, sd):
    clf = LogisticRegression(max_iter=1000).fit(Z[sd > 0], y_true[sd > 0])
    return 100.0 * clf.score(Z[sd < 0], y_true[sd < 0])


def agreement(method, X, sd, y_true, est, Z, peer, Zp, gamma):
    """How close the two outputs are (see the module docstring)."""
    out = {"skadapt_accuracy": _accuracy(Z, y_true, sd)}
    if Zp is None:
        return out
    out["skada_accuracy"] = _accuracy(Zp, y_true, sd)
    if method == "LinearOT":
        s = sd > 0
        out["max_abs_diff_source"] = float(np.abs(Z[s] - Zp[s]).max())
        return out
    out["max_angle_deg"] = float(np.degrees(linalg.subspace_angles(Z, Zp).max()))
    if method == "TCA exact":
        mine = tca_objective(X, sd, est.projection_, gamma)
        out["objective_ratio"] = mine / tca_objective(X, sd, peer.eigvects_, gamma)
    return out


def measure(n, d, method, factories, repeat):
    """Time both fits on one size; return the row of the results table."""
    X, y, sd, y_true = make_data(n, d)
    make_ours, make_peer = factories
    row = {"method": method, "n_samples": n, "n_features": d}
    t, _, est = _harness.timings(
        lambda: make_ours().fit(X, y, sample_domain=sd), repeat=repeat
    )
    row["skadapt_cpu_s"] = t
    Z = est.transform(X, sample_domain=sd)
    peer = Zp = None
    if make_peer is not None:
        t, _, peer = _harness.timings(
            lambda: make_peer().fit(X, y, sample_domain=sd), repeat=repeat
        )
        row["skada_cpu_s"], row["ratio_skada_over_skadapt"] = (
            t,
            t / row["skadapt_cpu_s"],
        )
        Zp = peer.transform(X, sample_domain=sd, allow_source=True)
    row.update(agreement(method, X, sd, y_true, est, Z, peer, Zp, 1.0 / d))
    return row


def memory_child(n, d, threads):
    """In a fresh process: peak memory of TCA's landmark path (printed as JSON)."""
    X, _, sd, _ = make_data(n, d)
    before = _harness.peak_rss_mb()
    with _harness.blas_threads(threads):
        peak, tca = _harness.traced_peak_mb(
            TCA(kernel="rbf", gamma=1.0 / d, n_components=10, random_state=0).fit,
            X,
            sample_domain=sd,
        )
    return {
        "n_samples": n,
        "n_features": d,
        "n_landmarks": int(tca.landmarks_.shape[0]),
        "maxrss_mb": _harness.peak_rss_mb(),
        "maxrss_before_fit_mb": before,
        "tracemalloc_peak_fit_mb": peak,
        "data_mb": X.nbytes / 2**20,
    }


_COLUMNS = [
    "method",
    "n_samples",
    "skadapt_cpu_s",
    "skada_cpu_s",
    "ratio_skada_over_skadapt",
    "max_angle_deg",
    "objective_ratio",
    "max_abs_diff_source",
    "skadapt_accuracy",
    "skada_accuracy",
]


def report(rows, memory):
    """Print the timing/agreement table and the memory line."""
    _harness.print_table(
        "CPU seconds (skada / skadapt) and agreement of the outputs",
        _COLUMNS,
        [[r.get(c) for c in _COLUMNS] for r in rows],
    )
    print(
        f"TCA landmark path at n={memory['n_samples']}: peak RSS "
        f"{memory['maxrss_mb']:.0f} MB, numpy peak during fit "
        f"{memory['tracemalloc_peak_fit_mb']:.0f} MB (data {memory['data_mb']:.0f} MB)"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 1000, 2000])
    parser.add_argument("--linear-sizes", type=int, nargs="+", default=[10**4, 10**5])
    parser.add_argument("--n-features", type=int, default=50)
    parser.add_argument("--n-components", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--memory-rows", type=int, default=50_000)
    parser.add_argument("--no-peers", action="store_true", help="skip skada")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = _harness.add_common_arguments(parser).parse_args(argv)
    d, sizes, large = args.n_features, args.sizes, args.linear_sizes
    if args.child:
        return print(json.dumps(memory_child(args.memory_rows, d, args.threads)))
    skada = None if args.no_peers else _import_skada()
    plan = [(n, m) for n in sizes for m in ("SA", "TCA exact", "TCA 500 landmarks")]
    plan += [(n, "LinearOT") for n in sizes + large] + [(n, "SA") for n in large]
    factories = pairs(d, args.n_components, skada)
    with _harness.blas_threads(args.threads):
        rows = [measure(n, d, m, factories[m], args.repeat) for n, m in plan]
    child = ["--child", "--memory-rows", args.memory_rows, "--n-features", d]
    memory = _harness.run_child(__file__, child + ["--threads", args.threads])
    report(rows, memory)
    payload = {
        "n_components": args.n_components,
        "gamma": 1.0 / d,
        "mu": 1.0,
        "timings": rows,
        "tca_landmark_memory": memory,
    }
    print(f"wrote {_harness.write_result('bench_alignment_speed', payload, args)}")


def _import_skada():
    try:
        import skada
    except ImportError:
        print("skada is not installed: skipping the peer comparison.", file=sys.stderr)
        return None
    return skada


if __name__ == "__main__":
    main()
