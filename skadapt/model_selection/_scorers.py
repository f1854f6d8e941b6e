"""Scorers that choose hyperparameters without (many) target labels.

Every scorer is a callable ``scorer(estimator, X, y, sample_domain=None)`` that
:class:`~sklearn.model_selection.GridSearchCV` and
:func:`~sklearn.model_selection.cross_validate` accept as ``scoring=``, built on
public scikit-learn API only. Greater is better for all of them.

What a scorer sees:

- The test fold's rows. The unsupervised scorers need target rows there, so use a
  splitter with ``target_in_test=True`` (e.g.
  ``DomainShuffleSplit(target_in_test=True)``); they raise a clear error otherwise.
- The domains: from ``sample_domain`` when metadata routing is on (every scorer
  requests it, so no ``set_score_request`` call is needed), otherwise from the
  masked labels in ``y`` (masked rows are target rows, labelled rows source rows).
- The predictions of the *deployed* model: the scorer calls ``predict`` /
  ``predict_proba`` without ``sample_domain``, so in a Pipeline every step's
  ``transform`` treats every row, source rows included, as a target row, exactly as
  at prediction time. For the importance-weighted scorers this is the quantity that
  must be estimated (the target risk of the function that will be deployed).
"""

from numbers import Integral, Real

import numpy as np
from scipy.special import logsumexp
from sklearn.base import BaseEstimator, clone, is_classifier
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.neighbors import NearestNeighbors
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import normalize
from sklearn.utils import check_array
from sklearn.utils.metadata_routing import MetadataRequest

from .._base import (
    DomainMixin,
    domains_and_labels,
    labelled_mask,
    labelled_row_scores,
    labelled_scorer,
)
from .._core import DEFAULT_MAX_WEIGHT, iter_kernel_blocks
from ..utils._docstrings import FRAGMENTS, Substitution
from ..utils._sklearn import _safe_indexing
from ._weights import _domain_classifier_ratio, _domain_classifier_weights

__all__ = [
    "DeepEmbeddedValidationScorer",
    "HoldoutScorer",
    "ImportanceWeightedScorer",
    "NeighborhoodConsistencyScorer",
    "PredictionEntropyScorer",
    "ReverseValidationScorer",
    "SoftNeighborhoodDensityScorer",
]

_LOSSES = ("zero_one", "log_loss", "squared_error", "absolute_error")


def _n_rows(X):
    return X.shape[0] if hasattr(X, "shape") else len(X)


def _need_method(estimator, method, caller):
    if not hasattr(estimator, method):
        raise ValueError(
            f"{caller} needs {method}, which {type(estimator).__name__} does not "
            "provide; use a probabilistic classifier (e.g. LogisticRegression, or "
            "SVC(probability=True)) as the final step."
        )


# The ``loss`` parameter of the importance-weighted scorers (the losses of
# ``_row_losses``; four spaces: a class docstring's entry), with the shared
# fragments (their references).
_ROW_LOSS = Substitution(
    **FRAGMENTS,
    row_loss="""loss : {"zero_one", "log_loss", "squared_error", \
"absolute_error"}, default=None
        Per-row loss; ``"zero_one"`` for classifiers and ``"squared_error"``
        otherwise when None. ``"log_loss"`` needs ``predict_proba``.""",
)


def _row_losses(estimator, X, y, loss, caller):
    """Loss of the deployed model on each row (rows treated as target rows)."""
    if loss is None:
        loss = "zero_one" if is_classifier(estimator) else "squared_error"
    y = np.asarray(y)
    if loss == "zero_one":
        return (estimator.predict(X) != y).astype(np.float64)
    if loss == "log_loss":
        _need_method(estimator, "predict_proba", caller)
        proba = estimator.predict_proba(X)
        classes = np.asarray(estimator.classes_)
        col = np.searchsorted(classes, y)
        col = np.clip(col, 0, classes.size - 1)
        unknown = classes[col] != y
        p = proba[np.arange(y.shape[0]), col]
        p = np.where(unknown, 0.0, p)
        return -np.log(np.clip(p, 1e-15, None))
    pred = np.asarray(estimator.predict(X), dtype=np.float64)
    diff = pred - y.astype(np.float64)
    if diff.ndim == 2:
        return (
            (diff**2).mean(axis=1) if loss == "squared_error" else np.abs(diff).mean(1)
        )
    return diff**2 if loss == "squared_error" else np.abs(diff)


