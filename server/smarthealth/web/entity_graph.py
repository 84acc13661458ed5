"""What the graph says about one IRI: its statements in both directions, per named graph, with the
labels and types of what it links to, the n-ary records around it and the quotations behind them.

Every query goes through the store interface (``SparqlStore.query``); the IRI enters as a typed
substitution, sets of IRIs as a VALUES block of N-Triples terms written by pyoxigraph (never text
pasted into a query).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from ..namespaces import OA, ORG, OWL, PROV, RDF, RDFS, SKOS, SMH
from rdflib.namespace import DCTERMS

#: Classes of records that only exist to hold a statement (n-ary relations): an entity's
#: description includes their statements, as a person reads "member of X as observer" as one fact.
NARY_CLASSES = frozenset(str(iri) for iri in (
    ORG.Membership, SMH.Funding, SMH.Grant, SMH.IndicatorObservation, OWL.NegativePropertyAssertion,
))

#: Properties that name or classify a node: given for every node an entity links to.
LABEL_PROPERTIES = tuple(str(iri) for iri in (
    RDF.type, RDFS.label, SKOS.prefLabel, DCTERMS.title, SKOS.altLabel,
))

#: Largest number of nodes looked up in one VALUES block.
BATCH = 400

STATEMENTS_BOTH_WAYS = """
SELECT ?entity ?g ?s ?p ?o WHERE {
  { GRAPH ?g { ?entity ?p ?o } BIND(?entity AS ?s) }
  UNION
  { GRAPH ?g { ?s ?p ?entity } BIND(?entity AS ?o) }
}"""

STATEMENTS_OF = "SELECT ?g ?s ?p ?o WHERE { VALUES ?s { %s } GRAPH ?g { ?s ?p ?o } }"

NAMING_STATEMENTS_OF = """SELECT ?g ?s ?p ?o WHERE {
  VALUES ?s { %s } VALUES ?p { %s } GRAPH ?g { ?s ?p ?o } }"""

#: Graphs and the source documents they hold (one source document per source graph).
SOURCE_GRAPHS = """SELECT ?g ?source (COALESCE(?english, ?any) AS ?title) WHERE {
  GRAPH ?g { ?source a <https://w3id.org/smart-health/ontology#SourceDocument> .
    OPTIONAL { ?source <http://www.w3.org/2000/01/rdf-schema#label> ?english FILTER(langMatches(lang(?english), "en")) }
    OPTIONAL { ?source <http://purl.org/dc/terms/title> ?any } } }"""


@dataclass
class EntityDescription:
    """The quads that describe one IRI, and lookups over them for pages."""

    iri: str
    quads: list[ox.Quad] = field(default_factory=list)

    def __bool__(self) -> bool:
        return any(_is(quad.subject, self.iri) or _is(quad.object, self.iri) for quad in self.quads)

    def _index(self):
        """Index the quads by subject and by statement (built once; pages look up thousands of times)."""
        if getattr(self, "_indexed", None) != len(self.quads):
            self._by_subject: dict = {}
            self._graphs: dict = {}
            for quad in self.quads:
                self._by_subject.setdefault(quad.subject, []).append(quad)
                if isinstance(quad.graph_name, ox.NamedNode):
                    graphs = self._graphs.setdefault(quad.triple, [])
                    if quad.graph_name.value not in graphs:
                        graphs.append(quad.graph_name.value)
            self._indexed = len(self.quads)

    def triples(self) -> list[ox.Triple]:
        """Return the distinct triples of the description (the union of its graphs)."""
        return list(dict.fromkeys(quad.triple for quad in self.quads))

    def about(self, subject) -> list[ox.Quad]:
        """Return the quads whose subject is a node (a term or an IRI string)."""
        self._index()
        node = ox.NamedNode(subject) if isinstance(subject, str) else subject
        return self._by_subject.get(node, [])

    def values(self, subject, predicate: str) -> list:
        """Return the distinct objects of a subject and predicate, over all graphs."""
        return list(dict.fromkeys(quad.object for quad in self.about(subject) if quad.predicate.value == predicate))

    def graphs_of(self, subject, predicate, obj) -> list[str]:
        """Return the named graphs that hold one statement."""
        self._index()
        return self._graphs.get(ox.Triple(subject, predicate, obj), [])

    def types(self, subject) -> list[str]:
        """Return the rdf:type IRIs of a node."""
        return [term.value for term in self.values(subject, str(RDF.type)) if isinstance(term, ox.NamedNode)]


def describe(store, iri: str, *, timeout_s: float = 30.0) -> EntityDescription:
    """Collect the description of ``iri`` from the store (several small queries)."""
    entity = ox.NamedNode(iri)
    rows = store.query(STATEMENTS_BOTH_WAYS, substitutions={"entity": entity}, timeout_s=timeout_s).rows
    quads = _quads(rows)
    description = EntityDescription(iri, quads)
    if not quads:
        return description

    neighbours = _other_ends(quads, entity)
    # Names, kinds and helix roles of the neighbours (the page groups and draws them), and their provenance links.
    naming = _statements(store, neighbours, LABEL_PROPERTIES + (str(PROV.wasDerivedFrom), str(SMH.helixRole)), timeout_s)
    quads += naming
    typed = EntityDescription(iri, naming)
    nary = [node for node in neighbours if NARY_CLASSES.intersection(typed.types(node))]
    nary_quads = _statements(store, nary, None, timeout_s)
    quads += nary_quads

    # The quotations behind the entity, its n-ary records and what links to it, with selectors.
    incoming = {quad.subject for quad in quads if quad.object == entity and isinstance(quad.subject, ox.NamedNode)}
    holders = {entity, *nary, *incoming}
    quotes = _objects(quads, holders, str(PROV.wasDerivedFrom))
    quote_quads = _statements(store, quotes, None, timeout_s)
    quads += quote_quads
    selectors = _objects(quote_quads, set(quotes), str(OA.hasSelector))
    quads += _statements(store, selectors, None, timeout_s)

    # Names of what the n-ary records and quotations point at (organisations, roles, sources).
    named = {quad.subject for quad in quads if quad.predicate.value in LABEL_PROPERTIES}
    further = [
        quad.object for quad in nary_quads + quote_quads
        if isinstance(quad.object, ox.NamedNode) and quad.object not in named and quad.object != entity
    ]
    quads += _statements(store, list(dict.fromkeys(further)), LABEL_PROPERTIES, timeout_s)
    description.quads = list(dict.fromkeys(quads))
    return description


def source_documents(store) -> dict[str, tuple[str, str]]:
    """Return named graph IRI -> (source document IRI, title) for the source graphs."""
    documents = {}
    for row in store.query(SOURCE_GRAPHS, timeout_s=60).rows:
        title = row["title"].value if "title" in row else row["source"].value
        documents[row["g"].value] = (row["source"].value, title)
    return documents


def _statements(store, nodes, predicates, timeout_s) -> list[ox.Quad]:
    """Return the statements (all, or with the given predicates) whose subject is one of ``nodes``."""
    nodes = [node for node in dict.fromkeys(nodes) if isinstance(node, ox.NamedNode)]
    quads = []
    for start in range(0, len(nodes), BATCH):
        values = " ".join(str(node) for node in nodes[start:start + BATCH])
        if predicates is None:
            query = STATEMENTS_OF % values
        else:
            query = NAMING_STATEMENTS_OF % (values, " ".join(str(ox.NamedNode(p)) for p in predicates))
        quads += _quads(store.query(query, timeout_s=timeout_s).rows)
    return quads


def _quads(rows) -> list[ox.Quad]:
    return [ox.Quad(row["s"], row["p"], row["o"], row["g"]) for row in rows]


def _other_ends(quads, entity) -> list:
    ends = []
    for quad in quads:
        if quad.subject == entity and isinstance(quad.object, ox.NamedNode) and quad.object != entity:
            ends.append(quad.object)
        elif quad.object == entity and quad.subject != entity:
            ends.append(quad.subject)
    return list(dict.fromkeys(ends))


def _objects(quads, subjects, predicate: str) -> list:
    return list(dict.fromkeys(
        quad.object for quad in quads
        if quad.subject in subjects and quad.predicate.value == predicate and isinstance(quad.object, ox.NamedNode)
    ))


def _is(term, iri: str) -> bool:
    return isinstance(term, ox.NamedNode) and term.value == iri
