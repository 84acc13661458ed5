"""Real SPARQL engines on free loopback ports for the remote store's tests: Virtuoso and oxigraph serve.

Virtuoso runs from Debian's ``virtuoso-t`` in the foreground with its own ini and database in a
temporary folder (nothing of the system's instance is used); ``oxigraph serve`` is the PyPI
``oxigraph`` command, in memory. Both are stopped (SIGTERM, then SIGKILL) when the block ends.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import requests

from server_process import HOST, free_port

STARTUP_TIMEOUT_S = 60.0

#: A fresh Virtuoso database's administrator (Virtuoso's documented default).
VIRTUOSO_USER = "dba"
VIRTUOSO_PASSWORD = "dba"

VIRTUOSO_INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
Striping = 0
[Parameters]
ServerPort = {host}:{sql_port}
DisableUnixSocket = 1
MaxClientConnections = 10
CheckpointInterval = 60
CaseMode = 2
DirsAllowed = .
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
ThreadsPerQuery = 2
[HTTPServer]
ServerPort = {host}:{http_port}
ServerRoot = {dir}/www
MaxClientConnections = 10
ServerThreads = 10
Charset = UTF-8
[SPARQL]
; The default (10000) silently cuts longer results.
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 60
; Virtuoso refuses queries whose estimated cost passes this many seconds; its estimates of
; OPTIONAL-heavy queries are far off (982 s estimated for a query that takes milliseconds).
MaxQueryCostEstimationTime = 0
"""


@dataclass
class Engine:
    """A running SPARQL engine: its endpoints, credentials and process."""

    name: str
    query_url: str
    update_url: str
    gsp_url: str
    process: subprocess.Popen
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)  # credentials for smarthealth

    def serve_arguments(self) -> list[str]:
        """Return the ``smarthealth serve`` options that serve from this engine."""
        return ["--remote", self.query_url, "--remote-update", self.update_url, "--remote-gsp", self.gsp_url]

    def log_text(self) -> str:
        with contextlib.suppress(OSError):
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-4000:]
        return ""


def virtuoso_missing_reason() -> str | None:
    """Return why Virtuoso cannot run here, or None when it can."""
    if shutil.which("virtuoso-t") is None:
        return ("virtuoso-t is not installed; `./run setup` installs Debian's virtuoso-opensource "
                "(needs root and apt)")
    return None


def _wait_until_answering(engine: Engine, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    problem = "no answer yet"
    while time.monotonic() < deadline:
        if engine.process.poll() is not None:
            raise RuntimeError(f"{engine.name} exited with {engine.process.returncode}:\n{engine.log_text()}")
        try:
            answer = requests.post(engine.query_url, data={"query": "ASK {}"},
                                   headers={"Accept": "application/sparql-results+json"}, timeout=2)
            if answer.status_code == 200:
                return
            problem = f"HTTP {answer.status_code}"
        except requests.RequestException as error:
            problem = type(error).__name__
        time.sleep(0.2)
    raise RuntimeError(f"{engine.name} did not answer within {timeout_s:.0f} s ({problem}):\n{engine.log_text()}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@contextlib.contextmanager
def _running(engine: Engine) -> Iterator[Engine]:
    try:
        _wait_until_answering(engine, STARTUP_TIMEOUT_S)
        yield engine
    finally:
        _stop(engine.process)


@contextlib.contextmanager
def start_virtuoso(directory: Path) -> Iterator[Engine]:
    """Run a fresh Virtuoso with its database in ``directory``; yield its endpoints."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "www").mkdir(exist_ok=True)
    http_port, sql_port = free_port(), free_port()
    ini = directory / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(dir=directory, host=HOST, sql_port=sql_port, http_port=http_port))
    log_path = directory / "console.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            ["virtuoso-t", "+foreground", "+configfile", str(ini)],
            cwd=directory, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://{HOST}:{http_port}"
    engine = Engine(
        name="Virtuoso", query_url=f"{base}/sparql", update_url=f"{base}/sparql-auth",
        gsp_url=f"{base}/sparql-graph-crud-auth", process=process, log_path=log_path,
        env={"SMARTHEALTH_REMOTE_USER": VIRTUOSO_USER, "SMARTHEALTH_REMOTE_PASSWORD": VIRTUOSO_PASSWORD},
    )
    with _running(engine):
        yield engine


@contextlib.contextmanager
def start_oxigraph_serve(directory: Path) -> Iterator[Engine]:
    """Run ``oxigraph serve`` (in memory) on a free port; yield its endpoints."""
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    command = Path(sys.executable).with_name("oxigraph")
    log_path = directory / "oxigraph.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [str(command), "serve", "--bind", f"{HOST}:{port}"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    base = f"http://{HOST}:{port}"
    engine = Engine(name="oxigraph serve", query_url=f"{base}/query", update_url=f"{base}/update",
                    gsp_url=f"{base}/store", process=process, log_path=log_path)
    with _running(engine):
        yield engine
