"""Estimator instances of this family that the common tests run sklearn's checks on."""

from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB

from skadapt.label_shift import BBSE, MLLS, RLLS, PriorCorrection

from .._families import MASK_XFAIL

# One instance per public estimator class of the family (more for meta-estimators
# when their behaviour depends on what they wrap).
INSTANCES = [
    BBSE(),
    BBSE(soft=True, n_bootstrap=0),
    MLLS(),
    RLLS(),
    PriorCorrection(LogisticRegression()),
    PriorCorrection(LogisticRegression(), BBSE(), method="refit"),
    PriorCorrection(GaussianNB(), target_priors=None),
]

# {class name: {check name: reason}} for checks that cannot pass, each with its reason.
EXPECTED_FAILED_CHECKS = {
    "PriorCorrection": MASK_XFAIL,
}
