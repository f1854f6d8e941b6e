"""The one benchmark harness: threads, timing, memory, stamping and results files.

Every ``bench_*.py`` script imports this module *first* (before numpy), declares
what it measures, and writes its results with :func:`write_result`, which stamps
them with library versions, BLAS, thread count, machine and date::

    import _harness  # noqa: F401  (pins BLAS threads before numpy is imported)
    ...
    _harness.write_result("bench_alignment_coral", {"rows": rows}, args)

Results go to ``benchmarks/results/<name>.json`` (committed, the numbers the README
and docs quote) only with ``--refresh``; otherwise to ``benchmarks/results/local/``
(ignored by git), so running a benchmark leaves the work tree clean.
"""

import os
import sys

# Pin BLAS threads before numpy or scipy is imported anywhere: scipy loads its own
# OpenBLAS, which a later threadpool_limits may not reach. A script that wants more
# threads passes --threads, which re-pins through threadpoolctl at run time.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import datetime  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
if (ROOT / "skadapt").is_dir() and str(ROOT) not in sys.path:
    # run from a checkout: benchmark the skadapt next to this script
    sys.path.insert(0, str(ROOT))

RESULTS = Path(__file__).resolve().parent / "results"
LOCAL_RESULTS = RESULTS / "local"

__all__ = [
    "LOCAL_RESULTS",
    "RESULTS",
    "add_common_arguments",
    "blas_threads",
    "cpu_time",
    "environment",
    "peak_rss_mb",
    "print_table",
    "read_result",
    "result_path",
    "run_child",
    "timings",
    "traced_peak_mb",
    "write_result",
]


def add_common_arguments(parser):
    """Add ``--threads``, ``--refresh`` and ``--seed`` to a script's parser."""
    parser.add_argument(
        "--threads", type=int, default=1, help="BLAS threads (default 1)"
    )
    parser.add_argument(
        "--refresh",
        action="store_true",
        help="write the committed results file instead of results/local/",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    return parser


def timings(func, *args, repeat=1, **kwargs):
    """Best CPU time and best wall time of ``repeat`` calls, and the last output.

    Returns ``(cpu_s, wall_s, out)``. CPU time is user + sys of this process
    (every thread), so with ``t`` BLAS threads it can reach ``t`` times the wall
    time; compare it between runs made with the same ``--threads``.
    """
    best_cpu, best_wall, out = float("inf"), float("inf"), None
    for _ in range(max(1, repeat)):
        t0, c0 = time.perf_counter(), time.process_time()
        out = func(*args, **kwargs)
        best_cpu = min(best_cpu, time.process_time() - c0)
        best_wall = min(best_wall, time.perf_counter() - t0)
    return best_cpu, best_wall, out


def cpu_time(func, *args, repeat=1, **kwargs):
    """Best CPU time (user + sys of this process) of ``repeat`` calls, and the output.

    CPU time, not wall time: the machine is shared, and wall times swing several
    fold with the load while CPU time does not (much).
    """
    best, _, out = timings(func, *args, repeat=repeat, **kwargs)
    return best, out


def peak_rss_mb():
    """Peak resident memory of this process so far, in MiB.

    ``VmHWM`` from ``/proc/self/status`` where it exists: unlike ``ru_maxrss``,
    which Linux carries over from the parent across ``fork`` + ``exec``, it counts
    this process only (so a child started by :func:`run_child` measures itself).
    """
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024.0 if sys.platform != "darwin" else peak / 2**20


def traced_peak_mb(func, *args, **kwargs):
    """Peak of the Python/numpy allocations made by one call, in MiB, and its output.

    numpy reports its buffers to ``tracemalloc``, so this is the extra memory the
    call needed on top of what existed before it (the interpreter excluded).
    """
    import tracemalloc

    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        out = func(*args, **kwargs)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20, out


def run_child(script, argv=(), timeout=None):
    """Run ``python script *argv`` in a fresh process; return its last stdout line.

    The line is parsed as JSON: a child measures its own peak memory (see
    :func:`peak_rss_mb`) and prints one JSON object last.
    """
    import subprocess

    proc = subprocess.run(
        [sys.executable, str(script), *map(str, argv)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"{Path(script).name} {' '.join(map(str, argv))} failed "
            f"({proc.returncode}):\n{proc.stderr[-2000:]}"
        )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def blas_threads(threads):
    """A context manager limiting BLAS (and OpenMP) to ``threads`` threads."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=threads)


def print_table(title, header, rows, *, first_width=None, width=8):
    """Print ``rows`` (lists of cells) under ``header`` as aligned plain text.

    Strings are printed as given (format numbers yourself for fixed decimals),
    other floats with ``.4g`` and ``None`` as ``-``.
    """

    def cell(value):
        if isinstance(value, str):
            return value
        if value is None:
            return "-"
        if isinstance(value, float):
            return f"{value:.4g}"
        return str(value)

    cells = [[cell(v) for v in row] for row in rows]
    first = first_width or max([len(str(header[0]))] + [len(r[0]) for r in cells])
    widths = [first] + [
        max([width, len(str(h))] + [len(r[i]) for r in cells if i < len(r)])
        for i, h in enumerate(header[1:], start=1)
    ]

    def line(values):
        out = f"{values[0]:<{widths[0]}}"
        for v, w in zip(values[1:], widths[1:]):
            out += f" {v:>{w}}"
        return out

    if title:
        print(f"\n{title}")
    print(line([str(h) for h in header]))
    for row in cells:
        print(line(row))


def _versions():
    from importlib import metadata

    out = {"python": platform.python_version()}
    for name in (
        "skadapt",
        "numpy",
        "scipy",
        "scikit-learn",
        "joblib",
        "skada",
        "adapt",
        "pot",
        "quapy",
        "dask",
    ):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def _blas():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:  # pragma: no cover - bench extra missing
        return []
    return [
        {
            k: info.get(k)
            for k in ("user_api", "internal_api", "version", "num_threads", "prefix")
        }
        for info in threadpool_info()
    ]


def _git():
    """The checkout's commit and whether it had uncommitted changes (else None)."""
    import subprocess

    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True
        )
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", "skadapt"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
    except OSError:
        return None
    if commit.returncode != 0:
        return None
    return {"commit": commit.stdout.strip(), "skadapt_modified": bool(status.stdout)}


def environment(threads=None):
    """Versions, BLAS, threads, machine and date: the stamp of every results file.

    ``git`` records the commit of the checkout (and whether ``skadapt/`` had
    uncommitted changes), since a development version number names no code.
    """
    uname = platform.uname()
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"
        ),
        "versions": _versions(),
        "git": _git(),
        "blas": _blas(),
        "threads": threads,
        "machine": {
            "system": uname.system,
            "release": uname.release,
            "machine": uname.machine,
            "processor": platform.processor(),
            "cpu_count": os.cpu_count(),
        },
    }


