"""The memory of the store's processes: glibc's allocation arenas, and giving freed memory back."""

from __future__ import annotations

import ctypes
import os

#: Growth of a worker's resident memory after which, between two queries, the memory that a query
#: freed is given back to the system (glibc keeps it otherwise: 30 MB after some saved queries at 1M).
TRIM_AFTER_GROWTH_BYTES = 16 * 1024 * 1024


def give_back_freed_memory(trimmed_at: int) -> int:
    """Give freed memory back to the system when the process grew since the last time; return its size."""
    resident = _resident_bytes()
    if resident - trimmed_at < TRIM_AFTER_GROWTH_BYTES:
        return trimmed_at
    try:
        ctypes.CDLL(None).malloc_trim(0)  # a few ms
    except (OSError, AttributeError):  # not glibc
        return resident
    return _resident_bytes()


def _resident_bytes() -> int:
    """Return this process's resident memory, read from /proc (0 elsewhere)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def limit_malloc_arenas(arenas: int = 2) -> None:
    """Keep glibc from reserving an allocation arena (64 MB of address space) per RocksDB thread.

    Under the worker's address-space limit those reservations, not the data, would make RocksDB
    fail to start its threads.
    """
    try:
        ctypes.CDLL(None).mallopt(_M_ARENA_MAX, arenas)
    except (OSError, AttributeError):  # not glibc
        pass


#: mallopt(3) parameter: the largest number of allocation arenas.
_M_ARENA_MAX = -8


def return_freed_memory() -> None:
    """Give the memory freed so far back to the system (glibc keeps freed memory otherwise)."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass
