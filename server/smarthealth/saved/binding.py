"""Bind user values to a saved query as typed RDF terms, never by pasting them into its text.

The only text added to a query is a VALUES block made of the parameter variables (names fixed by
the query file) and terms serialised by pyoxigraph after validation; it goes at the place
computed once when the query was loaded (right after the ``{`` of the top-level WHERE group). A
left-out optional parameter is simply not in the block, so its variable stays unbound.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Callable, Mapping

import pyoxigraph as ox

from ..federation.endpoints import endpoint_term, is_endpoint_parameter, substitute_service
from .catalog import SavedQuery
from .params import Parameter, ParameterError, allowed_values, candidate_iris, literal_term

log = logging.getLogger(__name__)

#: Request arguments that are not query parameters.
RESERVED_ARGUMENTS = {"page", "format"}

#: Called with a candidate IRI; returns whether the graph mentions it (as subject or object).
IriExists = Callable[[str], bool]


@dataclass(frozen=True)
class BoundQuery:
    """A saved query with its values: the SPARQL to run and the terms it was given."""

    query: SavedQuery
    sparql: str
    terms: dict[str, ox.NamedNode | ox.Literal]
    page: int | None = None


def bind(
    query: SavedQuery,
    arguments: Mapping[str, str],
    *,
    base_iri: str,
    iri_exists: IriExists | None = None,
    service_allowlist: frozenset[str] | None = None,
) -> BoundQuery:
    """Check the arguments against the query's parameters and return the query to run."""
    # service_allowlist: the endpoints an ``endpoint`` parameter may name (None: not checked,
    # for rendering the text only); such a value names a SERVICE, not a resource of the graph.
    # iri_exists resolves short keys and refuses IRIs that name nothing in the graph; without it
    # (no store at hand) a short key becomes its first IRI pattern and IRIs are not looked up.
    known = {p.name for p in query.params}
    for name in arguments:
        if name not in known and name not in RESERVED_ARGUMENTS:
            expected = ", ".join(sorted(known)) or "none"
            raise ParameterError(
                f"unknown parameter {name!r} for query {query.name!r}; its parameters: {expected}")
    given: list[tuple[Parameter, str]] = []
    for parameter in query.params:
        raw = arguments.get(parameter.name)
        if raw is None or raw == "":
            raw = parameter.default
        if raw is None:
            if parameter.required:
                raise ParameterError(
                    f"missing required parameter {parameter.name!r} of query {query.name!r}: "
                    f"expected {parameter.expected}")
            continue
        given.append((parameter, raw))
    page = _page(query, arguments.get("page"))
    # Check every value's syntax before looking any IRI up, so that a malformed value is reported
    # as such even when another parameter names something unknown.
    for parameter, raw in given:
        if is_endpoint_parameter(parameter):
            endpoint_term(raw, service_allowlist)
        else:
            term_for(parameter, raw, base_iri=base_iri, iri_exists=None)
    terms: dict[str, ox.NamedNode | ox.Literal] = {
        parameter.variable: endpoint_term(raw, service_allowlist) if is_endpoint_parameter(parameter)
        else term_for(parameter, raw, base_iri=base_iri, iri_exists=iri_exists)
        for parameter, raw in given
    }
    return BoundQuery(query, render_sparql(query, terms, page), terms, page)


