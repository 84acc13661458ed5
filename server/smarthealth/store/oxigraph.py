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

import logging
import threading
from pathlib import Path

import pyoxigraph as ox

from .. import fetch_guard
from ..errors import BadRequest
from ..sparql_text import add_using_clauses, analyse_update, clear_silently
from .base import DEFAULT_MAX_RESULT_BYTES, DEFAULT_TIMEOUT_S, DEFAULT_WORKER_MEMORY_BYTES, SparqlStore
from .execute import (
    MergedDatasets,
    NeedsNetwork,
    _apply_update,
    _dataset_options,
    _execute,
    _term_text,
    merge_union_into_default_graph,
)
from .results import GRAPH_FORMATS, QueryResult
from .workers import _WorkerPool

log = logging.getLogger(__name__)

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
        service_allowlist: frozenset[str] = frozenset(),
        service_timeout_s: float | None = None,
    ):
        #: SERVICE and LOAD endpoints a query or update may call (normalised IRIs).
        self.service_allowlist = frozenset(service_allowlist)
        #: Time limit of a query that calls SERVICE (None: the store's own).
        self.service_timeout_s = service_timeout_s
        self._store = ox.Store(str(store_dir)) if store_dir else ox.Store()
        self.max_result_bytes = max_result_bytes
        self.worker_memory_bytes = worker_memory_bytes
        self.store_dir = Path(store_dir) if store_dir else None
        self.default_timeout_s = timeout_s
        self._write_lock = threading.Lock()
        self._generation = 0
        self._pool = _WorkerPool(self, workers) if workers > 0 else None
        # Queries that call an allow-listed SERVICE run in a worker outside the network wall.
        self._network_pool = (
            _WorkerPool(self, 1, walled=False) if workers > 0 and self.service_allowlist else None
        )
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
        options["service_allowlist"] = sorted(self.service_allowlist)
        if base_iri:
            options["base_iri"] = base_iri
        if substitutions:
            options["substitutions"] = {name: _term_text(term) for name, term in substitutions.items()}
        if self._pool is None:
            # In-process: no time limit can be enforced (a thread cannot be stopped).
            return _execute(*self._query_view(), sparql, options)
        limit = self.default_timeout_s if timeout_s is None else timeout_s
        try:
            return self._pool.run(sparql, options, limit)
        except NeedsNetwork:
            if self._network_pool is None:
                raise BadRequest("this endpoint does not call other services") from None
            if self.service_timeout_s:
                limit = min(limit, self.service_timeout_s)
            return self._network_pool.run(sparql, options, limit)

    def update(
        self,
        sparql: str,
        *,
        using_graph_uris: list[str] | None = None,
        using_named_graph_uris: list[str] | None = None,
        base_iri: str | None = None,
    ) -> None:
        # Read and judged once, in this process (only holders of the update token get here); the
        # engine runs the judged text, with USING and SILENT put in between its tokens.
        text = analyse_update(sparql, base_iri)
        fetch_guard.enforce(text, self.service_allowlist, self._is_stored_graph)
        sparql = text.text
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
            pool = self._pool
            if fetch_guard.needs_network(text) and self._network_pool is not None:
                pool = self._network_pool  # LOAD from an allow-listed endpoint
            dataset = pool.run_update(sparql, base_iri, self.default_timeout_s)
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

    def _is_stored_graph(self, iri: str) -> bool:
        try:
            return self._store.contains_named_graph(ox.NamedNode(iri))
        except ValueError:
            return False

    def warm_up(self) -> None:
        """Start the worker processes now rather than on the first query."""
        for pool in (self._pool, self._network_pool):
            if pool is not None:
                pool.start()

    def close(self) -> None:
        for pool in (self._pool, self._network_pool):
            if pool is not None:
                pool.close()

