"""KLIEP with kernel-width cross-validation: skadapt against ADAPT, same grid.

Source rows are ``N(0, I)``, target rows ``N(0.5, 0.8^2 I)`` in ``d`` dimensions.
Both implementations use 100 target rows as centres, 5-fold likelihood
cross-validation and the same grid of RBF widths (the median-heuristic width
times 1/16, 1/4, 1, 4, 16). They are fitted on the source rows and a training
part of the target rows; the score is the mean log density ratio on held-out
target rows (the KLIEP objective; the ratio is normalised to mean 1 on the source
rows by both). Speed is ADAPT's time over skadapt's, measured in the same run
(wall clock and CPU time of the process). Held-out likelihoods depend on which
target rows are centres; ``--seeds`` refits skadapt's with other draws to show
that spread.

Run::

    PYTHONPATH=$PWD /work/venv-peers/bin/python benchmarks/bench_reweighting_kliep.py
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from skadapt._core import median_heuristic_gamma
from skadapt.reweighting import KLIEP


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--n-test", type=int, default=2000)
    parser.add_argument("--d", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument(
        "--output",
        default=str(Path(__file__).parent / "results" / "bench_reweighting_kliep.json"),
    )
    args = parser.parse_args(argv)
    rng = np.random.RandomState(args.seed)
    n, d = args.n, args.d
    Xs = rng.normal(size=(n, d))
    Xt_all = 0.5 + 0.8 * rng.normal(size=(n + args.n_test, d))
    Xt, Xtest = Xt_all[:n], Xt_all[n:]
    X = np.r_[Xs, Xt]
    sd = np.r_[np.ones(n, int), -np.ones(n, int)]
    grid = median_heuristic_gamma(Xs, Xt) * np.array([1 / 16, 1 / 4, 1.0, 4.0, 16.0])
    rows = []
    with threadpool_limits(limits=args.threads):
        t0, c0 = time.perf_counter(), time.process_time()
        ours = KLIEP(gamma=grid, n_centers=100, cv=5, max_weight=None).fit(
            X, sample_domain=sd
        )
        t_ours = time.perf_counter() - t0
        c_ours = time.process_time() - c0
        ll = float(np.mean(np.log(np.maximum(ours.compute_weights(Xtest), 1e-300))))
        rows.append(
            {
                "solver": "skadapt",
                "time_s": t_ours,
                "cpu_time_s": c_ours,
                "heldout_loglik": ll,
                "gamma": float(ours.gamma_),
            }
        )
        if not args.no_peers:
            try:
                from adapt.instance_based import KLIEP as AdaptKLIEP
            except ImportError:
                print("adapt is not installed: skipping it.")
            else:
                t0, c0 = time.perf_counter(), time.process_time()
                theirs = AdaptKLIEP(
                    Xt=Xt,
                    kernel="rbf",
                    gamma=list(grid),
                    max_centers=100,
                    cv=5,
                    verbose=0,
                    random_state=args.seed,
                )
                theirs.fit_weights(Xs, Xt)
                t_adapt = time.perf_counter() - t0
                c_adapt = time.process_time() - c0
                w = theirs.predict_weights(Xtest)
                ll_a = float(np.mean(np.log(np.maximum(w, 1e-300))))
                rows.append(
                    {
                        "solver": "adapt",
                        "time_s": t_adapt,
                        "cpu_time_s": c_adapt,
                        "heldout_loglik": ll_a,
                        "gamma": float(theirs.best_params_["gamma"]),
                    }
                )
    spread = []
    for seed in range(1, args.seeds):
        other = KLIEP(
            gamma=grid, n_centers=100, cv=5, max_weight=None, random_state=seed
        ).fit(X, sample_domain=sd)
        spread.append(
            float(np.mean(np.log(np.maximum(other.compute_weights(Xtest), 1e-300))))
        )
    rows[0]["heldout_loglik_other_centre_draws"] = spread
    if spread:
        print(
            "skadapt held-out mean log-ratio over centre draws: "
            f"{np.mean([ll, *spread]):.4f} (min {min([ll, *spread]):.4f}, "
            f"max {max([ll, *spread]):.4f})"
        )
    for r in rows:
        r["time_over_skadapt"] = r["time_s"] / t_ours
        r["cpu_time_over_skadapt"] = r["cpu_time_s"] / c_ours
        print(
            f"{r['solver']:8s} time {r['time_s']:8.2f} s  held-out mean log-ratio "
            f"{r['heldout_loglik']:.4f}  gamma {r['gamma']:.4g}  "
            f"time / skadapt's {r['time_over_skadapt']:.1f} "
            f"(cpu {r['cpu_time_over_skadapt']:.1f})"
        )
    out = {"config": vars(args).copy(), "grid": grid.tolist(), "results": rows}
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
