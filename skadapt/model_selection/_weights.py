"""Importance weights of the label-free scorers: the shared domain-classifier ratio.

The maths (cross-fitted domain classifier, the weight cap) lives in
``skadapt._core``; :class:`skadapt.reweighting.ClassifierDensityRatio` is the public
estimator built on the same functions.
"""

from .._core import DEFAULT_MAX_WEIGHT, cap_weights, cross_fitted_domain_odds

__all__ = []


def _domain_classifier_weights(
    Xs, Xt, *, classifier=None, max_weight=DEFAULT_MAX_WEIGHT, random_state=None
):
    """Source-row weights (mean 1, capped) from a cross-fitted domain classifier."""
    raw, _, _ = cross_fitted_domain_odds(Xs, Xt, classifier, random_state=random_state)
    return cap_weights(raw, max_weight)[0]


def _domain_classifier_ratio(Xs, Xt, *, classifier=None, random_state=None):
    """Raw cross-fitted ratios of the source rows (not renormalised; for DEV)."""
    return cross_fitted_domain_odds(Xs, Xt, classifier, random_state=random_state)[0]
