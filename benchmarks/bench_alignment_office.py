"""Office-Caltech10 SURF: per-task accuracy of the alignment family next to the papers.

Three tables, every one beside its source-only baseline:

A. The published unsupervised protocol of TCA/JDA (the JDA paper's demo code),
   built once in ``_methods.paper_pipeline`` and run here through the same
   runner as ``run.py`` (methods ``1NN``, ``unit+1NN``, ``TCA-paper+1NN``,
   ``JDA-paper+1NN``). Published rows: the JDA paper's own 1NN, TCA and JDA.
B. CORAL's protocol, as in the experiment code released with the CORAL paper:
   per trial, 20 random source rows per class (all of a class's rows when it has
   fewer), every target row unlabelled and tested; CORAL with the paper's ridge
   (``reg=1``: the identity on z-scored features), then a linear SVM
   (``SVC(kernel="linear")`` on the mapped source rows, one-vs-one as libsvm)
   whose ``C`` is picked from {1e-3, ..., 1e4} by 2-fold cross-validation on the
   source rows; source-only is the same SVM on the raw rows. Averaged over
   ``--trials`` random draws. Published row: CORAL.
C. skadapt's defaults: each transformer with its default parameters followed by
   ``LogisticRegression`` (the main job's pipelines, same runner), beside
   source-only, so a default that hurts shows.

Protocol notes (measured 2026-11-22): B's details matter: with the 20-trial
splits bundled in the data (8 source rows per class from caltech, dslr and
webcam) and a fixed ``LinearSVC()``, CORAL averaged 39.0. With the paper's own
sampling (20 per class from every source) and its cross-validated ``C``, 20
trials: CORAL 46.3 against source-only 43.8, 2.5 points under the published
48.8. The gap sits in the tasks with amazon or caltech as source; our
source-only SVM on those draws is also far under the published SVM row, which
was measured with all source rows, so we read it as a difference in the
source-only models, not in the map.

Published numbers: ``_published.py`` (paper and table of every row). Run::

    python benchmarks/bench_alignment_office.py                 # everything
    python benchmarks/bench_alignment_office.py --trials 5 --skip-defaults
"""

import argparse
import warnings

import _harness
import _published
import _runner
import _suites
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.svm import SVC

from skadapt import CORAL

SUITE = _suites.SUITES["office-caltech"]
PROTOCOL_A = ["1NN", "unit+1NN", "TCA-paper+1NN", "JDA-paper+1NN"]
PUBLISHED_A = ["1NN", "TCA (Long 2013)", "JDA (Long 2013)"]
PROTOCOL_C = [
    "source-only",
    "CORAL",
    "SubspaceAlignment",
    "TCA",
    "LinearOTMapping",
    "DomainStandardScaler",
]
SVM_C = [1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0, 1e3, 1e4]


def _linear_svm(Zs, ys, Zt, yt, seed):
    """Target accuracy of a linear SVM whose C is chosen by 2-fold CV on the source."""
    search = GridSearchCV(
        SVC(kernel="precomputed"),
        {"C": SVM_C},
        cv=StratifiedKFold(2, shuffle=True, random_state=seed),
    )
    search.fit(Zs @ Zs.T, ys)
    return search.score(Zt @ Zs.T, yt)


def protocol_b(task, n_trials, per_class=20):
    """CORAL's protocol on one task: mean accuracy (%) over random source draws."""
    X, y, sd, y_true = task.load()
    Xs, ys, Xt, yt = X[sd > 0], y[sd > 0], X[sd < 0], y_true[sd < 0]
    classes = np.unique(ys)
    svm, coral = [], []
    for trial in range(n_trials):
        rng = np.random.RandomState(trial)
        rows = np.concatenate(
            [rng.permutation(np.flatnonzero(ys == c))[:per_class] for c in classes]
        )
        Xr, yr = Xs[rows], ys[rows]
        svm.append(_linear_svm(Xr, yr, Xt, yt, trial))
        domains = np.r_[np.ones(len(Xr), int), -np.ones(len(Xt), int)]
        Zr = CORAL(reg=1.0).fit_transform(np.r_[Xr, Xt], sample_domain=domains)
        coral.append(_linear_svm(Zr[: len(Xr)], yr, Xt, yt, trial))
    return {"SVM (trials)": 100 * np.mean(svm), "CORAL": 100 * np.mean(coral)}


def _by_task(results):
    """``{task: {method: score}}`` from runner results."""
    out = {}
    for r in results:
        out.setdefault(r["task"], {})[r["method"]] = r["score"]
    return out


def _show(title, res, columns, published=()):
    rows = [
        [col, *(f"{res[t][col]:.1f}" for t in SUITE.task_names)]
        + [f"{np.mean([res[t][col] for t in SUITE.task_names]):.1f}"]
        for col in columns
    ]
    for name in published:
        row = _published.ROWS[name]
        rows.append(
            [f"published {name}", *(f"{v:.1f}" for v in row.values), f"{row.average}"]
        )
    _harness.print_table(title, ["", *SUITE.task_names, "avg"], rows, width=5)


def gaps(res_a, res_b):
    """Our averages against the published ones (protocols A and B)."""
    summary = {}
    for ours, res, published in [
        ("1NN", res_a, "1NN"),
        ("TCA-paper+1NN", res_a, "TCA (Long 2013)"),
        ("JDA-paper+1NN", res_a, "JDA (Long 2013)"),
        ("CORAL", res_b, "CORAL"),
    ]:
        avg = float(np.mean([res[t][ours] for t in SUITE.task_names]))
        pub = _published.ROWS[published]
        summary[ours] = {
            "ours": avg,
            "published": pub.average,
            "gap": avg - pub.average,
            "published_row": published,
            "source": pub.source,
        }
        gap = summary[ours]["gap"]
        print(f"{ours:<14} {avg:5.1f} vs {published} {pub.average:5.1f}: {gap:+.1f}")
    return summary


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--skip-defaults", action="store_true")
    parser.add_argument("--n-jobs", type=int, default=-1, help="joblib jobs (A, C)")
    args = _harness.add_common_arguments(parser).parse_args(argv)
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    tasks = SUITE.tasks()
    methods = PROTOCOL_A + ([] if args.skip_defaults else PROTOCOL_C)
    jobs = [(SUITE.name, m, t) for m in methods for t in tasks]
    runs = _by_task(_runner.run_jobs(jobs, args.n_jobs))
    with _harness.blas_threads(args.threads):
        res_b = {t.name: protocol_b(t, args.trials) for t in tasks}
    res_a = {t: {m: runs[t][m] for m in PROTOCOL_A} for t in runs}
    res_c = (
        {}
        if args.skip_defaults
        else {t: {m: runs[t][m] for m in PROTOCOL_C} for t in runs}
    )
    _show("A. TCA/JDA paper protocol, 1-NN", res_a, PROTOCOL_A, PUBLISHED_A)
    _show(
        f"B. CORAL protocol, {args.trials} trials",
        res_b,
        list(res_b["C->A"]),
        ["SVM", "CORAL"],
    )
    if res_c:
        _show("C. skadapt defaults + LogisticRegression", res_c, PROTOCOL_C)
    summary = gaps(res_a, res_b)
    payload = {
        "tasks": list(SUITE.task_names),
        "protocol_a": res_a,
        "protocol_b": res_b,
        "protocol_c": res_c,
        "summary": summary,
    }
    print(f"wrote {_harness.write_result('bench_alignment_office', payload, args)}")


if __name__ == "__main__":
    main()
