"""The web application: a SPARQL 1.1 endpoint over the Smart Health graph, and its pages.

Configuration keys of ``create_app`` (each also read from an environment variable, for gunicorn:
``gunicorn -w 1 --threads 8 'smarthealth.web:create_app()'``); the ``config`` argument wins over the
environment, which wins over the defaults:

================== ============================ ==================================================
key                environment variable         meaning
================== ============================ ==================================================
DATA               SMARTHEALTH_DATA             RDF files to serve (``os.pathsep``-separated in
                                                the environment); default: the built graph
STORE              SMARTHEALTH_STORE            folder of an on-disk Oxigraph store kept between
                                                runs: a new folder is loaded with DATA (default:
                                                the built graph); an existing store is served as
                                                it is, even empty, unless DATA is given
TIMEOUT            SMARTHEALTH_TIMEOUT          query time limit in seconds (default 30)
WORKERS            SMARTHEALTH_WORKERS          query worker processes (default 2; 0 runs queries
                                                in the server process, with no time limit)
UPDATE_TOKEN       SMARTHEALTH_UPDATE_TOKEN     bearer token that allows SPARQL updates; none:
                                                updates are refused (read-only, the default)
SERVICE_ALLOWLIST  SMARTHEALTH_SERVICE_ALLOWLIST IRIs that SERVICE and LOAD may reach (space- or
                                                comma-separated, or a list; normalised at start:
                                                scheme and host case, default port, trailing
                                                slash; default none)
SERVICE_TIMEOUT    SMARTHEALTH_SERVICE_TIMEOUT  time limit in seconds of a query that calls SERVICE
                                                (the smaller of this and TIMEOUT; default 10)
MAX_REQUEST_BYTES  SMARTHEALTH_MAX_REQUEST_BYTES largest request body or URL (default 1 MB)
MAX_RESULT_BYTES   SMARTHEALTH_MAX_RESULT_BYTES  largest query result (default 100 MB; a larger
                                                one is refused with 400: add a LIMIT)
WORKER_MEMORY_BYTES SMARTHEALTH_WORKER_MEMORY_BYTES memory (address space) of one query worker
                                                (default 2 GB; past it the query gets a 503)
MAX_QUERIES_PER_CLIENT SMARTHEALTH_MAX_QUERIES_PER_CLIENT queries one client may run at once
                                                (default: WORKERS - 1, at least 1; past it
                                                429 with Retry-After)
PROXY_HOPS         SMARTHEALTH_PROXY_HOPS       reverse proxies in front whose X-Forwarded-For
                                                names the client (default 0: the address)
REMOTE             SMARTHEALTH_REMOTE           SPARQL query endpoint of an engine to serve from
                                                instead of the embedded store (DATA, STORE and
                                                WORKERS then do not apply; see the README)
REMOTE_UPDATE      SMARTHEALTH_REMOTE_UPDATE    its update endpoint (none: updates are refused)
REMOTE_GSP         SMARTHEALTH_REMOTE_GSP       its Graph Store Protocol endpoint
(credentials)      SMARTHEALTH_REMOTE_USER,     user and password for the engine (HTTP Digest or
                   SMARTHEALTH_REMOTE_PASSWORD  Basic, as it asks); environment only
BASE_IRI           SMARTHEALTH_BASE_IRI         base IRI of instance data; ``/id/{key}`` answers for
                                                ``BASE_IRI + key`` (default the project's base)
PUBLIC_URL         SMARTHEALTH_PUBLIC_URL       the server's own public base URL, used in the
                                                dataset descriptions and links; unset: the URL
                                                root of each request
SPARQL_STORE       (none)                       a ready ``SparqlStore`` to serve instead of
                                                opening one (tests, embedding)
================== ============================ ==================================================

Deployment. ``smarthealth serve`` runs werkzeug's threaded server. In production run gunicorn with
ONE process and threads: queries already run in parallel in the WORKERS query processes, and each
gunicorn process would hold its own copy of the data, so an update would reach only one of them::

    SMARTHEALTH_DATA=data/build/smart-health.trig \
    gunicorn -w 1 --threads 8 -b 0.0.0.0:8000 'smarthealth.web:create_app()'

Several gunicorn processes (``-w 2``) are fine for a read-only endpoint (no UPDATE_TOKEN) without
STORE (each loads its own copy); an on-disk STORE has one writer, so one gunicorn process. Use a
threaded worker class (``--threads``): a sync worker blocked by a query for gunicorn's own
``--timeout`` (30 s, the same as TIMEOUT) would be killed by gunicorn. Do not use ``--preload``
with several processes (the store would be opened once and shared by fork); the query workers are
restarted in a forked child anyway.
"""

from __future__ import annotations

import atexit
import logging
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, current_app, g, request

from ..config import DEFAULT_BASE_IRI
from ..errors import SmartHealthError
from ..store import (
    DEFAULT_MAX_RESULT_BYTES,
    DEFAULT_TIMEOUT_S,
    DEFAULT_WORKER_MEMORY_BYTES,
    SparqlStore,
    open_remote_store,
    open_store,
)

