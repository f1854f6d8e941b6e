"""Parameter and structure transfer: source models as priors, starts, structures."""

from ._boosting import (
    TransferGradientBoostingClassifier,
    TransferGradientBoostingRegressor,
)
from ._finetune import FineTune
from ._forest import TransferForestClassifier, TransferForestRegressor
from ._interpolation import LinearInterpolation
from ._joint import JointTraining
from ._logistic import TransferLogisticRegression
from ._ridge import TransferRidge
from ._tree import TransferTreeClassifier, TransferTreeRegressor

__all__ = [
    "FineTune",
    "JointTraining",
    "LinearInterpolation",
    "TransferForestClassifier",
    "TransferForestRegressor",
    "TransferGradientBoostingClassifier",
    "TransferGradientBoostingRegressor",
    "TransferLogisticRegression",
    "TransferRidge",
    "TransferTreeClassifier",
    "TransferTreeRegressor",
]
