"""The SPARQL store behind the endpoint: a small interface, and Oxigraph behind it.

``SparqlStore`` is what the rest of the project codes against, so that a remote SPARQL 1.1 store
can take Oxigraph's place later. ``OxigraphStore`` keeps the authoritative data in this process
(in memory, or on disk with ``store_dir``) and, when asked for ``workers``, runs queries in a small
pool of worker processes. pyoxigraph has no query timeout and a thread cannot be stopped, so a
query that runs past its time limit is stopped by killing its worker process (SIGKILL); a fresh
worker takes its place. Each worker holds its own in-memory copy of the dataset, loaded from an
N-Quads dump that the main process writes once per data generation (after each update).

Dataset rules (the same in both modes):

- default graph = the RDF merge (a set: a triple stated in several graphs counts once) of the
  store's default graph and all its named graphs, unless the query has FROM / FROM NAMED or the
  caller gives ``default_graph_uris`` / ``named_graph_uris``. pyoxigraph's own union default
  graph repeats a triple once per graph that holds it (COUNT(*) over-counts), so queries run on a
  copy of the data whose default graph holds the merge, made once per data generation;
- caller-given graph lists override the query's FROM / FROM NAMED (SPARQL 1.1 Protocol, 2.1.4);
  when only ``named_graph_uris`` is given the default graph is empty, as the protocol says;
- graphs that are not stored are empty: nothing is ever fetched;
- an explicit list of several default graphs (``FROM`` twice, ``default-graph-uri`` twice) is
  their RDF merge too: pyoxigraph's union would repeat a triple held by more than one of them, so
  the query runs on a scratch copy of those graphs whose default graph holds the merge (made once
  per data generation and graph list, and a few of them kept);
- in an update, the default graph is the store's own default graph (where ``INSERT DATA`` without
  ``GRAPH`` writes), not the merge: use ``GRAPH``, ``USING`` or ``using-graph-uri`` to read the
  named graphs. Several ``USING`` graphs are pyoxigraph's union; as inserts and deletes are set
  operations, a repeated solution changes nothing unless a subquery counts it.

A query whose ``SERVICE`` endpoint fails (refused connection, HTTP error, redirect, an answer that
is not SPARQL results) raises ``BadGateway``; ``SERVICE SILENT`` keeps its meaning.

With workers, an update also runs in a worker, on a copy of the data, under the same time and
memory limits; its result replaces the data in this process (updates run one at a time).
"""

from __future__ import annotations

import abc
import collections
import io
import itertools
import logging
import multiprocessing.connection
import os
import queue
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import pyoxigraph as ox

from .errors import BadGateway, BadRequest, QueryResourceLimit, QueryTimeout, SmartHealthError

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 30.0
DEFAULT_MAX_RESULT_BYTES = 100_000_000
#: Address space a query worker may use; past it an allocation fails and the worker stops.
DEFAULT_WORKER_MEMORY_BYTES = 2_000_000_000

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