class _DomainScorer(BaseEstimator):
    """Base class: requests ``sample_domain`` and finds the domains of a fold."""

    _needs_source = False
    _needs_target = True

    def get_metadata_routing(self):
        """Get the metadata routing of this scorer.

        ``sample_domain`` is requested by default, so that with metadata routing on
        a search passes the test fold's ``sample_domain`` to the scorer without any
        ``set_score_request`` call.

        Returns
        -------
        routing : sklearn.utils.metadata_routing.MetadataRequest
            The request of the ``score`` method.
        """
        request = MetadataRequest(owner=self)
        alias = self.__dict__.get("_sample_domain_request", True)
        request.score.add_request(param="sample_domain", alias=alias)
        return request

    def set_score_request(self, *, sample_domain=True):
        """Set whether ``sample_domain`` is requested (it is by default).

        Parameters
        ----------
        sample_domain : bool, str or None, default=True
            ``True`` to request it, ``False`` not to, or an alias (a str) under
            which the search passes it.

        Returns
        -------
        self : object
            The scorer.
        """
        self._sample_domain_request = sample_domain
        return self

    def __call__(self, estimator, X, y, sample_domain=None, **kwargs):
        """Score a fitted estimator on one test fold.

        Parameters
        ----------
        estimator : estimator object
            The fitted model (usually a Pipeline) to score.
        X : array-like of shape (n_samples, n_features)
            The test fold's rows.
        y : array-like of shape (n_samples,)
            Their labels, unknown ones masked (``-1`` or ``NaN``).
        sample_domain : array-like of shape (n_samples,), default=None
            Domain ids; inferred from ``y`` when None.
        **kwargs : dict
            Not accepted; present so that an unexpected argument gets a clear
            error.

        Returns
        -------
        score : float
            Greater is better.
        """
        if kwargs:
            raise TypeError(
                f"{type(self).__name__} got unexpected argument(s) {sorted(kwargs)}."
            )
        sd, source, target = self._fold_domains(X, y, sample_domain)
        return float(self._score(estimator, X, np.asarray(y), sd, source, target))

    def _row_values(self, estimator, X, y, sample_domain=None):
        """Each row's share of the score (their mean is the score), or None.

        The rows are the ones the score averages over (held-out source rows, or
        target rows); None when the score is not such a mean (a ``scoring``
        other than the default, or a scorer without a row form). Paired
        differences of two models' row values on one fold give the standard
        error of the difference of their scores.
        """
        sd, source, target = self._fold_domains(X, y, sample_domain)
        return self._rows(estimator, X, np.asarray(y), sd, source, target)

    def _rows(self, estimator, X, y, sd, source, target):
        return None

    def _fold_domains(self, X, y, sample_domain):
        """The fold's domain ids, labelled source rows and target rows, checked."""
        if y is None:
            raise ValueError(
                f"{type(self).__name__} needs y (labels with unknown ones masked) to "
                "tell source rows from target rows."
            )
        n = _n_rows(X)
        sd, known = domains_and_labels(sample_domain, y, n)
        source = np.flatnonzero((sd > 0) & known)
        target = np.flatnonzero(sd < 0)
        name = type(self).__name__
        if self._needs_target and target.size == 0:
            raise ValueError(
                f"{name} needs target rows in the test fold but it has none; use a "
                "splitter that puts the unlabelled target rows in every test fold, "
                "e.g. DomainShuffleSplit(target_in_test=True)."
            )
        if self._needs_source and source.size == 0:
            raise ValueError(
                f"{name} needs labelled source rows in the test fold but it has none."
            )
        return sd, source, target