def term_for(parameter: Parameter, value: str, *, base_iri: str,
             iri_exists: IriExists | None = None) -> ox.NamedNode | ox.Literal:
    """Return the RDF term for one parameter value, or raise ParameterError naming the parameter."""
    if parameter.enum and parameter.type != "iri" and value not in parameter.enum:
        raise ParameterError(
            f"parameter {parameter.name!r}: {value!r} is not one of {', '.join(parameter.enum)}")
    if parameter.type != "iri":
        return literal_term(parameter, value)
    candidates = candidate_iris(parameter, value.strip(), base_iri=base_iri)
    if parameter.enum:
        candidates = [iri for iri in candidates if iri in parameter.enum]
        if not candidates:
            keys = [key for key in allowed_values(parameter, base_iri=base_iri) if "://" not in key]
            raise ParameterError(
                f"parameter {parameter.name!r}: {value!r} is not one of {', '.join(keys or parameter.enum)}")
    if iri_exists is None:
        return _named_node(parameter, candidates[0])
    found = [iri for iri in candidates if iri_exists(iri)]
    if not found:
        what = parameter.kind or "resource"
        raise ParameterError(
            f"parameter {parameter.name!r}: no such {what} {value!r} in the graph; expected "
            f"{parameter.expected}")
    if len(found) > 1:
        raise ParameterError(
            f"parameter {parameter.name!r}: {value!r} is ambiguous, it names "
            f"{', '.join(found)}; give the full IRI or the kind and key "
            f"({', '.join(_kind_key(iri, base_iri) for iri in found)})")
    return _named_node(parameter, found[0])


def _kind_key(iri: str, base_iri: str) -> str:
    """Return an instance IRI relative to the instance base ("project/regmed-xb")."""
    base = base_iri if base_iri.endswith(("/", "#")) else base_iri + "/"
    return iri.removeprefix(base)


def _named_node(parameter: Parameter, iri: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(iri)
    except ValueError:
        raise ParameterError(
            f"parameter {parameter.name!r}: {iri!r} is not a valid IRI; expected "
            f"{parameter.expected}") from None


def _page(query: SavedQuery, raw: str | None) -> int | None:
    if raw is None or raw == "":
        return 1 if query.pagination else None
    if not query.pagination:
        raise ParameterError(f"parameter 'page': query {query.name!r} is not paginated")
    # ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
    if not re.fullmatch(r"[0-9]{1,9}", raw) or int(raw) < 1:
        raise ParameterError(f"parameter 'page': {raw!r} is not a positive integer such as 2")
    return int(raw)


def render_sparql(query: SavedQuery, terms: Mapping[str, ox.NamedNode | ox.Literal],
                  page: int | None = None) -> str:
    """Return the query text with a VALUES block of the terms and, if paginated, LIMIT/OFFSET."""
    text = query.text
    # An endpoint is the name of a SERVICE, which pyoxigraph does not read from VALUES.
    endpoints = {p.variable for p in query.params if is_endpoint_parameter(p) and p.variable in terms}
    values = {name: term for name, term in terms.items() if name not in endpoints}
    if values:
        variables = " ".join(f"?{name}" for name in values)
        # str() of a pyoxigraph term is its N-Triples form: escaped, and valid SPARQL syntax.
        row = " ".join(str(term) for term in values.values())
        block = f"\n  VALUES ({variables}) {{ ({row}) }}\n"
        text = text[: query.values_offset] + block + text[query.values_offset:]
    for variable in endpoints:
        text = substitute_service(text, variable, terms[variable])
    if query.pagination and page:
        text = f"{text.rstrip()}\nLIMIT {query.pagination} OFFSET {(page - 1) * query.pagination}\n"
    return text


def store_iri_exists(run_ask: Callable[[str], bool]) -> IriExists:
    """Return an IriExists that asks the store whether any triple mentions the IRI."""

    def exists(iri: str) -> bool:
        term = ox.NamedNode(iri)  # validated: the ASK text below cannot be broken out of
        return run_ask(f"ASK {{ {{ {term} ?p ?o }} UNION {{ ?s ?p {term} }} }}")

    return exists


def run(store, query: SavedQuery, arguments: Mapping[str, str], *, base_iri: str,
        timeout_s: float | None = None, service_allowlist: frozenset[str] = frozenset()):
    """Bind the arguments (looking IRIs up in the store) and run the query; return (bound, result)."""

    def ask(sparql: str) -> bool:
        return bool(store.query(sparql, timeout_s=timeout_s).boolean)

    bound = bind(query, arguments, base_iri=base_iri, iri_exists=store_iri_exists(ask),
                 service_allowlist=service_allowlist)
    log.debug("running saved query %s with %s", query.name,
              {name: str(term) for name, term in bound.terms.items()})
    return bound, store.query(bound.sparql, timeout_s=timeout_s)
