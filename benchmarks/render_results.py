"""Render the benchmark results page and the README's results table from the JSON.

Every number on ``docs/benchmarks.rst`` and in the README's results table is read
from the committed, stamped ``benchmarks/results/*.json`` (never typed by hand)::

    python benchmarks/render_results.py           # rewrite both
    python benchmarks/render_results.py --check   # exit 1 when either is stale

The README table sits between ``<!-- results-table:start -->`` and
``<!-- results-table:end -->``; ``tests/test_results_page.py`` checks it (and the
page) against the JSON, so a refreshed result without a re-render fails the tests.
"""

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
ROOT = HERE.parent
README = ROOT / "README.md"
PAGE = ROOT / "docs" / "benchmarks.rst"
AUTO_SUMMARY = ROOT / "docs" / "guide" / "auto_summary.txt"
START, END = "<!-- results-table:start -->", "<!-- results-table:end -->"

# our paper-protocol rows and the published rows they reproduce (first: the paper
# whose protocol it is; then other published numbers for the same method)
PUBLISHED_FOR = {
    "1NN": ["1NN"],
    "TCA-paper+1NN": ["TCA (Long 2013)", "TCA"],
    "JDA-paper+1NN": ["JDA (Long 2013)", "JDA"],
}


def load(name, folder=RESULTS):
    """The whole record of ``<name>.json`` (``benchmark``, ``environment``, ...)."""
    return json.loads((Path(folder) / f"{name}.json").read_text())


def payload(record):
    """What a script measured: ``results`` of a stamped file, an old file whole."""
    return record["results"] if "environment" in record else record


def _avg(value):
    return "" if value is None else f"{value:.1f}"


def readme_rows(folder=RESULTS):
    """``[(method, average, delta vs source-only, published)]`` for the README."""
    run = load("run_office-caltech", folder)["results"]
    res, pub = run["results"], run["published_avg"]
    base = res["skadapt:source-only"]["avg"]
    rows = []
    for name in run["methods"]:
        avg = res[f"skadapt:{name}"]["avg"]
        delta = "" if name == "source-only" or avg is None else f"{avg - base:+.1f}"
        published = ", ".join(f"{p} {pub[p]:.1f}" for p in PUBLISHED_FOR.get(name, []))
        rows.append((name, _avg(avg), delta, published))
    office = load("bench_alignment_office", folder)["results"]["summary"]["CORAL"]
    rows.append(
        (
            "CORAL-paper+SVM (bench_alignment_office.py)",
            _avg(office["ours"]),
            "",
            f"{office['published_row']} {office['published']:.1f}",
        )
    )
    return rows


def readme_table(folder=RESULTS):
    """The Markdown block that goes between the README's markers."""
    record = load("run_office-caltech", folder)
    env = record["environment"]
    lines = [
        START,
        "",
        "| method | average accuracy (%) | vs source-only | published average |",
        "|---|---|---|---|",
    ]
    lines += [f"| {' | '.join(row)} |" for row in readme_rows(folder)]
    lines += [
        "",
        f"From `benchmarks/results/run_office-caltech.json` and "
        f"`bench_alignment_office.json` (skadapt {env['versions'].get('skadapt')}, "
        f"{env['date'][:10]}); published rows with their papers and tables in "
        "`benchmarks/_published.py`. Regenerate with "
        "`python benchmarks/render_results.py`.",
        "",
        END,
    ]
    return "\n".join(lines)


SUITES = ["office-caltech", "amazon", "digits", "semi-supervised", "regression"]
AUTO_START, AUTO_END = "<!-- auto-table:start -->", "<!-- auto-table:end -->"


def auto_rows(folder=RESULTS):
    """AutoAdapt beside source-only on every suite whose run file has both.

    ``[(suite, source-only, AutoAdapt, difference, worst task, fit-time multiple)]``;
    differences are points of accuracy, or per cent of RMSE (negative is better).
    """
    rows = []
    for suite in SUITES:
        path = Path(folder) / f"run_{suite}.json"
        if not path.exists():
            continue
        run = load(path.stem, folder)["results"]
        res = run["results"]
        base, auto = res.get("skadapt:source-only"), res.get("skadapt:AutoAdapt")
        if base is None or auto is None or auto["avg"] is None:
            continue
        tasks = list(base["tasks"])
        if run["metric"] == "accuracy":
            diff = [auto["tasks"][t] - base["tasks"][t] for t in tasks]
            total, worst = auto["avg"] - base["avg"], min(diff)
            fmt, unit = ".1f", ""
        else:
            diff = [100 * (auto["tasks"][t] / base["tasks"][t] - 1) for t in tasks]
            total, worst = 100 * (auto["avg"] / base["avg"] - 1), max(diff)
            fmt, unit = ".3f", " %"
        multiple = auto["fit_time_total"] / max(base["fit_time_total"], 1e-12)
        rows.append(
            (
                f"{suite} ({run['metric'].replace('accuracy', 'accuracy %')})",
                format(base["avg"], fmt),
                format(auto["avg"], fmt),
                f"{total:+.1f}{unit}",
                f"{worst:+.1f}{unit}",
                f"{multiple:.0f}x",
            )
        )
    return rows


