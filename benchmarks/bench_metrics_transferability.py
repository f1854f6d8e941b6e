"""Do transferability scores rank the sources as transfer actually turns out?

For each target domain of Office-Caltech10 SURF (4 targets) and of the Amazon
reviews (4 product categories), the three other domains are the candidate
sources. What transfer reaches from each source is measured on all target rows
with the target labels (which no ranking sees):

- ``source-only``: the benchmark's source-only pipeline (``LogisticRegression(C=1)``
  on the source rows, ``benchmarks/_methods.py``);
- ``TCA``: the best skadapt default on both suites (TCA then the same classifier).

Each ranking orders the three sources; its Kendall tau (tau-b) with the order of
the measured accuracies is averaged over the targets. The transferability scores
(:func:`skadapt.metrics.rank_sources`: LogME, LEEP, NCE, H-score and its
shrinkage variant, TransRate, GBC, on the source model's outputs, beside the
source model's accuracy on the labelled rows) see ``k``
labelled target rows per class (``k`` = 5, 20, 50; all rows of a class that has
fewer), drawn ``--draws`` times. Beside them, rankings that need no score:

- ``largest source first`` (``n_source``) and ``smallest MMD first`` (label-free);
- the other label-free shift metrics (proxy A-distance, CORAL, Fréchet) and the
  importance-weighted source accuracy of :func:`skadapt.metrics.predict_transfer_gain`;
- ``target_accuracy`` (a column of the same table): the source model's accuracy
  on the same ``k`` labelled target rows per class, the direct estimate.

A ranking whose values tie for all three sources has no order: its tau is counted
as 0 (the count of such cases is reported). CPU times are of this process.

Usage::

    python benchmarks/bench_metrics_transferability.py            # both suites
    python benchmarks/bench_metrics_transferability.py --quick    # 2 draws, k=5,20
"""

import argparse  # noqa: E402
import warnings  # noqa: E402

import _harness  # noqa: F401  (pins BLAS threads before numpy is imported)
import numpy as np  # noqa: E402
from _methods import CLASSIFIER, METHODS  # noqa: E402
from scipy.stats import kendalltau  # noqa: E402
from sklearn.base import clone  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from skadapt import datasets  # noqa: E402
from skadapt.metrics import predict_transfer_gain, rank_sources  # noqa: E402

SUITES = {
    "office-caltech": ("load_office_caltech", ["amazon", "caltech", "dslr", "webcam"]),
    "amazon": ("load_amazon_reviews", ["books", "dvd", "elec", "kitchen"]),
}
LABEL_SCORES = [
    "logme",
    "leep",
    "nce",
    "target_accuracy",
    "h_score",
    "shrinkage_h_score",
    "transrate",
    "gbc",
]
SHIFT_SCORES = ["mmd", "proxy_a_distance", "coral_distance", "frechet_distance"]
TRUTHS = ["source-only", "TCA"]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--suites", nargs="+", default=list(SUITES), choices=SUITES)
    parser.add_argument("--shots", nargs="+", type=int, default=[5, 20, 50])
    parser.add_argument("--draws", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="2 draws, k = 5, 20")
    _harness.add_common_arguments(parser)
    args = parser.parse_args(argv)
    if args.quick:
        args.draws, args.shots = 2, [5, 20]
    return args


def tau(values, truth):
    """Kendall tau-b of a ranking (greater value = ranked higher); 0 on ties."""
    values = np.asarray(values, dtype=float)
    if np.ptp(values) == 0 or not np.all(np.isfinite(values)):
        return 0.0, True
    return float(kendalltau(values, truth).statistic), False


def few_labels(y_true, k, rng):
    """``k`` labelled rows per class (all of a smaller class), -1 elsewhere."""
    y = np.full_like(y_true, -1)
    for c in np.unique(y_true):
        rows = np.flatnonzero(y_true == c)
        pick = rng.choice(rows, size=min(k, rows.size), replace=False)
        y[pick] = c
    return y


