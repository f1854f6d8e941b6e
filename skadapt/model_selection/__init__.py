"""Model selection when target labels are scarce or absent.

Splitters keep the unlabelled target rows in every training fold; scorers estimate
how well a model does on the target domain from unlabelled target rows (and, for
:class:`HoldoutScorer`, the few labelled ones).
"""

from ._scorers import (
    DeepEmbeddedValidationScorer,
    HoldoutScorer,
    ImportanceWeightedScorer,
    NeighborhoodConsistencyScorer,
    PredictionEntropyScorer,
    ReverseValidationScorer,
    SoftNeighborhoodDensityScorer,
)
from ._split import (
    DomainKFold,
    DomainShuffleSplit,
    LeaveOneDomainOut,
    StratifiedDomainShuffleSplit,
)

__all__ = [
    "DeepEmbeddedValidationScorer",
    "DomainKFold",
    "DomainShuffleSplit",
    "HoldoutScorer",
    "ImportanceWeightedScorer",
    "LeaveOneDomainOut",
    "NeighborhoodConsistencyScorer",
    "PredictionEntropyScorer",
    "ReverseValidationScorer",
    "SoftNeighborhoodDensityScorer",
    "StratifiedDomainShuffleSplit",
]
