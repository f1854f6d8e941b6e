"""Synthetic domain shifts and bundled real benchmarks."""

from ._synthetic import make_domain_shift

__all__ = ["make_domain_shift"]
