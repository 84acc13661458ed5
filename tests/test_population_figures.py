"""No fact lives only in a comment: every number an rdfs:comment or dcterms:description of the built
graph states is also typed data of its subject (a typed literal of it or of a stated figure, an
amount, a membership about it; words such as a figure's scope or a label do not count), or is one of
the numbers listed here with the reason it is not a fact; and the figures: record syntax refuses
what is not a figure."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS

from smarthealth.errors import SourceError
from smarthealth.namespaces import ORG, SMH
from smarthealth.population.iris import Iris
from smarthealth.population.provenance import SourceGraph, SourceText
from smarthealth.population.statements import add_figures
from smarthealth.validation.graphs import read_graph

NUMBER = re.compile(r"(?<![A-Za-z0-9.,])(\d+(?:[.,]\d+)*)(?![A-Za-z0-9])(\s*(?:million|miljoen))?")
# (subject path, number) -> why the comment's number is not a fact of the subject.
NOT_FACTS = {
    ("project/saphire", "2020"): "part of the programme's name, Horizon 2020",
    ("project/vito-health-data-platform", "2"): "the number of sections that describe it",
    ("project/vito-health-data-platform", "4.1"): "a section number of the note",
    ("project/vito-health-data-platform", "7.2"): "a section number of the note",
    ("organisation/vib", "4"): "the number of the note's action 4 (plan/actie-4-...)",
    ("use-case/trace-med-translational-pipeline", "2025"): "the year of the slide that spells the name",
    ("initiative/one-million-genomes", "1"): "part of the name (the 1-million-genomes declaration)",
    ("programme/horizon-europe-cluster-1", "1"): "part of the name (Horizon Europe Cluster 1)",
    ("use-case/trace-med-translational-pipeline", "2026"): "the year of the slide that spells the name",
}


def numbers(text: str) -> set[Decimal]:
    """Return the numbers a text states ("12,476" is 12476, "1.56 million" 1560000)."""
    found = set()
    for match in NUMBER.finditer(text):
        raw = match.group(1)
        value = Decimal(raw.replace(",", "")) if re.fullmatch(r"\d{1,3}(,\d{3})+", raw) else Decimal(raw.replace(",", "."))
        found.add(value * 1000000 if match.group(2) else value)
    return found


def typed_numbers(graph, subject) -> set[Decimal]:
    """Return the numbers of the subject's literals and of the n-ary nodes about it."""
    nodes = {subject} | set(graph.subjects(SMH.figureOf, subject)) | set(graph.subjects(SMH.subsetOf, subject))
    nodes |= set(graph.subjects(ORG.organization, subject))
    for programme in graph.objects(subject, SMH.fundingProgramme):
        nodes |= set(graph.subjects(SMH.figureOf, programme))
    values = set()
    for node in nodes:
        for value in graph.objects(node, None):
            # Words in English or Dutch (labels, a figure's scope, descriptions) are prose, not data.
            if isinstance(value, Literal) and not value.language and value.datatype != RDF.langString:
                values |= numbers(str(value))
    return values


def prose_numbers_without_data(dataset, base: str) -> list[str]:
    """Return "path: number (text)" for each number of a comment or description no typed value holds."""
    only_in_prose = []
    for predicate in (RDFS.comment, DCTERMS.description):
        for subject, text in dataset.subject_objects(predicate):
            # A document's statement cites a quotation; review notes of links (links.yaml) cite none.
            quoted = any((source, RDF.type, SMH.Quotation) in dataset
                         for source in dataset.objects(subject, PROV.wasDerivedFrom))
            if not str(subject).startswith(base) or not quoted:
                continue
            path = str(subject)[len(base):]
            for value in sorted(numbers(str(text)) - typed_numbers(dataset, subject)):
                if (path, str(value)) not in NOT_FACTS:
                    only_in_prose.append(f"{path}: {value} ({text})")
    return only_in_prose


def test_every_number_of_a_comment_is_typed_data(built, settings):
    assert prose_numbers_without_data(read_graph(built.dataset_path), settings.base_iri) == []


def test_a_number_only_in_a_comment_or_a_scope_is_found():
    """The check fails for the right reason: a figure's scope in words does not make a number data."""
    base = "https://example.org/id/"
    event, figure, quote = URIRef(base + "event/x"), URIRef(base + "figure/x--meetings"), URIRef(base + "quote/q")
    dataset = Graph()
    dataset.add((event, PROV.wasDerivedFrom, quote))
    dataset.add((quote, RDF.type, SMH.Quotation))
    dataset.add((event, RDFS.comment, Literal("Four meetings in 2024, 30 participants each.", lang="en")))
    dataset.add((figure, SMH.figureOf, event))
    dataset.add((figure, SMH.numericValue, Literal(Decimal(30))))
    dataset.add((figure, SMH.scope, Literal("meetings held in 2024", lang="en")))
    assert prose_numbers_without_data(dataset, base) == ["event/x: 2024 (Four meetings in 2024, 30 participants each.)"]
    dataset.add((event, SMH.startDate, Literal("2024", datatype=GYEAR)))
    assert prose_numbers_without_data(dataset, base) == []


