"""Validate a data graph against the SHACL shapes of shapes/, with the ontology as ontology graph."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyshacl
from rdflib import RDF, RDFS, BNode, Graph, Literal, Namespace, URIRef
from rdflib.term import Node

from ..config import Settings
from ..namespaces import OA, PROV, SMH, bind_prefixes
from .graph_rules import SMHSH, apply_rules
from .graphs import as_graph, load_ontology, load_shapes

log = logging.getLogger(__name__)

SH = Namespace("http://www.w3.org/ns/shacl#")

# pyshacl severity IRIs -> the words the report prints.
SEVERITY_NAMES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


@dataclass(frozen=True)
class Quote:
    """A verbatim passage a record was derived from, with the document it is in."""

    exact: str
    source: str | None


@dataclass(frozen=True)
class Violation:
    """One SHACL validation result, with the source passages of the offending record."""

    focus_node: str
    path: str | None
    message: str
    severity: str
    component: str
    shape: str | None
    value: str | None
    quotes: tuple[Quote, ...] = ()


@dataclass
class ValidationOutcome:
    """The result of validating a graph: whether it conforms and every result found."""

    conforms: bool
    violations: list[Violation]
    nodes_checked: int
    triples: int
    seconds: float
    report_graph: Graph = field(repr=False)

    @property
    def errors(self) -> list[Violation]:
        """Return the results of severity Violation (the ones that make the graph fail)."""
        return [v for v in self.violations if v.severity == "Violation"]


def validate(
    data: Graph | Path | str,
    settings: Settings,
    *,
    shapes: Graph | None = None,
    ontology: Graph | None = None,
) -> ValidationOutcome:
    """Validate a graph, dataset or RDF file against the shapes and return every result."""
    data_graph = as_graph(data)
    shapes_graph = shapes if shapes is not None else load_shapes(settings)
    ontology_graph = ontology if ontology is not None else load_ontology(settings)
    # The ontology and vocabularies are added to a copy of the data rather than passed as pyshacl's
    # ont_graph: pyshacl "inoculates" an ont_graph, copying class and property axioms but not the
    # SKOS concepts that the vocabulary shapes look up (skos:inScheme of a helix role, a status).
    # No inference: sh:targetClass already reaches subclass instances through the ontology's
    # rdfs:subClassOf triples, now part of the graph validated.
    combined = Graph()
    combined += data_graph
    combined += ontology_graph
    bind_prefixes(combined)
    started = time.perf_counter()
    conforms, report_graph, _text = pyshacl.validate(
        combined,
        shacl_graph=shapes_graph,
        inference="none",
        advanced=True,
        allow_warnings=True,
        inplace=True,
    )
    apply_rules(combined, report_graph, settings.sources_dir)
    seconds = time.perf_counter() - started
    bind_prefixes(report_graph)
    report_graph.bind("smhsh", SMHSH)
    lookup = combined
    lookup.bind("id", settings.base_iri)
    violations = sorted(
        (_result(report_graph, result, lookup, shapes_graph) for result in top_level_results(report_graph)),
        key=lambda v: (v.severity != "Violation", v.focus_node, v.path or "", v.message),
    )
    outcome = ValidationOutcome(
        conforms=not any(v.severity == "Violation" for v in violations),
        violations=violations,
        nodes_checked=count_focus_nodes(lookup, shapes_graph),
        triples=len(data_graph),
        seconds=seconds,
        report_graph=report_graph,
    )
    log.info(
        "validated %d triples, %d focus nodes in %.1f s: %d results",
        outcome.triples, outcome.nodes_checked, seconds, len(violations),
    )
    return outcome


def top_level_results(report: Graph) -> list[Node]:
    """Return the report's own results, not the nested ones pyshacl attaches as sh:detail."""
    return [
        result
        for report_node in report.subjects(RDF.type, SH.ValidationReport)
        for result in report.objects(report_node, SH.result)
    ]


