"""The RDF files a store loads: their format, told by the extension, and the named graph they go into.

The triples of a triple-format file (Turtle, N-Triples, RDF/XML) go into the named graph
``urn:smarthealth:data:{file name}``, in the embedded store (``oxigraph``) and in a remote engine
(``publish``). The embedded store puts there those of the default graph of a dataset file (TriG,
N-Quads, JSON-LD) too, which ``publish`` refuses: the default graph is the merge of the named graphs.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from ..errors import BadRequest

#: Named graph that receives the triples of a triple-format file (Turtle, N-Triples, RDF/XML)
#: loaded with ``load``; dataset formats (TriG, N-Quads, JSON-LD) keep their own graphs.
DATA_GRAPH_PREFIX = "urn:smarthealth:data:"

#: File extension -> RDF format of files the store can load.
RDF_FORMATS_BY_EXTENSION = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".turtle": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".ntriples": ox.RdfFormat.N_TRIPLES,
    ".trig": ox.RdfFormat.TRIG,
    ".nq": ox.RdfFormat.N_QUADS,
    ".nquads": ox.RdfFormat.N_QUADS,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".json": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".xml": ox.RdfFormat.RDF_XML,
}


def data_graph_iri(path: Path) -> str:
    """Return the named graph IRI that receives the triples of a triple-format file."""
    return DATA_GRAPH_PREFIX + Path(path).name


def rdf_format_for(path: Path) -> ox.RdfFormat:
    """Return the RDF format of a data file from its extension, or raise a BadRequest."""
    try:
        return RDF_FORMATS_BY_EXTENSION[Path(path).suffix.lower()]
    except KeyError:
        known = ", ".join(sorted(RDF_FORMATS_BY_EXTENSION))
        raise BadRequest(
            f"cannot tell the RDF format of {Path(path).name!r}; use one of {known}",
            where=str(path),
        ) from None
