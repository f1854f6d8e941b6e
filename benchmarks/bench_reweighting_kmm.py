"""KMM speed against ADAPT's and skada's KMM on the same QP, and KMM's low-rank path.

Part 1 (exact QP): ``n`` source and ``n`` target rows of ``d`` features (target
shifted by 0.3 along every feature), one RBF width (median heuristic, passed to
every solver), the same box ``B`` and sum tolerance ``eps`` (the peers' default
``(sqrt(n) - 1) / sqrt(n)`` unless given). Each solver's solution is scored here
on the same float64 kernel: the QP objective ``w' K w / 2 - kappa' w`` and its
constraint violation. ADAPT solves the QP with cvxopt (``max_size=n`` so that it
solves the whole problem, not batches); skada with its Frank-Wolfe solver (its
default). Speed is reported as the peers' time over skadapt's.

Part 2 (low rank): ``KMM(n_landmarks=500)`` on ``--n-large`` source and target
rows, run in a child process (``_harness.run_child``) whose peak resident memory
(``_harness.peak_rss_mb``) is read at the end (so it counts everything,
interpreter included).

Times are CPU seconds of this process (and wall seconds). Peers are used when
importable (``pip install adapt skada`` in the benchmark's environment; never
dependencies of skadapt). Run::

    python benchmarks/bench_reweighting_kmm.py --refresh
    python benchmarks/bench_reweighting_kmm.py --n 2000 --no-peers --n-large 20000
"""

import argparse
import json

import _harness
import numpy as np

from skadapt._core import median_heuristic_gamma, pairwise_kernel
from skadapt.reweighting import KMM


def _data(n, d, seed):
    rng = np.random.RandomState(seed)
    Xs = rng.normal(size=(n, d))
    Xt = rng.normal(size=(n, d)) + 0.3
    return Xs, Xt


def _score(w, K, kappa, B, lo, hi):
    w = np.asarray(w, dtype=np.float64).ravel()
    obj = 0.5 * float(w @ (K @ w)) - float(kappa @ w)
    s = w.sum()
    viol = max(0.0, -w.min(), w.max() - B, lo - s, s - hi)
    return obj, viol


def low_rank_child(args):
    """In a fresh process: ``KMM(n_landmarks=500)`` at ``--n-large`` rows."""
    Xs, Xt = _data(args.n_large, args.d, args.seed + 1)
    X = np.concatenate([Xs, Xt])
    sd = np.r_[np.ones(len(Xs), int), -np.ones(len(Xt), int)]
    del Xs, Xt
    base = _harness.peak_rss_mb()
    with _harness.blas_threads(args.threads):
        cpu, wall, kmm = _harness.timings(
            KMM(n_landmarks=500, max_weight=args.B).fit, X, sample_domain=sd
        )
    return {
        "n_source": int(args.n_large),
        "n_target": int(args.n_large),
        "n_features": args.d,
        "n_landmarks": 500,
        "time_s": wall,
        "cpu_time_s": cpu,
        "n_iter": int(kmm.n_iter_),
        "peak_rss_mb": _harness.peak_rss_mb(),
        "rss_before_fit_mb": base,
        "data_mb": X.nbytes / 2**20,
        "ess": kmm.ess_,
    }


def solvers(args, X, sd, Xs, Xt, gamma, eps):
    """``[(name, fit returning the source weights)]``: skadapt, then the peers."""
    B = args.B
    out = [
        (
            "skadapt",
            lambda: (
                KMM(gamma=gamma, max_weight=B, eps=eps, n_landmarks=None)
                .fit(X, sample_domain=sd)
                .qp_weights_
            ),
        )
    ]
    peers = [] if args.no_peers else args.peers
    if "adapt" in peers:
        try:
            from adapt.instance_based import KMM as AdaptKMM
        except ImportError:
            print("adapt is not installed: skipping it.")
        else:
            kw = dict(kernel="rbf", gamma=gamma, B=B, eps=eps, max_size=len(Xs))
            out.append(
                (
                    "adapt",
                    lambda: AdaptKMM(
                        Xt=Xt, verbose=0, random_state=0, **kw
                    ).fit_weights(Xs, Xt),
                )
            )
    if "skada" in peers:
        try:
            from skada import KMMReweightAdapter
        except ImportError:
            print("skada is not installed: skipping it.")
        else:
            out.append(
                (
                    "skada",
                    lambda: (
                        KMMReweightAdapter(gamma=gamma, B=B, eps=eps)
                        .fit(X, sample_domain=sd)
                        .source_weights_
                    ),
                )
            )
    return out


def exact(args):
    """Part 1: every solver on the same QP, scored on the same kernel."""
    n, d, B = args.n, args.d, args.B
    eps = (np.sqrt(n) - 1) / np.sqrt(n) if args.eps is None else args.eps
    lo, hi = n * (1 - eps), n * (1 + eps)
    Xs, Xt = _data(n, d, args.seed)
    X = np.concatenate([Xs, Xt])
    sd = np.r_[np.ones(n, int), -np.ones(n, int)]
    gamma = median_heuristic_gamma(Xs, Xt)
    K = pairwise_kernel(Xs, gamma=gamma)
    kappa = pairwise_kernel(Xs, Xt, gamma=gamma).sum(axis=1)  # n_s / n_t = 1
    rows = []
    for name, func in solvers(args, X, sd, Xs, Xt, gamma, eps):
        cpu, wall, w = _harness.timings(func)
        obj, viol = _score(w, K, kappa, B, lo, hi)
        rows.append(
            {
                "solver": name,
                "time_s": wall,
                "cpu_time_s": cpu,
                "objective": obj,
                "constraint_violation": viol,
            }
        )
    ours = rows[0]
    for row in rows:
        row["cpu_time_over_skadapt"] = row["cpu_time_s"] / ours["cpu_time_s"]
        row["speedup_vs_skadapt"] = row["time_s"] / ours["time_s"]
        if row is not ours:
            row["skadapt_objective_minus_peer"] = ours["objective"] - row["objective"]
    return rows


COLUMNS = ["solver", "cpu_time_s", "cpu_time_over_skadapt", "objective"]
COLUMNS += ["constraint_violation"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--d", type=int, default=50)
    parser.add_argument("--B", type=float, default=1000.0)
    parser.add_argument("--eps", type=float, default=None)
    parser.add_argument("--n-large", type=int, default=100_000)
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument(
        "--peers", nargs="+", default=["adapt", "skada"], help="peers to time"
    )
    parser.add_argument("--skip-exact", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = _harness.add_common_arguments(parser).parse_args(argv)
    if args.child:
        return print(json.dumps(low_rank_child(args)))
    result = {"exact": [], "low_rank": None}
    if not args.skip_exact:
        with _harness.blas_threads(args.threads):
            result["exact"] = exact(args)
        table = [[r[c] for c in COLUMNS] for r in result["exact"]]
        _harness.print_table(f"exact QP, n = {args.n}", COLUMNS, table)
    if args.n_large:
        child = ["--child", "--n-large", args.n_large, "--d", args.d, "--B", args.B]
        child += ["--threads", args.threads, "--seed", args.seed]
        low = result["low_rank"] = _harness.run_child(__file__, child)
        print(
            f"low-rank KMM, n_s = n_t = {low['n_source']}: {low['cpu_time_s']:.1f} "
            f"CPU s, {low['n_iter']} iterations, peak RSS {low['peak_rss_mb']:.0f} MB "
            f"(data {low['data_mb']:.0f} MB)"
        )
    print(f"wrote {_harness.write_result('bench_reweighting_kmm', result, args)}")


if __name__ == "__main__":
    main()
