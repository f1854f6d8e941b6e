"""Joint Distribution Adaptation (Long, Wang, Ding, Sun & Yu, 2013)."""

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, clone

from .._base import DATransformerMixin, DomainMixin, labelled_mask
from ..utils._docstrings import Substitution
from ..utils._sklearn import _fit_context
from ._tca import (
    EMBEDDING_CONSTRAINTS,
    EMBEDDING_FRAGMENTS,
    PSEUDO_LABEL_CONSTRAINTS,
    _blocks,
    _data_unit_scale,
    _domain_codes,
    _KernelEmbeddingMixin,
    _landmark_factor,
    _marginal_contrasts,
    _onehot,
    _orthogonal_basis,
    _resolve_n_components,
    _top_input_variance,
    tca_components,
)

__all__ = ["JDA"]


def _class_contrasts(B, src_codes, src_labels, tgt_labels, n_sources, n_classes):
    """``B^T e`` for every (source, class) pair present on both sides.

    ``e`` holds ``1/n_{k,c}`` on the rows of source ``k`` with label ``c`` and
    ``-1/n_{t,c}`` on the target rows labelled (or pseudo-labelled) ``c``.

    Parameters
    ----------
    B : tuple of ndarray
        ``(B_source, B_target)``, the source and target rows' coordinates.
    src_codes, src_labels : ndarray of shape (n_source_labelled,)
        Source index and class index of the labelled source rows.
    tgt_labels : ndarray of shape (n_target,)
        Class index of each target row, ``-1`` when it has none.
    n_sources, n_classes : int

    Returns
    -------
    b_contrasts : ndarray of shape (n_contrasts, r)
    """
    B_src, B_tgt = B
    q = n_sources * n_classes
    code = src_codes * n_classes + src_labels
    src_sum = _onehot(code, q).T @ B_src
    src_cnt = np.bincount(code, minlength=q)
    has = tgt_labels >= 0
    tgt_sum = _onehot(tgt_labels[has], n_classes).T @ B_tgt[has]
    tgt_cnt = np.bincount(tgt_labels[has], minlength=n_classes)
    rows = []
    for k in range(n_sources):
        for c in range(n_classes):
            g = k * n_classes + c
            if src_cnt[g] and tgt_cnt[c]:
                rows.append(src_sum[g] / src_cnt[g] - tgt_sum[c] / tgt_cnt[c])
    if not rows:
        return np.zeros((0, B_src.shape[1]))
    return np.vstack(rows)


def _nearest_centroid(Zs, src_labels, Zt, n_classes):
    """Index of the nearest class mean of the source rows, for each target row.

    What :class:`~sklearn.neighbors.NearestCentroid` (Euclidean) predicts, as
    one product with the one-hot labels and one with the centroids.
    """
    counts = np.bincount(src_labels, minlength=n_classes)
    centroids = (_onehot(src_labels, n_classes).T @ Zs) / np.maximum(counts, 1)[:, None]
    dist = (centroids * centroids).sum(axis=1) - 2.0 * (Zt @ centroids.T)
    dist[:, counts == 0] = np.inf
    return dist.argmin(axis=1)


