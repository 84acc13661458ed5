"""No fact lives only in a comment: every number an rdfs:comment of the built graph states is also
typed data of its subject (a property, a stated figure, an amount, a membership), or is one of the
numbers listed here with the reason it is not a fact; and the figures: record syntax refuses what
is not a figure."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import RDFS

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
    ("plan/actie-1-impulsprogramma-innovatie-gezondheid-zorg", "3"):
        "TRL 3-6, a technology-readiness range: the model has no measure for TRL ranges yet",
    ("plan/actie-1-impulsprogramma-innovatie-gezondheid-zorg", "6"):
        "TRL 3-6, a technology-readiness range: the model has no measure for TRL ranges yet",
    ("use-case/trace-med-translational-pipeline", "2025"): "the year of the slide that spells the name",
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
        for predicate, value in graph.predicate_objects(node):
            if isinstance(value, Literal) and predicate not in (RDFS.comment, RDFS.label):
                values |= numbers(str(value))
    return values


def test_every_number_of_a_comment_is_typed_data(built, settings):
    dataset = read_graph(built.dataset_path)
    base = settings.base_iri
    only_in_prose = []
    for subject, comment in dataset.subject_objects(RDFS.comment):
        if not str(subject).startswith(base):
            continue
        path = str(subject)[len(base):]
        missing = numbers(str(comment)) - typed_numbers(dataset, subject)
        for value in sorted(missing):
            if (path, str(value)) not in NOT_FACTS:
                only_in_prose.append(f"{path}: {value} ({comment})")
    assert only_in_prose == []


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
