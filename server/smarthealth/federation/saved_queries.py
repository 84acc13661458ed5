"""Running a saved query that may call SERVICE: the allow-list, the time limit, a failure naming the endpoint."""

from __future__ import annotations

import dataclasses
import logging
from typing import Mapping

from ..errors import BadGateway
from ..saved.binding import bind, run, store_iri_exists
from .endpoints import calls_service, endpoint_term, is_endpoint_parameter
from .limits import federated_time_limit
from .service_values import empty_service_values, fill_service_values

log = logging.getLogger(__name__)


def run_saved_query(store, query, arguments: Mapping[str, str], *, base_iri: str,
                    service_allowlist: frozenset[str], store_timeout_s: float,
                    service_timeout_s: float | None):
    """Run a saved query; a federated one only against an allow-listed endpoint and within the SERVICE time limit."""
    if not calls_service(query):
        return run(store, query, arguments, base_iri=base_iri, service_allowlist=service_allowlist)
    timeout_s = federated_time_limit(store_timeout_s, service_timeout_s)
    try:
        if empty_service_values(query.text):
            return _run_with_service_values(store, query, arguments, base_iri=base_iri, timeout_s=timeout_s,
                                            service_allowlist=service_allowlist)
        return run(store, query, arguments, base_iri=base_iri, timeout_s=timeout_s,
                   service_allowlist=service_allowlist)
    except BadGateway as error:
        where = _endpoint_named(query, arguments)
        log.warning("saved query %s: SERVICE %s failed: %s", query.name, where, error.detail)
        raise BadGateway(error.message, where=f"SERVICE {where}" if where else None,
                         detail=error.detail) from None


def _endpoint_named(query, arguments: Mapping[str, str]) -> str | None:
    """Return the endpoint IRI (in angle brackets) a federated saved query was run with."""
    for parameter in query.params:
        if is_endpoint_parameter(parameter):
            value = arguments.get(parameter.name) or parameter.default
            return str(endpoint_term(value, None)) if value else None
    return None


def local_values(store, timeout_s: float | None = None):
    """Return a function that runs a local SELECT of one variable on the store and returns its terms."""

    def select_terms(sparql: str):
        result = store.query(sparql, timeout_s=timeout_s)
        return [term for row in result.rows for term in row.values()]

    return select_terms


def _run_with_service_values(store, query, arguments, *, base_iri, timeout_s, service_allowlist):
    """Bind the arguments, send our values of the SERVICE group's empty VALUES block with it, and run."""

    def ask(sparql: str) -> bool:
        return bool(store.query(sparql, timeout_s=timeout_s).boolean)

    bound = bind(query, arguments, base_iri=base_iri, iri_exists=store_iri_exists(ask),
                 service_allowlist=service_allowlist)
    bound = dataclasses.replace(bound, sparql=fill_service_values(bound.sparql, local_values(store, timeout_s)))
    return bound, store.query(bound.sparql, timeout_s=timeout_s)
