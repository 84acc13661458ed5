"""Names that no document gives but a reviewed public source does (data/curated/label-sources.yaml).

The documents often write a Flemish body only as an acronym or in Dutch ("UGent", "UZ Leuven"); the
graph labels it so. Where an English name helps a reader and a public page gives it, the file
lists it under ``reviewed`` with the page, the passage of the page that gives it, who reviewed it
and when; the build adds it as ``skos:altLabel`` in the named graph ``{base}graph/reviewed-labels``
with a record ``{base}label/{hash}`` (a prov:Entity with an rdfs:label) about the entity (dcterms:subject) that says
where the name was copied from (prov:wasDerivedFrom), the passage (dcterms:description), who and
when (dcterms:creator, dcterms:date). The ``built`` list of the same file records labels built from
the documents' words (checked by tests/test_population_label_sources.py); it emits nothing.

An entry of ``reviewed``::

    - entity: organisation/ugent
      altLabel: Ghent University            # English (the only language these entries add)
      source: https://elifesciences.org/articles/82201
      passage: "Ghent University Ghent Belgium (ROR:00cv9y106)"   # the page's words, holding altLabel
      reviewed_by: a name or role
      reviewed_on: 2026-11-26
"""

from __future__ import annotations

import datetime
import hashlib
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from ..errors import SourceError
from .iris import Iris
from .yamlio import LINE, load_yaml, where as where_of

LABEL_SOURCES_FILE = "label-sources.yaml"
REVIEWED_LABELS_GRAPH = "reviewed-labels"
REVIEWED_KEYS = {"entity", "altLabel", "source", "passage", "reviewed_by", "reviewed_on"}


def load_reviewed_labels(path: Path) -> list[dict]:
    """Read the ``reviewed`` entries of a label-sources file; raise SourceError naming a bad entry."""
    path = Path(path)
    if not path.exists():
        return []
    document = load_yaml(path) or {}
    entries = document.get("reviewed", []) if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise SourceError("expected a mapping whose 'reviewed' is a list of entries", where=str(path))
    return [_entry(entry, f"{where_of(path, entry)} (reviewed entry {number})")
            for number, entry in enumerate(entries, start=1)]


def _entry(entry, where: str) -> dict:
    if not isinstance(entry, dict):
        raise SourceError("an entry must be a mapping", where=where)
    entry = {key: value for key, value in entry.items() if key != LINE}
    if set(entry) != REVIEWED_KEYS:
        raise SourceError(f"an entry needs exactly the keys {sorted(REVIEWED_KEYS)}", where=where)
    for key in REVIEWED_KEYS - {"reviewed_on"}:
        if not isinstance(entry[key], str) or not entry[key].strip():
            raise SourceError(f"'{key}' is missing or not a text", where=where)
    if not entry["source"].startswith(("http://", "https://")) or any(c in entry["source"] for c in ' <>"{}|\\^`'):
        raise SourceError(f"source {entry['source']!r} is not an http(s) IRI", where=where)
    if " ".join(entry["altLabel"].split()).lower() not in " ".join(entry["passage"].split()).lower():
        raise SourceError(f"the passage does not hold the name {entry['altLabel']!r}", where=where)
    try:
        reviewed_on = datetime.date.fromisoformat(str(entry["reviewed_on"])).isoformat()
    except ValueError:
        raise SourceError(f"reviewed_on {entry['reviewed_on']!r} is not a date such as 2026-11-26", where=where) from None
    return {**entry, "reviewed_on": reviewed_on, "where": where}


def emit_reviewed_labels(curated_dir: Path, iris: Iris, graphs: dict[URIRef, Graph]) -> tuple[URIRef, Graph] | None:
    """Return the named graph of the reviewed English names, or None when the file lists none."""
    entries = load_reviewed_labels(Path(curated_dir) / LABEL_SOURCES_FILE)
    if not entries:
        return None
    subjects = {subject for graph in graphs.values() for subject in graph.subjects(RDF.type, None)}
    graph = Graph()
    for entry in entries:
        entity = iris(entry["entity"])
        if entity not in subjects:
            raise SourceError(f"entity {entry['entity']!r} names nothing in the graph ({entity})", where=entry["where"])
        name = Literal(entry["altLabel"], lang="en")
        graph.add((entity, SKOS.altLabel, name))
        digest = hashlib.sha1(f"{entity} {SKOS.altLabel} {name}@en".encode()).hexdigest()[:16]
        record = iris(f"label/{digest}")
        graph.add((record, RDF.type, PROV.Entity))
        # A label, so that pages listing what is about the entity show a name, not a hash.
        graph.add((record, RDFS.label, Literal(f"Review of the English name {entry['altLabel']}", lang="en")))
        graph.add((record, DCTERMS.subject, entity))
        graph.add((record, PROV.wasDerivedFrom, URIRef(entry["source"])))
        graph.add((record, DCTERMS.creator, Literal(entry["reviewed_by"])))
        graph.add((record, DCTERMS.date, Literal(entry["reviewed_on"], datatype=XSD.date)))
        graph.add((record, DCTERMS.description, Literal(
            f"skos:altLabel \"{entry['altLabel']}\"@en copied from the page's words: \"{entry['passage']}\"", lang="en")))
    return iris.graph(REVIEWED_LABELS_GRAPH), graph
