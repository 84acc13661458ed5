"""Documentation of the ontology (``/ontology``) and the SKOS vocabularies (``/vocab``).

Both are made from the ontology graph the server holds (``https://w3id.org/smart-health/ontology``):
the ontology is its statements about anything outside the ``smhv:`` namespace, the vocabularies
its statements about ``smhv:`` IRIs. HTML for people (an anchor per term: ``/ontology#Region``,
``/vocab#helix-role/business``), Turtle, RDF/XML and JSON-LD by content negotiation
(``Vary: Accept``) or ``/ontology.ttl``, ``.rdf``, ``.jsonld`` (and ``.nt``).
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, redirect, render_template, request, url_for
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from ..config import ONTOLOGY_IRI
from ..errors import NotAcceptable
from ..namespaces import PREFIXES, SMH, SMHV
from . import get_state
from .public_urls import add_page_headers

bp = Blueprint("ontology_docs", __name__, template_folder="../templates")
bp.after_request(add_page_headers)

#: File extension -> media type; the first is the default for browsers.
FILE_FORMATS = {
    "html": "text/html",
    "ttl": "text/turtle",
    "rdf": "application/rdf+xml",
    "jsonld": "application/ld+json",
    "nt": "application/n-triples",
}
OX_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
}

ONTOLOGY_GRAPH = "SELECT ?s ?p ?o WHERE { GRAPH <%s> { ?s ?p ?o } }" % ONTOLOGY_IRI

#: Up to a few instances per class, and the things that use each concept (examples from the data).
CLASS_EXAMPLES = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?class ?thing ?label WHERE {
  ?thing a ?class . ?thing rdfs:label ?label FILTER(langMatches(lang(?label), "en"))
  FILTER(STRSTARTS(STR(?class), "%s")) } ORDER BY ?class ?label""" % SMH

