"""Run benchmark jobs: one method on one task, in parallel, warnings and time kept.

A job is ``(suite_name, method_name, task[, library])``. :func:`run_job` fits the
method (built by name in ``_methods.py``, or a peer's version from ``_peers.py``)
on the source rows plus the unlabelled target rows, scores it on the masked
target rows, and never raises: a failing method gives a NaN score and its error.
:func:`run_jobs` runs jobs with joblib (one BLAS thread each) behind a progress
bar. Fit time is CPU time of the worker (``_harness.cpu_time``).
"""

import sys
import time
import warnings

import _harness
import _methods
import _suites
import numpy as np
import sklearn
from joblib import Parallel, delayed

from skadapt._base import labelled_mask


def test_rows(y, sample_domain):
    """Target rows whose label is masked: the rows every method is scored on."""
    return (np.asarray(sample_domain) < 0) & ~labelled_mask(y)


def count_warnings(caught):
    """``{"Category: message": count}`` of recorded warnings (messages cut)."""
    seen = {}
    for w in caught:
        key = f"{w.category.__name__}: {str(w.message)[:160]}"
        seen[key] = seen.get(key, 0) + 1
    return seen


def _fit(estimator, X, y, sample_domain):
    with sklearn.config_context(enable_metadata_routing=True):
        return estimator.fit(X, y, sample_domain=sample_domain)


def run_job(suite_name, method_name, task, library="skadapt"):
    """Fit one method on one task and score it on the masked target rows."""
    suite = _suites.SUITES[suite_name]
    out = {"method": method_name, "library": library, "task": task.name}
    out["trial"] = task.trial
    X, y, sd, y_true = task.load()
    test = test_rows(y, sd)
    with warnings.catch_warnings(record=True) as caught, _harness.blas_threads(1):
        warnings.simplefilter("always")
        try:
            if library == "skadapt":
                est = _methods.METHODS[method_name].build(suite.kind)
                out["fit_time"], est = _harness.cpu_time(_fit, est, X, y, sd)
                pred = est.predict(X[test])
            else:
                import _peers

                pred, out["fit_time"] = _peers.fit_predict(
                    library, method_name, suite.kind, X, y, sd, test
                )
            out["score"] = suite.score(y_true[test], np.asarray(pred))
            if not np.isfinite(out["score"]):
                raise ValueError("non-finite predictions")
        except Exception as exc:  # a failing method must not stop the benchmark
            out["score"] = float("nan")
            out["error"] = f"{type(exc).__name__}: {str(exc)[:300]}"
    out["warnings"] = count_warnings(caught)
    return out


class Progress:
    """tqdm when importable, else a plain counter printed to stderr."""

    def __init__(self, total):
        self.total, self.done, self.t0 = total, 0, time.perf_counter()
        try:
            from tqdm import tqdm
        except ImportError:
            self.bar = None
            self.every = max(1, total // 20)
        else:
            self.bar = tqdm(total=total, unit="fit", file=sys.stderr)

    def update(self, result):
        """Count one finished job."""
        self.done += 1
        label = f"{result['library']}:{result['method']} {result['task']}"
        if self.bar is not None:
            self.bar.set_postfix_str(label[:40])
            self.bar.update()
        elif self.done % self.every == 0 or self.done == self.total:
            elapsed = time.perf_counter() - self.t0
            print(
                f"  [{self.done:4d}/{self.total}] {elapsed:6.1f} s  {label}",
                file=sys.stderr,
                flush=True,
            )

    def close(self):
        """Close the bar."""
        if self.bar is not None:
            self.bar.close()


def run_jobs(jobs, n_jobs):
    """Run ``(suite, method, task[, library])`` jobs in parallel with a progress bar.

    Results come back in the order of ``jobs`` whatever order they finish in.
    """
    progress = Progress(len(jobs))
    results = [None] * len(jobs)
    parallel = Parallel(n_jobs=n_jobs, return_as="generator_unordered")
    for i, result in parallel(delayed(_indexed)(i, job) for i, job in enumerate(jobs)):
        progress.update(result)
        results[i] = result
    progress.close()
    return results


def _indexed(i, job):
    return i, run_job(*job)
