"""Parameter transfer: source models as priors and warm starts for the target."""

from ._finetune import FineTune
from ._interpolation import LinearInterpolation
from ._joint import JointTraining
from ._logistic import TransferLogisticRegression
from ._ridge import TransferRidge

__all__ = [
    "FineTune",
    "JointTraining",
    "LinearInterpolation",
    "TransferLogisticRegression",
    "TransferRidge",
]
