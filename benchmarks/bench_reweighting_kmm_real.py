"""KMM on every bundled real task: the default fit, and the exact QP against skada.

Real data has what Gaussian draws do not: duplicate rows (the Auto and Bikeshare
tables) and singular kernels. For every task of the Office-Caltech, Amazon, digits
and regression suites this script times (CPU seconds, one BLAS thread):

- ``KMM()``, the library default (what a user gets);
- the exact QP both libraries can solve: skadapt's ``KMM(gamma=g, max_weight=B,
  eps=B / sqrt(n_source), tol=1e-6, n_landmarks=None)`` and skada's
  ``KMMReweightAdapter(gamma=g, B=B, eps=eps, tol=1e-6)`` with the same RBF width
  ``g`` (median heuristic), box ``B = 5`` and sum tolerance. Each solution is scored
  on the same float64 kernel with the QP objective ``w' K w / 2 - kappa' w``
  (lower is better) and its largest constraint violation (box ``[0, B]``, sum
  within ``n (1 +- eps)``), so a faster solver cannot win by stopping early or
  leaving the feasible set unseen.

skada is used when importable (never a dependency of skadapt). Run::

    python benchmarks/bench_reweighting_kmm_real.py --refresh
    python benchmarks/bench_reweighting_kmm_real.py --suites amazon --no-peers
"""

import argparse
import warnings

import _harness  # noqa: F401  (pins BLAS threads before numpy is imported)
import _suites
import numpy as np

BOX = 5.0
TOL = 1e-6


def _objective(Xs, Xt, w, gamma):
    from skadapt._core import kernel_matvec, kernel_row_means

    w = np.asarray(w, dtype=np.float64).ravel()
    kappa = Xs.shape[0] * kernel_row_means(Xs, Xt, gamma=gamma)
    return 0.5 * float(w @ kernel_matvec(Xs, Xs, w, gamma=gamma)) - float(kappa @ w)


def _violation(w, n, eps):
    """Largest violation of the QP's constraints: the box and the sum."""
    w = np.asarray(w, dtype=np.float64).ravel()
    box = max(float(-w.min()), float(w.max() - BOX), 0.0)
    total = abs(float(w.sum()) / n - 1.0)
    return max(box, total - eps, 0.0)


def measure(task, peers):
    """One task: default fit, and the exact QP in both libraries."""
    import sklearn

    from skadapt import KMM
    from skadapt._core import median_heuristic_gamma

    X, y, sd, _ = task.load()
    Xs, Xt = X[sd > 0], X[sd < 0]
    n_dup = Xs.shape[0] - np.unique(Xs, axis=0).shape[0]
    row = {"task": task.name, "n_source": Xs.shape[0], "n_target": Xt.shape[0]}
    row["duplicate_source_rows"] = int(n_dup)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        row["default_cpu_s"], _ = _harness.cpu_time(
            KMM(random_state=0).fit, X, sample_domain=sd
        )
        g = median_heuristic_gamma(Xs, Xt, random_state=0)
        eps = BOX / np.sqrt(Xs.shape[0])
        ours = KMM(gamma=g, max_weight=BOX, eps=eps, tol=TOL, n_landmarks=None)
        row["exact_cpu_s"], _ = _harness.cpu_time(ours.fit, X, sample_domain=sd)
        row["exact_objective"] = _objective(Xs, Xt, ours.qp_weights_, g)
        row["exact_violation"] = _violation(ours.qp_weights_, Xs.shape[0], eps)
        if peers:
            import skada

            theirs = skada.KMMReweightAdapter(gamma=g, B=BOX, eps=eps, tol=TOL)

            def fit_theirs():
                theirs.fit(X, y, sample_domain=sd)
                return theirs.compute_weights(X, sample_domain=sd)

            with sklearn.config_context(enable_metadata_routing=True):
                t, w = _harness.cpu_time(fit_theirs)
            row["skada_cpu_s"] = t
            w = np.asarray(w)[sd > 0]
            row["skada_objective"] = _objective(Xs, Xt, w, g)
            row["skada_violation"] = _violation(w, Xs.shape[0], eps)
            row["skada_max_weight"] = float(w.max())
            row["skada_over_skadapt_exact"] = t / max(row["exact_cpu_s"], 1e-9)
    return row


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    _harness.add_common_arguments(parser)
    parser.add_argument(
        "--suites",
        nargs="+",
        default=["office-caltech", "amazon", "digits", "regression"],
        choices=["office-caltech", "amazon", "digits", "regression"],
    )
    parser.add_argument("--no-peers", action="store_true")
    args = parser.parse_args(argv)
    try:
        import skada  # noqa: F401

        peers = not args.no_peers
    except ImportError:
        peers = False
    rows = []
    for name in args.suites:
        for task in _suites.SUITES[name].tasks():
            row = measure(task, peers)
            row["suite"] = name
            rows.append(row)
            peer = ""
            if "skada_cpu_s" in row:
                ratio = row["skada_over_skadapt_exact"]
                gap = row["skada_objective"] - row["exact_objective"]
                peer = (
                    f"  skada {row['skada_cpu_s']:6.2f} s (x{ratio:.2f}) obj {gap:+.3g}"
                )
            print(
                f"{name:15s} {task.name:12s} default {row['default_cpu_s']:6.2f} s  "
                f"exact {row['exact_cpu_s']:6.2f} s{peer}",
                flush=True,
            )
    summary = {
        "max_default_cpu_s": max(r["default_cpu_s"] for r in rows),
        "tasks": len(rows),
    }
    if peers:
        ratios = [r["skada_over_skadapt_exact"] for r in rows]
        summary["min_skada_over_skadapt_exact"] = min(ratios)
        summary["tasks_skadapt_slower"] = int(sum(r < 1 for r in ratios))
        feasible = [r for r in rows if r["skada_violation"] <= 1e-6]
        summary["tasks_skada_infeasible"] = len(rows) - len(feasible)
        summary["tasks_skadapt_objective_worse_than_feasible_skada"] = int(
            sum(
                r["exact_objective"]
                > r["skada_objective"] + 1e-6 * abs(r["skada_objective"])
                for r in feasible
            )
        )
    path = _harness.write_result(
        "bench_reweighting_kmm_real",
        {"box": BOX, "tol": TOL, "rows": rows, "summary": summary},
        args,
    )
    print(summary)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
