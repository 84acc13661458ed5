"""The /sparql endpoint through Flask's test client: protocol, negotiation, errors, updates, safety,
service description, VoID, health and CORS."""

from __future__ import annotations

import csv
import io
import json
import logging
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import RDF, VOID
from rdflib.plugins.sparql.results.xmlresults import XMLResultParser

from smarthealth.store import open_store
from smarthealth.web import create_app

from rdf_media_types import RDFLIB_FORMAT_BY_MEDIA_TYPE

FIXTURES = Path(__file__).parent / "fixtures" / "endpoint"
DATA = [str(FIXTURES / "regions.trig"), str(FIXTURES / "organisations.ttl")]
ID = "https://w3id.org/smart-health/id/"
REGIONS = ID + "graph/regions"
INITIATIVES = ID + "graph/initiatives"
ORGANISATIONS = "urn:smarthealth:data:organisations.ttl"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
TOKEN = "s3cret-update-token"

LABELS_QUERY = f"SELECT ?s ?label WHERE {{ ?s <{LABEL}> ?label FILTER(lang(?label) = 'en') }}"
EN_LABELS = {
    (ID + "region/BE2", "Flanders"),
    (ID + "region/BE24", "Flemish Brabant"),
    (ID + "initiative/s3p4pm", "S3P4PM"),
    (ID + "organisation/imec", "imec"),
    (ID + "organisation/ku-leuven", "KU Leuven"),
}
CONSTRUCT_QUERY = f"CONSTRUCT {{ ?s <{LABEL}> ?label }} WHERE {{ ?s <{LABEL}> ?label FILTER(lang(?label) = 'en') }}"


def expected_graph() -> rdflib.Graph:
    graph = rdflib.Graph()
    for subject, label in EN_LABELS:
        graph.add((rdflib.URIRef(subject), rdflib.URIRef(LABEL), rdflib.Literal(label, lang="en")))
    return graph


@pytest.fixture(scope="module")
def app():
    app = create_app({"DATA": DATA, "TESTING": True, "WORKERS": 1, "TIMEOUT": 20})
    yield app
    app.extensions["smarthealth"].store.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def update_app():
    """A fresh app that accepts updates with TOKEN (its data changes in each test)."""
    app = create_app({"DATA": DATA, "TESTING": True, "WORKERS": 1, "TIMEOUT": 20, "UPDATE_TOKEN": TOKEN})
    yield app
    app.extensions["smarthealth"].store.close()


def json_rows(response) -> set[tuple[str, ...]]:
    document = json.loads(response.data)
    names = document["head"]["vars"]
    return {tuple(binding[name]["value"] for name in names) for binding in document["results"]["bindings"]}


def labels_in(client, **params) -> set[str]:
    query = f"SELECT ?label WHERE {{ ?s <{LABEL}> ?label }}"
    response = client.get("/sparql", query_string={"query": query, **params})
    assert response.status_code == 200, response.data
    return {row[0] for row in json_rows(response)}


# -- the three ways to send a query ----------------------------------------------------------


def test_query_by_get_answers_sparql_json_by_default(client):
    response = client.get("/sparql", query_string={"query": LABELS_QUERY})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "application/sparql-results+json"
    assert json_rows(response) == EN_LABELS


def test_query_by_form_post(client):
    response = client.post("/sparql", data={"query": LABELS_QUERY})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert json_rows(response) == EN_LABELS


def test_query_by_direct_post(client):
    response = client.post("/sparql", data=LABELS_QUERY.encode(), content_type="application/sparql-query")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert json_rows(response) == EN_LABELS


def test_direct_post_with_utf8_charset_is_read(client):
    response = client.post(
        "/sparql", data=LABELS_QUERY.encode(), content_type="application/sparql-query; charset=UTF-8"
    )
    assert json_rows(response) == EN_LABELS


# -- dataset parameters ----------------------------------------------------------------------


def test_default_graph_uri_selects_the_default_graph(client):
    assert labels_in(client, **{"default-graph-uri": INITIATIVES}) == {"S3P4PM"}


def test_unknown_default_graph_is_empty_and_not_fetched(client):
    assert labels_in(client, **{"default-graph-uri": "urn:smarthealth:absent"}) == set()


