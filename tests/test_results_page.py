"""The README's results table and docs/benchmarks.rst say what the committed JSON says.

Fast: reads ``benchmarks/results/*.json``, runs no benchmark.
"""

import importlib.util
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


@pytest.fixture(scope="module")
def render():
    path = ROOT / "benchmarks" / "render_results.py"
    spec = importlib.util.spec_from_file_location("skadapt_render_results", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _readme_rows():
    text = (ROOT / "README.md").read_text()
    block = text[text.index("<!-- results-table:start -->") :]
    block = block[: block.index("<!-- results-table:end -->")]
    rows = [
        line.strip("|").split("|")
        for line in block.splitlines()
        if line.startswith("| ")
    ]
    return {cells[0].strip(): [c.strip() for c in cells[1:]] for cells in rows[1:]}


def test_readme_numbers_equal_the_json():
    run = json.loads((RESULTS / "run_office-caltech.json").read_text())["results"]
    office = json.loads((RESULTS / "bench_alignment_office.json").read_text())
    rows = _readme_rows()
    assert rows, "the README has no results table"
    res, pub = run["results"], run["published_avg"]
    base = res["skadapt:source-only"]["avg"]
    for name in run["methods"]:
        avg = res[f"skadapt:{name}"]["avg"]
        cells = rows[name]
        assert float(cells[0]) == pytest.approx(round(avg, 1), abs=1e-9), name
        if name != "source-only":
            assert float(cells[1]) == pytest.approx(round(avg - base, 1), abs=1e-9)
        for label, value in re.findall(r"([^,]+?) (\d+\.\d)(?:,|$)", cells[2]):
            assert float(value) == pytest.approx(pub[label.strip()], abs=0.051), label
    coral = office["results"]["summary"]["CORAL"]
    (cells,) = [v for k, v in rows.items() if k.startswith("CORAL-paper+SVM")]
    assert float(cells[0]) == pytest.approx(round(coral["ours"], 1), abs=1e-9)
    assert cells[2].endswith(f"{coral['published']:.1f}")


def test_readme_and_page_are_rendered_from_the_json(render):
    readme = (ROOT / "README.md").read_text()
    assert render.replace_block(readme, render.readme_table()) == readme, (
        "README results table is stale: run python benchmarks/render_results.py"
    )
    auto = render.replace_block(
        readme, render.auto_table(), render.AUTO_START, render.AUTO_END
    )
    assert auto == readme, (
        "README AutoAdapt table is stale: run python benchmarks/render_results.py"
    )
    if (RESULTS / "bench_auto_summary.json").exists():
        assert render.AUTO_SUMMARY.read_text() == render.auto_summary_text(), (
            "docs/guide/auto_summary.txt is stale: run "
            "python benchmarks/render_results.py"
        )
    page = ROOT / "docs" / "benchmarks.rst"
    assert page.read_text() == render.page(), (
        "docs/benchmarks.rst is stale: run python benchmarks/render_results.py"
    )


# Results not re-run since the harness stamps them, each with the reason; once a
# file is refreshed it must leave this list (the test checks both ways).
NOT_YET_STAMPED = {
    "bench_transfer_curves.json": "about 20 CPU minutes; not re-run on this branch",
    "bench_model_selection.json": "about an hour with the Office tasks; not re-run",
}


def test_every_committed_result_is_stamped():
    unstamped = set()
    for path in sorted(RESULTS.glob("*.json")):
        record = json.loads(path.read_text())
        env = record.get("environment")
        if env is None:
            unstamped.add(path.name)
            continue
        assert {"date", "versions", "blas", "threads", "machine"} <= set(env)
        assert record["benchmark"] == path.stem
    assert unstamped == set(NOT_YET_STAMPED), (
        "unstamped results (rerun with --refresh) or a refreshed file still listed: "
        f"{sorted(unstamped ^ set(NOT_YET_STAMPED))}"
    )