CONCEPT_USES = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?concept ?thing ?label WHERE {
  GRAPH <%s> { ?concept a skos:Concept }
  ?thing ?p ?concept . FILTER(isIRI(?thing) && ?p != skos:broader && ?p != skos:narrower && ?p != skos:topConceptOf)
  OPTIONAL { ?thing rdfs:label ?label FILTER(langMatches(lang(?label), "en")) }
} ORDER BY ?concept ?label""" % ONTOLOGY_IRI

EXAMPLES_PER_TERM = 5


def ontology_graph() -> Graph:
    """Return the ontology graph as an rdflib Graph, once per data generation."""
    state = get_state()

    def load():
        graph = Graph()
        for prefix, namespace in PREFIXES.items():
            graph.bind(prefix, namespace, override=True)
        result = state.store.query(ONTOLOGY_GRAPH, timeout_s=60)
        data = ox.serialize([ox.Triple(r["s"], r["p"], r["o"]) for r in result.rows], format=ox.RdfFormat.N_TRIPLES)
        graph.parse(data=data, format="nt")
        return graph

    return state.cached("ontology-graph", load)


def _part(vocabulary: bool) -> list[ox.Triple]:
    """Return the ontology's triples (not about smhv: IRIs) or the vocabularies' triples."""
    state = get_state()
    rows = state.cached("ontology-rows", lambda: state.store.query(ONTOLOGY_GRAPH, timeout_s=60).rows)
    triples = []
    for row in rows:
        about_vocabulary = isinstance(row["s"], ox.NamedNode) and row["s"].value.startswith(str(SMHV).rstrip("/"))
        if about_vocabulary == vocabulary:
            triples.append(ox.Triple(row["s"], row["p"], row["o"]))
    return triples


def _negotiate(extension: str | None) -> str:
    if extension:
        if extension not in FILE_FORMATS:
            raise NotAcceptable(f"unknown format .{extension}; use one of {', '.join(FILE_FORMATS)}")
        return FILE_FORMATS[extension]
    from .linked_data import ALIASES, negotiate

    format_name = request.args.get("format")
    if format_name and format_name.lower() in FILE_FORMATS:
        return FILE_FORMATS[format_name.lower()]
    media_type = negotiate(request.headers.get("Accept"), format_name)
    media_type = ALIASES.get(media_type, media_type)
    if media_type not in FILE_FORMATS.values():
        raise NotAcceptable(f"the ontology is offered as {', '.join(FILE_FORMATS.values())}")
    return media_type


def _rdf(triples, media_type: str) -> Response:
    from .linked_data import content_type

    prefixes = {name: str(namespace) for name, namespace in PREFIXES.items()}
    rdf_format = OX_FORMATS[media_type]
    options = {} if rdf_format == ox.RdfFormat.N_TRIPLES else {"prefixes": prefixes}
    return Response(ox.serialize(triples, format=rdf_format, **options), content_type=content_type(media_type))


def _answer(vocabulary: bool, extension: str | None) -> Response:
    media_type = _negotiate(extension)
    if media_type == "text/html":
        response = Response(render_vocabularies() if vocabulary else render_ontology(),
                            content_type="text/html; charset=utf-8")
    else:
        response = _rdf(_part(vocabulary), media_type)
    if extension is None:
        response.headers["Vary"] = "Accept"
    return response


@bp.get("/ontology")
def ontology():
    """Document the ontology (HTML), or give it in an RDF format by negotiation."""
    return _answer(False, None)


@bp.get("/ontology.<extension>")
def ontology_file(extension: str):
    """Give the ontology in the format of the extension."""
    return _answer(False, extension)


@bp.get("/ontology/<path:rest>")
def ontology_module(rest: str):
    """Send the version IRI and the import module's IRI to the ontology's documentation (303)."""
    response = redirect(url_for("ontology_docs.ontology"), code=303)
    response.headers["Vary"] = "Accept"
    return response


@bp.get("/vocab")
def vocabularies():
    """Document the SKOS vocabularies (HTML), or give them in an RDF format by negotiation."""
    return _answer(True, None)


@bp.get("/vocab.<extension>")
def vocabulary_file(extension: str):
    """Give the vocabularies in the format of the extension."""
    return _answer(True, extension)


@bp.get("/vocab/<path:key>")
def concept(key: str):
    """Send a concept or scheme IRI to its anchor on the vocabulary page, or to the RDF (303)."""
    media_type = _negotiate(None)
    if media_type == "text/html":
        target = url_for("ontology_docs.vocabularies") + "#" + key
    else:
        target = url_for("ontology_docs.vocabulary_file", extension=_extension(media_type))
    response = redirect(target, code=303)
    response.headers["Vary"] = "Accept"
    return response


def _extension(media_type: str) -> str:
    return next(extension for extension, known in FILE_FORMATS.items() if known == media_type)


# -- HTML ---------------------------------------------------------------------------------------

def _label(graph: Graph, term, language: str = "en") -> str:
    for label in graph.objects(term, RDFS.label):
        if getattr(label, "language", None) == language:
            return str(label)
    for label in graph.objects(term, SKOS.prefLabel):
        if getattr(label, "language", None) == language:
            return str(label)
    return ""


def _short(iri: str) -> str:
    for name, namespace in sorted(PREFIXES.items(), key=lambda item: -len(str(item[1]))):
        if iri.startswith(str(namespace)):
            return f"{name}:{iri[len(str(namespace)):]}"
    return iri


def _term_ref(graph: Graph, term) -> dict:
    """Return how the page shows a reference to a term: a local anchor, or an external IRI."""
    iri = str(term)
    if isinstance(term, URIRef) and iri.startswith(str(SMH)):
        return {"href": "#" + iri[len(str(SMH)):], "text": _label(graph, term) or _short(iri), "external": False}
    if isinstance(term, URIRef):
        return {"href": iri, "text": _short(iri), "external": True}
    members = list(graph.objects(term, OWL.unionOf))
    if members:  # an owl:unionOf list (domains and ranges)
        from rdflib.collection import Collection

        parts = [_term_ref(graph, item)["text"] for item in Collection(graph, members[0])]
        return {"href": None, "text": " or ".join(parts), "external": False}
    return {"href": None, "text": "(an anonymous class)", "external": False}


def _examples(query: str, key: str) -> dict[str, list[dict]]:
    state = get_state()
    from .entity_pages import link

    def compute():
        found: dict[str, list[dict]] = {}
        for row in state.store.query(query, timeout_s=60).rows:
            holder = row["class" if "class" in row else "concept"].value
            items = found.setdefault(holder, [])
            if len(items) < EXAMPLES_PER_TERM and all(item["iri"] != row["thing"].value for item in items):
                items.append({"iri": row["thing"].value,
                              "label": row["label"].value if "label" in row else _short(row["thing"].value)})
        return found

    examples = state.cached(key, compute)
    return {holder: [{**item, "href": link(item["iri"])[0]} for item in items] for holder, items in examples.items()}


def _term(graph: Graph, term, examples) -> dict:
    iri = str(term)
    return {
        "anchor": iri[len(str(SMH)):],
        "iri": iri,
        "label": _label(graph, term),
        "label_nl": _label(graph, term, "nl"),
        "definition": next((str(d) for d in graph.objects(term, SKOS.definition)), ""),
        "comment": next((str(d) for d in graph.objects(term, RDFS.comment)), ""),
        "super": [_term_ref(graph, o) for o in graph.objects(term, RDFS.subClassOf)]
        + [_term_ref(graph, o) for o in graph.objects(term, RDFS.subPropertyOf)],
        "sub": [_term_ref(graph, s) for s in graph.subjects(RDFS.subClassOf, term)]
        + [_term_ref(graph, s) for s in graph.subjects(RDFS.subPropertyOf, term)],
        "equivalent": [_term_ref(graph, o) for p in (OWL.equivalentClass, OWL.equivalentProperty, SKOS.exactMatch,
                                                        SKOS.closeMatch) for o in graph.objects(term, p)],
        "domain": [_term_ref(graph, o) for o in graph.objects(term, RDFS.domain)],
        "range": [_term_ref(graph, o) for o in graph.objects(term, RDFS.range)],
        "characteristics": [_short(str(t)) for t in graph.objects(term, RDF.type)
                            if t not in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)],
        "examples": examples.get(iri, []),
    }


def render_ontology() -> str:
    """Return the HTML documentation of the ontology."""
    graph = ontology_graph()
    examples = _examples(CLASS_EXAMPLES, "class-examples")
    ontology_iri = URIRef(ONTOLOGY_IRI)

    def terms(kind):
        found = [t for t in graph.subjects(RDF.type, kind) if isinstance(t, URIRef) and str(t).startswith(str(SMH))]
        return sorted((_term(graph, t, examples) for t in set(found)), key=lambda t: t["anchor"].lower())

    metadata = {
        "title": next((str(t) for t in graph.objects(ontology_iri, DCTERMS.title) if t.language == "en"), "Ontology"),
        "description": next((str(t) for t in graph.objects(ontology_iri, DCTERMS.description)), ""),
        "version": next((str(t) for t in graph.objects(ontology_iri, OWL.versionIRI)), ""),
        "license": next((str(t) for t in graph.objects(ontology_iri, DCTERMS.license)), ""),
        "imports": [str(t) for t in graph.objects(ontology_iri, OWL.imports)],
    }
    sections = [
        ("classes", "Classes", terms(OWL.Class)),
        ("object-properties", "Object properties", terms(OWL.ObjectProperty)),
        ("datatype-properties", "Datatype properties", terms(OWL.DatatypeProperty)),
        ("annotation-properties", "Annotation properties", terms(OWL.AnnotationProperty)),
    ]
    return render_template("ontology.html", meta=metadata, iri=ONTOLOGY_IRI, namespace=str(SMH),
                           sections=[s for s in sections if s[2]])


def render_vocabularies() -> str:
    """Return the HTML documentation of the SKOS vocabularies: each scheme with its concepts."""
    graph = ontology_graph()
    uses = _examples(CONCEPT_USES, "concept-uses")
    base = str(SMHV)
    schemes = []
    for scheme in sorted(set(graph.subjects(RDF.type, SKOS.ConceptScheme)), key=str):
        if not str(scheme).startswith(base):
            continue
        concepts = sorted(set(graph.subjects(SKOS.inScheme, scheme)), key=str)
        schemes.append({
            "anchor": str(scheme)[len(base):], "iri": str(scheme), "label": _label(graph, scheme)
            or _short(str(scheme)), "definition": next((str(d) for d in graph.objects(scheme, SKOS.definition)), ""),
            "concepts": [{
                "anchor": str(c)[len(base):], "iri": str(c), "label": _label(graph, c),
                "label_nl": _label(graph, c, "nl"),
                "definition": next((str(d) for d in graph.objects(c, SKOS.definition)), ""),
                "broader": [{"href": "#" + str(b)[len(base):], "text": _label(graph, b)} for b in graph.objects(c, SKOS.broader)],
                "narrower": [{"href": "#" + str(n)[len(base):], "text": _label(graph, n)} for n in graph.subjects(SKOS.broader, c)],
                "uses": uses.get(str(c), []),
            } for c in concepts],
        })
    return render_template("vocab.html", schemes=schemes, namespace=base)
