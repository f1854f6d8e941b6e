"""AutoAdapt's decision on one real task, as the user guide prints it.

Fits ``AutoAdapt`` (library defaults, the benchmark's final classifier) on one
Office-Caltech task of ``benchmarks/run.py`` (``--task``, default the first),
records its ``summary()``, the target accuracy of the chosen model and of
source-only, and the CPU time of the whole fit as a multiple of the source-only
fit (one BLAS thread, ``n_jobs=1``). ``render_results.py`` writes the summary
into ``docs/guide/auto_summary.txt``, which the guide page "Choosing a method
without target labels" includes::

    python benchmarks/bench_auto_summary.py [--task amazon->caltech] [--refresh]
"""

import argparse

import _harness  # noqa: F401  (pins BLAS threads before numpy)
import _methods
import _runner
import _suites
import numpy as np

NAME = "bench_auto_summary"


def main(argv=None):
    parser = _harness.add_common_arguments(argparse.ArgumentParser(description=__doc__))
    parser.add_argument("--suite", default="office-caltech")
    parser.add_argument("--task", default=None, help="task name (default: the first)")
    args = parser.parse_args(argv)
    suite = _suites.SUITES[args.suite]
    tasks = {t.name: t for t in suite.tasks()}
    task = tasks[args.task] if args.task else next(iter(tasks.values()))
    X, y, sd, y_true = task.load()
    test = _runner.test_rows(y, sd)
    out = {"suite": suite.name, "task": task.name}
    for name in ("source-only", "AutoAdapt"):
        est = _methods.METHODS[name].build(suite.kind)
        with _harness.blas_threads(1):
            cpu, est = _harness.cpu_time(_runner._fit, est, X, y, sd)
        out[name] = {
            "fit_cpu_seconds": cpu,
            "target_accuracy": float(np.mean(est.predict(X[test]) == y_true[test])),
        }
        if name == "AutoAdapt":
            out["summary"] = est.summary()
            out["chosen"] = est.chosen_
            out["n_configurations"] = len(est.decision_["candidates"])
    out["fit_time_multiple"] = (
        out["AutoAdapt"]["fit_cpu_seconds"] / out["source-only"]["fit_cpu_seconds"]
    )
    print(out["summary"])
    print(
        f"{task.name}: source-only {out['source-only']['target_accuracy']:.3f}, "
        f"AutoAdapt {out['AutoAdapt']['target_accuracy']:.3f} ({out['chosen']}); "
        f"fit time {out['fit_time_multiple']:.1f} x source-only"
    )
    print(_harness.write_result(NAME, out, args))


if __name__ == "__main__":
    main()
