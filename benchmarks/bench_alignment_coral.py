"""CORAL fit + transform time against one ``X.T @ X`` GEMM, and against skada's CORAL.

For each size, ``n`` rows (half source, half target) of ``d`` features are mapped by
``CORAL().fit_transform(X, sample_domain=sd)``. The baseline is a single ``X.T @ X``
on the same array: CORAL must compute two covariances (one GEMM over all rows in
total) and map the source rows (another ``n/2 x d x d`` product), so about two
GEMMs' worth of flops is the floor. Peak extra memory is measured with tracemalloc
(numpy reports its allocations to it) and given as a multiple of the data's size.

Run::

    python benchmarks/bench_alignment_coral.py               # n up to 10^6
    python benchmarks/bench_alignment_coral.py --sizes 10000 100000 --repeat 2

skada's ``CORALAdapter`` is timed on the same data when skada is importable.
"""

import argparse
import json
import time
import tracemalloc
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from skadapt import CORAL


def _best_time(func, repeat):
    best = np.inf
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = func()
        best = min(best, time.perf_counter() - t0)
    return best, out


def _peak_mb(func):
    tracemalloc.start()
    tracemalloc.reset_peak()
    func()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10**4, 10**5, 10**6])
    parser.add_argument("--n-features", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-peers", action="store_true", help="skip skada")
    parser.add_argument(
        "--output",
        default=str(Path(__file__).parent / "results" / "bench_alignment_coral.json"),
    )
    args = parser.parse_args(argv)

    skada_coral = None
    if not args.no_peers:
        try:
            from skada import CORALAdapter as skada_coral
        except ImportError:
            print("skada is not installed: skipping the peer comparison.")

    rng = np.random.RandomState(0)
    d = args.n_features
    rows = []
    with threadpool_limits(limits=args.threads):
        for n in args.sizes:
            mix = rng.normal(size=(d, d)) / np.sqrt(d)
            X = rng.normal(size=(n, d)) @ mix
            X[n // 2 :] = X[n // 2 :] * 2.0 + 1.0
            sd = np.r_[np.ones(n // 2, int), -np.ones(n - n // 2, int)]
            data_mb = X.nbytes / 2**20

            t_gemm, _ = _best_time(lambda: X.T @ X, args.repeat)
            t_ours, out = _best_time(
                lambda: CORAL().fit_transform(X, sample_domain=sd), args.repeat
            )
            mem_ours = _peak_mb(lambda: CORAL().fit_transform(X, sample_domain=sd))
            row = {
                "n_samples": n,
                "n_features": d,
                "gemm_s": t_gemm,
                "skadapt_s": t_ours,
                "skadapt_over_gemm": t_ours / t_gemm,
                "skadapt_peak_mb": mem_ours,
                "skadapt_peak_over_data": mem_ours / data_mb,
            }
            if skada_coral is not None:
                t_peer, out_peer = _best_time(
                    lambda: skada_coral().fit_transform(X, sample_domain=sd),
                    args.repeat,
                )
                mem_peer = _peak_mb(
                    lambda: skada_coral().fit_transform(X, sample_domain=sd)
                )
                # same map on the source rows: both use Ledoit-Wolf shrinkage; skada
                # re-centres at 0 instead of adding the target mean back
                diff = np.abs(
                    (out[sd > 0] - out[sd > 0].mean(0))
                    - (out_peer[sd > 0] - out_peer[sd > 0].mean(0))
                ).max()
                row.update(
                    skada_s=t_peer,
                    skada_over_skadapt=t_peer / t_ours,
                    skada_peak_mb=mem_peer,
                    max_abs_diff_centred=float(diff),
                )
            rows.append(row)
            line = (
                f"n={n:>8d} d={d}: GEMM {t_gemm:.3f}s  skadapt {t_ours:.3f}s "
                f"({t_ours / t_gemm:.2f}x GEMM, peak {mem_ours:.0f} MB = "
                f"{mem_ours / data_mb:.1f}x data)"
            )
            if "skada_s" in row:
                line += (
                    f"  skada {row['skada_s']:.3f}s ({row['skada_over_skadapt']:.2f}x "
                    f"slower, peak {row['skada_peak_mb']:.0f} MB)"
                )
            print(line, flush=True)

    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    with open(args.output, "w") as f:
        json.dump({"threads": args.threads, "rows": rows}, f, indent=2)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
