"""skadapt: classical-ML domain adaptation and transfer learning for scikit-learn.

Importing skadapt changes no global configuration. Every public estimator is
importable from here (``from skadapt import CORAL``) as well as from its family
subpackage (``skadapt.alignment``, ``skadapt.label_shift``, ``skadapt.reweighting``,
``skadapt.transfer``, ``skadapt.transport``).
"""

from . import (
    alignment,
    datasets,
    label_shift,
    metrics,
    model_selection,
    reweighting,
    transfer,
    transport,
)
from ._auto import AutoAdapt
from ._base import pack_domains, unpack_domains
from ._pipeline import LabelledOnly, make_da_pipeline
from .alignment import *  # noqa: F401,F403
from .label_shift import *  # noqa: F401,F403
from .metrics import predict_transfer_gain, rank_sources
from .reweighting import *  # noqa: F401,F403
from .transfer import *  # noqa: F401,F403
from .transport import *  # noqa: F401,F403

__version__ = "0.1.0.dev0"

__all__ = (
    [
        "AutoAdapt",
        "LabelledOnly",
        "make_da_pipeline",
        "pack_domains",
        "predict_transfer_gain",
        "rank_sources",
        "unpack_domains",
        "alignment",
        "datasets",
        "label_shift",
        "metrics",
        "model_selection",
        "reweighting",
        "transfer",
        "transport",
        "__version__",
    ]
    + alignment.__all__
    + label_shift.__all__
    + reweighting.__all__
    + transfer.__all__
    + transport.__all__
)
