"""Downloads of the whole dataset and its description for catalogues (DCAT-AP), with a page for people.

Routes:

- ``GET /downloads``: the page listing the dumps, the descriptions and the endpoint;
- ``GET /downloads/smart-health.{trig,nq,ttl,jsonld}[.gz]``: the dataset as served (TriG and
  N-Quads keep the named graph of each statement; Turtle is the union; JSON-LD keeps the graphs);
  ``.gz`` is the same file gzip-compressed (``Content-Type`` of the dump, ``Content-Encoding`` none:
  a compressed file to keep, not a transfer encoding);
- ``GET /dcat``: the DCAT-AP description of the dataset (one distribution per dump, the SPARQL
  endpoint as a data service), in Turtle, JSON-LD, RDF/XML or N-Triples by negotiation;
- ``GET /about``: the VoID description as a page for people (``/.well-known/void`` is the RDF).
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass

import pyoxigraph as ox
from flask import Blueprint, Response, abort, render_template, request
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, XSD

from ..namespaces import PREFIXES
from . import get_state
from .public_urls import add_page_headers, site_url

bp = Blueprint("downloads", __name__, template_folder="../templates")
bp.after_request(add_page_headers)

LICENSE = "https://creativecommons.org/licenses/by/4.0/"
DUMP_NAME = "smart-health"


@dataclass(frozen=True)
class DumpFormat:
    """One downloadable serialisation of the dataset."""

    extension: str
    media_type: str
    title: str
    rdf_format: ox.RdfFormat
    keeps_graphs: bool


DUMP_FORMATS = {
    "trig": DumpFormat("trig", "application/trig", "TriG (named graphs)", ox.RdfFormat.TRIG, True),
    "nq": DumpFormat("nq", "application/n-quads", "N-Quads (named graphs)", ox.RdfFormat.N_QUADS, True),
    "ttl": DumpFormat("ttl", "text/turtle", "Turtle (all graphs merged)", ox.RdfFormat.TURTLE, False),
    "jsonld": DumpFormat("jsonld", "application/ld+json", "JSON-LD (named graphs)", ox.RdfFormat.JSON_LD, True),
}

#: IANA media type registry IRI of a media type (DCAT-AP dcat:mediaType).
IANA = "https://www.iana.org/assignments/media-types/"

SOURCE_DOCUMENTS = """PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?source ?title WHERE { ?source a <https://w3id.org/smart-health/ontology#SourceDocument> .
  OPTIONAL { ?source dcterms:title ?title } } ORDER BY ?source"""


def dump_bytes(extension: str, compressed: bool) -> bytes:
    """Return the dataset in one dump format, made once per data generation."""
    fmt = DUMP_FORMATS[extension]
    state = get_state()

    def make() -> bytes:
        quads = list(ox.parse(state.store.dump("application/n-quads"), format=ox.RdfFormat.N_QUADS))
        statements = quads if fmt.keeps_graphs else list(dict.fromkeys(quad.triple for quad in quads))
        options = {}
        if fmt.rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.JSON_LD):
            options["prefixes"] = {name: str(namespace) for name, namespace in PREFIXES.items()}
        return ox.serialize(statements, format=fmt.rdf_format, **options)

    body = state.cached(("dump", extension), make)
    if compressed:
        return state.cached(("dump-gz", extension), lambda: gzip.compress(body, mtime=0))
    return body


def dump_url(extension: str, compressed: bool = False) -> str:
    """Return the public address of a dump."""
    return site_url(f"/downloads/{DUMP_NAME}.{extension}" + (".gz" if compressed else ""))


@bp.get("/downloads")
def downloads():
    """List the dumps, the dataset descriptions and the endpoint."""
    sizes = {extension: len(dump_bytes(extension, False)) for extension in DUMP_FORMATS}
    return render_template("downloads.html", formats=DUMP_FORMATS.values(), sizes=sizes, name=DUMP_NAME)


@bp.get(f"/downloads/{DUMP_NAME}.<path:extension>")
def dump(extension: str):
    """Send the dataset in the format of the extension (``.gz``: gzip-compressed)."""
    compressed = extension.endswith(".gz")
    extension = extension.removesuffix(".gz")
    if extension not in DUMP_FORMATS:
        abort(404, description=f"no dump .{extension}; offered: {', '.join(DUMP_FORMATS)} (each also .gz)")
    fmt = DUMP_FORMATS[extension]
    file_name = f"{DUMP_NAME}.{extension}" + (".gz" if compressed else "")
    if compressed:
        response = Response(dump_bytes(extension, True), content_type="application/gzip")
    else:
        from .linked_data import content_type

        response = Response(dump_bytes(extension, False), content_type=content_type(fmt.media_type))
    response.headers["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response


def dcat_description() -> Graph:
    """Build the DCAT-AP description: catalogue, dataset, one distribution per dump, the endpoint service."""
    graph = Graph()
    for prefix, namespace in (("dcat", DCAT), ("dcterms", DCTERMS), ("foaf", FOAF)):
        graph.bind(prefix, namespace)
    catalog = URIRef(site_url("/dcat#catalog"))
    dataset = URIRef(site_url("/.well-known/void#dataset"))
    publisher = URIRef(site_url("/dcat#publisher"))
    service = URIRef(site_url("/sparql"))
    graph.add((catalog, RDF.type, DCAT.Catalog))
    graph.add((catalog, DCTERMS.title, Literal("Smart Health knowledge graph catalogue", lang="en")))
    graph.add((catalog, DCTERMS.description, Literal("The Smart Health knowledge graph and its SPARQL endpoint.", lang="en")))
    graph.add((catalog, DCTERMS.publisher, publisher))
    graph.add((catalog, DCAT.dataset, dataset))
    graph.add((catalog, DCAT.service, service))
    graph.add((publisher, RDF.type, FOAF.Agent))
    graph.add((publisher, FOAF.name, Literal("Smart Health knowledge graph team", lang="en")))

    graph.add((dataset, RDF.type, DCAT.Dataset))
    graph.add((dataset, DCTERMS.title, Literal("Smart Health knowledge graph", lang="en")))
    graph.add((dataset, DCTERMS.description, Literal(
        "Regions, organisations, initiatives, projects and funding of the European Smart Health ecosystem "
        "(Vanguard Initiative Smart Health pilot, S3P4PM), each statement traced to a quotation of its "
        "source document.", lang="en")))
    graph.add((dataset, DCTERMS.publisher, publisher))
    graph.add((dataset, DCTERMS.license, URIRef(LICENSE)))
    graph.add((dataset, DCAT.landingPage, URIRef(site_url("/"))))
    for keyword in ("smart health", "personalised medicine", "regional innovation", "linked data"):
        graph.add((dataset, DCAT.keyword, Literal(keyword, lang="en")))
    for row in get_state().store.query(SOURCE_DOCUMENTS, timeout_s=60).rows:
        graph.add((dataset, DCTERMS.source, URIRef(row["source"].value)))
    for fmt in DUMP_FORMATS.values():
        for compressed in (False, True):
            distribution = URIRef(site_url(f"/dcat#distribution-{fmt.extension}" + ("-gz" if compressed else "")))
            graph.add((dataset, DCAT.distribution, distribution))
            graph.add((distribution, RDF.type, DCAT.Distribution))
            graph.add((distribution, DCTERMS.title, Literal(
                fmt.title + (", gzip-compressed" if compressed else ""), lang="en")))
            graph.add((distribution, DCAT.accessURL, URIRef(site_url("/downloads"))))
            graph.add((distribution, DCAT.downloadURL, URIRef(dump_url(fmt.extension, compressed))))
            graph.add((distribution, DCAT.mediaType, URIRef(IANA + fmt.media_type)))
            if compressed:
                graph.add((distribution, DCAT.compressFormat, URIRef(IANA + "application/gzip")))
            graph.add((distribution, DCTERMS.license, URIRef(LICENSE)))
            graph.add((distribution, DCAT.byteSize, Literal(
                len(dump_bytes(fmt.extension, compressed)), datatype=XSD.nonNegativeInteger)))
    graph.add((service, RDF.type, DCAT.DataService))
    graph.add((service, DCTERMS.title, Literal("Smart Health SPARQL endpoint", lang="en")))
    graph.add((service, DCAT.endpointURL, service))
    graph.add((service, DCAT.servesDataset, dataset))
    graph.add((service, DCTERMS.conformsTo, URIRef("https://www.w3.org/TR/sparql11-protocol/")))
    graph.add((service, DCTERMS.license, URIRef(LICENSE)))
    return graph


@bp.get("/dcat")
def dcat():
    """Describe the dataset with DCAT-AP, in the negotiated RDF format."""
    from .describe import RDFLIB_FORMATS
    from .protocol import content_type_header, negotiate_description

    media_type = negotiate_description(request.headers.get("Accept"), tuple(request.args.getlist("format")))
    key = ("dcat", media_type, site_url("/"))
    body = get_state().cached(key, lambda: dcat_description().serialize(format=RDFLIB_FORMATS[media_type], encoding="utf-8"))
    response = Response(body, content_type=content_type_header(media_type))
    response.headers["Vary"] = "Accept"
    return response


@bp.get("/about")
def void_page():
    """Show the dataset's VoID description for people: counts, graphs, links to the RDF."""
    from .describe import endpoint_url, service_description, statistics, void_description

    return render_template(
        "about.html", stats=statistics(), void_turtle=void_description().serialize(format="turtle"),
        service_turtle=service_description().serialize(format="turtle"), endpoint=endpoint_url())

