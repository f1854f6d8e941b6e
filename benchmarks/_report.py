"""Report benchmark results: summaries, Markdown tables, the JSON record and a plot.

:func:`summarise` reduces the per-job results of ``_runner.run_jobs`` to one entry
per ``(library, method)``; :func:`markdown_table` prints skadapt's rows beside
source-only and the published rows; :func:`peers_table` compares libraries;
:func:`plot` draws the averages; :func:`write_run` writes ``<stem>.md``, the
stamped ``<stem>.json`` (``_harness.write_result``) and ``<stem>.png``.
"""

import sys
from collections import defaultdict

import _harness
import _methods
import numpy as np

from skadapt.plotting import BenchmarkDisplay
from skadapt.plotting._benchmark import published_averages as _published_averages


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
    shown only when every task runs). The rule lives with the plot that draws it
    (``skadapt.plotting._benchmark.published_averages``).
    """
    return _published_averages(
        suite.published,
        suite.published_avg,
        task_names,
        full=list(task_names) == list(suite.task_names),
    )


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
    """Horizontal bars of the averages, published averages in grey.

    Drawn by :class:`skadapt.plotting.BenchmarkDisplay` from the same payload
    the JSON records, so the PNG and ``BenchmarkDisplay.from_results(json)``
    are one picture.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no PNG written.", file=sys.stderr)
        return False
    payload = run_payload(suite, task_names, methods, summary, [])
    payload["quick"] = quick
    display = BenchmarkDisplay.from_results(payload)
    display.figure_.savefig(path, dpi=120)
    plt.close(display.figure_)
    return True


def report_lines(suite, task_names, summary, methods, args, extra):
    """The whole text report: main table, peers, notes, citation, wall time."""
    lines = markdown_table(suite, task_names, summary, methods, args.quick)
    if args.peers:
        lines += ["", "#### peers (same tasks, same final estimator)", ""]
        lines += [f"- {note}" for note in extra["peers"].values()]
        lines += [""] + peers_table(suite, summary, methods)
    notes = [f"- skipped {name}: {why}" for name, why in extra["skipped"].items()]
    for (lib, name), s in summary.items():
        notes += [f"- error in {lib}:{name}: {err}" for err in s["errors"]]
    lines += ["", suite.description, "", suite.citation]
    if suite.setting == "semi-supervised":
        lines += [
            "",
            f"Trials run per task: {extra['trials_per_task']} of {suite.n_trials}.",
        ]
    lines += [
        "",
        f"Wall time {extra['wall_time']:.0f} s with --n-jobs {args.n_jobs}; fit s = "
        "total CPU time of the fits over the tasks (one BLAS thread each).",
    ]
    if notes:
        lines += [""] + notes
    return lines


def run_payload(suite, task_names, methods, summary, results):
    """What the main job's JSON records (the stamp is added by ``write_result``)."""
    return {
        "suite": suite.name,
        "description": suite.description,
        "metric": suite.metric,
        "tasks": task_names,
        "methods": methods,
        "results": {f"{lib}:{name}": s for (lib, name), s in sorted(summary.items())},
        "runs": results,
        "published": suite.published,
        "published_avg": suite.published_avg,
        "citation": suite.citation,
        "hyperparameters": _methods.__doc__,
    }


def write_run(name, text, payload, args, suite, task_names, summary, methods):
    """Write ``<name>.md``, the stamped ``<name>.json`` and ``<name>.png``.

    They go to ``args.out`` when given, else to ``benchmarks/results/`` with
    ``--refresh`` and ``benchmarks/results/local/`` without. Returns the paths.
    """
    md = _harness.result_path(name, args.refresh, ".md", out=args.out)
    md.write_text(text + "\n")
    written = [md, _harness.write_result(name, payload, args, out=args.out)]
    png = md.with_suffix(".png")
    if not args.no_plot and plot(png, suite, task_names, summary, methods, args.quick):
        written.append(png)
    return written
