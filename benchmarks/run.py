"""Every skadapt method on every task of a benchmark suite, beside published numbers.

The README's main job::

    python benchmarks/run.py                      # Office-Caltech SURF, 12 tasks
    python benchmarks/run.py --suite digits --methods source-only CORAL TCA
    python benchmarks/run.py --quick --peers      # 3 tasks, with skada / ADAPT

For each method (a pipeline built by name in ``benchmarks/_methods.py``; methods
whose classes are not in skadapt yet are skipped with a message) and each task of
the suite (``benchmarks/_suites.py``, data from ``skadapt.datasets``), the script
fits on the source rows plus the unlabelled target rows, scores the predictions on
the masked target rows, and prints a table of per-task scores and averages beside
source-only and the published rows. The table is written as Markdown, JSON and a
PNG plot to ``benchmarks/results/run_<suite>[_quick].{md,json,png}``.

Hyperparameters are fixed in ``_methods.py`` (library defaults and one documented
final estimator); nothing is tuned on target labels. ``--peers`` adds skada's and
ADAPT's versions of the same methods on the same tasks when those packages are
importable, with accuracy and fit-time ratios side by side.
"""

import argparse
import json
import platform
import sys
import time
import warnings
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if (ROOT / "skadapt").is_dir() and str(ROOT) not in sys.path:
    # run from a checkout: benchmark the skadapt next to this script
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from joblib import Parallel, delayed  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

import skadapt  # noqa: E402
from skadapt._base import labelled_mask  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _methods  # noqa: E402
import _suites  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


# --------------------------------------------------------------------------- jobs
def _test_rows(y, sample_domain):
    """Target rows whose label is masked: the rows every method is scored on."""
    return (np.asarray(sample_domain) < 0) & ~labelled_mask(y)


def _record_warnings(caught):
    seen = {}
    for w in caught:
        key = f"{w.category.__name__}: {str(w.message)[:160]}"
        seen[key] = seen.get(key, 0) + 1
    return seen


def run_job(suite_name, method_name, task, library="skadapt"):
    """Fit one method on one task and score it on the masked target rows."""
    suite = _suites.SUITES[suite_name]
    out = {"method": method_name, "library": library, "task": task.name}
    out["trial"] = task.trial
    X, y, sd, y_true = task.load()
    test = _test_rows(y, sd)
    with warnings.catch_warnings(record=True) as caught, threadpool_limits(1):
        warnings.simplefilter("always")
        try:
            if library == "skadapt":
                est = _methods.METHODS[method_name].build(suite.kind)
                t0 = time.perf_counter()
                with sklearn.config_context(enable_metadata_routing=True):
                    est.fit(X, y, sample_domain=sd)
                out["fit_time"] = time.perf_counter() - t0
                pred = est.predict(X[test])
            else:
                import _peers

                pred, out["fit_time"] = _peers.fit_predict(
                    library, method_name, suite.kind, X, y, sd, test
                )
            out["score"] = suite.score(y_true[test], np.asarray(pred))
            if not np.isfinite(out["score"]):
                raise ValueError("non-finite predictions")
        except Exception as exc:  # a failing method must not stop the benchmark
            out["score"] = float("nan")
            out["error"] = f"{type(exc).__name__}: {str(exc)[:300]}"
    out["warnings"] = _record_warnings(caught)
    return out