log = logging.getLogger(__name__)
access_log = logging.getLogger("smarthealth.web.access")

DEFAULTS = {
    "DATA": None,
    "STORE": None,
    "TIMEOUT": DEFAULT_TIMEOUT_S,
    "WORKERS": 2,
    "UPDATE_TOKEN": None,
    "SERVICE_ALLOWLIST": (),
    "SERVICE_TIMEOUT": 10.0,  # federation.limits.DEFAULT_SERVICE_TIMEOUT_S
    "MAX_REQUEST_BYTES": 1_000_000,
    "MAX_RESULT_BYTES": DEFAULT_MAX_RESULT_BYTES,
    "WORKER_MEMORY_BYTES": DEFAULT_WORKER_MEMORY_BYTES,
    "REMOTE": None,
    "REMOTE_UPDATE": None,
    "REMOTE_GSP": None,
    "SPARQL_STORE": None,
    "MAX_QUERIES_PER_CLIENT": None,
    "PROXY_HOPS": 0,
    "BASE_IRI": DEFAULT_BASE_IRI,
    "PUBLIC_URL": None,
}


def _paths(value: str) -> list[str]:
    return [part for part in value.split(os.pathsep) if part]


def _iris(value: str) -> list[str]:
    return [part for part in re.split(r"[\s,]+", value) if part]


#: Configuration key -> (environment variable, how to read its value).
ENVIRONMENT = {
    "DATA": ("SMARTHEALTH_DATA", _paths),
    "STORE": ("SMARTHEALTH_STORE", str),
    "TIMEOUT": ("SMARTHEALTH_TIMEOUT", float),
    "WORKERS": ("SMARTHEALTH_WORKERS", int),
    "UPDATE_TOKEN": ("SMARTHEALTH_UPDATE_TOKEN", str),
    "SERVICE_ALLOWLIST": ("SMARTHEALTH_SERVICE_ALLOWLIST", _iris),
    "SERVICE_TIMEOUT": ("SMARTHEALTH_SERVICE_TIMEOUT", float),
    "MAX_REQUEST_BYTES": ("SMARTHEALTH_MAX_REQUEST_BYTES", int),
    "MAX_RESULT_BYTES": ("SMARTHEALTH_MAX_RESULT_BYTES", int),
    "WORKER_MEMORY_BYTES": ("SMARTHEALTH_WORKER_MEMORY_BYTES", int),
    "MAX_QUERIES_PER_CLIENT": ("SMARTHEALTH_MAX_QUERIES_PER_CLIENT", int),
    "PROXY_HOPS": ("SMARTHEALTH_PROXY_HOPS", int),
    "REMOTE": ("SMARTHEALTH_REMOTE", str),
    "REMOTE_UPDATE": ("SMARTHEALTH_REMOTE_UPDATE", str),
    "REMOTE_GSP": ("SMARTHEALTH_REMOTE_GSP", str),
    "BASE_IRI": ("SMARTHEALTH_BASE_IRI", str),
    "PUBLIC_URL": ("SMARTHEALTH_PUBLIC_URL", str),
}


@dataclass
class EndpointState:
    """What the endpoint's views share: the store and per-generation caches."""

    store: SparqlStore
    cache: dict = field(default_factory=dict)

    def is_stored_graph(self, iri: str) -> bool:
        """Return whether the store holds a named graph with this IRI."""
        return iri in self.cached("stored-graphs", lambda: frozenset(self.store.named_graphs()))

    def cached(self, key, compute):
        """Return ``compute()``, computed once per data generation and key."""
        full_key = (self.store.generation, key)
        if full_key not in self.cache:
            if len(self.cache) > 64:
                self.cache.clear()
            self.cache[full_key] = compute()
        return self.cache[full_key]


def create_app(config: dict | None = None) -> Flask:
    """Create and configure an instance of the application."""
    app = Flask(__name__)
    app.config.update(DEFAULTS)
    app.config.update(_from_environment())
    if config:
        app.config.update(config)
    app.config["MAX_CONTENT_LENGTH"] = int(app.config["MAX_REQUEST_BYTES"])
    # Normalised once: the store, the service description and the saved queries compare with it.
    app.config["SERVICE_ALLOWLIST"] = _allowlist(app.config["SERVICE_ALLOWLIST"])

    store = app.config["SPARQL_STORE"]
    if store is None:  # not "or": an empty store is falsy (len 0) and still the one to serve
        store = _open_configured_store(app.config)
        store.warm_up()  # start the query workers now, not during the first query
    state = EndpointState(store)
    app.extensions["smarthealth"] = state

    from . import errors

    errors.init_app(app)
    _use_gunicorn_logging()
    _init_request_log(app)
    _init_cors(app)
    from . import security_headers

    security_headers.init_app(app)
    from . import fairness

    fairness.init_app(app)

    # One area of the site per blueprint.
    from . import api, describe, health, pages, sparql

    app.register_blueprint(sparql.bp)
    app.register_blueprint(describe.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)

    from . import downloads, entity_pages, linked_data, ontology_docs

    app.register_blueprint(linked_data.bp)
    app.register_blueprint(entity_pages.bp)
    app.register_blueprint(ontology_docs.bp)
    app.register_blueprint(downloads.bp)
    return app