class PredictionEntropyScorer(_DomainScorer):
    r"""Negative mean entropy of the predicted class probabilities on target rows.

    Confident predictions on the target domain score high. It needs only target
    rows (no label at all), but it also rewards a model that is confidently wrong
    or that predicts one class everywhere, so use it to compare reasonable
    candidates, not as the only guard [1]_.

    Parameters
    ----------
    eps : float, default=1e-12
        Probabilities are clipped to ``[eps, 1]`` before taking logarithms.

    See Also
    --------
    SoftNeighborhoodDensityScorer : An entropy criterion that penalises collapse.

    Notes
    -----
    With :math:`p_{ic}` the predicted probability of class :math:`c` for target
    row :math:`i` among :math:`n_t` target rows of the test fold,

    .. math:: \mathrm{score} = \frac{1}{n_t} \sum_i \sum_c p_{ic} \log p_{ic} .

    The estimator must have ``predict_proba``; it is called without
    ``sample_domain`` (every row treated as a target row).

    References
    ----------
    .. [1] P. Morerio, J. Cavazza and V. Murino, "Minimal-Entropy Correlation
       Alignment for Unsupervised Deep Domain Adaptation", ICLR 2018.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skadapt.datasets import make_domain_shift
    >>> from skadapt.model_selection import PredictionEntropyScorer
    >>> X, y, _, _ = make_domain_shift(60, 40, random_state=0)
    >>> clf = LogisticRegression().fit(X[:60], y[:60])
    >>> score = PredictionEntropyScorer()(clf, X, y)
    >>> bool(-0.7 < score < 0)
    True
    """

    def __init__(self, *, eps=1e-12):
        self.eps = eps

    def _score(self, estimator, X, y, sd, source, target):
        _need_method(estimator, "predict_proba", type(self).__name__)
        proba = estimator.predict_proba(_safe_indexing(X, target))
        proba = np.clip(np.asarray(proba, dtype=np.float64), self.eps, 1.0)
        return float(np.mean(np.sum(proba * np.log(proba), axis=1)))


def _soft_neighborhood_density(P, temperature):
    """Mean entropy of each row's softmax similarity to the other rows (chunked)."""
    P = normalize(np.asarray(P, dtype=np.float64))
    n = P.shape[0]
    if n < 2:
        return 0.0
    total = 0.0
    for rows, S in iter_kernel_blocks(P, P, kernel="linear"):
        S = S / temperature
        local = np.arange(rows.stop - rows.start)
        S[local, local + rows.start] = -np.inf
        log_q = S - logsumexp(S, axis=1, keepdims=True)
        q = np.exp(log_q)
        ent = -np.sum(q * np.where(np.isneginf(log_q), 0.0, log_q), axis=1)
        total += ent.sum()
    return total / n


class SoftNeighborhoodDensityScorer(_DomainScorer):
    r"""Soft neighbourhood density (SND) of the target predictions.

    A well-adapted model maps target rows of one class close together: each row's
    soft neighbourhood (a softmax over its similarities to the other target rows)
    is spread over many similar rows, so its entropy is high. A model that scatters
    the target rows, or is uncertain everywhere, scores low [1]_.

    Parameters
    ----------
    temperature : float, default=0.05
        Softmax temperature of the similarities (the paper's value).

    See Also
    --------
    PredictionEntropyScorer : The plain entropy of the predictions.

    Notes
    -----
    With :math:`\tilde p_i = p_i / \lVert p_i \rVert` the L2-normalised predicted
    probabilities of the :math:`n_t` target rows, :math:`s_{ij} = \tilde p_i^\top
    \tilde p_j / \tau` for :math:`j \ne i`, and :math:`q_{ij} = \exp(s_{ij}) /
    \sum_{k \ne i} \exp(s_{ik})`,

    .. math:: \mathrm{SND} = -\frac{1}{n_t} \sum_i \sum_{j \ne i} q_{ij} \log q_{ij} .

    The similarity matrix is computed in row blocks bounded by scikit-learn's
    ``working_memory``. The estimator must have ``predict_proba``; it is called
    without ``sample_domain``.

    References
    ----------
    .. [1] K. Saito, D. Kim, P. Teterwak, S. Sclaroff, T. Darrell and K. Saenko,
       "Tune it the Right Way: Unsupervised Validation of Domain Adaptation via
       Soft Neighborhood Density", ICCV 2021.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skadapt.datasets import make_domain_shift
    >>> from skadapt.model_selection import SoftNeighborhoodDensityScorer
    >>> X, y, _, _ = make_domain_shift(60, 40, random_state=0)
    >>> clf = LogisticRegression().fit(X[:60], y[:60])
    >>> score = SoftNeighborhoodDensityScorer()(clf, X, y)
    >>> bool(0 < score < np.log(39))
    True
    """

    def __init__(self, *, temperature=0.05):
        self.temperature = temperature

    def _score(self, estimator, X, y, sd, source, target):
        if not (isinstance(self.temperature, Real) and self.temperature > 0):
            raise ValueError(
                f"temperature must be a positive number, got {self.temperature!r}."
            )
        _need_method(estimator, "predict_proba", type(self).__name__)
        proba = estimator.predict_proba(_safe_indexing(X, target))
        return _soft_neighborhood_density(proba, self.temperature)


