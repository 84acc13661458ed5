"""The writer process: the one process that holds an on-disk store open for writing.

It applies each update as one transaction (with the maintenance of the merged default graph),
flushes it to disk, then makes the snapshot that query workers read, and only then answers. A
writer killed at any moment (an update past its time or memory limit, a kill -9 of the server)
leaves the store as it was before the update or after it: a RocksDB transaction is written at
commit, all of it or nothing.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

from .execute import _apply_update, error_reply
from .snapshots import open_writable

def _exit_with_parent(interval_s: float = 0.1) -> None:
    """Exit as soon as the server process is gone, even when it was killed with kill -9.

    A writer left behind would keep the store's lock, and a restarted server could not open the
    store; exiting in the middle of an update rolls it back. (PR_SET_PDEATHSIG does not fit: it
    fires when the thread that started the writer ends, and a request thread may restart it.)
    """
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval_s)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _backup(store, snapshot: str) -> None:
    """Make a snapshot, replacing a half-made one of a writer killed before it answered.

    The folder of a generation is published only once its writer has answered, so nobody reads it.
    """
    shutil.rmtree(snapshot, ignore_errors=True)
    store.backup(snapshot)


def writer_main(connection, data_dir: str, snapshot: str | None) -> None:
    """Open the store for writing (and snapshot it if asked), then apply updates sent over ``connection``."""
    _exit_with_parent()
    try:
        store = open_writable(Path(data_dir))
        if snapshot:
            _backup(store, snapshot)
            connection.send(("ready",))
    except Exception as error:  # answered to the next message, then this writer is replaced
        connection.send(("error", f"the writer cannot open the store: {type(error).__name__}: {error}"))
        return
    # The first update should not wait for rdflib's parser (a second or so) to be imported.
    from rdflib.plugins.sparql import algebra, parser  # noqa: F401
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return
        _, sparql, base_iri, snapshot = message
        try:
            _apply_update(store, sparql, base_iri)
            store.flush()  # durable before it is answered
            _backup(store, snapshot)
            reply = ("updated",)
        except Exception as error:
            reply = error_reply(error)
        connection.send(reply)
