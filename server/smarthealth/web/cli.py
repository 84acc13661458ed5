"""The ``smarthealth serve`` command: serve the graph over the SPARQL 1.1 Protocol."""

from __future__ import annotations

import logging
import signal
import sys
from pathlib import Path

import click
from werkzeug.serving import WSGIRequestHandler

log = logging.getLogger(__name__)


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
@click.option("--remote", "remote_url", metavar="URL",
              help="Serve from this SPARQL 1.1 query endpoint of an engine (Virtuoso, Fuseki, GraphDB, "
              "QLever, oxigraph serve) instead of the embedded store; load it with `smarthealth publish`.")
@click.option("--remote-update", "remote_update_url", metavar="URL",
              help="The engine's SPARQL update endpoint (without it, updates are refused).")
@click.option("--remote-gsp", "remote_gsp_url", metavar="URL",
              help="The engine's Graph Store Protocol endpoint.")
def serve(host, port, store_dir, data_paths, timeout, workers, remote_url, remote_update_url,
          remote_gsp_url):
    """Serve the graph over the SPARQL 1.1 Protocol (updates need SMARTHEALTH_UPDATE_TOKEN)."""
    from . import create_app

    config = {}
    if data_paths:
        config["DATA"] = [str(path) for path in data_paths]
    if store_dir:
        config["STORE"] = str(store_dir)
    if timeout is not None:
        config["TIMEOUT"] = timeout
    if workers is not None:
        config["WORKERS"] = workers
    if remote_url:
        if data_paths or store_dir:
            raise click.UsageError("--remote serves the engine's data: drop --data and --store")
        config["REMOTE"] = remote_url
    if remote_update_url:
        config["REMOTE_UPDATE"] = remote_update_url
    if remote_gsp_url:
        config["REMOTE_GSP"] = remote_gsp_url
    app = create_app(config)
    store = app.extensions["smarthealth"].store
    # The access log of create_app has one line per request; werkzeug's own would repeat it.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    if remote_url:  # the engine may not be up yet: no question asked of it here
        click.echo(f"serving the SPARQL engine at {store.name.removeprefix('SPARQL back end ')} "
                   f"at http://{host}:{port}/sparql")
    else:
        click.echo(f"serving {len(store)} quads in {len(store.named_graphs())} named graphs "
                   f"at http://{host}:{port}/sparql")
    # SIGTERM (docker stop, systemd, a test harness) exits cleanly so that the query workers are
    # stopped and their data dumps removed by the store's exit handler.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    app.run(host=host, port=port, threaded=True, use_reloader=False, request_handler=KeepAliveHandler)


class KeepAliveHandler(WSGIRequestHandler):
    """Speak HTTP/1.1, so that clients keep their connection between requests."""

    protocol_version = "HTTP/1.1"
