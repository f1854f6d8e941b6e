"""The only module of skadapt that imports private scikit-learn API.

Everything scikit-learn keeps private but that estimators written in its style need
(parameter validation, the fit context, sample-weight checking, chunk sizing) is
imported here once, so that a change in a scikit-learn release is mended in one place.
"""

from sklearn.base import _fit_context
from sklearn.utils import _safe_indexing
from sklearn.utils._chunking import get_chunk_n_rows
from sklearn.utils._param_validation import (
    HasMethods,
    Hidden,
    Interval,
    InvalidParameterError,
    Options,
    RealNotInt,
    StrOptions,
    validate_params,
)
from sklearn.utils.validation import _check_feature_names_in, _check_sample_weight

__all__ = [
    "HasMethods",
    "Hidden",
    "Interval",
    "InvalidParameterError",
    "Options",
    "RealNotInt",
    "StrOptions",
    "_check_feature_names_in",
    "_check_sample_weight",
    "_fit_context",
    "_safe_indexing",
    "get_chunk_n_rows",
    "validate_params",
]
