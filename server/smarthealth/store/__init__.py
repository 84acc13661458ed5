"""The SPARQL store behind the endpoint: one interface, and embedded Oxigraph behind it by default.

Modules, one per role: ``base`` (the interface), ``oxigraph`` (the embedded store), ``data_files``
(the RDF files it loads and their graphs), ``loading`` (loading them in a short-lived process),
``workers`` (the pool of worker processes), ``worker_process`` (what runs in one), ``writer`` (the
process that owns an on-disk store), ``snapshots`` (checkpoints the query workers read), ``merge``
(the merged default graph), ``execute`` (running SPARQL on a pyoxigraph store), ``results`` (query
results and their formats), ``network_wall`` (query workers without a network), ``process_memory``
(giving freed memory back), ``remote`` (any SPARQL 1.1 engine over HTTP), ``remote_http`` (its
credentials and answers), ``publish`` (loading a dataset into such an engine), ``cli`` (the
``smarthealth publish`` command).
"""

from __future__ import annotations

import os
from pathlib import Path

from ..sparql_text import add_using_clauses, clear_silently, query_form
from .base import DEFAULT_MAX_RESULT_BYTES, DEFAULT_TIMEOUT_S, DEFAULT_WORKER_MEMORY_BYTES, SparqlStore
from .execute import MergedDatasets
from .merge import materialise_merge
from .data_files import DATA_GRAPH_PREFIX, RDF_FORMATS_BY_EXTENSION, data_graph_iri, rdf_format_for
from .oxigraph import OxigraphStore
from .results import GRAPH_FORMATS, RESULTS_FORMATS, QueryResult

def open_store(
    data_paths: list[Path] | None = None,
    store_dir: Path | None = None,
    *,
    workers: int = 0,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    max_result_bytes: int = DEFAULT_MAX_RESULT_BYTES,
    worker_memory_bytes: int = DEFAULT_WORKER_MEMORY_BYTES,
    service_allowlist: frozenset[str] = frozenset(),
    service_timeout_s: float | None = None,
) -> OxigraphStore:
    """Open a store (in memory, or on disk in ``store_dir``) and load ``data_paths`` into it.

    Given ``data_paths`` replace the content of an on-disk store; without them it is left as it is. With ``workers=0`` queries run in this process and
    no time limit is enforced; with workers, each query is stopped after ``timeout_s`` seconds.
    """
    store = OxigraphStore(
        store_dir,
        workers=workers,
        timeout_s=timeout_s,
        max_result_bytes=max_result_bytes,
        worker_memory_bytes=worker_memory_bytes,
        service_allowlist=service_allowlist,
        service_timeout_s=service_timeout_s,
    )
    if data_paths:
        try:
            store.replace_content(data_paths)
        except BaseException:
            store.close()  # lets the store's folder go (its lock), for the caller's next try
            raise
    return store


def open_remote_store(
    query_url: str,
    *,
    update_url: str | None = None,
    gsp_url: str | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    max_result_bytes: int = DEFAULT_MAX_RESULT_BYTES,
    service_allowlist: frozenset[str] = frozenset(),
):
    """Open a store on a SPARQL 1.1 engine (credentials: SMARTHEALTH_REMOTE_USER and _PASSWORD)."""
    from .remote import RemoteStore  # imported here: requests is not needed by the embedded store

    return RemoteStore(
        query_url,
        update_url=update_url,
        gsp_url=gsp_url,
        user=os.environ.get("SMARTHEALTH_REMOTE_USER") or None,
        password=os.environ.get("SMARTHEALTH_REMOTE_PASSWORD") or None,
        timeout_s=timeout_s,
        max_result_bytes=max_result_bytes,
        service_allowlist=service_allowlist,
    )


__all__ = [
    "DATA_GRAPH_PREFIX", "DEFAULT_MAX_RESULT_BYTES", "DEFAULT_TIMEOUT_S", "DEFAULT_WORKER_MEMORY_BYTES",
    "GRAPH_FORMATS", "RDF_FORMATS_BY_EXTENSION", "RESULTS_FORMATS", "MergedDatasets", "OxigraphStore",
    "QueryResult", "SparqlStore", "add_using_clauses", "clear_silently", "data_graph_iri",
    "materialise_merge", "open_remote_store", "open_store", "query_form", "rdf_format_for",
]
