"""Structure transfer of trees, forests and boosting beside source- and target-only.

What it measures: on each task, ``n`` labelled target rows (``--sizes``, 10 to 200;
sizes that leave fewer than 20 target test rows are skipped) are drawn at random
``--draws`` times; every method is fitted on the same draw and scored on the other
target rows (RMSE for regression, error rate in % for classification), with its CPU
time. The source models are fitted once per task on every source row:

- ``tree``: ``DecisionTree*(random_state=0)`` (fully grown, the skadapt default)
  and ``tree(d4)``: the same with ``max_depth=4``; adapted by
  ``TransferTree*(method=...)`` at its defaults (``alpha="auto"``);
- ``forest``: ``RandomForest*(n_estimators=--n-trees, random_state=0)``, adapted by
  ``TransferForest*(method=...)``;
- ``boost``: ``HistGradientBoosting*(random_state=0)`` as source-only, continued on
  the target rows by ``TransferGradientBoosting*`` (defaults: 100 rounds at most,
  chosen by 5-fold CV on the target rows); target-only is
  ``GradientBoosting*(random_state=0)``.

Target-only baselines are the same model kinds fitted on the labelled target rows.
Where ADAPT (``adapt``) imports, its ``TransferTreeClassifier`` /
``TransferForestClassifier`` (``algo="relab" | "ser" | "strut"``) run on the same
source tree / forest and the same draws (classification only: ADAPT has no
regression trees), on the tasks whose source tree has at most ``ADAPT_MAX_NODES``
nodes (ADAPT's SER takes seconds per tree of several hundred nodes).

Suites:

- regression: Auto (mpg; origin 1 USA, 2 Europe, 3 Japan; 6 tasks) and Bikeshare
  (log1p bikers; seasons; ``--bike-tasks``, default 1->3 and 3->1);
- classification built from the bundled data: Auto ``mpg > median`` (median over
  every car) by origin, and Bikeshare ``log1p(bikers) > median`` by season;
- synthetic concept shift (``p(y | x)`` changes, ``p(x)`` does not): source
  ``y = [x0 + x1/2 > 0]`` / ``2 sin(x0) + x1 [x2 > 0]``; target: the boundary moves
  to 0.7 where ``x2 <= 1`` and becomes ``x0 > -0.5`` where ``x2 > 1`` /
  ``2 sin(x0 - 0.7) + 1.5 x1 [x2 > 0]`` (noise 0.3), 1000 source and 2000 target
  rows, 5 features.

Run::

    python benchmarks/bench_transfer_trees.py --suite regression
    python benchmarks/bench_transfer_trees.py --suite classification
    python benchmarks/bench_transfer_trees.py --suite synthetic
    python benchmarks/bench_transfer_trees.py --quick          # one task per suite

Each run writes ``bench_transfer_trees_<suite>.json`` through the harness.
"""

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import warnings  # noqa: E402

