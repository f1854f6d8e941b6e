"""Registry of the pipelines ``benchmarks/run.py`` compares, built by name.

Each entry names the skadapt classes it needs; they are looked up with
``getattr(skadapt, name, None)``, so a method appears in the benchmark as soon as
its family is merged and is skipped with a message while it is absent.

Adding a method is one call::

    register(Method("MyAligner", "alignment", "what it does"), _aligner("MyAligner"))

with a builder ``kind -> unfitted estimator`` (``_aligner``, ``_weighter`` and
``_transfer`` build the usual pipelines around the suite's final estimator).

Hyperparameters are fixed here, never tuned on target labels:

- classification: ``LogisticRegression(C=1.0, max_iter=1000)`` as the final
  estimator of every pipeline (scikit-learn's default ``C``; source-only it gives
  the 46.9 Office-Caltech average of the check run recorded with the data);
- regression: ``StandardScaler`` (fitted on all rows, no labels) first and
  ``RidgeCV(alphas=logspace(-3, 3, 13))`` last, whose alpha is chosen by
  leave-one-out on the labelled (source) rows only;
- every skadapt adapter with its library defaults (data-driven kernel widths,
  scale-aware regularisation), ``random_state=0`` where it has one;
- ``-paper+1NN`` methods use the settings of the JDA paper's demo code instead
  of skadapt's defaults: rows scaled to unit norm, linear kernel, 100
  components, ``mu=1`` (``lambda`` there), the embedded rows scaled to unit norm
  again and a 1-nearest-neighbour classifier (JDA: 10 rounds of 1-NN
  pseudo-labels); this is the protocol of the published TCA and JDA rows;
- ``+self-train`` methods end in ``skadapt.SelfTrainingDA`` around the same final
  classifier (its defaults: 5 class-balanced, self-paced rounds); it replaced the
  benchmark-local centroid refinement ("refine", 50.1 on Office-Caltech);
- ``MEDA`` and ``EasyTL`` are classifiers: they are the whole pipeline.
"""

import inspect
from dataclasses import dataclass

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import Normalizer, StandardScaler

import skadapt

CLASSIFIER = LogisticRegression(C=1.0, max_iter=1000)
REGRESSOR = RidgeCV(alphas=np.logspace(-3, 3, 13))


class MethodUnavailable(Exception):
    """A method cannot be built (a class is not in skadapt yet, or differs)."""


def final_estimator(kind):
    """A fresh copy of the suite's final estimator."""
    return clone(CLASSIFIER if kind == "classification" else REGRESSOR)


def _skadapt_class(name):
    cls = getattr(skadapt, name, None)
    if cls is None:
        raise MethodUnavailable(f"skadapt.{name} does not exist (yet)")
    return cls


def _instantiate(cls, **candidates):
    """``cls(**candidates)`` keeping only the arguments ``cls`` accepts.

    ``random_state=0`` is passed when ``cls`` has that parameter. Fails with
    ``MethodUnavailable`` when a required parameter is not among the candidates.
    """
    params = inspect.signature(cls).parameters
    kwargs = {k: v for k, v in candidates.items() if k in params}
    if "random_state" in params:
        kwargs.setdefault("random_state", 0)
    missing = [
        p.name
        for p in params.values()
        if p.default is inspect.Parameter.empty
        and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        and p.name not in kwargs
    ]
    if missing:
        raise MethodUnavailable(
            f"{cls.__name__} needs {missing}, which the benchmark does not provide"
        )
    return cls(**kwargs)


def _pipeline(kind, *steps):
    """``make_da_pipeline`` with the suite's scaling first and final estimator last."""
    pre = (StandardScaler(),) if kind == "regression" else ()
    return skadapt.make_da_pipeline(*pre, *steps, final_estimator(kind))


