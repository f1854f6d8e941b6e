"""How close does each DA scorer's hyperparameter choice come to the oracle's?

For each task (synthetic shifts; Office-Caltech SURF when the loader is available)
and each tuned method (CORAL ``reg``; SubspaceAlignment ``n_components`` and KMM's
kernel width when those classes exist), one GridSearchCV with
``DomainShuffleSplit(target_in_test=True)`` scores every candidate with every
scorer at once (multimetric, ``refit=False``). Each scorer's choice is then scored
on the target labels, which no scorer saw. "source CV" is plain validation on
held-out source rows, the usual default, in two forms: "source CV (mapped)" is
sklearn's default score with routing on (``Pipeline.score`` receives
``sample_domain``, so the held-out source rows are mapped as source rows) and
"source CV" is ``HoldoutScorer(domain="source")`` (rows predicted as target rows,
as every skadapt scorer does). The oracle picks with the target labels.
Regret = oracle accuracy - accuracy of the choice (0 is best).

Usage::

    python benchmarks/bench_model_selection.py --refresh  # synthetic + Office-Caltech
    python benchmarks/bench_model_selection.py --quick    # small synthetic run
"""

import argparse
import time
import warnings

import _harness
import numpy as np
import sklearn
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV

import skadapt
from skadapt import CORAL, make_da_pipeline
from skadapt._core import median_heuristic_gamma
from skadapt.datasets import make_domain_shift
from skadapt.model_selection import (
    DeepEmbeddedValidationScorer,
    DomainShuffleSplit,
    HoldoutScorer,
    ImportanceWeightedScorer,
    PredictionEntropyScorer,
    ReverseValidationScorer,
    SoftNeighborhoodDensityScorer,
)

SCORERS = {
    "source CV": lambda: HoldoutScorer(domain="source"),
    "IWCV": lambda: ImportanceWeightedScorer(),
    "DEV": lambda: DeepEmbeddedValidationScorer(),
    "entropy": lambda: PredictionEntropyScorer(),
    "SND": lambda: SoftNeighborhoodDensityScorer(),
    "reverse": lambda: ReverseValidationScorer(),
}


SELECTORS = ["source CV (mapped)"] + list(SCORERS)


def _clf():
    return LogisticRegression(max_iter=2000)


_SAID = set()


def _say_once(message):
    if message not in _SAID:
        _SAID.add(message)
        print(message)


def method_grids(X):
    """(name, pipeline, param_grid) for every method that exists on this branch."""
    n_features = X.shape[1]
    grids = [
        (
            "CORAL reg",
            make_da_pipeline(CORAL(), _clf()),
            [
                {"coral__reg": [1e-3, 1e-2, 0.1, 1.0, 10.0, 100.0]},
                {"coral": ["passthrough"]},  # no adaptation is a candidate too
            ],
        )
    ]
    SA = getattr(skadapt.alignment, "SubspaceAlignment", None)
    if SA is not None:
        ks = sorted({k for k in (1, 2, 5, 10, 20, 50, 100) if k < n_features})
        pipe = make_da_pipeline(SA(), _clf())
        grids.append(("SA n_components", pipe, {"subspacealignment__n_components": ks}))
    else:
        _say_once("skip SubspaceAlignment: not in skadapt.alignment on this branch")
    KMM = getattr(skadapt.reweighting, "KMM", None)
    IW = getattr(skadapt.reweighting, "ImportanceWeighted", None)
    if KMM is not None and IW is not None:
        if "gamma" not in KMM().get_params():
            _say_once("skip KMM: no gamma parameter")
        else:
            # widths relative to the median heuristic of this task's rows
            g0 = median_heuristic_gamma(np.asarray(X, dtype=np.float64))
            default = KMM().get_params()["gamma"]
            widths = [default] + [f * g0 for f in (0.1, 0.3, 3.0, 10.0)]
            est = IW(_clf(), KMM())
            grids.append(("KMM gamma", est, {"weighter__gamma": widths}))
    else:
        _say_once("skip KMM: KMM / ImportanceWeighted not in skadapt.reweighting")
    return grids


