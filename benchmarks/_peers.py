"""skada and ADAPT versions of the benchmark's methods (``run.py --peers``).

Imported only with ``--peers``; neither package is a dependency of skadapt. Each
peer method uses the peer's own defaults and the benchmark's final estimator
(``_methods.final_estimator``), fitted on the same rows, so the table compares
implementations, not final classifiers. Where a peer has no default for a required
parameter (skada's KLIEP ``gamma``), the value is written here. Peers are given the
target rows unlabelled (skada masks target labels itself; ADAPT gets only the
source labels), also in the semi-supervised suite.
"""

import importlib
import os

import _harness
import _methods
import numpy as np
import sklearn
from sklearn.preprocessing import StandardScaler

# skada: method name -> adapter class name
_SKADA = {
    "source-only": None,
    "CORAL": "CORALAdapter",
    "SubspaceAlignment": "SubspaceAlignmentAdapter",
    "TCA": "TransferComponentAnalysisAdapter",
    "LinearOTMapping": "LinearOTMappingAdapter",
    "KMM": "KMMReweightAdapter",
    "KLIEP": "KLIEPReweightAdapter",
    "ClassifierDensityRatio": "DiscriminatorReweightAdapter",
    "NearestNeighborWeighting": "NearestNeighborReweightAdapter",
    "ExactOTMapping": "OTMappingAdapter",
    "EntropicOTMapping": "EntropicOTMappingAdapter",
    "ClassRegularizedOTMapping": "ClassRegularizerOTMappingAdapter",
    "LinearMongeAlignment": "MultiLinearMongeAlignmentAdapter",
    "OTLabelPropagation": "OTLabelPropAdapter",
    "JCPOT": "JCPOTLabelPropAdapter",
    "JDOT": None,  # an estimator, built in _skada_estimator
}
# skada's own estimators (not adapters): method -> (classifier, regressor)
_SKADA_ESTIMATORS = {"JDOT": ("JDOTClassifier", "JDOTRegressor")}
_SKADA_WEIGHTING = {
    "KMM",
    "KLIEP",
    "ClassifierDensityRatio",
    "NearestNeighborWeighting",
}
# ADAPT: method name -> (module, class)
_ADAPT = {
    "CORAL": ("adapt.feature_based", "CORAL"),
    "SubspaceAlignment": ("adapt.feature_based", "SA"),
    "TCA": ("adapt.feature_based", "TCA"),
    "KMM": ("adapt.instance_based", "KMM"),
    "KLIEP": ("adapt.instance_based", "KLIEP"),
    "ULSIF": ("adapt.instance_based", "ULSIF"),
    "ClassifierDensityRatio": ("adapt.instance_based", "IWC"),
    "NearestNeighborWeighting": ("adapt.instance_based", "NearestNeighborsWeighting"),
}


def available(lib):
    """``(True, version)`` when ``lib`` imports, else ``(False, message)``."""
    try:
        if lib == "adapt":
            os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        module = importlib.import_module(lib)
    except ImportError as exc:
        return False, (
            f"{lib} is not importable ({exc}); its columns are skipped. Install it "
            f"in the benchmark's environment (pip install {lib}) to compare."
        )
    version = getattr(module, "__version__", None)
    if version is None:
        from importlib.metadata import version as dist_version

        version = dist_version(lib)
    return True, str(version)


def has(lib, method, kind):
    """Whether the peer has a version of ``method``."""
    table = _SKADA if lib == "skada" else _ADAPT
    return method in table


def _skada_estimator(method, kind, X, sample_domain):
    import skada

    steps = []
    name = _SKADA[method]
    if name is not None:
        cls = getattr(skada, name)
        if method == "KLIEP":
            # skada has no default gamma: the median heuristic, skadapt's default
            from skadapt._core import median_heuristic_gamma

            adapter = cls(gamma=median_heuristic_gamma(X), random_state=0)
        elif "random_state" in cls().get_params():
            adapter = cls(random_state=0)
        else:
            adapter = cls()
        steps.append(adapter)
    pre = [StandardScaler()] if kind == "regression" else []
    final = _methods.final_estimator(kind)
    if method in _SKADA_ESTIMATORS:
        clf, reg = _SKADA_ESTIMATORS[method]
        est = getattr(skada, clf if kind == "classification" else reg)
        return skada.make_da_pipeline(*pre, est(base_estimator=final))
    if method in _SKADA_WEIGHTING:
        # skada passes the weights by metadata routing: the final estimator must
        # request them
        final.set_fit_request(sample_weight=True)
    return skada.make_da_pipeline(*pre, *steps, final)


# skada versions that do not finish in reasonable time, with what was measured
_SKADA_TOO_SLOW = {
    # POT's Bures fixed point: 1000 iterations of d x d sqrtm on (singular)
    # covariances; one 800-d Office-Caltech task had not finished after 90 s CPU
    "LinearMongeAlignment": (100, "more than 90 s CPU per task above 100 features"),
}


def fit_predict(lib, method, kind, X, y, sample_domain, test):
    """Fit the peer's version and predict the test rows; ``(pred, fit CPU time)``."""
    if lib == "skada" and method in _SKADA_TOO_SLOW:
        max_features, why = _SKADA_TOO_SLOW[method]
        if X.shape[1] > max_features:
            raise RuntimeError(f"not run: skada's {method} takes {why}")
    if lib == "skada":
        with sklearn.config_context(enable_metadata_routing=True):
            est = _skada_estimator(method, kind, X, sample_domain)
            fit_time, _ = _harness.cpu_time(est.fit, X, y, sample_domain=sample_domain)
            pred = est.predict(X[test], sample_domain=sample_domain[test])
        return pred, fit_time

    module, name = _ADAPT[method]
    cls = getattr(importlib.import_module(module), name)
    labelled = sample_domain > 0
    src, tgt = X[labelled], X[sample_domain < 0]
    scaler = None
    if kind == "regression":
        scaler = StandardScaler().fit(X)
        src, tgt = scaler.transform(src), scaler.transform(tgt)
    est = cls(
        estimator=_methods.final_estimator(kind),
        Xt=tgt,
        verbose=0,
        random_state=0,
    )
    fit_time, _ = _harness.cpu_time(est.fit, src, np.asarray(y)[labelled])
    Xtest = X[test] if scaler is None else scaler.transform(X[test])
    return est.predict(Xtest), fit_time
