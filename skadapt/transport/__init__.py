"""Optimal transport: OT mappings, OT label propagation, JDOT, JCPOT, Monge maps."""

from ._jdot import JDOTClassifier, JDOTRegressor
from ._mapping import ClassRegularizedOTMapping, EntropicOTMapping, ExactOTMapping
from ._monge import LinearMongeAlignment
from ._propagation import (
    JCPOT,
    OTLabelPropagationClassifier,
    OTLabelPropagationRegressor,
)

__all__ = [
    "JCPOT",
    "ClassRegularizedOTMapping",
    "EntropicOTMapping",
    "ExactOTMapping",
    "JDOTClassifier",
    "JDOTRegressor",
    "LinearMongeAlignment",
    "OTLabelPropagationClassifier",
    "OTLabelPropagationRegressor",
]
