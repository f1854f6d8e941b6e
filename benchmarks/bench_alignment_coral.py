"""CORAL fit + transform time against one ``X.T @ X`` GEMM, and against skada's CORAL.

For each size, ``n`` rows (half source, half target) of ``d`` features are mapped by
``CORAL().fit_transform(X, sample_domain=sd)``. The baseline is a single ``X.T @ X``
on the same array: CORAL must compute two covariances (one GEMM over all rows in
total) and map the source rows (another ``n/2 x d x d`` product), so about two
GEMMs' worth of flops is the floor. Peak extra memory is measured with tracemalloc
(numpy reports its allocations to it) and given as a multiple of the data's size.
Times are CPU seconds (all BLAS threads summed), best of ``--repeat``.

skada's ``CORALAdapter`` is timed on the same data when skada is importable; both
shrink the covariances with Ledoit-Wolf, and the script checks they give the same
map (largest difference of the centred mapped source rows: skada re-centres at 0
instead of adding the target mean back). Run::

    python benchmarks/bench_alignment_coral.py --refresh      # n up to 10^6
    python benchmarks/bench_alignment_coral.py --sizes 10000 100000 --repeat 2
    OPENBLAS_NUM_THREADS=2 python benchmarks/bench_alignment_coral.py \
        --thread-counts 1 2 --refresh                         # both thread counts

A second table times the ``d >> n`` path (thin factorisations of the shrunk
covariances): ``--thin-rows`` rows per domain of ``--thin-features`` features,
``fit_transform`` as above. (The thin and dense paths are tested equal in
``tests/alignment/test_coral.py``.) BLAS can use more threads than the
``OPENBLAS_NUM_THREADS`` it was loaded with only up to that count: run with it set
to the largest of ``--thread-counts``.
"""

import argparse

import _harness
import numpy as np

from skadapt import CORAL


def make_data(n, d, rng):
    """Correlated rows; the target half scaled by 2 and shifted by 1."""
    mix = rng.normal(size=(d, d)) / np.sqrt(d)
    X = rng.normal(size=(n, d)) @ mix
    X[n // 2 :] = X[n // 2 :] * 2.0 + 1.0
    return X, np.r_[np.ones(n // 2, int), -np.ones(n - n // 2, int)]


def measure(n, d, rng, repeat, peer):
    """One size: GEMM, skadapt and (when given) the peer, time and memory."""
    X, sd = make_data(n, d, rng)
    data_mb = X.nbytes / 2**20
    t_gemm, _ = _harness.cpu_time(lambda: X.T @ X, repeat=repeat)
    fit = lambda cls: cls().fit_transform(X, sample_domain=sd)  # noqa: E731
    t_ours, out = _harness.cpu_time(fit, CORAL, repeat=repeat)
    mem, _ = _harness.traced_peak_mb(fit, CORAL)
    row = {
        "n_samples": n,
        "n_features": d,
        "gemm_cpu_s": t_gemm,
        "skadapt_cpu_s": t_ours,
        "skadapt_over_gemm": t_ours / t_gemm,
        "skadapt_peak_mb": mem,
        "skadapt_peak_over_data": mem / data_mb,
    }
    if peer is not None:
        t_peer, out_peer = _harness.cpu_time(fit, peer, repeat=repeat)
        s = sd > 0
        centred = [Z[s] - Z[s].mean(axis=0) for Z in (out, out_peer)]
        row.update(
            skada_cpu_s=t_peer,
            skada_over_skadapt=t_peer / t_ours,
            skada_peak_mb=_harness.traced_peak_mb(fit, peer)[0],
            max_abs_diff_centred=float(np.abs(centred[0] - centred[1]).max()),
        )
    return row


COLUMNS = [
    "n_samples",
    "gemm_cpu_s",
    "skadapt_cpu_s",
    "skadapt_over_gemm",
    "skadapt_peak_over_data",
    "skada_cpu_s",
    "skada_over_skadapt",
    "max_abs_diff_centred",
]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10**4, 10**5, 10**6])
    parser.add_argument("--n-features", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-peers", action="store_true", help="skip skada")
    parser.add_argument(
        "--thread-counts", type=int, nargs="+", default=None, help="default: --threads"
    )
    parser.add_argument("--thin-features", type=int, default=10000)
    parser.add_argument("--thin-rows", type=int, nargs="+", default=[500, 1000])
    args = _harness.add_common_arguments(parser).parse_args(argv)
    peer = None
    if not args.no_peers:
        try:
            from skada import CORALAdapter as peer
        except ImportError:
            print("skada is not installed: skipping the peer comparison.")
    rng = np.random.RandomState(args.seed)
    rows, thin = [], []
    for threads in args.thread_counts or [args.threads]:
        with _harness.blas_threads(threads):
            for n in args.sizes:
                row = measure(n, args.n_features, rng, args.repeat, peer)
                rows.append({"threads": threads, **row})
            for n in args.thin_rows:
                X, sd = make_data(2 * n, args.thin_features, rng)
                t, _ = _harness.cpu_time(
                    lambda: CORAL().fit_transform(X, sample_domain=sd),
                    repeat=args.repeat,
                )
                thin.append(
                    {
                        "threads": threads,
                        "rows_per_domain": n,
                        "n_features": args.thin_features,
                        "skadapt_cpu_s": t,
                    }
                )
    table = [[r.get(c) for c in ["threads", *COLUMNS]] for r in rows]
    _harness.print_table(f"CORAL, d={args.n_features}", ["threads", *COLUMNS], table)
    for r in thin:
        print(
            f"d >> n: {r['rows_per_domain']} rows per domain, d={r['n_features']}, "
            f"{r['threads']} thread(s): {r['skadapt_cpu_s']:.2f} s"
        )
    payload = {"rows": rows, "thin": thin}
    print(f"wrote {_harness.write_result('bench_alignment_coral', payload, args)}")


if __name__ == "__main__":
    main()
