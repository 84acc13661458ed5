"""Dereferencing against a real server: 303s and content negotiation for /id/..., /doc/..., /resource.

The entity RDF is parsed back and compared with the built dataset (statements both ways, labels
of linked things, named graphs, quotations); the 50-IRI check lives in test_linked_data_sample.py.
"""

from __future__ import annotations

import pytest
import requests
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDFS

from rdf_media_types import RDFLIB_FORMAT_BY_MEDIA_TYPE

BASE = "https://w3id.org/smart-health/id/"
OA_EXACT = URIRef("http://www.w3.org/ns/oa#exact")
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


def get(url: str, accept: str | None = None, **options) -> requests.Response:
    headers = {"Accept": accept} if accept is not None else {}
    return requests.get(url, headers=headers, allow_redirects=False, timeout=30, **options)


@pytest.mark.parametrize(
    "accept, extension",
    [
        (BROWSER_ACCEPT, "html"),
        ("text/turtle", "ttl"),
        ("application/ld+json", "jsonld"),
        ("application/rdf+xml", "rdf"),
        ("application/n-triples", "nt"),
        ("application/trig", "trig"),
        ("application/n-quads", "nq"),
        ("text/turtle;q=0.5, application/rdf+xml;q=0.9", "rdf"),
        ("application/ld+json;q=0.2, text/turtle", "ttl"),
        ("text/html;q=0.1, text/turtle;q=0.8", "ttl"),
        ("*/*", "html"),
        (None, "html"),
        ("application/json", "jsonld"),
    ],
)
def test_an_entity_iri_is_a_303_to_the_document_in_the_negotiated_format(live_server, accept, extension):
    answer = get(f"{live_server}/id/region/BE2", accept)
    assert answer.status_code == 303, answer.text
    assert answer.headers["Location"].endswith(f"/doc/region/BE2.{extension}")
    assert "Accept" in answer.headers.get("Vary", "")


def test_the_format_parameter_wins_over_accept(live_server):
    answer = get(f"{live_server}/id/region/BE2?format=ttl", BROWSER_ACCEPT)
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith("/doc/region/BE2.ttl")


@pytest.mark.parametrize("path", ["/id/region/BE2", "/doc/region/BE2"])
def test_nothing_acceptable_is_a_406_naming_what_is_offered(live_server, path):
    answer = get(f"{live_server}{path}", "image/png")
    assert answer.status_code == 406, answer.text
    assert "text/turtle" in answer.text and "application/ld+json" in answer.text


def test_an_unknown_format_parameter_is_a_406_naming_the_known_ones(live_server):
    answer = get(f"{live_server}/id/region/BE2?format=pdf")
    assert answer.status_code == 406
    assert "'pdf'" in answer.text and "ttl" in answer.text


def test_the_generic_document_negotiates_and_says_so(live_server):
    answer = get(f"{live_server}/doc/region/BE2", "text/turtle")
    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"].startswith("text/turtle")
    assert "Accept" in answer.headers["Vary"]
    assert answer.headers["Content-Location"].endswith("/doc/region/BE2.ttl")
    graph = Graph().parse(data=answer.text, format="turtle")
    assert (URIRef(BASE + "region/BE2"), RDFS.label, Literal("Flanders", lang="en")) in graph


def test_redirects_end_at_the_page_a_browser_shows(live_server):
    answer = requests.get(f"{live_server}/id/organisation/imec", headers={"Accept": BROWSER_ACCEPT}, timeout=30)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/html")
    assert answer.url.endswith("/doc/organisation/imec.html")
    assert "<h1>imec</h1>" in answer.text


def test_an_unknown_entity_is_a_404_page_for_people_and_a_404_for_programs(live_server):
    page = get(f"{live_server}/doc/region/ZZ9.html")
    assert page.status_code == 404
    assert "region/ZZ9" in page.text and "search" in page.text.lower()
    data = get(f"{live_server}/doc/region/ZZ9.ttl")
    assert data.status_code == 404


@pytest.fixture(scope="module")
def be2_dataset(live_server) -> Dataset:
    answer = get(f"{live_server}/doc/region/BE2.trig")
    assert answer.status_code == 200, answer.text
    return Dataset().parse(data=answer.text, format="trig")


def test_entity_rdf_holds_incoming_statements_with_the_labels_of_what_links(be2_dataset):
    union = Graph()
    for quad in be2_dataset.quads((None, None, None, None)):
        union.add(quad[:3])
    region = URIRef(BASE + "region/BE2")
    imec = URIRef(BASE + "organisation/imec")
    assert (imec, URIRef("https://w3id.org/smart-health/ontology#basedIn"), region) in union
    assert any(union.objects(imec, RDFS.label)), "the label of a thing that links to the entity is given"


