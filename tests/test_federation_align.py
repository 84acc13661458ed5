"""Reconciliation as a user runs it: `smarthealth align` against a stand-in endpoint, the review file,
and the reviewed links that the build turns into skos:exactMatch / skos:closeMatch with provenance."""

from __future__ import annotations

import subprocess
import sys

import pyoxigraph as ox
import pytest
import yaml
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS

from federation_standin import oxigraph_serve
from smarthealth.config import Settings
from smarthealth.errors import SourceError
from smarthealth.population.iris import Iris
from smarthealth.population.links import links_graph, load_links

SETTINGS = Settings()
BASE = SETTINGS.base_iri
# A Wikidata-shaped stand-in (rdfs:label / skos:altLabel per language, wdt:P17 -> wdt:P298, wdt:P6782).
# Its items live in a test namespace on purpose: they are not Wikidata's and must never be taken for it.
# The ROR ID is the public one of KU Leuven (data/curated/links.yaml names where it was copied from).
STAND_IN = """
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix wdt: <http://www.wikidata.org/prop/direct/> .
@prefix s: <http://stand-in.test/entity/> .

s:C1 wdt:P298 "BEL" .
s:C2 wdt:P298 "NLD" .
s:C3 wdt:P298 "USA" .
s:K1 rdfs:label "KU Leuven"@en , "KU Leuven"@nl ; wdt:P17 s:C1 ; wdt:P6782 "05f950310" .
s:K2 rdfs:label "KU Leuven"@en ; wdt:P17 s:C3 .
s:G1 rdfs:label "Ghent University"@en ; skos:altLabel "UGent"@nl ; wdt:P17 s:C1 .
s:R1 rdfs:label "Radboudumc Nijmegen"@en ; skos:altLabel "Radboudumc"@nl .
s:X1 rdfs:label "Unrelated Institute"@en ; wdt:P17 s:C2 .
"""


@pytest.fixture(scope="module")
def standin(tmp_path_factory):
    path = tmp_path_factory.mktemp("standin") / "wikidata-shaped.ttl"
    path.write_text(STAND_IN, encoding="utf-8")
    with oxigraph_serve([path]) as server:
        yield server


def _align(built, *arguments):
    command = [sys.executable, "-m", "smarthealth", "align", "--data", str(built.dataset_path), *arguments]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_align_writes_candidates_with_their_evidence(built, standin, tmp_path):
    out = tmp_path / "review.yaml"
    result = _align(built, "--endpoint", standin.query_url, "--out", str(out))
    assert result.returncode == 0, result.stderr
    document = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert document["run"]["endpoint"] == standin.query_url and document["run"]["target"] == "wikidata"
    found = {(c["entity"], c["target"].rsplit("/", 1)[-1]): c for c in document["candidates"]}
    assert set(found) == {("organisation/ku-leuven", "K1"), ("organisation/ku-leuven", "K2"),
                          ("organisation/ugent", "G1"), ("organisation/radboudumc", "R1")}
    best = found[("organisation/ku-leuven", "K1")]["evidence"]
    assert (best["matched_label"], best["matched_property"], best["country"], best["entity_country"],
            best["score"]) == ("KU Leuven", "rdfs:label", "BEL", "BEL", 1.0)
    assert found[("organisation/ku-leuven", "K1")]["also"] == {"ror": ["05f950310"]}
    homonym = found[("organisation/ku-leuven", "K2")]["evidence"]
    assert (homonym["country"], homonym["score"]) == ("USA", 0.5)  # same name, another country
    ghent = found[("organisation/ugent", "G1")]["evidence"]
    assert ghent["matched_property"] == "rdfs:label" and ghent["score"] == 1.0
    radboud = found[("organisation/radboudumc", "R1")]["evidence"]
    assert (radboud["matched_property"], radboud["country"], radboud["score"]) == ("skos:altLabel", "unknown", 0.72)
    assert all(c["decision"] == "pending" for c in document["candidates"])
    assert "4 candidates for 3 of" in result.stdout


def test_align_with_no_network_says_so_and_changes_nothing(built, tmp_path):
    out = tmp_path / "review.yaml"
    out.write_text("kept: as it was\n", encoding="utf-8")
    # A name that cannot be resolved stands for "no network" (the test machine has only loopback).
    result = _align(built, "--endpoint", "https://no-such-host.invalid/sparql", "--out", str(out))
    assert result.returncode == 1
    assert "cannot reach https://no-such-host.invalid/sparql" in result.stderr
    assert "network" in result.stderr and "nothing was written" in result.stderr
    assert out.read_text(encoding="utf-8") == "kept: as it was\n"