import _harness  # noqa: F401  (pins BLAS threads before numpy is imported)
import numpy as np  # noqa: E402
from sklearn.ensemble import (  # noqa: E402
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor  # noqa: E402

from skadapt import (  # noqa: E402
    TransferForestClassifier,
    TransferForestRegressor,
    TransferGradientBoostingClassifier,
    TransferGradientBoostingRegressor,
    TransferTreeClassifier,
    TransferTreeRegressor,
)
from skadapt.datasets import load_auto, load_bikeshare  # noqa: E402

METHODS = ("relabel", "ser", "strut")
ADAPT_ALGO = {"relabel": "relab", "ser": "ser", "strut": "strut"}
# ADAPT walks its trees node by node in Python: its SER took 9 s of CPU for one
# fully grown Bikeshare tree (655 nodes, 10 target rows), i.e. minutes per forest
# and draw. It runs where the source tree has at most this many nodes.
ADAPT_MAX_NODES = 400


# ------------------------------------------------------------------------ tasks


def _auto(s, t, classification):
    X, _, sd, y = load_auto(s, t)
    if classification:  # median over every car: USA + Europe, then Japan
        _, _, _, us_eu = load_auto(1, 2)
        _, _, sd_jp, jp = load_auto(3, 1)
        y = (y > np.median(np.r_[us_eu, jp[sd_jp > 0]])).astype(int)
    return X, y, sd


def _bike(s, t, classification):
    X, _, sd, y = load_bikeshare(s, t)
    if classification:
        y = (y > np.median(y)).astype(int)
    return X, y, sd


def _concept(classification, seed=0):
    rng = np.random.RandomState(seed)
    n_s, n_t = 1000, 2000
    X = rng.normal(size=(n_s + n_t, 5))
    sd = np.r_[np.ones(n_s, int), -np.ones(n_t, int)]
    x0, x1, x2 = X[:, 0], X[:, 1], X[:, 2]
    if classification:
        ys = (x0 + 0.5 * x1 > 0).astype(int)
        yt = np.where(x2 <= 1, x0 + 0.5 * x1 > 0.7, x0 > -0.5).astype(int)
    else:
        ys = 2 * np.sin(x0) + x1 * (x2 > 0)
        yt = 2 * np.sin(x0 - 0.7) + 1.5 * x1 * (x2 > 0)
        yt = yt + 0.3 * rng.normal(size=yt.shape)
    return X, np.where(sd > 0, ys, yt), sd


def _tasks(suite, bike_tasks, quick, datasets=("auto", "bike")):
    classification = suite == "classification"
    out = []
    if suite == "synthetic":
        out.append(("concept (classification)", _concept(True), True))
        if not quick:
            out.append(("concept (regression)", _concept(False), False))
        return out
    pairs = [(s, t) for s in (1, 2, 3) for t in (1, 2, 3) if s != t]
    for s, t in (pairs[:1] if quick else pairs) if "auto" in datasets else []:
        out.append((f"auto {s}->{t}", _auto(s, t, classification), classification))
    for pair in (bike_tasks[:1] if quick else bike_tasks) if "bike" in datasets else []:
        s, t = (int(v) for v in pair.split("->"))
        out.append((f"bike {s}->{t}", _bike(s, t, classification), classification))
    return out


# ---------------------------------------------------------------------- methods


_MODELS = {
    True: (
        DecisionTreeClassifier,
        RandomForestClassifier,
        HistGradientBoostingClassifier,
    ),
    False: (
        DecisionTreeRegressor,
        RandomForestRegressor,
        HistGradientBoostingRegressor,
    ),
}


def _sources(Xs, ys, classification, n_trees):
    tree, forest, boost = _MODELS[classification]
    models = {
        "tree": tree(random_state=0),
        "tree(d4)": tree(max_depth=4, random_state=0),
        "forest": forest(n_estimators=n_trees, random_state=0),
        "boost": boost(random_state=0),
    }
    return {name: model.fit(Xs, ys) for name, model in models.items()}


def _candidates(sources, classification, n_trees, adapt):
    """{name: fit(X_labelled, y_labelled) -> fitted model}; sources fitted once."""
    if classification:
        Tree, Forest, GB = (
            TransferTreeClassifier,
            TransferForestClassifier,
            TransferGradientBoostingClassifier,
        )
        plain_tree, plain_forest, plain_gb = (
            DecisionTreeClassifier,
            RandomForestClassifier,
            GradientBoostingClassifier,
        )
    else:
        Tree, Forest, GB = (
            TransferTreeRegressor,
            TransferForestRegressor,
            TransferGradientBoostingRegressor,
        )
        plain_tree, plain_forest, plain_gb = (
            DecisionTreeRegressor,
            RandomForestRegressor,
            GradientBoostingRegressor,
        )

    def fixed(model):
        return lambda X, y: model

    c = {}
    for key in ("tree", "tree(d4)"):
        c[f"{key} source-only"] = fixed(sources[key])
        for m in METHODS:
            c[f"{key} {m}"] = lambda X, y, m=m, key=key: Tree(
                source_estimator=sources[key], method=m, random_state=0
            ).fit(X, y)
    c["tree target-only"] = lambda X, y: plain_tree(random_state=0).fit(X, y)
    c["forest source-only"] = fixed(sources["forest"])
    for m in METHODS:
        c[f"forest {m}"] = lambda X, y, m=m: Forest(
            source_estimator=sources["forest"], method=m, random_state=0
        ).fit(X, y)
    c["forest target-only"] = lambda X, y: plain_forest(
        n_estimators=n_trees, random_state=0
    ).fit(X, y)
    c["boost source-only"] = fixed(sources["boost"])
    c["boost transfer"] = lambda X, y: GB(
        source_estimator=sources["boost"], random_state=0
    ).fit(X, y)
    c["boost target-only"] = lambda X, y: plain_gb(random_state=0).fit(X, y)
    big = sources["tree"].tree_.node_count > ADAPT_MAX_NODES
    if adapt is not None and classification and not big:
        for m in METHODS:
            c[f"ADAPT tree {m}"] = lambda X, y, m=m: _adapt_fit(
                adapt.TransferTreeClassifier, sources["tree"], ADAPT_ALGO[m], X, y
            )
            c[f"ADAPT forest {m}"] = lambda X, y, m=m: _adapt_fit(
                adapt.TransferForestClassifier, sources["forest"], ADAPT_ALGO[m], X, y
            )
    return c


def _adapt_fit(kind, source, algo, X, y):
    model = kind(
        estimator=source, Xt=X, yt=y, algo=algo, copy=True, verbose=0, random_state=0
    )
    model.fit(X, y)
    return model


def _import_adapt():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from adapt import parameter_based
    except Exception as exc:  # noqa: BLE001 - any import failure means "not there"
        return None, f"{type(exc).__name__}: {exc}"
    return parameter_based, None


# -------------------------------------------------------------------- the runs


def _reveal(y, sd, n, rng, classification):
    target = np.flatnonzero(sd < 0)
    while True:
        pick = rng.choice(target, n, replace=False)
        if not classification or np.unique(y[pick]).size > 1:
            break
    return pick, np.setdiff1d(target, pick)


def _score(y_true, y_pred, classification):
    if classification:
        return 100.0 * float(np.mean(y_true != y_pred))
    return float(np.sqrt(np.mean((y_true - y_pred) ** 2)))


def run_task(name, X, y, sd, classification, sizes, draws, n_trees, adapt):
    src = sd > 0
    sources = _sources(X[src], y[src], classification, n_trees)
    fits = _candidates(sources, classification, n_trees, adapt)
    n_target = int(np.sum(sd < 0))
    out = {"source_tree_nodes": int(sources["tree"].tree_.node_count)}
    for n in sizes:
        if n_target - n < 20:
            continue
        scores = {m: [] for m in fits}
        times = {m: [] for m in fits}
        errors = {}
        for draw in range(draws):
            rng = np.random.RandomState(1000 * draw + n)
            lab, test = _reveal(y, sd, n, rng, classification)
            for m, fit in fits.items():
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        t, model = _harness.cpu_time(fit, X[lab], y[lab])
                        pred = model.predict(X[test])
                    scores[m].append(_score(y[test], pred, classification))
                except Exception as exc:  # noqa: BLE001 - record, keep going
                    scores[m].append(float("nan"))
                    t = float("nan")
                    errors[m] = f"{type(exc).__name__}: {exc}"[:300]
                times[m].append(t)
        out[n] = {
            "scores": scores,
            "cpu_seconds": {m: float(np.nanmean(v)) for m, v in times.items()},
            "errors": errors,
        }
        line = "  ".join(
            f"{m} {np.nanmean(v):.3g}" for m, v in scores.items() if "ADAPT" not in m
        )
        print(f"  {name} n={n}: {line}", flush=True)
    return out


def _summary(per_task, classification):
    """Per size: mean over tasks of each method, and win counts against baselines."""
    sizes = sorted(
        {n for res in per_task.values() for n in res if n != "source_tree_nodes"}
    )
    out = {}
    for n in sizes:
        tasks = [res[n] for res in per_task.values() if n in res]
        methods = list(dict.fromkeys(m for t in tasks for m in t["scores"]))
        mean = {
            m: float(np.mean([np.nanmean(t["scores"][m]) for t in tasks]))
            for m in methods
        }
        cpu = {m: float(np.mean([t["cpu_seconds"][m] for t in tasks])) for m in methods}
        wins = {}
        for m in methods:
            family = m.split(" ")[0] if not m.startswith("ADAPT") else m.split(" ")[1]
            if m.endswith(("source-only", "target-only")):
                continue
            fam_src = f"{family} source-only"
            fam_tgt = (
                "tree target-only"
                if family.startswith("tree")
                else f"{family} target-only"
            )
            have = [t for t in tasks if m in t["scores"]]
            wins[m] = {
                "beats_source_only": int(
                    sum(
                        np.nanmean(t["scores"][m]) < np.nanmean(t["scores"][fam_src])
                        for t in have
                    )
                ),
                "beats_target_only": int(
                    sum(
                        np.nanmean(t["scores"][m]) < np.nanmean(t["scores"][fam_tgt])
                        for t in have
                    )
                ),
                "n_tasks": len(have),
            }
        out[n] = {"mean": mean, "cpu_seconds": cpu, "wins": wins}
    return out


def _print_summary(suite, summary, classification):
    unit = "error %" if classification else "RMSE"
    print(f"\n{suite}: mean {unit} over tasks (lower is better); wins vs src / tgt")
    sizes = list(summary)
    methods = list(summary[sizes[0]]["mean"])
    print(f"{'method':<24}" + "".join(f"{'n=' + str(n):>18}" for n in sizes))
    for m in methods:
        cells = []
        for n in sizes:
            s = summary[n]
            v = s["mean"].get(m, float("nan"))
            w = s["wins"].get(m)
            tag = (
                f" {w['beats_source_only']}/{w['beats_target_only']}/{w['n_tasks']}"
                if w
                else ""
            )
            cells.append(f"{v:9.3f}{tag:>9}")
        print(f"{m:<24}" + "".join(cells))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    _harness.add_common_arguments(parser)
    parser.add_argument(
        "--suite",
        choices=["regression", "classification", "synthetic"],
        default="regression",
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 50, 200])
    parser.add_argument("--draws", type=int, default=10)
    parser.add_argument("--n-trees", type=int, default=10)
    parser.add_argument("--bike-tasks", nargs="+", default=["1->3", "3->1"])
    parser.add_argument("--quick", action="store_true", help="one task per suite")
    parser.add_argument(
        "--datasets",
        nargs="+",
        choices=["auto", "bike"],
        default=["auto", "bike"],
        help="real datasets of the regression / classification suites; a run on a "
        "subset writes bench_transfer_trees_<suite>_<datasets>.json",
    )
    parser.add_argument("--no-adapt", action="store_true", help="skip ADAPT")
    parser.add_argument(
        "--resume",
        metavar="JSON",
        help="a results file of an earlier (partial) run of this script: its tasks "
        "are taken from it instead of being run again",
    )
    parser.add_argument(
        "--resumed-only",
        action="store_true",
        help="with --resume: summarise the tasks of that file, run no other task",
    )
    args = parser.parse_args()

    classification = args.suite != "regression"
    adapt, adapt_error = (None, "skipped") if args.no_adapt else (None, None)
    if classification and not args.no_adapt:
        adapt, adapt_error = _import_adapt()
        print("ADAPT:", "imported" if adapt else adapt_error, flush=True)
    per_task = {}
    kinds = {}
    payload = {"suite": args.suite, "tasks": per_task, "task_kind": kinds}
    payload["adapt"] = "used" if adapt else adapt_error
    name_out = f"bench_transfer_trees_{args.suite}"
    if args.suite != "synthetic" and set(args.datasets) != {"auto", "bike"}:
        name_out += "_" + "_".join(args.datasets)
    done = {}
    if args.resume:
        with open(args.resume) as fh:
            done = json.load(fh)["results"]["tasks"]
    tasks = _tasks(args.suite, args.bike_tasks, args.quick, args.datasets)
    for name, (X, y, sd), is_clf in tasks:
        kinds[name] = "classification" if is_clf else "regression"
        if name in done:
            per_task[name] = {
                (k if k == "source_tree_nodes" else int(k)): v
                for k, v in done[name].items()
            }
            print(f"  {name}: taken from {args.resume}", flush=True)
            continue
        if args.resumed_only:
            del kinds[name]
            continue
        per_task[name] = run_task(
            name, X, y, sd, is_clf, args.sizes, args.draws, args.n_trees, adapt
        )
        payload["complete"] = False  # written after every task: partial runs count
        _harness.write_result(name_out, payload, args)
    groups = {}
    for name, kind in kinds.items():
        groups.setdefault(kind, {})[name] = per_task[name]
    payload["summary"] = {}
    for kind, tasks in groups.items():
        summary = _summary(tasks, kind == "classification")
        payload["summary"][kind] = summary
        _print_summary(f"{args.suite} ({kind})", summary, kind == "classification")
    payload["complete"] = True
    path = _harness.write_result(name_out, payload, args)
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
