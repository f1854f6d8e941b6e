"""Feature alignment: transformers that map source rows onto the target domain."""

from ._augment import FeatureAugmentation
from ._bda import BDA
from ._coral import CORAL
from ._easytl import EasyTL
from ._gfk import GFK
from ._jda import JDA
from ._linear_ot import LinearOTMapping
from ._meda import MEDA
from ._scaler import DomainStandardScaler
from ._self_training import SelfTrainingDA
from ._subspace import SubspaceAlignment
from ._tca import TCA

__all__ = [
    "BDA",
    "CORAL",
    "GFK",
    "JDA",
    "MEDA",
    "TCA",
    "DomainStandardScaler",
    "EasyTL",
    "FeatureAugmentation",
    "LinearOTMapping",
    "SelfTrainingDA",
    "SubspaceAlignment",
]
