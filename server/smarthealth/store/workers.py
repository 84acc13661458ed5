"""Query worker processes: each query runs in a separate process that can be killed at its time limit."""

from __future__ import annotations

import itertools
import logging
import multiprocessing.connection
import os
import queue
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from ..errors import BadGateway, BadRequest, QueryResourceLimit, QueryTimeout, SmartHealthError
from . import execute
from .execute import MergedDatasets, NeedsNetwork, _apply_update, _execute, merge_union_into_default_graph
from .network_wall import enter_empty_network_namespace
from .results import QueryResult

if TYPE_CHECKING:
    from .oxigraph import OxigraphStore

log = logging.getLogger(__name__)

#: Stack of the thread that runs queries in a worker. Oxigraph parses and evaluates recursively; with
#: the default 8 MB a flat chain of 2,600 BINDs or 9,000 ``||`` crashes the process. The text limits
#: (sparql_text.MAX_TOKENS, MAX_NESTING) need at most about 60 MB; this leaves a wide margin. The
#: stack counts in the worker's memory limit, of which it takes at most an eighth.
WORKER_STACK_BYTES = 256 * 1024 * 1024


def _worker_main(connection, wall: str) -> None:
    """Serve queries sent over ``connection`` from an in-memory copy of the dataset."""
    connection.send(("wall", wall))
    store = ox.Store()
    merges = MergedDatasets(store)
    generation = None
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return
        operation = message[0]
        wanted_generation, dump_path = message[1], message[2]
        try:
            if operation == "update":
                # A fresh copy without the merged default graph: the update sees the stored data.
                copy = ox.Store()
                copy.bulk_load(path=dump_path, format=ox.RdfFormat.N_QUADS)
                _apply_update(copy, message[3], message[4])
                connection.send(("updated", copy.dump(format=ox.RdfFormat.N_QUADS)))
                continue
            if wanted_generation != generation:
                store, generation = ox.Store(), None
                store.bulk_load(path=dump_path, format=ox.RdfFormat.N_QUADS)
                merge_union_into_default_graph(store)
                merges = MergedDatasets(store)
                generation = wanted_generation
            if operation == "load":
                connection.send(("loaded", generation))
                continue
            result = _execute(store, merges, message[3], message[4])
            reply = ("ok", result.kind, result.variables, result.boolean, result.payload)
        except NeedsNetwork:
            reply = ("needs-network",)
        except BadRequest as error:
            reply = ("bad-request", error.message, error.where)
        except BadGateway as error:
            reply = ("bad-gateway", error.message, error.where, error.detail)
        except Exception as error:  # reported to the parent, which logs it as an internal error
            reply = ("error", f"{type(error).__name__}: {error}")
        if operation == "load":
            reply = ("loaded", generation)  # a failed load is retried with the next query
        connection.send(reply)


# The worker is a fresh interpreter started with this one line, not a multiprocessing child:
# multiprocessing's "spawn" re-runs the parent's __main__ (``python -m smarthealth`` would start
# the CLI again) and "fork" is unsafe in a threaded server.
_WORKER_COMMAND = (
    "import sys; from smarthealth.store.workers import _worker_entry; "
    "_worker_entry(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == 'walled')"
)


