"""Learning curves of the transfer family against source-only and target-only models.

Three settings, each estimator at its defaults:

- Office-Caltech SURF (12 tasks), the 20 semi-supervised trials of the DA-SVMs
  splits: 20 (amazon source) or 8 labelled source rows per class and 3 labelled
  target rows per class; accuracy on the trial's test rows (the masked target
  rows). Base model ``LogisticRegression()``.
- Amazon reviews, 400-d (12 tasks): every source row, ``n`` labelled target rows
  drawn at random (``--amazon-sizes``, 10 to 200, ``--repeats`` draws each);
  accuracy on the other target rows. Base model ``LogisticRegression()``.
- Bikeshare by season (12 tasks, log counts) and Auto by origin (6 tasks, miles
  per gallon), regression with ``n`` labelled target rows; RMSE on the other target
  rows. Base model ``Ridge()`` (target-only: ``RidgeCV()``, which, like
  ``TransferRidge``, chooses its penalty). Features standardised over all rows.

Methods: source-only (base model on the source rows), target-only (on the labelled
target rows), TransferLogisticRegression (default ``C="auto"``, and ``C=1``) /
TransferRidge (default ``alpha="auto"``), JointTraining(base),
LinearInterpolation(base), and FineTune(SGDClassifier) next to its own source-only
SGD for the classification tasks.

Run::

    python benchmarks/bench_transfer_curves.py --refresh       # everything (~20 min)
    python benchmarks/bench_transfer_curves.py --trials 5 --repeats 2 --quick

Prints the tables and curves, saves the stamped ``bench_transfer_curves.json`` and
a plot ``bench_transfer_curves.png`` (``benchmarks/results/`` with ``--refresh``,
else ``benchmarks/results/local/``).
"""

import argparse
import itertools
import warnings

import _harness
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, Ridge, RidgeCV, SGDClassifier

from skadapt import (
    FineTune,
    JointTraining,
    LinearInterpolation,
    TransferLogisticRegression,
    TransferRidge,
)
from skadapt.datasets import (
    load_amazon_reviews,
    load_auto,
    load_bikeshare,
    load_office_caltech,
)

OFFICE = ["amazon", "caltech", "dslr", "webcam"]
AMAZON = ["books", "dvd", "elec", "kitchen"]
SHORT = {
    "amazon": "A",
    "caltech": "C",
    "dslr": "D",
    "webcam": "W",
    "books": "B",
    "dvd": "D",
    "elec": "E",
    "kitchen": "K",
}
CLASSIFIERS = [
    "source-only",
    "target-only",
    "TransferLogisticRegression",
    "TransferLogisticRegression(C=1)",
    "JointTraining",
    "LinearInterpolation",
    "SGD source-only",
    "FineTune(SGD)",
]
TITLES = {
    "amazon": "Amazon reviews 400-d",
    "bikeshare": "Bikeshare by season",
    "auto": "Auto by origin",
}
REGRESSORS = [
    "source-only",
    "target-only",
    "TransferRidge",
    "JointTraining",
    "LinearInterpolation",
]


def _sgd():
    return SGDClassifier(loss="log_loss", alpha=1e-3, max_iter=50, random_state=0)


def _classifiers(X, y, sd):
    src = sd > 0
    lab = (sd < 0) & (y != -1)
    fitted = {
        "source-only": LogisticRegression().fit(X[src], y[src]),
        "target-only": LogisticRegression().fit(X[lab], y[lab]),
        "TransferLogisticRegression": TransferLogisticRegression().fit(
            X, y, sample_domain=sd
        ),
        "TransferLogisticRegression(C=1)": TransferLogisticRegression(C=1.0).fit(
            X, y, sample_domain=sd
        ),
        "JointTraining": JointTraining(LogisticRegression()).fit(
            X, y, sample_domain=sd
        ),
        "LinearInterpolation": LinearInterpolation(LogisticRegression()).fit(
            X, y, sample_domain=sd
        ),
        "SGD source-only": _sgd().fit(X[src], y[src]),
        "FineTune(SGD)": FineTune(_sgd()).fit(X, y, sample_domain=sd),
    }
    return fitted


def _regressors(X, y, sd):
    src = sd > 0
    lab = (sd < 0) & ~np.isnan(y)
    return {
        "source-only": Ridge().fit(X[src], y[src]),
        "target-only": RidgeCV().fit(X[lab], y[lab]),
        "TransferRidge": TransferRidge().fit(X, y, sample_domain=sd),
        "JointTraining": JointTraining(Ridge()).fit(X, y, sample_domain=sd),
        "LinearInterpolation": LinearInterpolation(Ridge()).fit(X, y, sample_domain=sd),
    }


