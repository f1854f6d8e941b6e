"""Label shift on the bundled real data: prior error and target accuracy.

What it measures. Label shift is induced by subsampling the target's classes: for
each task and each Dirichlet concentration ``alpha`` in {0.1, 1, 10}, ``--draws``
target priors ``q ~ Dirichlet(alpha 1)`` are drawn and the target sample is drawn
from the target pool with those class proportions (rows drawn with replacement
within each class, as many rows as the pool has). Two settings:

- ``within``: source and target pools are the two halves (stratified) of one
  domain, so the shift is pure label shift (the estimators' assumption holds);
- ``cross``: the source is one domain and the target pool another, so the induced
  label shift comes on top of the domains' own shift (mixed shift).

One base classifier per task (``LogisticRegression(max_iter=1000)``) is fitted on
60% of the source rows; the other 40% are held out, and every estimator (skadapt's
with ``cv="prefit"`` on a ``FrozenEstimator``, QuaPy's with ``fit_classifier=False``
and the held-out rows as validation) sees the same classifier, held-out rows and
target draws. For each draw: the prior MAE (mean absolute error over classes,
against the drawn sample's class proportions), the target accuracy of the
classifier corrected with the estimated priors (posterior re-weighting), the
source-only accuracy (no correction), the oracle's (corrected with the drawn
sample's class proportions) and the CPU time of each estimator's fit. The fraction
of the source-to-oracle accuracy gap that an estimator closes is
``(acc - acc_source) / (acc_oracle - acc_source)`` on the means over draws.

Run: ``python benchmarks/bench_label_shift.py [--draws 10] [--quick] [--refresh]``.
"""

import argparse  # noqa: E402
import warnings  # noqa: E402

import _harness  # noqa: F401  (pins BLAS threads before numpy is imported)
import numpy as np  # noqa: E402
from sklearn.frozen import FrozenEstimator  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from skadapt import datasets  # noqa: E402
from skadapt.label_shift import BBSE, MLLS, RLLS, PriorCorrection  # noqa: E402

ALPHAS = (0.1, 1.0, 10.0)

# (dataset, loader, source, target); "within" uses the source domain only
TASKS = {
    "office-caltech": [
        ("load_office_caltech", "amazon", "caltech"),
        ("load_office_caltech", "caltech", "amazon"),
    ],
    "amazon": [
        ("load_amazon_reviews", "books", "dvd"),
        ("load_amazon_reviews", "elec", "kitchen"),
    ],
    "digits": [
        ("load_mnist_usps", "usps", "mnist"),
        ("load_mnist_usps", "mnist", "usps"),
    ],
}


def skadapt_methods():
    return {
        "BBSE (hard)": lambda clf: BBSE(clf, cv="prefit", n_bootstrap=0),
        "BBSE (soft)": lambda clf: BBSE(clf, soft=True, cv="prefit", n_bootstrap=0),
        "MLLS (BCTS)": lambda clf: MLLS(clf, cv="prefit", n_bootstrap=0),
        "MLLS (no calibration)": lambda clf: MLLS(
            clf, calibration=None, cv="prefit", n_bootstrap=0
        ),
        "RLLS (alpha=0.01)": lambda clf: RLLS(clf, cv="prefit", n_bootstrap=0),
        "RLLS (alpha=1)": lambda clf: RLLS(clf, alpha=1.0, cv="prefit", n_bootstrap=0),
    }


def quapy_methods():
    try:
        import quapy  # noqa: F401
        from quapy.method.aggregative import ACC, EMQ
    except ImportError:
        return {}

    def emq(clf, Xh, yh):
        return EMQ(clf, fit_classifier=False, val_split=(Xh, yh), calib="bcts")

    def acc(clf, Xh, yh):
        return ACC(clf, fit_classifier=False, val_split=(Xh, yh))

    return {"QuaPy EMQ (BCTS)": emq, "QuaPy ACC": acc}


def load_task(loader, source, target, setting, seed):
    """Source rows (train, held-out) and the target pool of one task."""
    X, y, sd, y_true = getattr(datasets, loader)(source, target)
    Xs, ys = X[sd > 0], y_true[sd > 0]
    if setting == "within":
        Xs, Xt, ys, yt = train_test_split(
            Xs, ys, test_size=0.5, stratify=ys, random_state=seed
        )
    else:
        Xt, yt = X[sd < 0], y_true[sd < 0]
    Xtr, Xh, ytr, yh = train_test_split(
        Xs, ys, test_size=0.4, stratify=ys, random_state=seed
    )
    return Xtr, ytr, Xh, yh, Xt, yt


def draw_target(Xt, yt, classes, alpha, rng):
    """A target sample with Dirichlet class proportions; its realised priors."""
    q = rng.dirichlet(np.full(classes.shape[0], alpha))
    counts = rng.multinomial(yt.shape[0], q)
    rows = np.concatenate(
        [
            rng.choice(np.flatnonzero(yt == c), n, replace=True)
            for c, n in zip(classes, counts)  # one draw per class
            if n > 0
        ]
    )
    return Xt[rows], yt[rows], counts / counts.sum()


def corrected_accuracy(frozen, Xtr, ytr, Xt, yt, priors):
    model = PriorCorrection(frozen, target_priors=priors).fit(Xtr, ytr)
    return float(np.mean(model.predict(Xt) == yt))


