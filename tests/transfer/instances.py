"""Estimator instances of this family that the common tests run sklearn's checks on."""

from sklearn.linear_model import LogisticRegression, Ridge, SGDClassifier

from skadapt.transfer import (
    FineTune,
    JointTraining,
    LinearInterpolation,
    TransferForestClassifier,
    TransferForestRegressor,
    TransferGradientBoostingClassifier,
    TransferGradientBoostingRegressor,
    TransferLogisticRegression,
    TransferRidge,
    TransferTreeClassifier,
    TransferTreeRegressor,
)

from .._families import MASK_XFAIL

# One instance per public estimator class of the family (more for meta-estimators
# when their behaviour depends on what they wrap).
INSTANCES = [
    TransferRidge(),
    TransferRidge(alpha=10.0, fit_intercept=False),
    TransferLogisticRegression(),
    JointTraining(LogisticRegression()),
    JointTraining(Ridge(), target_weight=2.0),
    LinearInterpolation(LogisticRegression()),
    LinearInterpolation(Ridge()),
    FineTune(SGDClassifier(random_state=0)),
    TransferTreeClassifier(),
    TransferTreeClassifier(method="ser", max_depth=3),
    TransferTreeRegressor(),
    TransferTreeRegressor(method="strut", max_depth=3),
    TransferForestClassifier(n_estimators=5),
    TransferForestRegressor(n_estimators=5, method="ser"),
    TransferGradientBoostingClassifier(n_estimators=10),
    TransferGradientBoostingRegressor(n_estimators=10),
]

# {class name: {check name: reason}} for checks that cannot pass, each with its reason.
EXPECTED_FAILED_CHECKS = {
    "TransferLogisticRegression": MASK_XFAIL,
    "JointTraining": MASK_XFAIL,
    "LinearInterpolation": MASK_XFAIL,
    "FineTune": {
        **MASK_XFAIL,
        "check_sample_weight_equivalence_on_dense_data": (
            "SGDClassifier itself is stochastic: weights are not equivalent to "
            "repeated rows (scikit-learn marks the same check for it)"
        ),
        "check_sample_weight_equivalence_on_sparse_data": (
            "SGDClassifier itself is stochastic: weights are not equivalent to "
            "repeated rows (scikit-learn marks the same check for it)"
        ),
    },
    "TransferTreeClassifier": MASK_XFAIL,
    "TransferForestClassifier": {
        **MASK_XFAIL,
        "check_sample_weight_equivalence_on_dense_data": (
            "the source random forest's bootstrap draws rows, not weights "
            "(scikit-learn marks the same check for RandomForestClassifier)"
        ),
    },
    "TransferForestRegressor": {
        "check_sample_weight_equivalence_on_dense_data": (
            "the source random forest's bootstrap draws rows, not weights "
            "(scikit-learn marks the same check for RandomForestRegressor)"
        ),
    },
    "TransferGradientBoostingClassifier": {
        **MASK_XFAIL,
        "check_sample_weight_equivalence_on_dense_data": (
            "the default source HistGradientBoostingClassifier bins and "
            "subsamples by rows, not weights (scikit-learn marks the same check "
            "for it)"
        ),
    },
    "TransferGradientBoostingRegressor": {
        "check_sample_weight_equivalence_on_dense_data": (
            "the default source HistGradientBoostingRegressor bins by rows, not "
            "weights (scikit-learn marks the same check for it)"
        ),
    },
}

# {class name: {domain check name: reason}} for skadapt's two-domain checks.
DOMAIN_EXPECTED_FAILED_CHECKS = {
    "FineTune": {
        "check_sparse_input": (
            "SGDClassifier runs a different update on sparse rows (its intercept "
            "decay), so sparse and dense fits differ by design"
        ),
    },
}
