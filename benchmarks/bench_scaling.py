"""Fit time and peak memory of every public estimator from 10^3 to 10^5 rows per domain.

What it measures: for each public estimator class of ``skadapt`` (found by iterating
over ``skadapt.__all__``, so a new estimator is measured without editing this file),
built with the library defaults, the CPU time of one ``fit`` on ``n`` source and
``n`` target rows of ``d = 50`` features, with one BLAS thread, and the peak
resident memory of the process during that fit (``VmHWM`` reset just before the
fit, data included). Each (estimator, size) runs in a fresh child process so the
peak is its own. The growth exponent is the least-squares slope of ``log time``
against ``log n`` over the sizes whose time is above 0.05 s.

A size is skipped (and recorded as skipped, with the predicted time) when the
estimator's previous sizes predict more than ``--budget`` CPU seconds for it;
``10^6`` rows are tried only for the estimators that get there within the budget.

The data: source rows ``z M``, target rows ``(1.5 z + 0.5) M`` with ``z`` standard
normal and one fixed mixing matrix ``M`` (a covariate shift of mean and scale);
classification labels from a fixed linear rule, regression targets a linear
function plus noise. Target labels are masked, except for the estimators that need
labelled target rows (the TrAdaBoost family, the parameter- and structure-transfer
families and FeatureAugmentation),
which get 10 % of the target rows labelled (recorded in each row of the results).
Meta-estimators are given ``LogisticRegression`` (``SGDClassifier`` for
``FineTune``, which needs ``partial_fit``).

Peers: where skada has the same method, its version is fitted on the same data
with the same problem (same kernel and width, box, grid, rank, tolerance: each
pair below says what it sets) in its own child process, its output is compared
with skadapt's (correlation of the weights, or relative difference of the mapped
rows) and the ratio ``skada time / skadapt time`` is reported (skada's time
includes ``compute_weights`` for its weighters, where some of them do their
work). A peer is not run above the size where its exact ``n x n`` kernel would
need more than ``--peer-max-mb``.

Run::

    python benchmarks/bench_scaling.py                      # all, 10^3 .. 10^5
    python benchmarks/bench_scaling.py --only KMM CORAL --sizes 1000 10000
    python benchmarks/bench_scaling.py --refresh --name bench_scaling_before
    python benchmarks/bench_scaling.py --refresh --merge --only CORAL EasyTL

``--merge`` replaces only the re-measured rows of the existing file; every row
records the date, commit and machine of the run that measured it.
"""

import argparse
import inspect
import json
import subprocess
import sys
import time
import warnings

import _harness  # noqa: F401  (pins BLAS threads before numpy is imported)
import numpy as np

D = 50
LABELLED_TARGET_FRACTION = 0.1
# need labelled target rows: fitted with 10 % of the target rows labelled
NEEDS_TARGET_LABELS = {
    "FeatureAugmentation",
    "TransferTreeClassifier",
    "TransferTreeRegressor",
    "TransferForestClassifier",
    "TransferForestRegressor",
    "TransferGradientBoostingClassifier",
    "TransferGradientBoostingRegressor",
    "TrAdaBoost",
    "TrAdaBoostR2",
    "TwoStageTrAdaBoostR2",
    "FineTune",
    "JointTraining",
    "LinearInterpolation",
    "TransferLogisticRegression",
    "TransferRidge",
}
# further configurations worth a row of their own: (label, class name, params)
EXTRA_CONFIGS = [
    ("TCA(kernel='rbf')", "TCA", {"kernel": "rbf"}),
    ("JDA(kernel='rbf')", "JDA", {"kernel": "rbf"}),
]


def _public_classes():
    from sklearn.base import BaseEstimator

    import skadapt

    out = {}
    for name in skadapt.__all__:
        obj = getattr(skadapt, name, None)
        if inspect.isclass(obj) and issubclass(obj, BaseEstimator):
            out[name] = obj
    return out