@dataclass(frozen=True)
class Method:
    """A named pipeline recipe."""

    name: str
    family: str  # "baseline", "alignment", "reweighting", "transfer", "transport",
    # "combined"
    description: str
    kinds: tuple = ("classification", "regression")
    settings: tuple = ("unsupervised", "semi-supervised")
    default: bool = True
    slow: str = ""  # why the default run leaves it out (run it with --methods)

    def build(self, kind):
        """A fresh unfitted estimator for a task of this kind."""
        return _BUILDERS[self.name](kind)

    def applies_to(self, suite):
        """Whether the method makes sense on ``suite``."""
        return suite.kind in self.kinds and suite.setting in self.settings


def _source_only(kind):
    return _pipeline(kind)


def _one_nn(kind):
    return skadapt.make_da_pipeline(KNeighborsClassifier(n_neighbors=1))


def _aligner(name):
    def build(kind):
        return _pipeline(kind, _instantiate(_skadapt_class(name)))

    return build


def _weighter(name):
    def build(kind):
        weighter = _instantiate(_skadapt_class(name))
        meta = _skadapt_class("ImportanceWeighted")
        estimator = _instantiate(
            meta, estimator=final_estimator(kind), weighter=weighter
        )
        pre = (StandardScaler(),) if kind == "regression" else ()
        return make_pipeline(*pre, estimator) if pre else estimator

    return build


def _transfer(name):
    def build(kind):
        cls = _skadapt_class(name)
        est = _instantiate(cls, estimator=final_estimator(kind))
        pre = (StandardScaler(),) if kind == "regression" else ()
        return make_pipeline(*pre, est) if pre else est

    return build


METHODS = {}
_BUILDERS = {}


def register(method, builder):
    """Add ``method`` (a :class:`Method`) built by ``builder(kind)`` to the registry.

    One call per method; a later call with the same name replaces the entry.
    """
    METHODS[method.name] = method
    _BUILDERS[method.name] = builder


_register = register  # the name the registrations below (and older scripts) use


_register(
    Method(
        "source-only",
        "baseline",
        "the final estimator on the labelled rows only (no adaptation)",
    ),
    _source_only,
)
_register(
    Method(
        "1NN",
        "baseline",
        "1-nearest-neighbour on the labelled rows (the published 1NN protocol)",
        kinds=("classification",),
    ),
    _one_nn,
)
_register(
    Method(
        "unit+1NN",
        "baseline",
        "rows scaled to unit norm, then 1-NN (the paper protocol without embedding)",
        kinds=("classification",),
        default=False,
    ),
    lambda kind: skadapt.make_da_pipeline(
        Normalizer(), KNeighborsClassifier(n_neighbors=1)
    ),
)
_SLOW = {
    "JDA": "about 35 s per Office-Caltech task (10 kernel eigen-solves): left out "
    "of the default run to keep it under 5 minutes; name it with --methods JDA",
    "BDA": "JDA's cost plus the A-distance factor: name it with --methods BDA",
}
for _name, _what in [
    ("CORAL", "match source covariance and mean to the target"),
    ("SubspaceAlignment", "align the source PCA basis with the target's"),
    ("TCA", "kernel embedding minimising MMD (transfer component analysis)"),
    ("JDA", "TCA plus class-conditional MMD with target pseudo-labels"),
    ("BDA", "JDA with balanced marginal / conditional MMD (A-distance factor)"),
    ("GFK", "geodesic flow kernel features (subspace disagreement dimension)"),
    ("LinearOTMapping", "Gaussian optimal-transport (Monge) map source -> target"),
    ("DomainStandardScaler", "standardise each domain on its own statistics"),
]:
    _register(
        Method(
            _name,
            "alignment",
            _what,
            kinds=("classification",) if _name in ("JDA", "BDA") else Method.kinds,
            slow=_SLOW.get(_name, ""),
        ),
        _aligner(_name),
    )
_register(
    Method(
        "FeatureAugmentation",
        "alignment",
        "frustratingly easy DA: shared + per-domain copies of the features",
        settings=("semi-supervised",),
    ),
    _aligner("FeatureAugmentation"),
)
for _name, _what in [
    ("KMM", "kernel mean matching weights"),
    ("KLIEP", "KL importance estimation weights"),
    ("ULSIF", "unconstrained least-squares density-ratio weights"),
    ("ClassifierDensityRatio", "domain-classifier density-ratio weights"),
    ("NearestNeighborWeighting", "nearest-neighbour density-ratio weights"),
    ("RULSIF", "relative uLSIF density-ratio weights"),
    ("GaussianDensityRatio", "ratio of Gaussian fits of the two domains"),
]:
    _register(
        Method(_name, "reweighting", _what + " + ImportanceWeighted"),
        _weighter(_name),
    )
