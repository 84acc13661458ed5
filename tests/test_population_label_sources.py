"""No name from memory, for every entity: each rdfs:label, skos:prefLabel and skos:altLabel is the
documents' words, a reviewed reference table's name, built from listed passages of the documents,
or an English name a reviewed public page gives (data/curated/label-sources.yaml says which)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDFS, SKOS

from label_sources import label_sources, phrase, reference_names, unsourced_labels, words
from smarthealth.errors import SourceError
from smarthealth.population.cli import read_sources
from smarthealth.population.reviewed_labels import LABEL_SOURCES_FILE, load_reviewed_labels
from smarthealth.validation.graphs import read_graph
from test_population_labels import BUILT_FROM_THE_DOCUMENTS

# Labels no rule accounts for yet, one "path<TAB>label" a line: descriptions in English of Dutch
# passages (events, plans, policy documents, programmes...) that name no organisation. The list may
# only shrink: a label that comes to be sourced must leave it, a new unsourced label fails.
BASELINE = Path(__file__).with_name("label_baseline.tsv")


@pytest.fixture(scope="module")
def labelled(built, settings):
    graph = read_graph(built.dataset_path)
    sources = read_sources(settings.sources_dir)
    reviewed, recipes = label_sources(settings.curated_dir / LABEL_SOURCES_FILE)
    references = reference_names(settings.curated_dir.parent / "reference")
    return graph, sources, reviewed, recipes, references


def _unsourced(graph, settings, labelled_parts):
    _, sources, reviewed, recipes, references = labelled_parts
    text = " \n ".join(source.text for source in sources.values())
    return unsourced_labels(graph, settings.base_iri, text, references, reviewed, recipes, set(BUILT_FROM_THE_DOCUMENTS))


def _baseline() -> set[tuple[str, str]]:
    rows = [line.split("\t") for line in BASELINE.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]
    return {(path, label) for path, label in rows}


def test_every_label_comes_from_the_documents_or_a_reviewed_source(labelled, settings):
    found = set(_unsourced(labelled[0], settings, labelled))
    baseline = _baseline()
    assert sorted(found - baseline) == [], "labels from no document or reviewed source (add the documents' form):"
    assert sorted(baseline - found) == [], f"sourced now, remove from {BASELINE.name}"


def test_a_name_from_memory_fails_the_rule(labelled, settings):
    """The names this issue removed would fail again: the English of a Dutch name, an expansion
    the documents never write, a reviewed name without its review entry."""
    graph = labelled[0]
    base = settings.base_iri
    from_memory = [("organisation/ugent", RDFS.label, Literal("Universiteit Gent", lang="nl")),
                   ("organisation/uz-leuven", RDFS.label, Literal("University Hospitals Leuven", lang="en")),
                   ("organisation/uz-gent", RDFS.label, Literal("Ghent University Hospital", lang="en")),
                   ("organisation/cme-leuven", SKOS.altLabel, Literal("Centre for Human Genetics (CME)", lang="en")),
                   ("region/kempen", RDFS.label, Literal("Campine", lang="en"))]
    for path, prop, label in from_memory:
        graph.add((URIRef(base + path), prop, label))
    reviewed_without = dict(labelled[2])
    del reviewed_without[("organisation/ugent", "Ghent University")]
    try:
        _, sources, _, recipes, references = labelled
        text = " \n ".join(source.text for source in sources.values())
        found = set(unsourced_labels(graph, base, text, references, reviewed_without, recipes,
                                     set(BUILT_FROM_THE_DOCUMENTS))) - _baseline()
    finally:
        for path, prop, label in from_memory:
            graph.remove((URIRef(base + path), prop, label))
    assert found == {(path, str(label)) for path, _, label in from_memory} | {("organisation/ugent", "Ghent University")}


def test_built_labels_come_from_verbatim_passages(settings):
    """Each passage a built label lists is in the document named, so the recipe is not from memory."""
    _, recipes = label_sources(settings.curated_dir / LABEL_SOURCES_FILE)
    texts = {stem[:3]: phrase(source.text) for stem, source in read_sources(settings.sources_dir).items()}
    assert recipes
    for (path, label), recipe in recipes.items():
        for document, passages in recipe["passages"].items():
            for passage in passages:
                assert phrase(passage) in texts[document], f"{path}: {passage!r} is not in document {document}"
        assert words(label), path


def test_flemish_names_are_the_documents_forms(labelled, settings):
    """UGent and the university hospitals carry the documents' forms; no Dutch expansion they never write."""
    graph = labelled[0]
    def labels(path):
        return {(str(label), label.language) for label in graph.objects(URIRef(settings.base_iri + path), RDFS.label)}
    assert labels("organisation/ugent") == {("UGent", "en")}
    assert labels("organisation/uz-leuven") == {("UZ Leuven", "en")}
    assert labels("organisation/uz-gent") == {("UZ Gent", "en")}
    assert labels("organisation/uhasselt") == {("U Hasselt", "en")}
    assert labels("organisation/cme-leuven") == {("Centrum Menselijke Erfelijkheid CME", "en")}  # 004 is English
    assert labels("organisation/rode-kruis-vlaanderen") == {("Rode Kruis Vlaanderen", "en"), ("Rode Kruis Vlaanderen", "nl")}


