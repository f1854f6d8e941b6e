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
source-only and the published rows. The table is written as Markdown, stamped JSON
and a PNG plot to ``benchmarks/results/local/run_<suite>[_quick].{md,json,png}``
(ignored by git), or with ``--refresh`` to the committed ``benchmarks/results/``.

The pieces live in modules of their own: suites (``_suites.py``), methods
(``_methods.py``), published rows (``_published.py``), the runner (``_runner.py``:
jobs, joblib, warnings, CPU time) and the reporting (``_report.py``: tables,
JSON, plot); this file is the command line.

Hyperparameters are fixed in ``_methods.py`` (library defaults and one documented
final estimator); nothing is tuned on target labels. ``--peers`` adds skada's and
ADAPT's versions of the same methods on the same tasks when those packages are
importable, with accuracy and fit-time ratios side by side.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402

import _harness  # noqa: E402, F401  (first: pins BLAS threads before numpy)
import _methods  # noqa: E402
import _report  # noqa: E402
import _runner  # noqa: E402
import _suites  # noqa: E402


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
        "--out",
        type=Path,
        default=None,
        help="directory for md/json/png (default: results/local/, or results/ "
        "with --refresh)",
    )
    parser.add_argument("--no-plot", action="store_true", help="skip the PNG")
    parser.add_argument(
        "--merge",
        action="store_true",
        help="keep the other methods' runs of the existing result file (same "
        "folder) and replace or add only the methods run now; the file records "
        "each merge's methods, date and machine",
    )
    parser.add_argument(
        "--list", action="store_true", help="list suites and methods, then exit"
    )
    _harness.add_common_arguments(parser)
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


def _jobs(args, suite, methods, tasks):
    """The job list and, with ``--peers``, a note per peer library."""
    jobs = [(suite.name, m, t) for m in methods for t in tasks]
    notes = {}
    if args.peers:
        import _peers

        for lib in ("skada", "adapt"):
            ok, note = _peers.available(lib)
            if not ok:
                notes[lib] = note
                print(f"  peers: {note}")
                continue
            with_peer = [m for m in methods if _peers.has(lib, m, suite.kind)]
            notes[lib] = f"{lib} {note}: {', '.join(with_peer) or 'no method'}"
            jobs += [(suite.name, m, t, lib) for m in with_peer for t in tasks]
    return jobs, notes


def _merge(name, args, methods, results, extra):
    """Fold this run into the existing ``<name>.json``: other methods' runs kept.

    The merged file lists each run's methods with its stamp under ``merges`` (the
    earlier file's stamp first), so every number keeps its date and machine.
    """
    path = _harness.result_path(name, args.refresh, out=args.out)
    if not path.exists():
        print(f"--merge: no {path} yet, writing this run alone")
        return methods, results, extra
    old = json.loads(path.read_text())
    body = old["results"]
    now = {(r["library"], r["method"]) for r in results}
    kept = [r for r in body["runs"] if (r["library"], r["method"]) not in now]
    merges = body.get("merges") or [
        {"methods": body["methods"], "environment": old.get("environment")}
    ]
    merges = merges + [
        {
            "methods": methods,
            "environment": _harness.environment(args.threads),
            "wall_time": extra["wall_time"],
        }
    ]
    all_methods = list(dict.fromkeys(body["methods"] + methods))
    extra = dict(
        extra,
        skipped={**body.get("skipped", {}), **extra["skipped"]},
        peers={**body.get("peers", {}), **extra["peers"]},
        merges=merges,
    )
    for m in methods:
        extra["skipped"].pop(m, None)
    print(f"--merge: kept {len(kept)} runs of {path.name}, added {len(results)}")
    return all_methods, kept + results, extra


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
    jobs, peer_notes = _jobs(args, suite, methods, tasks)
    n_trials = len({t.trial for t in tasks})
    if suite.setting == "semi-supervised":
        print(f"{n_trials} trial(s) per task")
    print(f"{len(jobs)} fits ({len(methods)} methods x {len(tasks)} tasks)")
    t0 = time.perf_counter()
    results = _runner.run_jobs(jobs, args.n_jobs)
    extra = {
        "skipped": skipped,
        "peers": peer_notes,
        "trials_per_task": n_trials,
        "wall_time": time.perf_counter() - t0,
    }
    name = f"run_{suite.name}{'_quick' if args.quick else ''}"
    if args.merge:
        methods, results, extra = _merge(name, args, methods, results, extra)
    summary = _report.summarise(results, suite, task_names)
    text = "\n".join(
        _report.report_lines(suite, task_names, summary, methods, args, extra)
    )
    print("\n" + text)
    payload = _report.run_payload(suite, task_names, methods, summary, results)
    payload.update(extra, quick=args.quick, n_jobs=args.n_jobs)
    written = _report.write_run(
        name, text, payload, args, suite, task_names, summary, methods
    )
    print("\nwrote " + ", ".join(str(p) for p in written))
    return summary


if __name__ == "__main__":
    main()
