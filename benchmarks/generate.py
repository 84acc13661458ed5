"""Make a synthetic Smart Health graph of a given size by scaling the real one.

The built graph (five documents, one named graph each, plus the ontology graph) is copied as many
times as needed: copy ``c`` renames every instance IRI (``https://w3id.org/smart-health/id/...``,
graph IRIs included) with the suffix ``-c{c}``, so each copy is a consortium of its own with the
real shapes (organisations based in regions, memberships, projects, quotes behind each fact, the
same triple stated by two documents), and joins stay within a copy as they do in the real graph.
The vocabulary and the ontology graph are kept once. Copy 0 keeps the real IRIs, so the saved
queries' example arguments find their entities.

    .venv/bin/python benchmarks/generate.py --quads 1000000 [--source data/build/smart-health.nq]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import pyoxigraph as ox

INSTANCE_BASE = "https://w3id.org/smart-health/id/"
ONTOLOGY_GRAPH = "https://w3id.org/smart-health/ontology"
ROOT = Path(__file__).resolve().parents[1]


def _renamed(term, suffix: str):
    if suffix and isinstance(term, ox.NamedNode) and term.value.startswith(INSTANCE_BASE):
        return ox.NamedNode(term.value + suffix)
    return term


def scale(source: Path, quads: int, target: Path) -> int:
    """Write about ``quads`` quads scaled from ``source`` (N-Quads) to ``target``; return the count."""
    originals = list(ox.parse(path=str(source), format=ox.RdfFormat.N_QUADS))
    ontology = [quad for quad in originals if getattr(quad.graph_name, "value", None) == ONTOLOGY_GRAPH]
    documents = [quad for quad in originals if getattr(quad.graph_name, "value", None) != ONTOLOGY_GRAPH]
    copies = max(1, math.ceil((quads - len(ontology)) / len(documents)))

    def generate():
        yield from ontology
        for copy in range(copies):
            suffix = f"-c{copy}" if copy else ""
            for quad in documents:
                yield ox.Quad(_renamed(quad.subject, suffix), quad.predicate,
                              _renamed(quad.object, suffix), _renamed(quad.graph_name, suffix))

    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as output:
        ox.serialize(generate(), output, format=ox.RdfFormat.N_QUADS)
    return len(ontology) + copies * len(documents)


def default_target(quads: int) -> Path:
    return ROOT / "benchmarks" / "data" / f"smart-health-{quads}.nq"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quads", type=int, required=True, help="about how many quads to make")
    parser.add_argument("--source", type=Path, default=ROOT / "data" / "build" / "smart-health.nq",
                        help="the built graph as N-Quads (smarthealth build writes it)")
    parser.add_argument("--out", type=Path, help="output file (default: benchmarks/data/smart-health-N.nq)")
    options = parser.parse_args()
    if not options.source.is_file():
        print(f"{options.source} not found: run `smarthealth build` first", file=sys.stderr)
        return 2
    target = options.out or default_target(options.quads)
    started = time.monotonic()
    written = scale(options.source, options.quads, target)
    print(f"wrote {written} quads to {target} in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
