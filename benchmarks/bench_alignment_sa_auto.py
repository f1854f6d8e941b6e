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

    python benchmarks/bench_alignment_sa_auto.py --refresh
    python benchmarks/bench_alignment_sa_auto.py --suites digits
"""

import argparse
import warnings

import _harness
import _suites
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from skadapt import SubspaceAlignment

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


def show(suite_name, res):
    """Print one suite's table: bounds, dimensions and accuracies per task."""
    head = ["task", "d_max at tol=" + "/".join(f"{v:g}" for v in TOLS)]
    head += ["d auto", "d default", "src-only", "default", "auto"]
    rows = [
        [
            name,
            "/".join(str(r["d_max"][str(v)]) for v in TOLS),
            r["auto n_components_"],
            r["default n_components_"],
            *(f"{r[k]:.1f}" for k in ("source-only", "default", "auto")),
        ]
        for name, r in res.items()
    ]
    keys = ("source-only", "default", "auto")
    avg = [np.mean([r[k] for r in res.values()]) for k in keys]
    rows.append(["average", "", "", "", *(f"{v:.1f}" for v in avg)])
    _harness.print_table(suite_name, head, rows, width=6)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--suites", nargs="+", default=["office-caltech", "amazon", "digits"]
    )
    args = _harness.add_common_arguments(parser).parse_args(argv)
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    results = {}
    with _harness.blas_threads(args.threads):
        for suite_name in args.suites:
            suite = _suites.SUITES[suite_name]
            results[suite_name] = {t.name: run_task(t) for t in suite.tasks()}
            show(suite_name, results[suite_name])
    payload = {"delta": 0.1, "tols": TOLS, "results": results}
    print(f"wrote {_harness.write_result('bench_alignment_sa_auto', payload, args)}")


if __name__ == "__main__":
    main()
