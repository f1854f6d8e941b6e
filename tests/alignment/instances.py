"""Estimator instances of this family that the common tests run sklearn's checks on."""

from skadapt.alignment import CORAL

# One instance per public estimator class of the family (more for meta-estimators
# when their behaviour depends on what they wrap).
INSTANCES = [CORAL(), CORAL(reg=0.5)]

# {class name: {check name: reason}} for checks that cannot pass, each with its reason.
EXPECTED_FAILED_CHECKS = {}