def target_neighbors(X_target, n_neighbors):
    """Indices of each target row's nearest other target rows (input space).

    Euclidean distances, each row excluded from its own neighbours (a duplicate
    row is another row's neighbour at distance 0); at most ``n_rows - 1``
    neighbours. The distances are computed in chunks bounded by scikit-learn's
    ``working_memory``.
    """
    n = _n_rows(X_target)
    if n < 2:
        raise ValueError(
            f"neighbourhood consistency needs at least 2 target rows, got {n}."
        )
    k = min(int(n_neighbors), n - 1)
    return (
        NearestNeighbors(n_neighbors=k).fit(X_target).kneighbors(return_distance=False)
    )


def neighborhood_agreement(pred, neighbors):
    """Each row's fraction of neighbours whose prediction equals its own."""
    pred = np.asarray(pred)
    return np.mean(pred[neighbors] == pred[:, None], axis=1)


def neighborhood_consistency(pred, neighbors):
    """Fraction of (row, neighbour) pairs whose predictions agree."""
    return float(np.mean(neighborhood_agreement(pred, neighbors)))


class NeighborhoodConsistencyScorer(_DomainScorer):
    r"""Agreement of the target predictions with the target's own neighbourhoods.

    Under the cluster assumption, target rows that are close in the input space
    share a label, so a model adapted well to the target predicts the same class
    for a row and its nearest target neighbours; a model whose decision boundary
    cuts through the target's clusters (typically a source-only model under a
    shift) does not [1]_. The score is the fraction of (target row, neighbour)
    pairs with equal predictions.

    The neighbours are found in the input space as the scorer receives it
    (before any step of a Pipeline), so that the score compares candidates that
    transform the features differently on one fixed graph. It also rewards a
    model that predicts one class everywhere (a score of 1): use it beside a
    guard on the source accuracy, as :class:`~skadapt.AutoAdapt` does, not alone.

    Parameters
    ----------
    n_neighbors : int, default=5
        Neighbours of each target row (at most the number of target rows minus
        one).

    See Also
    --------
    SoftNeighborhoodDensityScorer : Neighbourhoods in the space of the predicted
        probabilities.

    Notes
    -----
    With :math:`N(i)` the ``n_neighbors`` nearest other target rows of target row
    :math:`i` (Euclidean distance) and :math:`\hat y` the predictions,

    .. math:: \mathrm{NC} = \frac{1}{n_t k} \sum_i \sum_{j \in N(i)}
       [\hat y_i = \hat y_j] .

    Only classifiers are scored; the distances are computed in chunks bounded by
    scikit-learn's ``working_memory``, and ``predict`` is called without
    ``sample_domain``.

    References
    ----------
    .. [1] D. Zhou, O. Bousquet, T. N. Lal, J. Weston and B. Schölkopf,
       "Learning with Local and Global Consistency", NIPS 2003.

    Examples
    --------
    >>> from sklearn.dummy import DummyClassifier
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skadapt.datasets import make_domain_shift
    >>> from skadapt.model_selection import NeighborhoodConsistencyScorer
    >>> X, y, sample_domain, _ = make_domain_shift(60, 40, random_state=0)
    >>> scorer = NeighborhoodConsistencyScorer(n_neighbors=5)
    >>> source = sample_domain > 0
    >>> clf = LogisticRegression().fit(X[source], y[source])
    >>> float(scorer(clf, X, y)) < 1.0
    True

    One class everywhere is perfectly consistent, which is why it needs a guard:

    >>> scorer(DummyClassifier().fit(X[source], y[source]), X, y)
    1.0
    """

    def __init__(self, *, n_neighbors=5):
        self.n_neighbors = n_neighbors

    def _score(self, estimator, X, y, sd, source, target):
        return float(np.mean(self._rows(estimator, X, y, sd, source, target)))

    def _rows(self, estimator, X, y, sd, source, target):
        if not (
            isinstance(self.n_neighbors, Integral)
            and not isinstance(self.n_neighbors, bool)
            and self.n_neighbors >= 1
        ):
            raise ValueError(
                f"n_neighbors must be a positive integer, got {self.n_neighbors!r}."
            )
        if not is_classifier(estimator):
            raise ValueError(
                "NeighborhoodConsistencyScorer scores classifiers (agreement of "
                f"predicted labels); {type(estimator).__name__} is not one."
            )
        Xt = _safe_indexing(X, target)
        neighbors = target_neighbors(Xt, self.n_neighbors)
        return neighborhood_agreement(estimator.predict(Xt), neighbors)


