"""Check the memory an exact O(n^2) path needs before it allocates it."""

import os

from ..exceptions import MemoryLimitError

__all__ = ["check_dense_memory", "dense_memory_limit"]


def _physical_memory():
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # pragma: no cover - non-POSIX
        return 16 * 2**30


def dense_memory_limit():
    """Bytes an exact path may allocate: ``SKADAPT_MAX_DENSE_BYTES`` or RAM / 2."""
    env = os.environ.get("SKADAPT_MAX_DENSE_BYTES")
    if env:
        try:
            return int(float(env))
        except ValueError as exc:
            raise ValueError(
                f"SKADAPT_MAX_DENSE_BYTES must be a number of bytes, got {env!r}."
            ) from exc
    return _physical_memory() // 2


def _fmt(nbytes):
    for unit, scale in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20)):
        if nbytes >= scale:
            return f"{nbytes / scale:.1f} {unit}"
    return f"{nbytes / 2**10:.1f} KiB"


def check_dense_memory(nbytes, *, what, remedy):
    """Raise :class:`MemoryLimitError` when ``nbytes`` exceeds the dense limit.

    Parameters
    ----------
    nbytes : int or float
        Bytes the exact path is about to allocate (its largest simultaneous need).
    what : str
        What would be allocated, e.g. ``"KMM's exact 100000 x 100000 kernel"``.
    remedy : str
        The option that avoids it, e.g. ``"n_landmarks='auto'"``.
    """
    limit = dense_memory_limit()
    if nbytes > limit:
        raise MemoryLimitError(
            f"{what} needs {_fmt(nbytes)}, above the limit of {_fmt(limit)} (half "
            "the physical memory, or SKADAPT_MAX_DENSE_BYTES). Use "
            f"{remedy} instead."
        )