def _build(name, params=None):
    """The estimator with library defaults, required arguments filled in."""
    from sklearn.linear_model import LogisticRegression, SGDClassifier

    cls = _public_classes()[name]
    required = {
        p.name
        for p in inspect.signature(cls).parameters.values()
        if p.default is inspect.Parameter.empty
        and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    }
    kwargs = {}
    for p in required:
        if p != "estimator":
            raise TypeError(f"{name} requires {p!r}: no rule to fill it in")
        kwargs[p] = (
            SGDClassifier(random_state=0)
            if name == "FineTune"
            else LogisticRegression()
        )
    est = cls(**kwargs)
    if "random_state" in est.get_params():
        est.set_params(random_state=0)
    if params:
        est.set_params(**params)
    return est


def _data(n, task, target_labels, seed=0):
    rng = np.random.RandomState(seed)
    M = rng.normal(size=(D, D)) / np.sqrt(D) + np.eye(D)
    beta = rng.normal(size=D)
    rng = np.random.RandomState(seed + n)
    Xs = rng.normal(size=(n, D)) @ M
    Xt = (1.5 * rng.normal(size=(n, D)) + 0.5) @ M
    X = np.concatenate([Xs, Xt])
    del Xs, Xt
    f = (X - X.mean(axis=0)) @ beta / np.sqrt(D)
    sd = np.r_[np.ones(n, dtype=np.int64), -np.ones(n, dtype=np.int64)]
    if task == "regression":
        y = f + 0.1 * rng.normal(size=2 * n)
        mask = np.nan
    else:
        y = (f > 0).astype(np.int64)
        mask = -1
    y = y.astype(np.float64) if task == "regression" else y
    hide = sd < 0
    if target_labels:
        keep = rng.rand(2 * n) < LABELLED_TARGET_FRACTION
        hide &= ~keep
    y[hide] = mask
    return X, y, sd