class _WeightedScorer(_DomainScorer):
    """Shared machinery of the importance-weighted scorers."""

    _needs_source = True

    def _check_loss(self):
        if self.loss is not None and self.loss not in _LOSSES:
            raise ValueError(
                f"loss must be None or one of {list(_LOSSES)}, got {self.loss!r}."
            )

    def _fold_rows(self, X, sd, source, target):
        rows = np.concatenate([source, target])
        Xf = check_array(_safe_indexing(X, rows), dtype=[np.float64, np.float32])
        return Xf, sd[rows]

    def _fold_weights(self, Xf, sdf, *settings):
        """The source weights of one fold's rows, computed once per fold and setting.

        A search scores every candidate on the same folds, so the weights (which
        depend on the rows, not on the candidate) are cached by the rows' content
        and the scorer's ``settings``; at most 32 folds are kept.
        """
        key = (Xf.shape, hash(Xf.tobytes()), hash(sdf.tobytes()), *map(repr, settings))
        cache = self.__dict__.setdefault("_fold_cache", {})
        if key not in cache:
            if len(cache) > 32:
                cache.clear()
            cache[key] = self._compute_weights(Xf, sdf)
        return cache[key]

    def _weights_and_losses(self, estimator, X, y, sd, source, target, *settings):
        """The fold's source weights and the estimator's loss on each source row."""
        self._check_loss()
        Xf, sdf = self._fold_rows(X, sd, source, target)
        w = self._fold_weights(Xf, sdf, *settings)
        losses = _row_losses(
            estimator,
            _safe_indexing(X, source),
            y[source],
            self.loss,
            type(self).__name__,
        )
        return w, losses


@_ROW_LOSS
class ImportanceWeightedScorer(_WeightedScorer):
    r"""Importance-weighted validation (IWCV): target risk from weighted source rows.

    Under covariate shift (``p(y | x)`` shared, ``p(x)`` moved) the target risk of
    a model equals its source risk with each source row weighted by the density
    ratio ``w(x) = p_t(x) / p_s(x)`` [1]_. The scorer fits a weighter on the test
    fold's labelled source rows and target rows and returns the negative weighted
    mean loss of the deployed model on those source rows.

    Parameters
    ----------
    weighter : estimator or None, default=None
        Any skadapt weighter: an estimator whose ``fit(X, y=None, *,
        sample_domain=None)`` sets ``weights_``, one weight per source row (mean
        1). A clone is fitted on every fold. When None, a cross-fitted domain
        classifier (standardisation and logistic regression, the one of
        :class:`~skadapt.reweighting.ClassifierDensityRatio`) gives the weights,
        capped at ``max_weight`` (mean 1).
    %(row_loss)s
    max_weight : float or None, default=5.0
        Cap of the default domain-classifier weights (mean 1), skadapt's one weight
        cap. A low cap lowers the variance of the estimate and biases it toward
        the unweighted source risk; ``None`` only rescales. Ignored when
        ``weighter`` is given (the weighter has its own).

    See Also
    --------
    DeepEmbeddedValidationScorer : The same with a control variate.

    Notes
    -----
    With :math:`w_i` the weights of the :math:`n_s` labelled source rows of the
    test fold (mean 1) and :math:`\ell_i` the loss of the model on them,

    .. math:: \mathrm{score} = -\frac{1}{n_s} \sum_i w_i \ell_i .

    Predictions are made without ``sample_domain``: the source rows go through the
    model as target rows would, which is the function whose target risk is being
    estimated. Weights are recomputed (and cached) for each distinct fold.

    References
    ----------
    .. [1] %(sugiyama_2007)s

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skadapt.datasets import make_domain_shift
    >>> from skadapt.model_selection import ImportanceWeightedScorer
    >>> X, y, _, _ = make_domain_shift(100, 100, random_state=0)
    >>> clf = LogisticRegression().fit(X[:100], y[:100])
    >>> score = ImportanceWeightedScorer()(clf, X, y)
    >>> bool(-1 <= score <= 0)
    True
    """

    def __init__(self, weighter=None, *, loss=None, max_weight=DEFAULT_MAX_WEIGHT):
        self.weighter = weighter
        self.loss = loss
        self.max_weight = max_weight

    def _compute_weights(self, Xf, sdf):
        if self.weighter is None:
            w = _domain_classifier_weights(
                Xf[sdf > 0], Xf[sdf < 0], max_weight=self.max_weight
            )
        else:
            weighter = clone(self.weighter).fit(Xf, sample_domain=sdf)
            w = np.asarray(weighter.weights_, dtype=np.float64).ravel()
        n_src = int(np.sum(sdf > 0))
        if w.shape[0] != n_src:
            raise ValueError(
                f"The weighter gave {w.shape[0]} weights for {n_src} source rows; "
                "weights_ must hold one weight per source row."
            )
        if not np.all(np.isfinite(w)) or np.any(w < 0) or not w.sum() > 0:
            raise ValueError(
                "The weighter gave negative, infinite or all-zero weights."
            )
        return w / w.mean()

    def _score(self, estimator, X, y, sd, source, target):
        return float(np.mean(self._rows(estimator, X, y, sd, source, target)))

    def _rows(self, estimator, X, y, sd, source, target):
        w, losses = self._weights_and_losses(
            estimator, X, y, sd, source, target, self.weighter, self.max_weight
        )
        return -w * losses


