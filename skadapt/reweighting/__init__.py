"""Instance reweighting: density-ratio estimators and importance-weighted fitting."""

from ._base import EffectiveSampleSizeWarning, LimitedOverlapWarning, support_coverage
from ._classifier import ClassifierDensityRatio
from ._gaussian import GaussianDensityRatio
from ._importance_weighted import ImportanceWeighted
from ._kliep import KLIEP
from ._kmm import KMM
from ._lsif import RULSIF, ULSIF
from ._nearest_neighbors import NearestNeighborWeighting
from ._tradaboost import TrAdaBoost, TrAdaBoostR2, TwoStageTrAdaBoostR2

__all__ = [
    "KMM",
    "KLIEP",
    "ULSIF",
    "RULSIF",
    "ClassifierDensityRatio",
    "NearestNeighborWeighting",
    "GaussianDensityRatio",
    "ImportanceWeighted",
    "TrAdaBoost",
    "TrAdaBoostR2",
    "TwoStageTrAdaBoostR2",
    "EffectiveSampleSizeWarning",
    "LimitedOverlapWarning",
    "support_coverage",
]
