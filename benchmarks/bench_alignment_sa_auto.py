"""What ``SubspaceAlignment(n_components="auto")`` picks on the real suites.

For every task of the Office-Caltech, Amazon and digits suites (the data and
preprocessing of ``benchmarks/run.py``), the script prints:

- ``d_max``, the largest dimension the consistency bound of Fernando et al. allows,
  at ``delta=0.1`` and several tolerances ``tol`` (the paper's gamma; the
  alignment matrix has entries in [-1, 1], so ``||M||_F <= sqrt(d)`` and any
  ``tol`` above ``2 sqrt(d)`` is vacuous);
- the dimension ``"auto"`` uses with the default ``tol=1`` (``d_max``, or the
  ``n_components=None`` rule when ``d_max`` is 0), the default's dimension;
- target accuracy of ``LogisticRegression(max_iter=1000)`` fitted on the source
  rows after SubspaceAlignment with the default and with ``"auto"``, beside
  source-only.

Run::

    python benchmarks/bench_alignment_sa_auto.py
    python benchmarks/bench_alignment_sa_auto.py --suites digits
"""

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _suites  # noqa: E402

from skadapt import SubspaceAlignment  # noqa: E402

TOLS = [0.5, 1.0, 10.0, 100.0, 1e3, 1e4]


def run_task(task):
    X, y, sd, y_true = task.load()
    s, t = sd > 0, sd < 0
    lr = LogisticRegression(max_iter=1000)
    out = {"source-only": 100 * lr.fit(X[s], y[s]).score(X[t], y_true[t])}
    d_max = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        for tol in TOLS:
            sa = SubspaceAlignment(n_components="auto", tol=tol)
            d_max[str(tol)] = sa.fit(X, y, sample_domain=sd).n_components_bound_
    out["d_max"] = d_max
    for name, params in [("default", {}), ("auto", {"n_components": "auto"})]:
        sa = SubspaceAlignment(**params)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UserWarning)
            Zs = sa.fit_transform(X, y, sample_domain=sd)[s]
        Zt = sa.transform(X[t])
        out[name] = 100 * lr.fit(Zs, y[s]).score(Zt, y_true[t])
        out[f"{name} n_components_"] = sa.n_components_
        if name == "auto":
            out["auto fell back"] = any(
                "allows no subspace dimension" in str(w.message) for w in caught
            )
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--suites", nargs="+", default=["office-caltech", "amazon", "digits"]
    )
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--output",
        default=str(Path(__file__).parent / "results" / "bench_alignment_sa_auto.json"),
    )
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    results = {}
    t0 = time.perf_counter()
    with threadpool_limits(limits=args.threads):
        for suite_name in args.suites:
            suite = _suites.SUITES[suite_name]
            res = {task.name: run_task(task) for task in suite.tasks()}
            results[suite_name] = res
            print(f"\n{suite_name} ({time.perf_counter() - t0:.0f} s)")
            head = "d_max at tol=" + "/".join(f"{v:g}" for v in TOLS)
            print(
                f"{'task':<14}{head:<34}{'d auto':>7}{'d default':>10}"
                f"{'src-only':>9}{'default':>8}{'auto':>6}"
            )
            for name, r in res.items():
                dm = "/".join(str(r["d_max"][str(v)]) for v in TOLS)
                print(
                    f"{name:<14}{dm:<34}{r['auto n_components_']:>7}"
                    f"{r['default n_components_']:>10}{r['source-only']:>9.1f}"
                    f"{r['default']:>8.1f}{r['auto']:>6.1f}"
                )
            avg = {
                k: np.mean([r[k] for r in res.values()])
                for k in ("source-only", "default", "auto")
            }
            print(
                f"{'average':<14}{'':<34}{'':>7}{'':>10}{avg['source-only']:>9.1f}"
                f"{avg['default']:>8.1f}{avg['auto']:>6.1f}"
            )
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "script": Path(__file__).name,
                "delta": 0.1,
                "tols": TOLS,
                "results": results,
            },
            indent=2,
            default=lambda o: o.item() if hasattr(o, "item") else str(o),
        )
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