def test_named_graph_uri_restricts_graph(client):
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    response = client.post(
        f"/sparql?named-graph-uri={ORGANISATIONS}&named-graph-uri={INITIATIVES}",
        data=query.encode(), content_type="application/sparql-query",
    )
    assert {row[0] for row in json_rows(response)} == {ORGANISATIONS, INITIATIVES}


def test_form_post_takes_dataset_parameters_from_body_and_url(client):
    response = client.post(
        f"/sparql?default-graph-uri={INITIATIVES}",
        data={"query": f"SELECT ?label WHERE {{ ?s <{LABEL}> ?label }}", "default-graph-uri": ORGANISATIONS},
    )
    assert {row[0] for row in json_rows(response)} == {"S3P4PM", "imec", "KU Leuven"}


def test_from_a_stored_graph_selects_it(client):
    query = f"SELECT ?label FROM <{REGIONS}> WHERE {{ ?s <{LABEL}> ?label FILTER(lang(?label) = 'en') }}"
    response = client.get("/sparql", query_string={"query": query})
    assert {row[0] for row in json_rows(response)} == {"Flanders", "Flemish Brabant"}


@pytest.fixture(scope="module")
def shared_triple_client(tmp_path_factory):
    """A client of an app whose graphs <urn:g1> and <urn:g2> share the triple <urn:a> <urn:p> 'x'."""
    path = tmp_path_factory.mktemp("shared") / "shared.trig"
    path.write_text(
        "<urn:g1> { <urn:a> <urn:p> 'x' . <urn:b> <urn:p> 'y' } <urn:g2> { <urn:a> <urn:p> 'x' }",
        encoding="utf-8",
    )
    app = create_app({"DATA": [str(path)], "TESTING": True, "WORKERS": 1, "TIMEOUT": 20})
    yield app.test_client()
    app.extensions["smarthealth"].store.close()


def count_in(client, query: str, url: str = "/sparql") -> int:
    response = client.post(url, data=query.encode(), content_type="application/sparql-query")
    assert response.status_code == 200, response.data
    return int(json.loads(response.data)["results"]["bindings"][0]["n"]["value"])


def test_two_default_graph_uris_are_merged_so_a_shared_triple_counts_once(shared_triple_client):
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert count_in(shared_triple_client, count, "/sparql?default-graph-uri=urn:g1&default-graph-uri=urn:g2") == 2
    assert count_in(shared_triple_client, count, "/sparql?default-graph-uri=urn:g2") == 1
    assert count_in(shared_triple_client, count) == 2
    rows = json_rows(shared_triple_client.get("/sparql", query_string=[
        ("query", "SELECT ?s ?o WHERE { ?s ?p ?o }"), ("default-graph-uri", "urn:g1"), ("default-graph-uri", "urn:g2"),
    ]))
    assert rows == {("urn:a", "x"), ("urn:b", "y")}


def test_from_twice_is_merged_so_a_shared_triple_counts_once(shared_triple_client):
    from_twice = "SELECT (COUNT(*) AS ?n) FROM <urn:g1> FROM <urn:g2> WHERE { ?s ?p ?o }"
    assert count_in(shared_triple_client, from_twice) == 2
    from_named = "SELECT (COUNT(*) AS ?n) FROM <urn:g1> FROM <urn:g2> FROM NAMED <urn:g2> WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert count_in(shared_triple_client, from_named) == 1


def test_several_default_graphs_answer_as_before(client):
    assert labels_in(client, **{"default-graph-uri": [INITIATIVES, ORGANISATIONS]}) == {"S3P4PM", "imec", "KU Leuven"}


# -- content negotiation ---------------------------------------------------------------------


def test_select_as_sparql_xml(client):
    response = client.get("/sparql", query_string={"query": LABELS_QUERY},
                          headers={"Accept": "application/sparql-results+xml"})
    assert response.headers["Content-Type"] == "application/sparql-results+xml; charset=utf-8"
    result = XMLResultParser().parse(io.BytesIO(response.data))
    s, label = rdflib.Variable("s"), rdflib.Variable("label")
    assert {(str(row[s]), str(row[label])) for row in result.bindings} == EN_LABELS


def test_select_as_csv(client):
    response = client.get("/sparql", query_string={"query": LABELS_QUERY}, headers={"Accept": "text/csv"})
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.data.decode())))
    assert {(row["s"], row["label"]) for row in rows} == EN_LABELS


