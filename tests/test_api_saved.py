"""The saved-query web API on a real server: catalogue, content negotiation, errors, OpenAPI, docs."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import quote

import pytest
import requests

from smarthealth.config import Settings

BASE = Settings().base_iri
TIMEOUT = 60


def get(live_server, path, **kwargs):
    return requests.get(f"{live_server}{path}", timeout=TIMEOUT, **kwargs)


def test_catalogue_lists_every_query_with_typed_parameters(live_server):
    response = get(live_server, "/api/queries")
    assert response.status_code == 200, response.get_data(as_text=True)
    catalogue = {entry["name"]: entry for entry in response.json()}
    assert {"pilot-regions", "helix-gaps", "consortium-builder", "search", "federation-regions"} <= set(catalogue)
    gaps = catalogue["helix-gaps"]
    assert gaps["summary"] and gaps["description"] and "helix" in gaps["tags"]
    parameters = {p["name"]: p for p in gaps["parameters"]}
    # Without a role, the gaps of every top helix role.
    assert parameters["role"]["required"] is False and parameters["role"]["type"] == "iri"
    assert parameters["role"]["example"] == "business"
    assert parameters["initiative"]["required"] is False
    assert parameters["initiative"]["default"] == "smart-health-pilot"
    minimum = {p["name"]: p for p in catalogue["consortium-builder"]["parameters"]}["min"]
    assert minimum["datatype"] == "http://www.w3.org/2001/XMLSchema#integer"
    assert "integer" in minimum["description"]


@pytest.mark.parametrize("accept, content_type", [
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/json", "application/sparql-results+json"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
    ("text/plain", "text/plain"),
])
def test_answer_by_content_negotiation(live_server, accept, content_type):
    response = get(live_server, "/api/queries/helix-gaps", params={"role": "business"},
                   headers={"Accept": accept})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"].startswith(content_type)
    assert "Accept" in response.headers.get("Vary", "")
    # The same two regions in every format (000: East Netherlands and Saxony-Anhalt have no
    # business actor).
    body = response.text
    if content_type == "text/csv":
        rows = list(csv.DictReader(io.StringIO(body)))
        assert {row["region"] for row in rows} == {BASE + "region/NL2", BASE + "region/DEE"}
    elif content_type == "text/tab-separated-values":
        lines = body.strip().split("\n")
        assert lines[0].split("\t")[0] == "?region"
        assert {line.split("\t")[0] for line in lines[1:]} == {f"<{BASE}region/NL2>", f"<{BASE}region/DEE>"}
    elif content_type == "application/sparql-results+json":
        assert {b["region"]["value"] for b in response.json()["results"]["bindings"]} == {
            BASE + "region/NL2", BASE + "region/DEE"}
    elif content_type == "text/html":
        assert "<table>" in body and body.count("<tr>") == 3  # header + 2 rows
        # IRIs link to this server's page about them (issue 9); the full IRI is the link's title.
        assert 'href="/id/region/NL2"' in body and f'title="{BASE}region/NL2"' in body and "Saxony-Anhalt" in body
    else:
        assert "NL2" in body and "DEE" in body


def test_format_argument_overrides_accept(live_server):
    response = get(live_server, "/api/queries/pilot-regions", params={"format": "csv"},
                   headers={"Accept": "application/sparql-results+json"})
    assert response.headers["Content-Type"].startswith("text/csv")
    assert len(list(csv.DictReader(io.StringIO(response.text)))) == 14


def test_html_table_escapes_values(live_server):
    response = get(live_server, "/api/queries/search", params={"text": "<script>alert(1)</script>"},
                   headers={"Accept": "text/html"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;" in response.text


def _error(response, status):
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["status"] == status
    return body["error"]


@pytest.mark.parametrize("path, params, fragments", [
    ("/api/queries/theme", {}, ["missing required parameter 'theme'", "theme key"]),
    ("/api/queries/helix-gaps", {"role": "business", "colour": "red"}, ["unknown parameter 'colour'"]),
    ("/api/queries/consortium-builder", {"theme": "data-digital-tech", "min": "abc"},
     ["parameter 'min'", "'abc' is not an integer"]),
    ("/api/queries/region-profile", {"region": "XX9"}, ["parameter 'region'", "no such region 'XX9'"]),
    ("/api/queries/region-profile", {"region": "BE2> } ?s ?p ?o {"}, ["parameter 'region'", "NUTS code"]),
    ("/api/queries/region-profile", {"region": BASE + "region/BE2> } UNION { ?s ?p ?o"}, ["parameter 'region'"]),
    ("/api/queries/search", {"text": "x", "page": "zero"}, ["parameter 'page'"]),
])
def test_bad_input_is_400_naming_the_parameter(live_server, path, params, fragments):
    message = _error(get(live_server, path, params=params), 400)
    for fragment in fragments:
        assert fragment in message


def test_repeated_parameter_is_400(live_server):
    message = _error(get(live_server, "/api/queries/region-profile?region=BE2&region=NL2"), 400)
    assert "'region' is given more than once" in message


def test_unknown_query_is_404(live_server):
    message = _error(get(live_server, "/api/queries/no-such-question"), 404)
    assert "no saved query named 'no-such-question'" in message
    _error(get(live_server, "/api/queries/no-such-question/sparql"), 404)


def test_unservable_accept_is_406(live_server):
    message = _error(get(live_server, "/api/queries/pilot-regions", headers={"Accept": "image/png"}), 406)
    assert "offered" in message


@pytest.mark.parametrize("raw", [
    'leuven")) } UNION { ?entity ?p ?label } #',
    "leuven' } } SELECT * WHERE { ?s ?p ?o }",
    "} LIMIT 1 #",
])
def test_injection_over_http_is_a_literal(live_server, raw):
    """A quote or brace meant to break out finds nothing: the value stays one string literal."""
    response = get(live_server, f"/api/queries/search?text={quote(raw)}",
                   headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json()["results"]["bindings"] == []


def test_pagination_links(live_server):
    """search.rq has "#+ pagination: 100"; the letter e occurs in far more than 100 labels."""
    accept = {"Accept": "application/sparql-results+json"}
    first = get(live_server, "/api/queries/search", params={"text": "e"}, headers=accept)
    assert first.status_code == 200, first.text
    links = {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', first.headers["Link"])}
    assert set(links) == {"first", "next"}
    rows = first.json()["results"]["bindings"]
    assert len(rows) == 100
    second = get(live_server, links["next"], headers=accept)
    assert second.status_code == 200, second.text
    assert 'rel="prev"' in second.headers["Link"]
    def keys(response):
        return {tuple(sorted((k, v["value"]) for k, v in row.items()))
                for row in response.json()["results"]["bindings"]}
    assert keys(second) and not keys(first) & keys(second)


def test_query_text_is_served(live_server):
    response = get(live_server, "/api/queries/helix-gaps/sparql")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"].startswith("application/sparql-query")
    assert "?__role_iri" in response.text and response.text.startswith("#+ summary:")


def test_openapi_description_validates_and_matches_the_catalogue(live_server):
    from openapi_spec_validator import validate

    spec = get(live_server, "/api/openapi.json").json()
    validate(spec)
    assert spec["openapi"].startswith("3.1")
    names = {entry["name"] for entry in get(live_server, "/api/queries").json()}
    assert {f"/queries/{name}" for name in names} <= set(spec["paths"])
    operation = spec["paths"]["/queries/region-profile"]["get"]
    region = next(p for p in operation["parameters"] if p["name"] == "region")
    assert re.fullmatch(region["schema"]["pattern"], "BE2")
    assert re.fullmatch(region["schema"]["pattern"], BASE + "region/BE2")
    assert not re.fullmatch(region["schema"]["pattern"], "BE2> }")
    assert set(operation["responses"]["200"]["content"]) >= {
        "application/sparql-results+json", "text/csv", "text/tab-separated-values", "text/html"}
    # The server URL in the description works.
    server = spec["servers"][0]["url"]
    answer = get(live_server, f"{server}/queries/region-profile", params={"region": "BE2"},
                 headers={"Accept": "application/sparql-results+json"})
    assert answer.status_code == 200, answer.text
    assert {row["item"]["value"] for row in answer.json()["results"]["bindings"]} >= {BASE + "organisation/ku-leuven"}


def test_docs_page_documents_every_query(live_server):
    response = get(live_server, "/api/docs")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"].startswith("text/html")
    names = {entry["name"] for entry in get(live_server, "/api/queries").json()}
    for name in names:
        assert f'id="{name}"' in response.text
    assert "openapi.json" in response.text
    assert "https://cdn" not in response.text and "unpkg.com" not in response.text
