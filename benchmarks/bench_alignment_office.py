"""Office-Caltech10 SURF: per-task accuracy of the alignment family next to the papers.

Three tables, every one beside its source-only baseline:

A. The published unsupervised protocol of TCA/JDA (Long et al.'s demo code): all
   rows of both domains, the loader's preprocessing (row / row sum, then per-domain
   column z-score), rows scaled to unit L2 norm, a linear-kernel embedding of 100
   components with ``mu = 1``, embedded rows scaled to unit norm, and a 1-nearest-
   neighbour classifier fitted on the source rows. JDA refreshes its pseudo-labels
   ten times with the same normalised 1-NN. Published rows: 1NN, TCA, JDA.
B. CORAL's protocol, as in the experiment code released with [2]: per trial, 20
   random source rows per class (all of a class's rows when it has fewer), every
   target row unlabelled and tested; CORAL with the paper's ridge (``reg=1``: the
   identity on z-scored features), then a linear SVM (``SVC(kernel="linear")`` on
   the mapped source rows, one-vs-one as libsvm) whose ``C`` is picked from
   {1e-3, ..., 1e4} by 2-fold cross-validation on the source rows; source-only is
   the same SVM on the raw rows. Averaged over ``--trials`` random draws.
   Published row: CORAL.
C. skadapt's defaults: each transformer with its default parameters followed by
   ``LogisticRegression`` on all source rows (unsupervised, every target row tested),
   beside source-only logistic regression, so a default that hurts shows.

Protocol notes (measured 2026-11-22): A reproduces 1NN exactly (31.4) and TCA/JDA
within 0.6 points. B's details matter: with the 20-trial splits bundled in the
data (8 source rows per class from caltech, dslr and webcam) and a fixed
``LinearSVC()``, CORAL averaged 39.0. With [2]'s own sampling (20 per class from
every source) and its cross-validated ``C``, 20 trials: CORAL 46.3 against
source-only 43.8, higher on 11 of 12 tasks, 2.5 points under the published 48.8.
The remaining gap sits in the tasks with amazon or caltech as source (C->A 46.8
against 52.1); our source-only SVM on those same draws is also far under the
published SVM row (C->A 45.0 against 53.1, which [1] measured with all source
rows), so we read it as a difference in the source-only models, not in the map.

The published numbers are copied from ../shared/data/README.md, which gathers them
from [1], [2] and [4]: the TCA and JDA rows are [1]'s, the CORAL row is [2]'s. Run::

    python benchmarks/bench_alignment_office.py                 # everything
    python benchmarks/bench_alignment_office.py --trials 5 --skip-defaults

References
----------
[1] M. Long, J. Wang, G. Ding, J. Sun and P. S. Yu, "Transfer Feature Learning with
    Joint Distribution Adaptation", ICCV 2013.
[2] B. Sun, J. Feng and K. Saenko, "Return of Frustratingly Easy Domain
    Adaptation", AAAI 2016.
[3] B. Gong, Y. Shi, F. Sha and K. Grauman, "Geodesic Flow Kernel for Unsupervised
    Domain Adaptation", CVPR 2012.
[4] J. Wang, W. Feng, Y. Chen, H. Yu, M. Huang and P. S. Yu, "Visual Domain
    Adaptation with Manifold Embedded Distribution Alignment", ACM MM 2018.
"""

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import Normalizer
from sklearn.svm import SVC
from threadpoolctl import threadpool_limits

from skadapt import (
    CORAL,
    JDA,
    TCA,
    DomainStandardScaler,
    LinearOTMapping,
    SubspaceAlignment,
)
from skadapt.datasets import load_office_caltech

DOMAINS = {"C": "caltech", "A": "amazon", "W": "webcam", "D": "dslr"}
TASKS = ["CA", "CW", "CD", "AC", "AW", "AD", "WC", "WA", "WD", "DC", "DA", "DW"]

# Published accuracies (%), task order as TASKS, copied from ../shared/data/README.md
# (gathered there from [1], [2], [4]: TCA and JDA from [1], CORAL from [2]).
PUBLISHED = {
    "1NN": [23.7, 25.8, 25.5, 26.0, 29.8, 25.5, 19.9, 23.0, 59.2, 26.3, 28.5, 63.4],
    "SVM": [53.1, 41.7, 47.8, 41.7, 31.9, 44.6, 28.8, 27.6, 78.3, 26.4, 26.2, 52.5],
    "TCA": [45.6, 39.3, 45.9, 42.0, 40.0, 35.7, 31.5, 30.5, 91.1, 33.0, 32.8, 87.5],
    "JDA": [43.1, 39.3, 49.0, 40.9, 38.0, 42.0, 33.0, 29.8, 92.4, 31.2, 33.4, 89.2],
    "CORAL": [52.1, 46.4, 45.9, 45.1, 44.4, 39.5, 33.7, 36.0, 86.6, 33.8, 37.7, 84.7],
}
PUBLISHED_AVG = {"1NN": 31.4, "SVM": 41.1, "TCA": 46.2, "JDA": 46.8, "CORAL": 48.8}


def _unit_rows(Z):
    norm = np.linalg.norm(Z, axis=1, keepdims=True)
    return Z / np.where(norm > 0, norm, 1.0)


def _nn_accuracy(Z, y, y_true, sd):
    s, t = sd > 0, sd < 0
    knn = KNeighborsClassifier(n_neighbors=1).fit(Z[s], y[s])
    return 100 * knn.score(Z[t], y_true[t])