for _name, _kind, _what in [
    (
        "TransferLogisticRegression",
        "classification",
        "logistic regression pulled towards the source model",
    ),
    ("TransferRidge", "regression", "ridge pulled towards the source model"),
    ("JointTraining", None, "weighted joint fit of source and target rows"),
    ("LinearInterpolation", None, "interpolate source and target models"),
    ("FineTune", None, "source model as warm start on the target rows"),
    ("TrAdaBoost", "classification", "boosting that down-weights misfit source rows"),
]:
    _register(
        Method(
            _name,
            "transfer",
            _what,
            kinds=(_kind,) if _kind else ("classification", "regression"),
            settings=("semi-supervised",),
        ),
        _transfer(_name),
    )


# Optimal transport (skadapt.transport). ExactOTMapping needs POT (the ``ot``
# extra) beyond skadapt's own exact solvers (equal-size assignment, HiGHS up to
# 500 x 500); the others run without it.
for _name, _what in [
    ("ExactOTMapping", "barycentric map of the exact OT plan (needs POT here)"),
    ("EntropicOTMapping", "barycentric map of the entropic (Sinkhorn) plan"),
    ("ClassRegularizedOTMapping", "entropic OT map with a group-lasso class term"),
    ("LinearMongeAlignment", "every domain onto the Gaussian W2 barycentre"),
]:
    _register(Method(_name, "transport", _what), _aligner(_name))


def _transport_predictor(classifier, regressor):
    def build(kind):
        name = classifier if kind == "classification" else regressor
        est = _instantiate(_skadapt_class(name), estimator=final_estimator(kind))
        return make_pipeline(StandardScaler(), est) if kind == "regression" else est

    return build


for _name, _clf, _reg, _what in [
    (
        "OTLabelPropagation",
        "OTLabelPropagationClassifier",
        "OTLabelPropagationRegressor",
        "source labels carried onto the target rows by the entropic plan, then "
        "the final estimator fitted on them",
    ),
    (
        "JDOT",
        "JDOTClassifier",
        "JDOTRegressor",
        "joint feature-label OT alternated with the final estimator",
    ),
    ("JCPOT", "JCPOT", None, "target class proportions and multi-source OT labels"),
]:
    _register(
        Method(
            _name,
            "transport",
            _what,
            kinds=("classification",) if _reg is None else Method.kinds,
        ),
        _transport_predictor(_clf, _reg),
    )


def _self_trained(aligner=None, classifier=None):
    def build(kind):
        steps = [] if aligner is None else [_instantiate(_skadapt_class(aligner))]
        inner = (
            final_estimator(kind)
            if classifier is None
            else _instantiate(_skadapt_class(classifier))
        )
        return make_pipeline(*steps, _skadapt_class("SelfTrainingDA")(inner))

    return build


def _classifier(name):
    def build(kind):
        return _instantiate(_skadapt_class(name))

    return build


_CLS = ("classification",)
for _name, _what in [
    ("MEDA", "manifold embedded distribution alignment (GFK + balanced MMD + SRM)"),
    ("EasyTL", "CORAL, class centroids and intra-domain programming (no parameter)"),
]:
    _register(Method(_name, "alignment", _what, kinds=_CLS), _classifier(_name))
_register(
    Method("self-train", "combined", "classifier + SelfTrainingDA", kinds=_CLS),
    _self_trained(),
)
for _name in ["CORAL", "SubspaceAlignment", "TCA", "JDA", "GFK", "LinearOTMapping"]:
    _register(
        Method(
            f"{_name}+self-train",
            "combined",
            f"{_name}, classifier, SelfTrainingDA",
            kinds=_CLS,
            default=_name == "TCA",
        ),
        _self_trained(_name),
    )
