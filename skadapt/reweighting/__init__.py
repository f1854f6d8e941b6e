"""Instance reweighting: density-ratio estimators and importance-weighted fitting."""

__all__ = []
