"""Model selection when target labels are scarce or absent."""

from ._split import DomainShuffleSplit

__all__ = ["DomainShuffleSplit"]