class _JointEmbeddingMixin(_KernelEmbeddingMixin):
    """The JDA fit, with the weights of the marginal and conditional terms as hooks.

    ``_balance(stats)`` returns ``(w_marginal, w_conditional)``: the MMD matrix
    is ``w_marginal L_marginal + w_conditional L_conditional``. ``stats`` is
    None for the first (marginal-only) solve, else ``(Z_source, source_class,
    Z_target, target_class)`` of the round (embedded rows, class indices, ``-1``
    for none).
    """

    def _balance(self, stats):
        return 1.0, 1.0

    def _needs_labels(self):
        return True

    def _fit_joint(self, X, y, sample_domain):
        X, Xf, sd, L, kwargs = self._validate_kernel_fit(X, y, sample_domain)
        n = X.shape[0]
        if L is None:
            B, scale = self._exact_coordinates(Xf, kwargs)
            gram, rank = B @ B, n
        else:
            T = _landmark_factor(L, self.kernel, kwargs)
            Phi = np.empty((n, T.shape[1]))
            for rows, P in _blocks(Xf, L, T, self.kernel, kwargs):
                Phi[rows] = P
            s, U = _orthogonal_basis(Phi.T @ Phi)
            F = U * np.sqrt(s)
            B = Phi @ F
            del Phi
            gram, scale, rank = np.diag(s * s), s.sum() / n, s.size
        k = _resolve_n_components(
            self.n_components, X.shape[1], rank, type(self).__name__
        )
        top_variance = _top_input_variance(Xf)
        mu = self.mu * scale * scale
        sources, codes = _domain_codes(sd)
        n_groups = sources.size + 1
        counts = np.bincount(codes, minlength=n_groups)
        adapt = sources.size > 0 and counts[-1] > 0
        if adapt:
            S = _onehot(codes, n_groups).T @ B
            marginal = _marginal_contrasts(counts, sources.size) @ S
        else:
            marginal = np.zeros((0, B.shape[1]))
        b_sum = B.sum(axis=0)
        w_marginal, _ = self._balance(None)
        u, vals = tca_components(gram, b_sum, np.sqrt(w_marginal) * marginal, n, k, mu)
        self.classes_ = None
        self.pseudo_labels_ = None
        if adapt and self.n_iter > 0 and self._needs_labels():
            u, vals = self._iterate(
                B,
                y,
                sd,
                codes,
                sources,
                gram,
                b_sum,
                marginal,
                (u, vals),
                mu,
                top_variance,
            )
        u = u * _data_unit_scale(vals, top_variance, n)
        if L is None:
            self._store(Xf, u, vals, kwargs)
        else:
            self._store(L, T @ (F @ u), vals, kwargs)
        return self

    def _iterate(
        self, B, y, sd, codes, sources, gram, b_sum, marginal, start, mu, top_variance
    ):
        if y is None:
            raise ValueError(
                f"{type(self).__name__} needs the source labels y for its "
                "class-conditional terms (n_iter > 0); pass y with the target "
                "labels masked, or n_iter=0."
            )
        y = np.asarray(y)
        known = labelled_mask(y, sd)
        src_lab = (sd > 0) & known
        if not src_lab.any():
            raise ValueError(
                f"{type(self).__name__} needs labelled source rows; every label is "
                "masked."
            )
        classes = np.unique(y[src_lab])
        tgt = sd < 0
        tgt_known = known[tgt]
        fixed = np.full(int(tgt.sum()), -1)
        if tgt_known.any():
            yk = y[tgt][tgt_known]
            idx = np.searchsorted(classes, yk).clip(max=classes.size - 1)
            fixed[tgt_known] = np.where(classes[idx] == yk, idx, -1)
        src_codes = codes[src_lab]
        src_labels = np.searchsorted(classes, y[src_lab])
        B_src, B_tgt = B[src_lab], B[tgt]
        # None: the nearest source class mean (sklearn's NearestCentroid, one
        # GEMM per round instead of a masked pass per class)
        default = self.estimator is None
        u, vals = start
        n, k, n_src = B.shape[0], u.shape[1], sources.size
        for _ in range(self.n_iter):
            # the pseudo-labeller sees the embedding in the units transform gives
            ua = u * _data_unit_scale(vals, top_variance, n)
            Zs, Zt = B_src @ ua, B_tgt @ ua
            if default:
                pred = _nearest_centroid(Zs, src_labels, Zt, classes.size)
            else:
                model = clone(self.estimator).fit(Zs, y[src_lab])
                pred = np.searchsorted(classes, model.predict(Zt))
            labels = np.where(tgt_known, fixed, pred)
            cond = _class_contrasts(
                (B_src, B_tgt), src_codes, src_labels, labels, n_src, classes.size
            )
            w_marginal, w_conditional = self._balance((Zs, src_labels, Zt, labels))
            contrasts = np.vstack(
                [np.sqrt(w_marginal) * marginal, np.sqrt(w_conditional) * cond]
            )
            u, vals = tca_components(gram, b_sum, contrasts, n, k, mu)
        self.classes_ = classes
        self.pseudo_labels_ = np.where(tgt_known, y[tgt], classes[pred])
        return u, vals


