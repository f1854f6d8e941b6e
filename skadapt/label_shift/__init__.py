"""Label shift: estimate the target's class priors and correct classifiers for them.

Under label shift the class balance moves between domains while the
class-conditional distribution of the features stays, ``p_t(x | y) = p_s(x | y)``.
The prior estimators (:class:`BBSE`, :class:`MLLS`, :class:`RLLS`) estimate the
target priors from labelled source rows and unlabelled target rows;
:class:`PriorCorrection` corrects any probabilistic classifier for them;
:func:`label_shift_test` tells whether a shift looks like label shift.
"""

from ._bbse import BBSE
from ._correction import PriorCorrection
from ._detect import label_shift_test
from ._mlls import MLLS
from ._rlls import RLLS

__all__ = ["BBSE", "MLLS", "RLLS", "PriorCorrection", "label_shift_test"]
