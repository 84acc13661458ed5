"""Compare our endpoint with a bare ``oxigraph serve`` on the same built graph, over HTTP.

Run it by hand (pytest does not collect it):

    .venv/bin/python tests/bench/bench_endpoint.py [--repeat 50] [--trig FILE]

It builds the graph into a temporary folder (or takes ``--trig``), starts ``smarthealth serve``
and ``oxigraph serve`` on free loopback ports, runs five representative queries ``--repeat`` times
each against both, checks that both give the same number of results,
and prints the median and 95th percentile latency per query and the resident memory of each
server (its whole process tree, since our store runs queries in worker processes).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

TESTS_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS_DIR))

from server_process import free_port, start_server  # noqa: E402

PREFIXES = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX smh: <https://w3id.org/smart-health/ontology#>
"""
QUERIES = {
    "count triples": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "group-by classes": """SELECT ?class (COUNT(?s) AS ?n) WHERE { ?s a ?class }
GROUP BY ?class ORDER BY DESC(?n) ?class""",
    "label CONTAINS": PREFIXES + """SELECT ?s ?label WHERE {
  ?s rdfs:label ?label FILTER(CONTAINS(LCASE(STR(?label)), "health"))
}""",
    "membership join": PREFIXES + """SELECT ?memberLabel ?orgLabel ?role WHERE {
  ?m a org:Membership ; org:member ?member ; org:organization ?org ; org:role ?role .
  ?member rdfs:label ?memberLabel . ?org rdfs:label ?orgLabel .
  FILTER(LANG(?memberLabel) = "en" && LANG(?orgLabel) = "en")
}""",
    "CONSTRUCT": PREFIXES + """CONSTRUCT { ?x rdfs:label ?label ; smh:basedIn ?region }
WHERE { ?x smh:basedIn ?region ; rdfs:label ?label }""",
}


def process_tree_rss_kib(root_pid: int) -> tuple[int, int]:
    """Return (RSS of the process, RSS of it and all its descendants) in KiB, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))

    def rss(pid: int) -> int:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        except OSError:
            pass
        return 0

    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        total += rss(pid)
        stack.extend(children.get(pid, []))
    return rss(root_pid), total


def write_merged_default_graph(trig: Path, target: Path) -> None:
    """Write the RDF merge of all graphs of ``trig`` as N-Triples.

    Our endpoint's default graph is that merge (a triple held by several source graphs counts
    once); ``oxigraph serve --union-default-graph`` repeats such a triple once per graph, so the
    raw server gets the merge as its default graph to answer the same queries with the same rows.
    """
    import pyoxigraph as ox

    triples = {quad.triple for quad in ox.parse(path=str(trig), format=ox.RdfFormat.TRIG)}
    target.write_bytes(ox.serialize(sorted(triples, key=str), format=ox.RdfFormat.N_TRIPLES))


@contextlib.contextmanager
def oxigraph_server(trig: Path):
    """Load the merge of ``trig`` into a fresh Oxigraph directory and serve it; yield (URL, process)."""
    location = Path(tempfile.mkdtemp(prefix="bench-oxigraph-"))
    try:
        merged = location.with_suffix(".nt")
        write_merged_default_graph(trig, merged)
        subprocess.run(["oxigraph", "load", "--location", str(location), "--file", str(merged)],
                       check=True, capture_output=True)
        port = free_port()
        process = subprocess.Popen(
            ["oxigraph", "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        url = f"http://127.0.0.1:{port}/query"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if requests.get(url, params={"query": "ASK {}"}, timeout=2).ok:
                        break
                except requests.RequestException:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"oxigraph serve did not start: {process.stderr.read()!r}")
                time.sleep(0.2)
            yield url, process
        finally:
            process.terminate()
            process.wait(timeout=10)
    finally:
        shutil.rmtree(location, ignore_errors=True)
        location.with_suffix(".nt").unlink(missing_ok=True)


def run_once(session: requests.Session, url: str, query: str) -> tuple[float, int]:
    """Run one query; return (seconds, number of results) and fail on an HTTP error."""
    construct = "\nCONSTRUCT" in "\n" + query
    accept = "application/n-triples" if construct else "application/sparql-results+json"
    started = time.perf_counter()
    answer = session.post(url, data=query.encode("utf-8"), timeout=60,
                          headers={"Content-Type": "application/sparql-query", "Accept": accept})
    elapsed = time.perf_counter() - started
    answer.raise_for_status()
    if construct:
        count = sum(1 for line in answer.text.splitlines() if line.strip())
    else:
        count = len(answer.json()["results"]["bindings"])
    return elapsed, count


def measure(url: str, repeat: int, warmup: int) -> dict[str, tuple[float, float, int]]:
    """Return, per query, (median ms, p95 ms, number of results)."""
    figures = {}
    with requests.Session() as session:
        for name, query in QUERIES.items():
            for _ in range(warmup):
                run_once(session, url, query)
            timings, count = [], 0
            for _ in range(repeat):
                elapsed, count = run_once(session, url, query)
                timings.append(elapsed * 1000)
            timings.sort()
            p95 = timings[min(len(timings) - 1, int(round(0.95 * (len(timings) - 1))))]
            figures[name] = (statistics.median(timings), p95, count)
    return figures


def built_trig(work_dir: Path) -> Path:
    from smarthealth.config import Settings
    from smarthealth.population.build import build

    return build(Settings().with_build_dir(work_dir)).dataset_path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--trig", type=Path, help="a built TriG (default: build one now)")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-build-") as work:
        trig = options.trig or built_trig(Path(work))
        quads = sum(1 for line in subprocess.run(
            ["oxigraph", "convert", "--from-file", str(trig), "--to-format", "nq"],
            check=True, capture_output=True, text=True).stdout.splitlines() if line.strip())
        with start_server(["--data", str(trig)]) as ours:
            ours_figures = measure(ours.sparql_url, options.repeat, options.warmup)
            ours_rss = process_tree_rss_kib(ours.pid)
        with oxigraph_server(trig) as (oxigraph_url, process):
            raw_figures = measure(oxigraph_url, options.repeat, options.warmup)
            raw_rss = process_tree_rss_kib(process.pid)

    print(f"dataset: {trig.name}, {quads} quads; {options.repeat} runs per query "
          f"after {options.warmup} warm-up runs; latency in ms over HTTP (keep-alive)")
    header = f"{'query':<18} {'results':>7} | {'ours median':>11} {'ours p95':>9} | " \
             f"{'oxigraph median':>15} {'oxigraph p95':>12}"
    print(header)
    print("-" * len(header))
    for name in QUERIES:
        ours_median, ours_p95, ours_count = ours_figures[name]
        raw_median, raw_p95, raw_count = raw_figures[name]
        counts = str(ours_count) if ours_count == raw_count else f"{ours_count}!={raw_count}"
        print(f"{name:<18} {counts:>7} | {ours_median:>11.1f} {ours_p95:>9.1f} | "
              f"{raw_median:>15.1f} {raw_p95:>12.1f}")
    print(f"RSS ours: main process {ours_rss[0] / 1024:.0f} MiB, with workers "
          f"{ours_rss[1] / 1024:.0f} MiB; oxigraph serve: {raw_rss[1] / 1024:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