def get_store() -> SparqlStore:
    """Return the store of the current application (inside a request or app context)."""
    return current_app.extensions["smarthealth"].store


def get_state() -> EndpointState:
    """Return the endpoint state of the current application."""
    return current_app.extensions["smarthealth"]


def _from_environment() -> dict:
    values = {}
    for key, (variable, read) in ENVIRONMENT.items():
        raw = os.environ.get(variable)
        if raw is None or raw == "":
            continue
        try:
            values[key] = read(raw)
        except ValueError:
            raise SmartHealthError(f"{variable}={raw!r} is not a valid value") from None
    return values


def _allowlist(values) -> frozenset[str]:
    """Return the normalised SERVICE allow-list, or raise a SmartHealthError naming the bad entry."""
    from ..federation.allowlist import parse_allowlist

    try:
        return parse_allowlist(values)
    except ValueError as error:
        raise SmartHealthError(f"SERVICE_ALLOWLIST: {error}") from None


def _open_configured_store(config) -> SparqlStore:
    """Open the store the configuration asks for, building the graph when nothing else is given."""
    if config["REMOTE"]:
        return _closing_at_exit(open_remote_store(
            config["REMOTE"],
            update_url=config["REMOTE_UPDATE"],
            gsp_url=config["REMOTE_GSP"],
            timeout_s=float(config["TIMEOUT"]),
            max_result_bytes=int(config["MAX_RESULT_BYTES"]),
            service_allowlist=config["SERVICE_ALLOWLIST"],
        ))
    data = [Path(path) for path in config["DATA"] or []]
    store_dir = Path(config["STORE"]) if config["STORE"] else None
    options = {
        "workers": int(config["WORKERS"]),
        "timeout_s": float(config["TIMEOUT"]),
        "max_result_bytes": int(config["MAX_RESULT_BYTES"]),
        "worker_memory_bytes": int(config["WORKER_MEMORY_BYTES"]),
        "service_allowlist": config["SERVICE_ALLOWLIST"],
        "service_timeout_s": config.get("SERVICE_TIMEOUT"),
    }
    store = open_store(None, store_dir, **options)
    if not data and store_dir and store.existed:
        # An existing store is the data: it is never replaced by the built graph behind the
        # user's back, even when it holds nothing (DATA replaces it on purpose).
        if not store.is_loaded:
            store.close()
            raise SmartHealthError(
                f"the store in {store_dir} was not completely loaded (the last load was interrupted, "
                "or it was made by an older version); serve it with --data FILE to load it again"
            )
        if store.is_empty():
            log.warning("the store in %s holds no data; serving it empty (give --data to load files)", store_dir)
        else:
            log.info("serving the store in %s as it is", store_dir)
        return _closing_at_exit(store)
    store.replace_content(data or [_built_dataset()])
    return _closing_at_exit(store)


def _built_dataset() -> Path:
    """Build the graph if needed (sources newer than the build) and return the TriG path."""
    try:
        from ..population.build import ensure_built
    except ImportError:
        raise SmartHealthError(
            "the graph cannot be built here (smarthealth.population is missing); "
            "serve RDF files with --data instead"
        ) from None
    from ..config import Settings

    return ensure_built(Settings())


def _closing_at_exit(store: SparqlStore) -> SparqlStore:
    atexit.register(store.close)
    return store


def _use_gunicorn_logging() -> None:
    """Send the project's log to gunicorn's error log when running under gunicorn."""
    gunicorn_log = logging.getLogger("gunicorn.error")
    project_log = logging.getLogger("smarthealth")
    if gunicorn_log.handlers and not project_log.handlers:
        project_log.handlers = list(gunicorn_log.handlers)
        project_log.setLevel(gunicorn_log.level)
        project_log.propagate = False


def _init_request_log(app: Flask) -> None:
    """Log one line per request: method, path, status, duration (never any header)."""

    @app.before_request
    def start_clock():
        g.request_started = time.perf_counter()

    @app.after_request
    def log_request(response):
        started = g.get("request_started")
        duration_ms = (time.perf_counter() - started) * 1000 if started else 0.0
        access_log.info("%s %s %s %.1f ms", request.method, request.path, response.status_code, duration_ms)
        return response


def _init_cors(app: Flask) -> None:
    """Let browser pages on any origin read the endpoint, and answer CORS preflights."""

    @app.after_request
    def add_cors_headers(response):
        response.headers["Access-Control-Allow-Origin"] = "*"
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = "Accept, Authorization, Content-Type"
            response.headers["Access-Control-Max-Age"] = "86400"
        return response