AUTO_HEADER = (
    "suite",
    "source-only",
    "AutoAdapt",
    "difference",
    "worst task",
    "fit time vs source-only",
)


def auto_table(folder=RESULTS):
    """The README block: AutoAdapt beside source-only on every suite."""
    lines = [
        AUTO_START,
        "",
        f"| {' | '.join(AUTO_HEADER)} |",
        "|---|---|---|---|---|---|",
    ]
    lines += [f"| {' | '.join(row)} |" for row in auto_rows(folder)]
    lines += [
        "",
        "From `benchmarks/results/run_<suite>.json` (library defaults, no target "
        "labels except the semi-supervised suite's; RMSE differences in per cent, "
        "negative is better). Regenerate with `python benchmarks/render_results.py`.",
        "",
        AUTO_END,
    ]
    return "\n".join(lines)


def replace_block(text, block, start=START, end=END):
    """``text`` with the part between the markers replaced by ``block``."""
    i, j = text.index(start), text.index(end) + len(end)
    return text[:i] + block + text[j:]


def _stamp(record):
    env = record.get("environment")
    if env is None:
        return "not stamped (written before the harness)"
    v = env["versions"]
    blas = ", ".join(
        f"{b.get('internal_api')} {b.get('version')}" for b in env.get("blas", [])
    )
    peers = ", ".join(f"{k} {v[k]}" for k in ("skada", "adapt") if k in v)
    return (
        f"{env['date']}; skadapt {v.get('skadapt')}, numpy {v.get('numpy')}, "
        f"scipy {v.get('scipy')}, scikit-learn {v.get('scikit-learn')}"
        + (f", {peers}" if peers else "")
        + f"; BLAS {blas or 'unknown'}; threads {env.get('threads')}; "
        f"{env['machine']['machine']}, {env['machine']['cpu_count']} CPUs"
    )


def _list_table(header, rows, title=None):
    out = [f".. list-table:: {title}" if title else ".. list-table::"]
    out += ["   :header-rows: 1", ""]
    for row in [header, *rows]:
        out.append(f"   * - {row[0]}")
        out += [f"     - {cell}" for cell in row[1:]]
    return out + [""]


def _heading(text, char):
    return [text, char * len(text), ""]


def _fmt(value, digits=3):
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return str(value)


def run_section(record):
    """One suite of the main job: per-method averages beside source-only."""
    run = payload(record)
    lines = _heading(f"``run.py --suite {run['suite']}``", "-")
    lines += [run["description"], "", f"Stamp: {_stamp(record)}.", ""]
    metric = "accuracy (%)" if run["metric"] == "accuracy" else "RMSE"
    digits = ".1f" if run["metric"] == "accuracy" else ".3f"
    rows = []
    order = {f"skadapt:{m}": i for i, m in enumerate(run["methods"])}
    items = sorted(run["results"].items(), key=lambda kv: order.get(kv[0], len(order)))
    for key, s in items:
        avg = "err" if s["avg"] is None else format(s["avg"], digits)
        rows.append([f"``{key}``", avg, f"{s['fit_time_total']:.1f}"])
    time_label = "fit CPU s" if "environment" in record else "fit wall s"
    for name, avg in run["published_avg"].items():
        rows.append([f"*{name}* (published)", format(avg, digits), ""])
    lines += _list_table(["method", f"average {metric}", time_label], rows)
    return lines + [run["citation"], ""]


def _rows(items, columns):
    return [[_fmt(item.get(c)) for c in columns] for item in items]


# bench script -> (what it measures, header, rows from its results)
def _speed(res):
    cols = ["method", "n_samples", "skadapt_cpu_s", "skada_cpu_s"]
    cols += ["ratio_skada_over_skadapt", "max_angle_deg", "objective_ratio"]
    return cols, _rows(res["timings"], cols)


def _coral(res):
    cols = ["threads", "n_samples", "gemm_cpu_s", "skadapt_cpu_s", "skadapt_over_gemm"]
    cols += ["skadapt_peak_over_data", "skada_over_skadapt", "max_abs_diff_centred"]
    return cols, _rows(res["rows"], cols)


def _office(res):
    cols = ["ours", "published", "gap", "published_row"]
    return ["method", *cols], [
        [k, *(_fmt(v[c]) for c in cols)] for k, v in res["summary"].items()
    ]