def test_reviewed_english_names_carry_their_provenance(labelled, settings):
    """Ghent University is an altLabel whose record names the page of the accepted ROR link it came from."""
    graph = labelled[0]
    base = settings.base_iri
    ugent = URIRef(base + "organisation/ugent")
    assert Literal("Ghent University", lang="en") in set(graph.objects(ugent, SKOS.altLabel))
    assert Literal("Ghent University", lang="en") not in set(graph.objects(ugent, RDFS.label))
    records = [record for record in graph.subjects(DCTERMS.subject, ugent) if str(record).startswith(base + "label/")]
    assert len(records) == 1
    assert str(next(graph.objects(records[0], RDFS.label))) == "Review of the English name Ghent University"
    links = yaml.safe_load((settings.curated_dir / "links.yaml").read_text(encoding="utf-8"))["links"]
    accepted = next(link for link in links if link["entity"] == "organisation/ugent" and link["decision"] == "accepted")
    assert accepted["evidence"]["matched_label"] == "Ghent University"
    assert set(graph.objects(records[0], PROV.wasDerivedFrom)) == {URIRef(accepted["evidence"]["source"])}
    description = str(next(graph.objects(records[0], DCTERMS.description)))
    assert "Ghent University Ghent Belgium" in description
    for entry in load_reviewed_labels(settings.curated_dir / LABEL_SOURCES_FILE):
        node = URIRef(base + entry["entity"])
        assert Literal(entry["altLabel"], lang="en") in set(graph.objects(node, SKOS.altLabel)), entry["entity"]


@pytest.mark.parametrize("change, message", [
    ({"passage": "Universiteit Gent"}, "the passage does not hold the name 'Ghent University'"),
    ({"source": "elifesciences.org/articles/82201"}, "is not an http(s) IRI"),
    ({"reviewed_on": "yesterday"}, "is not a date"),
    ({"reviewed_by": None}, "exactly the keys"),
])
def test_a_bad_reviewed_entry_is_refused_naming_it(tmp_path, change, message):
    entry = {"entity": "organisation/ugent", "altLabel": "Ghent University", "source": "https://elifesciences.org/articles/82201",
             "passage": "Ghent University Ghent Belgium", "reviewed_by": "a reviewer", "reviewed_on": "2026-11-26"}
    entry.update(change)
    entry = {key: value for key, value in entry.items() if value is not None}
    path = tmp_path / LABEL_SOURCES_FILE
    path.write_text(yaml.safe_dump({"reviewed": [entry]}), encoding="utf-8")
    with pytest.raises(SourceError) as raised:
        load_reviewed_labels(path)
    assert message in str(raised.value) and "reviewed entry 1" in str(raised.value)