def test_entity_rdf_keeps_the_named_graph_of_each_statement_and_the_quotations(be2_dataset, built):
    graphs = {str(context.identifier) for context in be2_dataset.graphs()}
    assert BASE + "graph/004_92df48ec1dc621d2" in graphs
    exact = [str(o) for _, _, o, _ in be2_dataset.quads((None, OA_EXACT, None, None))]
    assert exact, "the quotations behind the entity are part of its description"
    source = Dataset().parse(built.dataset_path, format="trig")
    for text in exact[:5]:
        assert any(source.quads((None, OA_EXACT, Literal(text), None))) or any(
            str(o) == text for _, _, o, _ in source.quads((None, OA_EXACT, None, None)))
    titles = list(be2_dataset.quads((URIRef(BASE + "source/004_92df48ec1dc621d2"), None, None, None)))
    assert titles, "the source documents of the quotations are named"


@pytest.mark.parametrize("media_type", sorted(RDFLIB_FORMAT_BY_MEDIA_TYPE))
def test_each_rdf_format_of_an_entity_parses(live_server, media_type):
    answer = get(f"{live_server}/doc/project/regmed-xb", media_type)
    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"].split(";")[0] == media_type
    parsed = Dataset().parse(data=answer.content, format=RDFLIB_FORMAT_BY_MEDIA_TYPE[media_type])
    subjects = {str(quad[0]) for quad in parsed.quads((None, None, None, None))}
    assert BASE + "project/regmed-xb" in subjects


def test_resource_describes_an_external_iri_the_graph_mentions(live_server):
    answer = get(f"{live_server}/resource", BROWSER_ACCEPT, params={"uri": "http://data.europa.eu/nuts/code/BE2"})
    assert answer.status_code == 200, answer.text
    assert "Flanders" in answer.text
    data = get(f"{live_server}/resource", "text/turtle", params={"uri": "http://data.europa.eu/nuts/code/BE2"})
    graph = Graph().parse(data=data.text, format="turtle")
    assert (URIRef(BASE + "region/BE2"), URIRef("https://w3id.org/smart-health/ontology#nutsRegion"),
            URIRef("http://data.europa.eu/nuts/code/BE2")) in graph


@pytest.mark.parametrize(
    "uri, accept, location",
    [
        (BASE + "region/BE2", "text/turtle", "/doc/region/BE2.ttl"),
        (BASE + "region/BE2", BROWSER_ACCEPT, "/doc/region/BE2.html"),
        ("https://w3id.org/smart-health/ontology#Region", BROWSER_ACCEPT, "/ontology#Region"),
        ("https://w3id.org/smart-health/ontology#Region", "text/turtle", "/ontology.ttl"),
        ("https://w3id.org/smart-health/vocab/helix-role/business", BROWSER_ACCEPT, "/vocab#helix-role/business"),
    ],
)
def test_resource_sends_our_own_iris_to_their_pages(live_server, uri, accept, location):
    answer = get(f"{live_server}/resource", accept, params={"uri": uri})
    assert answer.status_code == 303, answer.text
    assert answer.headers["Location"].endswith(location)
    assert "Accept" in answer.headers["Vary"]


@pytest.mark.parametrize("uri, status", [("", 400), ("not an iri", 400), ("http://example.org/nothing", 404)])
def test_resource_refuses_what_it_cannot_describe_with_a_reason(live_server, uri, status):
    answer = get(f"{live_server}/resource", "text/turtle", params={"uri": uri})
    assert answer.status_code == status
    assert answer.text.strip()


@pytest.mark.parametrize(
    "accept, expected",
    [
        ("text/turtle;q=0, */*;q=0.5", "text/html"),
        ("application/rdf+xml;q=0.3, application/n-triples;q=0.7, text/html;q=0.5", "application/n-triples"),
        ("text/*", "text/html"),
        ("application/trig, application/n-quads;q=0.9", "application/trig"),
        ("text/plain", "application/n-triples"),
        ("", "text/html"),
    ],
)
def test_negotiation_honours_quality_values(accept, expected):
    from smarthealth.web.linked_data import negotiate

    assert negotiate(accept) == expected


@pytest.mark.parametrize("accept", ["image/png", "application/pdf;q=1, text/turtle;q=0"])
def test_negotiation_refuses_when_nothing_fits(accept):
    from smarthealth.errors import NotAcceptable
    from smarthealth.web.linked_data import negotiate

    with pytest.raises(NotAcceptable, match="offered"):
        negotiate(accept)
