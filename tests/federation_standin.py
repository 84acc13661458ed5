"""Start a real ``oxigraph serve`` on a free loopback port, loaded with RDF files: the stand-in EU endpoint."""

from __future__ import annotations

import contextlib
import http.server
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pyoxigraph as ox
import requests

from server_process import HOST, free_port

ROOT = Path(__file__).resolve().parents[1]
#: The reference snapshots (copied from public sources): what a stand-in EU endpoint serves.
REFERENCE = sorted((ROOT / "data" / "reference").glob("*.ttl"))
#: Test fixtures shaped as other services publish (test namespaces, not those services' data).
FIXTURES = ROOT / "tests" / "fixtures" / "federation"
WIKIDATA_SHAPED = FIXTURES / "wikidata-shaped.ttl"

STARTUP_TIMEOUT_S = 30.0
RDF_MEDIA_TYPES = {".ttl": "text/turtle", ".nt": "application/n-triples", ".trig": "application/trig",
                   ".nq": "application/n-quads"}


@dataclass
class OxigraphServer:
    """A running ``oxigraph serve``: its base URL and process."""

    base_url: str
    process: subprocess.Popen
    log_path: Path

    @property
    def query_url(self) -> str:
        return f"{self.base_url}/query"


def oxigraph_command() -> str:
    """Return the ``oxigraph`` command installed next to this Python (PyPI package ``oxigraph``)."""
    candidate = Path(sys.executable).parent / "oxigraph"
    return str(candidate) if candidate.exists() else "oxigraph"


@contextlib.contextmanager
def oxigraph_serve(files: list[Path] = (), *, union_default_graph: bool = False) -> Iterator[OxigraphServer]:
    """Run an in-memory ``oxigraph serve`` with the files loaded until the block ends."""
    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix="oxigraph-serve-", suffix=".log", delete=False)
    command = [oxigraph_command(), "serve", "--bind", f"{HOST}:{port}"]
    if union_default_graph:
        command.append("--union-default-graph")
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    log.close()
    server = OxigraphServer(f"http://{HOST}:{port}", process, Path(log.name))
    try:
        _wait_until_up(server)
        for path in files:
            media_type = RDF_MEDIA_TYPES[Path(path).suffix]
            target = f"{server.base_url}/store" if media_type in ("application/trig", "application/n-quads") \
                else f"{server.base_url}/store?default"
            answer = requests.post(target, data=Path(path).read_bytes(),
                                   headers={"Content-Type": media_type}, timeout=30)
            assert answer.status_code in (200, 201, 204), f"loading {path}: {answer.status_code} {answer.text}"
        yield server
    finally:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        with contextlib.suppress(OSError):
            server.log_path.unlink()


def _wait_until_up(server: OxigraphServer) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"oxigraph serve exited: {server.log_path.read_text(errors='replace')}")
        try:
            requests.get(server.query_url, params={"query": "ASK {}"}, timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError("oxigraph serve did not answer in time")


def answer_rows(answer: dict) -> set[tuple]:
    """Return the rows of a SPARQL JSON answer as tuples of values in the answer's column order."""
    variables = answer["head"]["vars"]
    return {tuple(row.get(name, {}).get("value") for name in variables) for row in answer["results"]["bindings"]}


def expected_rows(dataset_path: Path, name: str, remote_files: list[Path], *, base_iri: str,
                  queries_dir: Path, arguments: dict | None = None, drop_empty_values: bool = False) -> set[tuple]:
    """Join the built graph with the remote files locally (one store, no SERVICE): what federation must give.

    drop_empty_values: remove an empty ``VALUES ?v { }`` (which the server fills with our values
    before the call); joined in one store, the group needs no such narrowing.
    """
    import re

    from smarthealth.saved.binding import bind
    from smarthealth.saved.catalog import find_query, load_catalog

    store = ox.Store()
    store.bulk_load(path=str(dataset_path), format=ox.RdfFormat.TRIG)
    remote = ox.NamedNode("urn:test:remote")
    for path in remote_files:
        store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=remote)
    query = find_query(load_catalog(queries_dir), name)
    local = bind(query, {**(arguments or {}), "endpoint": "http://127.0.0.1:9/query"}, base_iri=base_iri,
                 service_allowlist=None).sparql
    # The SERVICE group, run on the remote graph of the same store.
    assert "SERVICE <http://127.0.0.1:9/query>" in local
    local = local.replace("SERVICE <http://127.0.0.1:9/query>", "GRAPH <urn:test:remote>")
    if drop_empty_values:
        local = re.sub(r"VALUES\s+\?\w+\s*\{\s*\}", "", local)
    result = store.query(local, use_default_graph_as_union=True)
    variables = [v.value for v in result.variables]
    return {tuple(solution[name].value if solution[name] is not None else None for name in variables)
            for solution in result}


class Canary(http.server.BaseHTTPRequestHandler):
    """An endpoint that counts every request it gets (it must get none)."""

    def do_GET(self):
        self.server.seen.append(self.path)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_POST = do_GET

    def log_message(self, *args):
        pass
