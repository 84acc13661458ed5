"""The store interface that the rest of the project codes against."""

from __future__ import annotations

import abc
from pathlib import Path

from .results import QueryResult


DEFAULT_TIMEOUT_S = 30.0
DEFAULT_MAX_RESULT_BYTES = 100_000_000
#: Address space a query worker may use; past it an allocation fails and the worker stops.
DEFAULT_WORKER_MEMORY_BYTES = 2_000_000_000


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

