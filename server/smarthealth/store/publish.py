"""``smarthealth publish``: load the built graph into a SPARQL 1.1 engine, named graph by named graph.

Each graph is uploaded into a staging graph (Graph Store Protocol PUT, or one update without it)
and then put in place with ``MOVE SILENT GRAPH <staging> TO GRAPH <graph>``: one update request,
which the engine applies as one transaction where it has them (``oxigraph serve``: every update is
a transaction; Virtuoso: an update request is one transaction unless the server runs SPARQL in
autocommit mode, ``log_enable(2)``), so a reader sees the old graph or the new one, never a half
loaded graph. Last, the merged default graph (``UNION_GRAPH``) is refreshed in one update. Between
a graph's MOVE and that refresh, ``GRAPH`` patterns see the new data and the default graph the
old. Running it again replaces the same graphs with the same content.
"""

from __future__ import annotations

import collections
import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pyoxigraph as ox

from ..errors import BadRequest
from .data_files import data_graph_iri, rdf_format_for
from .remote import STAGING_GRAPH_PREFIX, UNION_GRAPH, RemoteStore

log = logging.getLogger(__name__)

#: Called after each graph is in place, with its IRI and number of triples.
Progress = Callable[[str, int], None]


@dataclass
class PublishReport:
    """What a publish run did."""

    graphs: dict[str, int] = field(default_factory=dict)  # graph IRI -> triples published
    dropped: list[str] = field(default_factory=list)  # graphs removed (--prune)
    kept: list[str] = field(default_factory=list)  # remote graphs not in the file, left in place


def read_graphs(path: Path) -> dict[str, list[ox.Triple]]:
    """Read an RDF file into its named graphs, refusing what graph-by-graph loading would change."""
    rdf_format = rdf_format_for(path)
    if not path.is_file():
        raise BadRequest("no such data file", where=str(path))
    graphs: dict[str, list[ox.Triple]] = collections.defaultdict(list)
    default_triples = 0
    try:
        for quad in ox.parse(path=str(path), format=rdf_format, base_iri=path.resolve().as_uri()):
            if not rdf_format.supports_datasets:
                graphs[data_graph_iri(path)].append(quad.triple)
            elif isinstance(quad.graph_name, ox.DefaultGraph):
                default_triples += 1
            else:
                graphs[quad.graph_name.value].append(quad.triple)
    except SyntaxError as error:
        raise BadRequest(f"cannot parse the file: {error}", where=str(path)) from None
    if default_triples:
        raise BadRequest(
            f"{default_triples} triples are in the default graph; publish loads named graphs only "
            "(the remote default graph is the merge of the named graphs)", where=str(path))
    _refuse_shared_blank_nodes(graphs, path)
    return dict(graphs)


def _refuse_shared_blank_nodes(graphs: dict[str, list[ox.Triple]], path: Path) -> None:
    """Refuse a blank node used in two graphs: uploaded apart, it would become two nodes."""
    owners: dict[ox.BlankNode, str] = {}
    for graph, triples in graphs.items():
        for triple in triples:
            for term in (triple.subject, triple.object):
                if isinstance(term, ox.BlankNode) and owners.setdefault(term, graph) != graph:
                    raise BadRequest(
                        f"blank node _:{term.value} is used in graphs <{owners[term]}> and <{graph}>; "
                        "loaded graph by graph it would become two nodes: give it an IRI",
                        where=str(path))


def staging_graph(graph: str) -> str:
    """Return the staging graph a graph is uploaded into before it is moved into place."""
    return STAGING_GRAPH_PREFIX + hashlib.sha256(graph.encode()).hexdigest()[:24]


def publish_file(path: Path, store: RemoteStore, *, prune: bool = False,
                 progress: Progress | None = None) -> PublishReport:
    """Replace each named graph of an RDF file in the remote store, then refresh the merged default graph."""
    graphs = read_graphs(Path(path))
    report = PublishReport()
    for graph in sorted(graphs):
        triples = graphs[graph]
        staging = staging_graph(graph)
        store.put_graph(staging, ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))
        store.run_update(f"MOVE SILENT GRAPH {ox.NamedNode(staging)} TO GRAPH {ox.NamedNode(graph)}")
        report.graphs[graph] = len(triples)
        log.info("published <%s> (%d triples)", graph, len(triples))
        if progress:
            progress(graph, len(triples))
    others = [iri for iri in store.named_graphs() if iri not in graphs]
    if prune and others:
        store.run_update(" ;\n".join(f"DROP SILENT GRAPH {ox.NamedNode(iri)}" for iri in others))
        report.dropped = others
    else:
        report.kept = others
    store.refresh_union()
    return report


def write_with_union(path: Path, out: Path) -> int:
    """Write a dataset as N-Quads with its merged default graph added (for engines loaded offline)."""
    graphs = read_graphs(Path(path))
    union = ox.NamedNode(UNION_GRAPH)
    quads = [ox.Quad(*triple, ox.NamedNode(graph)) for graph, triples in sorted(graphs.items()) for triple in triples]
    merged = list(dict.fromkeys(ox.Quad(*quad.triple, union) for quad in quads))  # a set: once each
    ox.serialize(quads + merged, output=str(out), format=ox.RdfFormat.N_QUADS)
    return len(quads) + len(merged)