def _worker_entry(fd: int, memory_bytes: int, walled: bool) -> None:
    """Run a worker on the socket inherited as file descriptor ``fd``, within ``memory_bytes``."""
    # Ctrl-C in a terminal reaches the whole process group; the parent decides when we stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    wall = "open: this worker runs the queries that call an allow-listed SERVICE"
    if walled:
        # Walled workers hand every SERVICE query to the open one, whether the wall stands or not,
        # so that such queries always run under the SERVICE time limit.
        execute.NETWORK_REACHABLE = False
        why_not = enter_empty_network_namespace()
        if why_not is None:
            wall = "up: the worker runs in a network namespace without interfaces"
        else:
            wall = f"DOWN ({why_not}); the fetch guard is the only wall"
    if memory_bytes > 0:
        # A query that sorts or groups a huge join would otherwise take the machine's memory
        # before its time limit; past this limit the allocation fails and the worker aborts.
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    stack_bytes = WORKER_STACK_BYTES if memory_bytes <= 0 else min(WORKER_STACK_BYTES, memory_bytes // 8)
    threading.stack_size(stack_bytes - stack_bytes % 4096)
    runner = threading.Thread(
        target=_worker_main, args=(multiprocessing.connection.Connection(fd), wall), name="queries"
    )
    runner.start()
    runner.join()



class _Worker:
    """One worker process and the parent's end of its socket."""

    _numbers = itertools.count(1)

    def __init__(self, memory_bytes: int, walled: bool = True):
        self.number = next(self._numbers)
        parent_end, child_end = socket.socketpair()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", _WORKER_COMMAND, str(child_end.fileno()), str(memory_bytes),
                 "walled" if walled else "open"],
                pass_fds=(child_end.fileno(),),
                stdin=subprocess.DEVNULL,
                # One malloc arena: the query thread would otherwise reserve a second one of 64 MB
                # of address space, which counts in the worker's memory limit (RLIMIT_AS).
                env={**os.environ, "MALLOC_ARENA_MAX": "1"},
            )
        finally:
            child_end.close()
        self.connection = multiprocessing.connection.Connection(parent_end.detach())

    def kill(self) -> None:
        """Stop the process at once (SIGKILL) and reap it."""
        self.process.kill()
        self.process.wait(timeout=5)
        self.connection.close()


