"""Descriptions of the service and its data: SPARQL 1.1 Service Description and VoID.

Statistics come from SPARQL queries on the store, run once per data generation and kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from flask import Blueprint, Response, current_app, redirect, request, url_for
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, VOID, XSD

from ..config import Settings
from ..namespaces import SMH, SMHV
from . import get_state
from .public_urls import site_url
from .protocol import MEDIA_TYPES, content_type_header, negotiate_description, prefers_html

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
ENTAILMENT = Namespace("http://www.w3.org/ns/entailment/")

#: Media type -> W3C format IRI (http://www.w3.org/ns/formats/) for sd:resultFormat.
FORMAT_IRIS = {
    "application/sparql-results+json": FORMATS.SPARQL_Results_JSON,
    "application/sparql-results+xml": FORMATS.SPARQL_Results_XML,
    "text/csv": FORMATS.SPARQL_Results_CSV,
    "text/tab-separated-values": FORMATS.SPARQL_Results_TSV,
    "text/turtle": FORMATS.Turtle,
    "application/n-triples": FORMATS["N-Triples"],
    "application/rdf+xml": FORMATS.RDF_XML,
    "application/ld+json": FORMATS["JSON-LD"],
    "application/trig": FORMATS.TriG,
    "application/n-quads": FORMATS["N-Quads"],
}

#: Media type -> rdflib serialiser name for descriptions.
RDFLIB_FORMATS = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "pretty-xml",
    "application/n-triples": "nt",
}

bp = Blueprint("describe", __name__)


@dataclass(frozen=True)
class Statistics:
    """Counts that describe the dataset (VoID)."""

    triples: int
    entities: int
    classes: int
    properties: int
    distinct_subjects: int
    distinct_objects: int
    graph_triples: tuple[tuple[str, int], ...]
    class_entities: tuple[tuple[str, int], ...]
    property_triples: tuple[tuple[str, int], ...]


STATISTICS_QUERIES = {
    "totals": """SELECT (COUNT(*) AS ?triples) (COUNT(DISTINCT ?s) AS ?subjects)
                        (COUNT(DISTINCT ?o) AS ?objects) (COUNT(DISTINCT ?p) AS ?properties)
                 WHERE { ?s ?p ?o }""",
    "entities": "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o FILTER(isIRI(?s)) }",
    "classes": "SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class ORDER BY ?class",
    "properties": "SELECT ?property (COUNT(*) AS ?n) WHERE { ?s ?property ?o } GROUP BY ?property ORDER BY ?property",
    "graphs": "SELECT ?graph (COUNT(*) AS ?n) WHERE { GRAPH ?graph { ?s ?p ?o } } GROUP BY ?graph ORDER BY ?graph",
}


def compute_statistics() -> Statistics:
    """Count triples, entities, classes and properties of the union default graph and each graph."""
    store = get_state().store
    # Trusted, bounded queries: give them the time they need rather than the client limit.
    def rows(name):
        return store.query(STATISTICS_QUERIES[name], timeout_s=300).rows

    totals = rows("totals")[0]
    classes = tuple((row["class"].value, int(row["n"].value)) for row in rows("classes") if "class" in row)
    properties = tuple((row["property"].value, int(row["n"].value)) for row in rows("properties"))
    graphs = tuple((row["graph"].value, int(row["n"].value)) for row in rows("graphs"))
    return Statistics(
        triples=int(totals["triples"].value),
        entities=int(rows("entities")[0]["n"].value),
        classes=len(classes),
        properties=int(totals["properties"].value),
        distinct_subjects=int(totals["subjects"].value),
        distinct_objects=int(totals["objects"].value),
        graph_triples=graphs,
        class_entities=classes,
        property_triples=properties,
    )


def statistics() -> Statistics:
    """Return the dataset's statistics, computed once per data generation."""
    return get_state().cached("statistics", compute_statistics)


def endpoint_url() -> str:
    """Return the public URL of the SPARQL endpoint (PUBLIC_URL, else the request's URL root)."""
    return site_url(url_for("sparql.endpoint", _external=False)[len(request.script_root):])