class _Progress:
    """tqdm when importable, else a plain counter printed to stderr."""

    def __init__(self, total):
        self.total, self.done, self.t0 = total, 0, time.perf_counter()
        try:
            from tqdm import tqdm
        except ImportError:
            self.bar = None
            self.every = max(1, total // 20)
        else:
            self.bar = tqdm(total=total, unit="fit", file=sys.stderr)

    def update(self, result):
        self.done += 1
        label = f"{result['library']}:{result['method']} {result['task']}"
        if self.bar is not None:
            self.bar.set_postfix_str(label[:40])
            self.bar.update()
        elif self.done % self.every == 0 or self.done == self.total:
            elapsed = time.perf_counter() - self.t0
            print(
                f"  [{self.done:4d}/{self.total}] {elapsed:6.1f} s  {label}",
                file=sys.stderr,
                flush=True,
            )

    def close(self):
        if self.bar is not None:
            self.bar.close()


def run_jobs(jobs, n_jobs):
    """Run ``(suite, method, task, library)`` jobs in parallel with a progress bar."""
    progress = _Progress(len(jobs))
    results = []
    parallel = Parallel(n_jobs=n_jobs, return_as="generator_unordered")
    for result in parallel(delayed(run_job)(*job) for job in jobs):
        progress.update(result)
        results.append(result)
    progress.close()
    return results


# ---------------------------------------------------------------------- summary
def summarise(results, suite, task_names):
    """``{(library, method): {"tasks": {task: mean}, "avg": ..., ...}}``."""
    by_key = defaultdict(lambda: defaultdict(list))
    times = defaultdict(float)
    errors = defaultdict(set)
    warns = defaultdict(lambda: defaultdict(int))
    for r in results:
        key = (r["library"], r["method"])
        by_key[key][r["task"]].append(r["score"])
        times[key] += r.get("fit_time", 0.0)
        if "error" in r:
            errors[key].add(r["error"])
        for w, c in r["warnings"].items():
            warns[key][w] += c
    summary = {}
    for key, per_task in by_key.items():
        means = {t: float(np.mean(per_task[t])) for t in task_names if t in per_task}
        stds = {t: float(np.std(per_task[t])) for t in task_names if t in per_task}
        complete = len(means) == len(task_names) and all(
            np.isfinite(v) for v in means.values()
        )
        summary[key] = {
            "tasks": means,
            "std_over_trials": stds if suite.n_trials > 1 else None,
            "avg": float(np.mean(list(means.values()))) if complete else None,
            "fit_time_total": times[key],
            "errors": sorted(errors[key]),
            "warnings": dict(warns[key]),
        }
    return summary


def _fmt(value, suite):
    if value is None or not np.isfinite(value):
        return "err"
    return f"{value:.1f}" if suite.kind == "classification" else f"{value:.3f}"


def published_averages(suite, task_names):
    """Published averages over the tasks shown (the paper's own over all tasks).

    A row without a value for every shown task has no average (``None``), except
    rows that only exist as an average (reference averages over the full suite,
    shown only when every task runs).
    """
    full = list(task_names) == list(suite.task_names)
    out = {}
    for name, per_task in suite.published.items():
        if full and name in suite.published_avg:
            out[name] = suite.published_avg[name]
        elif all(t in per_task for t in task_names):
            out[name] = float(np.mean([per_task[t] for t in task_names]))
        else:
            out[name] = None
    if full:
        for name, avg in suite.published_avg.items():
            out.setdefault(name, avg)
    return out


def markdown_table(suite, task_names, summary, methods, quick):
    """The main table: skadapt rows, then published rows."""
    metric = "accuracy (%)" if suite.kind == "classification" else "RMSE"
    better = "higher" if suite.higher_is_better else "lower"
    base = summary.get(("skadapt", "source-only"), {}).get("avg")
    head = ["method", *task_names, "avg", "vs source-only", "fit s"]
    lines = [
        f"### {suite.name}{' (quick)' if quick else ''}: {metric}, {better} is better",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    for name in methods:
        s = summary.get(("skadapt", name))
        if s is None:
            continue
        cells = [_fmt(s["tasks"].get(t), suite) for t in task_names]
        avg = s["avg"]
        if avg is not None and base is not None and name != "source-only":
            delta = avg - base
            delta = (
                f"{delta:+.1f}" if suite.kind == "classification" else f"{delta:+.3f}"
            )
        else:
            delta = ""
        row = [name, *cells, _fmt(avg, suite), delta, f"{s['fit_time_total']:.1f}"]
        lines.append("| " + " | ".join(row) + " |")
    for name, avg in published_averages(suite, task_names).items():
        per_task = suite.published.get(name, {})
        cells = [_fmt(per_task[t], suite) if t in per_task else "" for t in task_names]
        published = name in suite.published and "check run" not in name
        label = f"*{name} (published)*" if published else f"*{name}*"
        avg_cell = "" if avg is None else _fmt(avg, suite)
        lines.append("| " + " | ".join([label, *cells, avg_cell, "", ""]) + " |")
    return lines


def peers_table(suite, summary, methods):
    """Averages of skadapt, skada and ADAPT side by side, with fit-time ratios."""
    libs = [lib for lib in ("skada", "adapt") if any(k[0] == lib for k in summary)]
    head = ["method", "skadapt"]
    for lib in libs:
        head += [lib, f"{lib} / skadapt fit time"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name in methods:
        ours = summary.get(("skadapt", name))
        if ours is None or not any((lib, name) in summary for lib in libs):
            continue
        row = [name, _fmt(ours["avg"], suite)]
        for lib in libs:
            theirs = summary.get((lib, name))
            if theirs is None:
                row += ["—", "—"]
                continue
            if theirs["avg"] is None or ours["avg"] is None:
                row += [_fmt(theirs["avg"], suite), "—"]
                continue
            ratio = theirs["fit_time_total"] / max(ours["fit_time_total"], 1e-9)
            row += [_fmt(theirs["avg"], suite), f"{ratio:.2f}"]
        lines.append("| " + " | ".join(row) + " |")
    return lines


def plot(path, suite, task_names, summary, methods, quick):
    """Horizontal bars of the averages, published averages in grey."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no PNG written.", file=sys.stderr)
        return False
    labels, values, colours = [], [], []
    for name in methods:
        s = summary.get(("skadapt", name))
        if s is not None and s["avg"] is not None:
            labels.append(name)
            values.append(s["avg"])
            colours.append("tab:grey" if name == "source-only" else "tab:blue")
        for lib, colour in (("skada", "tab:orange"), ("adapt", "tab:green")):
            p = summary.get((lib, name))
            if p is not None and p["avg"] is not None:
                labels.append(f"{name} ({lib})")
                values.append(p["avg"])
                colours.append(colour)
    for name, avg in published_averages(suite, task_names).items():
        if avg is not None:
            published = name in suite.published and "check run" not in name
            labels.append(f"{name} (published)" if published else name)
            values.append(avg)
            colours.append("lightgrey")
    fig, ax = plt.subplots(figsize=(7, 0.32 * len(labels) + 1.2))
    y = np.arange(len(labels))[::-1]
    ax.barh(y, values, color=colours)
    ax.set_yticks(y, labels)
    for yi, v in zip(y, values):
        ax.text(v, yi, f" {_fmt(v, suite)}", va="center", fontsize=8)
    metric = (
        "average accuracy (%)" if suite.kind == "classification" else "average RMSE"
    )
    ax.set_xlabel(metric)
    ax.set_title(f"skadapt benchmark: {suite.name}{' (quick)' if quick else ''}")
    base = summary.get(("skadapt", "source-only"), {}).get("avg")
    if base is not None:
        ax.axvline(base, color="k", lw=0.8, ls="--")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


# --------------------------------------------------------------------------- CLI
def parse_args(argv=None):
    """Parse the command line (unknown suites and methods are errors)."""
    parser = argparse.ArgumentParser(
        description="Run skadapt methods on a real domain-adaptation suite.",
        epilog=f"methods: {', '.join(_methods.METHODS)}",
    )
    parser.add_argument(
        "--suite",
        default="office-caltech",
        choices=list(_suites.SUITES),
        help="benchmark suite (default: office-caltech, 12 unsupervised tasks)",
    )
    parser.add_argument(
        "--methods",
        nargs="+",
        metavar="NAME",
        help="methods to run (space or comma separated; default: every registered "
        "method that applies to the suite)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="3 tasks (2 trials): a smoke run"
    )
    parser.add_argument(
        "--trials",
        type=int,
        default=None,
        metavar="N",
        help="semi-supervised suite: run the first N of the 20 trials",
    )
    parser.add_argument(
        "--n-jobs", type=int, default=-1, help="parallel jobs over tasks (joblib)"
    )
    parser.add_argument(
        "--peers",
        action="store_true",
        help="also run skada's and ADAPT's versions when importable",
    )
    parser.add_argument(
        "--out", type=Path, default=RESULTS, help="directory for md/json/png"
    )
    parser.add_argument("--no-plot", action="store_true", help="skip the PNG")
    parser.add_argument(
        "--list", action="store_true", help="list suites and methods, then exit"
    )
    args = parser.parse_args(argv)
    if args.trials is not None and args.trials < 1:
        parser.error("--trials must be at least 1")
    suite = _suites.SUITES[args.suite]
    args.left_out = {}
    if args.methods is None:
        args.methods, args.left_out = _methods.default_methods(suite)
    else:
        names = [n for item in args.methods for n in item.split(",") if n]
        unknown = [n for n in names if n not in _methods.METHODS]
        if unknown:
            parser.error(
                f"unknown method(s) {', '.join(unknown)}; known methods: "
                f"{', '.join(_methods.METHODS)}"
            )
        args.methods = list(dict.fromkeys(names))
    return args


def list_all():
    """Print the suites and the registry with each method's availability."""
    print("suites:")
    for s in _suites.SUITES.values():
        print(f"  {s.name:16s} {s.description}")
    print("methods:")
    for m in _methods.METHODS.values():
        try:
            m.build(m.kinds[0])
            state = "available"
        except _methods.MethodUnavailable as exc:
            state = f"skipped: {exc}"
        print(f"  {m.name:26s} [{m.family}] {m.description} ({state})")


def main(argv=None):
    """Run the benchmark and write the result files; return the summary dict."""
    args = parse_args(argv)
    if args.list:
        list_all()
        return None
    suite = _suites.SUITES[args.suite]
    methods, skipped = _methods.resolve(args.methods, suite)
    skipped.update(args.left_out)
    tasks = suite.tasks(quick=args.quick, n_trials=args.trials)
    task_names = list(dict.fromkeys(t.name for t in tasks))
    print(suite.description)
    for name, reason in skipped.items():
        print(f"  skipped {name}: {reason}")
    jobs = [(suite.name, m, t) for m in methods for t in tasks]

    peer_notes = {}
    if args.peers:
        import _peers

        for lib in ("skada", "adapt"):
            ok, note = _peers.available(lib)
            if not ok:
                peer_notes[lib] = note
                print(f"  peers: {note}")
                continue
            with_peer = [m for m in methods if _peers.has(lib, m, suite.kind)]
            peer_notes[lib] = f"{lib} {note}: {', '.join(with_peer) or 'no method'}"
            jobs += [(suite.name, m, t, lib) for m in with_peer for t in tasks]

    n_trials = len({t.trial for t in tasks})
    if suite.setting == "semi-supervised":
        print(f"{n_trials} trial(s) per task")
    print(f"{len(jobs)} fits ({len(methods)} methods x {len(tasks)} tasks)")
    t0 = time.perf_counter()
    results = run_jobs(jobs, args.n_jobs)
    wall = time.perf_counter() - t0
    summary = summarise(results, suite, task_names)

    lines = markdown_table(suite, task_names, summary, methods, args.quick)
    if args.peers:
        lines += ["", "#### peers (same tasks, same final estimator)", ""]
        lines += [f"- {note}" for note in peer_notes.values()]
        lines += [""] + peers_table(suite, summary, methods)
    notes = []
    for name, reason in skipped.items():
        notes.append(f"- skipped {name}: {reason}")
    for (lib, name), s in summary.items():
        for err in s["errors"]:
            notes.append(f"- error in {lib}:{name}: {err}")
    lines += ["", suite.description, "", suite.citation]
    if suite.setting == "semi-supervised":
        lines += ["", f"Trials run per task: {n_trials} of {suite.n_trials}."]
    lines += [
        "",
        f"Wall time {wall:.0f} s with --n-jobs {args.n_jobs}; fit s = total fit "
        "time over the tasks (noisy on a shared machine; compare ratios).",
    ]
    if notes:
        lines += [""] + notes
    text = "\n".join(lines)
    print()
    print(text)

    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / f"run_{suite.name}{'_quick' if args.quick else ''}"
    stem.with_suffix(".md").write_text(text + "\n")
    payload = {
        "suite": suite.name,
        "description": suite.description,
        "metric": suite.metric,
        "quick": args.quick,
        "trials_per_task": n_trials,
        "tasks": task_names,
        "methods": methods,
        "skipped": skipped,
        "peers": peer_notes,
        "results": {f"{lib}:{name}": s for (lib, name), s in sorted(summary.items())},
        "runs": results,
        "published": suite.published,
        "published_avg": suite.published_avg,
        "citation": suite.citation,
        "hyperparameters": _methods.__doc__,
        "wall_time": wall,
        "n_jobs": args.n_jobs,
        "versions": {
            "skadapt": skadapt.__version__,
            "scikit-learn": sklearn.__version__,
            "numpy": np.__version__,
            "python": platform.python_version(),
        },
    }
    stem.with_suffix(".json").write_text(json.dumps(payload, indent=1, default=str))
    written = [stem.with_suffix(".md"), stem.with_suffix(".json")]
    if not args.no_plot and plot(
        stem.with_suffix(".png"), suite, task_names, summary, methods, args.quick
    ):
        written.append(stem.with_suffix(".png"))
    print("\nwrote " + ", ".join(str(p) for p in written))
    return summary


if __name__ == "__main__":
    main()
