"""scikit-learn's estimator checks over every public skadapt estimator."""

import importlib
import inspect

import pytest
from sklearn.base import BaseEstimator
from sklearn.utils.estimator_checks import (
    check_param_validation,
    parametrize_with_checks,
)

import skadapt
from skadapt.utils import DomainMixin
from skadapt.utils.estimator_checks import parametrize_with_domain_checks

from ._families import FAMILIES, PIPELINE_EXPECTED_FAILED_CHECKS, pipeline_instances

_ROUTED = (
    "fit",
    "partial_fit",
    "predict",
    "predict_proba",
    "predict_log_proba",
    "decision_function",
    "score",
    "transform",
    "inverse_transform",
)


def _tested_estimators():
    yield from pipeline_instances()
    for family in FAMILIES:
        mod = importlib.import_module(f"tests.{family}.instances")
        yield from mod.INSTANCES


def _xfails(estimator):
    out = dict(PIPELINE_EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {}))
    for family in FAMILIES:
        mod = importlib.import_module(f"tests.{family}.instances")
        out.update(mod.EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {}))
    return out


def _public_estimator_classes():
    classes = set()
    for name in skadapt.__all__:
        obj = getattr(skadapt, name)
        if inspect.isclass(obj) and issubclass(obj, BaseEstimator):
            classes.add(obj)
    return classes


@parametrize_with_checks(list(_tested_estimators()), expected_failed_checks=_xfails)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_every_public_estimator_is_checked():
    tested = {type(est) for est in _tested_estimators()}
    missing = sorted(c.__name__ for c in _public_estimator_classes() - tested)
    assert not missing, f"public estimators missing from the common tests: {missing}"


@pytest.mark.parametrize(
    "estimator", list(_tested_estimators()), ids=lambda e: type(e).__name__
)
def test_param_validation(estimator):
    check_param_validation(type(estimator).__name__, estimator)


@pytest.mark.parametrize(
    "estimator", list(_tested_estimators()), ids=lambda e: type(e).__name__
)
def test_sample_domain_requested_where_accepted(estimator):
    """Fit-time methods that take sample_domain request it; prediction-time ones
    never do (a search scores the deployed model the same with routing on/off)."""
    if not isinstance(estimator, DomainMixin):
        pytest.skip("not a DomainMixin estimator")
    requests = estimator.get_metadata_routing()
    for method in _ROUTED:
        func = getattr(estimator, method, None)
        if func is None:
            continue
        accepts = "sample_domain" in inspect.signature(func).parameters
        requested = getattr(requests, method).requests.get("sample_domain")
        if method in ("fit", "partial_fit"):
            assert bool(requested) == accepts, (type(estimator).__name__, method)
        else:
            assert not requested, (type(estimator).__name__, method)


def _domain_estimators():
    return [est for est in _tested_estimators() if isinstance(est, DomainMixin)]


def _domain_xfails(estimator):
    out = {}
    for family in FAMILIES:
        mod = importlib.import_module(f"tests.{family}.instances")
        table = getattr(mod, "DOMAIN_EXPECTED_FAILED_CHECKS", {})
        out.update(table.get(type(estimator).__name__, {}))
    return out


@parametrize_with_domain_checks(
    _domain_estimators(), expected_failed_checks=_domain_xfails
)
def test_domain_checks(estimator, check):
    """skadapt's two-domain checks (sklearn's checks only see one domain)."""
    check(estimator)
