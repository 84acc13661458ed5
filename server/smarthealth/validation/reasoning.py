"""Reason over the ontology plus data with HermiT (through owlready2): consistency and unsatisfiable classes."""

from __future__ import annotations

import logging
import tempfile
import time
from decimal import Decimal
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import OWL, RDF, RDFS, XSD, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection

from ..config import Settings
from ..errors import ReasoningFailed
from ..namespaces import bind_prefixes
from .graphs import as_graph, load_ontology
from .shacl import short_iri

log = logging.getLogger(__name__)

# Datatypes of the OWL 2 datatype map (OWL 2 Structural Specification, section 4) that HermiT
# accepts. Any other datatype IRI (xsd:date, xsd:gYear, xsd:gYearMonth in this graph) makes HermiT
# stop with "unsupported datatype"; see reasoning_copy().
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
OWL2_DATATYPES = {
    RDF.PlainLiteral, RDF.XMLLiteral, RDFS.Literal, URIRef(RDF_NS + "langString"),
    OWL.real, OWL.rational,
    XSD.decimal, XSD.integer, XSD.nonNegativeInteger, XSD.nonPositiveInteger,
    XSD.positiveInteger, XSD.negativeInteger, XSD.long, XSD.int, XSD.short, XSD.byte,
    XSD.unsignedLong, XSD.unsignedInt, XSD.unsignedShort, XSD.unsignedByte,
    XSD.double, XSD.float, XSD.string, XSD.normalizedString, XSD.token, XSD.language,
    XSD.Name, XSD.NCName, XSD.NMTOKEN, XSD.boolean, XSD.hexBinary, XSD.base64Binary,
    XSD.anyURI, XSD.dateTime, XSD.dateTimeStamp,
}


