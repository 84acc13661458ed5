"""Fair shares of the query workers: one client cannot keep every worker busy.

Each client may run at most ``MAX_QUERIES_PER_CLIENT`` queries at once (SPARQL and saved queries).
A further query of the same client waits for one of them, briefly (``CLIENT_WAIT_S``; a page that
sends a few small queries together is served one after the other), and past that, or when too
many of its requests already wait, gets 429 Too Many Requests with ``Retry-After``; other clients
keep getting answers. A waiting request holds a request thread, not a query worker. A client is the holder of the update token when the request shows it, else the remote
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
#: Seconds a client's query waits for one of the client's own running queries to finish.
CLIENT_WAIT_S = 2.0
#: Requests of one client that may wait at once (each holds one of the web process's threads).
MAX_WAITING_PER_CLIENT = 4


class ClientSlots:
    """How many queries each client runs and has waiting right now, with a cap per client."""

    def __init__(self, per_client: int, wait_s: float = CLIENT_WAIT_S):
        self.per_client = per_client
        self.wait_s = wait_s
        self._running: collections.Counter[str] = collections.Counter()
        self._waiting: collections.Counter[str] = collections.Counter()
        self._changed = threading.Condition()

    @contextlib.contextmanager
    def slot(self, client: str):
        """Hold one of the client's query slots while the block runs, or raise TooManyRequests."""
        with self._changed:
            if self._running[client] >= self.per_client:
                if self._waiting[client] >= MAX_WAITING_PER_CLIENT:
                    raise self._refusal()
                self._waiting[client] += 1
                try:
                    free = self._changed.wait_for(lambda: self._running[client] < self.per_client, self.wait_s)
                finally:
                    self._waiting[client] -= 1
                if not free:
                    raise self._refusal()
            self._running[client] += 1
        try:
            yield
        finally:
            with self._changed:
                self._running[client] -= 1
                self._changed.notify_all()

    def _refusal(self) -> TooManyRequests:
        plural = self.per_client != 1
        return TooManyRequests(
            f"this client already runs {self.per_client} quer{'ies' if plural else 'y'} at once; "
            f"wait for {'one' if plural else 'it'} to finish",
            retry_after_s=RETRY_AFTER_S,
        )


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