def target_task(suite, target, seed):
    """Ground truth and label-free evidence of the three sources of one target."""
    loader_name, domains = SUITES[suite]
    loader = getattr(datasets, loader_name)
    sources = [d for d in domains if d != target]
    Xt_ref = yt = None
    cands, truth, free = {}, {t: [] for t in TRUTHS}, {}
    for src in sources:
        X, y, sd, y_true = loader(src, target)
        Xs, ys = X[sd > 0], y[sd > 0]
        Xt, yt_src = X[sd < 0], y_true[sd < 0]
        if Xt_ref is None:
            Xt_ref, yt = Xt, yt_src
        else:  # each domain is standardised on its own rows: same target rows
            assert np.allclose(Xt, Xt_ref) and np.array_equal(yt, yt_src)
        for name in TRUTHS:
            model = METHODS[name].build("classification").fit(X, y)
            truth[name].append(100.0 * float(np.mean(model.predict(Xt) == yt)))
            if name == "source-only":
                source_model = model[-1].estimator_  # the LR fitted on source rows
        cands[src] = {"estimator": source_model, "X_source": Xs}
        gain = predict_transfer_gain(
            Xs, ys, Xt, estimator=clone(CLASSIFIER), random_state=seed
        )
        free.setdefault("importance-weighted accuracy", []).append(gain.iw_accuracy)
    cpu, table = _harness.cpu_time(
        rank_sources, cands, Xt_ref, scores=SHIFT_SCORES, random_state=seed
    )
    for s in SHIFT_SCORES:
        free[s] = [-float(table.loc[src, s]) for src in sources]  # smaller first
    free["largest source first"] = [float(table.loc[s, "n_source"]) for s in sources]
    return sources, cands, Xt_ref, yt, truth, free, cpu


def main(argv=None):
    args = parse_args(argv)
    threadpool_limits(args.threads)
    warnings.simplefilter("ignore")  # convergence chatter of the source LRs
    rankings = (
        ["largest source first", "mmd"]
        + LABEL_SCORES
        + ["importance-weighted accuracy"]
        + SHIFT_SCORES[1:]
    )
    payload = {"suites": {}}
    for suite in args.suites:
        targets = SUITES[suite][1]
        tasks, taus = [], {}
        ties = {}
        cpu_rank = []
        for ti, target in enumerate(targets):
            sources, cands, Xt, yt, truth, free, cpu_free = target_task(
                suite, target, args.seed
            )
            task = {
                "target": target,
                "sources": sources,
                "n_source": free["largest source first"],
                "accuracy": truth,
                "label_free": {k: v for k, v in free.items()},
                "cpu_s_shift_metrics": cpu_free,
                "draws": {},
            }
            print(f"{suite} target {target}: sources {sources}")
            for name in TRUTHS:
                print(
                    f"  {name:12s} accuracy "
                    + "  ".join(f"{a:5.1f}" for a in truth[name])
                )
            for k in args.shots:
                per_draw = []
                for r in range(args.draws):
                    rng = np.random.RandomState(args.seed + 1000 * ti + 17 * k + r)
                    y_few = few_labels(yt, k, rng)
                    cpu, table = _harness.cpu_time(
                        rank_sources, cands, Xt, y_few, scores=LABEL_SCORES
                    )
                    cpu_rank.append(cpu)
                    lab = y_few != -1
                    values = {
                        s: [float(table.loc[src, s]) for src in sources]
                        for s in LABEL_SCORES
                    }
                    values.update(free)
                    per_draw.append({"n_labelled": int(lab.sum()), "values": values})
                    for name in TRUTHS:
                        for rk in rankings:
                            t, tie = tau(values[rk], truth[name])
                            taus.setdefault((name, k, rk), []).append(t)
                            ties[(name, k, rk)] = ties.get((name, k, rk), 0) + int(tie)
                task["draws"][str(k)] = per_draw
            tasks.append(task)
        summary = {}
        for name in TRUTHS:
            summary[name] = {}
            for k in args.shots:
                summary[name][str(k)] = {
                    rk: {
                        "mean_tau": float(np.mean(taus[(name, k, rk)])),
                        "ties": ties[(name, k, rk)],
                        "n": len(taus[(name, k, rk)]),
                    }
                    for rk in rankings
                }
        payload["suites"][suite] = {
            "tasks": tasks,
            "kendall_tau": summary,
            "cpu_s_rank_sources_label_scores_median": float(np.median(cpu_rank)),
        }
        print(
            f"\n{suite}: Kendall tau with the measured accuracy, mean over "
            f"{len(targets)} targets x {args.draws} draws"
        )
        for name in TRUTHS:
            print(f"  truth = {name}")
            print(
                "    "
                + f"{'ranking':30s}"
                + "".join(f"  k={k:<4d}" for k in args.shots)
            )
            for rk in rankings:
                cells = "".join(
                    f"  {summary[name][str(k)][rk]['mean_tau']:+.3f}"
                    for k in args.shots
                )
                print(f"    {rk:30s}{cells}")
    path = _harness.write_result("bench_metrics_transferability", payload, args)
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