def synthetic_tasks(args):
    for shift, strength in (("scale", 1.5), ("subspace", 1.0), ("covariate", 1.5)):
        for seed in range(args.seeds):
            X, y, sd, y_true = make_domain_shift(
                args.n_source,
                args.n_target,
                n_features=args.n_features,
                shift=shift,
                shift_strength=strength,
                random_state=seed,
            )
            yield f"synthetic {shift} s={strength} seed={seed}", X, y, sd, y_true


def office_tasks(args):
    load = getattr(skadapt.datasets, "load_office_caltech", None)
    if load is None:
        print("skip Office-Caltech: load_office_caltech not on this branch")
        return
    names = ["amazon", "caltech", "dslr", "webcam"]
    for s in names:
        for t in names:
            if s == t:
                continue
            try:
                X, y, sd, y_true = load(s, t)
            except Exception as exc:  # noqa: BLE001 - report and go on
                print(f"skip Office-Caltech {s}->{t}: {exc}")
                continue
            yield f"office {s[0].upper()}->{t[0].upper()}", X, y, sd, y_true


def _wanted(name, args):
    if not args.office_tasks or not name.startswith("office"):
        return True
    return name.split()[-1] in {t.strip() for t in args.office_tasks.split(",")}


def target_accuracy(est, params, X, y, sd, y_true):
    model = clone(est).set_params(**params).fit(X, y)
    t = sd < 0
    return float(np.mean(model.predict(X[t]) == y_true[t]))


def run_task(name, X, y, sd, y_true, grids, args):
    out = []
    if args.methods:
        keep = {m.strip() for m in args.methods.split(",")}
        grids = [g for g in grids if g[0] in keep]
    src_only = make_da_pipeline(_clf()).fit(X, y)
    t = sd < 0
    src_acc = float(np.mean(src_only.predict(X[t]) == y_true[t]))
    for method, est, grid in grids:
        t0 = time.perf_counter()
        search = GridSearchCV(
            est,
            grid,
            cv=DomainShuffleSplit(
                n_splits=args.n_splits, target_in_test=True, random_state=0
            ),
            scoring={k: f() for k, f in SCORERS.items()},
            refit=False,
            error_score=np.nan,
        )
        search.fit(X, y)
        # sklearn's default score with routing on: Pipeline.score receives
        # sample_domain, so held-out source rows are mapped as source rows
        with sklearn.config_context(enable_metadata_routing=True):
            mapped = GridSearchCV(
                est,
                grid,
                cv=DomainShuffleSplit(n_splits=args.n_splits, random_state=0),
                error_score=np.nan,
            ).fit(X, y, sample_domain=sd)
        results = dict(search.cv_results_)
        results["mean_test_source CV (mapped)"] = mapped.cv_results_["mean_test_score"]
        candidates = search.cv_results_["params"]
        accs = [target_accuracy(est, p, X, y, sd, y_true) for p in candidates]
        best = float(np.max(accs))
        row = {
            "task": name,
            "method": method,
            "source_only": src_acc,
            "oracle": best,
            "candidates": [str(p) for p in candidates],
            "target_accuracy": accs,
            "seconds": time.perf_counter() - t0,
            "choice": {},
        }
        for scorer in SELECTORS:
            scores = results[f"mean_test_{scorer}"]
            if not np.any(np.isfinite(scores)):
                row["choice"][scorer] = None
                continue
            k = int(np.nanargmax(scores))
            row["choice"][scorer] = {
                "index": k,
                "accuracy": accs[k],
                "regret": best - accs[k],
            }
        out.append(row)
        picks = "  ".join(
            f"{s}={row['choice'][s]['accuracy']:.3f}"
            if row["choice"][s]
            else f"{s}=nan"
            for s in SELECTORS
        )
        print(
            f"{name:<34} {method:<16} src-only={src_acc:.3f} oracle={best:.3f} "
            f"worst={min(accs):.3f}  {picks}  ({row['seconds']:.1f}s)",
            flush=True,
        )
    return out


