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
rows, run in a child process whose peak resident memory (``VmHWM``) is read at the
end (so it counts everything, interpreter included).

Run::

    PYTHONPATH=$PWD /work/venv-peers/bin/python benchmarks/bench_reweighting_kmm.py
    python benchmarks/bench_reweighting_kmm.py --n 2000 --no-peers --n-large 20000
"""

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

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


def _peak_rss_mb():
    """Peak resident memory of this process, in MiB.

    ``VmHWM`` from ``/proc/self/status`` where available: unlike ``ru_maxrss``,
    which Linux carries over from the parent across ``fork`` + ``exec``, it
    counts this process only.
    """
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(args):
    Xs, Xt = _data(args.n_large, args.d, args.seed + 1)
    X = np.concatenate([Xs, Xt])
    sd = np.r_[np.ones(len(Xs), int), -np.ones(len(Xt), int)]
    del Xs, Xt
    base = _peak_rss_mb()
    with threadpool_limits(limits=args.threads):
        t0 = time.perf_counter()
        kmm = KMM(n_landmarks=500, max_weight=args.B).fit(X, sample_domain=sd)
        elapsed = time.perf_counter() - t0
    peak = _peak_rss_mb()
    print(
        json.dumps(
            {
                "n_source": int(args.n_large),
                "n_target": int(args.n_large),
                "n_features": args.d,
                "n_components": 500,
                "time_s": elapsed,
                "n_iter": int(kmm.n_iter_),
                "peak_rss_mb": peak,
                "rss_before_fit_mb": base,
                "data_mb": X.nbytes / 2**20,
                "ess": kmm.ess_,
            }
        )
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--d", type=int, default=50)
    parser.add_argument("--B", type=float, default=1000.0)
    parser.add_argument("--eps", type=float, default=None)
    parser.add_argument("--n-large", type=int, default=100_000)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument(
        "--peers", nargs="+", default=["adapt", "skada"], help="peers to time"
    )
    parser.add_argument("--skip-exact", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--output",
        default=str(Path(__file__).parent / "results" / "bench_reweighting_kmm.json"),
    )
    args = parser.parse_args(argv)
    if args.child:
        _child(args)
        return

    result = {"config": vars(args).copy(), "exact": [], "low_rank": None}
    n, d, B = args.n, args.d, args.B
    eps = (np.sqrt(n) - 1) / np.sqrt(n) if args.eps is None else args.eps
    lo, hi = n * (1 - eps), n * (1 + eps)
    if not args.skip_exact:
        Xs, Xt = _data(n, d, args.seed)
        X = np.concatenate([Xs, Xt])
        sd = np.r_[np.ones(n, int), -np.ones(n, int)]
        gamma = median_heuristic_gamma(Xs, Xt)
        with threadpool_limits(limits=args.threads):
            K = pairwise_kernel(Xs, gamma=gamma)
            kappa = pairwise_kernel(Xs, Xt, gamma=gamma).sum(axis=1)  # n_s / n_t = 1
            solvers = []

            def ours():
                kmm = KMM(gamma=gamma, max_weight=B, eps=eps, n_landmarks=None)
                return kmm.fit(X, sample_domain=sd).qp_weights_

            solvers.append(("skadapt", ours))
            if not args.no_peers and "adapt" in args.peers:
                try:
                    from adapt.instance_based import KMM as AdaptKMM

                    def adapt():
                        m = AdaptKMM(
                            Xt=Xt,
                            kernel="rbf",
                            gamma=gamma,
                            B=B,
                            eps=eps,
                            max_size=n,
                            verbose=0,
                            random_state=0,
                        )
                        return m.fit_weights(Xs, Xt)

                    solvers.append(("adapt", adapt))
                except ImportError:
                    print("adapt is not installed: skipping it.")
            if not args.no_peers and "skada" in args.peers:
                try:
                    from skada import KMMReweightAdapter

                    def skada():
                        m = KMMReweightAdapter(gamma=gamma, B=B, eps=eps)
                        return m.fit(X, sample_domain=sd).source_weights_

                    solvers.append(("skada", skada))
                except ImportError:
                    print("skada is not installed: skipping it.")
            times, cpu = {}, {}
            for name, func in solvers:
                t0, c0 = time.perf_counter(), time.process_time()
                w = func()
                times[name] = time.perf_counter() - t0
                cpu[name] = time.process_time() - c0
                obj, viol = _score(w, K, kappa, B, lo, hi)
                row = {
                    "solver": name,
                    "time_s": times[name],
                    "cpu_time_s": cpu[name],
                    "cpu_time_over_skadapt": cpu[name] / cpu["skadapt"],
                    "objective": obj,
                    "constraint_violation": viol,
                    "speedup_vs_skadapt": times[name] / times["skadapt"],
                }
                result["exact"].append(row)
                print(
                    f"{name:8s} time {times[name]:8.2f} s (cpu {cpu[name]:8.2f} s)  "
                    f"objective {obj:.6f}  "
                    f"violation {viol:.2e}  "
                    f"time / skadapt's {row['speedup_vs_skadapt']:.1f} "
                    f"(cpu {row['cpu_time_over_skadapt']:.1f})"
                )
        ours_obj = result["exact"][0]["objective"]
        for row in result["exact"][1:]:
            row["skadapt_objective_minus_peer"] = ours_obj - row["objective"]
        del K

    if args.n_large:
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                "--n-large",
                str(args.n_large),
                "--d",
                str(args.d),
                "--B",
                str(args.B),
                "--threads",
                str(args.threads),
                "--seed",
                str(args.seed),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        low = json.loads(out.stdout.strip().splitlines()[-1])
        result["low_rank"] = low
        print(
            f"low-rank KMM, n_s = n_t = {low['n_source']}, d = {low['n_features']}: "
            f"{low['time_s']:.1f} s, {low['n_iter']} iterations, peak RSS "
            f"{low['peak_rss_mb']:.0f} MB (data {low['data_mb']:.0f} MB)"
        )
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
