"""Private numeric core shared by every family (vectorised numpy/scipy on BLAS)."""

from ._density_ratio import (
    COVERAGE_WARN,
    DEFAULT_MAX_WEIGHT,
    cap_weights,
    cross_fitted_domain_odds,
    data_seed,
    default_domain_classifier,
    domain_classifier_pvalue,
    effective_sample_size,
    fold_odds,
    support_coverage,
)
from ._discrepancy import domain_classifier_distance
from ._kernels import (
    iter_kernel_blocks,
    kernel_matvec,
    kernel_row_means,
    median_heuristic_gamma,
    pairwise_kernel,
)
from ._linalg import (
    CovarianceAccumulator,
    canonical_order,
    domain_rows,
    iter_row_blocks,
    ledoit_wolf_shrinkage,
    ledoit_wolf_shrinkage_from_moments,
    mean_cov,
    near_zero_mean,
    regularised_covariance,
    shrink_covariance,
    sym_eigh,
    sym_power,
    sym_sqrt_invsqrt,
)
from ._memory import check_dense_memory, dense_memory_limit
from ._mmd import linear_time_mmd, mmd_from_indicators
from ._ot import gaussian_barycenter, gaussian_monge_map

__all__ = [
    "canonical_order",
    "COVERAGE_WARN",
    "DEFAULT_MAX_WEIGHT",
    "cap_weights",
    "cross_fitted_domain_odds",
    "data_seed",
    "default_domain_classifier",
    "domain_classifier_pvalue",
    "effective_sample_size",
    "fold_odds",
    "support_coverage",
    "CovarianceAccumulator",
    "check_dense_memory",
    "dense_memory_limit",
    "domain_classifier_distance",
    "domain_rows",
    "gaussian_barycenter",
    "gaussian_monge_map",
    "iter_row_blocks",
    "iter_kernel_blocks",
    "kernel_matvec",
    "kernel_row_means",
    "ledoit_wolf_shrinkage",
    "ledoit_wolf_shrinkage_from_moments",
    "mean_cov",
    "near_zero_mean",
    "median_heuristic_gamma",
    "linear_time_mmd",
    "mmd_from_indicators",
    "pairwise_kernel",
    "regularised_covariance",
    "shrink_covariance",
    "sym_eigh",
    "sym_power",
    "sym_sqrt_invsqrt",
]
