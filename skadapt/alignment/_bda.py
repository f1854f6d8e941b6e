"""Balanced Distribution Adaptation (Wang, Chen, Hao, Feng & Yu, 2017)."""

from numbers import Real

from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin
from sklearn.linear_model import RidgeClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from .._base import DATransformerMixin, DomainMixin
from .._core import domain_classifier_distance
from ..utils._docstrings import Substitution
from ..utils._sklearn import Interval, StrOptions, _fit_context
from ._jda import _JointEmbeddingMixin
from ._tca import EMBEDDING_CONSTRAINTS, EMBEDDING_FRAGMENTS, PSEUDO_LABEL_CONSTRAINTS

__all__ = ["BDA"]

# a class enters the balance factor when each domain has this many of its rows
_MIN_CLASS_ROWS = 4


def _balance_factor(Zs, ys, Zt, yt, n_classes):
    r"""``mu = sum_c d_c / (d_M + sum_c d_c)`` from proxy A-distances.

    ``d_M`` is the proxy A-distance between the source and target rows and
    ``d_c`` the one between the source rows of class ``c`` and the target rows
    (pseudo-)labelled ``c``, each from a 2-fold cross-validated linear (ridge)
    domain classifier on standardised rows, with balanced class weights (so
    that a small domain is not ignored); classes with fewer than 4 rows on
    a side are left out. Returns 0.5 when no distance is positive (no evidence
    either way).
    """
    clf = make_pipeline(StandardScaler(), RidgeClassifier(class_weight="balanced"))
    d_m = domain_classifier_distance(Zs, Zt, clf, cv=2)
    d_c = 0.0
    for c in range(n_classes):
        a, b = Zs[ys == c], Zt[yt == c]
        if a.shape[0] >= _MIN_CLASS_ROWS and b.shape[0] >= _MIN_CLASS_ROWS:
            d_c += domain_classifier_distance(a, b, clf, cv=2)
    total = d_m + d_c
    return 0.5 if total <= 0 else float(d_c / total)


@Substitution(**EMBEDDING_FRAGMENTS)
class BDA(
    ClassNamePrefixFeaturesOutMixin,
    _JointEmbeddingMixin,
    DATransformerMixin,
    DomainMixin,
    BaseEstimator,
):
    r"""Balanced Distribution Adaptation: TCA/JDA with a balanced MMD.

    BDA [1]_ matches the marginal and the class-conditional distributions of
    the two domains in a kernel embedding, as :class:`JDA`, but weighs the two
    terms: ``(1 - balance)`` on the marginal MMD and ``balance`` on the
    class-conditional ones. ``balance=0`` is :class:`TCA` (marginal only);
    ``balance=0.5`` is :class:`JDA` with a variance weight ``mu`` twice as
    large (both terms halved); ``balance=1`` matches the classes only. The
    target classes come from pseudo-labels refreshed ``n_iter`` times, as in
    JDA. ``balance="auto"`` estimates the factor at every round from proxy
    A-distances between the embedded domains and between their classes, as
    the paper's W-BDA / MEDA estimate.

    With several source domains each source gets its own terms against the
    pooled target. When only one domain is present BDA is the non-adaptive,
    variance-maximising baseline of TCA.

    Parameters
    ----------
    %(pseudo_label_parameters)s
    balance : float in [0, 1] or "auto", default="auto"
        The paper's balance factor :math:`\mu` (named ``balance`` here because
        ``mu`` is TCA's variance weight): the weight of the class-conditional
        MMD, ``1 - balance`` being the weight of the marginal one. ``"auto"``
        estimates it at each round (see Notes).
    %(embedding_parameters)s

    Attributes
    ----------
    %(embedding_attributes)s
    balance_ : float or None
        The balance factor of the last round (None when no round was run).
    balance_history_ : list of float
        The factor of every round.
    %(pseudo_label_attributes)s
    %(feature_attributes)s

    See Also
    --------
    TCA : The marginal-only method (``balance=0``).
    JDA : Equal weights on both terms.
    MEDA : A classifier with the same balance in a manifold embedding.

    Notes
    -----
    BDA solves TCA's problem (see :class:`TCA`) with the MMD matrix

    .. math:: L = (1 - \mu_b) \sum_k e_k e_k^T
              + \mu_b \sum_k \sum_c e_{k,c} e_{k,c}^T ,

    with the contrasts of :class:`JDA`. The automatic factor of [1]_ is

    .. math:: \hat\mu_b = \frac{\sum_c d_c}{d_M + \sum_c d_c},

    with :math:`d_M` the proxy A-distance ``2 (1 - 2 err)`` of a domain
    classifier between all source and target rows of the current embedding,
    and :math:`d_c` the one between the source rows of class ``c`` and the
    target rows pseudo-labelled ``c``. The error ``err`` is the balanced error
    of a 2-fold cross-validated ridge classifier on standardised rows (a
    linear classifier, as the paper's linear SVM, but scored on held-out rows:
    a training error would call every small class separable). Classes with
    fewer than 4 rows in a domain are left out. The first solve, before any
    pseudo-label, is TCA's.

    References
    ----------
    .. [1] J. Wang, Y. Chen, S. Hao, W. Feng and Z. Shen, "Balanced
       Distribution Adaptation for Transfer Learning", ICDM 2017.

    Examples
    --------
    >>> from skadapt import BDA
    >>> from skadapt.datasets import make_domain_shift
    >>> X, y, sample_domain, _ = make_domain_shift(
    ...     60, 60, n_features=5, shift="scale", random_state=0)
    >>> bda = BDA(n_components=3, n_iter=2, balance=0.3)
    >>> bda.fit(X, y, sample_domain=sample_domain).transform(X).shape
    (120, 3)
    >>> bda.balance_
    0.3
    """

    _parameter_constraints: dict = {
        **PSEUDO_LABEL_CONSTRAINTS,
        "balance": [Interval(Real, 0, 1, closed="both"), StrOptions({"auto"})],
        **EMBEDDING_CONSTRAINTS,
    }

    def __init__(
        self,
        *,
        estimator=None,
        n_iter=10,
        balance="auto",
        n_components=None,
        kernel="linear",
        gamma=None,
        mu=1.0,
        n_landmarks="auto",
        random_state=None,
    ):
        self.estimator = estimator
        self.n_iter = n_iter
        self.balance = balance
        self.n_components = n_components
        self.kernel = kernel
        self.gamma = gamma
        self.mu = mu
        self.n_landmarks = n_landmarks
        self.random_state = random_state

    def _balance(self, stats):
        if self.balance != "auto":
            b = float(self.balance)
        elif stats is None:
            b = 0.0  # no pseudo-label yet: the marginal (TCA) solve
        else:
            Zs, ys, Zt, yt = stats
            b = _balance_factor(Zs, ys, Zt, yt, int(ys.max(initial=-1)) + 1)
        if stats is not None:
            self.balance_history_.append(b)
            self.balance_ = b
        return 1.0 - b, b

    def _needs_labels(self):
        return self.balance == "auto" or self.balance > 0

    @_fit_context(prefer_skip_nested_validation=False)
    @Substitution(**EMBEDDING_FRAGMENTS)
    def fit(self, X, y=None, *, sample_domain=None):
        """Learn the embedding, alternating with target pseudo-labelling.

        %(pseudo_label_fit)s
        """
        self.balance_ = None
        self.balance_history_ = []
        return self._fit_joint(X, y, sample_domain)
