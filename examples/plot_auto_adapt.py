"""
The automatic choice: AutoAdapt decides, and says why
=====================================================

:class:`skadapt.AutoAdapt` scores a few candidate adaptations (CORAL, TCA,
importance weighting) without target labels and adopts one only when it beats
source-only by the calibrated margins in reverse validation while losing no
more than a margin in source and importance-weighted validation. Two real
tasks: a classification between photo domains, where alignment usually pays,
and a car-mileage regression across regions of origin, where it usually does not.
:class:`~skadapt.plotting.AutoAdaptDisplay` draws each decision.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression, Ridge

from skadapt import AutoAdapt
from skadapt.datasets import load_auto, load_office_caltech
from skadapt.plotting import AutoAdaptDisplay

tasks = {
    "Office-Caltech webcam -> DSLR": (
        load_office_caltech("webcam", "dslr"),
        LogisticRegression(C=0.1, max_iter=200),
    ),
    "Auto MPG USA -> Japan": (load_auto("usa", "japan"), Ridge()),
}
for title, ((X, y, sample_domain, y_true), estimator) in tasks.items():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        auto = AutoAdapt(estimator, n_splits=2, random_state=0)
        auto.fit(X, y, sample_domain=sample_domain)
    print(title)
    print(auto.summary(), "\n")
    target = sample_domain < 0
    pred = auto.predict(X[target])
    if title.startswith("Office"):
        print(f"target accuracy of the choice: {np.mean(pred == y_true[target]):.3f}\n")
    else:
        rmse = np.sqrt(np.mean((pred - y_true[target]) ** 2))
        print(f"target RMSE of the choice: {rmse:.3f}\n")
    disp = AutoAdaptDisplay.from_estimator(auto)
    disp.ax_.set_title(f"{title}\n{disp.ax_.get_title()}", fontsize=10)
    disp.figure_.tight_layout()
plt.show()