class _WorkerPool:
    """A fixed number of query worker processes, each with its own copy of the dataset."""

    def __init__(self, owner: "OxigraphStore", size: int, walled: bool = True):
        self._owner = owner
        self._size = size
        self._walled = walled
        #: What the first worker said of its network wall (logged once).
        self.wall = ""
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._pid = None
        self._dump_dir: Path | None = None
        self._dump_generation = None
        self._dump_path: Path | None = None
        self._workers: set[_Worker] = set()

    def start(self) -> None:
        """Start the workers (again, in a forked child such as a gunicorn worker)."""
        with self._lock:
            self._start_locked()

    def _start_locked(self) -> None:
        if self._pid == os.getpid():
            return
        # After a fork the parent's workers and pipes belong to the parent: forget them.
        self._idle = queue.Queue()
        self._workers = set()
        self.wall = ""
        self._dump_generation = None
        self._dump_dir = Path(tempfile.mkdtemp(prefix="smarthealth-dumps-"))
        self._pid = os.getpid()
        self._refresh_dump_locked()
        for _ in range(self._size):
            self._add_worker_locked()

    def _add_worker_locked(self) -> None:
        worker = _Worker(self._owner.worker_memory_bytes, self._walled)
        self._workers.add(worker)
        if not self.wall:
            self.wall = self._read_wall(worker)
        # Load the data now, in the background of the new process, not during the first query.
        worker.connection.send(("load", self._dump_generation, str(self._dump_path)))
        self._idle.put(worker)

    def _refresh_dump_locked(self) -> tuple[int, Path]:
        """Write the dataset for the workers when it changed since the last dump."""
        generation = self._owner.generation
        if generation != self._dump_generation:
            # A /tmp cleaner may have removed the folder since the server started.
            self._dump_dir.mkdir(parents=True, exist_ok=True)
            path = self._dump_dir / f"generation-{generation}.nq"
            with self._owner._write_lock:
                self._owner.dump_to(path)
            # Keep the previous dump: a worker may be reading it right now.
            for old in self._dump_dir.glob("generation-*.nq"):
                if old != path and old != self._dump_path:
                    old.unlink(missing_ok=True)
            self._dump_generation, self._dump_path = generation, path
        return self._dump_generation, self._dump_path

    def preload(self) -> None:
        """Have the idle workers load the current data now, rather than in the next query."""
        with self._lock:
            if self._pid != os.getpid():
                return
            generation, dump_path = self._refresh_dump_locked()
            for _ in range(self._idle.qsize()):
                try:
                    worker = self._idle.get_nowait()
                except queue.Empty:
                    break
                worker.connection.send(("load", generation, str(dump_path)))
                self._idle.put(worker)

    def run(self, sparql: str, options: dict, timeout_s: float) -> QueryResult:
        """Run a query in a worker; kill the worker and raise QueryTimeout past the time limit."""
        reply = self._call("query", (sparql, options), timeout_s)
        _, kind, variables, boolean, payload = reply
        return QueryResult(kind, variables=variables, boolean=boolean, payload=payload)

    def run_update(self, sparql: str, base_iri: str | None, timeout_s: float) -> bytes:
        """Apply an update to a copy of the data in a worker; return the new data as N-Quads."""
        return self._call("update", (sparql, base_iri), timeout_s)[1]

    def _call(self, operation: str, arguments: tuple, timeout_s: float) -> tuple:
        """Send an operation to an idle worker and return its reply, within the time limit."""
        started = time.monotonic()
        with self._lock:
            self._start_locked()
            generation, dump_path = self._refresh_dump_locked()
        try:
            worker = self._idle.get(timeout=timeout_s)
        except queue.Empty:
            raise QueryTimeout(
                f"all query workers stayed busy for {timeout_s:g} s; try again later"
            ) from None
        try:
            worker.connection.send((operation, generation, str(dump_path)) + arguments)
            reply = self._receive(worker, started + timeout_s, timeout_s, operation)
        except QueryTimeout:
            self._replace(worker, reason=f"the {operation} ran past its time limit")
            raise
        except (EOFError, OSError) as error:
            try:  # it is exiting: read its exit status before any SIGKILL replaces it
                worker.process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                pass
            self._replace(worker, reason=f"the worker died ({error!r}, exit status {worker.process.returncode})")
            if worker.process.returncode == -signal.SIGABRT:  # an allocation past the limit
                raise QueryResourceLimit(
                    f"the {operation} needed more than {self._owner.worker_memory_bytes // 1_000_000} MB "
                    "of memory and was stopped; add a LIMIT or narrow it"
                ) from None
            raise SmartHealthError(f"the {operation} could not be evaluated") from None
        self._idle.put(worker)
        status = reply[0]
        if status in ("ok", "updated"):
            return reply
        if status == "needs-network":
            raise NeedsNetwork()
        if status == "bad-request":
            raise BadRequest(reply[1], where=reply[2])
        if status == "bad-gateway":
            raise BadGateway(reply[1], where=reply[2], detail=reply[3])
        log.error("query worker failed: %s", reply[1])
        raise SmartHealthError(f"the {operation} could not be evaluated")

    def _read_wall(self, worker: _Worker) -> str:
        """Wait for a new worker's word on its network wall, and log it."""
        if worker.connection.poll(30):
            wall = worker.connection.recv()[1]
        else:
            wall = "unknown (the worker did not start in time)"
        level = logging.WARNING if "DOWN" in wall else logging.INFO
        log.log(level, "network wall for query workers %s", wall)
        return wall

    def _receive(self, worker: _Worker, deadline: float, timeout_s: float, operation: str):
        """Return the worker's reply, skipping acknowledgements of earlier loads."""
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not worker.connection.poll(remaining):
                raise QueryTimeout(
                    f"the {operation} ran past the time limit of {timeout_s:g} s and was stopped"
                    + ("; simplify it or add a LIMIT" if operation == "query" else "; nothing was changed")
                )
            reply = worker.connection.recv()
            if reply[0] in ("loaded", "wall"):
                continue
            return reply

    def _replace(self, worker: _Worker, reason: str) -> None:
        log.warning("killing query worker %d: %s", worker.number, reason)
        worker.kill()
        with self._lock:
            self._workers.discard(worker)
            if self._pid == os.getpid():
                self._add_worker_locked()

    def close(self) -> None:
        """Stop every worker and remove the dumps."""
        with self._lock:
            if self._pid != os.getpid():
                return
            for worker in list(self._workers):
                worker.kill()
            self._workers.clear()
            if self._dump_dir is not None:
                shutil.rmtree(self._dump_dir, ignore_errors=True)
            self._pid = None

