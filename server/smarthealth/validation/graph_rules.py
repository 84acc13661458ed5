"""Whole-graph rules added to the SHACL report: declared smh: terms only, no e-mail addresses.

Written in Python rather than as SHACL-AF SPARQL targets because a target that scans every triple
costs seconds per run in rdflib's SPARQL engine and milliseconds here. Results are added to the
pyshacl report graph as ordinary sh:ValidationResult nodes, so every consumer reads one report.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from rdflib import RDF, BNode, Graph, Literal, Namespace, URIRef

from ..namespaces import SMH

SH = Namespace("http://www.w3.org/ns/shacl#")
SMHSH = Namespace("https://w3id.org/smart-health/shapes#")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


def undeclared_terms(graph: Graph) -> Iterator[tuple]:
    """Yield (node, predicate, term, message) for each use of an smh: term the ontology does not declare."""
    declared = {term for term in graph.subjects(RDF.type, None) if isinstance(term, URIRef)}
    for subject, predicate, obj in graph:
        term = obj if predicate == RDF.type else predicate
        if isinstance(term, URIRef) and term.startswith(str(SMH)) and term not in declared:
            path = None if predicate == RDF.type else predicate
            yield subject, path, term, f"uses {term}, which the ontology does not declare (a misspelt class or property?)"


def email_addresses(graph: Graph) -> Iterator[tuple]:
    """Yield (node, predicate, value, message) for each literal or IRI that holds an e-mail address."""
    for subject, predicate, obj in graph:
        if isinstance(obj, BNode) or "@" not in obj:
            continue
        if EMAIL.search(str(obj)):
            yield subject, predicate, obj, "contains an e-mail address: contact details must not enter the graph"


RULES = {
    SMHSH.DeclaredTermComponent: (SMHSH.DeclaredTerms, undeclared_terms),
    SMHSH.NoEmailAddressComponent: (SMHSH.NoEmailAddress, email_addresses),
}


def apply_rules(graph: Graph, report: Graph) -> int:
    """Run the rules over a graph and add their results to a SHACL report; return how many were added."""
    [report_node] = list(report.subjects(RDF.type, SH.ValidationReport))
    added = 0
    for component, (shape, rule) in RULES.items():
        for focus, path, value, message in rule(graph):
            result = BNode()
            report.add((report_node, SH.result, result))
            report.add((result, RDF.type, SH.ValidationResult))
            report.add((result, SH.focusNode, focus))
            if path is not None:
                report.add((result, SH.resultPath, path))
            report.add((result, SH.value, value))
            report.add((result, SH.resultMessage, Literal(message)))
            report.add((result, SH.resultSeverity, SH.Violation))
            report.add((result, SH.sourceConstraintComponent, component))
            report.add((result, SH.sourceShape, shape))
            added += 1
    if added:
        report.set((report_node, SH.conforms, Literal(False)))
    return added
