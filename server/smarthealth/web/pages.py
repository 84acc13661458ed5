"""The human pages of the endpoint: the query page (YASGUI, served from the package, no CDN)."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Blueprint, current_app, make_response, render_template
from rdflib import Literal

from ..config import Settings
from ..errors import SmartHealthError

log = logging.getLogger(__name__)

# Templates and static files live beside the package (server/smarthealth/templates, .../static),
# not beside this module. The static files are under /assets: Flask's own /static route belongs
# to the application.
bp = Blueprint(
    "pages",
    __name__,
    template_folder="../templates",
    static_folder="../static",
    static_url_path="/assets",
)

# The page loads nothing from another host; the editor talks to this server only. Inline styles
# are YASGUI's own (CodeMirror sets element styles), inline scripts are not needed.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'self'"
)


def _queries_dir() -> Path:
    """Return the folder of saved queries this application was configured with."""
    configured = current_app.config.get("QUERIES_DIR")
    if configured:
        return Path(configured)
    settings = current_app.config.get("SETTINGS")
    if isinstance(settings, Settings):
        return settings.queries_dir
    return Settings().queries_dir


def _saved_queries() -> tuple[list, str | None]:
    """Load the saved queries; on a catalogue error return none and the error's message."""
    from ..saved.catalog import load_catalog

    try:
        return load_catalog(_queries_dir()), None
    except SmartHealthError as error:
        log.warning("saved queries not shown on the query page: %s", error)
        return [], str(error)


#: The query a new tab opens with: an answer worth reading, with a number to chart.
DEFAULT_QUERY_BODY = """
# Regions and the number of organisations and initiatives based in each.
SELECT ?region ?name (COUNT(DISTINCT ?actor) AS ?actors) WHERE {
  ?region a smh:Region ;
          rdfs:label ?name .
  FILTER(langMatches(lang(?name), "en"))
  OPTIONAL { ?actor smh:basedIn ?region }
}
GROUP BY ?region ?name
ORDER BY DESC(?actors)
"""


def default_query(base_iri: str) -> str:
    """Return the default query with the PREFIX block of the project's vocabularies and kinds."""
    from .query_prefixes import prefix_block

    return prefix_block(base_iri) + "\n" + DEFAULT_QUERY_BODY


def completion_queries(base_iri: str) -> dict[str, str]:
    """Return the SPARQL the editor's completers send to this server (classes, properties, our things)."""
    return {
        "class": "SELECT DISTINCT ?iri WHERE { { ?iri a <http://www.w3.org/2002/07/owl#Class> } "
                 "UNION { [] a ?iri } FILTER(isIRI(?iri)) }",
        "property": "SELECT DISTINCT ?iri WHERE { { ?iri a <http://www.w3.org/2002/07/owl#ObjectProperty> } UNION "
                    "{ ?iri a <http://www.w3.org/2002/07/owl#DatatypeProperty> } UNION { [] ?iri [] } FILTER(isIRI(?iri)) }",
        # The base IRI is the server's own setting, written as a typed literal by rdflib.
        "entities": "SELECT DISTINCT ?iri WHERE { ?iri <http://www.w3.org/2000/01/rdf-schema#label> [] "
                    f"FILTER(STRSTARTS(STR(?iri), {Literal(base_iri).n3()})) }}",
    }


def _federated(query) -> dict:
    """Return what the page needs of a federated question: its text naming the default endpoint, the allow-list."""
    from ..federation.endpoints import endpoint_parameter, text_with_endpoint
    from ..federation.saved_queries import local_values
    from . import get_store

    parameter = endpoint_parameter(query)
    if parameter is None:
        return {}
    # The editor shows a runnable text (SERVICE <IRI>, never SERVICE ?variable, which the fetch
    # guard refuses); the allow-list is public already (the service description lists it).
    allowed = sorted(current_app.config.get("SERVICE_ALLOWLIST") or ())
    service = {"parameter": parameter.name, "default": parameter.default, "allowed": allowed}
    if not parameter.default:
        return {"service": service}
    try:
        text = text_with_endpoint(query, parameter.default, local_values(get_store()))
    except SmartHealthError as error:  # a busy store must not take the page down: show the text unfilled
        log.warning("query page: the values sent with %s's SERVICE group were not looked up: %s", query.name, error)
        text = text_with_endpoint(query, parameter.default)
    return {"text": text, "service": service}


@bp.get("/")
def query_page():
    """Render the SPARQL query page with the saved questions as ready examples."""
    from ..namespaces import SMH, SMHV
    from ..saved.openapi import describe_query
    from .linked_data import base_iri
    from .query_prefixes import all_prefixes, kind_prefixes

    queries, catalog_error = _saved_queries()
    base = base_iri()
    saved = []
    for query in queries:
        described = describe_query(query, base_iri=base)
        saved.append({"name": query.name, "summary": query.summary, "text": query.text,
                      "parameters": described.get("parameters", []), **_federated(query)})
    page_data = {
        "saved": saved,
        "prefixes": all_prefixes(base),
        "kindPrefixes": kind_prefixes(base),
        "baseIri": base,
        "defaultQuery": default_query(base),
        "ownNamespaces": [base, str(SMH), str(SMHV), "https://w3id.org/smart-health/ontology"],
        "completionQueries": completion_queries(base),
    }
    page = render_template(
        "query.html", queries=queries, page_data=page_data, catalog_error=catalog_error,
    )
    response = make_response(page)
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
