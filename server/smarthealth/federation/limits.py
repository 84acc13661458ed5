"""Limits of a query that calls other endpoints through SERVICE.

pyoxigraph 0.5.13 gives no per-call control over its SERVICE client: ``Store.query`` has no HTTP
timeout or result-size argument (the Rust library's ``QueryOptions::with_http_timeout`` is not
exposed to Python), and the remote answer is read whole before the join. So the limits are
enforced around the whole query, where this project can enforce them:

- time: a query that calls SERVICE runs with the smaller of the store's time limit (TIMEOUT) and
  the SERVICE time limit (SERVICE_TIMEOUT). Queries run in worker processes, and a worker past
  its limit is killed, so a slow or silent endpoint costs at most that long (the client gets the
  store's 503 "ran past the time limit"). A refused connection or an HTTP error is a 502 at once.
- size: the remote answer lives in the worker's memory, bounded by WORKER_MEMORY_BYTES (past it
  the query gets a 503 and the worker is replaced); the answer to the client is bounded by
  MAX_RESULT_BYTES. The saved federated queries also put a LIMIT inside their SERVICE group, which
  the remote endpoint applies before sending anything.
"""

from __future__ import annotations

from typing import Iterable

#: Default SERVICE time limit in seconds.
DEFAULT_SERVICE_TIMEOUT_S = 10.0


def service_time_limit(references: Iterable, store_timeout_s: float, service_timeout_s: float | None) -> float | None:
    """Return the time limit of a query with these references: None (the store's) unless it calls SERVICE."""
    if not any(getattr(reference, "clause", None) == "SERVICE" for reference in references):
        return None
    return federated_time_limit(store_timeout_s, service_timeout_s)


def federated_time_limit(store_timeout_s: float, service_timeout_s: float | None) -> float | None:
    """Return the time limit of a query that calls SERVICE: the smaller of the two (None: the store's)."""
    if service_timeout_s is None or service_timeout_s <= 0:
        return None
    return min(float(store_timeout_s), float(service_timeout_s))
