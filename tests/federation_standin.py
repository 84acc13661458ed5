"""Start a real ``oxigraph serve`` on a free loopback port, loaded with RDF files: the stand-in EU endpoint."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import requests

from server_process import HOST, free_port

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
