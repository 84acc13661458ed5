"""Turn an entity's description into what its page shows: statements grouped by meaning, each with
the documents that state it and their quotations, n-ary records as one line, disagreements side by side.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import pyoxigraph as ox
from rdflib.namespace import DCTERMS

from ..namespaces import OA, ORG, OWL, PROV, RDF, RDFS, SKOS, SMH
from .entity_graph import NARY_CLASSES, EntityDescription

S, O = str(SMH), str(ORG)

#: Group key -> heading, in the order a policy officer reads a page; predicates map to a group.
GROUPS = {
    "where": "Where",
    "who": "Who and roles",
    "memberships": "Memberships and partners",
    "projects": "Projects, use cases and plans",
    "funding": "Funding",
    "events": "Events",
    "themes": "Themes and topics",
    "indicators": "Indicators",
    "when": "Dates and status",
    "other": "Other statements",
}

GROUP_OF = {
    **{S + name: "where" for name in ("basedIn", "locatedIn", "partOfRegion", "country", "nutsRegion",
                                      "nutsCode", "nutsLevel", "involvesRegion", "observedRegion")},
    str(DCTERMS.spatial): "where",
    **{S + name: "who" for name in ("helixRole", "coordinatedBy", "participant", "managedBy", "affiliation",
                                    "roleDescription", "beneficiary")},
    **{O + name: "memberships" for name in ("memberOf", "member", "organization", "role", "subOrganizationOf")},
    **{S + name: "memberships" for name in ("isMember", "rootedIn", "collaboratesWith", "period")},
    **{S + name: "projects" for name in ("hasUseCase", "hasPlan", "fundedProject", "plannedDate")},
    **{S + name: "funding" for name in ("fundedBy", "fundingProgramme", "amount", "currency", "fundingKind", "year",
                                        "numberOfProjects", "numberOfBeneficiaries", "smeShare", "programmeLevel")},
    str(DCTERMS.isPartOf): "funding",
    **{S + name: "events" for name in ("organisedBy", "coOrganisedWith", "eventFormat", "participantCount")},
    S + "theme": "themes",
    str(DCTERMS.subject): "themes",
    **{S + name: "indicators" for name in ("indicator", "numericValue", "categoryValue", "unit")},
    **{S + name: "when" for name in ("startDate", "endDate", "status")},
    str(DCTERMS.date): "when",
}

#: How an incoming statement reads from the entity's side ("X basedIn this" -> "based here").
INVERSE_LABELS = {
    S + "basedIn": "based here", S + "locatedIn": "located here", S + "partOfRegion": "has part",
    S + "involvesRegion": "projects involving it", O + "memberOf": "members",
    S + "participant": "takes part in", S + "coordinatedBy": "coordinates", S + "fundedBy": "funds",
    S + "organisedBy": "organises", S + "coOrganisedWith": "co-organises", S + "theme": "on this theme",
    S + "hasUseCase": "use case of", S + "hasPlan": "plan of", S + "affiliation": "people",
    S + "managedBy": "manages", str(DCTERMS.isPartOf): "has part", str(DCTERMS.spatial): "documents about it",
    str(DCTERMS.subject): "documents on it", S + "rootedIn": "roots of", O + "subOrganizationOf": "has part",
    S + "collaboratesWith": "collaborates with", S + "helixRole": "organisations with this role",
    S + "status": "with this status", S + "indicator": "observations", S + "fundingProgramme": "amounts",
    S + "eventFormat": "events in this format", S + "programmeLevel": "programmes at this level",
    O + "role": "memberships in this role", str(OA.hasSource): "quotations",
}

#: Names of external properties the ontology graph does not label.
EXTERNAL_LABELS = {
    str(RDF.type): "type", str(RDFS.label): "name", str(RDFS.comment): "comment", str(SKOS.altLabel): "also called",
    str(SKOS.prefLabel): "name", str(SKOS.definition): "definition", str(SKOS.inScheme): "in scheme",
    str(SKOS.broader): "broader", str(SKOS.narrower): "narrower", str(SKOS.topConceptOf): "top concept of",
    str(DCTERMS.title): "title", str(DCTERMS.description): "description", str(DCTERMS.date): "date",
    str(DCTERMS.language): "language", str(DCTERMS.spatial): "about region", str(DCTERMS.subject): "subject",
    str(DCTERMS.isPartOf): "part of", O + "memberOf": "member of", O + "member": "member",
    O + "organization": "organisation", O + "role": "role", O + "subOrganizationOf": "part of",
    str(PROV.wasDerivedFrom): "derived from", str(OA.hasSource): "source", str(OA.hasSelector): "selector",
    str(OA.exact): "exact text", str(OWL.sourceIndividual): "subject", str(OWL.targetIndividual): "object",
    str(OWL.assertionProperty): "property",
}

#: Shown in the page head or the provenance section, not as statements.
HEAD_PROPERTIES = {str(RDF.type), str(RDFS.label), str(SKOS.prefLabel), str(SKOS.altLabel), str(RDFS.comment),
                   str(DCTERMS.description), str(DCTERMS.title), str(PROV.wasDerivedFrom), str(SKOS.definition)}

#: Not compared between documents (as in queries/source-disagreements.rq).
NOT_COMPARED = HEAD_PROPERTIES | {str(OA.hasSource), str(OA.hasSelector), str(OA.exact), O + "memberOf"}

#: An incoming property with more values than this is split by the type of what links (organisations by kind).
SPLIT_ABOVE = 10


@dataclass
class Source:
    """One document that states something, with the quotations behind it there."""

    graph: str
    title: str
    quotes: list[str] = field(default_factory=list)


@dataclass
class Value:
    """One value of a statement: a link or a literal, and where it is stated."""

    text: str
    href: str | None = None
    external: bool = False
    language: str | None = None
    sources: list[Source] = field(default_factory=list)
    #: For an n-ary record: its parts, each a link or a literal.
    parts: list["Value"] = field(default_factory=list)


@dataclass
class Row:
    """One line of a group: a property (or a record) and its values."""

    label: str
    values: list[Value]
    property_href: str | None = None


@dataclass
class Disagreement:
    """A property two documents give different values for."""

    label: str
    columns: list[tuple[str, list[Value]]]


class EntityView:
    """Build the page model of one entity from its description."""

    def __init__(self, description: EntityDescription, *, term_labels: dict[str, str],
                 documents: dict[str, tuple[str, str]], link):
        self.d = description
        self.entity = ox.NamedNode(description.iri)
        self.term_labels = term_labels
        self.documents = documents
        self.link = link  # IRI -> (href, external)
        self.quotes = self._quotes()

    # -- names ---------------------------------------------------------------------------------
    def label(self, node, language: str = "en") -> str:
        """Return the best name of a node: a label in ``language``, English, any, or its IRI's end."""
        if isinstance(node, ox.Literal):
            return node.value
        names = [term for prop in (str(RDFS.label), str(SKOS.prefLabel), str(DCTERMS.title))
                 for term in self.d.values(node, prop) if isinstance(term, ox.Literal)]
        for wanted in (language, "en", None):
            for name in names:
                if wanted is None or name.language == wanted:
                    return name.value
        if node.value in self.term_labels:
            return self.term_labels[node.value]
        return node.value.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]

    def labels_in(self, language: str) -> list[str]:
        return [term.value for term in self.d.values(self.d.iri, str(RDFS.label))
                if isinstance(term, ox.Literal) and term.language == language]

    def property_label(self, iri: str) -> str:
        return self.term_labels.get(iri) or EXTERNAL_LABELS.get(iri) or iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]

    def alt_labels(self) -> list[str]:
        return [term.value for term in self.d.values(self.d.iri, str(SKOS.altLabel)) if isinstance(term, ox.Literal)]

    def description_text(self) -> str | None:
        for prop in (str(RDFS.comment), str(DCTERMS.description), str(SKOS.definition)):
            for term in self.d.values(self.d.iri, prop):
                if isinstance(term, ox.Literal) and term.language in (None, "", "en"):
                    return term.value
        return None

    def types(self) -> list[Value]:
        return [self.value(ox.NamedNode(iri)) for iri in self.d.types(self.d.iri)]

    # -- provenance ----------------------------------------------------------------------------
    def _quotes(self) -> dict[tuple, list[str]]:
        """Return (holder IRI, graph IRI) -> verbatim quotations behind the holder in that graph."""
        exact = {quad.subject: quad.object.value for quad in self.d.quads if quad.predicate.value == str(OA.exact)}
        selector = {quad.subject: quad.object for quad in self.d.quads if quad.predicate.value == str(OA.hasSelector)}
        found: dict[tuple, list[str]] = {}
        for quad in self.d.quads:
            if quad.predicate.value == str(PROV.wasDerivedFrom):
                text = exact.get(selector.get(quad.object))
                if text is not None:
                    key = (quad.subject.value, quad.graph_name.value)
                    found.setdefault(key, [])
                    if text not in found[key]:
                        found[key].append(text)
        return found

    def sources(self, subject, predicate, obj, holder=None) -> list[Source]:
        """Return the documents that state a statement, with the quotations behind its holder."""
        holder = holder or subject
        result = []
        for graph in self.d.graphs_of(subject, predicate, obj):
            if graph not in self.documents:
                continue
            title = self.documents[graph][1]
            result.append(Source(graph, title, self.quotes.get((holder.value, graph), [])))
        return result

    def document_sources(self) -> list[Source]:
        """Return every document that says something about the entity."""
        graphs = dict.fromkeys(
            quad.graph_name.value for quad in self.d.quads
            if (quad.subject == self.entity or quad.object == self.entity) and isinstance(quad.graph_name, ox.NamedNode)
        )
        return [Source(graph, self.documents[graph][1], self.quotes.get((self.d.iri, graph), []))
                for graph in graphs if graph in self.documents]

    def reviewed_pages(self) -> list[str]:
        """Return the public pages a reviewed record (a link or a name, outside the documents) cites."""
        return list(dict.fromkeys(
            quad.object.value for quad in self.d.quads
            if quad.subject == self.entity and quad.predicate.value == str(PROV.wasDerivedFrom)
            and isinstance(quad.object, ox.NamedNode) and isinstance(quad.graph_name, ox.NamedNode)
            and quad.graph_name.value not in self.documents
        ))

    # -- values and rows -----------------------------------------------------------------------
    def value(self, term, sources=None) -> Value:
        if isinstance(term, ox.Literal):
            return Value(term.value, language=term.language or None, sources=sources or [])
        if isinstance(term, ox.BlankNode):
            return Value("(an unnamed node)", sources=sources or [])
        href, external = self.link(term.value)
        return Value(self.label(term), href, external, sources=sources or [])

    def groups(self) -> list[tuple[str, list[Row]]]:
        """Return (heading, rows) per group: outgoing, incoming, then n-ary records."""
        rows: dict[str, list[Row]] = {key: [] for key in GROUPS}
        nary = {quad.subject for quad in self.d.quads
                if quad.predicate.value == str(RDF.type) and quad.object.value in NARY_CLASSES}
        outgoing: dict[str, list[Value]] = {}
        incoming: dict[str, list[Value]] = {}
        for quad in dict.fromkeys(q.triple for q in self.d.quads):
            predicate = quad.predicate.value
            if quad.subject == self.entity and predicate not in HEAD_PROPERTIES:
                if quad.object in nary:
                    continue
                values = outgoing.setdefault(predicate, [])
                values.append(self.value(quad.object, self.sources(quad.subject, quad.predicate, quad.object)))
            elif quad.object == self.entity and quad.subject != self.entity and quad.subject not in nary:
                if predicate in (str(PROV.wasDerivedFrom), str(OA.hasSelector)):
                    continue
                values = incoming.setdefault(predicate, [])
                values.append((self.value(quad.subject, self.sources(quad.subject, quad.predicate, quad.object)), quad.subject))
        for predicate, values in outgoing.items():
            rows[GROUP_OF.get(predicate, "other")].append(
                Row(self.property_label(predicate), _sorted(values), self.link(predicate)[0]))
        for predicate, values in incoming.items():
            label = INVERSE_LABELS.get(predicate) or f"{self.property_label(predicate)} (of)"
            group = rows[GROUP_OF.get(predicate, "other")]
            if len(values) <= SPLIT_ABOVE:
                group.append(Row(label, _sorted([value for value, _ in values]), self.link(predicate)[0]))
                continue
            by_type: dict[str, list[Value]] = {}
            for value, subject in values:
                kinds = self.d.types(subject)
                kind = self.label(ox.NamedNode(kinds[0])) if kinds else "other"
                by_type.setdefault(kind, []).append(value)
            for kind, kind_values in sorted(by_type.items()):
                group.append(Row(f"{label}: {kind} ({len(kind_values)})", _sorted(kind_values), self.link(predicate)[0]))
        for record in sorted(nary, key=lambda node: node.value):
            group, row = self.record(record)
            if row is not None:
                rows[group].append(row)
        return [(GROUPS[key], group_rows) for key, group_rows in rows.items() if group_rows]

    def record(self, node) -> tuple[str, Row | None]:
        """Return one n-ary record (membership, amount, observation) as one line of linked parts."""
        types = set(self.d.types(node))
        if str(OWL.NegativePropertyAssertion) in types:
            return "memberships", None  # shown by the membership with isMember false
        facts = {q.predicate.value: q.object for q in self.d.about(node)}
        parts: list[Value] = []
        shown = set(HEAD_PROPERTIES)
        if S + "amount" in facts:
            amount = facts[S + "amount"].value
            try:
                amount = f"{Decimal(amount):,}"
            except ArithmeticError:
                pass
            currency = facts.get(S + "currency")
            parts.append(Value(f"{amount} {self.label(currency) if currency else ''}".strip()))
            shown |= {S + "amount", S + "currency"}
        for predicate, obj in facts.items():
            if predicate in shown or obj == self.entity:
                continue
            value = self.value(obj)
            if predicate == S + "isMember":
                if obj.value == "true":
                    continue
                value = Value("NOT a member (the source says no)")
            elif predicate == O + "role":
                value.text = f"as {value.text}"
            elif predicate not in (O + "member", O + "organization", S + "fundingKind", S + "indicator"):
                value.text = f"{self.property_label(predicate)} {value.text}"
            parts.append(value)
        type_term = next((q.object for q in self.d.about(node) if q.predicate.value == str(RDF.type)), None)
        sources = self.sources(node, ox.NamedNode(str(RDF.type)), type_term)
        if str(ORG.Membership) in types:
            group, title = "memberships", "membership"
        elif str(SMH.IndicatorObservation) in types:
            group, title = "indicators", "observation"
        else:
            group, title = "funding", "amount"
        href, _ = self.link(node.value)
        return group, Row(title, [Value("record", href, parts=parts, sources=sources)])

    def disagreements(self) -> list[Disagreement]:
        """Return the properties for which two documents give different values."""
        by_property: dict[str, dict[str, set]] = {}
        for quad in self.d.quads:
            if quad.subject != self.entity or quad.predicate.value in NOT_COMPARED:
                continue
            graph = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else None
            if graph in self.documents:
                by_property.setdefault(quad.predicate.value, {}).setdefault(graph, set()).add(quad.object)
        found = []
        for predicate, per_graph in sorted(by_property.items()):
            if len(per_graph) > 1 and len({frozenset(values) for values in per_graph.values()}) > 1:
                columns = [(self.documents[graph][1], _sorted([
                    self.value(term, [Source(graph, self.documents[graph][1], self.quotes.get((self.d.iri, graph), []))])
                    for term in values])) for graph, values in sorted(per_graph.items())]
                found.append(Disagreement(self.property_label(predicate), columns))
        return found


def _sorted(values: list[Value]) -> list[Value]:
    return sorted(values, key=lambda value: value.text.lower())
