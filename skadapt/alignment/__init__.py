"""Feature alignment: transformers that map source rows onto the target domain."""

from ._coral import CORAL

__all__ = ["CORAL"]