def void_url() -> str:
    """Return the public URL of the VoID description."""
    return site_url(url_for("describe.void", _external=False)[len(request.script_root):])


#: Entities named as void:exampleResource (one per main kind, where the graph holds it).
EXAMPLE_RESOURCES = ("region/BE2", "organisation/imec", "initiative/s3p4pm", "project/regmed-xb",
                     "programme/horizon-europe")


def service_description() -> Graph:
    """Build the SPARQL 1.1 Service Description of this endpoint."""
    graph = _new_graph()
    endpoint = URIRef(endpoint_url())
    graph.add((endpoint, RDF.type, SD.Service))
    graph.add((endpoint, SD.endpoint, endpoint))
    graph.add((endpoint, SD.supportedLanguage, SD.SPARQL11Query))
    if current_app.config.get("UPDATE_TOKEN"):
        graph.add((endpoint, SD.supportedLanguage, SD.SPARQL11Update))
    for media_type in dict.fromkeys(MEDIA_TYPES["select"] + MEDIA_TYPES["graph"]):
        graph.add((endpoint, SD.resultFormat, FORMAT_IRIS[media_type]))
    graph.add((endpoint, SD.feature, SD.UnionDefaultGraph))
    _describe_allowed_services(graph, endpoint, current_app.config["SERVICE_ALLOWLIST"])
    graph.add((endpoint, SD.defaultEntailmentRegime, ENTAILMENT.Simple))

    stats = statistics()
    dataset = URIRef(void_url() + "#dataset")
    graph.add((endpoint, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    graph.add((dataset, RDF.type, VOID.Dataset))
    graph.add((dataset, VOID.sparqlEndpoint, endpoint))
    default_graph = BNode("defaultGraph")
    graph.add((dataset, SD.defaultGraph, default_graph))
    graph.add((default_graph, RDF.type, SD.Graph))
    graph.add((default_graph, VOID.triples, Literal(stats.triples)))
    for index, (name, triples) in enumerate(stats.graph_triples):
        named_graph, described = BNode(f"namedGraph{index}"), BNode(f"graph{index}")
        graph.add((dataset, SD.namedGraph, named_graph))
        graph.add((named_graph, RDF.type, SD.NamedGraph))
        graph.add((named_graph, SD.name, URIRef(name)))
        graph.add((named_graph, SD.graph, described))
        graph.add((described, RDF.type, SD.Graph))
        graph.add((described, VOID.triples, Literal(triples)))
    return graph


def _describe_allowed_services(graph: Graph, endpoint: URIRef, allowlist: frozenset[str]) -> None:
    """Say that SERVICE may reach the allow-listed endpoints: each an sd:Service related to ours."""
    if not allowlist:
        return
    graph.add((endpoint, SD.feature, SD.BasicFederatedQuery))
    for iri in sorted(allowlist):
        service = URIRef(iri)
        graph.add((endpoint, DCTERMS.relation, service))
        graph.add((service, RDF.type, SD.Service))
        graph.add((service, SD.endpoint, service))


def void_description() -> Graph:
    """Build the VoID description of the dataset, with one subset per named graph."""
    graph = _new_graph()
    stats = statistics()
    base = void_url()
    dataset = URIRef(base + "#dataset")
    graph.add((dataset, RDF.type, VOID.Dataset))
    graph.add((dataset, DCTERMS.title, Literal("Smart Health knowledge graph", lang="en")))
    graph.add((dataset, DCTERMS.description, Literal(
        "Regions, organisations, initiatives, projects and funding of the European Smart Health "
        "ecosystem (Vanguard Initiative Smart Health pilot, S3P4PM), each statement traced to a "
        "quotation of its source document.", lang="en")))
    graph.add((dataset, VOID.sparqlEndpoint, URIRef(endpoint_url())))
    graph.add((dataset, DCTERMS.license, URIRef("https://creativecommons.org/licenses/by/4.0/")))
    base_iri = current_app.config.get("BASE_IRI") or Settings().base_iri
    graph.add((dataset, VOID.uriSpace, Literal(base_iri)))
    graph.add((dataset, VOID.uriLookupEndpoint, URIRef(site_url("/resource?uri="))))
    from .downloads import DUMP_FORMATS, dump_url

    for extension in DUMP_FORMATS:
        graph.add((dataset, VOID.dataDump, URIRef(dump_url(extension))))
        graph.add((dataset, VOID.dataDump, URIRef(dump_url(extension, compressed=True))))
    for key in EXAMPLE_RESOURCES:
        example = base_iri + key
        if _is_known(example):
            graph.add((dataset, VOID.exampleResource, URIRef(example)))
    graph.add((dataset, VOID.vocabulary, URIRef(str(SMH))))
    graph.add((dataset, VOID.vocabulary, URIRef(str(SMHV))))
    for media_type in ("text/turtle", "application/trig", "application/n-quads", "application/ld+json"):
        graph.add((dataset, VOID.feature, FORMAT_IRIS[media_type]))
    for predicate, value in (
        (VOID.triples, stats.triples),
        (VOID.entities, stats.entities),
        (VOID.classes, stats.classes),
        (VOID.properties, stats.properties),
        (VOID.distinctSubjects, stats.distinct_subjects),
        (VOID.distinctObjects, stats.distinct_objects),
    ):
        graph.add((dataset, predicate, Literal(value, datatype=XSD.integer)))
    for name, triples in stats.graph_triples:
        subset = URIRef(f"{base}#graph={quote(name, safe='')}")
        graph.add((dataset, VOID.subset, subset))
        graph.add((subset, RDF.type, VOID.Dataset))
        graph.add((subset, SD.name, URIRef(name)))
        graph.add((subset, VOID.triples, Literal(triples, datatype=XSD.integer)))
        graph.add((subset, VOID.sparqlEndpoint, URIRef(endpoint_url())))
    for index, (class_iri, entities) in enumerate(stats.class_entities):
        partition = BNode(f"class{index}")
        graph.add((dataset, VOID.classPartition, partition))
        graph.add((partition, VOID["class"], URIRef(class_iri)))
        graph.add((partition, VOID.entities, Literal(entities, datatype=XSD.integer)))
    for index, (property_iri, triples) in enumerate(stats.property_triples):
        partition = BNode(f"property{index}")
        graph.add((dataset, VOID.propertyPartition, partition))
        graph.add((partition, VOID.property, URIRef(property_iri)))
        graph.add((partition, VOID.triples, Literal(triples, datatype=XSD.integer)))
    return graph


def _is_known(iri: str) -> bool:
    """Return whether the graph holds a statement about an IRI."""
    query = "SELECT ?thing WHERE { ?thing ?p ?o } LIMIT 1"
    return bool(get_state().store.query(query, substitutions={"thing": URIRef(iri)}, timeout_s=30).rows)


def _new_graph() -> Graph:
    graph = Graph()
    graph.bind("sd", SD)
    graph.bind("void", VOID)
    graph.bind("formats", FORMATS)
    graph.bind("dcterms", DCTERMS)
    graph.bind("smh", SMH)
    graph.bind("smhv", SMHV)
    return graph


def _rdf_response(kind: str, build, format_parameter: tuple[str, ...]) -> Response:
    """Serialise a description in the negotiated RDF format, once per generation and format."""
    media_type = negotiate_description(request.headers.get("Accept"), format_parameter)
    key = (kind, media_type, site_url("/"))
    body = get_state().cached(key, lambda: build().serialize(format=RDFLIB_FORMATS[media_type], encoding="utf-8"))
    response = Response(body, content_type=content_type_header(media_type))
    response.headers["Vary"] = "Accept"
    return response


def service_description_response(format_parameter: tuple[str, ...] = ()) -> Response:
    """Answer ``GET /sparql`` without a query: the service description."""
    return _rdf_response("service-description", service_description, format_parameter)


@bp.route("/.well-known/void")
def void() -> Response:
    """Describe the dataset with VoID (a browser asking for a page is sent to /about)."""
    formats = tuple(request.args.getlist("format"))
    if not formats and prefers_html(request.headers.get("Accept")):
        response = redirect(url_for("downloads.void_page"), code=303)
        response.headers["Vary"] = "Accept"
        return response
    return _rdf_response("void", void_description, tuple(request.args.getlist("format")))
