"""The SPARQL 1.1 Protocol endpoint ``/sparql``: queries, updates and the service description."""

from __future__ import annotations

import hmac
import logging

from flask import Blueprint, Response, current_app, redirect, request, url_for

from ..errors import BadGateway, Forbidden, Unauthorized
from ..federation.limits import service_time_limit
from ..namespaces import PREFIXES
from ..store import query_form
from . import describe, get_state
from .protocol import Operation, content_type_header, negotiate, prefers_html, read_operation
from .safety import Reference, check_query, check_update

log = logging.getLogger(__name__)

bp = Blueprint("sparql", __name__)

#: Query form keyword -> result kind, to refuse an unacceptable Accept before running the query.
FORM_KINDS = {"SELECT": "select", "ASK": "ask", "CONSTRUCT": "graph", "DESCRIBE": "graph"}

#: Prefixes offered to Turtle, TriG and RDF/XML answers (only those used are written).
OUTPUT_PREFIXES = {name: str(namespace) for name, namespace in PREFIXES.items()}


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response:
    """Answer a SPARQL query or update, or describe the service when there is neither."""
    operation = read_operation(request, current_app.config["MAX_REQUEST_BYTES"])
    if operation.kind == "description":
        # A browser opening the endpoint's URL gets the query page, RDF clients the description.
        has_page = "pages.query_page" in current_app.view_functions
        if has_page and not operation.format and prefers_html(request.headers.get("Accept")):
            return redirect(url_for("pages.query_page"), code=303)
        return describe.service_description_response(operation.format)
    if operation.kind == "update":
        return run_update(operation)
    return run_query(operation)


def run_query(operation: Operation) -> Response:
    """Run a query and answer in the negotiated media type."""
    state = get_state()
    accept = request.headers.get("Accept")
    expected_kind = FORM_KINDS.get(query_form(operation.text) or "")
    if expected_kind:
        negotiate(expected_kind, accept, operation.format)  # a 406 before any work
    references = check_query(operation.text, state.policy, base_iri=request.base_url)
    try:
        result = state.store.query(
            operation.text,
            default_graph_uris=list(operation.default_graph_uris) or None,
            named_graph_uris=list(operation.named_graph_uris) or None,
            base_iri=request.base_url,
            timeout_s=service_time_limit(references, current_app.config["TIMEOUT"], current_app.config["SERVICE_TIMEOUT"]),
        )
    except BadGateway as error:
        raise service_failure(error, references) from None
    media_type = negotiate(result.kind, accept, operation.format)
    body = result.serialize(media_type, prefixes=OUTPUT_PREFIXES)
    response = Response(body, content_type=content_type_header(media_type))
    response.headers["Vary"] = "Accept"
    return response


def service_failure(error: BadGateway, references: list[Reference]) -> BadGateway:
    """Return the store's SERVICE failure naming the endpoint (or endpoints) the query calls."""
    services = list(dict.fromkeys(ref.iri for ref in references if ref.clause == "SERVICE" and ref.iri))
    # pyoxigraph names the endpoint in some errors (HTTP status, content type), not in others.
    named = [iri for iri in services if iri in (error.detail or "")]
    if len(named) == 1 or len(services) == 1:
        where = f"SERVICE <{(named or services)[0]}>"
    elif services:
        where = "one of SERVICE " + ", ".join(f"<{iri}>" for iri in services)
    else:
        where = None
    log.warning("%s failed: %s", where or "a SERVICE call", error.detail)
    return BadGateway(error.message, where=where, detail=error.detail)


def run_update(operation: Operation) -> Response:
    """Apply an update for a client that shows the configured bearer token."""
    authorize_update()
    state = get_state()
    check_update(operation.text, state.policy, base_iri=request.base_url)
    state.store.update(
        operation.text,
        using_graph_uris=list(operation.using_graph_uris) or None,
        using_named_graph_uris=list(operation.using_named_graph_uris) or None,
        base_iri=request.base_url,
    )
    log.info("update applied (data generation %d)", state.store.generation)
    return Response(status=204)


def authorize_update() -> None:
    """Refuse an update unless updates are on and the request carries the right bearer token."""
    token = current_app.config.get("UPDATE_TOKEN")
    if not token:
        raise Forbidden("updates are disabled on this endpoint")
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        raise Unauthorized("an update needs an 'Authorization: Bearer <token>' header")
    if not hmac.compare_digest(credentials.strip().encode(), token.encode()):
        raise Unauthorized("the bearer token is not valid")
