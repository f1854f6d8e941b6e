"""Fit time of SubspaceAlignment, TCA and LinearOTMapping against skada's, as ratios.

On the same data (half source, half target; ``d`` features; a fixed seed), each
skadapt estimator and its skada counterpart (``SubspaceAlignmentAdapter``,
``TransferComponentAnalysisAdapter``, ``LinearOTMappingAdapter``) are fitted
``--repeat`` times and the best times compared: ``ratio = skada / skadapt`` (above 1
means skadapt is faster). TCA is timed on its exact path (``n_landmarks=None``, the
same O(n^3) problem skada solves) and with 500 Nystroem landmarks (against skada's
exact solve). skada's kernel
width (``1 / n_features``) is passed to skadapt's TCA so both solve the same problem.

The peak memory of TCA's landmark path at ``--memory-rows`` rows (default 50,000)
is measured in a fresh subprocess: the process's peak resident set (``VmHWM``,
interpreter and libraries included; ``ru_maxrss`` where /proc is missing) and the
peak of Python/numpy allocations during ``fit`` (``tracemalloc``).

Run::

    python benchmarks/bench_alignment_speed.py
    python benchmarks/bench_alignment_speed.py --sizes 500 1000 --no-peers

skada is used when importable (it imports tensorflow: a few seconds).
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from skadapt import TCA, LinearOTMapping, SubspaceAlignment

_MEMORY_CHILD = r"""
import resource, sys, json, tracemalloc
import numpy as np


def peak_rss_mb():
    # VmHWM belongs to this process's address space; ru_maxrss would carry over
    # the parent's peak across fork + exec on Linux
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


from threadpoolctl import threadpool_limits
from skadapt import TCA
n, d, threads = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rng = np.random.RandomState(0)
X = rng.normal(size=(n, d))
X[n // 2:] = X[n // 2:] * 1.5 + 0.5
sd = np.r_[np.ones(n // 2, int), -np.ones(n - n // 2, int)]
before = peak_rss_mb()
with threadpool_limits(limits=threads):
    tracemalloc.start()
    tca = TCA(n_components=10, random_state=0).fit(X, sample_domain=sd)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
after = peak_rss_mb()
print(json.dumps({
    "n_landmarks": int(tca.landmarks_.shape[0]),
    "maxrss_mb": after,
    "maxrss_before_fit_mb": before,
    "tracemalloc_peak_fit_mb": peak / 2**20,
    "data_mb": X.nbytes / 2**20,
}))
"""


def _best_time(func, repeat):
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - t0)
    return best


def _data(n, d, seed=0):
    rng = np.random.RandomState(seed)
    mix = rng.normal(size=(d, d)) / np.sqrt(d)
    X = rng.normal(size=(n, d)) @ mix
    X[n // 2 :] = X[n // 2 :] * 1.5 + 0.5
    y = np.r_[(X[: n // 2, 0] > 0).astype(int), -np.ones(n - n // 2, int)]
    sd = np.r_[np.ones(n // 2, int), -np.ones(n - n // 2, int)]
    return X, y, sd


def _pairs(d, k, skada):
    gamma = 1.0 / d
    ours = {
        "SA": lambda: SubspaceAlignment(n_components=k),
        "TCA exact": lambda: TCA(n_components=k, gamma=gamma, n_landmarks=None),
        "TCA 500 landmarks": lambda: TCA(
            n_components=k, gamma=gamma, n_landmarks=500, random_state=0
        ),
        "LinearOT": lambda: LinearOTMapping(reg=1e-8),
    }
    peers = {}
    if skada is not None:
        peers = {
            "SA": lambda: skada.SubspaceAlignmentAdapter(n_components=k),
            "TCA exact": lambda: skada.TransferComponentAnalysisAdapter(
                n_components=k, mu=1.0
            ),
            "TCA 500 landmarks": lambda: skada.TransferComponentAnalysisAdapter(
                n_components=k, mu=1.0
            ),
            "LinearOT": lambda: skada.LinearOTMappingAdapter(),
        }
    return ours, peers


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 1000, 2000])
    parser.add_argument("--linear-sizes", type=int, nargs="+", default=[10**4, 10**5])
    parser.add_argument("--n-features", type=int, default=50)
    parser.add_argument("--n-components", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--memory-rows", type=int, default=50_000)
    parser.add_argument("--no-peers", action="store_true", help="skip skada")
    parser.add_argument(
        "--output",
        default=str(Path(__file__).parent / "results" / "bench_alignment_speed.json"),
    )
    args = parser.parse_args(argv)

    skada = None
    if not args.no_peers:
        try:
            import skada
        except ImportError:
            print("skada is not installed: skipping the peer comparison.")

    d, k = args.n_features, args.n_components
    ours, peers = _pairs(d, k, skada)
    plan = [
        (n, m) for n in args.sizes for m in ("SA", "TCA exact", "TCA 500 landmarks")
    ]
    plan += [(n, m) for n in args.sizes + args.linear_sizes for m in ("LinearOT",)]
    plan += [(n, "SA") for n in args.linear_sizes]
    rows = []
    print(f"{'method':<18} {'n':>7} {'skadapt s':>10} {'skada s':>9} {'ratio':>7}")
    with threadpool_limits(limits=args.threads):
        for n, method in plan:
            X, y, sd = _data(n, d)
            t_ours = _best_time(
                lambda: ours[method]().fit(X, y, sample_domain=sd), args.repeat
            )
            t_peer = None
            if method in peers:
                t_peer = _best_time(
                    lambda: peers[method]().fit(X, y, sample_domain=sd), args.repeat
                )
            ratio = None if t_peer is None else t_peer / t_ours
            rows.append(
                {
                    "method": method,
                    "n_samples": n,
                    "n_features": d,
                    "skadapt_s": t_ours,
                    "skada_s": t_peer,
                    "ratio_skada_over_skadapt": ratio,
                }
            )
            peer = "-" if t_peer is None else f"{t_peer:9.4f}"
            rat = "-" if ratio is None else f"{ratio:7.1f}"
            print(f"{method:<18} {n:>7} {t_ours:>10.4f} {peer:>9} {rat:>7}")

    child = subprocess.run(
        [
            sys.executable,
            "-c",
            _MEMORY_CHILD,
            str(args.memory_rows),
            str(d),
            str(args.threads),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    memory = json.loads(child.stdout.strip().splitlines()[-1])
    memory.update({"n_samples": args.memory_rows, "n_features": d})
    print(
        f"\nTCA landmark path at n={args.memory_rows}, d={d} "
        f"({memory['n_landmarks']} landmarks): peak RSS "
        f"{memory['maxrss_mb']:.0f} MB (process, {memory['maxrss_before_fit_mb']:.0f}"
        f" MB before fit); peak numpy allocations during fit "
        f"{memory['tracemalloc_peak_fit_mb']:.0f} MB; data {memory['data_mb']:.0f} MB;"
        f" under 1 GB: {memory['maxrss_mb'] < 1024}"
    )

    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "script": Path(__file__).name,
                "threads": args.threads,
                "repeat": args.repeat,
                "n_components": k,
                "skada": None if skada is None else skada.__version__,
                "timings": rows,
                "tca_landmark_memory": memory,
            },
            indent=2,
        )
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