@dataclass
class ReasoningOutcome:
    """What HermiT concluded: consistency, unsatisfiable classes, and explanations found."""

    consistent: bool
    unsatisfiable: list[str]
    problems: list[str]
    reasoner_message: str | None
    converted_literals: int
    triples: int
    seconds: float
    individuals: int = 0
    explanations: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Return whether the graph is consistent and every class satisfiable."""
        return self.consistent and not self.unsatisfiable


def reason(
    data: Graph | Path | str | None,
    settings: Settings,
    *,
    ontology: Graph | None = None,
) -> ReasoningOutcome:
    """Load ontology and data into owlready2, run HermiT and report consistency and unsatisfiable classes."""
    import owlready2  # imported here: loading owlready2 is only worth it when reasoning

    ontology_graph = ontology if ontology is not None else load_ontology(settings)
    merged = Graph()
    merged += ontology_graph
    data_graph = as_graph(data) if data is not None else Graph()
    merged += data_graph
    bind_prefixes(merged)
    merged.bind("id", settings.base_iri)
    copy, converted = reasoning_copy(merged)

    world = owlready2.World()
    with tempfile.TemporaryDirectory(prefix="smarthealth-reason-") as folder:
        path = Path(folder) / "merged.nt"
        copy.serialize(path, format="nt", encoding="utf-8")
        world.get_ontology(path.as_uri()).load()
        started = time.perf_counter()
        consistent, message = True, None
        try:
            # Only classification and consistency: inferring property values is slower and unused.
            owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError as error:
            consistent, message = False, _first_lines(str(error)) or None
        except owlready2.OwlReadyJavaError as error:
            raise ReasoningFailed(f"HermiT could not run: {_first_lines(str(error))}") from error
        seconds = time.perf_counter() - started
        unsatisfiable = [] if not consistent else sorted(
            str(cls.iri) for cls in world.inconsistent_classes() if cls is not owlready2.Nothing
        )
    explanations = explain_inconsistency(merged) if not consistent else []
    problems = [f"unsatisfiable class {short_iri(merged, URIRef(iri))}" for iri in unsatisfiable]
    if not consistent:
        problems.append("the ontology plus data is inconsistent" + (f": {message}" if message else ""))
        problems.extend(explanations)
    log.info(
        "reasoned over %d triples (%d literals converted) in %.1f s: %s",
        len(copy), converted, seconds, "consistent" if consistent else "INCONSISTENT",
    )
    return ReasoningOutcome(
        consistent=consistent,
        unsatisfiable=unsatisfiable,
        problems=problems,
        reasoner_message=message,
        converted_literals=converted,
        triples=len(copy),
        seconds=seconds,
        individuals=len({s for s in data_graph.subjects(RDF.type, None) if isinstance(s, URIRef)}
                        - set(ontology_graph.subjects())),
        explanations=explanations,
    )


def reasoning_copy(graph: Graph) -> tuple[Graph, int]:
    """Return the graph as HermiT can take it, and how many literals were converted.

    HermiT accepts only the datatypes of the OWL 2 datatype map. The graph's dates are xsd:date,
    xsd:gYearMonth and xsd:gYear (as precise as the sources), which are not in that map, so their
    literals become xsd:string with the same lexical form: no axiom of the ontology constrains
    those values (the date properties have range rdfs:Literal), so consistency is unaffected, and
    the SHACL shapes check the real datatypes. owl:imports are dropped: the imported modules are
    already merged in, and owlready2 would otherwise try to fetch them over the network.
    """
    copy = Graph()
    converted = 0
    for subject, predicate, obj in graph:
        if predicate == OWL.imports:
            continue
        if isinstance(obj, Literal) and obj.datatype is not None and obj.datatype not in OWL2_DATATYPES:
            obj = Literal(str(obj), datatype=XSD.string)
            converted += 1
        copy.add((subject, predicate, obj))
    return copy, converted


def explain_inconsistency(graph: Graph) -> list[str]:
    """Find the usual causes of an inconsistency in the graph: broken negative assertions, disjointness, functionality."""
    return (
        broken_negative_assertions(graph)
        + broken_disjointness(graph)
        + broken_functional_properties(graph)
        + broken_value_ranges(graph)
    )


def broken_negative_assertions(graph: Graph) -> list[str]:
    """List negative property assertions whose positive statement is also in the graph."""
    found = []
    for assertion in graph.subjects(RDF.type, OWL.NegativePropertyAssertion):
        source = graph.value(assertion, OWL.sourceIndividual)
        prop = graph.value(assertion, OWL.assertionProperty)
        target = graph.value(assertion, OWL.targetIndividual)
        if None not in (source, prop, target) and _holds(graph, source, prop, target):
            found.append(
                f"{short_iri(graph, source)} {short_iri(graph, prop)} {short_iri(graph, target)} "
                "is stated, but a negative property assertion says it does not hold"
            )
    return sorted(found)


def broken_disjointness(graph: Graph) -> list[str]:
    """List individuals that belong (by type, subclass, domain or range) to two disjoint classes."""
    pairs = set()
    for first, second in graph.subject_objects(OWL.disjointWith):
        pairs.add(frozenset((first, second)))
    for axiom in graph.subjects(RDF.type, OWL.AllDisjointClasses):
        members = list(Collection(graph, graph.value(axiom, OWL.members)))
        for index, first in enumerate(members):
            for second in members[index + 1:]:
                pairs.add(frozenset((first, second)))
    if not pairs:
        return []
    found = []
    for individual, classes in _inferred_types(graph).items():
        for pair in pairs:
            first, second = sorted(pair)
            if first in classes and second in classes:
                found.append(
                    f"{short_iri(graph, individual)} is both {short_iri(graph, first)} and "
                    f"{short_iri(graph, second)}, which are disjoint"
                )
    return sorted(found)


def broken_functional_properties(graph: Graph) -> list[str]:
    """List individuals with two different values of a functional datatype property."""
    found = []
    for prop in graph.subjects(RDF.type, OWL.FunctionalProperty):
        if (prop, RDF.type, OWL.DatatypeProperty) not in graph:
            continue
        values = {}
        for subject, value in graph.subject_objects(prop):
            values.setdefault(subject, set()).add(value)
        for subject, distinct in values.items():
            if len({(str(v), v.datatype) for v in distinct if isinstance(v, Literal)}) > 1:
                shown = ", ".join(sorted(v.n3() for v in distinct))
                found.append(
                    f"{short_iri(graph, subject)} has several values of the functional property "
                    f"{short_iri(graph, prop)}: {shown}"
                )
    return sorted(found)


def broken_value_ranges(graph: Graph) -> list[str]:
    """List values outside the minimum/maximum facets of a datatype property's restricted range."""
    found = []
    for prop, datatype in graph.subject_objects(RDFS.range):
        if not isinstance(datatype, BNode) or graph.value(datatype, OWL.onDatatype) is None:
            continue
        facets = {}
        for restriction in Collection(graph, graph.value(datatype, OWL.withRestrictions)):
            for facet, limit in graph.predicate_objects(restriction):
                facets[facet] = limit.toPython()
        low, high = facets.get(XSD.minInclusive), facets.get(XSD.maxInclusive)
        for subject, value in graph.subject_objects(prop):
            number = value.toPython() if isinstance(value, Literal) else None
            if isinstance(number, bool) or not isinstance(number, (int, float, Decimal)):
                continue
            if (low is not None and number < low) or (high is not None and number > high):
                found.append(
                    f"{short_iri(graph, subject)} {short_iri(graph, prop)} {value} is outside the range "
                    f"[{low}, {high}] the ontology gives"
                )
    return sorted(found)


def _holds(graph: Graph, source, prop, target) -> bool:
    subproperties = set(graph.transitive_subjects(RDFS.subPropertyOf, prop))
    return any((source, sub, target) in graph for sub in subproperties)


def _inferred_types(graph: Graph) -> dict:
    """Return each individual's named classes: asserted, from property domains and ranges, with superclasses."""
    direct: dict = {}

    def add(individual, cls):
        if isinstance(cls, URIRef):
            direct.setdefault(individual, set()).add(cls)

    for individual, cls in graph.subject_objects(RDF.type):
        add(individual, cls)
    for prop, cls in graph.subject_objects(RDFS.domain):
        for individual in graph.subjects(prop, None):
            add(individual, cls)
    for prop, cls in graph.subject_objects(RDFS.range):
        if (prop, RDF.type, OWL.ObjectProperty) in graph:
            for individual in graph.objects(None, prop):
                add(individual, cls)
    closed = {}
    for individual, classes in direct.items():
        if isinstance(individual, BNode) or not classes - {OWL.Class, OWL.NamedIndividual}:
            continue
        everything = set()
        for cls in classes:
            everything.update(graph.transitive_objects(cls, RDFS.subClassOf))
        closed[individual] = everything
    return closed


def _first_lines(text: str, limit: int = 6) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return "\n".join(lines[:limit])
