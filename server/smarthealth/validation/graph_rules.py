"""Whole-graph rules added to the SHACL report: declared terms only, each property used as its kind,
quotation IRIs derived from their content, quoted passages verbatim in their source files, no
e-mail addresses.

Written in Python rather than as SHACL-AF SPARQL targets because a target that scans every triple
costs seconds per run in rdflib's SPARQL engine and milliseconds here. Results are added to the
pyshacl report graph as ordinary sh:ValidationResult nodes, so every consumer reads one report.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

from rdflib import OWL, RDF, BNode, Graph, Literal, Namespace, URIRef

from ..namespaces import OA, SMH

SH = Namespace("http://www.w3.org/ns/shacl#")
SMHSH = Namespace("https://w3id.org/smart-health/shapes#")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


# Terms every RDF, OWL and SHACL tool knows: never declared by the ontology.
BUILT_IN = (
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "http://www.w3.org/2000/01/rdf-schema#",
    "http://www.w3.org/2002/07/owl#",
    "http://www.w3.org/2001/XMLSchema#",
)


def undeclared_terms(graph: Graph) -> Iterator[tuple]:
    """Yield (node, predicate, term, message) for each class or property the ontology and its import module do not declare."""
    declared = {term for term in graph.subjects(RDF.type, None) if isinstance(term, URIRef)}
    for subject, predicate, obj in graph:
        term = obj if predicate == RDF.type else predicate
        if not isinstance(term, URIRef) or term in declared or str(term).startswith(BUILT_IN):
            continue
        if predicate == RDF.type and not str(term).startswith(str(SMH)):
            continue  # external classes of instance data (e.g. a QUDT unit's type) are the data's business
        path = None if predicate == RDF.type else predicate
        where = "the ontology" if str(term).startswith(str(SMH)) else "the ontology's import module (imports/external.ttl)"
        yield subject, path, term, f"uses {term}, which {where} does not declare (a misspelt class or property?)"


def misused_properties(graph: Graph) -> Iterator[tuple]:
    """Yield (node, predicate, value, message) where an object property has a literal or a datatype property an IRI."""
    object_properties = set(graph.subjects(RDF.type, OWL.ObjectProperty))
    datatype_properties = set(graph.subjects(RDF.type, OWL.DatatypeProperty))
    for subject, predicate, obj in graph:
        if predicate in object_properties and isinstance(obj, Literal):
            yield subject, predicate, obj, f"{predicate} is an object property: its value must be an IRI, not the literal {obj.n3()}"
        elif predicate in datatype_properties and not isinstance(obj, Literal):
            yield subject, predicate, obj, f"{predicate} is a datatype property: its value must be a literal, not {obj.n3()}"


def email_addresses(graph: Graph) -> Iterator[tuple]:
    """Yield (node, predicate, value, message) for each literal or IRI that holds an e-mail address."""
    for subject, predicate, obj in graph:
        if isinstance(obj, BNode) or "@" not in obj:
            continue
        if EMAIL.search(str(obj)):
            yield subject, predicate, obj, "contains an e-mail address: contact details must not enter the graph"


def quotation_iris(graph: Graph) -> Iterator[tuple]:
    """Yield (quotation, None, expected IRI, message) where a quotation's IRI is not derived from its source and passage."""
    for quotation in graph.subjects(RDF.type, SMH.Quotation):
        sources = list(graph.objects(quotation, OA.hasSource))
        selectors = list(graph.objects(quotation, OA.hasSelector))
        if len(sources) != 1 or len(selectors) != 1 or not isinstance(quotation, URIRef):
            continue  # missing or repeated parts are the shapes' findings, not this rule's
        [source], [selector] = sources, selectors
        exacts = list(graph.objects(selector, OA.exact))
        file_names = list(graph.objects(source, SMH.fileName))
        if len(exacts) != 1 or len(file_names) != 1:
            continue
        [exact], [file_name] = exacts, file_names
        stem = str(file_name).removesuffix(".txt")
        digest = hashlib.sha1(f"{stem}\n{exact}".encode("utf-8")).hexdigest()[:16]
        expected = URIRef(f"{str(quotation).rsplit('/quote/', 1)[0]}/quote/{digest}")
        if quotation != expected:
            yield quotation, None, expected, (
                f"the quotation IRI does not match its content: sha1(source stem, newline, exact) gives {expected}"
            )
        elif selector != URIRef(f"{quotation}/selector"):
            yield quotation, OA.hasSelector, selector, f"the selector of a quotation must be {quotation}/selector"


def quotations_in_sources(graph: Graph, sources_dir: Path) -> Iterator[tuple]:
    """Yield (quotation, None, exact, message) where a quoted passage is not verbatim in its source file."""
    texts: dict[str, str | None] = {}
    for quotation in graph.subjects(RDF.type, SMH.Quotation):
        for source in graph.objects(quotation, OA.hasSource):
            for file_name in graph.objects(source, SMH.fileName):
                name = str(file_name)
                if name not in texts:
                    path = sources_dir / name
                    texts[name] = path.read_text(encoding="utf-8") if path.is_file() else None
                for selector in graph.objects(quotation, OA.hasSelector):
                    for exact in graph.objects(selector, OA.exact):
                        if texts[name] is None:
                            yield quotation, None, exact, f"its source file {name} is not in {sources_dir}"
                        elif str(exact) not in texts[name]:
                            yield quotation, None, exact, f"the quoted passage is not verbatim in {name}"


RULES = {
    SMHSH.DeclaredTermComponent: (SMHSH.DeclaredTerms, undeclared_terms),
    SMHSH.PropertyKindComponent: (SMHSH.PropertyKind, misused_properties),
    SMHSH.QuotationIriComponent: (SMHSH.QuotationIri, quotation_iris),
    SMHSH.NoEmailAddressComponent: (SMHSH.NoEmailAddress, email_addresses),
}


def apply_rules(graph: Graph, report: Graph, sources_dir: Path) -> int:
    """Run the rules over a graph and add their results to a SHACL report; return how many were added."""
    [report_node] = list(report.subjects(RDF.type, SH.ValidationReport))
    rules = {component: (shape, rule) for component, (shape, rule) in RULES.items()}
    rules[SMHSH.QuotationInSourceComponent] = (
        SMHSH.QuotationInSource, lambda data: quotations_in_sources(data, sources_dir)
    )
    added = 0
    for component, (shape, rule) in rules.items():
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
