"""Parameter transfer: source models as priors and warm starts for the target."""

__all__ = []
