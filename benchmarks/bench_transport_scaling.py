"""Memory, CPU time and minibatch approximation of the transport estimators.

Measures, on Gaussian domains with ``--features`` features (two classes, the
target translated and stretched):

1. **Scaling**: CPU time and peak resident memory of one ``fit`` at
   ``--sizes`` rows per domain (default 10^4 and 10^5), each in a fresh process so
   the peaks do not mix, for ``EntropicOTMapping``, ``ExactOTMapping`` (POT's
   network simplex per minibatch), ``OTLabelPropagationClassifier`` and
   ``JDOTClassifier`` at their defaults (``batch_size="auto"``: minibatches of
   2048 rows above 4096^2 plan entries) and ``LinearMongeAlignment``. Beside each,
   the memory one dense float64 plan of that size would need.
2. **Dense regime**: the same fits at ``--dense-size`` rows (4096, one dense
   problem).
3. **Approximation**: at ``--approx-size`` rows per domain (dense still feasible),
   minibatch plans of ``--batch-sizes`` rows against the dense plan, for the exact
   and the entropic (default epsilon) problems: the relative excess transport cost
   ``<P_mb, C> / <P, C> - 1`` and the RMS distance between minibatch and dense
   barycentric images, relative to the RMS spread of the target rows.

Usage::

    python benchmarks/bench_transport_scaling.py            # results/local/
    python benchmarks/bench_transport_scaling.py --refresh  # the committed file
"""

import argparse  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import warnings  # noqa: E402

import _harness  # noqa: F401  (pins BLAS threads before numpy is imported)
import numpy as np  # noqa: E402

NAME = "bench_transport_scaling"
METHODS = [
    "EntropicOTMapping",
    "ExactOTMapping",
    "OTLabelPropagationClassifier",
    "JDOTClassifier",
    "LinearMongeAlignment",
]


def make_domains(n, d, seed):
    rng = np.random.RandomState(seed)
    ys = rng.randint(0, 2, n)
    yt = rng.randint(0, 2, n)
    centre = np.zeros(d)
    centre[0] = 3.0
    Xs = rng.normal(size=(n, d)) + ys[:, None] * centre
    Xt = (rng.normal(size=(n, d)) + yt[:, None] * centre) * np.linspace(
        0.5, 1.5, d
    ) + 1.0
    X = np.r_[Xs, Xt]
    y = np.r_[ys, -np.ones(n, dtype=int)]
    sd = np.r_[np.ones(n, dtype=int), -np.ones(n, dtype=int)]
    return X, y, sd, yt


def build(method):
    import skadapt.transport as T

    cls = getattr(T, method)
    params = cls().get_params()
    return cls(random_state=0) if "random_state" in params else cls()


def worker(method, n, d, seed):
    """One fit in this process: CPU time, peak memory, a sanity figure."""
    X, y, sd, yt = make_domains(n, d, seed)
    est = build(method)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t, _ = _harness.cpu_time(est.fit, X, y, sample_domain=sd)
    out = {
        "method": method,
        "rows_per_domain": n,
        "cpu_s": round(t, 3),
        "peak_rss_mb": round(_harness.peak_rss_mb(), 1),
        "warnings": sorted(
            {f"{w.category.__name__}: {str(w.message)[:120]}" for w in caught}
        ),
    }
    P = getattr(est, "coupling_", None)
    if isinstance(P, list):
        P = P[0] if P else None
    if P is not None:
        out["plan"] = "sparse" if hasattr(P, "nnz") else "dense"
        out["plan_nnz"] = int(P.nnz if hasattr(P, "nnz") else P.size)
    if hasattr(est, "predict"):
        out["target_accuracy"] = round(float(np.mean(est.predict(X[sd < 0]) == yt)), 4)
    return out


def run_worker(method, n, d, seed):
    cmd = [
        sys.executable,
        __file__,
        "--worker",
        method,
        str(n),
        "--features",
        str(d),
        "--seed",
        str(seed),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        return {
            "method": method,
            "rows_per_domain": n,
            "error": proc.stderr.strip().splitlines()[-1][:300],
        }
    return json.loads(proc.stdout.strip().splitlines()[-1])


def approximation(n, d, seed, batch_sizes):
    """Minibatch against dense plans, exact and entropic."""
    from skadapt._core._ot import cost_matrix, emd, minibatch_plan, sinkhorn
    from skadapt.transport._base import EPSILON

    X, y, sd, _ = make_domains(n, d, seed)
    Xs, Xt = X[sd > 0], X[sd < 0]
    C = cost_matrix(Xs, Xt)
    scale = C.mean()
    C /= scale
    spread = np.sqrt(np.mean(np.sum((Xt - Xt.mean(0)) ** 2, axis=1)))

    def solver(kind):
        def solve(s, t):
            Cb = C[np.ix_(s, t)]
            ab, bb = np.full(s.size, 1.0 / s.size), np.full(t.size, 1.0 / t.size)
            if kind == "exact":
                return emd(ab, bb, Cb)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return sinkhorn(ab, bb, Cb, EPSILON, tol=1e-5)[0]

        return solve

    rows = []
    for kind in ("exact", "entropic"):
        solve = solver(kind)
        t_dense, P = _harness.cpu_time(solve, np.arange(n), np.arange(n))
        cost = float(np.sum(P * C))
        images = (P @ Xt) * n
        for bs in batch_sizes:
            t_mb, Q = _harness.cpu_time(
                minibatch_plan, n, n, solve, bs, random_state=seed
            )
            q_cost = float(Q.multiply(C).sum())
            q_images = np.asarray(Q @ Xt) * n
            rows.append(
                {
                    "problem": kind,
                    "rows_per_domain": n,
                    "batch_size": bs,
                    "relative_excess_cost": round(q_cost / cost - 1.0, 5),
                    "relative_image_rmse": round(
                        float(np.sqrt(np.mean(np.sum((q_images - images) ** 2, 1))))
                        / spread,
                        5,
                    ),
                    "cpu_s_minibatch": round(t_mb, 3),
                    "cpu_s_dense": round(t_dense, 3),
                }
            )
            print(rows[-1], flush=True)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10**4, 10**5])
    parser.add_argument("--dense-size", type=int, default=4096)
    parser.add_argument("--approx-size", type=int, default=4000)
    parser.add_argument(
        "--batch-sizes", type=int, nargs="+", default=[256, 512, 1024, 2048]
    )
    parser.add_argument("--features", type=int, default=10)
    parser.add_argument("--methods", nargs="+", default=METHODS)
    parser.add_argument("--worker", nargs=2, metavar=("METHOD", "N"))
    _harness.add_common_arguments(parser)
    args = parser.parse_args(argv)
    if args.worker:
        method, n = args.worker
        print(json.dumps(worker(method, int(n), args.features, args.seed)))
        return
    scaling = []
    for n in [args.dense_size] + list(args.sizes):
        for method in args.methods:
            row = run_worker(method, n, args.features, args.seed)
            row["dense_plan_gib"] = round(8 * n * n / 2**30, 3)
            scaling.append(row)
            print(row, flush=True)
    approx = approximation(args.approx_size, args.features, args.seed, args.batch_sizes)
    path = _harness.write_result(
        NAME, {"scaling": scaling, "approximation": approx}, args
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
