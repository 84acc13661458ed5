"""What a query or update may make the server fetch: the first wall against server-side requests.

pyoxigraph is built with an HTTP client, so ``SERVICE`` and ``LOAD`` would fetch from the network.
Every text is read once by ``sparql_text`` and judged here, in the process that then runs exactly
that text (a query worker, or the server process for updates and ``--workers 0``):

- ``SERVICE <iri>`` and ``LOAD <iri>`` only to an endpoint on the allow-list (empty by default);
  ``SERVICE ?variable`` never;
- ``FROM``, ``FROM NAMED``, ``USING`` or ``USING NAMED`` with an IRI of a fetchable scheme (http,
  https, file, ftp) only when it names a stored graph: such a clause only selects stored graphs
  (Oxigraph never fetches a dataset IRI), so a stored graph's IRI is allowed whatever its scheme,
  and a ``urn:`` IRI is allowed as a plain dataset selector (unknown graphs are empty).

The second wall is the operating system's: query workers run without network interfaces unless a
query calls an allow-listed SERVICE (``store.network_wall``).
"""

from __future__ import annotations

from typing import Callable, Iterable

from .errors import BadRequest
from .federation.allowlist import is_allowed
from .sparql_text import Reference, SparqlText, add_using_clauses, analyse_update, clear_silently

FETCHABLE_SCHEMES = ("http", "https", "file", "ftp")


def enforce(
    text: SparqlText,
    service_allowlist: Iterable[str],
    is_stored_graph: Callable[[str], bool],
) -> None:
    """Raise a BadRequest for the first reference of a text that the policy does not allow."""
    allowed = frozenset(service_allowlist)
    for reference in text.references:
        _enforce_one(reference, allowed, is_stored_graph)


def checked_update(
    sparql: str,
    *,
    base_iri: str | None,
    service_allowlist: Iterable[str],
    is_stored_graph: Callable[[str], bool],
    using_graph_uris: list[str] | None = None,
    using_named_graph_uris: list[str] | None = None,
) -> tuple[SparqlText, str]:
    """Read and judge an update once; return the reading and the text for the engine.

    The engine's text is the judged one, with the protocol's USING clauses and CLEAR's SILENT put
    in between its tokens (no token changes).
    """
    text = analyse_update(sparql, base_iri)
    enforce(text, service_allowlist, is_stored_graph)
    engine_text = text.text
    if using_graph_uris or using_named_graph_uris:
        engine_text = add_using_clauses(engine_text, using_graph_uris or [], using_named_graph_uris or [])
    return text, clear_silently(engine_text)


def needs_network(text: SparqlText) -> bool:
    """Return whether running a text calls another server (an allowed SERVICE or LOAD)."""
    return any(ref.clause in ("SERVICE", "LOAD") for ref in text.references)


def _enforce_one(reference: Reference, allowed: frozenset[str], is_stored_graph) -> None:
    iri = reference.iri
    if reference.clause in ("SERVICE", "LOAD"):
        if iri is None:
            raise BadRequest(
                "SERVICE with a variable is not allowed: this endpoint does not query other services"
            )
        if not is_allowed(iri, allowed):
            raise BadRequest(
                f"{reference.clause} <{iri}> is not allowed: this endpoint does not fetch "
                "data from other services or files"
            )
    elif _is_fetchable(iri) and not is_stored_graph(iri):
        raise BadRequest(
            f"{reference.clause} <{iri}> is not allowed: it is not a graph of this dataset "
            "and the endpoint does not fetch remote or local documents"
        )


def _is_fetchable(iri: str | None) -> bool:
    scheme = (iri or "").split(":", 1)[0].lower()
    return scheme in FETCHABLE_SCHEMES