def _dev_risk(losses, weights):
    """Control-variate estimate of the target risk (You et al., 2019)."""
    L = weights * losses
    var_w = np.var(weights, ddof=1) if weights.size > 1 else 0.0
    if not var_w > 0:
        return float(L.mean())
    eta = -np.cov(L, weights, ddof=1)[0, 1] / var_w
    return float(L.mean() + eta * weights.mean() - eta)


@_ROW_LOSS
class DeepEmbeddedValidationScorer(_WeightedScorer):
    r"""Deep embedded validation (DEV): importance weighting with a control variate.

    Density ratios of the test fold's labelled source rows come from a cross-fitted
    domain classifier; the weighted losses are then corrected by a control variate
    built on the known mean of the ratios (one), which lowers the variance of the
    importance-weighted estimate [1]_. The ratios are *not* renormalised to mean 1:
    their sample mean's deviation from 1 is what the control variate uses.

    Parameters
    ----------
    %(row_loss)s
    domain_classifier : estimator or None, default=None
        Probabilistic classifier telling target rows from source rows;
        standardisation then logistic regression when None.
    random_state : int, RandomState instance or None, default=None
        Seeds the cross-fitting folds of the domain classifier; None seeds them
        from the fold's data, so every candidate of a search scored on the same
        fold gets the same ratios, in every joblib worker.

    See Also
    --------
    ImportanceWeightedScorer : Without the control variate.

    Notes
    -----
    With :math:`w_i = \frac{n_s}{n_t} \frac{p(t \mid x_i)}{p(s \mid x_i)}` for the
    :math:`n_s` labelled source rows of the test fold, :math:`L_i = w_i \ell_i` and
    :math:`\eta = -\widehat{\mathrm{Cov}}(L, w) / \widehat{\mathrm{Var}}(w)`,

    .. math:: \mathrm{score} = -\left(\bar L + \eta \bar w - \eta\right) .

    The input features are used for the domain classifier (the paper uses a deep
    network's features); predictions are made without ``sample_domain``.

    References
    ----------
    .. [1] K. You, X. Wang, M. Long and M. I. Jordan, "Towards Accurate Model
       Selection in Deep Unsupervised Domain Adaptation", ICML 2019.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skadapt.datasets import make_domain_shift
    >>> from skadapt.model_selection import DeepEmbeddedValidationScorer
    >>> X, y, _, _ = make_domain_shift(100, 100, random_state=0)
    >>> clf = LogisticRegression().fit(X[:100], y[:100])
    >>> score = DeepEmbeddedValidationScorer()(clf, X, y)
    >>> bool(score <= 0.5)
    True
    """

    def __init__(self, *, loss=None, domain_classifier=None, random_state=None):
        self.loss = loss
        self.domain_classifier = domain_classifier
        self.random_state = random_state

    def _compute_weights(self, Xf, sdf):
        return _domain_classifier_ratio(
            Xf[sdf > 0],
            Xf[sdf < 0],
            classifier=self.domain_classifier,
            random_state=self.random_state,
        )

    def _score(self, estimator, X, y, sd, source, target):
        w, losses = self._weights_and_losses(
            estimator,
            X,
            y,
            sd,
            source,
            target,
            self.domain_classifier,
            self.random_state,
        )
        return -_dev_risk(losses, w)


