"""The 50-IRI check: entities picked at random from the built graph dereference for people and programs.

For each: the HTML page (reached from /id/... as a browser reaches it) carries the entity's label
and the titles of the documents that state something about it; each RDF format parses back (with
rdflib, not the server's own library) to a graph holding every statement of the built dataset that
has the entity as subject or object, and the dataset formats hold each in its named graph.
The seed is printed, and can be fixed with LINKED_DATA_SEED to replay a run.
"""

from __future__ import annotations

from markupsafe import escape
import os
import random
import time

import pytest
import requests
from rdflib import BNode, Dataset, Literal, URIRef
from rdflib.namespace import PROV, RDFS

from rdf_media_types import RDFLIB_FORMAT_BY_MEDIA_TYPE

BASE = "https://w3id.org/smart-health/id/"
ONTOLOGY_GRAPH = "https://w3id.org/smart-health/ontology"
SAMPLE_SIZE = 50
EXTENSIONS = {"ttl": "text/turtle", "jsonld": "application/ld+json", "rdf": "application/rdf+xml",
              "nt": "application/n-triples", "trig": "application/trig", "nq": "application/n-quads"}
DATASET_EXTENSIONS = {"trig", "nq", "jsonld"}
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
TIME_BUDGET_S = 120


@pytest.fixture(scope="module")
def source(built) -> Dataset:
    return Dataset().parse(built.dataset_path, format="trig")


@pytest.fixture(scope="module")
def sample(source) -> tuple[int, list[URIRef]]:
    seed = int(os.environ.get("LINKED_DATA_SEED") or random.SystemRandom().randrange(1_000_000))
    labelled = sorted({
        s for s, _, _, g in source.quads((None, RDFS.label, None, None))
        if isinstance(s, URIRef) and str(s).startswith(BASE) and str(g.identifier if hasattr(g, "identifier") else g) != ONTOLOGY_GRAPH
    })
    assert len(labelled) >= SAMPLE_SIZE
    print(f"\n50-IRI check: seed {seed} (LINKED_DATA_SEED={seed} replays it), {len(labelled)} labelled entities")
    return seed, random.Random(seed).sample(labelled, SAMPLE_SIZE)


def _graph_name(graph) -> str:
    return str(graph.identifier if hasattr(graph, "identifier") else graph)


def _canonical(term):
    """Return a comparable form of a term: typed literals by value (the store keeps "11500000.0"
    as its canonical "11500000"; the same xsd:decimal), everything else as it is."""
    if isinstance(term, Literal) and term.datatype is not None:
        value = term.toPython()
        if not isinstance(value, Literal):
            return ("literal", str(term.datatype), value)
    return term


def _key(quad) -> tuple:
    return tuple(_canonical(term) for term in quad)


def _titles(source: Dataset) -> dict[str, str]:
    """Return source graph -> English label of its source document."""
    titles = {}
    for s, _, label, g in source.quads((None, RDFS.label, None, None)):
        if str(s).startswith(BASE + "source/") and getattr(label, "language", None) == "en":
            titles[_graph_name(g)] = str(label)
    return titles


def test_fifty_random_entities_dereference_with_label_sources_and_parseable_rdf(live_server, source, sample):
    seed, entities = sample
    titles = _titles(source)
    started = time.monotonic()
    checked = {"html": 0, **{extension: 0 for extension in EXTENSIONS}}
    statements_checked = 0
    for entity in entities:
        assert time.monotonic() - started < TIME_BUDGET_S, f"seed {seed}: the check ran past {TIME_BUDGET_S} s"
        key = str(entity)[len(BASE):]
        expected_quads = {
            (s, p, o, _graph_name(g)) for s, p, o, g in source.quads((entity, None, None, None))
        } | {(s, p, o, _graph_name(g)) for s, p, o, g in source.quads((None, None, entity, None))}
        expected_quads = {quad for quad in expected_quads if not any(isinstance(t, BNode) for t in quad[:3])}
        expected_quads = {_key(quad) for quad in expected_quads}
        expected_triples = {quad[:3] for quad in expected_quads}

        page = requests.get(f"{live_server}/id/{key}", headers={"Accept": BROWSER_ACCEPT}, timeout=30)
        assert page.status_code == 200, f"seed {seed}: {key}: {page.status_code} {page.text[:300]}"
        labels = [str(o) for _, _, o, _ in source.quads((entity, RDFS.label, None, None))]
        assert any(str(escape(label)) in page.text for label in labels), f"seed {seed}: {key}: no label"
        graphs = {quad[3] for quad in expected_quads if quad[3] in titles}
        if not graphs:  # a review record (a link or a name): it cites the public page reviewed
            pages = [str(o) for _, _, o, _ in source.quads((entity, PROV.wasDerivedFrom, None, None))]
            assert pages, f"seed {seed}: {key}: neither a source graph nor a reviewed page states anything about it"
            assert all(str(escape(page_iri)) in page.text for page_iri in pages), f"seed {seed}: {key}: reviewed page not shown"
            assert "No source document" not in page.text
        for graph in graphs:
            assert str(escape(titles[graph])) in page.text, f"seed {seed}: {key}: source {titles[graph]!r} not shown"
        checked["html"] += 1

        for extension, media_type in EXTENSIONS.items():
            answer = requests.get(f"{live_server}/doc/{key}.{extension}", timeout=30)
            assert answer.status_code == 200, f"seed {seed}: {key}.{extension}: {answer.status_code}"
            assert answer.headers["Content-Type"].split(";")[0] == media_type
            parsed = Dataset().parse(data=answer.content, format=RDFLIB_FORMAT_BY_MEDIA_TYPE[media_type])
            served = {_key((s, p, o, _graph_name(g))) for s, p, o, g in parsed.quads((None, None, None, None))}
            union = {quad[:3] for quad in served}
            missing = [triple for triple in expected_triples if triple not in union]
            assert not missing, f"seed {seed}: {key}.{extension} lacks {len(missing)} statements, e.g. {missing[:2]}"
            if extension in DATASET_EXTENSIONS:
                lost = expected_quads - served
                assert not lost, f"seed {seed}: {key}.{extension} puts statements in other graphs: {list(lost)[:2]}"
            statements_checked += len(expected_triples)
            checked[extension] += 1
    print(f"50-IRI check: {checked['html']} HTML pages with label and sources; "
          + ", ".join(f"{extension} {count}" for extension, count in checked.items() if extension != "html")
          + f" RDF documents parsed back; {statements_checked} statements found; "
          f"{time.monotonic() - started:.1f} s")
    assert all(count == SAMPLE_SIZE for count in checked.values())


def test_every_review_record_names_the_public_page_it_reviewed(live_server, source):
    """Records of reviewed links and names stand outside the five documents: each page says which page was reviewed."""
    titles = _titles(source)
    records = sorted({
        s for s, _, _, g in source.quads((None, PROV.wasDerivedFrom, None, None))
        if isinstance(s, URIRef) and str(s).startswith(BASE) and _graph_name(g) not in titles
        and _graph_name(g) != ONTOLOGY_GRAPH
    })
    assert records, "the build holds no review record"
    for record in records:
        pages = [str(o) for _, _, o, _ in source.quads((record, PROV.wasDerivedFrom, None, None))]
        answer = requests.get(f"{live_server}/id/{str(record)[len(BASE):]}", headers={"Accept": BROWSER_ACCEPT}, timeout=30)
        assert answer.status_code == 200
        assert "A reviewed public page, not one of the documents" in answer.text, record
        assert all(str(escape(page)) in answer.text for page in pages), record