def test_select_as_tsv(client):
    response = client.get("/sparql", query_string={"query": LABELS_QUERY},
                          headers={"Accept": "text/tab-separated-values"})
    assert response.headers["Content-Type"] == "text/tab-separated-values; charset=utf-8"
    lines = response.data.decode().splitlines()
    assert lines[0] == "?s\t?label"
    assert f'<{ID}organisation/imec>\t"imec"@en' in lines


def test_q_values_pick_the_preferred_type(client):
    accept = "text/csv;q=0.5, application/sparql-results+xml;q=0.9, application/sparql-results+json;q=0.1"
    response = client.get("/sparql", query_string={"query": LABELS_QUERY}, headers={"Accept": accept})
    assert response.headers["Content-Type"].startswith("application/sparql-results+xml")
    assert response.headers["Vary"] == "Accept"


def test_wildcard_accept_gets_the_default_type(client):
    response = client.get("/sparql", query_string={"query": LABELS_QUERY}, headers={"Accept": "*/*"})
    assert response.headers["Content-Type"] == "application/sparql-results+json"


def test_ask_answers_a_boolean(client):
    response = client.get("/sparql", query_string={"query": f"ASK {{ <{ID}region/BE2> ?p ?o }}"},
                          headers={"Accept": "application/sparql-results+xml"})
    assert b"<boolean>true</boolean>" in response.data


@pytest.mark.parametrize("media_type", sorted(RDFLIB_FORMAT_BY_MEDIA_TYPE))
def test_construct_in_each_rdf_media_type(client, media_type):
    response = client.get("/sparql", query_string={"query": CONSTRUCT_QUERY}, headers={"Accept": media_type})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"].split(";")[0] == media_type
    if media_type != "application/ld+json":
        assert response.headers["Content-Type"].endswith("; charset=utf-8")
    parsed = rdflib.Dataset()
    parsed.parse(data=response.data, format=RDFLIB_FORMAT_BY_MEDIA_TYPE[media_type])
    assert {(s, p, o) for s, p, o, _ in parsed.quads((None, None, None, None))} == set(expected_graph())


def test_construct_defaults_to_turtle(client):
    response = client.post("/sparql", data=CONSTRUCT_QUERY.encode(), content_type="application/sparql-query")
    assert response.headers["Content-Type"] == "text/turtle; charset=utf-8"
    assert rdflib.Graph().parse(data=response.data, format="turtle").isomorphic(expected_graph())


def test_describe_answers_a_graph(client):
    response = client.get("/sparql", query_string={"query": f"DESCRIBE <{ID}region/BE24>"},
                          headers={"Accept": "application/n-triples"})
    graph = rdflib.Graph().parse(data=response.data, format="nt")
    assert (rdflib.URIRef(ID + "region/BE24"), rdflib.URIRef(LABEL), rdflib.Literal("Flemish Brabant", lang="en")) in graph


