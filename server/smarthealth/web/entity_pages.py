"""Pages for people: one page per entity, an index per class, and a search over names.

Routes: ``/browse`` (classes with their numbers of instances), ``/browse/{Class}`` (every instance
of a class and its subclasses, grouped by type), ``/search?q=`` (labels and alternative names in
English and Dutch). Entity pages themselves are answered by ``linked_data`` (``/doc/{key}.html``).
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, abort, render_template, request

from ..config import ONTOLOGY_IRI
from ..namespaces import SMH
from . import get_state
from .public_urls import add_page_headers
from .entity_graph import EntityDescription, source_documents
from .entity_view import EntityView
from .neighbourhood import neighbourhood

bp = Blueprint("entity_pages", __name__, template_folder="../templates")
bp.after_request(add_page_headers)

#: Longest search answer shown.
SEARCH_LIMIT = 100

TERM_LABELS = """SELECT ?term ?label WHERE {
  GRAPH <%s> { ?term <http://www.w3.org/2000/01/rdf-schema#label> ?label }
  FILTER(isIRI(?term) && langMatches(lang(?label), "en")) }""" % ONTOLOGY_IRI

#: Classes of the ontology with the number of instances of each, subclasses included.
CLASS_COUNTS = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
SELECT ?class (SAMPLE(?name) AS ?label) (COUNT(DISTINCT ?thing) AS ?n) WHERE {
  GRAPH <%s> { ?class a owl:Class . OPTIONAL { ?class rdfs:label ?name FILTER(langMatches(lang(?name), "en")) } }
  FILTER(STRSTARTS(STR(?class), "%s"))
  ?sub rdfs:subClassOf* ?class .
  ?thing a ?sub .
} GROUP BY ?class ORDER BY DESC(?n)""" % (ONTOLOGY_IRI, SMH)

INSTANCES = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?class ?thing ?type ?typeLabel ?label WHERE {
  ?type rdfs:subClassOf* ?class .
  ?thing a ?type .
  OPTIONAL { ?type rdfs:label ?typeLabel FILTER(langMatches(lang(?typeLabel), "en")) }
  OPTIONAL { ?thing rdfs:label ?label FILTER(langMatches(lang(?label), "en")) }
} ORDER BY ?typeLabel LCASE(STR(?label))"""

SEARCH = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?text ?thing ?name ?label ?type WHERE {
  ?thing rdfs:label|skos:altLabel|skos:prefLabel ?name .
  FILTER(isIRI(?thing) && CONTAINS(LCASE(STR(?name)), LCASE(STR(?text))))
  FILTER NOT EXISTS { ?thing a <https://w3id.org/smart-health/ontology#Quotation> }
  OPTIONAL { ?thing rdfs:label ?label FILTER(langMatches(lang(?label), "en")) }
  OPTIONAL { ?thing a ?type }
}"""


def term_labels() -> dict[str, str]:
    """Return the English labels of the ontology's terms and concepts, once per data generation."""
    state = get_state()
    return state.cached("term-labels", lambda: {
        row["term"].value: row["label"].value for row in state.store.query(TERM_LABELS, timeout_s=60).rows})


def documents() -> dict[str, tuple[str, str]]:
    """Return named graph -> (source document, English title), once per data generation."""
    state = get_state()
    return state.cached("source-documents", lambda: source_documents(state.store))


def link(iri: str) -> tuple[str, bool]:
    """Return where a link to an IRI goes and whether it leaves the site."""
    from .linked_data import page_url

    local = page_url(iri)
    if local is not None:
        return local, False
    if not iri.startswith("urn:"):  # NUTS, EU authority tables, W3C terms: another site
        return iri, True
    return f"{request.script_root}/resource?uri={iri}", False


def render_entity(description: EntityDescription) -> str:
    """Return the HTML page of an entity."""
    view = EntityView(description, term_labels=term_labels(), documents=documents(), link=link)
    from .linked_data import EXTENSIONS, _alternate_url

    formats = {extension: _alternate_url(description.iri, media_type)
               for extension, media_type in EXTENSIONS.items() if extension != "html"}
    return render_template("entity.html", view=view, iri=description.iri, formats=formats,
                           picture=neighbourhood(view))


def render_not_found(iri: str) -> str:
    """Return the page telling that the graph holds nothing about an IRI."""
    return render_template("not_found.html", iri=iri)


@bp.get("/browse")
def classes():
    """List the classes of the ontology with the number of things of each."""
    state = get_state()
    rows = state.cached("class-counts", lambda: state.store.query(CLASS_COUNTS, timeout_s=60).rows)
    listed = [{"iri": row["class"].value, "key": row["class"].value[len(str(SMH)):],
               "label": row["label"].value if "label" in row else row["class"].value[len(str(SMH)):],
               "count": int(row["n"].value)} for row in rows]
    return render_template("browse.html", classes=listed)


@bp.get("/browse/<name>")
def class_index(name: str):
    """List every instance of a class (and its subclasses), grouped by their own type."""
    state = get_state()
    class_iri = ox.NamedNode(str(SMH) + name)
    label = term_labels().get(class_iri.value)
    if label is None:
        abort(404, description=f"the ontology has no class smh:{name}")
    rows = state.cached(("instances", name), lambda: state.store.query(
        INSTANCES, substitutions={"class": class_iri}, timeout_s=60).rows)
    groups: dict[str, list[dict]] = {}
    seen = set()
    for row in rows:
        thing = row["thing"].value
        if thing in seen:
            continue
        seen.add(thing)
        type_label = row["typeLabel"].value if "typeLabel" in row else row["type"].value
        groups.setdefault(type_label, []).append(
            {"href": link(thing)[0], "label": row["label"].value if "label" in row else thing})
    return render_template("class_index.html", label=label, name=name, class_iri=class_iri.value,
                           groups=groups, total=len(seen))


@bp.get("/search")
def search():
    """Find things whose label or alternative name (English or Dutch) contains the words asked for."""
    text = (request.args.get("q") or "").strip()
    hits = []
    if text:
        state = get_state()
        rows = state.store.query(SEARCH, substitutions={"text": ox.Literal(text)}, timeout_s=30).rows
        by_thing: dict[str, dict] = {}
        labels = term_labels()
        for row in rows:
            thing = row["thing"].value
            hit = by_thing.setdefault(thing, {
                "href": link(thing)[0], "label": (row["label"].value if "label" in row else row["name"].value),
                "matched": set(), "types": set(), "exact": False})
            hit["matched"].add(row["name"].value)
            hit["exact"] = hit["exact"] or row["name"].value.lower() == text.lower()
            if "type" in row:
                hit["types"].add(labels.get(row["type"].value, row["type"].value.rsplit("#", 1)[-1].rsplit("/", 1)[-1]))
        hits = sorted(by_thing.values(), key=lambda hit: (not hit["exact"], hit["label"].lower()))[:SEARCH_LIMIT]
    return render_template("search.html", text=text, hits=hits, limit=SEARCH_LIMIT)
