"""The endpoint parameter of a federated saved query: checked against the allow-list, put into SERVICE.

A federated saved query names its remote endpoint with the grlc parameter ``?_endpoint_iri``
(required; the header's default is the public endpoint) in ``SERVICE ?_endpoint_iri { ... }``.
pyoxigraph does not take the name of a SERVICE from a VALUES block (it calls SERVICE before the
join: "the variable encoding the service name is unbound"), so the checked IRI is substituted
into the SERVICE clause as a serialised RDF term: never text from the request, always the
normalised IRI of an allow-list entry. grlc, which pastes values in place of variables, gives the
same text. The group inside SERVICE is sent as it is (pyoxigraph sends no bindings with it), so
each federated query narrows it by itself (scheme, type) and caps it with a LIMIT.
"""

from __future__ import annotations

import re

import pyoxigraph as ox

from ..errors import BadRequest
from .allowlist import normalise_endpoint

#: Name of the saved-query parameter that holds the remote endpoint.
ENDPOINT_PARAMETER = "endpoint"


class EndpointNotAllowed(BadRequest):
    """A federated saved query was asked to call an endpoint that is not on the allow-list (HTTP 400)."""


def is_endpoint_parameter(parameter) -> bool:
    """Return whether a saved-query parameter names a SERVICE endpoint."""
    return parameter.name == ENDPOINT_PARAMETER and parameter.type == "iri"


def calls_service(query) -> bool:
    """Return whether a saved query calls another endpoint (a SERVICE clause outside comment lines)."""
    code = "\n".join(line for line in query.text.splitlines() if not line.lstrip().startswith("#"))
    return _ANY_SERVICE.search(code) is not None


def endpoint_term(value: str, allowlist: frozenset[str] | None) -> ox.NamedNode:
    """Return the allow-listed endpoint IRI a value names, or raise EndpointNotAllowed."""
    try:
        iri = normalise_endpoint(value)
    except ValueError as error:
        raise EndpointNotAllowed(f"parameter {ENDPOINT_PARAMETER!r}: {error}") from None
    if allowlist is not None and iri not in allowlist:
        listed = ", ".join(sorted(allowlist)) or "none"
        raise EndpointNotAllowed(
            f"parameter {ENDPOINT_PARAMETER!r}: <{iri}> is not on this server's SERVICE allow-list "
            f"(allowed: {listed}); start the server with --allow-service {iri} to allow it")
    return ox.NamedNode(iri)


def substitute_service(text: str, variable: str, term: ox.NamedNode) -> str:
    """Return the query text with ``SERVICE ?variable`` (or ``SERVICE SILENT ?variable``) naming the term."""
    clause = re.compile(rf"(\bSERVICE\s+(?:SILENT\s+)?)[?$]{re.escape(variable)}\b", re.IGNORECASE)
    return clause.sub(lambda match: match.group(1) + str(term), text)


_ANY_SERVICE = re.compile(r"\bSERVICE\s+(?:SILENT\s+)?(?:[?$][A-Za-z0-9_]+|<)", re.IGNORECASE)


def endpoint_parameter(query):
    """Return the parameter of a saved query that names its SERVICE endpoint, or None."""
    if not calls_service(query):
        return None
    return next((parameter for parameter in query.params if is_endpoint_parameter(parameter)), None)


def text_with_endpoint(query, value: str, select_terms=None) -> str:
    """Return a federated saved query's text with its SERVICE clause naming an endpoint (normalised, not judged).

    The text is for reading and for the editor: whether the endpoint may be called is decided
    when the text runs (the fetch guard, or the API's allow-list check). With ``select_terms``
    (a local SELECT runner) an empty VALUES block in the SERVICE group gets our values, as when
    the API runs the query, so that the text runs the same from the editor.
    """
    from .service_values import fill_service_values

    parameter = endpoint_parameter(query)
    if parameter is None:
        raise EndpointNotAllowed(f"query {query.name!r} calls no SERVICE endpoint named by a parameter")
    text = substitute_service(query.text, parameter.variable, endpoint_term(value, None))
    return fill_service_values(text, select_terms) if select_terms is not None else text