def protocol_a(task, n_components):
    X, y, sd, y_true = load_office_caltech(DOMAINS[task[0]], DOMAINS[task[1]])
    Xn = _unit_rows(X)
    out = {
        "1NN": _nn_accuracy(X, y, y_true, sd),
        "1NN (unit rows)": _nn_accuracy(Xn, y, y_true, sd),
    }
    tca = TCA(kernel="linear", n_components=n_components, mu=1.0)
    Z = _unit_rows(tca.fit_transform(Xn, y, sample_domain=sd))
    out["TCA"] = _nn_accuracy(Z, y, y_true, sd)
    jda = JDA(
        kernel="linear",
        n_components=n_components,
        mu=1.0,
        n_iter=10,
        estimator=make_pipeline(Normalizer(), KNeighborsClassifier(n_neighbors=1)),
    )
    Z = _unit_rows(jda.fit_transform(Xn, y, sample_domain=sd))
    out["JDA"] = _nn_accuracy(Z, y, y_true, sd)
    return out


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
    X, y, sd, y_true = load_office_caltech(DOMAINS[task[0]], DOMAINS[task[1]])
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


DEFAULTS = {
    "CORAL": CORAL,
    "SubspaceAlignment": SubspaceAlignment,
    "TCA": TCA,
    "LinearOTMapping": LinearOTMapping,
    "DomainStandardScaler": DomainStandardScaler,
}


def protocol_c(task):
    X, y, sd, y_true = load_office_caltech(DOMAINS[task[0]], DOMAINS[task[1]])
    s, t = sd > 0, sd < 0
    out = {}
    lr = LogisticRegression(max_iter=1000)
    out["source-only LR"] = 100 * lr.fit(X[s], y[s]).score(X[t], y_true[t])
    for name, cls in DEFAULTS.items():
        est = cls()
        Zs = est.fit_transform(X, y, sample_domain=sd)[s]
        Zt = est.transform(X[t])
        out[name] = 100 * lr.fit(Zs, y[s]).score(Zt, y_true[t])
    return out


def _print_table(title, results, columns, published=()):
    print(f"\n{title}")
    head = f"{'':<22}" + "".join(f"{t[0]}->{t[1]:<3}" for t in TASKS) + "   avg"
    print(head)
    for col in columns:
        vals = [results[t][col] for t in TASKS]
        line = f"{col:<22}" + "".join(f"{v:6.1f}" for v in vals)
        print(line + f"  {np.mean(vals):5.1f}")
    for name in published:
        line = f"{'published ' + name:<22}" + "".join(
            f"{v:6.1f}" for v in PUBLISHED[name]
        )
        print(line + f"  {PUBLISHED_AVG[name]:5.1f}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n-components", type=int, default=100)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--skip-defaults", action="store_true")
    parser.add_argument(
        "--output",
        default=str(Path(__file__).parent / "results" / "bench_alignment_office.json"),
    )
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", category=ConvergenceWarning)

    res_a, res_b, res_c = {}, {}, {}
    t0 = time.perf_counter()
    with threadpool_limits(limits=args.threads):
        for task in TASKS:
            res_a[task] = protocol_a(task, args.n_components)
            res_b[task] = protocol_b(task, args.trials)
            if not args.skip_defaults:
                res_c[task] = protocol_c(task)
            print(f"{task} done ({time.perf_counter() - t0:.0f} s)", flush=True)

    _print_table(
        "A. Unsupervised, all rows, 1-NN on the adapted features (TCA/JDA protocol)",
        res_a,
        ["1NN", "1NN (unit rows)", "TCA", "JDA"],
        published=("1NN", "TCA", "JDA"),
    )
    _print_table(
        f"B. {args.trials} random trials, linear SVM (CORAL protocol)",
        res_b,
        ["SVM (trials)", "CORAL"],
        published=("SVM", "CORAL"),
    )
    if res_c:
        _print_table(
            "C. skadapt defaults + LogisticRegression (unsupervised, all rows)",
            res_c,
            ["source-only LR", *DEFAULTS],
        )

    def avg(res, col):
        return float(np.mean([res[t][col] for t in TASKS]))

    summary = {
        "TCA": {"ours": avg(res_a, "TCA"), "published": PUBLISHED_AVG["TCA"]},
        "JDA": {"ours": avg(res_a, "JDA"), "published": PUBLISHED_AVG["JDA"]},
        "CORAL": {"ours": avg(res_b, "CORAL"), "published": PUBLISHED_AVG["CORAL"]},
        "1NN": {"ours": avg(res_a, "1NN"), "published": PUBLISHED_AVG["1NN"]},
    }
    print("\naverage gap to the published rows (ours - published):")
    for name, v in summary.items():
        v["gap"] = v["ours"] - v["published"]
        print(f"  {name:<6} {v['ours']:5.1f} vs {v['published']:5.1f}: {v['gap']:+.1f}")

    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "script": Path(__file__).name,
                "tasks": TASKS,
                "n_components": args.n_components,
                "trials": args.trials,
                "protocol_a": res_a,
                "protocol_b": res_b,
                "protocol_c": res_c,
                "published": PUBLISHED,
                "published_avg": PUBLISHED_AVG,
                "summary": summary,
            },
            indent=2,
        )
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
