"""Synthetic domain shifts and bundled real benchmarks."""

from ._real import (
    load_amazon_reviews,
    load_auto,
    load_bikeshare,
    load_mnist_usps,
    load_office_caltech,
)
from ._synthetic import make_domain_shift

__all__ = [
    "load_amazon_reviews",
    "load_auto",
    "load_bikeshare",
    "load_mnist_usps",
    "load_office_caltech",
    "make_domain_shift",
]
