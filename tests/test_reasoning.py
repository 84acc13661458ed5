"""Reasoning with HermiT: the ontology is consistent and satisfiable; broken negative assertions,
disjointness and functional properties are reported as inconsistencies naming the individual; an
unsatisfiable class is reported; dates outside the OWL 2 datatype map reach HermiT as strings."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef

from smarthealth.namespaces import SMH
from smarthealth.validation.graphs import load_ontology
from smarthealth.validation.reasoning import reason, reasoning_copy

PREFIXES = """
@base <https://w3id.org/smart-health/id/> .
@prefix smh:  <https://w3id.org/smart-health/ontology#> .
@prefix org:  <http://www.w3.org/ns/org#> .
@prefix owl:  <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:  <http://www.w3.org/2001/XMLSchema#> .
"""
REGION = """<region/BE2> a smh:Region ; rdfs:label "Flanders"@en ; smh:nutsCode "BE2" .
<initiative/icpermed> a smh:Network ; rdfs:label "ICPerMed"@en .
"""
NEGATIVE_MEMBERSHIP = """[] a owl:NegativePropertyAssertion ; owl:sourceIndividual <region/BE2> ;
   owl:assertionProperty org:memberOf ; owl:targetIndividual <initiative/icpermed> .
"""


def data(tmp_path, turtle: str):
    path = tmp_path / "data.ttl"
    path.write_text(PREFIXES + turtle, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def ontology(settings):
    return load_ontology(settings)


def test_ontology_alone_is_consistent_and_satisfiable(settings, ontology):
    outcome = reason(None, settings, ontology=ontology)
    assert outcome.consistent
    assert outcome.unsatisfiable == []
    assert outcome.problems == []


def test_negative_membership_is_consistent_on_its_own(settings, ontology, tmp_path):
    outcome = reason(data(tmp_path, REGION + NEGATIVE_MEMBERSHIP), settings, ontology=ontology)
    assert outcome.consistent, outcome.problems


def test_membership_contradicting_a_negative_assertion_is_inconsistent(settings, ontology, tmp_path):
    turtle = REGION + NEGATIVE_MEMBERSHIP + "<region/BE2> org:memberOf <initiative/icpermed> .\n"
    outcome = reason(data(tmp_path, turtle), settings, ontology=ontology)
    assert not outcome.consistent
    assert not outcome.ok
    assert outcome.explanations == [
        "id:region/BE2 org:memberOf id:initiative/icpermed is stated, "
        "but a negative property assertion says it does not hold"
    ]


def test_individual_in_two_disjoint_classes_is_inconsistent(settings, ontology, tmp_path):
    turtle = REGION + "<region/BE2> a smh:Organisation .\n"
    outcome = reason(data(tmp_path, turtle), settings, ontology=ontology)
    assert not outcome.consistent
    assert any("id:region/BE2 is both smh:Organisation and smh:Region" in e for e in outcome.explanations)


def test_disjointness_reached_through_a_domain_is_explained(settings, ontology, tmp_path):
    # smh:participant has domain smh:Project, and projects and events are disjoint.
    turtle = REGION + """<event/plenary> a smh:Event ; rdfs:label "Plenary"@en ;
        smh:participant <initiative/icpermed> .\n"""
    outcome = reason(data(tmp_path, turtle), settings, ontology=ontology)
    assert not outcome.consistent
    assert any("id:event/plenary is both smh:Event and smh:Project" in e for e in outcome.explanations)


def test_two_nuts_codes_break_the_functional_property(settings, ontology, tmp_path):
    turtle = REGION + '<region/BE2> smh:nutsCode "BE24" .\n'
    outcome = reason(data(tmp_path, turtle), settings, ontology=ontology)
    assert not outcome.consistent
    assert any("id:region/BE2" in e and "smh:nutsCode" in e for e in outcome.explanations)


def test_nuts_level_outside_its_range_is_inconsistent(settings, ontology, tmp_path):
    turtle = REGION + "<region/BE2> smh:nutsLevel 5 .\n"
    outcome = reason(data(tmp_path, turtle), settings, ontology=ontology)
    assert not outcome.consistent
    assert outcome.explanations == ["id:region/BE2 smh:nutsLevel 5 is outside the range [0, 3] the ontology gives"]


def test_unsatisfiable_class_is_reported(settings, ontology):
    broken = Graph()
    broken += ontology
    broken.parse(data=PREFIXES + """
        smh:RegionalAuthority a owl:Class ; rdfs:subClassOf smh:Region , smh:Organisation ;
            rdfs:label "regional authority"@en .
    """, format="turtle")
    outcome = reason(None, settings, ontology=broken)
    assert outcome.consistent  # no individual of the class, so the graph itself is consistent
    assert outcome.unsatisfiable == [str(SMH.RegionalAuthority)]
    assert outcome.problems == ["unsatisfiable class smh:RegionalAuthority"]
    assert not outcome.ok


def test_dates_outside_the_owl2_datatype_map_become_strings():
    from rdflib.namespace import XSD as XSD_NAMESPACE  # a ClosedNamespace at module level upsets pytest's collector

    graph = Graph()
    subject = URIRef("https://w3id.org/smart-health/id/event/x")
    graph.add((subject, SMH.startDate, Literal("2024-04", datatype=XSD_NAMESPACE.gYearMonth)))
    graph.add((subject, SMH.endDate, Literal("2024-04-19", datatype=XSD_NAMESPACE.date)))
    graph.add((subject, SMH.participantCount, Literal(30)))
    graph.add((subject, SMH.nutsLevel, Literal("1", datatype=XSD_NAMESPACE.integer)))
    copy, converted = reasoning_copy(graph)
    assert converted == 2
    assert (subject, SMH.startDate, Literal("2024-04", datatype=XSD_NAMESPACE.string)) in copy
    assert (subject, SMH.endDate, Literal("2024-04-19", datatype=XSD_NAMESPACE.string)) in copy
    assert (subject, SMH.participantCount, Literal(30)) in copy
