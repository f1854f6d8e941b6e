"""Shift metrics and transfer evaluation."""

__all__ = []
