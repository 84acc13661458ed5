"""Query results and their serialisations: the lossless wire formats and the protocol's media types."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import pyoxigraph as ox

#: Media type -> format of SELECT and ASK results.
RESULTS_FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}

#: Media type -> format of CONSTRUCT and DESCRIBE results (and of dumps).
GRAPH_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/trig": ox.RdfFormat.TRIG,
    "application/n-quads": ox.RdfFormat.N_QUADS,
}

# Results travel between processes in lossless formats; other formats are made on demand.
_SOLUTIONS_WIRE_FORMAT = ox.QueryResultsFormat.JSON
_TRIPLES_WIRE_FORMAT = ox.RdfFormat.N_TRIPLES


@dataclass
class QueryResult:
    """The answer to a SPARQL query, kept in a lossless serialisation until asked for another."""

    kind: str  # "select" | "ask" | "graph"
    variables: list[str] = field(default_factory=list)
    boolean: bool | None = None
    #: SPARQL JSON results for "select" and "ask", N-Triples for "graph".
    payload: bytes = b""

    @property
    def wire_media_type(self) -> str:
        """Return the media type of ``payload``."""
        return "application/n-triples" if self.kind == "graph" else "application/sparql-results+json"

    @property
    def rows(self) -> list[dict[str, ox.NamedNode | ox.BlankNode | ox.Literal]]:
        """Return the solutions of a SELECT as dicts of variable name to pyoxigraph term."""
        if self.kind != "select":
            raise TypeError(f"a {self.kind} result has no rows")
        solutions = ox.parse_query_results(self.payload, format=_SOLUTIONS_WIRE_FORMAT)
        names = [variable.value for variable in solutions.variables]
        rows = []
        for solution in solutions:
            row = {}
            for name in names:
                value = solution[name]
                if value is not None:
                    row[name] = value
            rows.append(row)
        return rows

    @property
    def triples(self) -> list[ox.Triple]:
        """Return the triples of a CONSTRUCT or DESCRIBE result."""
        if self.kind != "graph":
            raise TypeError(f"a {self.kind} result has no triples")
        return [quad.triple for quad in ox.parse(self.payload, format=_TRIPLES_WIRE_FORMAT)]

    def serialize(self, media_type: str, prefixes: dict[str, str] | None = None) -> bytes:
        """Return the result in one of the protocol's media types (see RESULTS_FORMATS, GRAPH_FORMATS)."""
        if media_type == self.wire_media_type:
            return self.payload
        if self.kind == "graph":
            rdf_format = GRAPH_FORMATS.get(media_type)
            if rdf_format is None:
                raise ValueError(f"graph results cannot be serialised as {media_type}")
            quads = ox.parse(self.payload, format=_TRIPLES_WIRE_FORMAT)
            used = _used_prefixes(self.payload, prefixes) if rdf_format in _PREFIXED_FORMATS else None
            return ox.serialize(quads, format=rdf_format, prefixes=used or None)
        results_format = RESULTS_FORMATS.get(media_type)
        if results_format is None:
            raise ValueError(f"{self.kind} results cannot be serialised as {media_type}")
        parsed = ox.parse_query_results(self.payload, format=_SOLUTIONS_WIRE_FORMAT)
        return parsed.serialize(format=results_format)


_PREFIXED_FORMATS = {ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML}


def _used_prefixes(payload: bytes, prefixes: dict[str, str] | None) -> dict[str, str]:
    """Keep the prefixes whose namespace occurs in the payload, so output carries no unused ones."""
    if not prefixes:
        return {}
    return {name: iri for name, iri in prefixes.items() if f"<{iri}".encode() in payload}



class ResultTooLarge(Exception):
    """A query result passed the size cap while it was written."""


class _CappedBuffer(io.RawIOBase):
    """A writable buffer that refuses to grow past a number of bytes."""

    def __init__(self, limit: int):
        super().__init__()
        self.data = bytearray()
        self.limit = limit

    def writable(self) -> bool:
        return True

    def write(self, chunk) -> int:
        self.data += chunk
        if len(self.data) > self.limit:
            raise ResultTooLarge()
        return len(chunk)