def count_focus_nodes(graph: Graph, shapes: Graph) -> int:
    """Count the distinct nodes the shapes' class targets select in a graph (subclasses included)."""
    target_classes = set(shapes.objects(None, SH.targetClass))
    nodes = set()
    for target in target_classes:
        for cls in graph.transitive_subjects(RDFS.subClassOf, target):
            nodes.update(graph.subjects(RDF.type, cls))
    return len(nodes)


def quotes_for(graph: Graph, node: Node) -> tuple[Quote, ...]:
    """Return the source passages of a record (or of the quotation or selector that is the record)."""
    quotations = set(graph.objects(node, PROV.wasDerivedFrom))
    if (node, RDF.type, SMH.Quotation) in graph:
        quotations.add(node)
    for quotation in graph.subjects(OA.hasSelector, node):
        quotations.add(quotation)
    quotes = []
    for quotation in quotations:
        source = graph.value(quotation, OA.hasSource)
        for selector in graph.objects(quotation, OA.hasSelector):
            for exact in graph.objects(selector, OA.exact):
                quotes.append(Quote(exact=str(exact), source=_name(graph, source) if source else None))
    return tuple(sorted(quotes, key=lambda q: (q.source or "", q.exact)))


def _result(report: Graph, result: Node, lookup: Graph, shapes: Graph) -> Violation:
    focus = report.value(result, SH.focusNode)
    path = report.value(result, SH.resultPath)
    messages = sorted(str(m) for m in report.objects(result, SH.resultMessage))
    value = report.value(result, SH.value)
    severity = report.value(result, SH.resultSeverity)
    component = report.value(result, SH.sourceConstraintComponent)
    shape = report.value(result, SH.sourceShape)
    return Violation(
        focus_node=_name(lookup, focus),
        path=_path_name(report, path, lookup) if path is not None else None,
        message="; ".join(messages) or "(no message)",
        severity=SEVERITY_NAMES.get(severity, str(severity)),
        component=_name(lookup, component),
        shape=_shape_name(shapes, shape),
        value=_name(lookup, value) if value is not None else None,
        quotes=quotes_for(lookup, focus) if focus is not None else (),
    )


def _shape_name(shapes: Graph, shape: Node | None) -> str | None:
    """Name a shape; a blank property shape is named by the node shape that holds it."""
    if isinstance(shape, URIRef):
        return short_iri(shapes, shape)
    if shape is None:
        return None
    for holder in shapes.subjects(SH.property, shape):
        if isinstance(holder, URIRef):
            return f"{short_iri(shapes, holder)} (property {_path_name(shapes, shapes.value(shape, SH.path), shapes)})"
    for holder in shapes.subjects(SH.sparql, shape):
        if isinstance(holder, URIRef):
            return f"{short_iri(shapes, holder)} (SPARQL constraint)"
    return None


def _path_name(report: Graph, path: Node, lookup: Graph) -> str:
    if isinstance(path, BNode):
        inverse = report.value(path, SH.inversePath)
        if inverse is not None:
            return "^" + _name(lookup, inverse)
        return "(complex path)"
    return _name(lookup, path)


def _name(graph: Graph, node: Node | None) -> str:
    if node is None:
        return ""
    if isinstance(node, URIRef):
        return short_iri(graph, node)
    if isinstance(node, Literal):
        return node.n3(graph.namespace_manager)
    return f"_:{node}"


def short_iri(graph: Graph, iri: URIRef) -> str:
    """Write an IRI with the longest bound prefix that starts it (for reading, not for parsing)."""
    best = None
    for prefix, namespace in graph.namespaces():
        if prefix and str(iri).startswith(str(namespace)) and (best is None or len(namespace) > len(best[1])):
            best = (prefix, str(namespace))
    if best is None or len(str(iri)) == len(best[1]):
        return f"<{iri}>"
    return f"{best[0]}:{str(iri)[len(best[1]):]}"
