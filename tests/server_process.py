"""Start a real ``smarthealth serve`` process on a free loopback port, for tests that need HTTP.

The tests talk to the server the way users do (a separate process, a TCP socket), so they check
the command line, the WSGI stack and the protocol together, not a Flask test client.
"""

from __future__ import annotations

import contextlib
import http.server
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import requests

STARTUP_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0
HOST = "127.0.0.1"


class ServerStartError(RuntimeError):
    """The server process exited or did not answer /health in time."""


def free_port(host: str = HOST) -> int:
    """Return a TCP port that is free on the loopback interface right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def http_endpoint_in_thread(handler: type[http.server.BaseHTTPRequestHandler], **attributes) -> Iterator[str]:
    """Serve ``handler`` on a free loopback port in a thread; yield its ``/sparql`` URL.

    ``attributes`` are set on the server object, where the handler reads them as ``self.server.X``.
    """
    server = http.server.ThreadingHTTPServer((HOST, 0), handler)
    for name, value in attributes.items():
        setattr(server, name, value)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://{HOST}:{server.server_address[1]}/sparql"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class ServerProcess:
    """A running server: its base URL, its process and the file its stderr goes to."""

    base_url: str
    process: subprocess.Popen
    stderr_path: Path
    command: list[str] = field(default_factory=list)

    @property
    def sparql_url(self) -> str:
        return f"{self.base_url}/sparql"

    @property
    def pid(self) -> int:
        return self.process.pid

    def stderr_text(self) -> str:
        """Return what the server wrote to stderr so far."""
        try:
            return self.stderr_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def is_running(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        """Stop the process (SIGTERM, then SIGKILL after a grace period); safe to call twice."""
        if self.process.poll() is None:
            # The server runs in its own process group, so workers or threads it forks go too.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=STOP_TIMEOUT_S)


def _wait_for_health(server: ServerProcess, timeout_s: float) -> None:
    """Poll ``GET /health`` until it answers 200, the process dies or the time runs out."""
    deadline = time.monotonic() + timeout_s
    last_problem = "no answer yet"
    while time.monotonic() < deadline:
        if not server.is_running():
            raise ServerStartError(
                f"server exited with code {server.process.returncode} before answering /health\n"
                f"command: {' '.join(server.command)}\n--- stderr ---\n{server.stderr_text()}"
            )
        try:
            answer = requests.get(f"{server.base_url}/health", timeout=2)
            if answer.status_code == 200:
                return
            last_problem = f"/health answered {answer.status_code}: {answer.text[:200]}"
        except requests.RequestException as error:
            last_problem = f"{type(error).__name__}"
        time.sleep(0.2)
    raise ServerStartError(
        f"server did not answer /health within {timeout_s:.0f} s ({last_problem})\n"
        f"command: {' '.join(server.command)}\n--- stderr ---\n{server.stderr_text()}"
    )


def _launch(args: list[str], env: dict[str, str] | None, startup_timeout_s: float) -> ServerProcess:
    """Start the server on a free port and wait until it is healthy; stop it if it is not."""
    port = free_port()
    command = [
        sys.executable, "-m", "smarthealth", "serve",
        "--host", HOST, "--port", str(port), *args,
    ]
    process_env = dict(os.environ)
    # A token or allow-list left in the developer's shell must not change what a test sees.
    for name in list(process_env):
        if name.startswith("SMARTHEALTH_") and name not in ("SMARTHEALTH_HOME", "SMARTHEALTH_BASE_IRI"):
            del process_env[name]
    process_env.update(env or {})
    process_env.setdefault("PYTHONUNBUFFERED", "1")
    stderr_file = tempfile.NamedTemporaryFile(
        prefix="smarthealth-serve-", suffix=".log", delete=False
    )
    stderr_path = Path(stderr_file.name)
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=stderr_file,
        stderr=subprocess.STDOUT,
        env=process_env,
        start_new_session=True,
    )
    stderr_file.close()
    server = ServerProcess(
        base_url=f"http://{HOST}:{port}", process=process, stderr_path=stderr_path,
        command=command,
    )
    try:
        _wait_for_health(server, startup_timeout_s)
    except BaseException:
        _discard(server)
        raise
    return server


def _discard(server: ServerProcess) -> None:
    server.stop()
    with contextlib.suppress(OSError):
        server.stderr_path.unlink()


@contextlib.contextmanager
def start_server(
    args: list[str],
    env: dict[str, str] | None = None,
    *,
    startup_timeout_s: float = STARTUP_TIMEOUT_S,
) -> Iterator[ServerProcess]:
    """Run ``python -m smarthealth serve`` with ``args`` on a free port until the block ends."""
    try:
        server = _launch(args, env, startup_timeout_s)
    except ServerStartError as error:
        # Another process may take the free port between the probe and the bind: try once more.
        if "Address already in use" not in str(error):
            raise
        server = _launch(args, env, startup_timeout_s)
    try:
        yield server
    finally:
        _discard(server)


class _SourceAddressAdapter(requests.adapters.HTTPAdapter):
    """An HTTP adapter whose connections leave from a given local address."""

    def __init__(self, address: str, **kwargs):
        self._address = address
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self._address, 0)
        super().init_poolmanager(*args, **kwargs)


def client_at(address: str) -> requests.Session:
    """Return a requests session whose connections come from ``address`` (any of 127.0.0.0/8).

    The server tells clients apart by address (its per-client query limit), so tests that play
    several clients at once give each its own loopback address.
    """
    session = requests.Session()
    session.mount("http://", _SourceAddressAdapter(address))
    return session


class RecordingListener:
    """A TCP listener on a free loopback port that records every connection made to it."""

    def __init__(self):
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.connections: list[bytes] = []
        self._running = True
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while self._running:
            try:
                connection, _ = self.socket.accept()
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return
            with connection:
                connection.settimeout(1)
                try:
                    first_bytes = connection.recv(200)
                except OSError:
                    first_bytes = b""
                self.connections.append(first_bytes)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self):
        self._running = False
        self._thread.join(timeout=2)
        self.socket.close()
