"""On-disk snapshots of the store that query processes read while the writer process changes it.

A snapshot is a RocksDB checkpoint made by ``Store.backup``: hard links to the store's immutable
files plus a small manifest, so it costs a few milliseconds and almost no disk, whatever the size of
the data. Opening the live folder read-only while another process writes it is undefined
behaviour in RocksDB; a checkpoint is never written after it is made, so any number of processes
can open it read-only.

Snapshots live next to the store's folder (``.{name}.snapshots``, the same file system, for the
hard links), in a folder of the serving process (``{pid}``), one folder per data generation; they
are removed when no process reads them any more, and all of them at exit. The folder is the
process's own because a server killed with SIGKILL in its main process only (as the OOM killer
does) leaves its web process exiting while the next server starts: its clean-up at exit must not
remove the snapshots of its successor, which then failed to start. Folders of processes that no
longer run are removed at start.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from pathlib import Path

import pyoxigraph as ox

from ..errors import SmartHealthError

log = logging.getLogger(__name__)

#: How long to wait for the store's lock, held for a moment by a writer process that is exiting.
LOCK_WAIT_S = 10.0


def open_writable(folder: Path, wait_s: float = LOCK_WAIT_S) -> ox.Store:
    """Open (or create) an on-disk store for writing, waiting a while for another process's lock."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            return ox.Store(str(folder))
        except OSError as error:
            if "lock" not in str(error).lower():
                raise SmartHealthError(f"cannot open the store in {folder}: {error}") from None
            if time.monotonic() > deadline:
                raise SmartHealthError(
                    f"the store in {folder} is in use by another process (is another server running?)"
                ) from None
            time.sleep(0.05)


class Snapshots:
    """The snapshot folders of one on-disk store, and a read-only view of the newest for this process."""

    def __init__(self, data_dir: Path):
        root = data_dir.parent / f".{data_dir.name}.snapshots"
        _remove_left_by_dead_processes(root)
        self.folder = root / str(os.getpid())
        shutil.rmtree(self.folder, ignore_errors=True)  # left by an earlier process with this pid
        self.folder.mkdir(parents=True)
        #: The newest generation that has a snapshot, once the writer made the first one.
        self.current: int | None = None
        self._lock = threading.Lock()
        self._reader_generation: int | None = None

    def path(self, generation: int) -> Path:
        """Return the folder of a generation's snapshot."""
        return self.folder / f"generation-{generation}"

    def reader(self) -> ox.Store:
        """Return the newest snapshot, opened read-only in this process (a few ms).

        Not kept open: RocksDB keeps an index of every file it has read in memory, and the web
        process only reads now and then (the graph list, the quad count, a dump).
        """
        with self._lock:
            if self.current is None:
                raise RuntimeError("no snapshot of the store has been made yet")
            self._reader_generation = self.current  # kept on disk while it may be read
            return ox.Store.read_only(str(self.path(self.current)))

    def remove_unused(self, in_use: set[int]) -> None:
        """Remove the snapshots of generations that no process reads any more."""
        with self._lock:
            keep = set(in_use) | {self._reader_generation}
            if self.current is not None:
                # The previous one too: a process may have been handed it a moment ago.
                keep |= {self.current, self.current - 1}
        for path in self.folder.glob("generation-*"):
            try:
                generation = int(path.name.rsplit("-", 1)[1])
            except ValueError:
                continue
            if generation not in keep:
                shutil.rmtree(path, ignore_errors=True)

    def remove_all(self) -> None:
        """Remove every snapshot of this process (at exit)."""
        with self._lock:
            self._reader_generation = None
        shutil.rmtree(self.folder, ignore_errors=True)


def _remove_left_by_dead_processes(root: Path) -> None:
    """Remove the snapshot folders of processes that no longer run (killed before their clean-up)."""
    if not root.is_dir():
        return
    for folder in root.iterdir():
        if folder.name.isdigit() and _is_running(int(folder.name)):
            continue  # a process still exiting removes its own
        shutil.rmtree(folder, ignore_errors=True)


def _is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
