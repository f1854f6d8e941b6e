"""Fit time of TransferRidge / TransferLogisticRegression against scikit-learn.

On the same target data, in one run (ratios are what count on a shared machine):

- ``TransferRidge(alpha=1, source_estimator=ridge)`` against ``Ridge(alpha=1)``
  (primal sizes and one size with more features than rows, the dual);
  ``TransferRidge(alpha="auto")`` against ``RidgeCV`` (both choose the penalty by
  leave-one-out; RidgeCV's default grid has 3 values, ours 29);
- ``TransferLogisticRegression(C=1, source_estimator=clf)`` (warm-started at the
  source model) and the same problem started from zero (no source, so the same
  objective as scikit-learn's) against ``LogisticRegression(solver="lbfgs")``,
  binary and 10-class; ``TransferLogisticRegression(C="auto")`` (9 values of C,
  5 folds) against ``LogisticRegressionCV(Cs=9 values, cv=5)``.

The source model is fitted once, outside the timing, on a shifted copy of the data.

Run::

    python benchmarks/bench_transfer_speed.py
    python benchmarks/bench_transfer_speed.py --sizes 1000 10000 --repeat 3
"""

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import (
    LogisticRegression,
    LogisticRegressionCV,
    Ridge,
    RidgeCV,
)
from threadpoolctl import threadpool_limits

from skadapt import TransferLogisticRegression, TransferRidge


def _best_time(func, repeat):
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = func()
        best = min(best, time.perf_counter() - t0)
    return best, out


def _regression(n, d, rng):
    w = rng.normal(size=d)
    Xs, Xt = rng.normal(size=(n, d)), rng.normal(size=(n, d)) + 0.3
    ys = Xs @ w + rng.normal(size=n)
    yt = Xt @ (w + 0.3 * rng.normal(size=d)) + rng.normal(size=n)
    return Xs, ys, Xt, yt


def _classification(n, d, k, rng):
    W = rng.normal(size=(k, d)) / np.sqrt(d) * 3

    def draw(X, W):
        Z = X @ W.T
        Z += rng.gumbel(size=Z.shape)
        return Z.argmax(axis=1)

    Xs, Xt = rng.normal(size=(n, d)), rng.normal(size=(n, d)) + 0.3
    return (
        Xs,
        draw(Xs, W),
        Xt,
        draw(Xt, W + 0.3 * rng.normal(size=W.shape) / np.sqrt(d)),
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--n-features", type=int, default=100)
    parser.add_argument("--dual-size", type=int, nargs=2, default=[500, 2000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--cv-max-size", type=int, default=1000, help="largest n for the CV rows"
    )
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--output",
        default=str(Path(__file__).parent / "results" / "bench_transfer_speed.json"),
    )
    args = parser.parse_args(argv)
    rng = np.random.RandomState(0)
    d = args.n_features
    rows = []

    def record(model, n, nf, classes, t_ours, t_ref, ref, **extra):
        row = {
            "model": model,
            "n_samples": n,
            "n_features": nf,
            "n_classes": classes,
            "time_s": t_ours,
            "baseline": ref,
            "baseline_time_s": t_ref,
            "ratio": t_ours / t_ref,
            **extra,
        }
        rows.append(row)
        print(
            f"{model:<34} n={n:<7} d={nf:<5} k={classes!s:<4} "
            f"{t_ours * 1e3:9.2f} ms  vs {ref:<24} {t_ref * 1e3:9.2f} ms  "
            f"ratio {row['ratio']:.2f}"
            + "".join(f"  {k}={v}" for k, v in extra.items())
        )

    with threadpool_limits(limits=args.threads), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sizes = [(n, d) for n in args.sizes] + [tuple(args.dual_size)]
        for n, nf in sizes:
            Xs, ys, Xt, yt = _regression(n, nf, rng)
            src = Ridge().fit(Xs, ys)
            t_ref, _ = _best_time(lambda: Ridge(alpha=1.0).fit(Xt, yt), args.repeat)
            t_ours, _ = _best_time(
                lambda: TransferRidge(alpha=1.0, source_estimator=src).fit(Xt, yt),
                args.repeat,
            )
            record("TransferRidge(alpha=1)", n, nf, None, t_ours, t_ref, "Ridge")
            if n <= 10000:
                t_ref, _ = _best_time(lambda: RidgeCV().fit(Xt, yt), args.repeat)
                t_ours, m = _best_time(
                    lambda: TransferRidge(source_estimator=src).fit(Xt, yt),
                    args.repeat,
                )
                record(
                    "TransferRidge(alpha='auto')", n, nf, None, t_ours, t_ref, "RidgeCV"
                )

        for k in (2, 10):
            for n in args.sizes:
                if n > 50000:
                    n = 50000
                Xs, ys, Xt, yt = _classification(n, d, k, rng)
                src = LogisticRegression().fit(Xs, ys)
                t_ref, ref = _best_time(
                    lambda: LogisticRegression(solver="lbfgs").fit(Xt, yt), args.repeat
                )
                t_ours, m = _best_time(
                    lambda: TransferLogisticRegression(C=1.0, source_estimator=src).fit(
                        Xt, yt
                    ),
                    args.repeat,
                )
                record(
                    "TransferLogisticRegression(warm)",
                    n,
                    d,
                    k,
                    t_ours,
                    t_ref,
                    "LogisticRegression",
                    n_iter=m.n_iter_,
                    n_iter_baseline=int(np.max(ref.n_iter_)),
                )
                only_target = -np.ones(n, dtype=int)
                t_ours, m = _best_time(
                    lambda: TransferLogisticRegression(C=1.0).fit(
                        Xt, yt, sample_domain=only_target
                    ),
                    args.repeat,
                )
                if n <= args.cv_max_size:
                    grid = np.logspace(-2, 2, 9)
                    t_ref_cv, _ = _best_time(
                        lambda: LogisticRegressionCV(
                            Cs=grid,
                            cv=5,
                            scoring="neg_log_loss",
                            use_legacy_attributes=False,
                        ).fit(Xt, yt),
                        max(1, args.repeat // 2),
                    )
                    t_auto, m_auto = _best_time(
                        lambda: TransferLogisticRegression(source_estimator=src).fit(
                            Xt, yt
                        ),
                        max(1, args.repeat // 2),
                    )
                    record(
                        "TransferLogisticRegression(auto)",
                        n,
                        d,
                        k,
                        t_auto,
                        t_ref_cv,
                        "LogisticRegressionCV",
                        C=m_auto.C_,
                    )
                record(
                    "TransferLogisticRegression(zero)",
                    n,
                    d,
                    k,
                    t_ours,
                    t_ref,
                    "LogisticRegression",
                    n_iter=m.n_iter_,
                    n_iter_baseline=int(np.max(ref.n_iter_)),
                )

    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = {"threads": args.threads, "repeat": args.repeat}
    out.write_text(json.dumps({"meta": meta, "results": rows}, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
