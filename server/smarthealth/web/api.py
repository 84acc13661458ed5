"""The saved-queries API: list the questions, answer one by content negotiation, describe them in OpenAPI.

Routes (prefix /api):

- ``GET /api/queries``: the catalogue as JSON (name, summary, description, tags, parameters);
- ``GET /api/queries/NAME?param=value``: the answer, as SPARQL JSON or XML, CSV, TSV, an HTML
  table (browsers) or a text table, chosen by the Accept header or ``format=json|xml|csv|tsv|html|text``;
  paginated queries take ``page`` and answer with ``Link`` headers;
- ``GET /api/queries/NAME/sparql``: the query file itself (``application/sparql-query``); for a
  federated query, ``?endpoint=URL`` gives the text with its SERVICE clause naming that endpoint
  and an empty VALUES block of the SERVICE group holding our values, as when the API runs it
  (what the query page's editor shows; whether it may be called is judged when it runs);
- ``GET /api/openapi.json``: the OpenAPI 3.1 description generated from the query headers;
- ``GET /api/docs``: a page rendered from that description.

Errors are JSON ``{"error": ..., "status": ...}``: 400 for a bad parameter (named in the message),
404 for an unknown query, 406 for an unservable Accept header.
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from ..config import Settings
from ..errors import SmartHealthError
from ..saved import render
from ..federation.endpoints import ENDPOINT_PARAMETER, text_with_endpoint
from ..federation.saved_queries import local_values, run_saved_query
from ..saved.catalog import SavedQuery, find_query, load_catalog
from ..saved.openapi import build_spec, describe_query
from ..saved.params import ParameterError
from . import get_store
from .errors import add_error_headers
from .fairness import client_slot

log = logging.getLogger(__name__)

bp = Blueprint("api", __name__, url_prefix="/api", template_folder="../templates")


def _settings() -> Settings:
    settings = current_app.config.get("SETTINGS")
    return settings if isinstance(settings, Settings) else Settings()


def queries_dir() -> Path:
    """Return the folder of saved queries of this application (config QUERIES_DIR or settings)."""
    configured = current_app.config.get("QUERIES_DIR")
    return Path(configured) if configured else _settings().queries_dir


def base_iri() -> str:
    """Return the base IRI of instance data that short keys expand under."""
    return current_app.config.get("BASE_IRI") or _settings().base_iri


def catalog() -> list[SavedQuery]:
    """Return the saved queries, reloaded when a query file was added, removed or changed."""
    folder = queries_dir()
    stamp = tuple((path.name, path.stat().st_mtime_ns) for path in sorted(folder.glob("*.rq")))
    cache = current_app.extensions.setdefault("smarthealth-saved", {})
    if cache.get("stamp") != (str(folder), stamp):
        cache["queries"] = load_catalog(folder)
        cache["stamp"] = (str(folder), stamp)
    return cache["queries"]


@bp.errorhandler(SmartHealthError)
def handle_error(error: SmartHealthError):
    """Answer a reportable error as JSON with its status and message."""
    if error.http_status >= 500 and error.http_status != 503:
        log.error("saved-query error answered with %d: %s", error.http_status, error)
    response = jsonify({"error": str(error), "status": error.http_status})
    response.status_code = error.http_status
    add_error_headers(response, error)
    return response


@bp.get("/queries")
def list_queries():
    """List the saved queries with their parameters."""
    return jsonify([describe_query(query, base_iri=base_iri()) for query in catalog()])


@bp.get("/queries/<name>/sparql")
def query_text(name: str):
    """Return the SPARQL file of a saved query as it is, or a federated one naming the endpoint asked for."""
    query = find_query(catalog(), name)
    text = query.text
    for key in request.args:
        if key != ENDPOINT_PARAMETER:
            raise ParameterError(f"unknown parameter {key!r} for the text of query {name!r}; "
                                 f"only {ENDPOINT_PARAMETER!r} (of a federated query) is taken")
        if len(request.args.getlist(key)) > 1:
            raise _repeated(key)
        with client_slot():  # the values sent with the SERVICE group are looked up in the store
            text = text_with_endpoint(query, request.args[key], local_values(get_store()))
    return Response(text, content_type="application/sparql-query; charset=utf-8")


@bp.get("/queries/<name>")
def answer(name: str):
    """Run a saved query with the request's parameters and answer in the negotiated format."""
    query = find_query(catalog(), name)
    media_type = render.negotiate(request.headers.get("Accept"), request.args.get("format"))
    arguments = {key: request.args.get(key) for key in request.args}
    for key in request.args:
        if len(request.args.getlist(key)) > 1:
            raise _repeated(key)
    with client_slot():
        bound, result = run_saved_query(
            get_store(), query, arguments, base_iri=base_iri(),
            service_allowlist=current_app.config["SERVICE_ALLOWLIST"],
            store_timeout_s=current_app.config["TIMEOUT"], service_timeout_s=current_app.config["SERVICE_TIMEOUT"])
    if media_type == render.HTML:
        body = render_template(
            "api_table.html",
            query=query,
            arguments=arguments,
            table=render.table(result, base_iri=base_iri()),
            formats={name: _url(query, arguments, format=name) for name in ("json", "csv", "tsv", "xml", "text")},
            html_cell=render.html_cell,
            pages=_page_links(query, arguments, bound.page, len(result.rows)),
        )
        response = Response(body, content_type=render.CONTENT_TYPES[render.HTML])
    else:
        body = render.serialize(result, media_type, base_iri=base_iri())
        response = Response(body, content_type=render.CONTENT_TYPES[media_type])
    response.headers["Vary"] = "Accept"
    links = _page_links(query, arguments, bound.page, len(result.rows))
    if links:
        response.headers["Link"] = ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items())
    return response


@bp.get("/openapi.json")
def openapi():
    """Return the OpenAPI description of the saved queries."""
    return jsonify(build_spec(catalog(), server_url=request.script_root + "/api", base_iri=base_iri()))


@bp.get("/docs")
def docs():
    """Render a page documenting every saved query from the OpenAPI description."""
    spec = build_spec(catalog(), server_url=request.script_root + "/api", base_iri=base_iri())
    return render_template("api_docs.html", spec=spec, queries=catalog())


def _repeated(key: str) -> ParameterError:
    return ParameterError(f"parameter {key!r} is given more than once")


def _url(query: SavedQuery, arguments: dict, **changes) -> str:
    merged = {k: v for k, v in {**arguments, **changes}.items() if v not in (None, "")}
    return f"{request.script_root}/api/queries/{query.name}" + (f"?{urlencode(merged)}" if merged else "")


def _page_links(query: SavedQuery, arguments: dict, page: int | None, rows: int) -> dict[str, str]:
    """Return grlc-style pagination links: first, prev, next (when the page was full)."""
    if not query.pagination or not page:
        return {}
    links = {"first": _url(query, arguments, page="1")}
    if page > 1:
        links["prev"] = _url(query, arguments, page=str(page - 1))
    if rows >= query.pagination:
        links["next"] = _url(query, arguments, page=str(page + 1))
    return links
