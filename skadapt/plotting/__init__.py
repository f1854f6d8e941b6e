"""Display objects: pictures of shifts, weights, alignments and decisions.

Each display follows scikit-learn's Display pattern: the constructor stores the
data to draw, :meth:`plot` draws it (on ``ax`` when given) and stores ``ax_``,
``figure_`` and the artists, and classmethods (``from_estimator``,
``from_weights``, ``from_data``, ``from_results``) compute the data and plot it.

matplotlib is optional (``pip install 'skadapt[plot]'``): this subpackage imports
it only when something is drawn, and ``import skadapt`` does not import this
subpackage.
"""

from ._auto import AutoAdaptDisplay
from ._benchmark import BenchmarkDisplay
from ._curve import TransferCurveDisplay
from ._embedding import DomainEmbeddingDisplay
from ._shift import FeatureShiftDisplay
from ._weights import WeightDistributionDisplay

__all__ = [
    "AutoAdaptDisplay",
    "BenchmarkDisplay",
    "DomainEmbeddingDisplay",
    "FeatureShiftDisplay",
    "TransferCurveDisplay",
    "WeightDistributionDisplay",
]
