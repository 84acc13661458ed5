"""The ``smarthealth serve`` command: serve the graph over the SPARQL 1.1 Protocol, with gunicorn.

The README's main command is also the production server: gunicorn's arbiter with ONE worker
process of the threaded (gthread) class. One process, because the query workers already run
queries in parallel and an update must reach the one store; threads, because a request mostly
waits for a query worker; gthread keeps idle keep-alive connections in an event loop instead of
holding a thread each (Werkzeug's development server started a thread per connection).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

log = logging.getLogger(__name__)

#: gunicorn's exit status for a worker that could not start ("Worker failed to boot").
WORKER_BOOT_ERROR = 3


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--store",
    "store_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep an on-disk Oxigraph store in this folder between runs.",
)
@click.option(
    "--data",
    "data_paths",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Serve these RDF files instead of the built graph (Turtle, TriG, N-Quads, N-Triples, "
    "JSON-LD, RDF/XML, by extension; may be repeated). Triples of a triple format go into the "
    "named graph urn:smarthealth:data:{file name}.",
)
@click.option("--timeout", type=float, help="Query time limit in seconds [default: 30].")
@click.option("--workers", type=int, help="Query worker processes [default: 2].")
@click.option(
    "--allow-service",
    "allowed_services",
    multiple=True,
    metavar="URL",
    help="Let SERVICE (and LOAD) reach this endpoint (may be repeated; replaces "
    "SMARTHEALTH_SERVICE_ALLOWLIST). Normalised: scheme and host case, default port, trailing slash.",
)
@click.option("--threads", default=16, show_default=True, type=int,
              help="Request threads of the web process (requests mostly wait for a query worker).")
@click.option("--remote", "remote_url", metavar="URL",
              help="Serve from this SPARQL 1.1 query endpoint of an engine (Virtuoso, Fuseki, GraphDB, "
              "QLever, oxigraph serve) instead of the embedded store; load it with `smarthealth publish`.")
@click.option("--remote-update", "remote_update_url", metavar="URL",
              help="The engine's SPARQL update endpoint (without it, updates are refused).")
@click.option("--remote-gsp", "remote_gsp_url", metavar="URL",
              help="The engine's Graph Store Protocol endpoint.")
def serve(host, port, store_dir, data_paths, timeout, workers, allowed_services, threads,
          remote_url, remote_update_url, remote_gsp_url):
    """Serve the graph over the SPARQL 1.1 Protocol (updates need SMARTHEALTH_UPDATE_TOKEN)."""
    config = {}
    if data_paths:
        config["DATA"] = [str(path) for path in data_paths]
    if store_dir:
        config["STORE"] = str(store_dir)
    if timeout is not None:
        config["TIMEOUT"] = timeout
    if workers is not None:
        config["WORKERS"] = workers
    if allowed_services:
        config["SERVICE_ALLOWLIST"] = list(allowed_services)
    if remote_url:
        if data_paths or store_dir:
            raise click.UsageError("--remote serves the engine's data: drop --data and --store")
        config["REMOTE"] = remote_url
    if remote_update_url:
        config["REMOTE_UPDATE"] = remote_update_url
    if remote_gsp_url:
        config["REMOTE_GSP"] = remote_gsp_url
    if not data_paths and not store_dir and not remote_url:
        # Build here, once, so that a build error is reported plainly before any server starts.
        from . import _built_dataset

        config["DATA"] = [str(_built_dataset())]
    ProductionServer(config, host=host, port=port, threads=threads).run()


def _gunicorn_application_class():
    from gunicorn.app.base import BaseApplication

    return BaseApplication


class ProductionServer(_gunicorn_application_class()):
    """gunicorn serving ``create_app(config)``, created in its worker process (never before a fork)."""

    def __init__(self, config: dict, *, host: str, port: int, threads: int):
        self.config = config
        self.address = f"http://{host}:{port}"
        timeout = float(config.get("TIMEOUT") or 30)
        self.options = {
            "bind": f"{host}:{port}",
            "workers": 1,
            "worker_class": "gthread",
            "threads": threads,
            # gthread answers the arbiter's heartbeat from its main loop, whatever the requests do.
            "timeout": max(60, int(timeout) + 30),
            "graceful_timeout": 10,
            "keepalive": 5,
            # The SPARQL protocol layer limits the URL (MAX_REQUEST_BYTES) and answers 413.
            "limit_request_line": 0,
            "accesslog": None,  # create_app logs one line per request
            "errorlog": "-",
            "worker_exit": _close_store,
            # Several servers on one machine (tests, a canary) would share one control socket.
            "control_socket_disable": True,
        }
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.options.items():
            self.cfg.set(name, value)

    def load(self):
        from gunicorn.workers import gthread

        from ..errors import SmartHealthError
        from . import create_app

        # A new connection holds a request thread until its first bytes arrive, up to gunicorn's
        # 5 s, before it goes back to the event loop: 100 silent connections would hold 16
        # threads for half a minute. A tenth of a second is plenty for a client that is sending;
        # a slow one only goes back to the loop, it is not dropped. (A module constant in
        # gunicorn 27, not a setting.)
        gthread.DEFAULT_WORKER_DATA_TIMEOUT = 0.1

        try:
            app = create_app(self.config)
        except SmartHealthError as error:
            print(f"error: {error}", file=sys.stderr, flush=True)
            sys.exit(WORKER_BOOT_ERROR)
        store = app.extensions["smarthealth"].store
        log.info("serving %d quads in %d named graphs at %s/sparql",
                 len(store), len(store.named_graphs()), self.address)
        return app


def _close_store(server, worker) -> None:
    """Stop the query workers when the web worker exits (SIGTERM, SIGINT, a restart)."""
    app = getattr(worker, "wsgi", None)
    state = getattr(app, "extensions", {}).get("smarthealth") if app is not None else None
    if state is not None:
        state.store.close()
