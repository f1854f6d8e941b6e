"""Importance weighting on real covariate shift: Auto by origin, Bikeshare by season.

For every ordered pair of domains, Ridge (alpha=1, features standardised on all
rows) is fitted on the source rows without weights (source-only), with the weights
of each skadapt weighter (``ImportanceWeighted(Ridge(), weighter)``, default
parameters), and on the target rows themselves (the oracle, scored by 5-fold
cross-validated predictions so it never predicts a row it was fitted on). The
table gives the target RMSE (Auto: miles per gallon; Bikeshare: log1p rentals)
and each weighter's mean effective sample size as a fraction of the source rows;
``coverage`` is the fraction of target rows inside the source support
(:func:`skadapt.reweighting.support_coverage`, about 0.95 without shift), which
tells in advance, without target labels, where weighting cannot help.

Run::

    python benchmarks/bench_reweighting_islp.py --refresh
    python benchmarks/bench_reweighting_islp.py --datasets auto
"""

import argparse
import itertools
import warnings

import _harness
import numpy as np
from sklearn.linear_model import Ridge
from sklearn.model_selection import KFold, cross_val_predict
from sklearn.preprocessing import StandardScaler

from skadapt.datasets import load_auto, load_bikeshare
from skadapt.reweighting import (
    KLIEP,
    KMM,
    RULSIF,
    ULSIF,
    ClassifierDensityRatio,
    GaussianDensityRatio,
    ImportanceWeighted,
    NearestNeighborWeighting,
    support_coverage,
)

WEIGHTERS = {
    "KMM": KMM,
    "KLIEP": KLIEP,
    "uLSIF": ULSIF,
    "RuLSIF": RULSIF,
    "Classifier": ClassifierDensityRatio,
    "NearestNeighbor": NearestNeighborWeighting,
    "Gaussian": GaussianDensityRatio,
}
DATASETS = {
    "auto": (load_auto, [1, 2, 3]),
    "bikeshare": (load_bikeshare, [1, 2, 3, 4]),
}


def _rmse(a, b):
    return float(np.sqrt(np.mean((a - b) ** 2)))


def run_task(loader, source, target, alpha):
    X, y, sd, y_true = loader(source, target)
    X = StandardScaler().fit_transform(X)
    src, tgt = sd > 0, sd < 0
    out = {}
    base = Ridge(alpha=alpha).fit(X[src], y[src])
    out["source-only"] = (_rmse(base.predict(X[tgt]), y_true[tgt]), 1.0)
    for name, cls in WEIGHTERS.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = ImportanceWeighted(Ridge(alpha=alpha), cls()).fit(
                X, y, sample_domain=sd
            )
        ess = model.weighter_.ess_ / src.sum()
        out[name] = (_rmse(model.predict(X[tgt]), y_true[tgt]), ess)
    pred = cross_val_predict(
        Ridge(alpha=alpha),
        X[tgt],
        y_true[tgt],
        cv=KFold(5, shuffle=True, random_state=0),
    )
    out["oracle"] = (_rmse(pred, y_true[tgt]), np.nan)
    out["coverage"] = support_coverage(X[src], X[tgt])
    return out


def run_dataset(ds, alpha):
    """Every ordered domain pair of one dataset: task records and summaries."""
    loader, domains = DATASETS[ds]
    methods = ["source-only", *WEIGHTERS, "oracle"]
    records, table = [], []
    for s, t in itertools.permutations(domains, 2):
        out = run_task(loader, s, t, alpha)
        records.append(
            {
                "dataset": ds,
                "source": s,
                "target": t,
                "rmse": {m: out[m][0] for m in methods},
                "ess_fraction": {m: out[m][1] for m in WEIGHTERS},
                "target_coverage": out["coverage"],
            }
        )
        cells = [
            f"{out[m][0]:.3f}" + (f" ({out[m][1]:.2f})" if m in WEIGHTERS else "")
            for m in methods
        ]
        table.append([f"{s}->{t}", f"{out['coverage']:.2f}", *cells])
    mean = {m: float(np.mean([r["rmse"][m] for r in records])) for m in methods}
    table.append(["mean", "", *(f"{mean[m]:.3f}" for m in methods)])
    title = f"{ds}: target RMSE (effective sample size / n_source)"
    _harness.print_table(title, ["task", "coverage", *methods], table, width=14)
    base = [r["rmse"]["source-only"] for r in records]
    wins = {
        m: int(sum(r["rmse"][m] < b for r, b in zip(records, base))) for m in WEIGHTERS
    }
    print(
        "beats source-only on: "
        + ", ".join(f"{m} {w}/{len(records)}" for m, w in wins.items())
    )
    return records, mean, wins


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS))
    parser.add_argument("--alpha", type=float, default=1.0)
    args = _harness.add_common_arguments(parser).parse_args(argv)
    results = {"tasks": []}
    with _harness.blas_threads(args.threads):
        for ds in args.datasets:
            records, mean, wins = run_dataset(ds, args.alpha)
            results["tasks"] += records
            results[f"{ds}_mean_rmse"] = mean
            results[f"{ds}_tasks_better_than_source_only"] = wins
    print(f"wrote {_harness.write_result('bench_reweighting_islp', results, args)}")


if __name__ == "__main__":
    main()