def test_reviewed_entries_become_exactly_the_accepted_links_with_provenance(built, standin, tmp_path):
    out = tmp_path / "review.yaml"
    assert _align(built, "--endpoint", standin.query_url, "--out", str(out)).returncode == 0
    document = yaml.safe_load(out.read_text(encoding="utf-8"))
    decisions = {"K1": ("accepted", "exactMatch"), "K2": ("rejected", "exactMatch"),
                 "R1": ("accepted", "closeMatch")}  # G1 stays pending
    for entry in document["candidates"]:
        decision = decisions.get(entry["target"].rsplit("/", 1)[-1])
        if decision:
            entry["decision"], entry["relation"] = decision
            entry["reviewed_by"], entry["reviewed_on"] = "test reviewer", "2026-11-26"
            entry["evidence"]["source"] = "http://stand-in.test/review-run"
    reviewed = tmp_path / "links.yaml"
    reviewed.write_text(yaml.safe_dump({"links": document["candidates"]}), encoding="utf-8")

    iris = Iris(BASE)
    subjects = {URIRef(f"{BASE}organisation/{key}") for key in ("ku-leuven", "ugent", "radboudumc")}
    graph = links_graph(load_links(reviewed), iris, subjects)
    links = {(s, p, o) for s, p, o in graph if p in (SKOS.exactMatch, SKOS.closeMatch)}
    assert links == {
        (URIRef(f"{BASE}organisation/ku-leuven"), SKOS.exactMatch, URIRef("http://stand-in.test/entity/K1")),
        (URIRef(f"{BASE}organisation/radboudumc"), SKOS.closeMatch, URIRef("http://stand-in.test/entity/R1")),
    }
    for subject, predicate, target in links:
        records = set(graph.subjects(RDFS.seeAlso, target))
        assert len(records) == 1
        record = records.pop()
        assert (record, RDF.type, PROV.Entity) in graph and (record, DCTERMS.subject, subject) in graph
        assert (record, PROV.wasDerivedFrom, URIRef("http://stand-in.test/review-run")) in graph
        assert (record, DCTERMS.creator, Literal("test reviewer")) in graph
        description = str(graph.value(record, DCTERMS.description))
        assert f"skos:{predicate.rsplit('#', 1)[-1]}" in description and "score:" in description


def test_an_accepted_link_must_name_its_source_and_an_existing_entity(tmp_path):
    path = tmp_path / "links.yaml"
    entry = {"entity": "organisation/ku-leuven", "target": "https://ror.org/05f950310", "relation": "exactMatch",
             "decision": "accepted", "reviewed_by": "x", "reviewed_on": "2026-11-26", "evidence": {}}
    path.write_text(yaml.safe_dump({"links": [entry]}), encoding="utf-8")
    with pytest.raises(SourceError, match=r"links.yaml:2 \(entry 1\).*evidence.source"):
        load_links(path)
    entry["evidence"] = {"source": "https://elifesciences.org/articles/82201"}
    entry["entity"] = "organisation/no-such-organisation"
    path.write_text(yaml.safe_dump({"links": [entry]}), encoding="utf-8")
    with pytest.raises(SourceError, match="names nothing in the graph"):
        links_graph(load_links(path), Iris(BASE), set())
    entry["relation"] = "sameAs"
    path.write_text(yaml.safe_dump({"links": [entry]}), encoding="utf-8")
    with pytest.raises(SourceError, match="relation 'sameAs' is not one of exactMatch, closeMatch"):
        load_links(path)


def test_the_built_graph_holds_the_committed_reviewed_links(built):
    store = ox.Store()
    store.bulk_load(path=str(built.dataset_path), format=ox.RdfFormat.TRIG)
    reviewed = load_links(SETTINGS.curated_dir / "links.yaml")
    accepted = {(f"{BASE}{link.entity}", link.target) for link in reviewed if link.accepted}
    assert accepted, "data/curated/links.yaml accepts no link"
    rows = store.query(f"""
        SELECT ?entity ?target ?source WHERE {{
          GRAPH <{BASE}graph/reviewed-links> {{
            ?entity <http://www.w3.org/2004/02/skos/core#exactMatch> ?target .
            ?record <http://purl.org/dc/terms/subject> ?entity ;
                    <http://www.w3.org/2000/01/rdf-schema#seeAlso> ?target ;
                    <http://www.w3.org/ns/prov#wasDerivedFrom> ?source .
          }} }}""")
    found = {(row["entity"].value, row["target"].value) for row in rows}
    assert found == accepted
