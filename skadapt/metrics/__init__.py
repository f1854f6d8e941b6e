"""Shift metrics, transferability scores, source ranking and transfer evaluation.

How far apart are the domains (:func:`mmd_squared` with
:func:`mmd_permutation_test`, :func:`proxy_a_distance`, :func:`coral_distance`,
:func:`frechet_distance`, :func:`feature_shift_ranking`)? Which source or
representation will transfer best (:func:`logme_score`, :func:`leep_score`,
:func:`nce_score`, :func:`h_score`, :func:`transrate_score`, :func:`gbc_score`,
all in one table by :func:`rank_sources`)? Will transfer help at all
(:func:`predict_transfer_gain`, with the rule :func:`transfer_verdict`), and did
it (:func:`transfer_report`)? The distances take the source and target rows as
two arrays; :func:`skadapt.unpack_domains` splits ``X, y, sample_domain`` into
them.
"""

from ._distances import (
    coral_distance,
    feature_shift_ranking,
    frechet_distance,
    proxy_a_distance,
)
from ._mmd import mmd_permutation_test, mmd_squared
from ._ranking import rank_sources
from ._report import TransferReport, transfer_report
from ._transfer_gain import predict_transfer_gain, transfer_verdict
from ._transferability import (
    gbc_score,
    h_score,
    leep_score,
    logme_score,
    nce_score,
    transrate_score,
)

__all__ = [
    "TransferReport",
    "coral_distance",
    "feature_shift_ranking",
    "frechet_distance",
    "gbc_score",
    "h_score",
    "leep_score",
    "logme_score",
    "mmd_permutation_test",
    "mmd_squared",
    "nce_score",
    "predict_transfer_gain",
    "proxy_a_distance",
    "rank_sources",
    "transfer_report",
    "transfer_verdict",
    "transrate_score",
]