class ReverseValidationScorer(_DomainScorer):
    """Reverse (circular) validation: learn back from the target's pseudo-labels.

    The fitted model labels the fold's target rows; a clone with the same
    hyperparameters is then fitted the other way round (the pseudo-labelled target
    rows as its source, the fold's source rows, labels masked, as its target) and
    scored on the true labels of those source rows [1]_. A model whose target
    predictions are consistent with the source labels scores high.

    Parameters
    ----------
    scoring : str, callable or None, default=None
        How the reverse model is scored on the source rows; the estimator's own
        ``score`` when None.

    See Also
    --------
    ImportanceWeightedScorer : Weights source rows instead of refitting.

    Notes
    -----
    The reverse model is fitted with the domains encoded by the masks only
    (pseudo-labelled rows labelled, source rows masked), so this works with
    metadata routing on or off. It costs one extra fit per candidate and fold.
    When the model predicts a single class on the target, the reverse model
    predicts that class everywhere.

    References
    ----------
    .. [1] E. Zhong, W. Fan, Q. Yang, O. Verscheure and J. Ren, "Cross Validation
       Framework to Choose amongst Models and Datasets for Transfer Learning",
       ECML PKDD 2010.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skadapt import make_da_pipeline
    >>> from skadapt.datasets import make_domain_shift
    >>> from skadapt.model_selection import ReverseValidationScorer
    >>> X, y, _, _ = make_domain_shift(100, 100, shift="subspace", random_state=0)
    >>> model = make_da_pipeline(LogisticRegression()).fit(X, y)
    >>> score = ReverseValidationScorer()(model, X, y)
    >>> bool(0.5 < score <= 1)
    True
    """

    _needs_source = True

    def __init__(self, *, scoring=None):
        self.scoring = scoring

    def _score(self, estimator, X, y, sd, source, target):
        rev, Xs, ys = self._reverse_model(estimator, X, y, source, target)
        return labelled_scorer(rev, self.scoring)(rev, Xs, ys)

    def _rows(self, estimator, X, y, sd, source, target):
        if self.scoring is not None:
            return None
        rev, Xs, ys = self._reverse_model(estimator, X, y, source, target)
        return labelled_row_scores(rev, Xs, ys)

    def _reverse_model(self, estimator, X, y, source, target):
        """The fitted reverse model, the fold's source rows and their labels."""
        Xs = _safe_indexing(X, source)
        Xt = _safe_indexing(X, target)
        pseudo = np.asarray(estimator.predict(Xt))
        classification = is_classifier(estimator)
        if classification:
            if np.unique(pseudo).size < 2:
                rev = DummyClassifier(strategy="most_frequent").fit(Xt, pseudo)
                return rev, Xs, y[source]
            if pseudo.dtype.kind == "f" or (
                pseudo.dtype.kind in "iu" and np.any(pseudo == -1)
            ):
                # -1 is a class here: mask the source rows with NaN instead
                fill = np.full(len(source), np.nan)
                y_rev = np.concatenate([pseudo.astype(np.float64), fill])
            elif pseudo.dtype.kind in "iu":
                fill = np.full(len(source), -1, dtype=pseudo.dtype)
                y_rev = np.concatenate([pseudo, fill])
            else:
                y_rev = np.empty(len(target) + len(source), dtype=object)
                y_rev[: len(target)] = pseudo
                y_rev[len(target) :] = -1
        else:
            if np.ptp(pseudo.astype(np.float64)) == 0:
                rev = DummyRegressor().fit(Xt, pseudo)
                return rev, Xs, y[source]
            y_rev = np.concatenate(
                [pseudo.astype(np.float64), np.full(len(source), np.nan)]
            )
        rows = np.concatenate([target, source])
        rev = clone(estimator).fit(_safe_indexing(X, rows), y_rev)
        return rev, Xs, y[source]