def _transfer_speed(res):
    cols = ["model", "n_samples", "n_features", "n_classes", "time_s", "baseline"]
    cols += ["baseline_time_s", "ratio"]
    return cols, _rows(res.get("rows") or res["results"], cols)  # old: "results"


def _kmm(res):
    cols = ["solver", "cpu_time_s", "cpu_time_over_skadapt", "objective"]
    cols += ["constraint_violation"]
    return cols, _rows(res["exact"], cols)


def _kliep(res):
    cols = ["heldout_loglik_mean", "heldout_loglik_sd", "cpu_time_over_skadapt_median"]
    return ["fit", *cols], [
        [k, *(_fmt(v.get(c)) for c in cols)]
        for k, v in res["summary"].items()
        if isinstance(v, dict)
    ]


def _islp(res):
    keys = [k for k in res if k.endswith("_mean_rmse")]
    methods = list(res[keys[0]])
    return ["dataset", *methods], [
        [k[: -len("_mean_rmse")], *(_fmt(res[k][m]) for m in methods)] for k in keys
    ]


def _sa_auto(res):
    keys = ("source-only", "default", "auto")
    rows = []
    for suite, tasks in res["results"].items():
        means = [sum(t[k] for t in tasks.values()) / len(tasks) for k in keys]
        rows.append([suite, *(f"{m:.1f}" for m in means)])
    return ["suite", *keys], rows


def _model_selection(res):
    rows = []
    for table, selectors in res["summary"].items():
        for name, v in selectors.items():
            if "mean_regret" in v:
                rows.append(
                    [table, name, _fmt(v["mean_accuracy"]), _fmt(v["mean_regret"])]
                )
    return ["tasks / method", "selector", "mean accuracy", "mean regret"], rows


def _curves(res):
    rows = []
    if res.get("office"):
        rows += [
            ["office (3 labels/class)", m, f"{v:.1f}"]
            for m, v in res["office"]["average"].items()
        ]
    return ["setting", "method", "average"], rows


def _scaling(res):
    sizes = sorted(
        {e["n"] for r in res["table"] for e in r.get("sizes", []) if "cpu_s" in e}
    )
    rows = []
    for r in res["table"]:
        by = {e["n"]: e for e in r.get("sizes", []) if "cpu_s" in e}
        peer = [
            e["peer"]["ratio_skada_over_skadapt"]
            for e in r.get("sizes", [])
            if "ratio_skada_over_skadapt" in e.get("peer", {})
        ]
        top = max(by) if by else None
        rows.append(
            [r["label"]]
            + [_fmt(by[n]["cpu_s"]) if n in by else "-" for n in sizes]
            + [
                _fmt(r.get("exponent"), 2),
                _fmt(by[top]["peak_mb"], 4) if top else "-",
                _fmt(min(peer), 2) if peer else "-",
            ]
        )
    head = ["estimator", *(f"n={n}" for n in sizes)]
    return head + ["exponent", "peak MiB at largest", "min skada/skadapt"], rows


def _kmm_real(res):
    cols = ["suite", "task", "n_source", "duplicate_source_rows", "default_cpu_s"]
    cols += ["exact_cpu_s", "skada_cpu_s", "skada_over_skadapt_exact"]
    cols += ["exact_violation", "skada_violation"]
    rows = _rows(res["rows"], cols)
    for row, item in zip(rows, res["rows"]):
        gap = None
        if "skada_objective" in item:
            gap = item["skada_objective"] - item["exact_objective"]
        row.append(_fmt(gap))
    return cols + ["skada objective - skadapt"], rows


_SCALING = ("fit CPU s, 10^3 to 10^6 rows", _scaling, "bench_scaling")

SCRIPTS = {
    "bench_alignment_office": ("published-protocol reproductions", _office),
    "bench_alignment_speed": ("SA, TCA, linear OT against skada", _speed),
    "bench_alignment_coral": ("CORAL against one X.T @ X and skada", _coral),
    "bench_alignment_sa_auto": ("SubspaceAlignment's automatic dimension", _sa_auto),
    "bench_reweighting_kmm": ("KMM's QP against ADAPT and skada", _kmm),
    "bench_reweighting_kmm_real": ("KMM on every bundled real task", _kmm_real),
    "bench_scaling_before": _SCALING,
    "bench_scaling": _SCALING,
    "bench_reweighting_kliep": ("KLIEP against ADAPT", _kliep),
    "bench_reweighting_islp": ("weighting on Auto and Bikeshare (mean RMSE)", _islp),
    "bench_transfer_speed": ("transfer estimators against sklearn", _transfer_speed),
    "bench_transfer_curves": ("few-label learning curves", _curves),
    "bench_model_selection": ("label-free model selection", _model_selection),
    "bench_model_selection_sa": (
        "label-free selection of SA's dimension",
        _model_selection,
    ),
}