def result_path(name, refresh=False, suffix=".json", *, out=None):
    """Where a results file goes: committed (``refresh``) or local (ignored).

    ``out`` (a folder) overrides both, for tests and one-off runs.
    """
    folder = Path(out) if out is not None else (RESULTS if refresh else LOCAL_RESULTS)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{name}{suffix}"


def write_result(name, payload, args=None, *, refresh=None, threads=None, out=None):
    """Write ``payload`` with its stamp to ``<name>.json`` and return the path.

    Parameters
    ----------
    name : str
        File stem, normally the script's name (``bench_alignment_coral``).
    payload : dict
        What the script measured (JSON-serialisable).
    args : argparse.Namespace, default=None
        The script's arguments, recorded in the file; ``args.refresh`` and
        ``args.threads`` are read from it when given.
    refresh : bool, default=None
        Write the committed file under ``results/``; default ``args.refresh``.
    threads : int, default=None
        BLAS threads used; default ``args.threads``.
    out : path-like, default=None
        Folder to write to instead (``results/`` or ``results/local/``).
    """
    if refresh is None:
        refresh = bool(getattr(args, "refresh", False))
    if threads is None:
        threads = getattr(args, "threads", None)
    record = {
        "benchmark": name,
        "environment": environment(threads),
        "arguments": (
            {k: v for k, v in vars(args).items() if _jsonable(v)}
            if isinstance(args, argparse.Namespace)
            else None
        ),
        "results": payload,
    }
    path = result_path(name, refresh, out=out)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(record, indent=2, default=_default) + "\n")
    tmp.replace(path)
    return path


def read_result(name, folder=None):
    """The ``results`` part of a stamped results file (committed by default)."""
    path = Path(folder or RESULTS) / f"{name}.json"
    return json.loads(path.read_text())["results"]


def _jsonable(value):
    try:
        json.dumps(value)
    except TypeError:
        return False
    return True


def _default(obj):
    import numpy as np

    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")