def _transform_with_domains(estimator, X, sd):
    """Final step of ``estimator`` and the rows it sees, transformed by domain.

    Every skadapt transformer maps the rows by their ``sample_domain`` (source rows
    as source rows), as ``fit_transform`` does.
    """
    if not isinstance(estimator, Pipeline):
        return estimator, X
    Xt = X
    for _, step in estimator.steps[:-1]:
        if step is None or (isinstance(step, str) and step == "passthrough"):
            continue
        if isinstance(step, DomainMixin):
            Xt = step.transform(Xt, sample_domain=sd)
        else:
            Xt = step.transform(Xt)
    return estimator.steps[-1][1], Xt


class HoldoutScorer(_DomainScorer):
    """Score the model on the labelled rows of one side of the test fold.

    With ``domain="target"`` it scores the few labelled target rows of
    semi-supervised adaptation (use a splitter with ``test_on="target"`` so that the
    test folds hold some of them); these rows can only be told from source rows by
    an explicit ``sample_domain``, so metadata routing must be on. With
    ``domain="source"`` it is source validation: the held-out source rows go
    through the pipeline's skadapt transformers *as source rows* (mapped as in
    ``fit``), so the final estimator is scored where it was trained, e.g. on the
    CORAL-aligned source. That is what sets it apart from ``scoring=None`` or a
    scoring string, which score the deployed model (every row a target row). It
    ignores the unlabelled target rows a ``target_in_test=True`` splitter puts in
    the fold, so it can share one search with the unsupervised scorers. It gives
    the same scores with metadata routing on and off.

    Parameters
    ----------
    scoring : str, callable or None, default=None
        Any scikit-learn scoring; the estimator's own ``score`` when None.
    domain : {"target", "source"}, default="target"
        Whose labelled rows are scored.

    See Also
    --------
    DomainShuffleSplit : Its ``test_on="target"`` draws test rows from the
        labelled target rows.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skadapt.model_selection import HoldoutScorer
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0], [0.5], [2.5]])
    >>> y = np.array([0, 0, 1, 1, 0, 1])
    >>> sample_domain = np.array([1, 1, 1, 1, -1, -1])
    >>> clf = LogisticRegression().fit(X[:4], y[:4])
    >>> HoldoutScorer(scoring="accuracy")(clf, X, y, sample_domain=sample_domain)
    1.0
    """

    _needs_target = False

    def __init__(self, scoring=None, *, domain="target"):
        self.scoring = scoring
        self.domain = domain

    def _score(self, estimator, X, y, sd, source, target):
        final, Xt, yt = self._scored_rows(estimator, X, y, sd, source)
        return labelled_scorer(final, self.scoring)(final, Xt, yt)

    def _rows(self, estimator, X, y, sd, source, target):
        if self.scoring is not None:
            return None
        return labelled_row_scores(*self._scored_rows(estimator, X, y, sd, source))

    def _scored_rows(self, estimator, X, y, sd, source):
        """The final step, the scored rows as it sees them, and their labels."""
        if self.domain not in ("target", "source"):
            raise ValueError(
                f"domain must be 'target' or 'source', got {self.domain!r}."
            )
        known = labelled_mask(y, sd)
        if self.domain == "target":
            rows = np.flatnonzero((sd < 0) & known)
            if rows.size == 0:
                raise ValueError(
                    "HoldoutScorer(domain='target') found no labelled target rows in "
                    "the test fold. Labelled target rows need an explicit "
                    "sample_domain <= -1 (enable metadata routing and pass "
                    "sample_domain) and a splitter with test_on='target'."
                )
        else:
            rows = source
            if rows.size == 0:
                raise ValueError(
                    "HoldoutScorer(domain='source') found no labelled source rows in "
                    "the test fold."
                )
        final, Xt = _transform_with_domains(
            estimator, _safe_indexing(X, rows), sd[rows]
        )
        return final, Xt, y[rows]