def _reveal(y, y_true, sd, n, rng, classification):
    """Reveal ``n`` random target labels (at least two classes); return y, test."""
    target = np.flatnonzero(sd < 0)
    while True:
        pick = rng.choice(target, n, replace=False)
        if not classification or np.unique(y_true[pick]).size > 1:
            break
    y = y.copy()
    y[pick] = y_true[pick]
    return y, np.setdiff1d(target, pick)


def _score(models, X, y_true, test, classification):
    out = {}
    for name, model in models.items():
        pred = model.predict(X[test])
        if classification:
            out[name] = 100.0 * np.mean(pred == y_true[test])
        else:
            out[name] = float(np.sqrt(np.mean((pred - y_true[test]) ** 2)))
    return out


def run_office(trials, domains):
    """{task: {method: [accuracy per trial]}}."""
    results = {}
    for s, t in itertools.permutations(domains, 2):
        task = f"{SHORT[s]}->{SHORT[t]}"
        per = {m: [] for m in CLASSIFIERS}
        for trial in range(trials):
            X, y, sd, y_true = load_office_caltech(s, t, trial=trial)
            test = np.flatnonzero((sd < 0) & (y == -1))
            scores = _score(_classifiers(X, y, sd), X, y_true, test, True)
            for m, v in scores.items():
                per[m].append(v)
        results[task] = per
        print(
            f"  office {task}: "
            + "  ".join(f"{m} {np.mean(v):.1f}" for m, v in per.items()),
            flush=True,
        )
    return results


def run_curves(
    name, pairs, loader, sizes, repeats, fit, methods, classification, standardise=False
):
    """{n: {task: {method: [score per draw]}}}."""
    results = {n: {} for n in sizes}
    for s, t in pairs:
        task = f"{SHORT.get(s, s)}->{SHORT.get(t, t)}"
        X, y, sd, y_true = loader(s, t)
        if standardise:
            std = X.std(axis=0)
            X = (X - X.mean(axis=0)) / np.where(std > 0, std, 1.0)
        for n in sizes:
            per = {m: [] for m in methods}
            for rep in range(repeats):
                rng = np.random.RandomState(1000 * rep + n)
                y_rev, test = _reveal(y, y_true, sd, n, rng, classification)
                scores = _score(fit(X, y_rev, sd), X, y_true, test, classification)
                for m, v in scores.items():
                    per[m].append(v)
            results[n][task] = per
        print(f"  {name} {task} done", flush=True)
    return results


def _means(per_task):
    """Average over tasks of the per-task mean; {method: value}."""
    methods = next(iter(per_task.values())).keys()
    return {
        m: float(np.mean([np.mean(v[m]) for v in per_task.values()])) for m in methods
    }


def _wins(per_task, method, other, higher_is_better):
    sign = 1 if higher_is_better else -1
    return int(
        sum(
            sign * (np.mean(v[method]) - np.mean(v[other])) > 0
            for v in per_task.values()
        )
    )


def _print_office(res):
    tasks = list(res)
    print(
        "\nOffice-Caltech SURF, 3 labelled target rows per class, accuracy % "
        "(mean over trials)"
    )
    print(f"{'method':<33}" + "".join(f"{t:>7}" for t in tasks) + f"{'avg':>7}")
    for m in CLASSIFIERS:
        vals = [np.mean(res[t][m]) for t in tasks]
        print(f"{m:<33}" + "".join(f"{v:7.1f}" for v in vals) + f"{np.mean(vals):7.1f}")


def _print_curve(title, res, methods, higher):
    print(f"\n{title}")
    sizes = list(res)
    print(
        f"{'method':<33}"
        + "".join(f"{'n=' + str(n):>9}" for n in sizes)
        + f"{'avg':>9}"
    )
    table = {n: _means(res[n]) for n in sizes}
    for m in methods:
        vals = [table[n][m] for n in sizes]
        print(
            f"{m:<33}"
            + "".join(f"{v:9.3f}" if not higher else f"{v:9.1f}" for v in vals)
            + (f"{np.mean(vals):9.3f}" if not higher else f"{np.mean(vals):9.1f}")
        )
    return table