@Substitution(**EMBEDDING_FRAGMENTS)
class JDA(
    ClassNamePrefixFeaturesOutMixin,
    _JointEmbeddingMixin,
    DATransformerMixin,
    DomainMixin,
    BaseEstimator,
):
    r"""Joint Distribution Adaptation: TCA plus class-conditional MMD.

    JDA [1]_ extends :class:`TCA` by also matching, class by class, the source and
    target means in the embedding. The target classes are unknown, so JDA
    alternates: embed, fit ``estimator`` on the embedded labelled source rows,
    predict pseudo-labels for the target rows, and solve again with the
    class-conditional terms. With ``n_iter=0`` it is exactly TCA. Labelled target
    rows (an explicit ``sample_domain`` with known target labels) keep their labels
    instead of pseudo-labels.

    With several source domains each source gets its own marginal and
    class-conditional terms against the pooled target, and the pseudo-labelling
    estimator is fitted on all labelled source rows. When only one domain is
    present there is nothing to match and JDA is the non-adaptive,
    variance-maximising baseline of TCA.

    Parameters
    ----------
    %(pseudo_label_parameters)s
    %(embedding_parameters)s

    Attributes
    ----------
    %(embedding_attributes)s
    %(pseudo_label_attributes)s
    %(feature_attributes)s

    See Also
    --------
    TCA : The marginal-only method.

    Notes
    -----
    JDA solves TCA's problem (see :class:`TCA`) with the MMD matrix

    .. math:: L = \sum_k e_k e_k^T + \sum_k \sum_c e_{k,c} e_{k,c}^T ,

    where ``e_{k,c}`` holds ``1/n_{k,c}`` on the source-``k`` rows of class ``c``
    and ``-1/\hat n_{t,c}`` on the target rows pseudo-labelled ``c``; the
    pseudo-labels are refreshed ``n_iter`` times. The embedding is put in the
    input's units as TCA's (its leading component gets the top variance of the
    input rows), for the pseudo-labelling estimator too.

    References
    ----------
    .. [1] M. Long, J. Wang, G. Ding, J. Sun and P. S. Yu, "Transfer Feature
       Learning with Joint Distribution Adaptation", ICCV 2013.

    Examples
    --------
    >>> from skadapt import JDA
    >>> from skadapt.datasets import make_domain_shift
    >>> X, y, sample_domain, _ = make_domain_shift(
    ...     60, 60, n_features=5, shift="scale", random_state=0)
    >>> jda = JDA(n_components=3, n_iter=2).fit(X, y, sample_domain=sample_domain)
    >>> jda.transform(X).shape, jda.pseudo_labels_.shape
    ((120, 3), (60,))
    """

    _parameter_constraints: dict = {
        **PSEUDO_LABEL_CONSTRAINTS,
        **EMBEDDING_CONSTRAINTS,
    }

    def __init__(
        self,
        *,
        estimator=None,
        n_iter=10,
        n_components=None,
        kernel="linear",
        gamma=None,
        mu=1.0,
        n_landmarks="auto",
        random_state=None,
    ):
        self.estimator = estimator
        self.n_iter = n_iter
        self.n_components = n_components
        self.kernel = kernel
        self.gamma = gamma
        self.mu = mu
        self.n_landmarks = n_landmarks
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=False)
    @Substitution(**EMBEDDING_FRAGMENTS)
    def fit(self, X, y=None, *, sample_domain=None):
        """Learn the embedding, alternating with target pseudo-labelling.

        %(pseudo_label_fit)s
        """
        return self._fit_joint(X, y, sample_domain)
