"""The ontology and the SKOS vocabularies resolve: an HTML anchor per term, and the RDF by negotiation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, SKOS

from rdf_media_types import RDFLIB_FORMAT_BY_MEDIA_TYPE

ROOT = Path(__file__).resolve().parents[1]
SMH = "https://w3id.org/smart-health/ontology#"
SMHV = "https://w3id.org/smart-health/vocab/"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture(scope="module")
def ontology_source() -> Graph:
    return Graph().parse(ROOT / "ontology" / "smart-health.ttl", format="turtle")


@pytest.fixture(scope="module")
def vocabulary_source() -> Graph:
    return Graph().parse(ROOT / "ontology" / "vocabularies.ttl", format="turtle")


@pytest.fixture(scope="module")
def ontology_page(live_server) -> str:
    # What a browser fetches for https://w3id.org/smart-health/ontology#Region (the fragment stays
    # in the browser) once w3id redirects to the deployment.
    answer = requests.get(f"{live_server}/ontology", headers={"Accept": BROWSER_ACCEPT}, timeout=30)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/html")
    assert "Accept" in answer.headers["Vary"]
    return answer.text


def _terms(graph: Graph) -> set[str]:
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
    return {str(s)[len(SMH):] for kind in kinds for s in graph.subjects(RDF.type, kind) if str(s).startswith(SMH)}


def test_every_class_and_property_has_an_anchor_with_labels_and_definition(ontology_page, ontology_source):
    terms = _terms(ontology_source)
    assert len(terms) > 60
    anchors = set(re.findall(r'<section class="term" id="([^"]+)"', ontology_page))
    assert terms <= anchors, f"terms without an anchor: {sorted(terms - anchors)}"
    region = ontology_page[ontology_page.index('id="Region"'):]
    region = region[:region.index("</section>")]
    assert "region" in region and 'lang="nl">(regio)' in region
    assert "A territory taking part in the Smart Health ecosystem" in region
    assert 'href="http://purl.org/dc/terms/Location"' in region, "the alignment is shown as an external link"
    assert 'href="/id/region/' in region, "examples from the data link to entity pages"


def test_domains_and_ranges_are_shown(ontology_page):
    based_in = ontology_page[ontology_page.index('id="basedIn"'):]
    based_in = based_in[:based_in.index("</section>")]
    assert "Domain" in based_in and "Range" in based_in and 'href="#Region"' in based_in


@pytest.mark.parametrize("media_type", ["text/turtle", "application/rdf+xml", "application/ld+json", "application/n-triples"])
def test_the_ontology_itself_by_negotiation_holds_the_source_file(live_server, ontology_source, media_type):
    answer = requests.get(f"{live_server}/ontology", headers={"Accept": media_type}, timeout=30)
    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"].split(";")[0] == media_type
    assert "Accept" in answer.headers["Vary"]
    served = Graph().parse(data=answer.content, format=RDFLIB_FORMAT_BY_MEDIA_TYPE[media_type])
    expected = {t for t in ontology_source if not any(isinstance(term, BNode) for term in t)}
    missing = [t for t in expected if t not in served]
    assert not missing, f"{len(missing)} statements of smart-health.ttl missing, e.g. {missing[:2]}"
    assert (URIRef("https://w3id.org/smart-health/ontology"), RDF.type, OWL.Ontology) in served


def test_ontology_files_by_extension_for_protege(live_server):
    answer = requests.get(f"{live_server}/ontology.rdf", timeout=30)
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("application/rdf+xml")
    assert (URIRef(SMH + "Region"), RDF.type, OWL.Class) in Graph().parse(data=answer.content, format="xml")


@pytest.mark.parametrize("path", ["/ontology/1.0.0", "/ontology/imports/external"])
def test_version_and_module_iris_lead_to_the_ontology(live_server, path):
    answer = requests.get(f"{live_server}{path}", allow_redirects=False, timeout=30)
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/ontology")


def test_every_concept_and_scheme_has_an_anchor_with_its_users(live_server, vocabulary_source):
    page = requests.get(f"{live_server}/vocab", headers={"Accept": BROWSER_ACCEPT}, timeout=30).text
    anchors = set(re.findall(r'id="([^"]+)"', page))
    concepts = {str(s)[len(SMHV):] for s in vocabulary_source.subjects(RDF.type, SKOS.Concept) if str(s).startswith(SMHV)}
    schemes = {str(s)[len(SMHV):] for s in vocabulary_source.subjects(RDF.type, SKOS.ConceptScheme) if str(s).startswith(SMHV)}
    assert concepts and concepts <= anchors, sorted(concepts - anchors)
    assert schemes <= anchors
    business = page[page.index('id="helix-role/business"'):]
    business = business[:business.index("</section>")]
    assert "Used by" in business and 'href="/id/' in business


def test_a_concept_iri_goes_to_its_anchor_or_to_the_rdf(live_server, vocabulary_source):
    answer = requests.get(f"{live_server}/vocab/helix-role/business", headers={"Accept": BROWSER_ACCEPT},
                          allow_redirects=False, timeout=30)
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/vocab#helix-role/business")
    data = requests.get(f"{live_server}/vocab/helix-role/business", headers={"Accept": "text/turtle"}, timeout=30)
    served = Graph().parse(data=data.text, format="turtle")
    business = URIRef(SMHV + "helix-role/business")
    assert set(vocabulary_source.predicate_objects(business)) <= set(served.predicate_objects(business))
    assert (business, SKOS.prefLabel, Literal("business", lang="en")) in served or any(served.objects(business, SKOS.prefLabel))
