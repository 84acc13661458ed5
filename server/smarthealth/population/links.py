"""Reviewed links to other datasets (data/curated/links.yaml) -> skos:exactMatch / skos:closeMatch with provenance.

Only entries a person reviewed and marked ``decision: accepted`` enter the graph; ``pending`` and
``rejected`` entries are kept in the file as the record of the review and emit nothing. Each link
goes into the named graph ``{base}graph/reviewed-links`` as the triple itself plus a review
record ``{base}link/{hash}`` (a prov:Entity) about the entity (dcterms:subject) and the identifier
(rdfs:seeAlso) that says where the identifier was copied from (prov:wasDerivedFrom), who reviewed
it and when (dcterms:creator, dcterms:date), a label (rdfs:label) and the evidence (dcterms:description: relation,
matched label, country, score). The file has the same entry format as the review files that
``smarthealth align`` writes, so an accepted candidate is moved here as it is.

An entry::

    - entity: organisation/ku-leuven          # kind/key of an instance of this graph
      target: https://ror.org/05f950310       # the other dataset's IRI
      relation: exactMatch                    # or closeMatch
      decision: accepted                      # accepted | rejected | pending
      evidence:
        matched_label: KU Leuven
        country: BEL
        score: 1.0
        source: https://elifesciences.org/articles/82201   # where the identifier was copied from
      reviewed_by: a name or role
      reviewed_on: 2026-11-26
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from ..errors import SourceError
from .iris import Iris
from .yamlio import LINE, load_yaml, where as where_of

LINKS_FILE = "links.yaml"
LINKS_GRAPH = "reviewed-links"
RELATIONS = {"exactMatch": SKOS.exactMatch, "closeMatch": SKOS.closeMatch}
DECISIONS = ("accepted", "rejected", "pending")
ENTRY_KEYS = {"entity", "entity_label", "target", "relation", "decision", "evidence", "reviewed_by",
              "reviewed_on", "also"}
EVIDENCE_KEYS = {"matched_label", "matched_property", "country", "entity_country", "score", "source", "note"}


@dataclass(frozen=True)
class Link:
    """One reviewed entry of the links file."""

    entity: str
    target: str
    relation: str
    decision: str
    evidence: dict
    reviewed_by: str | None
    reviewed_on: str | None
    where: str

    @property
    def accepted(self) -> bool:
        return self.decision == "accepted"


def load_links(path: Path) -> list[Link]:
    """Read a links (or review) file; raise SourceError naming the entry and the problem."""
    path = Path(path)
    if not path.exists():
        return []
    document = load_yaml(path) or {}
    entries = document.get("links", document.get("candidates")) if isinstance(document, dict) else None
    if entries is None:
        raise SourceError("expected a mapping with a 'links' list", where=str(path))
    if not isinstance(entries, list):
        raise SourceError("'links' must be a list of entries", where=str(path))
    return [_link(entry, f"{where_of(path, entry)} (entry {number})") for number, entry in enumerate(entries, start=1)]


def _link(entry, where: str) -> Link:
    if not isinstance(entry, dict):
        raise SourceError("an entry must be a mapping", where=where)
    entry = {key: value for key, value in entry.items() if key != LINE}
    unknown = set(entry) - ENTRY_KEYS
    if unknown:
        raise SourceError(f"unknown keys {sorted(unknown)}; known: {sorted(ENTRY_KEYS)}", where=where)
    for key in ("entity", "target", "relation", "decision"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise SourceError(f"'{key}' is missing or not a text", where=where)
    if entry["relation"] not in RELATIONS:
        raise SourceError(f"relation {entry['relation']!r} is not one of {', '.join(RELATIONS)}", where=where)
    if entry["decision"] not in DECISIONS:
        raise SourceError(f"decision {entry['decision']!r} is not one of {', '.join(DECISIONS)}", where=where)
    target = entry["target"].strip()
    if not target.startswith(("http://", "https://")) or any(c in target for c in ' <>"{}|\\^`'):
        raise SourceError(f"target {target!r} is not an http(s) IRI", where=where)
    evidence = entry.get("evidence") or {}
    if isinstance(evidence, dict):
        evidence = {key: value for key, value in evidence.items() if key != LINE}
    if not isinstance(evidence, dict) or set(evidence) - EVIDENCE_KEYS:
        raise SourceError(f"'evidence' must be a mapping with keys among {sorted(EVIDENCE_KEYS)}", where=where)
    reviewed_on = entry.get("reviewed_on")
    if entry["decision"] == "accepted":
        if not evidence.get("source"):
            raise SourceError("an accepted link needs evidence.source: where the identifier was copied from",
                              where=where)
        if not entry.get("reviewed_by") or not reviewed_on:
            raise SourceError("an accepted link needs reviewed_by and reviewed_on", where=where)
    if reviewed_on is not None:
        reviewed_on = _date(reviewed_on, where)
    return Link(entity=entry["entity"].strip(), target=target, relation=entry["relation"],
                decision=entry["decision"], evidence=dict(evidence), reviewed_by=entry.get("reviewed_by"),
                reviewed_on=reviewed_on, where=where)


def _date(value, where: str) -> str:
    if isinstance(value, datetime.date):
        return value.isoformat()
    try:
        return datetime.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise SourceError(f"reviewed_on {value!r} is not a date such as 2026-11-26", where=where) from None


def emit_links(curated_dir: Path, iris: Iris, graphs: dict[URIRef, Graph]) -> tuple[URIRef, Graph] | None:
    """Return the named graph of the reviewed links file in a curated folder, or None when nothing is accepted."""
    links = load_links(Path(curated_dir) / LINKS_FILE)
    if not any(link.accepted for link in links):
        return None
    subjects = {subject for graph in graphs.values() for subject in graph.subjects(RDF.type, None)}
    return iris.graph(LINKS_GRAPH), links_graph(links, iris, subjects)


def links_graph(links: list[Link], iris: Iris, known_subjects: set[URIRef]) -> Graph:
    """Return the graph of the accepted links with their provenance; refuse a link whose entity names nothing."""
    graph = Graph()
    for link in links:
        if not link.accepted:
            continue
        entity = iris(link.entity)
        if entity not in known_subjects:
            raise SourceError(f"entity {link.entity!r} names nothing in the graph ({entity})", where=link.where)
        target = URIRef(link.target)
        predicate = RELATIONS[link.relation]
        graph.add((entity, predicate, target))
        digest = hashlib.sha1(f"{entity} {predicate} {target}".encode()).hexdigest()[:16]
        # The review record: what the link is about, the identifier it links to, where that was
        # copied from, who reviewed it and when. (rdf:Statement reification would leave OWL 2 DL.)
        record = iris(f"link/{digest}")
        graph.add((record, RDF.type, PROV.Entity))
        # A label, so that pages listing what is about the entity show a name, not a hash.
        graph.add((record, RDFS.label, Literal(f"Review of the link to {target}", lang="en")))
        graph.add((record, DCTERMS.subject, entity))
        graph.add((record, RDFS.seeAlso, target))
        graph.add((record, PROV.wasDerivedFrom, URIRef(str(link.evidence["source"]))))
        graph.add((record, DCTERMS.creator, Literal(str(link.reviewed_by))))
        graph.add((record, DCTERMS.date, Literal(link.reviewed_on, datatype=XSD.date)))
        graph.add((record, DCTERMS.description, Literal(_evidence_text(link), lang="en")))
    return graph


def _evidence_text(link: Link) -> str:
    evidence = link.evidence
    parts = [f"skos:{link.relation} reviewed and accepted"]
    if evidence.get("matched_label"):
        parts.append(f"matched label: {evidence['matched_label']}")
    if evidence.get("country"):
        parts.append(f"country: {evidence['country']}")
    if evidence.get("score") is not None:
        parts.append(f"score: {evidence['score']}")
    if evidence.get("note"):
        parts.append(str(evidence["note"]))
    return "; ".join(parts) or "reviewed"
