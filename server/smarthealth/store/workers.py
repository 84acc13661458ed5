"""The pool of worker processes, on the serving process's side: queries run in processes that can be
killed at their time limit, updates in a writer process (what runs inside them: ``worker_process``)."""

from __future__ import annotations

import itertools
import logging
import multiprocessing.connection
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from typing import TYPE_CHECKING

from ..errors import BadGateway, BadRequest, QueryResourceLimit, QueryTimeout, ServerBusy, SmartHealthError
from .execute import NeedsNetwork
from .results import QueryResult
from .worker_process import WORKER_COMMAND

if TYPE_CHECKING:
    from .oxigraph import OxigraphStore

log = logging.getLogger(__name__)


class _Worker:
    """One worker process and the parent's end of its socket."""

    _numbers = itertools.count(1)

    def __init__(self, memory_bytes: int, walled: bool = True):
        self.number = next(self._numbers)
        #: Whether the worker runs without a network (all but the one for allow-listed SERVICE).
        self.walled = walled
        parent_end, child_end = socket.socketpair()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", WORKER_COMMAND, str(child_end.fileno()), str(memory_bytes),
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
    """Query worker processes that read the store's newest snapshot, and the writer process."""

    def __init__(self, owner: "OxigraphStore", size: int, open_workers: int = 0):
        self._owner = owner
        self._size = size
        #: Workers outside the network wall, for queries that call an allow-listed SERVICE.
        self._open_workers = open_workers
        #: What the first worker said of its network wall (logged once).
        self.wall = ""
        # Last in, first out: the worker that ran the last query takes the next one, with the
        # snapshot's blocks it just read still in its cache (each process has its own RocksDB
        # block cache; a round robin would split the hot blocks between them).
        self._idle: queue.Queue[_Worker] = queue.LifoQueue()
        self._open_idle: queue.Queue[_Worker] = queue.LifoQueue()
        self._lock = threading.Lock()
        self._pid = None
        self._workers: set[_Worker] = set()
        #: Data generation each query worker was last sent (it reads that generation's snapshot).
        self._generations: dict[_Worker, int] = {}
        self._writer: _Worker | None = None
        #: Whether the last writer was killed (its successor snapshots the store as it finds it).
        self._writer_killed = False

    def start(self) -> None:
        """Start the workers (again, in a forked child such as a gunicorn worker)."""
        with self._lock:
            self._start_locked()

    def _start_locked(self) -> None:
        if self._pid == os.getpid():
            return
        # After a fork the parent's workers and pipes belong to the parent: forget them.
        self._idle = queue.LifoQueue()
        self._open_idle = queue.LifoQueue()
        self._workers = set()
        self.wall = ""
        self._generations = {}
        self._writer = None
        self._pid = os.getpid()
        self._owner.hand_over()  # the first snapshot, for the query workers
        for _ in range(self._size):
            self._add_worker_locked(walled=True)
        for _ in range(self._open_workers):
            self._add_worker_locked(walled=False)
        # The writer starts with the first update: a read-only endpoint (the default) needs none,
        # and its start would slow the query workers' own.

    def _start_writer_locked(self, *, snapshot_now: bool = False) -> None:
        """Start the writer process, which opens the store that this process has released.

        With ``snapshot_now`` (after a kill, or when an update needs it at once) the writer also
        makes a snapshot of the store as it finds it, and it is waited for: a killed writer may
        have committed an update without making its snapshot.
        """
        data_dir = self._owner.hand_over()
        # The writer has no network either: an allow-listed LOAD is refused before it gets here.
        writer = _Worker(self._owner.worker_memory_bytes)
        writer.connection.recv() if writer.connection.poll(30) else None  # its word on the wall
        generation = self._owner.generation + 1
        snapshot = str(self._owner._snapshots.path(generation)) if snapshot_now else None
        writer.connection.send(("open-writer", str(data_dir), snapshot))
        if snapshot_now:
            reply = writer.connection.recv() if writer.connection.poll(60) else ("error", "no answer in 60 s")
            if reply[0] != "ready":
                writer.kill()
                log.error("writer process: %s", reply[1])
                raise SmartHealthError(f"the writer process could not open the store in {data_dir}")
            self._owner._new_snapshot(generation)
        self._writer = writer
        self._writer_killed = False

    def _add_worker_locked(self, walled: bool) -> None:
        worker = _Worker(self._owner.worker_memory_bytes, walled)
        self._workers.add(worker)
        if walled and not self.wall:
            self.wall = self._read_wall(worker)
        # Open the snapshot now, in the background of the new process, not during the first query.
        self._send_locked(worker, ("load",))
        (self._idle if walled else self._open_idle).put(worker)

    def _send_locked(self, worker: _Worker, message: tuple) -> None:
        """Send a message naming the newest snapshot to a query worker."""
        generation = self._owner.generation
        self._generations[worker] = generation
        path = self._owner._snapshots.path(generation)
        snapshot = (str(path), self._owner.store_dir is None)
        worker.connection.send((message[0], generation, snapshot) + message[1:])

    def preload(self) -> None:
        """Have the idle workers open the newest snapshot now, rather than in the next query."""
        with self._lock:
            if self._pid != os.getpid():
                return
            for idle in (self._idle, self._open_idle):
                taken = []
                while True:  # take them all first: a LIFO queue gives back the one just put
                    try:
                        taken.append(idle.get_nowait())
                    except queue.Empty:
                        break
                for worker in reversed(taken):  # the same order as before
                    self._send_locked(worker, ("load",))
                    idle.put(worker)
            self._owner._snapshots.remove_unused(set(self._generations.values()))

    def run(self, sparql: str, options: dict, timeout_s: float, *, network: bool = False) -> QueryResult:
        """Run a query in a worker (``network``: one outside the wall); kill it past the time limit."""
        reply = self._call(sparql, options, timeout_s, network)
        _, kind, variables, boolean, payload = reply
        return QueryResult(kind, variables=variables, boolean=boolean, payload=payload)

    def _call(self, sparql: str, options: dict, timeout_s: float, network: bool) -> tuple:
        """Send a query to an idle worker and return its reply, within the time limit."""
        with self._lock:
            self._start_locked()
        idle = self._open_idle if network else self._idle
        if network and not self._open_workers:
            raise BadRequest("this endpoint does not call other services")
        # Waiting for a worker has its own bound; the query's time limit starts when one takes it.
        try:
            worker = idle.get(timeout=timeout_s)
        except queue.Empty:
            raise ServerBusy(
                f"all {self._size} query workers stayed busy for {timeout_s:g} s; try again later",
                retry_after_s=max(1, min(30, round(timeout_s / 3))),
            ) from None
        started = time.monotonic()
        try:
            with self._lock:
                self._send_locked(worker, ("query", sparql, options))
            reply = self._receive(worker, started + timeout_s, timeout_s, "query")
        except QueryTimeout:
            self._replace(worker, reason="the query ran past its time limit")
            raise
        except (EOFError, OSError) as error:
            self._died(worker, error, "query")
        idle.put(worker)
        return self._result(reply, "query")

    def run_update(self, sparql: str, base_iri: str | None, timeout_s: float) -> None:
        """Apply an update in the writer, which then makes the snapshot of the next generation."""
        with self._lock:
            self._start_locked()
            if self._writer is None:  # not started yet, or its replacement after a kill failed
                self._start_writer_locked(snapshot_now=self._writer_killed)
            writer = self._writer
        generation = self._owner.generation + 1
        started = time.monotonic()
        try:
            writer.connection.send(("update", sparql, base_iri, str(self._owner._snapshots.path(generation))))
            reply = self._receive(writer, started + timeout_s, timeout_s, "update")
        except QueryTimeout:
            # Killing the writer rolls the transaction back: nothing was changed.
            self._replace_writer(writer, reason="the update ran past its time limit")
            raise
        except (EOFError, OSError) as error:
            self._died(writer, error, "update")
        self._result(reply, "update")
        self._owner._new_snapshot(generation)

    def _died(self, worker: _Worker, error: Exception, operation: str) -> None:
        """Replace a worker that died during an operation and raise the error to report."""
        try:  # it is exiting: read its exit status before any SIGKILL replaces it
            worker.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            pass
        reason = f"the worker died ({error!r}, exit status {worker.process.returncode})"
        if worker is self._writer:
            self._replace_writer(worker, reason=reason)
        else:
            self._replace(worker, reason=reason)
        if worker.process.returncode == -signal.SIGABRT:  # an allocation past the limit
            raise QueryResourceLimit(
                f"the {operation} needed more than {self._owner.worker_memory_bytes // 1_000_000} MB "
                "of memory and was stopped; add a LIMIT or narrow it"
            ) from None
        raise SmartHealthError(f"the {operation} could not be evaluated") from None

    @staticmethod
    def _result(reply: tuple, operation: str) -> tuple:
        status = reply[0]
        if status in ("ok", "updated"):
            return reply
        if status == "needs-network":
            raise NeedsNetwork()
        if status == "bad-request":
            raise BadRequest(reply[1], where=reply[2])
        if status == "bad-gateway":
            raise BadGateway(reply[1], where=reply[2], detail=reply[3])
        log.error("%s failed in a worker: %s", operation, reply[1])
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
            self._generations.pop(worker, None)
            if self._pid == os.getpid():
                self._add_worker_locked(worker.walled)

    def _replace_writer(self, writer: _Worker, reason: str) -> None:
        log.warning("killing the writer process: %s", reason)
        writer.kill()
        with self._lock:
            if self._writer is writer:
                self._writer = None
                self._writer_killed = True
                if self._pid == os.getpid():
                    try:  # the new writer reopens the same store, as it was before the update
                        self._start_writer_locked(snapshot_now=True)
                    except SmartHealthError as error:  # the next update tries again
                        log.error("%s", error)

    def close(self) -> None:
        """Stop every worker and the writer."""
        with self._lock:
            if self._pid != os.getpid():
                return
            for worker in list(self._workers) + ([self._writer] if self._writer else []):
                worker.kill()
            self._workers.clear()
            self._writer = None
            self._pid = None
