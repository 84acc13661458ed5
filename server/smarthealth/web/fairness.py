"""Fair shares of the query workers: one client cannot keep every worker busy.

Each client may run at most ``MAX_QUERIES_PER_CLIENT`` queries at once (SPARQL and saved queries);
past that it gets 429 Too Many Requests with ``Retry-After``, while other clients keep getting
answers. A client is the holder of the update token when the request shows it, else the remote
address (behind a reverse proxy, set ``PROXY_HOPS`` so that the address is the proxy's client's,
read from ``X-Forwarded-For``).
"""

from __future__ import annotations

import collections
import contextlib
import hmac
import threading

from flask import Flask, current_app, request

from ..errors import TooManyRequests

#: Seconds a refused client is asked to wait before it tries again.
RETRY_AFTER_S = 2


class ClientSlots:
    """How many queries each client runs right now, with a cap per client."""

    def __init__(self, per_client: int):
        self.per_client = per_client
        self._running: collections.Counter[str] = collections.Counter()
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def slot(self, client: str):
        """Hold one of the client's query slots while the block runs, or raise TooManyRequests."""
        with self._lock:
            if self._running[client] >= self.per_client:
                raise TooManyRequests(
                    f"this client already runs {self.per_client} "
                    f"quer{'y' if self.per_client == 1 else 'ies'} at once; wait for "
                    f"{'it' if self.per_client == 1 else 'one'} to finish",
                    retry_after_s=RETRY_AFTER_S,
                )
            self._running[client] += 1
        try:
            yield
        finally:
            with self._lock:
                self._running[client] -= 1
                if not self._running[client]:
                    del self._running[client]


def client_key() -> str:
    """Return who the current request is from: the update token's holder, else the address."""
    token = current_app.config.get("UPDATE_TOKEN")
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if token and scheme.lower() == "bearer" and hmac.compare_digest(credentials.strip().encode(), token.encode()):
        return "token-holder"
    return f"address:{request.remote_addr}"


def client_slot():
    """Return a context manager holding one query slot of the current request's client."""
    return current_app.extensions["smarthealth.fairness"].slot(client_key())


def init_app(app: Flask) -> None:
    """Set up the per-client limit, and trust X-Forwarded-For from ``PROXY_HOPS`` proxies."""
    # One client may never hold every query worker: the others always get one.
    per_client = app.config.get("MAX_QUERIES_PER_CLIENT") or max(1, int(app.config.get("WORKERS") or 1) - 1)
    app.extensions["smarthealth.fairness"] = ClientSlots(int(per_client))
    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
