"""numpydoc validation of the public API."""

import importlib
import inspect

import pytest

numpydoc_validate = pytest.importorskip("numpydoc.validate")

SUBPACKAGES = [
    "skadapt",
    "skadapt.alignment",
    "skadapt.label_shift",
    "skadapt.reweighting",
    "skadapt.transfer",
    "skadapt.model_selection",
    "skadapt.metrics",
    "skadapt.datasets",
    "skadapt.plotting",
    "skadapt.utils",
]

# Checks enforced everywhere: a docstring exists, a one-line summary ending in a
# period, every parameter documented and no unknown one, a Returns section.
CHECKS = {"GL08", "SS01", "SS03", "PR01", "PR02", "PR07", "RT01"}
# Public classes and functions also need a runnable Examples section.
TOP_LEVEL_CHECKS = CHECKS | {"EX01"}
METHODS = (
    "fit",
    "partial_fit",
    "transform",
    "fit_transform",
    "inverse_transform",
    "predict",
    "predict_proba",
    "predict_log_proba",
    "decision_function",
    "score",
    "split",
    "get_n_splits",
    "compute_weights",
    "plot",
    "from_estimator",
    "from_weights",
    "from_data",
    "from_results",
)


def _public_objects():
    seen = set()
    for modname in SUBPACKAGES:
        mod = importlib.import_module(modname)
        for name in mod.__all__:
            obj = getattr(mod, name)
            if inspect.ismodule(obj) or name.startswith("__"):
                continue
            if not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue
            qual = f"{obj.__module__}.{obj.__qualname__}"
            if qual in seen:
                continue
            seen.add(qual)
            yield f"{modname}.{name}", obj, TOP_LEVEL_CHECKS
            if inspect.isclass(obj):
                for meth in METHODS:
                    if meth in vars(obj) or any(
                        meth in vars(b)
                        for b in obj.__mro__[1:]
                        if b.__module__.startswith("skadapt")
                    ):
                        yield f"{modname}.{name}.{meth}", getattr(obj, meth), CHECKS


@pytest.mark.parametrize(
    "name, obj, checks",
    list(_public_objects()),
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_docstring(name, obj, checks):
    res = numpydoc_validate.validate(name)
    errors = [(code, msg) for code, msg in res["errors"] if code in checks]
    if name.endswith((".fit", ".partial_fit")):
        errors = [(c, m) for c, m in errors if c != "RT01" or "self" not in m]
    assert not errors, "\n".join(f"{name}: {c} {m}" for c, m in errors)
