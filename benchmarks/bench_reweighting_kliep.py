"""KLIEP with kernel-width cross-validation: skadapt against ADAPT, same grid.

Source rows are ``N(0, I)``, target rows ``N(0.5, 0.8^2 I)`` in ``d`` dimensions.
Both implementations use 100 target rows as centres, 5-fold likelihood
cross-validation and the same grid of RBF widths (the median-heuristic width
times 1/16, 1/4, 1, 4, 16). They are fitted on the source rows and a training
part of the target rows; the score is the mean log density ratio on held-out
target rows (the KLIEP objective; the ratio is normalised to mean 1 on the source
rows by both).

Both draw their centres at random among the target rows, and the held-out score
depends on that draw far more than on the solver (about 0.05 between draws). So
each of ``--seeds`` runs refits both with the seed as ``random_state`` and the
scores are compared in distribution (mean and standard deviation over the
draws). To separate the solver from the draw, each run also refits skadapt's
solver (:func:`skadapt.reweighting._kliep._kliep_em`) on ADAPT's own centres and
width: same centres, same data, so the held-out scores must agree (ours
maximises the training likelihood exactly, ADAPT's Frank-Wolfe stops early).

Speed is ADAPT's time over skadapt's for the same fit (cross-validation included),
measured in the same run (wall clock and CPU time of the process); the median
over the runs is reported.

Run::

    PYTHONPATH=$PWD /work/venv-peers/bin/python benchmarks/bench_reweighting_kliep.py
"""

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from skadapt._core import median_heuristic_gamma, pairwise_kernel
from skadapt.reweighting import KLIEP
from skadapt.reweighting._kliep import _kliep_em


def _heldout(w):
    return float(np.mean(np.log(np.maximum(w, 1e-300))))


def _timed(func):
    t0, c0 = time.perf_counter(), time.process_time()
    out = func()
    return out, time.perf_counter() - t0, time.process_time() - c0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--n-test", type=int, default=2000)
    parser.add_argument("--d", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0, help="seed of the data")
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--seeds", type=int, default=5, help="centre draws")
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
    AdaptKLIEP = None
    if not args.no_peers:
        try:
            from adapt.instance_based import KLIEP as AdaptKLIEP
        except ImportError:
            print("adapt is not installed: skipping it.")
    runs = []
    with threadpool_limits(limits=args.threads):
        for seed in range(args.seeds):
            ours, t, c = _timed(
                lambda seed=seed: KLIEP(
                    gamma=grid, n_centers=100, cv=5, max_weight=None, random_state=seed
                ).fit(X, sample_domain=sd)
            )
            run = {
                "seed": seed,
                "skadapt": {
                    "time_s": t,
                    "cpu_time_s": c,
                    "heldout_loglik": _heldout(ours.compute_weights(Xtest)),
                    "gamma": float(ours.gamma_),
                },
            }
            if AdaptKLIEP is not None:
                theirs = AdaptKLIEP(
                    Xt=Xt,
                    kernel="rbf",
                    gamma=list(grid),
                    max_centers=100,
                    cv=5,
                    verbose=0,
                    random_state=seed,
                )
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    _, t, c = _timed(lambda theirs=theirs: theirs.fit_weights(Xs, Xt))
                g = float(theirs.best_params_["gamma"])
                run["adapt"] = {
                    "time_s": t,
                    "cpu_time_s": c,
                    "heldout_loglik": _heldout(theirs.predict_weights(Xtest)),
                    "gamma": g,
                }
                # skadapt's solver on ADAPT's centres and width
                C = theirs.centers_
                A = pairwise_kernel(Xt, C, gamma=g)
                b = pairwise_kernel(Xs, C, gamma=g).mean(axis=0)
                alpha = _kliep_em(A, b, np.ones((n, 1)), max_iter=1000, tol=1e-8)[0]
                run["skadapt_solver_on_adapt_centres"] = {
                    "heldout_loglik": _heldout(
                        pairwise_kernel(Xtest, C, gamma=g) @ alpha[:, 0]
                    ),
                    "train_loglik": _heldout(A @ alpha[:, 0]),
                    "adapt_train_loglik": _heldout(A @ np.ravel(theirs.alphas_)),
                }
            runs.append(run)
            line = f"draw {seed}: skadapt {run['skadapt']['heldout_loglik']:.4f}"
            if "adapt" in run:
                same = run["skadapt_solver_on_adapt_centres"]
                line += (
                    f"  adapt {run['adapt']['heldout_loglik']:.4f}  same centres: "
                    f"skadapt solver {same['heldout_loglik']:.4f}  "
                    f"cpu adapt / skadapt "
                    f"{run['adapt']['cpu_time_s'] / run['skadapt']['cpu_time_s']:.1f}"
                )
            print(line)
    summary = {}
    for name in ("skadapt", "adapt", "skadapt_solver_on_adapt_centres"):
        scores = [r[name]["heldout_loglik"] for r in runs if name in r]
        if scores:
            summary[name] = {
                "heldout_loglik_mean": float(np.mean(scores)),
                "heldout_loglik_sd": float(np.std(scores, ddof=1))
                if len(scores) > 1
                else 0.0,
            }
    if any("adapt" in r for r in runs):
        summary["adapt"]["time_over_skadapt_median"] = float(
            np.median([r["adapt"]["time_s"] / r["skadapt"]["time_s"] for r in runs])
        )
        summary["adapt"]["cpu_time_over_skadapt_median"] = float(
            np.median(
                [r["adapt"]["cpu_time_s"] / r["skadapt"]["cpu_time_s"] for r in runs]
            )
        )
        summary["same_centres_heldout_skadapt_minus_adapt"] = [
            r["skadapt_solver_on_adapt_centres"]["heldout_loglik"]
            - r["adapt"]["heldout_loglik"]
            for r in runs
        ]
    for name, s in summary.items():
        if isinstance(s, dict):
            extra = ""
            if "cpu_time_over_skadapt_median" in s:
                extra = (
                    f"  time / skadapt's {s['time_over_skadapt_median']:.1f} "
                    f"(cpu {s['cpu_time_over_skadapt_median']:.1f}), median"
                )
            print(
                f"{name:34s} held-out mean log-ratio {s['heldout_loglik_mean']:.4f} "
                f"+- {s['heldout_loglik_sd']:.4f} over {len(runs)} draws{extra}"
            )
    out = {
        "config": vars(args).copy(),
        "grid": grid.tolist(),
        "summary": summary,
        "runs": runs,
    }
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
