"""Write ontology/smart-health.owl: the ontology, its vocabularies and the import module as one RDF/XML file."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from rdflib import OWL, RDF, BNode, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph

from ..config import ONTOLOGY_IRI, Settings
from ..namespaces import PREFIXES
from .graphs import load_ontology

GENERATED_NOTE = "\n".join([
    "GENERATED FILE, do not edit: written by `smarthealth ontology` (smarthealth.validation.owl_export).",
    "     Source: ontology/smart-health.ttl + ontology/vocabularies.ttl + ontology/imports/external.ttl,",
    "     merged into one RDF/XML document without owl:imports so that owlready2 and Protégé read it",
    "     offline. Edit the Turtle files, then run `smarthealth ontology` to regenerate this file.",
])
RDF_NS = str(RDF)


def owl_path(settings: Settings) -> Path:
    """Return where the RDF/XML copy lives."""
    return settings.ontology_dir / "smart-health.owl"


def merged_ontology(settings: Settings) -> Graph:
    """Merge the ontology files into one ontology: one header (the main ontology), no imports."""
    graph = load_ontology(settings)
    main = URIRef(ONTOLOGY_IRI)
    for header in list(graph.subjects(RDF.type, OWL.Ontology)):
        if header != main:
            graph.remove((header, None, None))
    graph.remove((None, OWL.imports, None))
    return graph


def render_rdfxml(graph: Graph) -> str:
    """Write a graph as flat RDF/XML in a deterministic order (same graph, same bytes)."""
    canonical = to_canonical_graph(graph)
    namespaces = {str(ns): prefix for prefix, ns in PREFIXES.items()}
    namespaces.setdefault("http://purl.org/vocab/vann/", "vann")
    namespaces.setdefault("http://qudt.org/schema/qudt/", "qudt")
    used = {}
    lines_by_subject: dict = {}
    for subject, predicate, obj in sorted(canonical, key=_sort_key):
        namespace, local = _split(predicate)
        prefix = namespaces.get(namespace)
        if prefix is None:
            prefix = f"ns{len([p for p in used.values() if p.startswith('ns')]) + 1}"
            namespaces[namespace] = prefix
        used[namespace] = prefix
        lines_by_subject.setdefault(subject, []).append(_property(f"{prefix}:{local}", obj))
    used.setdefault(RDF_NS, "rdf")
    out = ['<?xml version="1.0" encoding="utf-8"?>', f"<!-- {escape(GENERATED_NOTE)} -->", "<rdf:RDF"]
    for namespace, prefix in sorted(used.items(), key=lambda item: item[1]):
        out.append(f"    xmlns:{prefix}={quoteattr(namespace)}")
    out[-1] += ">"
    for subject in sorted(lines_by_subject, key=_term_key):
        about = (
            f"rdf:nodeID={quoteattr(str(subject))}" if isinstance(subject, BNode) else f"rdf:about={quoteattr(str(subject))}"
        )
        out.append(f"  <rdf:Description {about}>")
        out.extend(lines_by_subject[subject])
        out.append("  </rdf:Description>")
    out.append("</rdf:RDF>")
    return "\n".join(out) + "\n"


def write_owl(settings: Settings) -> Path:
    """Regenerate ontology/smart-health.owl and return its path."""
    path = owl_path(settings)
    path.write_text(render_rdfxml(merged_ontology(settings)), encoding="utf-8")
    return path


def owl_is_current(settings: Settings) -> bool:
    """Return whether the committed RDF/XML copy matches what the Turtle files generate."""
    path = owl_path(settings)
    return path.is_file() and path.read_text(encoding="utf-8") == render_rdfxml(merged_ontology(settings))


def _property(qname: str, obj) -> str:
    if isinstance(obj, BNode):
        return f"    <{qname} rdf:nodeID={quoteattr(str(obj))}/>"
    if isinstance(obj, URIRef):
        return f"    <{qname} rdf:resource={quoteattr(str(obj))}/>"
    attributes = ""
    if obj.language:
        attributes = f" xml:lang={quoteattr(obj.language)}"
    elif obj.datatype is not None:
        attributes = f" rdf:datatype={quoteattr(str(obj.datatype))}"
    return f"    <{qname}{attributes}>{escape(str(obj))}</{qname}>"


def _split(predicate: URIRef) -> tuple[str, str]:
    text = str(predicate)
    cut = max(text.rfind("#"), text.rfind("/")) + 1
    return text[:cut], text[cut:]


def _term_key(term) -> tuple:
    kind = 0 if isinstance(term, URIRef) else 1 if isinstance(term, BNode) else 2
    extra = ""
    if isinstance(term, Literal):
        extra = f"{term.language or ''}|{term.datatype or ''}"
    return (kind, str(term), extra)


def _sort_key(triple) -> tuple:
    return tuple(_term_key(term) for term in triple)