GYEAR = URIRef("http://www.w3.org/2001/XMLSchema#gYear")
SOURCE_TEXT = "The 2 days event was attended by 143 participants. Around 230 participants took part."


@pytest.fixture
def source_graph(tmp_path):
    path = tmp_path / "001_test.txt"
    path.write_text(SOURCE_TEXT, encoding="utf-8")
    return SourceGraph(source=SourceText.read(path), iris=Iris("https://example.org/id/"))


class Terms:
    def resource(self, text, place):
        return URIRef(f"https://example.org/id/{text}")


@pytest.mark.parametrize("spec, message", [
    ({"measure": "visitors", "value": 1, "quote": "143 participants"}, "unknown figure measure"),
    ({"measure": "participant-count", "value": 143}, "needs its own 'quote'"),
    ({"measure": "participant-count", "value": 143, "date": 2019, "quote": "143 participants"}, "exactly one of"),
    ({"measure": "participant-count", "value": "many", "quote": "143 participants"}, "not a number"),
    ({"measure": "duration", "value": 2, "quote": "The 2 days"}, "needs a unit"),
    ({"measure": "participant-count", "value": 230, "qualifier": "roughly", "quote": "Around 230"}, "unknown qualifier"),
    ({"measure": "start-date", "date": "spring 2019", "quote": "143 participants"}, "figure date must be"),
    ({"measure": "participant-count", "value": 143, "quote": "144 participants"}, "quote not found"),
    ({"measure": "duration", "range": [2, "3"], "unit": "DAY", "quote": "The 2 days"}, "two whole numbers"),
    ({"measure": "duration", "range": [3, 2], "unit": "DAY", "quote": "The 2 days"}, "low end above its high end"),
    ({"measure": "duration", "range": [2, 3], "quote": "The 2 days"}, "needs a unit"),
    ({"measure": "technology-readiness-level", "value": 2, "quote": "The 2 days"}, "give 'range: \\[low, high\\]'"),
    ({"measure": "technology-readiness-level", "range": [2, 3], "unit": "NUM", "quote": "The 2 days"}, "has no unit"),
    ({"measure": "amount", "value": 230, "unit": "not-stated", "currency": "EUR", "quote": "Around 230"}, "unit is stated"),
])
def test_a_malformed_figure_is_refused_naming_what_is_wrong(source_graph, spec, message):
    with pytest.raises(SourceError, match=message):
        add_figures(source_graph, Terms(), URIRef("https://example.org/id/event/x"), [spec], "here")


def test_two_figures_for_one_thing_are_both_kept(source_graph):
    event = URIRef("https://example.org/id/event/x")
    add_figures(source_graph, Terms(), event, [
        {"measure": "participant-count", "value": 143, "quote": "attended by 143 participants"},
        {"measure": "participant-count", "value": 230, "qualifier": "approximately", "quote": "Around 230 participants"},
    ], "here")
    values = {str(v) for f in source_graph.graph.subjects(SMH.figureOf, event)
              for v in source_graph.graph.objects(f, SMH.numericValue)}
    assert values == {"143", "230"}


def test_a_range_and_a_number_without_unit_are_typed(source_graph):
    """A range is smh:minValue/smh:maxValue (xsd:integer); a number without its unit says so."""
    event = URIRef("https://example.org/id/event/x")
    add_figures(source_graph, Terms(), event, [
        {"measure": "technology-readiness-level", "range": [2, 3], "key": "trl", "quote": "The 2 days"},
        {"measure": "amount", "value": 230, "unit": "not-stated", "key": "unitless", "quote": "Around 230"},
    ], "here")
    graph = source_graph.graph
    trl, unitless = (URIRef(f"https://example.org/id/figure/x--{key}") for key in ("trl", "unitless"))
    assert (graph.value(trl, SMH.minValue).toPython(), graph.value(trl, SMH.maxValue).toPython()) == (2, 3)
    assert str(graph.value(trl, SMH.minValue).datatype).endswith("#integer")
    assert graph.value(trl, SMH.unit) is None and graph.value(trl, SMH.numericValue) is None
    assert graph.value(unitless, SMH.unitStated).toPython() is False
    assert graph.value(unitless, SMH.unit) is None and graph.value(unitless, SMH.currency) is None