def summarise(rows, group):
    sub = [r for r in rows if group(r)]
    if not sub:
        return None
    table = {}
    for scorer in SELECTORS:
        picks = [r["choice"][scorer] for r in sub if r["choice"][scorer] is not None]
        table[scorer] = {
            "mean_accuracy": float(np.mean([p["accuracy"] for p in picks])),
            "mean_regret": float(np.mean([p["regret"] for p in picks])),
            "max_regret": float(np.max([p["regret"] for p in picks])),
            "oracle_hits": int(sum(p["regret"] <= 1e-12 for p in picks)),
            "n_tasks": len(picks),
        }
    table["oracle"] = {"mean_accuracy": float(np.mean([r["oracle"] for r in sub]))}
    table["source-only (no DA)"] = {
        "mean_accuracy": float(np.mean([r["source_only"] for r in sub]))
    }
    table["worst candidate"] = {
        "mean_accuracy": float(np.mean([min(r["target_accuracy"]) for r in sub]))
    }
    return table


def print_table(title, table):
    rows = [
        [
            name,
            f"{v['mean_accuracy']:.4f}",
            f"{v['mean_regret']:.4f}" if "mean_regret" in v else "",
            f"{v['max_regret']:.4f}" if "mean_regret" in v else "",
            f"{v['oracle_hits']}/{v['n_tasks']}" if "mean_regret" in v else "",
        ]
        for name, v in table.items()
    ]
    head = ["selector", "mean acc", "mean regret", "max regret", "oracle hits"]
    _harness.print_table(title, head, rows)


def summary_tables(rows):
    """One table per (task family, method)."""
    tables = {}
    for method in sorted({r["method"] for r in rows}):
        for family, prefix in (
            ("synthetic", "synthetic"),
            ("Office-Caltech", "office"),
        ):
            table = summarise(
                rows,
                lambda r, m=method, p=prefix: (
                    r["method"] == m and r["task"].startswith(p)
                ),
            )
            if table is not None:
                tables[f"{family} / {method}"] = table
                print_table(f"{family} / {method}", table)
    return tables


def all_tasks(args):
    """Every task's rows of results: synthetic shifts, then Office-Caltech."""
    rows = []
    for task in synthetic_tasks(args):
        rows += run_task(*task, method_grids(task[1]), args)
    if not args.no_office:
        for name, X, y, sd, y_true in office_tasks(args):
            if _wanted(name, args):
                rows += run_task(name, X, y, sd, y_true, method_grids(X), args)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n-source", type=int, default=200)
    parser.add_argument("--n-target", type=int, default=200)
    parser.add_argument("--n-features", type=int, default=20)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--n-splits", type=int, default=3)
    parser.add_argument("--no-office", action="store_true")
    parser.add_argument(
        "--methods",
        default="",
        help="comma-separated subset of 'CORAL reg', 'SA n_components', 'KMM gamma'",
    )
    parser.add_argument(
        "--office-tasks",
        default="",
        help="comma-separated subset such as 'A->W,D->W' (all twelve when empty)",
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--name", default="bench_model_selection", help="results file")
    args = _harness.add_common_arguments(parser).parse_args(argv)
    if args.quick:
        args.n_source = args.n_target = 150
        args.seeds = 1
        args.no_office = True
    warnings.filterwarnings("ignore")
    np.random.seed(args.seed)
    with _harness.blas_threads(args.threads):
        rows = all_tasks(args)
    payload = {"summary": summary_tables(rows), "tasks": rows}
    print(f"\nwrote {_harness.write_result(args.name, payload, args)}")


if __name__ == "__main__":
    main()
