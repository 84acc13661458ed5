"""kill -9 during updates: every update answered 2xx is in the on-disk store after a restart, whole.

A real ``smarthealth serve --store DIR`` process takes a stream of updates, each inserting one new
triple into two graphs (so a half-applied update would show), and is killed with SIGKILL at random
moments: the whole server (its main process alone, or its whole process group), then a fresh
server on the same folder; or the writer process alone, the one that holds the store open, after
which the server reopens the store in a new writer. After each kill the store is read back and
compared with what was acknowledged.
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from server_process import start_server

FIXTURE = Path(__file__).parent / "fixtures" / "endpoint" / "regions.trig"
TOKEN = "durability-token"
SEQ = "urn:smarthealth:test:durability:seq"
GRAPHS = ("urn:smarthealth:test:durability:a", "urn:smarthealth:test:durability:b")
SERVER_KILLS = 10
TOTAL_KILLS = 50
TIME_BUDGET_S = 100.0


@dataclass
class Ledger:
    """What was sent, what was acknowledged, and what the store held after each kill."""

    attempted: set[int] = field(default_factory=set)
    acknowledged: set[int] = field(default_factory=set)
    next_number: int = 0
    lost: set[int] = field(default_factory=set)
    torn: set[int] = field(default_factory=set)
    phantom: set[int] = field(default_factory=set)
    merge_errors: int = 0
    present: int = 0


def insert(number: int) -> str:
    item = f"<urn:smarthealth:test:durability:item/{number}>"
    return "INSERT DATA { " + " ".join(
        f"GRAPH <{graph}> {{ {item} <{SEQ}> {number} }}" for graph in GRAPHS
    ) + " }"


def send_updates(server, ledger: Ledger, stop: threading.Event, count: int | None = None) -> None:
    """Send updates one after another until told to stop or the server stops answering."""
    session = requests.Session()
    while not stop.is_set() and (count is None or count > 0):
        count = None if count is None else count - 1
        number = ledger.next_number
        ledger.next_number += 1
        ledger.attempted.add(number)
        try:
            answer = session.post(
                server.sparql_url, data=insert(number).encode(), timeout=10,
                headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"},
            )
        except requests.RequestException:
            return  # killed while this update was in flight: not acknowledged
        if 200 <= answer.status_code < 300:
            ledger.acknowledged.add(number)


def numbers(server, pattern: str) -> list[tuple[str, int]]:
    answer = requests.post(
        server.sparql_url, data={"query": f"SELECT ?g ?n WHERE {{ {pattern} }}"},
        headers={"Accept": "application/sparql-results+json"}, timeout=20,
    )
    assert answer.status_code == 200, answer.text
    return [
        (row.get("g", {}).get("value", ""), int(row["n"]["value"]))
        for row in answer.json()["results"]["bindings"]
    ]


def check(server, ledger: Ledger) -> None:
    """Compare what the store holds with what was acknowledged; record every difference."""
    in_graphs = numbers(server, f"GRAPH ?g {{ ?s <{SEQ}> ?n }}")
    by_graph = {graph: {n for g, n in in_graphs if g == graph} for graph in GRAPHS}
    both, either = by_graph[GRAPHS[0]] & by_graph[GRAPHS[1]], by_graph[GRAPHS[0]] | by_graph[GRAPHS[1]]
    ledger.lost |= ledger.acknowledged - both
    ledger.torn |= either - both
    ledger.phantom |= either - ledger.attempted
    # The merged default graph holds each triple once, exactly for the updates that were applied.
    merged = [n for _, n in numbers(server, f"?s <{SEQ}> ?n")]
    if sorted(merged) != sorted(either):
        ledger.merge_errors += 1
    ledger.present = len(both)


def writer_pid(server, store: Path, wait_s: float = 10.0) -> int | None:
    """Return the process that has files of the live store open (not of a snapshot): the writer."""
    folder = str(store.resolve()) + "/"
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:  # a new writer may still be opening the store
        for pid in _descendants(server.pid):
            try:
                if any(os.readlink(f"/proc/{pid}/fd/{fd}").startswith(folder) for fd in os.listdir(f"/proc/{pid}/fd")):
                    return pid
            except OSError:
                continue
        time.sleep(0.05)
    return None


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parent = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry))
    found, stack = [], [root]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def updates_then_kill(server, ledger: Ledger, rng: random.Random, kill) -> None:
    """Send updates for a random moment, kill, and wait for the updating thread to notice."""
    stop = threading.Event()
    thread = threading.Thread(target=send_updates, args=(server, ledger, stop))
    thread.start()
    time.sleep(rng.uniform(0.01, 0.2))
    kill()
    stop.set()
    thread.join(timeout=15)


def test_kill_9_at_random_moments_loses_no_acknowledged_update_and_tears_none(tmp_path):
    store = tmp_path / "store"
    ledger = Ledger()
    rng = random.Random(1208)
    server_kills = writer_kills = restarts = 0
    started = time.monotonic()
    arguments = ["--store", str(store), "--workers", "1", "--data", str(FIXTURE)]
    while server_kills + writer_kills < TOTAL_KILLS and time.monotonic() - started < TIME_BUDGET_S:
        with start_server(arguments, {"SMARTHEALTH_UPDATE_TOKEN": TOKEN}) as server:
            arguments = arguments[:4]  # later starts serve the store as it is
            restarts += 1
            check(server, ledger)
            # The writer alone, a few times per server: the store is reopened by a new writer.
            while writer_kills < (TOTAL_KILLS - SERVER_KILLS) * restarts / SERVER_KILLS:
                # A writer killed between two updates is found dead, and replaced, by the next one.
                send_updates(server, ledger, threading.Event(), count=1)
                pid = writer_pid(server, store)
                assert pid is not None, "no process holds the store open:\n" + server.stderr_text()[-3000:]
                updates_then_kill(server, ledger, rng, lambda: os.kill(pid, signal.SIGKILL))
                writer_kills += 1
                check(server, ledger)
            # Then the whole server: its main process only (as the OOM killer does), or all of it.
            whole_group = server_kills % 2 == 1
            updates_then_kill(server, ledger, rng, lambda: (
                os.killpg(server.pid, signal.SIGKILL) if whole_group else os.kill(server.pid, signal.SIGKILL)
            ))
            server.process.wait(timeout=10)
            server_kills += 1
    with start_server(arguments, {"SMARTHEALTH_UPDATE_TOKEN": TOKEN}) as server:
        check(server, ledger)
    elapsed = time.monotonic() - started
    print(
        f"\nkill -9: {server_kills + writer_kills} kills ({server_kills} of the server, {writer_kills} of "
        f"the writer) in {elapsed:.0f} s; {len(ledger.attempted)} updates sent, "
        f"{len(ledger.acknowledged)} acknowledged, {ledger.present} present after the last restart; "
        f"acknowledged but lost: {len(ledger.lost)}, torn: {len(ledger.torn)}, "
        f"never sent but present: {len(ledger.phantom)}, merged default graph wrong: {ledger.merge_errors}"
    )
    assert server_kills + writer_kills >= TOTAL_KILLS, "the time budget ran out before 50 kills"
    assert len(ledger.acknowledged) > TOTAL_KILLS, "too few updates were acknowledged to mean anything"
    assert ledger.lost == set(), f"acknowledged but lost after a kill: {sorted(ledger.lost)}"
    assert ledger.torn == set(), f"applied to one graph but not the other: {sorted(ledger.torn)}"
    assert ledger.phantom == set()
    assert ledger.merge_errors == 0