_register(
    Method(
        "MEDA+self-train",
        "combined",
        "SelfTrainingDA around MEDA",
        kinds=_CLS,
        slow="five MEDA fits per task: name it with --methods MEDA+self-train",
    ),
    _self_trained(classifier="MEDA"),
)


def _auto(kind):
    # AutoAdapt wraps the final estimator itself: it is the whole pipeline
    # (after the regression suite's scaling, as for every other method)
    auto = _instantiate(_skadapt_class("AutoAdapt"), estimator=final_estimator(kind))
    if kind == "regression":
        return skadapt.make_da_pipeline(StandardScaler(), auto)
    return auto


_register(
    Method(
        "AutoAdapt",
        "combined",
        "automatic choice, source-only unless the label-free evidence (or the "
        "labelled target rows) clears calibrated margins; candidates CORAL, TCA, "
        "importance weighting (+ FeatureAugmentation, JointTraining with labels)",
    ),
    _auto,
)


def paper_pipeline(name, refine=False):
    """TCA or JDA with the settings of the JDA paper's demo code, then 1-NN.

    The one implementation of the published TCA/JDA protocol (``run.py``'s
    ``*-paper+1NN`` methods and ``bench_alignment_office.py`` both build it
    here): rows scaled to unit norm, a linear-kernel embedding of 100 components
    with ``mu = 1``, the embedded rows scaled to unit norm and a 1-NN classifier
    fitted on the source rows. JDA refreshes its target pseudo-labels 10 times
    with the same unit-norm 1-NN (the demo code normalises the embedding before
    every pseudo-labelling round, not only before the last).
    """
    cls = _skadapt_class(name)
    params = {"kernel": "linear", "n_components": 100, "mu": 1.0}
    if name == "JDA":
        params.update(
            estimator=make_pipeline(Normalizer(), KNeighborsClassifier(n_neighbors=1)),
            n_iter=10,
        )
    final = KNeighborsClassifier(n_neighbors=1)
    embed = _instantiate(cls, **params)
    if refine:
        return make_pipeline(
            Normalizer(), embed, Normalizer(), _skadapt_class("SelfTrainingDA")(final)
        )
    return skadapt.make_da_pipeline(Normalizer(), embed, Normalizer(), final)


def _paper(name, refine=False):
    def build(kind):
        return paper_pipeline(name, refine=refine)

    return build


for _name in ["TCA", "JDA"]:
    _register(
        Method(
            f"{_name}-paper+1NN",
            "alignment",
            f"{_name} with the JDA paper's settings and 1-NN (the published protocol)",
            kinds=_CLS,
        ),
        _paper(_name),
    )
    _register(
        Method(
            f"{_name}-paper+self-train",
            "combined",
            f"{_name}-paper+1NN, then SelfTrainingDA",
            kinds=_CLS,
            default=False,
        ),
        _paper(_name, refine=True),
    )


def resolve(names, suite):
    """Split method names into those to run and ``{name: reason}`` skipped.

    Unknown names raise ``ValueError`` listing the known ones.
    """
    unknown = [n for n in names if n not in METHODS]
    if unknown:
        raise ValueError(
            f"Unknown method(s) {unknown}; known methods: {', '.join(METHODS)}."
        )
    run, skipped = [], {}
    for name in names:
        method = METHODS[name]
        if not method.applies_to(suite):
            skipped[name] = (
                f"not for {suite.kind} / {suite.setting} tasks "
                f"(it is for {'/'.join(method.kinds)}, {'/'.join(method.settings)})"
            )
            continue
        try:
            method.build(suite.kind)
        except MethodUnavailable as exc:
            skipped[name] = str(exc)
            continue
        run.append(name)
    return run, skipped


def default_methods(suite):
    """Every registered default method that applies to ``suite``.

    Returns ``(names, left_out)`` where ``left_out`` maps the slow methods the
    default run skips to the reason.
    """
    names, left_out = [], {}
    for m in METHODS.values():
        if not (m.default and m.applies_to(suite)):
            continue
        if m.slow:
            left_out[m.name] = m.slow
        else:
            names.append(m.name)
    return names, left_out
