"""The embedded Oxigraph store: in memory or on disk, with worker processes for time limits.

``OxigraphStore`` keeps the authoritative data in one Oxigraph store. Without workers it lives in
this process (in memory, or on disk with ``store_dir``) and queries and updates run here, with no
time limit (a thread cannot be stopped). With ``workers``, the data lives on disk (``store_dir``,
or a temporary folder for an "in-memory" store) and three kinds of process share it:

- a short-lived child process loads the files at start (``loading``: this process keeps none of
  the load's memory), then this process hands the store over;
- one writer process, started by the first update, owns the on-disk store (RocksDB allows one
  writer; a read-only endpoint runs none). Each update is applied
  there as one transaction, with the maintenance of the merged default graph, flushed to disk
  before it is answered, and followed by a checkpoint (``Store.backup``: hard links to the
  immutable files, a few milliseconds) into a new snapshot folder. An update past its time or
  memory limit is stopped by killing the writer, which rolls the transaction back; a kill -9 of
  the whole server at any moment leaves the state before or after the update;
- the query workers open the newest snapshot read-only (never the live folder, which RocksDB
  forbids while it is written) and reopen when an update makes a newer one. With ``store_dir``
  they read it in place and hold no copy of the data: their memory does not grow with it, and an
  update's cost does not either. Without it (a graph that fits in memory) each copies the
  snapshot into memory, where joins run about ten times faster than on RocksDB.

Dataset rules (the same in both modes):

- default graph = the RDF merge (a set: a triple stated in several graphs counts once) of all named
  graphs, unless the query has FROM / FROM NAMED or the caller gives ``default_graph_uris`` /
  ``named_graph_uris``. The merge is kept in the store's own default graph (see ``merge``), once,
  for every process; pyoxigraph's union default graph would repeat a triple once per graph;
- caller-given graph lists override the query's FROM / FROM NAMED (SPARQL 1.1 Protocol, 2.1.4);
  when only ``named_graph_uris`` is given the default graph is empty, as the protocol says;
- graphs that are not stored are empty: nothing is ever fetched;
- an explicit list of several default graphs (``FROM`` twice, ``default-graph-uri`` twice) is
  their RDF merge too, made on a scratch copy of those graphs (a few kept per process);
- in an update, the default graph is the same merge; it cannot be written directly (write into a
  named graph): see ``merge``.

A file's triples outside any named graph go into ``urn:smarthealth:data:{file name}``
(``data_files``).

A query whose ``SERVICE`` endpoint fails (refused connection, HTTP error, redirect, an answer that
is not SPARQL results) raises ``BadGateway``; ``SERVICE SILENT`` keeps its meaning.
"""

from __future__ import annotations

import gc
import logging
import os
import shutil
import tempfile
import threading
from pathlib import Path

import pyoxigraph as ox

from .. import fetch_guard
from ..errors import BadRequest, ServerBusy, SmartHealthError
from .base import DEFAULT_MAX_RESULT_BYTES, DEFAULT_TIMEOUT_S, DEFAULT_WORKER_MEMORY_BYTES, SparqlStore
from .data_files import data_graph_iri, rdf_format_for
from .execute import MergedDatasets, NeedsNetwork, _apply_update, _dataset_options, _execute, _term_text
from .loading import load_in_child
from .merge import SCRATCH_GRAPH, materialise_merge
from .process_memory import return_freed_memory
from .results import GRAPH_FORMATS, QueryResult
from .snapshots import Snapshots, open_writable
from .workers import _WorkerPool

log = logging.getLogger(__name__)

#: File in the store's folder written once a load (and the merge) completed; a folder with data
#: but without it was interrupted while loading and is not served as it is.
LOADED_MARKER = "smarthealth-loaded"
#: Named graphs that hold internal state rather than data.
INTERNAL_GRAPHS = frozenset({SCRATCH_GRAPH})