def auto_section(folder=RESULTS):
    """AutoAdapt on every suite, its calibration, and its decision on one task."""
    lines = _heading("AutoAdapt: the automatic choice", "-")
    rows = [list(r) for r in auto_rows(folder)]
    if rows:
        lines += _list_table(list(AUTO_HEADER), rows)
    if (Path(folder) / "bench_auto_calibration.json").exists():
        record = load("bench_auto_calibration", folder)
        chosen = payload(record)["chosen"]
        lines += [
            "``bench_auto_calibration.py``: the label-free margins, chosen on",
            "synthetic shifts with known answers (the smallest margins with no",
            f"harmful adoption). Stamp: {_stamp(record)}.",
            "",
        ]
        if chosen:
            cols = ["harmful_adoptions", "draws", "mean_realised_gain"]
            cols += ["mean_best_gain", "worst_realised_gain"]
            table = [
                [task, _fmt(chosen["margin"]), *(_fmt(chosen[task][c]) for c in cols)]
                for task in ("classification", "regression")
            ]
            lines += _list_table(["task", "margins", *cols], table)
    if (Path(folder) / "bench_auto_summary.json").exists():
        record = load("bench_auto_summary", folder)
        res = payload(record)
        lines += [
            f"``bench_auto_summary.py``: the decision on {res['suite']} "
            f"{res['task']}: source-only "
            f"{100 * res['source-only']['target_accuracy']:.1f} %, AutoAdapt "
            f"{100 * res['AutoAdapt']['target_accuracy']:.1f} % ({res['chosen']}); "
            f"its fit took {res['fit_time_multiple']:.0f} times the source-only "
            f"fit's CPU time ({res['n_configurations']} configurations). Stamp: "
            f"{_stamp(record)}.",
            "",
            "::",
            "",
            *("    " + line for line in res["summary"].splitlines()),
            "",
        ]
    return lines


def auto_summary_text(folder=RESULTS):
    """``docs/guide/auto_summary.txt``: the printed decision the guide includes."""
    record = load("bench_auto_summary", folder)
    res = payload(record)
    head = (
        f"# benchmarks/bench_auto_summary.py on {res['suite']} {res['task']} "
        f"({record['environment']['date'][:10]})"
    )
    return f"{head}\n>>> print(auto.summary())\n{res['summary']}\n"


def script_section(name, record):
    """One ``bench_*.py`` results file: its headline table and stamp."""
    what, table, *script = SCRIPTS[name]
    script = script[0] if script else name  # a script may write several files
    lines = _heading(f"``{script}.py`` (``{name}.json``): {what}", "-")
    lines += [f"Stamp: {_stamp(record)}.", ""]
    header, rows = table(payload(record))
    return lines + _list_table(header, rows)


def page(folder=RESULTS):
    """The whole ``docs/benchmarks.rst``."""
    lines = _heading("Benchmark results", "=")
    lines += [
        "Generated by ``python benchmarks/render_results.py`` from the committed",
        "``benchmarks/results/*.json``; every file is stamped with the library",
        "versions, BLAS, thread count, machine and date of its run. Times are CPU",
        "seconds. Run a script with ``--refresh`` to update its file, then re-render.",
        "",
    ]
    for path in sorted(Path(folder).glob("run_*.json")):
        if not path.stem.endswith("_quick"):
            lines += run_section(load(path.stem, folder))
    lines += auto_section(folder)
    for name in SCRIPTS:
        if (Path(folder) / f"{name}.json").exists():
            lines += script_section(name, load(name, folder))
    shown = set(SCRIPTS) | {"bench_auto_calibration", "bench_auto_summary"}
    others = [
        p.stem
        for p in sorted(Path(folder).glob("*.json"))
        if not p.stem.startswith("run_") and p.stem not in shown
    ]
    if others:
        lines += _heading("Other results files", "-")
        lines += [
            "Their numbers are quoted, with the file named, in the user guide and",
            "the closing notes of the issues; each file holds its own stamp.",
            "",
        ]
        lines += [f"- ``benchmarks/results/{name}.json``" for name in others] + [""]
    return "\n".join(lines).rstrip() + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="fail when stale")
    args = parser.parse_args(argv)
    readme = replace_block(README.read_text(), readme_table())
    if AUTO_START in readme:
        readme = replace_block(readme, auto_table(), AUTO_START, AUTO_END)
    outputs = {README: readme, PAGE: page()}
    if (RESULTS / "bench_auto_summary.json").exists():
        outputs[AUTO_SUMMARY] = auto_summary_text()
    stale = [
        p for p, text in outputs.items() if not p.exists() or p.read_text() != text
    ]
    if args.check:
        for p in stale:
            print(
                f"{p.relative_to(ROOT)} is stale: "
                "run python benchmarks/render_results.py"
            )
        return 1 if stale else 0
    for p in stale:
        p.write_text(outputs[p])
        print(f"wrote {p.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
