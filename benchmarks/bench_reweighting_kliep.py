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
measured in the same run (CPU time of the process, and wall time); the median
over the runs is reported.

Run (ADAPT is used when importable: ``pip install adapt`` in the benchmark's
environment; it is never a dependency of skadapt)::

    python benchmarks/bench_reweighting_kliep.py --refresh
"""

import argparse
import warnings

import _harness
import numpy as np

from skadapt._core import median_heuristic_gamma, pairwise_kernel
from skadapt.reweighting import KLIEP
from skadapt.reweighting._kliep import _kliep_em


def _heldout(w):
    return float(np.mean(np.log(np.maximum(w, 1e-300))))


def make_data(n, n_test, d, seed):
    """Source ``N(0, I)``, target ``N(0.5, 0.8^2 I)`` (train and held-out parts)."""
    rng = np.random.RandomState(seed)
    Xs = rng.normal(size=(n, d))
    Xt_all = 0.5 + 0.8 * rng.normal(size=(n + n_test, d))
    return Xs, Xt_all[:n], Xt_all[n:]


def _timed(func):
    cpu, wall, out = _harness.timings(func)
    return out, {"time_s": wall, "cpu_time_s": cpu}


def one_draw(seed, Xs, Xt, Xtest, grid, AdaptKLIEP):
    """Both fits with centres drawn by ``seed``; skadapt's solver on ADAPT's centres."""
    n = len(Xs)
    X, sd = np.r_[Xs, Xt], np.r_[np.ones(n, int), -np.ones(n, int)]
    ours, times = _timed(
        lambda: KLIEP(
            gamma=grid, n_centers=100, cv=5, max_weight=None, random_state=seed
        ).fit(X, sample_domain=sd)
    )
    run = {"seed": seed, "skadapt": times}
    run["skadapt"].update(
        heldout_loglik=_heldout(ours.compute_weights(Xtest)), gamma=float(ours.gamma_)
    )
    if AdaptKLIEP is None:
        return run
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
        _, run["adapt"] = _timed(lambda: theirs.fit_weights(Xs, Xt))
    g = float(theirs.best_params_["gamma"])
    run["adapt"].update(heldout_loglik=_heldout(theirs.predict_weights(Xtest)), gamma=g)
    C = theirs.centers_
    A = pairwise_kernel(Xt, C, gamma=g)
    b = pairwise_kernel(Xs, C, gamma=g).mean(axis=0)
    alpha = _kliep_em(A, b, np.ones((n, 1)), max_iter=1000, tol=1e-8)[0]
    run["skadapt_solver_on_adapt_centres"] = {
        "heldout_loglik": _heldout(pairwise_kernel(Xtest, C, gamma=g) @ alpha[:, 0]),
        "train_loglik": _heldout(A @ alpha[:, 0]),
        "adapt_train_loglik": _heldout(A @ np.ravel(theirs.alphas_)),
    }
    return run


def summarise(runs):
    """Held-out scores over the draws and the median time ratios."""
    summary = {}
    for name in ("skadapt", "adapt", "skadapt_solver_on_adapt_centres"):
        scores = [r[name]["heldout_loglik"] for r in runs if name in r]
        if scores:
            sd = float(np.std(scores, ddof=1)) if len(scores) > 1 else 0.0
            summary[name] = {
                "heldout_loglik_mean": float(np.mean(scores)),
                "heldout_loglik_sd": sd,
            }
    if "adapt" in summary:
        for key, field in (("time", "time_s"), ("cpu_time", "cpu_time_s")):
            ratios = [r["adapt"][field] / r["skadapt"][field] for r in runs]
            summary["adapt"][f"{key}_over_skadapt_median"] = float(np.median(ratios))
        summary["same_centres_heldout_skadapt_minus_adapt"] = [
            r["skadapt_solver_on_adapt_centres"]["heldout_loglik"]
            - r["adapt"]["heldout_loglik"]
            for r in runs
        ]
    return summary


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--n-test", type=int, default=2000)
    parser.add_argument("--d", type=int, default=10)
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--seeds", type=int, default=5, help="centre draws")
    args = _harness.add_common_arguments(parser).parse_args(argv)
    Xs, Xt, Xtest = make_data(args.n, args.n_test, args.d, args.seed)
    grid = median_heuristic_gamma(Xs, Xt) * np.array([1 / 16, 1 / 4, 1.0, 4.0, 16.0])
    AdaptKLIEP = None
    if not args.no_peers:
        try:
            from adapt.instance_based import KLIEP as AdaptKLIEP
        except ImportError:
            print("adapt is not installed: skipping it.")
    with _harness.blas_threads(args.threads):
        runs = [one_draw(s, Xs, Xt, Xtest, grid, AdaptKLIEP) for s in range(args.seeds)]
    summary = summarise(runs)
    rows = [
        [
            k,
            v.get("heldout_loglik_mean"),
            v.get("heldout_loglik_sd"),
            v.get("cpu_time_over_skadapt_median"),
        ]
        for k, v in summary.items()
        if isinstance(v, dict)
    ]
    _harness.print_table(
        f"held-out mean log-ratio over {args.seeds} draws",
        ["fit", "mean", "sd", "cpu / skadapt"],
        rows,
    )
    payload = {"grid": grid.tolist(), "summary": summary, "runs": runs}
    print(f"wrote {_harness.write_result('bench_reweighting_kliep', payload, args)}")


if __name__ == "__main__":
    main()
