"""Benchmark this endpoint against raw ``oxigraph serve`` on the same data, side by side in one run.

    .venv/bin/python benchmarks/run.py --data benchmarks/data/smart-health-1000000.nq

The servers run at the same time on loopback: this endpoint, raw ``oxigraph serve`` of the same
data, and a second ``oxigraph serve`` of a copy of its store (the control: its ratio to the first
is the noise of the measurement). Each query is run by each server in turn, the order rotating
from run to run (so that other load on the machine falls on all alike). Printed and written to ``--out`` (Markdown
table and PNG plot): per query the median and 95th percentile latency and the row counts of both
(a disagreement is marked, never hidden), throughput at 1, 8 and 32 clients, load time, memory of
each server's whole process tree, and update latency with the time until a query sees the update.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import statistics
import sys
import threading
import time
from pathlib import Path

import requests
import requests.adapters

sys.path.insert(0, str(Path(__file__).resolve().parent))

from queries import benchmark_queries  # noqa: E402
from report import CONTROL, RAW, plot, table  # noqa: E402
from servers import (ROOT, Server, control_copy, cpu_ms, load_raw_oxigraph, ours, process_tree,  # noqa: E402
                     process_tree_memory_mib, raw_oxigraph, work_folder)
from stats import percentile  # noqa: E402

JSON = "application/sparql-results+json"
#: This endpoint's time limit during the benchmark (seconds).
QUERY_LIMIT_S = 20
#: Time each query may take, all its runs on one server together (a slow query runs fewer times).
QUERY_BUDGET_MS = 30_000


def run_query(session: requests.Session, server: Server, sparql: str) -> tuple[float, int]:
    """Run one query; return (milliseconds, number of rows or triples); fail on an HTTP error."""
    construct = sparql.lstrip().upper().startswith("CONSTRUCT") or "\nCONSTRUCT" in sparql.upper()
    accept = "application/n-triples" if construct else JSON
    started = time.perf_counter()
    answer = session.post(server.query_url, data=sparql.encode("utf-8"), timeout=300,
                          headers={"Content-Type": "application/sparql-query", "Accept": accept})
    elapsed = (time.perf_counter() - started) * 1000
    answer.raise_for_status()
    if construct:
        return elapsed, sum(1 for line in answer.text.splitlines() if line.strip())
    return elapsed, len(answer.json()["results"]["bindings"])


def timed_run(session: requests.Session, server: Server, sparql: str) -> tuple[float, int, float]:
    """Run one query; return (milliseconds, rows, CPU milliseconds of the server's process tree)."""
    pids = process_tree(server.pid)
    before = cpu_ms(pids)
    elapsed, rows = run_query(session, server, sparql)
    return elapsed, rows, cpu_ms(pids) - before


def latencies(servers: list[Server], queries: dict[str, str], repeat: int) -> dict:
    """Return {query: {server: figures}}, the servers taking turns on every run in a rotating order.

    A server's figures: median and p95 ms, rows, median CPU ms, and every run's ms (``runs``).

    A query that passes this endpoint's time limit on its warm-up run is recorded as such and
    not run on oxigraph serve (which has no limit, and would go on computing after a client
    gives up, slowing every later measurement): both run the same engine on the same data.
    """
    figures = {}
    sessions = {server.name: requests.Session() for server in servers}
    for name, sparql in queries.items():
        timings = {server.name: [] for server in servers}
        cpu = {server.name: [] for server in servers}
        rows, warm_up_ms = {}, 0.0
        try:
            for server in servers:  # warm-up, this endpoint first
                elapsed, rows[server.name] = run_query(sessions[server.name], server, sparql)
                warm_up_ms = max(warm_up_ms, elapsed)
        except requests.HTTPError as error:
            if error.response is None or error.response.status_code != 503:
                raise
            figures[name] = None
            print(f"  {name}: over the time limit of {QUERY_LIMIT_S} s on this endpoint; not measured", flush=True)
            continue
        # A query of several seconds runs fewer times: about half a minute per query and server.
        try:
            for turn in range(max(3, min(repeat, int(QUERY_BUDGET_MS / max(warm_up_ms, 1.0))))):
                for server in servers[turn % len(servers):] + servers[:turn % len(servers)]:
                    elapsed, rows[server.name], used = timed_run(sessions[server.name], server, sparql)
                    timings[server.name].append(elapsed)
                    cpu[server.name].append(used)
        except requests.HTTPError as error:  # passed the limit on a later run (near it at warm-up)
            if error.response is None or error.response.status_code != 503:
                raise
            figures[name] = None
            print(f"  {name}: over the time limit of {QUERY_LIMIT_S} s on this endpoint on a measured run "
                  f"(warm-up {warm_up_ms / 1000:.1f} s); not measured", flush=True)
            continue
        figures[name] = {
            server: {"median": statistics.median(values), "p95": percentile(values, 0.95), "rows": rows[server],
                     "cpu": statistics.median(cpu[server]), "runs": values}
            for server, values in timings.items()
        }
        print(f"  {name}: " + ", ".join(f"{server} {measured['median']:.1f} ms, CPU {measured['cpu']:.0f} ms "
                                         f"({measured['rows']} rows)" for server, measured in figures[name].items()),
              flush=True)
    return figures


class _FromAddress(requests.adapters.HTTPAdapter):
    """Connect from a given loopback address, so that each benchmark client is a client of its own."""

    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def client_session(number: int) -> requests.Session:
    """Return a session that connects from loopback address 127.0.0.{number + 2}.

    The endpoint gives each client (address) a fair share of the query workers (at most
    WORKERS - 1 queries at once, then 429): 8 clients from one address would be one client.
    """
    session = requests.Session()
    adapter = _FromAddress(f"127.0.0.{number + 2}")
    session.mount("http://", adapter)
    return session


def throughput(server: Server, queries: list[str], clients: int, seconds: float) -> tuple[float, int]:
    """Return the queries per second that ``clients`` concurrent clients complete, and the 503s.

    Each client connects from its own loopback address (see ``client_session``). A 503 (every
    query worker stayed busy past the time limit: this endpoint sheds load rather than queue
    without end) is counted, not completed; the client goes on.
    """
    done, refused = [0] * clients, [0] * clients
    stop = time.monotonic() + seconds

    def client(number: int) -> None:
        session = client_session(number)
        position = number
        while time.monotonic() < stop:
            try:
                run_query(session, server, queries[position % len(queries)])
                done[number] += 1
            except requests.HTTPError as error:
                if error.response is None or error.response.status_code != 503:
                    raise
                refused[number] += 1
            position += 1

    threads = [threading.Thread(target=client, args=(number,)) for number in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.monotonic() - started), sum(refused)


def updates(server: Server, count: int, graph_query: bool) -> tuple[float, float, float, int]:
    """Apply small updates; return (median ms, p95 ms, median ms until a query sees it, seen at once)."""
    session = requests.Session()
    latency, visible, seen_at_once = [], [], 0
    for number in range(count):
        item = f"<urn:smarthealth:bench:item/{server.pid}-{number}>"
        update = (f"INSERT DATA {{ GRAPH <urn:smarthealth:bench:updates> {{ {item} <urn:smarthealth:bench:p> "
                  f"{number} ; <urn:smarthealth:bench:q> 'a' ; <urn:smarthealth:bench:r> 'b' }} }}")
        # The endpoint's default graph is the merge, so its update shows there; raw Oxigraph's
        # default graph is what was loaded, so its update is looked for in its graph.
        pattern = f"{item} <urn:smarthealth:bench:p> {number}"
        ask = f"ASK {{ GRAPH ?g {{ {pattern} }} }}" if graph_query else f"ASK {{ {pattern} }}"
        started = time.perf_counter()
        answer = session.post(server.update_url, data=update.encode(), headers=server.update_headers, timeout=60)
        answer.raise_for_status()
        latency.append((time.perf_counter() - started) * 1000)
        for attempt in range(1000):
            seen = session.post(server.query_url, data=ask.encode(), timeout=60, headers={
                "Content-Type": "application/sparql-query", "Accept": JSON}).json()["boolean"]
            if seen:
                seen_at_once += attempt == 0
                break
            time.sleep(0.005)
        visible.append((time.perf_counter() - started) * 1000)
    return statistics.median(latency), percentile(latency, 0.95), statistics.median(visible), seen_at_once


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="N-Quads file (benchmarks/generate.py)")
    parser.add_argument("--repeat", type=int, default=10, help="runs per query and server")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2,
                        help="query workers of this endpoint (default: one per core, as the README says)")
    parser.add_argument("--seconds", type=float, default=10, help="duration of each throughput run")
    parser.add_argument("--updates", type=int, default=20)
    parser.add_argument("--out", type=Path, help="folder for the Markdown table and the plot")
    parser.add_argument("--no-control", action="store_true",
                        help="leave out the control (a second oxigraph serve of a copy of the same store)")
    parser.add_argument("--reuse", type=Path, metavar="DIR",
                        help="serve the stores a run left in DIR (ours/, oxigraph/, oxigraph-control/) instead of loading "
                        "the data again (after a run stopped; the load time is then not measured)")
    options = parser.parse_args()
    quads = sum(1 for _ in open(options.data, "rb"))
    out = options.out or ROOT / "benchmarks" / "results" / options.data.stem
    out.mkdir(parents=True, exist_ok=True)
    queries = benchmark_queries()
    work = options.reuse or work_folder()
    results: dict = {"quads": quads, "data": options.data.name, "repeat": options.repeat,
                     "workers": options.workers, "seconds": options.seconds, "control": not options.no_control}
    print(f"{quads} quads from {options.data}; loading the servers", flush=True)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(1))  # stop the servers
    reuse = options.reuse is not None
    location, raw_load_s = load_raw_oxigraph(options.data, work, reuse)
    control_location = None if options.no_control else control_copy(location, work)
    with contextlib.ExitStack() as running:
        endpoint = running.enter_context(ours(options.data, options.workers, work, QUERY_LIMIT_S, reuse))
        raw = running.enter_context(raw_oxigraph(location, RAW, raw_load_s))
        servers = [endpoint, raw]
        measured = list(servers)
        if control_location is not None:
            measured.append(running.enter_context(raw_oxigraph(control_location, CONTROL)))
        results["load_s"] = {server.name: None if reuse else server.load_s for server in servers}
        results["memory_loaded"] = {server.name: process_tree_memory_mib(server.pid) for server in servers}
        print(f"loaded: {results['load_s']}; memory {results['memory_loaded']}", flush=True)
        results["latency"] = latencies(measured, queries, options.repeat)
        mix = [sparql for name, sparql in queries.items()
               if name.startswith("saved:") and results["latency"][name] is not None]
        results["throughput"] = {}
        for clients in (1, 8, 32):
            for server in servers:
                rate, refused = throughput(server, mix, clients, options.seconds)
                results["throughput"].setdefault(clients, {})[server.name] = rate
                results.setdefault("refused", {}).setdefault(clients, {})[server.name] = refused
                print(f"  throughput {server.name} at {clients} clients: {rate:.1f} queries/s, "
                      f"{refused} answered 503", flush=True)
        results["memory_after_queries"] = {server.name: process_tree_memory_mib(server.pid) for server in servers}
        results["updates"] = {server.name: updates(server, options.updates, server is raw) for server in servers}
        results["memory_after_updates"] = {server.name: process_tree_memory_mib(server.pid) for server in servers}
    if not reuse:
        shutil.rmtree(work, ignore_errors=True)
    markdown = table(results)
    (out / "results.md").write_text(markdown)
    (out / "results.json").write_text(json.dumps(results, indent=1))
    plot(results, out / "results.png")
    print(markdown)
    print(f"written: {out / 'results.md'}, {out / 'results.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
