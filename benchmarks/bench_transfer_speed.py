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
Times are CPU seconds, best of ``--repeat``; ``ratio`` is ours over the baseline.

Run::

    python benchmarks/bench_transfer_speed.py --refresh
    python benchmarks/bench_transfer_speed.py --sizes 1000 10000 --repeat 3
"""

import argparse
import warnings

import _harness
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import (
    LogisticRegression,
    LogisticRegressionCV,
    Ridge,
    RidgeCV,
)

from skadapt import TransferLogisticRegression, TransferRidge


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


def compare(model, ours, baseline, ref_name, repeat, **extra):
    """Time ``ours()`` and ``baseline()`` (fits); one row of the results table."""
    t_ref, ref = _harness.cpu_time(baseline, repeat=repeat)
    t_ours, fitted = _harness.cpu_time(ours, repeat=repeat)
    row = {"model": model, "time_s": t_ours, "baseline": ref_name}
    row.update(baseline_time_s=t_ref, ratio=t_ours / t_ref)
    for key, get in extra.items():
        row[key] = get(fitted, ref)
    return row


def ridge_rows(n, nf, rng, repeat):
    """TransferRidge(alpha=1) against Ridge, and alpha='auto' against RidgeCV."""
    Xs, ys, Xt, yt = _regression(n, nf, rng)
    src = Ridge().fit(Xs, ys)
    shape = {"n_samples": n, "n_features": nf, "n_classes": None}
    rows = [
        compare(
            "TransferRidge(alpha=1)",
            lambda: TransferRidge(alpha=1.0, source_estimator=src).fit(Xt, yt),
            lambda: Ridge(alpha=1.0).fit(Xt, yt),
            "Ridge",
            repeat,
        )
    ]
    if n <= 10000:
        rows.append(
            compare(
                "TransferRidge(alpha='auto')",
                lambda: TransferRidge(source_estimator=src).fit(Xt, yt),
                lambda: RidgeCV().fit(Xt, yt),
                "RidgeCV",
                repeat,
            )
        )
    return [{**r, **shape} for r in rows]


_ITERS = {
    "n_iter": lambda m, ref: int(np.max(m.n_iter_)),
    "n_iter_baseline": lambda m, ref: int(np.max(ref.n_iter_)),
}


def logistic_rows(n, d, k, rng, repeat, cv_max_size):
    """TransferLogisticRegression warm / from zero / auto against sklearn's."""
    Xs, ys, Xt, yt = _classification(n, d, k, rng)
    src = LogisticRegression().fit(Xs, ys)
    lbfgs = lambda: LogisticRegression(solver="lbfgs").fit(Xt, yt)  # noqa: E731
    only_target = -np.ones(n, dtype=int)
    rows = [
        compare(
            "TransferLogisticRegression(warm)",
            lambda: TransferLogisticRegression(C=1.0, source_estimator=src).fit(Xt, yt),
            lbfgs,
            "LogisticRegression",
            repeat,
            **_ITERS,
        ),
        compare(
            "TransferLogisticRegression(zero)",
            lambda: TransferLogisticRegression(C=1.0).fit(
                Xt, yt, sample_domain=only_target
            ),
            lbfgs,
            "LogisticRegression",
            repeat,
            **_ITERS,
        ),
    ]
    if n <= cv_max_size:
        grid = np.logspace(-2, 2, 9)
        cv = dict(Cs=grid, cv=5, scoring="neg_log_loss", use_legacy_attributes=False)
        rows.append(
            compare(
                "TransferLogisticRegression(auto)",
                lambda: TransferLogisticRegression(source_estimator=src).fit(Xt, yt),
                lambda: LogisticRegressionCV(**cv).fit(Xt, yt),
                "LogisticRegressionCV",
                max(1, repeat // 2),
                C=lambda m, ref: float(m.C_),
            )
        )
    return [{**r, "n_samples": n, "n_features": d, "n_classes": k} for r in rows]


COLUMNS = ["model", "n_samples", "n_features", "n_classes", "time_s", "baseline"]
COLUMNS += ["baseline_time_s", "ratio"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--n-features", type=int, default=100)
    parser.add_argument("--dual-size", type=int, nargs=2, default=[500, 2000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--cv-max-size", type=int, default=1000, help="largest n for the CV rows"
    )
    args = _harness.add_common_arguments(parser).parse_args(argv)
    rng = np.random.RandomState(args.seed)
    d, rows = args.n_features, []
    sizes = [(n, d) for n in args.sizes] + [tuple(args.dual_size)]
    with _harness.blas_threads(args.threads), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for n, nf in sizes:
            rows += ridge_rows(n, nf, rng, args.repeat)
        for k in (2, 10):
            for n in args.sizes:
                n = min(n, 50000)
                rows += logistic_rows(n, d, k, rng, args.repeat, args.cv_max_size)
    table = [[r[c] for c in COLUMNS] for r in rows]
    _harness.print_table("CPU seconds against scikit-learn", COLUMNS, table)
    path = _harness.write_result("bench_transfer_speed", {"rows": rows}, args)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
