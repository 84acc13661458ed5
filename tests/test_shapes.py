"""SHACL shapes: every case in tests/shapes/ is a Turtle file of data; a ``-valid`` file must conform
and an ``-invalid`` file must fail with exactly the results its ``# expect:`` lines state."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import RDF, Namespace, URIRef

from smarthealth.namespaces import PREFIXES
from smarthealth.validation import validate
from smarthealth.validation.graphs import load_ontology, load_shapes
from smarthealth.validation.shacl import top_level_results

CASES_DIR = Path(__file__).parent / "shapes"
SH = Namespace("http://www.w3.org/ns/shacl#")
SMHSH = Namespace("https://w3id.org/smart-health/shapes#")
FIXTURE_BASE = "https://w3id.org/smart-health/id/"
EXPECT_LINE = re.compile(r"^# expect: (.+)$", re.MULTILINE)

VALID_CASES = sorted(CASES_DIR.glob("*-valid.ttl"))
INVALID_CASES = sorted(CASES_DIR.glob("*-invalid.ttl"))


def expand(term: str) -> URIRef:
    """Expand ``<relative>`` (against the fixtures' @base) or ``prefix:local`` to an IRI."""
    if term.startswith("<") and term.endswith(">"):
        return URIRef(FIXTURE_BASE + term[1:-1])
    prefix, local = term.split(":", 1)
    namespaces = {**{name: str(ns) for name, ns in PREFIXES.items()}, "sh": str(SH), "smhsh": str(SMHSH)}
    return URIRef(namespaces[prefix] + local)


def expected_results(case: Path) -> set[tuple]:
    """Read the case's ``# expect: focus=… [path=…] component=…`` lines."""
    expected = set()
    for line in EXPECT_LINE.findall(case.read_text(encoding="utf-8")):
        fields = dict(item.split("=", 1) for item in line.split())
        path = expand(fields["path"]) if "path" in fields else None
        expected.add((expand(fields["focus"]), path, expand(fields["component"])))
    return expected


def actual_results(outcome) -> set[tuple]:
    """Return (focus node, path, constraint component) of every result in the report."""
    report = outcome.report_graph
    results = set()
    for result in top_level_results(report):
        path = report.value(result, SH.resultPath)
        results.add((
            report.value(result, SH.focusNode),
            path if isinstance(path, URIRef) else None,
            report.value(result, SH.sourceConstraintComponent),
        ))
    return results


@pytest.fixture(scope="module")
def shapes_and_ontology(settings):
    return load_shapes(settings), load_ontology(settings)


def test_every_case_has_its_pair():
    valid = {case.name.replace("-valid.ttl", "") for case in VALID_CASES}
    invalid = {case.name.replace("-invalid.ttl", "") for case in INVALID_CASES}
    assert valid == invalid
    assert len(valid) >= 30


@pytest.mark.parametrize("case", INVALID_CASES, ids=lambda p: p.stem)
def test_invalid_case_states_its_expectation(case):
    assert expected_results(case), f"{case.name} has no '# expect:' line"


@pytest.mark.parametrize("case", VALID_CASES, ids=lambda p: p.stem)
def test_valid_case_conforms(case, settings, shapes_and_ontology):
    shapes, ontology = shapes_and_ontology
    outcome = validate(case, settings, shapes=shapes, ontology=ontology)
    assert outcome.violations == [], [(v.focus_node, v.path, v.message) for v in outcome.violations]
    assert outcome.conforms
    assert outcome.nodes_checked > 0


@pytest.fixture(scope="module")
def invalid_outcomes(settings, shapes_and_ontology):
    """Validate every invalid case once; the per-case and the coverage tests read the outcomes."""
    shapes, ontology = shapes_and_ontology
    return {case: validate(case, settings, shapes=shapes, ontology=ontology) for case in INVALID_CASES}


@pytest.mark.parametrize("case", INVALID_CASES, ids=lambda p: p.stem)
def test_invalid_case_fails_for_its_stated_reason(case, invalid_outcomes):
    outcome = invalid_outcomes[case]
    assert not outcome.conforms
    assert actual_results(outcome) == expected_results(case)
    assert all(v.message and v.message != "(no message)" for v in outcome.violations)


def test_violation_carries_the_source_quote(settings, shapes_and_ontology):
    shapes, ontology = shapes_and_ontology
    outcome = validate(CASES_DIR / "funding-2-invalid.ttl", settings, shapes=shapes, ontology=ontology)
    [violation] = outcome.violations
    assert violation.severity == "Violation"
    assert violation.focus_node == "id:funding/icon-2019"
    assert violation.path == "smh:currency"
    assert "exactly one smh:currency" in violation.message
    assert [q.exact for q in violation.quotes] == ["Launched in April 2021"]
    assert violation.quotes[0].source.endswith("000_47ec06a769ba5fcc")


def test_shapes_cover_every_class_of_the_model(settings):
    shapes = load_shapes(settings)
    ontology = load_ontology(settings, with_imports=False)
    smh = str(PREFIXES["smh"])
    classes = {c for c in ontology.subjects(RDF.type, URIRef("http://www.w3.org/2002/07/owl#Class"))
               if isinstance(c, URIRef) and str(c).startswith(smh)}
    targets = set(shapes.objects(None, SH.targetClass))
    subclass_of = URIRef("http://www.w3.org/2000/01/rdf-schema#subClassOf")
    uncovered = {c for c in classes
                 if not any(t in targets for t in ontology.transitive_objects(c, subclass_of))}
    assert uncovered == set()


def test_every_targeted_shape_has_a_failing_case(shapes_and_ontology, invalid_outcomes):
    shapes, _ontology = shapes_and_ontology
    targeted = {
        shape for shape in shapes.subjects(RDF.type, SH.NodeShape)
        if isinstance(shape, URIRef) and any(
            (shape, predicate, None) in shapes
            for predicate in (SH.targetClass, SH.targetSubjectsOf, SH.targetNode, SH.target)
        )
    }
    failed = {
        violation.shape.split(" ")[0].split("-")[0]
        for outcome in invalid_outcomes.values() for violation in outcome.violations if violation.shape
    }
    named = {"smhsh:" + str(shape).split("#")[1] for shape in targeted}
    assert sorted(named - failed) == []