def _plot(path, office_means, curves):
    """Office averages as bars, then one panel of curves per setting."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 1 + len(curves), figsize=(5 * (1 + len(curves)), 4))
    if office_means is not None:
        means = office_means
        ax = axes[0]
        ax.barh(list(means), list(means.values()), color="tab:blue")
        ax.set_xlabel("accuracy % (12 tasks x trials)")
        ax.set_title("Office-Caltech, 3 target labels / class")
        ax.set_xlim(min(means.values()) - 5, max(means.values()) + 2)
    for ax, (title, table, ylabel) in zip(axes[1:], curves):
        sizes = list(table)
        for m in table[sizes[0]]:
            style = (
                "-o" if m.startswith(("Transfer", "Joint", "Linear", "Fine")) else "--"
            )
            ax.plot(sizes, [table[n][m] for n in sizes], style, label=m, ms=3)
        ax.set_xscale("log")
        ax.set_xticks(sizes, [str(n) for n in sizes])
        ax.minorticks_off()
        ax.set_xlabel("labelled target rows")
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# (key, title, domains, loader, sizes argument, models, methods, classification,
#  standardise, metric)
SETTINGS = [
    (
        "amazon",
        "Amazon reviews 400-d, accuracy % vs labelled target rows",
        AMAZON,
        load_amazon_reviews,
        "amazon_sizes",
        _classifiers,
        CLASSIFIERS,
        True,
        False,
        "accuracy %",
    ),
    (
        "bikeshare",
        "Bikeshare by season, RMSE (log counts) vs labelled rows",
        [1, 2, 3, 4],
        load_bikeshare,
        "bike_sizes",
        _regressors,
        REGRESSORS,
        False,
        True,
        "RMSE",
    ),
    (
        "auto",
        "Auto by origin, RMSE (mpg) vs labelled target rows",
        [1, 2, 3],
        load_auto,
        "auto_sizes",
        _regressors,
        REGRESSORS,
        False,
        True,
        "RMSE",
    ),
]


def office_record(office):
    """The Office-Caltech part of the results file."""
    return {
        "per_task": {
            t: {m: float(np.mean(v)) for m, v in r.items()} for t, r in office.items()
        },
        "average": _means(office),
        "tasks_transfer_beats_source": _wins(
            office, "TransferLogisticRegression", "source-only", True
        ),
        "tasks_transfer_beats_target": _wins(
            office, "TransferLogisticRegression", "target-only", True
        ),
    }


def run_setting(setting, args):
    """One learning-curve setting: its results record and the plot's table."""
    key, title, domains, loader, sizes, fit, methods, cls, std, metric = setting
    pairs = list(itertools.permutations(domains, 2))[: 3 if args.quick else None]
    sizes = getattr(args, sizes)
    res = run_curves(
        key, pairs, loader, sizes, args.repeats, fit, methods, cls, standardise=std
    )
    table = _print_curve(title, res, methods, cls)
    main_method = "TransferLogisticRegression" if cls else "TransferRidge"
    cells = {f"{n}:{t}": v for n, r in res.items() for t, v in r.items()}
    record = {
        "metric": metric,
        "average_per_size": {str(n): v for n, v in table.items()},
        "per_task": {
            str(n): {
                t: {m: float(np.mean(v)) for m, v in r.items()}
                for t, r in res[n].items()
            }
            for n in res
        },
        "cells_transfer_beats_source": _wins(cells, main_method, "source-only", cls),
        "cells_transfer_beats_target": _wins(cells, main_method, "target-only", cls),
        "n_cells": len(cells),
    }
    return record, (TITLES[key], table, metric)


def plot_saved(args):
    """Redraw the plot from a previous run's results file."""
    saved = _harness.read_result(
        "bench_transfer_curves",
        _harness.result_path("bench_transfer_curves", args.refresh).parent,
    )
    office = saved["office"]["average"] if saved["office"] else None
    curves = [
        (
            TITLES[key],
            {int(n): v for n, v in c["average_per_size"].items()},
            c["metric"],
        )
        for key, c in saved["curves"].items()
    ]
    _plot(
        _harness.result_path("bench_transfer_curves", args.refresh, ".png"),
        office,
        curves,
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=20)
    for name, default in (
        ("amazon", [10, 20, 50, 100, 200]),
        ("bike", [10, 20, 50, 100, 200]),
        ("auto", [5, 10, 20]),
    ):
        parser.add_argument(f"--{name}-sizes", type=int, nargs="+", default=default)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--skip",
        nargs="*",
        default=[],
        choices=["office", "amazon", "bikeshare", "auto"],
    )
    parser.add_argument(
        "--quick", action="store_true", help="first 3 tasks of each setting only"
    )
    parser.add_argument(
        "--plot-only",
        action="store_true",
        help="redraw the plot from the last run's JSON",
    )
    args = _harness.add_common_arguments(parser).parse_args(argv)
    if args.plot_only:
        return plot_saved(args)
    out, curves, office = {"office": None, "curves": {}}, [], None
    with _harness.blas_threads(args.threads), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if "office" not in args.skip:
            office = run_office(args.trials, OFFICE[:2] if args.quick else OFFICE)
            _print_office(office)
            out["office"] = office_record(office)
        for setting in SETTINGS:
            if setting[0] not in args.skip:
                out["curves"][setting[0]], curve = run_setting(setting, args)
                curves.append(curve)
    path = _harness.write_result("bench_transfer_curves", out, args)
    _plot(path.with_suffix(".png"), None if office is None else _means(office), curves)
    print(f"\nwrote {path} and {path.with_suffix('.png')}")


if __name__ == "__main__":
    main()