def _reset_peak():
    """Reset the peak-RSS counter (Linux ``clear_refs``); False when impossible."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _task(est):
    from sklearn.base import is_regressor

    return "regression" if is_regressor(est) else "classification"


# --------------------------------------------------------------------- peers
PEERS = ("CORAL", "KMM", "KLIEP", "NearestNeighborWeighting", "GaussianDensityRatio")


def _kmm_objective(Xs, w, gamma, kappa):
    from skadapt._core import kernel_matvec

    w = np.asarray(w, dtype=np.float64).ravel()
    return 0.5 * float(w @ kernel_matvec(Xs, Xs, w, gamma=gamma)) - float(kappa @ w)


def _peer_setup(label, X, sd):
    """skadapt and skada on the same problem: ``(ours, theirs, note)``."""
    import skada

    from skadapt import CORAL, KLIEP, KMM, GaussianDensityRatio
    from skadapt import NearestNeighborWeighting as NNW
    from skadapt._core import median_heuristic_gamma

    Xs, Xt = X[sd > 0], X[sd < 0]
    if label == "CORAL":
        note = "Ledoit-Wolf shrinkage of each covariance in both"
        return CORAL(), skada.CORALAdapter(reg="auto"), note
    if label == "KMM":
        g = median_heuristic_gamma(Xs, Xt, random_state=0)
        B, eps, tol = 5.0, 5.0 / np.sqrt(Xs.shape[0]), 1e-6
        note = (
            f"exact QP in both: rbf gamma={g:.4g}, box B={B}, eps=B/sqrt(ns), tol={tol}"
        )
        ours = KMM(gamma=g, max_weight=B, eps=eps, tol=tol, n_landmarks=None)
        return ours, skada.KMMReweightAdapter(gamma=g, B=B, eps=eps, tol=tol), note
    if label == "KLIEP":
        g0 = median_heuristic_gamma(Xs, Xt, random_state=0)
        grid = list(g0 * np.array([1 / 16, 1 / 4, 1.0, 4.0, 16.0]))
        note = "same 5-width grid, 5 folds, 100 centres, tol=1e-6, max_iter=1000"
        ours = KLIEP(gamma=grid, random_state=0)
        theirs = skada.KLIEPReweightAdapter(
            gamma=grid, cv=5, n_centers=100, tol=1e-6, max_iter=1000, random_state=0
        )
        return ours, theirs, note
    if label == "NearestNeighborWeighting":
        note = "1-NN counts + 1 (Laplace) in both, no weight cap"
        theirs = skada.NearestNeighborReweightAdapter(
            n_neighbors=1, laplace_smoothing=True
        )
        return NNW(max_weight=None), theirs, note
    if label == "GaussianDensityRatio":
        note = "Gaussian fit of each domain, reg='auto' in both (weights compared)"
        return GaussianDensityRatio(), skada.GaussianReweightAdapter(), note
    return None, None, "no skada equivalent of the same problem in this bench"


def _peer_kernel_mb(label, n):
    return 8 * n**2 / 2**20 if label == "KMM" else 0.0


def _compare(label, ours, theirs, X, sd, y):
    """How close the two outputs are."""
    if label == "CORAL":
        a = ours.transform(X[sd > 0], sample_domain=sd[sd > 0])
        b = np.asarray(
            theirs.transform(X[sd > 0], sample_domain=sd[sd > 0], allow_source=True)
        )
        # skada's CORAL does not move the mean: compare the centred maps
        a, b = a - a.mean(axis=0), b - b.mean(axis=0)
        return {
            "relative_difference_centred": float(
                np.linalg.norm(a - b) / np.linalg.norm(a)
            )
        }
    w_ours = np.asarray(ours.weights_, dtype=np.float64)
    w_theirs = np.asarray(
        theirs.compute_weights(X, sample_domain=sd), dtype=np.float64
    )[sd > 0]
    out = {"weight_correlation": float(np.corrcoef(w_ours, w_theirs)[0, 1])}
    if label == "KMM":
        from skadapt._core import kernel_row_means

        Xs, Xt = X[sd > 0], X[sd < 0]
        g = ours.gamma_
        kappa = Xs.shape[0] * kernel_row_means(Xs, Xt, gamma=g)
        out["objective_skadapt"] = _kmm_objective(Xs, ours.qp_weights_, g, kappa)
        out["objective_skada"] = _kmm_objective(Xs, w_theirs, g, kappa)
    if label == "KLIEP":
        # held-out log-likelihood of each on the target rows that were not centres
        out["skadapt_gamma"] = float(ours.gamma_)
        out["skada_gamma"] = float(getattr(theirs, "best_gamma_", np.nan))
    return out


# --------------------------------------------------------------------- worker
def _worker(label, n, peer):
    name, params = _resolve(label)
    est = _build(name, params)
    X, y, sd = _data(n, _task(est), name in NEEDS_TARGET_LABELS)
    out = {"label": label, "n": n}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if not peer:
            reset = _reset_peak()
            t, _ = _harness.cpu_time(est.fit, X, y, sample_domain=sd)
            out.update(
                cpu_s=t,
                peak_mb=_harness.peak_rss_mb(),
                peak_reset=reset,
                data_mb=X.nbytes / 2**20,
            )
            return out
        ours, theirs, note = _peer_setup(label, X, sd)
        out["peer_note"] = note
        if ours is None:
            return out
        import sklearn

        t_ours, _ = _harness.cpu_time(ours.fit, X, y, sample_domain=sd)

        def fit_theirs():
            # a skada weighter may defer its work to compute_weights (its
            # nearest-neighbour adapter does): time the weights, not just fit
            theirs.fit(X, y, sample_domain=sd)
            if hasattr(theirs, "compute_weights"):
                theirs.compute_weights(X, sample_domain=sd)

        with sklearn.config_context(enable_metadata_routing=True):
            t, _ = _harness.cpu_time(fit_theirs)
            out["peer_agreement"] = _compare(label, ours, theirs, X, sd, y)
        out["peer_cpu_s"] = t
        out["peer_skadapt_cpu_s"] = t_ours
    return out


def _resolve(label):
    for lab, name, params in EXTRA_CONFIGS:
        if lab == label:
            return name, params
    return label, None


# --------------------------------------------------------------------- parent
def _run_child(label, n, peer, timeout):
    cmd = [sys.executable, __file__, "--worker", label, str(n)]
    if peer:
        cmd.append("--peer")
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"label": label, "n": n, "error": f"timeout after {timeout:.0f} s wall"}
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-1:] or ["?"]
        return {"label": label, "n": n, "error": tail[0][:300]}
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    res["child_wall_s"] = wall
    return res


def _exponent(points):
    pts = [(n, t) for n, t in points if t is not None and t >= 0.05]
    if len(pts) < 2:
        pts = [(n, t) for n, t in points if t is not None and t > 0]
    if len(pts) < 2:
        return None
    ln = np.log([p[0] for p in pts])
    lt = np.log([p[1] for p in pts])
    return float(np.polyfit(ln, lt, 1)[0])


def _predict(points, n):
    """Time predicted at ``n`` from the measured points (at least linear growth)."""
    if not points:
        return 0.0
    n0, t0 = points[-1]
    e = _exponent(points)
    e = 1.0 if e is None else max(1.0, e)
    return t0 * (n / n0) ** e


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    _harness.add_common_arguments(parser)
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[1000, 3162, 10000, 31623, 100000]
    )
    parser.add_argument(
        "--large", type=int, default=1000000, help="tried when within the budget"
    )
    parser.add_argument("--budget", type=float, default=90.0, help="CPU s per fit")
    parser.add_argument("--only", nargs="+", default=None, help="labels to run")
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--peer-max-mb", type=float, default=3000.0)
    parser.add_argument("--peer-budget", type=float, default=60.0)
    parser.add_argument("--name", default="bench_scaling", help="results file stem")
    parser.add_argument(
        "--merge",
        action="store_true",
        help="replace only the re-measured rows of the existing results file; "
        "every row keeps the stamp (date, machine, commit) of the run that made it",
    )
    parser.add_argument("--worker", nargs=2, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--peer", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        label, n = args.worker
        print(json.dumps(_worker(label, int(n), args.peer), default=float))
        return

    labels = sorted(_public_classes()) + [lab for lab, _, _ in EXTRA_CONFIGS]
    if args.only:
        labels = [lab for lab in labels if lab in args.only]
    try:
        import skada  # noqa: F401

        peers = not args.no_peers
    except ImportError:
        peers = False
    timeout = min(600.0, 8 * args.budget)
    table = []
    for label in labels:
        name, params = _resolve(label)
        try:
            est = _build(name, params)
        except TypeError as exc:
            table.append({"label": label, "skipped": str(exc)})
            print(f"{label:28s} skipped: {exc}", flush=True)
            continue
        row = {
            "label": label,
            "params": {k: repr(v) for k, v in (params or {}).items()},
            "task": _task(est),
            "labelled_target_fraction": (
                LABELLED_TARGET_FRACTION if name in NEEDS_TARGET_LABELS else 0.0
            ),
            "sizes": [],
        }
        points, peer_points = [], []
        peer_on = peers
        for n in args.sizes + [args.large]:
            pred = _predict(points, n)
            if pred > args.budget:
                row["sizes"].append(
                    {"n": n, "skipped": f"predicted {pred:.0f} s > budget"}
                )
                if n != args.large:
                    print(f"{label:28s} n={n:>8d} skipped ({pred:.0f} s predicted)")
                break
            res = _run_child(label, n, False, timeout)
            if "error" in res:
                row["sizes"].append(res)
                print(f"{label:28s} n={n:>8d} error: {res['error']}", flush=True)
                break
            points.append((n, res["cpu_s"]))
            entry = {k: res[k] for k in ("n", "cpu_s", "peak_mb", "data_mb")}
            if peer_on and label in PEERS and n <= max(args.sizes):
                ppred = _predict(peer_points, n)
                kmb = _peer_kernel_mb(label, n)
                if ppred > args.peer_budget or kmb > args.peer_max_mb:
                    entry["peer"] = {
                        "skipped": f"predicted {ppred:.0f} s / kernel {kmb:.0f} MiB"
                    }
                    peer_on = False
                else:
                    pres = _run_child(label, n, True, timeout)
                    if "peer_cpu_s" in pres:
                        peer_points.append((n, pres["peer_cpu_s"]))
                        entry["peer"] = {
                            "skada_cpu_s": pres["peer_cpu_s"],
                            "skadapt_cpu_s": pres["peer_skadapt_cpu_s"],
                            "ratio_skada_over_skadapt": pres["peer_cpu_s"]
                            / max(pres["peer_skadapt_cpu_s"], 1e-9),
                            "note": pres.get("peer_note"),
                            "agreement": pres.get("peer_agreement"),
                        }
                    else:
                        entry["peer"] = {
                            "skipped": pres.get("peer_note") or pres.get("error")
                        }
                        peer_on = False
            row["sizes"].append(entry)
            peer_txt = ""
            if "peer" in entry and "ratio_skada_over_skadapt" in entry["peer"]:
                peer_txt = f"  skada x{entry['peer']['ratio_skada_over_skadapt']:.2f}"
            print(
                f"{label:28s} n={n:>8d} {res['cpu_s']:9.3f} s "
                f"{res['peak_mb']:8.0f} MiB{peer_txt}",
                flush=True,
            )
        row["exponent"] = _exponent(points)
        row["peer_exponent"] = _exponent(peer_points)
        table.append(row)
        e = row["exponent"]
        print(f"{label:28s} exponent {e if e is None else round(e, 2)}", flush=True)

    stamp = _harness.environment(args.threads)
    for row in table:
        row["measured"] = {k: stamp[k] for k in ("date", "git", "machine")}
    if args.merge:
        table = _merge(args, table)
    path = _harness.write_result(args.name, {"d": D, "table": table}, args)
    print(f"wrote {path}")
    _print_table(table)


def _merge(args, table):
    """The existing file's rows with this run's rows in place of their labels.

    Rows of the earlier file that carry no ``measured`` stamp get the file's own
    (they were all measured by the run that wrote it).
    """
    path = _harness.result_path(args.name, args.refresh)
    if not path.exists():
        print(f"--merge: no {path} yet, writing this run alone")
        return table
    old = json.loads(path.read_text())
    env = old.get("environment", {})
    new = {row["label"]: row for row in table}
    out = []
    for row in old["results"]["table"]:
        if row["label"] in new:
            out.append(new.pop(row["label"]))
        else:
            row.setdefault(
                "measured", {k: env.get(k) for k in ("date", "git", "machine")}
            )
            out.append(row)
    out += new.values()
    print(f"--merge: replaced {len(table) - len(new)} rows, added {len(new)}")
    return out


def _print_table(table):
    sizes = sorted({s["n"] for r in table for s in r.get("sizes", []) if "cpu_s" in s})
    head = "estimator".ljust(28) + "".join(f"{n:>11d}" for n in sizes) + "   exp"
    print(head)
    for r in table:
        by = {s["n"]: s for s in r.get("sizes", []) if "cpu_s" in s}
        cells = "".join(
            f"{by[n]['cpu_s']:10.3f}s" if n in by else " " * 11 for n in sizes
        )
        e = r.get("exponent")
        print(r["label"].ljust(28) + cells + ("" if e is None else f"  {e:.2f}"))


if __name__ == "__main__":
    main()
