"""With another base IRI (SMARTHEALTH_BASE_IRI), /id/{key} answers for that base and links follow it."""

from __future__ import annotations

from dataclasses import replace

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDFS

from smarthealth.config import Settings

OTHER_BASE = "https://data.example.org/smart-health/"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from smarthealth.population.build import build
    from smarthealth.web import create_app

    settings = replace(Settings(), base_iri=OTHER_BASE).with_build_dir(tmp_path_factory.mktemp("other-base"))
    report = build(settings)
    app = create_app({"DATA": [str(report.dataset_path)], "WORKERS": 0, "BASE_IRI": OTHER_BASE})
    return app.test_client()


def test_id_answers_for_the_configured_base(client):
    answer = client.get("/doc/region/BE2.ttl")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    graph = Graph().parse(data=answer.get_data(as_text=True), format="turtle")
    assert any(graph.objects(URIRef(OTHER_BASE + "region/BE2"), RDFS.label))


def test_pages_link_iris_of_the_configured_base_locally(client):
    page = client.get("/doc/region/BE2.html").get_data(as_text=True)
    assert 'href="/id/organisation/imec"' in page
    assert f'href="{OTHER_BASE}' not in page


def test_resource_sends_the_configured_base_to_id(client):
    answer = client.get("/resource", query_string={"uri": OTHER_BASE + "region/BE2"}, headers={"Accept": "text/turtle"})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/doc/region/BE2.ttl")


def test_void_uri_space_is_the_configured_base(client):
    answer = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert f'"{OTHER_BASE}"' in answer.get_data(as_text=True)
