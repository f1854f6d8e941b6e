"""Estimator instances of this family that the common tests run sklearn's checks on."""

from sklearn.linear_model import LogisticRegression, Ridge

from skadapt.reweighting import (
    KLIEP,
    KMM,
    RULSIF,
    ULSIF,
    ClassifierDensityRatio,
    GaussianDensityRatio,
    ImportanceWeighted,
    NearestNeighborWeighting,
    TrAdaBoost,
    TrAdaBoostR2,
    TwoStageTrAdaBoostR2,
)

from .._families import MASK_XFAIL

# One instance per public estimator class of the family (more for meta-estimators
# when their behaviour depends on what they wrap).
INSTANCES = [
    KMM(),
    KLIEP(),
    ULSIF(),
    RULSIF(),
    ClassifierDensityRatio(),
    NearestNeighborWeighting(),
    GaussianDensityRatio(),
    ImportanceWeighted(LogisticRegression(), KMM()),
    ImportanceWeighted(Ridge(), KLIEP()),
    TrAdaBoost(random_state=0),
    TrAdaBoostR2(random_state=0),
    TwoStageTrAdaBoostR2(n_steps=3, n_estimators=3, random_state=0),
]

# {class name: {check name: reason}} for checks that cannot pass, each with its reason.
EXPECTED_FAILED_CHECKS = {
    "ImportanceWeighted": MASK_XFAIL,
    "TrAdaBoost": MASK_XFAIL,
}