class SparqlStore(abc.ABC):
    """A SPARQL 1.1 dataset the endpoint queries and updates."""

    @abc.abstractmethod
    def query(
        self,
        sparql: str,
        *,
        default_graph_uris: list[str] | None = None,
        named_graph_uris: list[str] | None = None,
        substitutions: dict | None = None,
        timeout_s: float | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        """Run a SPARQL query and return its result.

        ``substitutions`` binds variables of the top-level SELECT projection (name without ``?``
        -> pyoxigraph or rdflib term); ``timeout_s`` overrides the store's time limit; relative
        IRIs resolve against ``base_iri``.
        """

    @abc.abstractmethod
    def update(
        self,
        sparql: str,
        *,
        using_graph_uris: list[str] | None = None,
        using_named_graph_uris: list[str] | None = None,
        base_iri: str | None = None,
    ) -> None:
        """Apply a SPARQL update (relative IRIs resolve against ``base_iri``)."""

    @abc.abstractmethod
    def named_graphs(self) -> list[str]:
        """Return the IRIs of the stored named graphs, sorted."""

    @abc.abstractmethod
    def load(self, path: Path) -> None:
        """Load an RDF file (format from its extension) into the store."""

    @abc.abstractmethod
    def dump(self, media_type: str = "application/n-quads") -> bytes:
        """Return the whole dataset in a dataset media type (N-Quads or TriG)."""

    @abc.abstractmethod
    def __len__(self) -> int:
        """Return the number of stored quads."""

    @property
    def generation(self) -> int:
        """Return a number that changes whenever the data changes (for caches)."""
        return 0

    def close(self) -> None:
        """Release the store's resources (worker processes, files)."""


class OxigraphStore(SparqlStore):
    """An Oxigraph store, in memory or on disk, with optional worker processes for timeouts."""

    def __init__(
        self,
        store_dir: Path | None = None,
        *,
        workers: int = 0,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        max_result_bytes: int = DEFAULT_MAX_RESULT_BYTES,
        worker_memory_bytes: int = DEFAULT_WORKER_MEMORY_BYTES,
    ):
        self._store = ox.Store(str(store_dir)) if store_dir else ox.Store()
        self.max_result_bytes = max_result_bytes
        self.worker_memory_bytes = worker_memory_bytes
        self.store_dir = Path(store_dir) if store_dir else None
        self.default_timeout_s = timeout_s
        self._write_lock = threading.Lock()
        self._generation = 0
        self._pool = _WorkerPool(self, workers) if workers > 0 else None
        self._update_lock = threading.Lock()
        self._view_lock = threading.Lock()
        self._view: ox.Store | None = None
        self._view_generation: int | None = None
        self._merges: MergedDatasets | None = None

    # -- data ------------------------------------------------------------------------------

    @property
    def generation(self) -> int:
        return self._generation

    def __len__(self) -> int:
        return len(self._store)

    def is_empty(self) -> bool:
        """Return whether the store holds no quad at all."""
        return len(self._store) == 0

    def named_graphs(self) -> list[str]:
        return sorted(
            graph.value for graph in self._store.named_graphs() if isinstance(graph, ox.NamedNode)
        )

    def load(self, path: Path) -> None:
        path = Path(path)
        rdf_format = rdf_format_for(path)
        if not path.is_file():
            raise BadRequest("no such data file", where=str(path))
        target = None if rdf_format.supports_datasets else ox.NamedNode(data_graph_iri(path))
        with self._write_lock:
            try:
                # pyoxigraph resolves no remote JSON-LD context and no XML external entity.
                self._store.bulk_load(
                    path=str(path), format=rdf_format, base_iri=path.resolve().as_uri(), to_graph=target
                )
            except SyntaxError as error:
                raise BadRequest(f"cannot parse the file: {error}", where=str(path)) from None
            self._changed()
        log.info("loaded %s (%d quads in the store)", path, len(self._store))

    def replace_content(self, paths: list[Path]) -> None:
        """Empty the store, then load the given files."""
        if not self.is_empty():
            log.info("replacing the content of the store%s", f" in {self.store_dir}" if self.store_dir else "")
            with self._write_lock:
                self._store.clear()
                self._changed()
        for path in paths:
            self.load(Path(path))

    def dump(self, media_type: str = "application/n-quads") -> bytes:
        rdf_format = GRAPH_FORMATS.get(media_type)
        if rdf_format is None or not rdf_format.supports_datasets:
            raise ValueError(f"a dataset cannot be dumped as {media_type}")
        return self._store.dump(format=rdf_format)

    def dump_to(self, path: Path) -> None:
        """Write the whole dataset as N-Quads to a file."""
        self._store.dump(output=str(path), format=ox.RdfFormat.N_QUADS)

    # -- SPARQL ----------------------------------------------------------------------------

    def query(
        self,
        sparql: str,
        *,
        default_graph_uris: list[str] | None = None,
        named_graph_uris: list[str] | None = None,
        substitutions: dict | None = None,
        timeout_s: float | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        options = _dataset_options(default_graph_uris, named_graph_uris)
        options["max_result_bytes"] = self.max_result_bytes
        if base_iri:
            options["base_iri"] = base_iri
        if substitutions:
            options["substitutions"] = {name: _term_text(term) for name, term in substitutions.items()}
        if self._pool is None:
            # In-process: no time limit can be enforced (a thread cannot be stopped).
            return _execute(*self._query_view(), sparql, options)
        return self._pool.run(sparql, options, self.default_timeout_s if timeout_s is None else timeout_s)

    def update(
        self,
        sparql: str,
        *,
        using_graph_uris: list[str] | None = None,
        using_named_graph_uris: list[str] | None = None,
        base_iri: str | None = None,
    ) -> None:
        if using_graph_uris or using_named_graph_uris:
            sparql = add_using_clauses(sparql, using_graph_uris or [], using_named_graph_uris or [])
        sparql = clear_silently(sparql)
        if self._pool is None:
            with self._write_lock:
                _apply_update(self._store, sparql, base_iri)
                self._changed()
            return
        # With workers, the update runs in one of them on a copy of the data, under the same time
        # and memory limits as a query; the result replaces the data here. Updates run one at a
        # time, so no update is lost between the copy and the replacement.
        with self._update_lock:
            dataset = self._pool.run_update(sparql, base_iri, self.default_timeout_s)
            with self._write_lock:
                self._store.clear()
                self._store.load(dataset, format=ox.RdfFormat.N_QUADS)
                self._changed()
        self._pool.preload()

    def _changed(self) -> None:
        """Record a change of the data (the caller holds the write lock)."""
        if self.store_dir:
            self._store.flush()
        self._generation += 1

    def _query_view(self) -> tuple[ox.Store, MergedDatasets]:
        """Return the in-memory copy that queries run on in this process, remade after changes."""
        with self._view_lock:
            if self._view_generation != self._generation:
                with self._write_lock:
                    generation, dump = self._generation, self._store.dump(format=ox.RdfFormat.N_QUADS)
                view = ox.Store()
                view.bulk_load(dump, format=ox.RdfFormat.N_QUADS)
                merge_union_into_default_graph(view)
                self._view, self._view_generation = view, generation
                self._merges = MergedDatasets(view)
            return self._view, self._merges

    def warm_up(self) -> None:
        """Start the worker processes now rather than on the first query."""
        if self._pool is not None:
            self._pool.start()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()


def open_store(
    data_paths: list[Path] | None = None,
    store_dir: Path | None = None,
    *,
    workers: int = 0,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    max_result_bytes: int = DEFAULT_MAX_RESULT_BYTES,
    worker_memory_bytes: int = DEFAULT_WORKER_MEMORY_BYTES,
) -> OxigraphStore:
    """Open a store (in memory, or on disk in ``store_dir``) and load ``data_paths`` into it.

    An on-disk store that already holds data is served as it is when no ``data_paths`` are given;
    given ``data_paths`` replace its content. With ``workers=0`` queries run in this process and
    no time limit is enforced; with workers, each query is stopped after ``timeout_s`` seconds.
    """
    store = OxigraphStore(
        store_dir,
        workers=workers,
        timeout_s=timeout_s,
        max_result_bytes=max_result_bytes,
        worker_memory_bytes=worker_memory_bytes,
    )
    if data_paths:
        store.replace_content(data_paths)
    return store


# -- dataset and query helpers ------------------------------------------------------------------

def _dataset_options(default_graph_uris: list[str] | None, named_graph_uris: list[str] | None) -> dict:
    """Return pyoxigraph's dataset arguments for a query, following the protocol's rules."""
    if default_graph_uris or named_graph_uris:
        return {
            "default_graph": list(default_graph_uris or []),
            "named_graphs": list(named_graph_uris or []),
        }
    # The query's FROM / FROM NAMED, if any, apply; otherwise the default graph of the query
    # copy, which holds the merge of all graphs.
    return {}


def merge_union_into_default_graph(store: ox.Store) -> None:
    """Add every triple of every named graph to the default graph of a (query copy) store."""
    store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")


#: How many scratch datasets (several default graphs merged) a query copy keeps for reuse.
MERGED_DATASETS_KEPT = 8


class MergedDatasets:
    """Scratch datasets made from a query copy, whose default graph is the RDF merge of some graphs."""

    def __init__(self, source: ox.Store, kept: int = MERGED_DATASETS_KEPT):
        self._source = source
        self._kept = kept
        self._datasets: collections.OrderedDict[tuple, ox.Store] = collections.OrderedDict()
        self._lock = threading.Lock()

    def dataset(self, default_graphs: tuple[str, ...], named_graphs: tuple[str, ...]) -> ox.Store:
        """Return a store whose default graph merges ``default_graphs`` and that holds ``named_graphs``."""
        key = (default_graphs, named_graphs)
        with self._lock:
            if key in self._datasets:
                self._datasets.move_to_end(key)
                return self._datasets[key]
            merged = ox.Store()
            # A store is a set of quads: a triple of several of the graphs is held once.
            merged.extend(
                ox.Quad(quad.subject, quad.predicate, quad.object, ox.DefaultGraph())
                for iri in default_graphs
                for quad in self._source.quads_for_pattern(None, None, None, ox.NamedNode(iri))
            )
            merged.extend(
                quad
                for iri in named_graphs
                for quad in self._source.quads_for_pattern(None, None, None, ox.NamedNode(iri))
            )
            self._datasets[key] = merged
            if len(self._datasets) > self._kept:
                self._datasets.popitem(last=False)
            return merged


def _dataset_arguments(
    store: ox.Store, merges: MergedDatasets, sparql: str, arguments: dict
) -> tuple[ox.Store, dict]:
    """Return the store to query and pyoxigraph's dataset arguments, merging several default graphs."""
    default_graphs = arguments.pop("default_graph", None)
    named_graphs = arguments.pop("named_graphs", None)
    if default_graphs is None and _has_several_from_clauses(sparql):
        clauses = dataset_clauses(sparql, arguments.get("base_iri"))
        if clauses is not None:
            default_graphs, named_graphs = clauses
    if default_graphs is None:
        return store, arguments  # the query's own dataset, or the merge of all graphs
    default_graphs = list(dict.fromkeys(default_graphs))
    named_graphs = list(dict.fromkeys(named_graphs or []))
    arguments["named_graphs"] = [ox.NamedNode(iri) for iri in named_graphs]
    if len(default_graphs) > 1:
        store = merges.dataset(tuple(sorted(default_graphs)), tuple(sorted(named_graphs)))
        arguments["default_graph"] = ox.DefaultGraph()
    else:
        arguments["default_graph"] = [ox.NamedNode(iri) for iri in default_graphs]
    return store, arguments


_FROM = re.compile(r"from", re.IGNORECASE)


def _has_several_from_clauses(sparql: str) -> bool:
    """Return whether a query has more than one ``FROM`` clause (not counting ``FROM NAMED``)."""
    if len(_FROM.findall(sparql)) < 2:  # most queries: no token scan
        return False
    words = [text.upper() for kind, text, _, depth in _tokens(sparql) if kind == "word" and depth == 0]
    from_clauses = sum(
        1 for word, following in zip(words, words[1:] + [""]) if word == "FROM" and following != "NAMED"
    )
    return from_clauses > 1


def dataset_clauses(sparql: str, base_iri: str | None = None) -> tuple[list[str], list[str]] | None:
    """Return the IRIs of a query's FROM and FROM NAMED clauses, or None if rdflib cannot parse it."""
    # Imported here: rdflib takes a while to import, and only queries with several FROM need it.
    from rdflib.plugins.sparql.algebra import translatePrologue
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        parsed = parseQuery(sparql)
        prologue = translatePrologue(parsed[0], base_iri)
        default_graphs, named_graphs = [], []
        for clause in dict.get(parsed[1], "datasetClause") or []:
            if "named" in clause:
                named_graphs.append(str(prologue.absolutize(dict.get(clause, "named"))))
            else:
                default_graphs.append(str(prologue.absolutize(dict.get(clause, "default"))))
    except Exception:  # pyparsing's ParseException, RecursionError, rdflib's bare Exception for a prefix
        return None  # pyoxigraph then reports the syntax error in its own words
    return default_graphs, named_graphs


_TOKEN = re.compile(
    r"""
      (?P<comment>\#[^\r\n]*)
    | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
                 |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<open>\{) | (?P<close>\})
    | (?P<word>[A-Za-z_][A-Za-z0-9_\-]*(?::[^\s{}()<>,;]*)?|[?$][A-Za-z0-9_]+)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


def _tokens(sparql: str) -> Iterable[tuple[str, str, int, int]]:
    """Yield (kind, text, start, brace depth) for the tokens of a query or update."""
    depth = 0
    for match in _TOKEN.finditer(sparql):
        kind = match.lastgroup
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth -= 1
        yield kind, match.group(), match.start(), depth


def keywords(sparql: str) -> Iterable[str]:
    """Yield the bare words (keywords, not prefixed names) of a query outside strings, IRIs and comments."""
    for kind, text, _, _ in _tokens(sparql):
        if kind == "word" and ":" not in text and text[0] not in "?$":
            yield text


def add_using_clauses(update: str, using: list[str], using_named: list[str]) -> str:
    """Return an update whose DELETE/INSERT operations carry the protocol's USING graphs.

    The SPARQL 1.1 Protocol (2.2.3) makes ``using-graph-uri`` / ``using-named-graph-uri`` act as
    USING / USING NAMED on every operation; an update that names its own USING or WITH together
    with them is an error.
    """
    clauses = "".join(f" USING <{_check_iri(iri)}>" for iri in using) + "".join(
        f" USING NAMED <{_check_iri(iri)}>" for iri in using_named
    )
    insert_at = []
    previous = ("", "")
    for kind, text, start, depth in _tokens(update):
        if kind == "comment" or (kind == "other" and text.isspace()):
            continue
        word = text.upper() if kind == "word" else ""
        if depth == 0 and word in ("USING", "WITH"):
            raise BadRequest(
                "an update with its own USING or WITH clause cannot be combined with "
                "using-graph-uri or using-named-graph-uri"
            )
        # "DELETE WHERE { ... }" takes no USING; "INSERT/DELETE { ... } WHERE" does.
        if depth == 0 and word == "WHERE" and previous != ("word", "DELETE"):
            insert_at.append(start)
        previous = (kind, word)
    for position in reversed(insert_at):
        update = update[:position] + clauses.strip() + " " + update[position:]
    return update


def clear_silently(update: str) -> str:
    """Return an update whose CLEAR operations succeed on graphs the store does not hold.

    Oxigraph records graphs and fails a CLEAR of an unknown one; this endpoint treats every graph
    it does not hold as empty (as queries do), and clearing an empty graph is a no-op.
    """
    insert_at = []
    previous = ""
    for kind, text, start, depth in _tokens(update):
        if kind == "comment" or (kind == "other" and text.isspace()):
            continue
        word = text.upper() if kind == "word" else ""
        if depth == 0 and previous == "CLEAR" and word != "SILENT":
            insert_at.append(start)
        previous = word if depth == 0 else ""
    for position in reversed(insert_at):
        update = update[:position] + "SILENT " + update[position:]
    return update


def _check_iri(iri: str) -> str:
    """Refuse a graph IRI that could break out of the IRI syntax."""
    if re.search(r"[<>\"{}|^`\\\s]", iri) or not iri:
        raise BadRequest(f"not a valid IRI: {iri!r}")
    return iri


def _term_text(term) -> str:
    """Write a pyoxigraph or rdflib term in N-Triples syntax (how substitutions cross processes)."""
    if isinstance(term, (ox.NamedNode, ox.BlankNode, ox.Literal)):
        return str(term)
    if hasattr(term, "n3") and not hasattr(term, "triples"):  # an rdflib term, not a graph
        return term.n3()
    raise TypeError(f"a substitution must be an RDF term, not {type(term).__name__}")


def _parse_term(text: str):
    """Parse one RDF term written in N-Triples syntax (how substitutions cross processes)."""
    quads = list(ox.parse(f"<urn:x:s> <urn:x:p> {text} .".encode(), format=ox.RdfFormat.N_TRIPLES))
    return quads[0].object


def _apply_update(store: ox.Store, sparql: str, base_iri: str | None) -> None:
    """Apply an update to a pyoxigraph store, reporting the client's mistakes as BadRequest."""
    try:
        store.update(sparql, base_iri=base_iri)
    except SyntaxError as error:
        raise BadRequest(f"malformed update: {error}") from None
    except RuntimeError as error:
        # DROP of a graph that does not exist, and other refusals of the update.
        raise BadRequest(f"the update cannot be applied: {error}") from None
    except OSError as error:
        # LOAD of an unreachable or unparsable document, a failed SERVICE.
        raise BadRequest(f"the update failed: {error}") from None


def _execute(store: ox.Store, merges: MergedDatasets, sparql: str, options: dict) -> QueryResult:
    """Run a query on a pyoxigraph store and return its result in the wire formats."""
    arguments = dict(options)
    max_result_bytes = arguments.pop("max_result_bytes", DEFAULT_MAX_RESULT_BYTES)
    store, arguments = _dataset_arguments(store, merges, sparql, arguments)
    if "substitutions" in arguments:
        arguments["substitutions"] = {
            ox.Variable(name): _parse_term(text) for name, text in arguments["substitutions"].items()
        }
    try:
        answer = store.query(sparql, **arguments)
    except SyntaxError as error:
        raise BadRequest(f"malformed query: {error}") from None
    except (OSError, RuntimeError) as error:  # ASK runs here, and with it its SERVICE calls
        _raise_if_service_failed(sparql, error)
        if isinstance(error, OSError):
            raise
        raise BadRequest(f"the query cannot be run: {error}") from None
    if isinstance(answer, ox.QueryBoolean):
        return QueryResult(
            "ask", boolean=bool(answer), payload=answer.serialize(format=_SOLUTIONS_WIRE_FORMAT)
        )
    # Solutions are computed while they are written: the cap stops a huge result early, before
    # it fills the memory of the machine (a cross join writes about 100 MB per second).
    output = _CappedBuffer(max_result_bytes)
    try:
        if isinstance(answer, ox.QuerySolutions):
            variables = [variable.value for variable in answer.variables]
            answer.serialize(output=output, format=_SOLUTIONS_WIRE_FORMAT)
            return QueryResult("select", variables=variables, payload=bytes(output.data))
        answer.serialize(output=output, format=_TRIPLES_WIRE_FORMAT)
        return QueryResult("graph", payload=bytes(output.data))
    except ResultTooLarge:
        raise BadRequest(
            f"the result is larger than {max_result_bytes // 1_000_000} MB; "
            "add a LIMIT or narrow the query"
        ) from None
    except (OSError, RuntimeError) as error:  # solutions, and SERVICE calls, are computed here
        _raise_if_service_failed(sparql, error)
        raise


#: Words of pyoxigraph's error text -> what a SERVICE endpoint did, for the user.
_SERVICE_FAILURES = (
    ("redirect", "the endpoint answered with a redirect, which this server does not follow"),
    ("returned by", "the endpoint answered with an HTTP error"),
    ("content-type", "the endpoint answered with something other than SPARQL results"),
    ("parser error", "the endpoint answered with SPARQL results that cannot be read"),
)


def _raise_if_service_failed(sparql: str, error: Exception) -> None:
    """Raise a BadGateway if a query calls a SERVICE and the error is one of a remote call."""
    if not any(word.upper() == "SERVICE" for word in keywords(sparql)):
        return
    detail = f"{type(error).__name__}: {error}"
    text = str(error).lower()
    if isinstance(error, ConnectionRefusedError):
        reason = "the endpoint refused the connection"
    elif isinstance(error, TimeoutError):
        reason = "the endpoint did not answer in time"
    else:
        reason = next(
            (reason for words, reason in _SERVICE_FAILURES if words in text),
            "the endpoint could not be reached" if isinstance(error, OSError) else
            "the endpoint's answer could not be used",
        )
    raise BadGateway(reason, detail=detail) from None


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


# -- worker processes ---------------------------------------------------------------------------


def _worker_main(connection) -> None:
    """Serve queries sent over ``connection`` from an in-memory copy of the dataset."""
    # Ctrl-C in a terminal reaches the whole process group; the parent decides when we stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    store = ox.Store()
    merges = MergedDatasets(store)
    generation = None
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return
        operation = message[0]
        wanted_generation, dump_path = message[1], message[2]
        try:
            if operation == "update":
                # A fresh copy without the merged default graph: the update sees the stored data.
                copy = ox.Store()
                copy.bulk_load(path=dump_path, format=ox.RdfFormat.N_QUADS)
                _apply_update(copy, message[3], message[4])
                connection.send(("updated", copy.dump(format=ox.RdfFormat.N_QUADS)))
                continue
            if wanted_generation != generation:
                store, generation = ox.Store(), None
                store.bulk_load(path=dump_path, format=ox.RdfFormat.N_QUADS)
                merge_union_into_default_graph(store)
                merges = MergedDatasets(store)
                generation = wanted_generation
            if operation == "load":
                connection.send(("loaded", generation))
                continue
            result = _execute(store, merges, message[3], message[4])
            reply = ("ok", result.kind, result.variables, result.boolean, result.payload)
        except BadRequest as error:
            reply = ("bad-request", error.message)
        except BadGateway as error:
            reply = ("bad-gateway", error.message, error.detail)
        except Exception as error:  # reported to the parent, which logs it as an internal error
            reply = ("error", f"{type(error).__name__}: {error}")
        if operation == "load":
            reply = ("loaded", generation)  # a failed load is retried with the next query
        connection.send(reply)


# The worker is a fresh interpreter started with this one line, not a multiprocessing child:
# multiprocessing's "spawn" re-runs the parent's __main__ (``python -m smarthealth`` would start
# the CLI again) and "fork" is unsafe in a threaded server.
_WORKER_COMMAND = (
    "import sys; from smarthealth.store import _worker_entry; "
    "_worker_entry(int(sys.argv[1]), int(sys.argv[2]))"
)


def _worker_entry(fd: int, memory_bytes: int) -> None:
    """Run a worker on the socket inherited as file descriptor ``fd``, within ``memory_bytes``."""
    if memory_bytes > 0:
        # A query that sorts or groups a huge join would otherwise take the machine's memory
        # before its time limit; past this limit the allocation fails and the worker aborts.
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    _worker_main(multiprocessing.connection.Connection(fd))


class _Worker:
    """One worker process and the parent's end of its socket."""

    _numbers = itertools.count(1)

    def __init__(self, memory_bytes: int):
        self.number = next(self._numbers)
        parent_end, child_end = socket.socketpair()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", _WORKER_COMMAND, str(child_end.fileno()), str(memory_bytes)],
                pass_fds=(child_end.fileno(),),
                stdin=subprocess.DEVNULL,
            )
        finally:
            child_end.close()
        self.connection = multiprocessing.connection.Connection(parent_end.detach())

    def kill(self) -> None:
        """Stop the process at once (SIGKILL) and reap it."""
        self.process.kill()
        self.process.wait(timeout=5)
        self.connection.close()


class _WorkerPool:
    """A fixed number of query worker processes, each with its own copy of the dataset."""

    def __init__(self, owner: OxigraphStore, size: int):
        self._owner = owner
        self._size = size
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._pid = None
        self._dump_dir: Path | None = None
        self._dump_generation = None
        self._dump_path: Path | None = None
        self._workers: set[_Worker] = set()

    def start(self) -> None:
        """Start the workers (again, in a forked child such as a gunicorn worker)."""
        with self._lock:
            self._start_locked()

    def _start_locked(self) -> None:
        if self._pid == os.getpid():
            return
        # After a fork the parent's workers and pipes belong to the parent: forget them.
        self._idle = queue.Queue()
        self._workers = set()
        self._dump_generation = None
        self._dump_dir = Path(tempfile.mkdtemp(prefix="smarthealth-dumps-"))
        self._pid = os.getpid()
        self._refresh_dump_locked()
        for _ in range(self._size):
            self._add_worker_locked()

    def _add_worker_locked(self) -> None:
        worker = _Worker(self._owner.worker_memory_bytes)
        self._workers.add(worker)
        # Load the data now, in the background of the new process, not during the first query.
        worker.connection.send(("load", self._dump_generation, str(self._dump_path)))
        self._idle.put(worker)

    def _refresh_dump_locked(self) -> tuple[int, Path]:
        """Write the dataset for the workers when it changed since the last dump."""
        generation = self._owner.generation
        if generation != self._dump_generation:
            # A /tmp cleaner may have removed the folder since the server started.
            self._dump_dir.mkdir(parents=True, exist_ok=True)
            path = self._dump_dir / f"generation-{generation}.nq"
            with self._owner._write_lock:
                self._owner.dump_to(path)
            # Keep the previous dump: a worker may be reading it right now.
            for old in self._dump_dir.glob("generation-*.nq"):
                if old != path and old != self._dump_path:
                    old.unlink(missing_ok=True)
            self._dump_generation, self._dump_path = generation, path
        return self._dump_generation, self._dump_path

    def preload(self) -> None:
        """Have the idle workers load the current data now, rather than in the next query."""
        with self._lock:
            if self._pid != os.getpid():
                return
            generation, dump_path = self._refresh_dump_locked()
            for _ in range(self._idle.qsize()):
                try:
                    worker = self._idle.get_nowait()
                except queue.Empty:
                    break
                worker.connection.send(("load", generation, str(dump_path)))
                self._idle.put(worker)

    def run(self, sparql: str, options: dict, timeout_s: float) -> QueryResult:
        """Run a query in a worker; kill the worker and raise QueryTimeout past the time limit."""
        reply = self._call("query", (sparql, options), timeout_s)
        _, kind, variables, boolean, payload = reply
        return QueryResult(kind, variables=variables, boolean=boolean, payload=payload)

    def run_update(self, sparql: str, base_iri: str | None, timeout_s: float) -> bytes:
        """Apply an update to a copy of the data in a worker; return the new data as N-Quads."""
        return self._call("update", (sparql, base_iri), timeout_s)[1]

    def _call(self, operation: str, arguments: tuple, timeout_s: float) -> tuple:
        """Send an operation to an idle worker and return its reply, within the time limit."""
        started = time.monotonic()
        with self._lock:
            self._start_locked()
            generation, dump_path = self._refresh_dump_locked()
        try:
            worker = self._idle.get(timeout=timeout_s)
        except queue.Empty:
            raise QueryTimeout(
                f"all query workers stayed busy for {timeout_s:g} s; try again later"
            ) from None
        try:
            worker.connection.send((operation, generation, str(dump_path)) + arguments)
            reply = self._receive(worker, started + timeout_s, timeout_s, operation)
        except QueryTimeout:
            self._replace(worker, reason=f"the {operation} ran past its time limit")
            raise
        except (EOFError, OSError) as error:
            try:  # it is exiting: read its exit status before any SIGKILL replaces it
                worker.process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                pass
            self._replace(worker, reason=f"the worker died ({error!r}, exit status {worker.process.returncode})")
            if worker.process.returncode == -signal.SIGABRT:  # an allocation past the limit
                raise QueryResourceLimit(
                    f"the {operation} needed more than {self._owner.worker_memory_bytes // 1_000_000} MB "
                    "of memory and was stopped; add a LIMIT or narrow it"
                ) from None
            raise SmartHealthError(f"the {operation} could not be evaluated") from None
        self._idle.put(worker)
        status = reply[0]
        if status in ("ok", "updated"):
            return reply
        if status == "bad-request":
            raise BadRequest(reply[1])
        if status == "bad-gateway":
            raise BadGateway(reply[1], detail=reply[2])
        log.error("query worker failed: %s", reply[1])
        raise SmartHealthError(f"the {operation} could not be evaluated")

    def _receive(self, worker: _Worker, deadline: float, timeout_s: float, operation: str):
        """Return the worker's reply, skipping acknowledgements of earlier loads."""
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not worker.connection.poll(remaining):
                raise QueryTimeout(
                    f"the {operation} ran past the time limit of {timeout_s:g} s and was stopped"
                    + ("; simplify it or add a LIMIT" if operation == "query" else "; nothing was changed")
                )
            reply = worker.connection.recv()
            if reply[0] == "loaded":
                continue
            return reply

    def _replace(self, worker: _Worker, reason: str) -> None:
        log.warning("killing query worker %d: %s", worker.number, reason)
        worker.kill()
        with self._lock:
            self._workers.discard(worker)
            if self._pid == os.getpid():
                self._add_worker_locked()

    def close(self) -> None:
        """Stop every worker and remove the dumps."""
        with self._lock:
            if self._pid != os.getpid():
                return
            for worker in list(self._workers):
                worker.kill()
            self._workers.clear()
            if self._dump_dir is not None:
                shutil.rmtree(self._dump_dir, ignore_errors=True)
            self._pid = None


def query_form(sparql: str) -> str | None:
    """Return the form keyword (SELECT, ASK, CONSTRUCT, DESCRIBE) a query starts with, if found."""
    for word in keywords(sparql):
        if word.upper() in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
            return word.upper()
    return None