def run_task(loader, source, target, setting, draws, seed):
    Xtr, ytr, Xh, yh, Xt_pool, yt_pool = load_task(
        loader, source, target, setting, seed
    )
    classes = np.unique(ytr)
    _, clf = _harness.cpu_time(LogisticRegression(max_iter=1000).fit, Xtr, ytr)
    frozen = FrozenEstimator(clf)
    source_priors = np.bincount(np.searchsorted(classes, ytr)) / ytr.shape[0]
    ours, peers = skadapt_methods(), quapy_methods()
    rng = np.random.RandomState(seed)
    rows = []
    for alpha in ALPHAS:
        for draw in range(draws):
            Xt, yt, q = draw_target(Xt_pool, yt_pool, classes, alpha, rng)
            row = {
                "alpha": alpha,
                "draw": draw,
                "n_target": int(yt.shape[0]),
                "true_priors": q.tolist(),
                "accuracy": {
                    "source only": float(np.mean(clf.predict(Xt) == yt)),
                    "oracle": corrected_accuracy(frozen, Xtr, ytr, Xt, yt, q),
                },
                "mae": {"source only": float(np.mean(np.abs(source_priors - q)))},
                "cpu_time": {},
                "errors": {},
            }
            X = np.r_[Xh, Xt]
            y = np.r_[yh, np.full(yt.shape[0], -1)]
            for name, make in ours.items():
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        t, est = _harness.cpu_time(make(frozen).fit, X, y)
                except ValueError as exc:  # singular confusion matrix
                    row["errors"][name] = str(exc).split(":")[1][:80]
                    continue
                row["cpu_time"][name] = t
                row["mae"][name] = float(np.mean(np.abs(est.priors_ - q)))
                row["accuracy"][name] = corrected_accuracy(
                    frozen, Xtr, ytr, Xt, yt, est.priors_
                )
            for name, make in peers.items():
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")

                        def fit_quantify(make=make):
                            return make(clf, Xh, yh).fit(Xh, yh).quantify(Xt)

                        t, est_q = _harness.cpu_time(fit_quantify)
                except Exception as exc:  # noqa: BLE001 - a peer's failure is data
                    row["errors"][name] = f"{type(exc).__name__}: {exc}"[:80]
                    continue
                est_q = np.asarray(est_q, dtype=np.float64)
                row["cpu_time"][name] = t
                row["mae"][name] = float(np.mean(np.abs(est_q - q)))
                row["accuracy"][name] = corrected_accuracy(
                    frozen, Xtr, ytr, Xt, yt, est_q / est_q.sum()
                )
            rows.append(row)
    return rows


def summarise(rows):
    """Means over draws per alpha and over all: MAE, accuracy, CPU time, gap closed."""
    out = {}
    for alpha in ALPHAS + ("all",):
        sel = [r for r in rows if alpha == "all" or r["alpha"] == alpha]
        names = sorted({k for r in sel for k in r["accuracy"]})
        acc = {
            n: float(np.mean([r["accuracy"][n] for r in sel if n in r["accuracy"]]))
            for n in names
        }
        src, orc = acc["source only"], acc["oracle"]
        gap = orc - src
        out[str(alpha)] = {
            "accuracy": acc,
            "mae": {
                n: float(np.mean([r["mae"][n] for r in sel if n in r["mae"]]))
                for n in sorted({k for r in sel for k in r["mae"]})
            },
            "cpu_time": {
                n: float(np.mean([r["cpu_time"][n] for r in sel if n in r["cpu_time"]]))
                for n in sorted({k for r in sel for k in r["cpu_time"]})
            },
            "gap_closed": {
                n: (acc[n] - src) / gap if gap > 0 else None
                for n in names
                if n not in ("source only", "oracle")
            },
            "n_failed": {
                n: sum(n in r["errors"] for r in sel)
                for n in sorted({k for r in sel for k in r["errors"]})
            },
        }
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="one task per dataset")
    parser.add_argument(
        "--settings", default="within,cross", help="comma list: within,cross"
    )
    _harness.add_common_arguments(parser)
    args = parser.parse_args()
    payload = {"protocol": __doc__, "tasks": {}, "summary": {}}
    for setting in args.settings.split(","):
        for dataset, tasks in TASKS.items():
            for loader, source, target in tasks[:1] if args.quick else tasks:
                name = (
                    f"{setting} {dataset} {source}"
                    if setting == "within"
                    else f"{setting} {dataset} {source}->{target}"
                )
                rows = run_task(loader, source, target, setting, args.draws, args.seed)
                payload["tasks"][name] = {"rows": rows, "summary": summarise(rows)}
                best = payload["tasks"][name]["summary"]
                print(name)
                for alpha, s in best.items():
                    mae = " ".join(f"{k}={v:.3f}" for k, v in s["mae"].items())
                    gaps = " ".join(
                        f"{k}={v:.2f}"
                        for k, v in s["gap_closed"].items()
                        if v is not None
                    )
                    print(
                        f"  alpha={alpha} acc src={s['accuracy']['source only']:.3f} "
                        f"oracle={s['accuracy']['oracle']:.3f}\n    MAE {mae}\n"
                        f"    gap closed {gaps}"
                    )
            group = [
                r
                for n, t in payload["tasks"].items()
                if n.startswith(f"{setting} {dataset}")
                for r in t["rows"]
            ]
            payload["summary"][f"{setting} {dataset}"] = summarise(group)
    path = _harness.write_result("bench_label_shift", payload, args)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
