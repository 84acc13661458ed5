"""Load the graphs the checks work on: the ontology files, the shapes and a data graph or dataset."""

from __future__ import annotations

import logging
from pathlib import Path

from rdflib import Dataset, Graph
from rdflib.graph import ConjunctiveGraph

from ..config import Settings
from ..errors import SmartHealthError
from ..namespaces import bind_prefixes

log = logging.getLogger(__name__)

SHAPES_NAMESPACE = "https://w3id.org/smart-health/shapes#"

# File suffix -> rdflib parser name; quad formats are read into a Dataset and unioned.
RDF_FORMATS = {
    ".trig": "trig",
    ".nq": "nquads",
    ".ttl": "turtle",
    ".nt": "nt",
    ".jsonld": "json-ld",
    ".json": "json-ld",
    ".owl": "xml",
    ".rdf": "xml",
    ".xml": "xml",
}
QUAD_FORMATS = {"trig", "nquads", "json-ld"}


class UnreadableGraph(SmartHealthError):
    """An RDF file is missing, of an unknown format or not parseable."""


def ontology_files(settings: Settings, *, with_imports: bool = True) -> list[Path]:
    """List the ontology's Turtle files: the ontology, its vocabularies and (optionally) the import module."""
    files = [settings.ontology_dir / "smart-health.ttl", settings.ontology_dir / "vocabularies.ttl"]
    if with_imports:
        files.append(settings.ontology_dir / "imports" / "external.ttl")
    return files


def shape_files(settings: Settings) -> list[Path]:
    """List the SHACL shape files, one per concern, in a stable order."""
    return sorted(settings.shapes_dir.glob("*.ttl"))


def parse_files(paths: list[Path]) -> Graph:
    """Parse RDF files into one graph (the union of their triples)."""
    graph = Graph()
    bind_prefixes(graph)
    for path in paths:
        graph += read_graph(path)
    return graph


def load_ontology(settings: Settings, *, with_imports: bool = True) -> Graph:
    """Return the ontology graph: smart-health.ttl, vocabularies.ttl and the import module."""
    return parse_files(ontology_files(settings, with_imports=with_imports))


def load_shapes(settings: Settings) -> Graph:
    """Return all SHACL shapes as one graph."""
    shapes = parse_files(shape_files(settings))
    shapes.bind("smhsh", SHAPES_NAMESPACE)
    shapes.bind("sh", "http://www.w3.org/ns/shacl#")
    return shapes


def read_graph(path: Path | str) -> Graph:
    """Read an RDF file (triples or quads) into one graph: the union of its named graphs."""
    path = Path(path)
    if not path.is_file():
        raise UnreadableGraph("no such file", where=str(path))
    rdf_format = RDF_FORMATS.get(path.suffix.lower())
    if rdf_format is None:
        known = ", ".join(sorted(RDF_FORMATS))
        raise UnreadableGraph(f"unknown RDF file type {path.suffix!r} (known: {known})", where=str(path))
    try:
        if rdf_format in QUAD_FORMATS:
            dataset = Dataset()
            dataset.parse(path, format=rdf_format)
            return union_of(dataset)
        graph = Graph()
        graph.parse(path, format=rdf_format)
    except Exception as error:  # rdflib raises many parser-specific types; report the parser's text
        raise UnreadableGraph(f"not valid {rdf_format}: {error}", where=str(path)) from error
    bind_prefixes(graph)
    return graph


def union_of(data: Graph) -> Graph:
    """Return one graph holding every triple of a graph, or of every named graph of a dataset."""
    if not isinstance(data, ConjunctiveGraph):  # Dataset is a ConjunctiveGraph in rdflib 7
        return data
    union = Graph()
    for subject, predicate, obj, _context in data.quads((None, None, None, None)):
        union.add((subject, predicate, obj))
    bind_prefixes(union)
    return union


def as_graph(data: Graph | Path | str) -> Graph:
    """Accept a graph, a dataset or a path to an RDF file and return one graph of all its triples."""
    if isinstance(data, Graph):
        return union_of(data)
    return read_graph(data)
