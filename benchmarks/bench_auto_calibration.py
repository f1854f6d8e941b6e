"""Calibrate AutoAdapt's label-free margins on synthetic shifts with known answers.

For each synthetic case (no shift; covariate shift with a correct model; label
shift: adaptation must not win; covariate shift with a non-linear rule, scale and
subspace shifts: it may), each seed and each default candidate configuration of
``AutoAdapt``, the script records the label-free gains over source-only that
AutoAdapt sees (reverse validation, source validation) and the true target gain,
then reports, for a grid of margins, how often a candidate that truly hurts
(target gain below -1 point, or -2 % of R^2 scale) would be adopted and how much
target gain the rule keeps where adapting helps::

    python benchmarks/bench_auto_calibration.py [--seeds 5] [--refresh]
"""

import argparse
import warnings

import _harness  # noqa: F401  (pins BLAS threads before numpy)
import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.model_selection import ParameterGrid

from skadapt._auto import (
    SOURCE_ONLY,
    _default_candidates,
    _fit_with_domains,
    _score_fold,
)
from skadapt._pipeline import make_da_pipeline
from skadapt.datasets import make_domain_shift
from skadapt.model_selection import DomainShuffleSplit

HARM = {"classification": -0.01, "regression": -0.02}


def _linear_covariate(seed, task, n=300, d=5):
    """Covariate shift under a correct linear model: source-only is right."""
    rng = np.random.RandomState(seed)
    w = rng.normal(size=d)
    w /= np.linalg.norm(w)
    delta = 1.5 * rng.normal(size=d) / np.sqrt(d)
    Xs = rng.normal(size=(n, d))
    Xt = rng.normal(size=(n, d)) + delta
    X = np.r_[Xs, Xt]
    if task == "classification":
        y_true = (rng.uniform(size=2 * n) < 1 / (1 + np.exp(-3 * X @ w))).astype(int)
        y = y_true.copy()
        y[n:] = -1
    else:
        y_true = X @ w + 0.1 * rng.normal(size=2 * n)
        y = y_true.copy()
        y[n:] = np.nan
    sd = np.r_[np.ones(n, int), -np.ones(n, int)]
    return X, y, sd, y_true


def _case(name, seed, task):
    kw = dict(n_features=5, task=task, random_state=seed)
    if name == "covariate, correct model":
        return _linear_covariate(seed, task)
    if name == "no shift":
        return make_domain_shift(300, 300, shift="scale", shift_strength=0.0, **kw)
    shift = {
        "label": "label",
        "covariate, non-linear rule": "covariate",
        "scale": "scale",
        "subspace": "subspace",
    }[name]
    return make_domain_shift(300, 300, shift=shift, shift_strength=1.5, **kw)


CASES = {
    "classification": [
        "no shift",
        "covariate, correct model",
        "label",
        "covariate, non-linear rule",
        "scale",
        "subspace",
    ],
    "regression": [
        "no shift",
        "covariate, correct model",
        "covariate, non-linear rule",
        "scale",
    ],
}


def _target_score(est, X, y_true, sd, task):
    pred = est.predict(X[sd < 0])
    truth = y_true[sd < 0]
    if task == "classification":
        return float(np.mean(pred == truth))
    return float(1 - np.mean((pred - truth) ** 2) / np.var(truth))


def measure(task, seeds):
    final = (
        LogisticRegression(max_iter=1000)
        if task == "classification"
        else RidgeCV(alphas=np.logspace(-3, 3, 13))
    )
    rows = []
    for case in CASES[task]:
        for seed in range(seeds):
            X, y, sd, y_true = _case(case, seed, task)
            configs = [(SOURCE_ONLY, make_da_pipeline(clone(final)), {})]
            for name, (est, grid) in _default_candidates(final, False).items():
                for params in ParameterGrid(grid) if grid else [{}]:
                    configs.append((name, est, params))
            folds = list(
                DomainShuffleSplit(3, target_in_test=True, random_state=seed).split(
                    X, y, sample_domain=sd
                )
            )
            out = []
            for name, est, params in configs:
                scores = [
                    _score_fold(est, params, X, y, sd, tr, te, None) for tr, te in folds
                ]
                model = clone(est).set_params(**params)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    _fit_with_domains(model, X, y, sd)
                out.append(
                    {
                        "name": name,
                        "params": {k: str(v) for k, v in params.items()},
                        "reverse": float(np.mean([s["reverse"] for s in scores])),
                        "source": float(np.mean([s["source"] for s in scores])),
                    "weighted": float(np.mean([s["weighted"] for s in scores])),
                        "degenerate": sorted(
                            {f for s in scores for f in s["degenerate"]}
                        ),
                        "target": _target_score(model, X, y_true, sd, task),
                    }
                )
            base = out[0]
            for r in out[1:]:
                rows.append(
                    {
                        "case": case,
                        "seed": seed,
                        "name": r["name"],
                        "params": r["params"],
                        "gain_reverse": r["reverse"] - base["reverse"],
                        "gain_source": r["source"] - base["source"],
                    "gain_weighted": r["weighted"] - base["weighted"],
                        "degenerate": r["degenerate"],
                        "true_gain": r["target"] - base["target"],
                    }
                )
            print(
                f"{task:14s} {case:28s} seed {seed}: "
                + ", ".join(
                    f"{r['name']} {r['target'] - base['target']:+.3f}" for r in out[1:]
                ),
                flush=True,
            )
    return rows


def evaluate(rows, task, grid):
    """For each (m_reverse, m_source): harmful adoptions and kept gain."""
    harm = HARM[task]
    by_draw = {}
    for r in rows:
        by_draw.setdefault((r["case"], r["seed"]), []).append(r)
    table = []
    for m_rev in grid:
        for m_src in grid:
            adopted_harm, realised, best_possible = 0, [], []
            for key, cands in by_draw.items():
                ok = [
                    c
                    for c in cands
                    if c["gain_reverse"] >= m_rev
                    and c["gain_source"] >= -m_src
                    and not c["degenerate"]
                ]
                pick = max(
                    ok, key=lambda c: c["gain_reverse"] + c["gain_source"], default=None
                )
                gain = 0.0 if pick is None else pick["true_gain"]
                adopted_harm += int(gain < harm)
                realised.append(gain)
                best_possible.append(max(0.0, max(c["true_gain"] for c in cands)))
            table.append(
                {
                    "margin_reverse": m_rev,
                    "margin_source": m_src,
                    "harmful_adoptions": adopted_harm,
                    "draws": len(by_draw),
                    "mean_realised_gain": float(np.mean(realised)),
                    "mean_best_gain": float(np.mean(best_possible)),
                    "worst_realised_gain": float(np.min(realised)),
                }
            )
    return table


def main(argv=None):
    parser = _harness.add_common_arguments(argparse.ArgumentParser(description=__doc__))
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args(argv)
    grid = [0.0, 0.005, 0.01, 0.02, 0.03, 0.05]
    payload = {}
    for task in ("classification", "regression"):
        rows = measure(task, args.seeds)
        table = evaluate(rows, task, grid)
        safe = [t for t in table if t["harmful_adoptions"] == 0]
        best = max(safe, key=lambda t: t["mean_realised_gain"]) if safe else None
        payload[task] = {"draws": rows, "margins": table, "chosen": best}
        keys = list(table[0])
        _harness.print_table(
            f"{task}: harmful adoptions and realised target gain per margin pair",
            keys,
            [[t[k] for k in keys] for t in table],
        )
        print(f"{task}: safest best margins {best}")
    print(_harness.write_result("bench_auto_calibration", payload, args))


if __name__ == "__main__":
    main()
