"""The worker process's own side: serve queries from the snapshot each message names, or become the writer.

The serving process starts it with ``WORKER_COMMAND`` and talks to it over a socket (``workers``
holds that side: the pool, time limits, replacing a killed worker). The process enters the network
wall (all but the worker for allow-listed SERVICE queries), takes its memory limit, and then answers
one message at a time, opening a snapshot (in place, or copied into memory) when a message names a
newer one; told to open the store for writing, it becomes the writer (``writer``) instead.
"""

from __future__ import annotations

import multiprocessing.connection
import resource
import signal
import threading

import pyoxigraph as ox

from . import execute
from .execute import MergedDatasets, NeedsNetwork, _execute, error_reply
from .network_wall import enter_empty_network_namespace
from .process_memory import give_back_freed_memory, limit_malloc_arenas
from .writer import writer_main

#: Stack of the thread that runs queries in a worker. Oxigraph parses and evaluates recursively; with
#: the default 8 MB a flat chain of 2,600 BINDs or 9,000 ``||`` crashes the process. The text limits
#: (sparql_text.MAX_TOKENS, MAX_NESTING) need at most about 60 MB; this leaves a wide margin. The
#: stack counts in the worker's memory limit, of which it takes at most an eighth.
WORKER_STACK_BYTES = 256 * 1024 * 1024


#: Seconds a worker waits for its next message before it gives freed memory back (a few ms that
#: a query sent meanwhile would wait for).
IDLE_BEFORE_TRIM_S = 0.2


def _worker_main(connection, wall: str) -> None:
    """Serve queries sent over ``connection`` from the snapshot each names (or become the writer)."""
    connection.send(("wall", wall))
    limit_malloc_arenas()
    store = merges = generation = None
    trimmed_at = 0
    while True:
        try:
            if not connection.poll(IDLE_BEFORE_TRIM_S):  # idle: a good moment to give memory back
                trimmed_at = give_back_freed_memory(trimmed_at)
            message = connection.recv()
        except (EOFError, OSError):
            return
        operation = message[0]
        if operation == "open-writer":
            writer_main(connection, *message[1:])
            return
        wanted_generation, (snapshot, in_memory) = message[1], message[2]
        try:
            if wanted_generation != generation:
                store = merges = generation = None
                store = _open_snapshot(snapshot, in_memory)
                merges = MergedDatasets(store)
                generation = wanted_generation
            if operation == "load":
                connection.send(("loaded", generation))
                continue
            result = _execute(store, merges, message[3], message[4])
            reply = ("ok", result.kind, result.variables, result.boolean, result.payload)
        except NeedsNetwork:
            reply = ("needs-network",)
        except Exception as error:
            reply = error_reply(error)
        if operation == "load":
            reply = ("loaded", generation)  # a failed open is retried with the next query
        connection.send(reply)


def _open_snapshot(path: str, in_memory: bool) -> ox.Store:
    """Open a snapshot read-only, or copy it into memory (a store served without ``--store``).

    A snapshot is never written after it is made: reading it needs no copy and no lock. In memory,
    joins run about ten times faster than on RocksDB (the saved query according-to-source without
    arguments: 0.6 s against 5 to 9 s on the built graph), at the cost of a copy per worker and
    of reloading it after each update: the choice for a graph that fits in memory.
    """
    snapshot = ox.Store.read_only(path)
    if not in_memory:
        return snapshot
    copy = ox.Store()
    # Quad by quad: blank nodes keep their labels (the bulk loader's buffers would also take
    # 200 MB of the worker's memory limit).
    copy.extend(snapshot.quads_for_pattern(None, None, None, None))
    return copy


# The worker is a fresh interpreter started with this one line, not a multiprocessing child:
# multiprocessing's "spawn" re-runs the parent's __main__ (``python -m smarthealth`` would start
# the CLI again) and "fork" is unsafe in a threaded server.
WORKER_COMMAND = (
    "import sys; from smarthealth.store.worker_process import _worker_entry; "
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
