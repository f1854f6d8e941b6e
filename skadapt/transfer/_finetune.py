"""Fine-tuning: train on the source rows, continue on the labelled target rows."""

import inspect
from numbers import Integral

import numpy as np
from sklearn.base import clone, is_classifier

from .._pipeline import LabelledOnly
from ..utils._docstrings import FRAGMENTS, Substitution
from ..utils._sklearn import HasMethods, Interval, _fit_context
from ._common import _split_for, _take, _warn_unlabelled_target

__all__ = ["FineTune"]


def _takes(method, name):
    try:
        return name in inspect.signature(method).parameters
    except (TypeError, ValueError):  # pragma: no cover - builtins
        return False


@Substitution(**FRAGMENTS)
class FineTune(LabelledOnly):
    """Fit an incremental estimator on the source rows, then continue on the target.

    The classical "pre-train, then fine-tune": a clone of ``estimator`` is fitted
    on the labelled source rows, then trained further on the labelled target rows
    only, starting from the source solution: ``n_iter_target`` calls to
    ``partial_fit`` (one pass each, e.g. :class:`~sklearn.linear_model.SGDClassifier`,
    :class:`~sklearn.neural_network.MLPClassifier` with ``solver="adam"``), or, for
    an estimator without ``partial_fit``, one ``fit`` with ``warm_start=True`` and
    ``max_iter=n_iter_target`` when it has that parameter.

    Labelled target rows are rows with a known label and ``sample_domain <= -1``;
    they need an explicit ``sample_domain``. Masked rows are ignored. With one
    domain only the estimator is fitted on every labelled row (its baseline);
    without labelled target rows but with (unlabelled) target rows the source
    model is kept, with a warning.

    Parameters
    ----------
    estimator : estimator object
        A scikit-learn estimator with ``partial_fit`` or a ``warm_start``
        parameter.
    n_iter_target : int, default=10
        Passes over the labelled target rows (``partial_fit`` calls, or
        ``max_iter`` of the warm-started ``fit``).

    Attributes
    ----------
    estimator_ : estimator object
        The fine-tuned clone of ``estimator``.
    fine_tuned_ : bool
        Whether training continued on target rows (False when only one domain
        had labelled rows).
    classes_ : ndarray of shape (n_classes,)
        Class labels, when the estimator is a classifier.
    %(feature_attributes)s

    See Also
    --------
    TransferLogisticRegression : Keeps the fine-tuned model close to the source
        one by an explicit penalty rather than by early stopping.

    Notes
    -----
    Fine-tuning regularises only by starting point and number of passes [1]_: few
    passes stay near the source model, many passes forget it. A classifier's
    classes are fixed by the source fit; every target label must be one of them.

    References
    ----------
    .. [1] J. Yosinski, J. Clune, Y. Bengio and H. Lipson, "How transferable are
       features in deep neural networks?", NeurIPS 2014.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import SGDClassifier
    >>> from skadapt import FineTune
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(120, 2))
    >>> y = (X[:, 0] > 0).astype(int)
    >>> sample_domain = np.r_[np.ones(100, int), -np.ones(20, int)]
    >>> clf = FineTune(SGDClassifier(random_state=0), n_iter_target=5)
    >>> clf.fit(X, y, sample_domain=sample_domain).classes_
    array([0, 1])
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit"])],
        "n_iter_target": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, estimator, *, n_iter_target=10):
        self.estimator = estimator
        self.n_iter_target = n_iter_target

    @Substitution(**FRAGMENTS)
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None, *, sample_domain=None, **fit_params):
        """Fit on the labelled source rows, then continue on the target rows.

        Parameters
        ----------
        %(wrapper_fit_rows)s
        sample_weight : array-like of shape (n_samples,), default=None
            Row weights, passed to ``fit`` and to ``partial_fit`` when they take
            them.
        %(fit_sample_domain)s
        **fit_params : dict
            Further parameters passed to the estimator's ``fit``.

        Returns
        -------
        self : object
            The fitted meta-estimator.
        """
        name = type(self).__name__
        est = clone(self.estimator)
        incremental = hasattr(est, "partial_fit")
        if not incremental and "warm_start" not in est.get_params():
            raise ValueError(
                f"{name} needs an estimator with partial_fit or a warm_start "
                f"parameter; {type(est).__name__} has neither."
            )
        y, rows, sw = _split_for(
            self.estimator, X, y, sample_weight, sample_domain, name
        )

        def part(mask):
            kw = {} if sw is None else {"sample_weight": sw[mask]}
            return _take(X, mask), y[mask], kw

        first = rows.source if rows.source.any() else rows.target
        Xf, yf, kw = part(first)
        est.fit(Xf, yf, **kw, **fit_params)
        self.fine_tuned_ = False
        if rows.source.any() and rows.target.any():
            Xt, yt, kw = part(rows.target)
            if is_classifier(est):
                unknown = np.setdiff1d(np.unique(yt), est.classes_)
                if unknown.size:
                    raise ValueError(
                        f"{name}: the target labels {unknown.tolist()} are not among "
                        f"the classes learned on the source rows "
                        f"({est.classes_.tolist()}); fine-tuning cannot add classes."
                    )
            if incremental:
                if not _takes(est.partial_fit, "sample_weight"):
                    kw = {}
                for _ in range(self.n_iter_target):
                    est.partial_fit(Xt, yt, **kw)
            else:
                params = {"warm_start": True}
                if "max_iter" in est.get_params():
                    params["max_iter"] = self.n_iter_target
                est.set_params(**params)
                est.fit(Xt, yt, **kw, **fit_params)
            self.fine_tuned_ = True
        elif rows.any_target.any() and not rows.target.any():
            _warn_unlabelled_target(name)
        self.estimator_ = est
        return self