def test_nothing_acceptable_is_406_before_the_query_runs(client):
    response = client.get("/sparql", query_string={"query": LABELS_QUERY}, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert "application/sparql-results+json" in response.data.decode()


def test_rdf_type_for_a_select_is_406(client):
    response = client.get("/sparql", query_string={"query": LABELS_QUERY}, headers={"Accept": "text/turtle"})
    assert response.status_code == 406


@pytest.mark.parametrize(
    "value, query, media_type",
    [
        ("csv", LABELS_QUERY, "text/csv"),
        ("tsv", LABELS_QUERY, "text/tab-separated-values"),
        ("xml", LABELS_QUERY, "application/sparql-results+xml"),
        ("json", LABELS_QUERY, "application/sparql-results+json"),
        ("turtle", CONSTRUCT_QUERY, "text/turtle"),
        ("jsonld", CONSTRUCT_QUERY, "application/ld+json"),
        ("rdfxml", CONSTRUCT_QUERY, "application/rdf+xml"),
        ("nt", CONSTRUCT_QUERY, "application/n-triples"),
        ("trig", CONSTRUCT_QUERY, "application/trig"),
    ],
)
def test_format_parameter_wins_over_accept(client, value, query, media_type):
    response = client.get("/sparql", query_string={"query": query, "format": value},
                          headers={"Accept": "application/sparql-results+json, text/turtle"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"].split(";")[0] == media_type


def test_format_that_does_not_fit_the_result_is_406_and_unknown_format_400(client):
    response = client.get("/sparql", query_string={"query": CONSTRUCT_QUERY, "format": "csv"})
    assert response.status_code == 406 and b"format 'csv'" in response.data
    response = client.get("/sparql", query_string={"query": LABELS_QUERY, "format": "yaml"})
    assert response.status_code == 400 and b"unknown format 'yaml'" in response.data


# -- protocol errors -------------------------------------------------------------------------


def assert_plain_error(response, status: int, *fragments: str) -> None:
    assert response.status_code == status, response.data
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    text = response.data.decode()
    for fragment in fragments:
        assert fragment in text, text
    assert "Traceback" not in text and "File \"" not in text


def test_malformed_query_is_400_with_line_and_column(client):
    response = client.get("/sparql", query_string={"query": "SELECT ?s\nWHERE { ?s ?p }"})
    assert_plain_error(response, 400, "malformed query", "error at 2:")


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_other_methods_are_405(client, method):
    response = getattr(client, method)("/sparql", query_string={"query": "ASK {}"})
    assert_plain_error(response, 405, "Method Not Allowed")
    assert "POST" in response.headers["Allow"]


def test_two_query_parameters_are_400(client):
    response = client.get("/sparql?query=ASK%20%7B%7D&query=SELECT%20*%20%7B%7D")
    assert_plain_error(response, 400, "'query' parameter is given 2 times")


def test_query_and_update_together_are_400(client):
    response = client.post("/sparql", data={"query": "ASK {}", "update": "CLEAR ALL"})
    assert_plain_error(response, 400, "either 'query' or 'update'")


def test_form_without_query_or_update_is_400(client):
    response = client.post("/sparql", data={"default-graph-uri": REGIONS})
    assert_plain_error(response, 400, "missing 'query' or 'update'")


def test_get_with_graph_parameters_but_no_query_is_400(client):
    response = client.get("/sparql", query_string={"default-graph-uri": REGIONS})
    assert_plain_error(response, 400, "missing 'query'")


def test_empty_query_is_400(client):
    response = client.get("/sparql", query_string={"query": "  "})
    assert_plain_error(response, 400, "'query' parameter is empty")


def test_update_by_get_is_400(client):
    response = client.get("/sparql", query_string={"update": "CLEAR ALL"})
    assert_plain_error(response, 400, "update must be sent with POST")


@pytest.mark.parametrize("content_type", ["text/plain", None])
def test_post_with_a_wrong_or_missing_content_type_is_415(client, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post("/sparql", data=b"ASK {}", headers=headers)
    assert_plain_error(response, 415, "application/sparql-query")


def test_non_utf8_charset_is_415(client):
    response = client.post("/sparql", data="ASK {}".encode("utf-16"),
                           content_type="application/sparql-query; charset=UTF-16")
    assert_plain_error(response, 415, "must be UTF-8, not UTF-16")


def test_invalid_utf8_body_is_400(client):
    response = client.post("/sparql", data=b"ASK { ?s ?p '\xff' }", content_type="application/sparql-query")
    assert_plain_error(response, 400, "not valid UTF-8")


def test_query_in_url_and_direct_body_is_400(client):
    response = client.post("/sparql?query=ASK%20%7B%7D", data=b"ASK {}", content_type="application/sparql-query")
    assert_plain_error(response, 400, "not a 'query' parameter in the URL")


def test_request_body_over_the_limit_is_413():
    app = create_app({"DATA": DATA, "TESTING": True, "WORKERS": 0, "MAX_REQUEST_BYTES": 2000})
    client = app.test_client()
    big = "SELECT * WHERE { ?s ?p ?o } # " + "x" * 3000
    response = client.post("/sparql", data=big.encode(), content_type="application/sparql-query")
    assert response.status_code == 413
    assert b"larger than 2000 bytes" in response.data
    response = client.get("/sparql", query_string={"query": big})
    assert response.status_code == 413


def test_unexpected_error_is_a_generic_500_with_the_traceback_only_in_the_log(caplog):
    class BrokenStore(type(open_store())):
        def query(self, *args, **kwargs):
            raise KeyError("secret internal detail")

    app = create_app({"TESTING": True, "SPARQL_STORE": BrokenStore()})
    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/sparql", query_string={"query": "ASK {}"})
    assert_plain_error(response, 500, "internal error")
    assert b"secret internal detail" not in response.data
    assert "secret internal detail" in caplog.text


# -- updates ---------------------------------------------------------------------------------

INSERT = f'INSERT DATA {{ GRAPH <urn:smarthealth:test:new> {{ <{ID}place/ghent> <{LABEL}> "Ghent"@en }} }}'


def test_updates_are_disabled_without_a_configured_token(client):
    response = client.post("/sparql", data=INSERT.encode(), content_type="application/sparql-update",
                           headers={"Authorization": "Bearer anything"})
    assert_plain_error(response, 403, "updates are disabled")
    assert "Ghent" not in labels_in(client)


def test_update_without_a_token_is_401_with_a_bearer_challenge(update_app):
    client = update_app.test_client()
    response = client.post("/sparql", data=INSERT.encode(), content_type="application/sparql-update")
    assert_plain_error(response, 401, "Authorization: Bearer")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Ghent" not in labels_in(client)


def test_update_with_a_wrong_token_is_401(update_app):
    client = update_app.test_client()
    response = client.post("/sparql", data={"update": INSERT}, headers={"Authorization": "Bearer wrong"})
    assert_plain_error(response, 401, "not valid")
    assert "Ghent" not in labels_in(client)


@pytest.mark.parametrize("form", [False, True], ids=["direct", "form"])
def test_update_with_the_token_changes_the_data(update_app, form):
    client = update_app.test_client()
    headers = {"Authorization": f"Bearer {TOKEN}"}
    if form:
        response = client.post("/sparql", data={"update": INSERT}, headers=headers)
    else:
        response = client.post("/sparql", data=INSERT.encode(), content_type="application/sparql-update",
                               headers=headers)
    assert response.status_code == 204, response.data
    assert "Ghent" in labels_in(client)  # answered by the worker process, which reloaded the data
    assert "urn:smarthealth:test:new" in update_app.extensions["smarthealth"].store.named_graphs()


def test_update_with_using_graph_uri(update_app):
    client = update_app.test_client()
    update = f"INSERT {{ GRAPH <urn:copy> {{ ?s <urn:p> ?label }} }} WHERE {{ ?s <{LABEL}> ?label }}"
    response = client.post(f"/sparql?using-graph-uri={INITIATIVES}", data=update.encode(),
                           content_type="application/sparql-update",
                           headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 204, response.data
    answer = client.get("/sparql", query_string={"query": "SELECT ?l WHERE { GRAPH <urn:copy> { ?s ?p ?l } }"})
    assert json_rows(answer) == {("S3P4PM",)}


def test_malformed_update_is_400_and_changes_nothing(update_app):
    client = update_app.test_client()
    before = update_app.extensions["smarthealth"].store.generation
    response = client.post("/sparql", data={"update": "INSERT DATA { <urn:a> }"},
                           headers={"Authorization": f"Bearer {TOKEN}"})
    assert_plain_error(response, 400, "malformed update")
    assert update_app.extensions["smarthealth"].store.generation == before


def test_the_token_never_reaches_the_log(update_app, caplog):
    client = update_app.test_client()
    with caplog.at_level(logging.INFO):
        client.post("/sparql", data={"update": INSERT}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert "POST /sparql 204" in caplog.text
    assert TOKEN not in caplog.text


# -- safety ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, message",
    [
        ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", "SERVICE <http://127.0.0.1:9/sparql>"),
        ("SELECT * WHERE { SERVICE <file:///etc/passwd> { ?s ?p ?o } }", "SERVICE <file:///etc/passwd>"),
        ("SELECT * FROM <http://127.0.0.1:9/data.ttl> WHERE { ?s ?p ?o }", "FROM <http://127.0.0.1:9/data.ttl>"),
        ("SELECT * FROM NAMED <file:///etc/passwd> WHERE { GRAPH ?g { ?s ?p ?o } }", "FROM NAMED <file:///etc/passwd>"),
    ],
)
def test_queries_that_could_fetch_are_400_naming_the_clause(client, query, message):
    response = client.get("/sparql", query_string={"query": query})
    assert_plain_error(response, 400, message, "not allowed")


@pytest.mark.parametrize(
    "update, message",
    [
        ("LOAD <http://127.0.0.1:9/data.ttl>", "LOAD <http://127.0.0.1:9/data.ttl>"),
        ("LOAD <file:///etc/passwd> INTO GRAPH <urn:g>", "LOAD <file:///etc/passwd>"),
        ("INSERT { ?s ?p ?o } USING <http://127.0.0.1:9/g> WHERE { ?s ?p ?o }", "USING <http://127.0.0.1:9/g>"),
    ],
)
def test_updates_that_could_fetch_are_400_even_with_the_token(update_app, update, message):
    client = update_app.test_client()
    before = len(update_app.extensions["smarthealth"].store)
    response = client.post("/sparql", data={"update": update}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert_plain_error(response, 400, message)
    assert len(update_app.extensions["smarthealth"].store) == before


# -- service description, VoID, health, CORS -------------------------------------------------


def test_service_description_at_get_without_query(client):
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.headers["Content-Type"] == "text/turtle; charset=utf-8"
    graph = rdflib.Graph().parse(data=response.data, format="turtle")
    service = rdflib.URIRef("http://localhost/sparql")
    assert (service, RDF.type, SD.Service) in graph
    assert (service, SD.endpoint, service) in graph
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert (service, SD.supportedLanguage, SD.SPARQL11Update) not in graph  # no token configured
    assert (service, SD.feature, SD.UnionDefaultGraph) in graph
    assert (service, SD.resultFormat, rdflib.URIRef("http://www.w3.org/ns/formats/SPARQL_Results_CSV")) in graph
    names = set(graph.objects(None, SD.name))
    assert names == {rdflib.URIRef(REGIONS), rdflib.URIRef(INITIATIVES), rdflib.URIRef(ORGANISATIONS)}


@pytest.mark.parametrize("media_type, rdflib_format", [("application/ld+json", "json-ld"),
                                                        ("application/rdf+xml", "xml")])
def test_service_description_by_negotiation(client, media_type, rdflib_format):
    response = client.get("/sparql", headers={"Accept": media_type})
    assert response.headers["Content-Type"].split(";")[0] == media_type
    graph = rdflib.Graph().parse(data=response.data, format=rdflib_format)
    assert (rdflib.URIRef("http://localhost/sparql"), RDF.type, SD.Service) in graph


def test_void_counts_the_dataset_and_each_graph(client):
    response = client.get("/.well-known/void")
    graph = rdflib.Graph().parse(data=response.data, format="turtle")
    dataset = rdflib.URIRef("http://localhost/.well-known/void#dataset")
    assert int(graph.value(dataset, VOID.triples)) == 18
    assert int(graph.value(dataset, VOID.classes)) == 4
    assert int(graph.value(dataset, VOID.entities)) == 5
    assert graph.value(dataset, VOID.sparqlEndpoint) == rdflib.URIRef("http://localhost/sparql")
    assert graph.value(dataset, VOID.uriSpace) == rdflib.Literal("https://w3id.org/smart-health/id/")
    assert graph.value(dataset, rdflib.namespace.DCTERMS.license) is not None
    subsets = {graph.value(subset, SD.name): int(graph.value(subset, VOID.triples))
               for subset in graph.objects(dataset, VOID.subset)}
    assert subsets == {rdflib.URIRef(REGIONS): 9, rdflib.URIRef(INITIATIVES): 3, rdflib.URIRef(ORGANISATIONS): 6}


def test_health_reports_the_dataset_size(client):
    response = client.get("/health")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["status"] == "ok"
    assert response.get_json()["triples"] == 18
    assert response.get_json()["graphs"] == 3


def test_cors_headers_and_preflight(client):
    response = client.get("/sparql", query_string={"query": "ASK {}"}, headers={"Origin": "https://example.org"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    preflight = client.options("/sparql", headers={
        "Origin": "https://example.org",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Content-Type, Authorization",
    })
    assert preflight.status_code in (200, 204)
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]


def test_each_request_is_logged_once_with_method_path_status_and_duration(client, caplog):
    with caplog.at_level(logging.INFO, logger="smarthealth.web.access"):
        client.get("/health")
    lines = [record.getMessage() for record in caplog.records if record.name == "smarthealth.web.access"]
    assert len(lines) == 1
    assert lines[0].startswith("GET /health 200 ") and lines[0].endswith(" ms")


def test_a_browser_opening_the_endpoint_is_sent_to_the_query_page(client):
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = client.get("/sparql", headers={"Accept": browser})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/")
    query_page = client.get(response.headers["Location"])
    assert query_page.status_code == 200, query_page.get_data(as_text=True)
    assert "Saved questions" in query_page.get_data(as_text=True)
    # An RDF client, or one that accepts anything, gets the service description.
    assert client.get("/sparql", headers={"Accept": "*/*"}).headers["Content-Type"].startswith("text/turtle")
