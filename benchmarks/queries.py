"""The benchmark's queries: every saved query with its example arguments, and generic SPARQL shapes."""

from __future__ import annotations

from smarthealth.config import Settings
from smarthealth.saved.binding import bind
from smarthealth.saved.catalog import load_catalog

PREFIXES = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX smh: <https://w3id.org/smart-health/ontology#>
"""

#: One query per generic shape the issue names.
GENERIC = {
    # No data read: what answering any query costs each server (HTTP, protocol, handing it on).
    "fixed cost": "SELECT ?x WHERE { BIND(1 AS ?x) }",
    "count": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "group-by": "SELECT ?class (COUNT(?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class ORDER BY DESC(?n) ?class",
    "optional+order+limit": PREFIXES + """SELECT ?organisation ?label ?region WHERE {
  ?organisation smh:helixRole ?role .
  OPTIONAL { ?organisation rdfs:label ?label FILTER(LANG(?label) = "en") }
  OPTIONAL { ?organisation smh:basedIn ?region }
} ORDER BY ?label ?organisation ?region LIMIT 100""",
    "regex filter": PREFIXES + """SELECT ?s ?label WHERE {
  ?s rdfs:label ?label FILTER(REGEX(?label, "health|hospital", "i"))
}""",
    "property path": PREFIXES + """SELECT ?region (COUNT(DISTINCT ?organisation) AS ?n) WHERE {
  ?organisation smh:basedIn/smh:partOfRegion* ?region
} GROUP BY ?region ORDER BY DESC(?n) ?region LIMIT 50""",
    "join": PREFIXES + """SELECT ?memberLabel ?orgLabel ?role WHERE {
  ?m a org:Membership ; org:member ?member ; org:organization ?org ; org:role ?role .
  ?member rdfs:label ?memberLabel . ?org rdfs:label ?orgLabel .
  FILTER(LANG(?memberLabel) = "en" && LANG(?orgLabel) = "en")
}""",
    "construct": PREFIXES + """CONSTRUCT { ?x rdfs:label ?label ; smh:basedIn ?region }
WHERE { ?x smh:basedIn ?region ; rdfs:label ?label }""",
}


def saved_queries() -> dict[str, str]:
    """Return the SPARQL of every saved query bound to its example arguments (first page if paged)."""
    settings = Settings()
    queries = {}
    for query in load_catalog(settings.queries_dir):
        if "SERVICE" in query.text.upper():
            continue  # federated: it would measure a remote endpoint
        arguments = {parameter.name: parameter.example for parameter in query.params if parameter.example}
        if query.pagination:
            arguments["page"] = "1"
        queries[f"saved:{query.name}"] = bind(query, arguments, base_iri=settings.base_iri).sparql
    return queries


def benchmark_queries() -> dict[str, str]:
    return {**saved_queries(), **{f"shape:{name}": sparql for name, sparql in GENERIC.items()}}
