"""The servers the benchmark compares, started on loopback, and the memory of a process tree.

This endpoint, raw ``oxigraph serve`` of the same data, and a second ``oxigraph serve`` of a copy
of that store: the control, whose ratio to the first shows how much two identical servers differ
in the same run (the noise every other ratio carries).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from server_process import free_port, start_server  # noqa: E402

TOKEN = "benchmark-token"


@dataclass
class Server:
    """A running server: how to query and update it, its root process, how long it took to load."""

    name: str
    query_url: str
    update_url: str
    pid: int
    load_s: float
    update_headers: dict


def process_tree(root_pid: int) -> list[int]:
    """Return a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry))
    found, stack = [], [root_pid]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


_TICKS_PER_S = os.sysconf("SC_CLK_TCK")


def cpu_ms(pids: list[int]) -> float:
    """Return the CPU time (user + system) the processes used so far, in milliseconds.

    Unlike the latency, it does not grow when other work on the machine keeps a server waiting for
    a core: on a shared machine it is the steadier measure of the work a query costs.
    """
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks * 1000 / _TICKS_PER_S


def process_tree_memory_mib(root_pid: int) -> tuple[float, float]:
    """Return the memory of a process and all its descendants in MiB, from /proc: (RSS, PSS).

    The sum of the resident sizes (RSS) counts a page shared by several processes (the code of
    Python and of pyoxigraph, mapped by the web process and each worker) once per process; the
    proportional sizes (PSS) share it out, so their sum counts it once. For one process the two agree.
    """
    rss = pss = 0
    for pid in process_tree(root_pid):
        try:
            rss += _field_kib(Path(f"/proc/{pid}/status"), "VmRSS:")
            pss += _field_kib(Path(f"/proc/{pid}/smaps_rollup"), "Pss:")
        except OSError:
            pass
    return rss / 1024, pss / 1024


def _field_kib(path: Path, name: str) -> int:
    for line in path.read_text().splitlines():
        if line.startswith(name):
            return int(line.split()[1])
    return 0


@contextlib.contextmanager
def ours(data: Path, workers: int, work_dir: Path, timeout_s: float, reuse: bool = False):
    """Serve ``data`` with ``smarthealth serve --store`` (loaded at start, or as loaded before); yield a Server."""
    started = time.monotonic()
    arguments = ["--store", str(work_dir / "ours"), "--workers", str(workers), "--timeout", str(timeout_s)]
    if not reuse:
        arguments += ["--data", str(data)]
    with start_server(arguments, {"SMARTHEALTH_UPDATE_TOKEN": TOKEN}, startup_timeout_s=1800) as server:
        load_s = time.monotonic() - started
        yield Server("smarthealth", server.sparql_url, server.sparql_url, server.pid, load_s,
                     {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/sparql-update"})


def load_raw_oxigraph(data: Path, work_dir: Path, reuse: bool = False) -> tuple[Path, float | None]:
    """Load ``data`` with ``oxigraph load`` and add the merged default graph; return the folder and seconds.

    The merge is the endpoint's default graph (a triple in several graphs counts once); made here
    with the same code, it gives the raw server the same physical data, so both answer the same
    queries with the same rows, and the difference measured is the front end's.
    """
    from smarthealth.store.merge import materialise_merge
    import pyoxigraph as ox

    location = work_dir / "oxigraph"
    if reuse:
        return location, None
    started = time.monotonic()
    subprocess.run([_oxigraph_command(), "load", "--location", str(location), "--file", str(data)],
                   check=True, capture_output=True)
    store = ox.Store(str(location))
    materialise_merge(store)
    store.flush()
    del store
    return location, time.monotonic() - started


def control_copy(location: Path, work_dir: Path) -> Path:
    """Return a copy of the raw server's store for the control server (a checkpoint: hard links, instant).

    Made before the raw server opens the store (a store is opened by one process at a time).
    """
    import pyoxigraph as ox

    copy = work_dir / "oxigraph-control"
    if not copy.exists():
        store = ox.Store(str(location))
        store.backup(str(copy))
        del store
    return copy


@contextlib.contextmanager
def raw_oxigraph(location: Path, name: str = "oxigraph serve", load_s: float | None = None):
    """Serve the store in ``location`` with ``oxigraph serve``; yield a Server (load time as given)."""
    started = time.monotonic()
    port = free_port()
    process = subprocess.Popen(
        [_oxigraph_command(), "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 600
        while True:
            try:
                if requests.get(f"{base}/query", params={"query": "ASK {}"}, timeout=5).ok:
                    break
            except requests.RequestException:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("oxigraph serve did not start")
            time.sleep(0.2)
        if load_s is not None:
            load_s += time.monotonic() - started  # file to first answer, as for this endpoint
        yield Server(name, f"{base}/query", f"{base}/update", process.pid, load_s,
                     {"Content-Type": "application/sparql-update"})
    finally:
        process.terminate()
        process.wait(timeout=30)


def _oxigraph_command() -> str:
    return shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")


def work_folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="smarthealth-bench-"))
