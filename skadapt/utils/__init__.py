"""Public helpers of the domain data contract."""

from .._base import (
    DATransformerMixin,
    DomainMixin,
    check_sample_domain,
    domains_and_labels,
    labelled_mask,
    pack_domains,
    unpack_domains,
)

__all__ = [
    "DATransformerMixin",
    "DomainMixin",
    "check_sample_domain",
    "domains_and_labels",
    "labelled_mask",
    "pack_domains",
    "unpack_domains",
]