class OxigraphStore(SparqlStore):
    """An Oxigraph store, in memory or on disk, with optional worker processes for time limits."""

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
        self.store_dir = Path(store_dir) if store_dir else None
        self.max_result_bytes = max_result_bytes
        self.worker_memory_bytes = worker_memory_bytes
        self.default_timeout_s = timeout_s
        self._temporary_dir: Path | None = None
        data_dir = self.store_dir
        if workers > 0 and data_dir is None:
            # Query workers read on-disk snapshots, so an "in-memory" store lives in a temporary folder.
            self._temporary_dir = Path(tempfile.mkdtemp(prefix="smarthealth-store-"))
            data_dir = self._temporary_dir / "store"
        self.data_dir = data_dir
        #: Whether the folder held an Oxigraph store before (as opposed to a new one).
        self.existed = bool(data_dir and (data_dir / "CURRENT").exists())
        if data_dir and data_dir.exists() and not self.existed and any(data_dir.iterdir()):
            raise SmartHealthError(f"{data_dir} is not an Oxigraph store folder (it holds other files)")
        #: The authoritative store while this process holds it (always without workers; with
        #: workers, until the writer process takes it over).
        self._store: ox.Store | None = open_writable(data_dir) if data_dir else ox.Store()
        self._merges: MergedDatasets | None = MergedDatasets(self._store)
        self._snapshots = Snapshots(data_dir) if workers > 0 else None
        self._write_lock = threading.Lock()
        self._update_lock = threading.Lock()
        self._generation = 0
        self._count_lock = threading.Lock()
        self._count: tuple[int, int] | None = None  # (generation, number of quads)
        self._graphs: tuple[int, list[str]] | None = None  # (generation, named graphs)
        # With an allow-list, one more worker stays outside the network wall for SERVICE queries.
        self._pool = _WorkerPool(self, workers, open_workers=1 if self.service_allowlist else 0) if workers > 0 else None

    # -- data ------------------------------------------------------------------------------

    @property
    def generation(self) -> int:
        return self._generation

    @property
    def is_loaded(self) -> bool:
        """Return whether an on-disk store completed its last load (an in-memory one always has)."""
        return self.data_dir is None or (self.data_dir / LOADED_MARKER).exists()

    def _read(self, read):
        """Return ``read(store)`` on the authoritative store, or on the newest snapshot.

        A snapshot opened in this process is dropped at once, and the memory RocksDB took to open
        it (the index and filter blocks of every file: 10 to 25 MB at 1M quads) given back: this
        process only reads now and then (the quad count, the graph list, a dump).
        """
        if self._store is not None:
            return read(self._store)
        reader = self._snapshots.reader()
        try:
            return read(reader)
        finally:
            del reader
            return_freed_memory()

    def __len__(self) -> int:
        """Return the number of quads in the named graphs (the merged default graph is derived)."""
        # Counting reads every quad (a second or more at 1M): once per data generation, and
        # never twice at the same time (/health may be polled while the first count runs).
        with self._count_lock:
            generation = self._generation
            if self._count is None or self._count[0] != generation:
                answer = self._read(lambda store: int(next(iter(
                    store.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")))["n"].value))
                self._count = (generation, answer)
            return self._count[1]

    def is_empty(self) -> bool:
        """Return whether the store holds no quad at all."""
        return not self._read(lambda store: bool(store.query("ASK { GRAPH ?g { ?s ?p ?o } }")))

    def named_graphs(self) -> list[str]:
        # Read once per data generation (each update asks whether its graphs are stored).
        with self._count_lock:
            generation = self._generation
            if self._graphs is None or self._graphs[0] != generation:
                graphs = self._read(lambda store: sorted(
                    graph.value for graph in store.named_graphs()
                    if isinstance(graph, ox.NamedNode) and graph.value not in INTERNAL_GRAPHS
                ))
                self._graphs = (generation, graphs)
            return list(self._graphs[1])

    def _writable(self) -> ox.Store:
        if self._store is None:
            raise RuntimeError("files are loaded before the query workers start")
        return self._store

    def load(self, path: Path) -> None:
        """Load an RDF file, then make the merged default graph again."""
        self._load_file(Path(path))
        with self._write_lock:
            self._loaded()

    def _load_file(self, path: Path) -> None:
        rdf_format = rdf_format_for(path)
        if not path.is_file():
            raise BadRequest("no such data file", where=str(path))
        # Triples outside any graph go to the file's own graph: the default graph is the merge.
        target = ox.NamedNode(data_graph_iri(path))
        with self._write_lock:
            store = self._writable()
            self._set_loaded(False)
            try:
                # pyoxigraph resolves no remote JSON-LD context and no XML external entity.
                store.bulk_load(
                    path=str(path), format=rdf_format, base_iri=path.resolve().as_uri(), to_graph=target
                )
            except SyntaxError as error:
                raise BadRequest(f"cannot parse the file: {error}", where=str(path)) from None
        log.info("loaded %s", path)

    def replace_content(self, paths: list[Path]) -> None:
        """Empty the store, then load the given files."""
        if self._snapshots is not None:
            self._replace_content_in_child([Path(path) for path in paths])
            return
        with self._write_lock:
            store = self._writable()
            self._set_loaded(False)
            if self.existed:
                log.info("replacing the content of the store in %s", self.data_dir)
            store.clear()
        for path in paths:
            self._load_file(Path(path))
        with self._write_lock:
            self._loaded()
        log.info("%d quads in the store", len(self))

    def _replace_content_in_child(self, paths: list[Path]) -> None:
        """Load in a short-lived process (see ``loading``): this one only serves, with workers."""
        for path in paths:
            rdf_format_for(path)  # a file of an unknown format is refused before the store is let go
        with self._write_lock:
            self._writable()
            if self.existed:
                log.info("replacing the content of the store in %s", self.data_dir)
            self._store = self._merges = None
            gc.collect()  # pyoxigraph releases the RocksDB lock when the store is dropped
            try:
                quads = load_in_child(self.data_dir, paths)
            finally:
                self._store = open_writable(self.data_dir)
                self._merges = MergedDatasets(self._store)
            self._generation += 1
            self._count = (self._generation, quads)
        for path in paths:
            log.info("loaded %s", path)
        log.info("%d quads in the store", quads)

    def _loaded(self) -> None:
        """Make the merged default graph, make it durable and record the completed load."""
        materialise_merge(self._store)
        self._changed()
        self._set_loaded(True)

    def _set_loaded(self, loaded: bool) -> None:
        if self.data_dir is None:
            return
        marker = self.data_dir / LOADED_MARKER
        if loaded:
            self._store.flush()
            with open(marker, "w") as file:
                file.write("the last load of this store completed\n")
                file.flush()
                os.fsync(file.fileno())
        else:
            marker.unlink(missing_ok=True)

    def dump(self, media_type: str = "application/n-quads") -> bytes:
        rdf_format = GRAPH_FORMATS.get(media_type)
        if rdf_format is None or not rdf_format.supports_datasets:
            raise ValueError(f"a dataset cannot be dumped as {media_type}")
        graphs = self.named_graphs()
        return self._read(lambda store: ox.serialize(
            (quad for graph in graphs for quad in store.quads_for_pattern(None, None, None, ox.NamedNode(graph))),
            format=rdf_format,
        ))

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
            return _execute(self._store, self._merges, sparql, options)
        limit = self.default_timeout_s if timeout_s is None else timeout_s
        try:
            return self._pool.run(sparql, options, limit)
        except NeedsNetwork:
            if self.service_timeout_s:
                limit = min(limit, self.service_timeout_s)
            return self._pool.run(sparql, options, limit, network=True)

    def update(
        self,
        sparql: str,
        *,
        using_graph_uris: list[str] | None = None,
        using_named_graph_uris: list[str] | None = None,
        base_iri: str | None = None,
    ) -> None:
        # Read and judged once, in this process (only holders of the update token get here).
        text, sparql = fetch_guard.checked_update(
            sparql, base_iri=base_iri, service_allowlist=self.service_allowlist,
            is_stored_graph=self._is_stored_graph,
            using_graph_uris=using_graph_uris, using_named_graph_uris=using_named_graph_uris)
        if self._pool is None:
            with self._write_lock:
                _apply_update(self._store, sparql, base_iri)
                self._changed()
            return
        if fetch_guard.needs_network(text):
            raise BadRequest("LOAD from another server is not run here: the writer process has no network; "
                             "load files with smarthealth serve --data, or publish to a remote engine")
        # Updates run one at a time in the writer process; waiting for the previous one is bounded.
        if not self._update_lock.acquire(timeout=self.default_timeout_s):
            raise ServerBusy("another update is still running; try again later", retry_after_s=5)
        try:
            self._pool.run_update(sparql, base_iri, self.default_timeout_s)
        finally:
            self._update_lock.release()
        self._pool.preload()

    def _changed(self) -> None:
        """Record a change of the data in this process (the caller holds the write lock)."""
        if self.data_dir:
            self._store.flush()
        self._merges = MergedDatasets(self._store)  # its scratch datasets hold the old data
        self._generation += 1

    # -- worker processes ------------------------------------------------------------------

    def _new_snapshot(self, generation: int) -> None:
        """Record that the writer made the snapshot of a new data generation."""
        self._generation = generation
        self._snapshots.current = generation

    def hand_over(self) -> Path:
        """Make the first snapshot, then release the on-disk store for the writer process."""
        with self._write_lock:
            if self._store is not None:
                self._store.flush()
                generation = self._generation + 1
                self._store.backup(str(self._snapshots.path(generation)))
                self._new_snapshot(generation)
                self._store = self._merges = None
                gc.collect()  # pyoxigraph releases the RocksDB lock when the store is dropped
                return_freed_memory()
            return self.data_dir

    def _is_stored_graph(self, iri: str) -> bool:
        return iri in self.named_graphs()  # read from the newest snapshot once the writer owns the store

    def warm_up(self) -> None:
        """Start the worker processes now rather than on the first query."""
        if self._pool is not None:
            self._pool.start()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
        if self._snapshots is not None:
            self._snapshots.remove_all()
        if self.data_dir is not None:
            with self._write_lock:
                self._store = self._merges = None
            gc.collect()  # releases the store's lock at once, not when the object goes
        if self._temporary_dir is not None:
            shutil.rmtree(self._temporary_dir, ignore_errors=True)
