"""Off-the-shelf SPARQL clients (SPARQLWrapper, plain requests) against a real server process.

Every result format must carry the same answer: the rows of a SELECT and the triples of a
CONSTRUCT are compared across formats and with the same query evaluated locally by rdflib over the
built TriG, so a format that drops a language tag, a datatype or a row fails.
"""

from __future__ import annotations

import csv
import io

import pytest
import rdflib
import requests
from rdflib.query import Result
from SPARQLWrapper import CSV, JSON, JSONLD, POST, RDFXML, TSV, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException
from urllib.error import HTTPError

from server_process import start_server

TOKEN = "client-test-token"
PREFIXES = """PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
# The ontology graph is part of every build: classes with @en and @nl labels (language tags) and
# counts per class (typed integers) exercise what the formats must keep.
SELECT_CLASS_LABELS = PREFIXES + """SELECT DISTINCT ?class ?label WHERE {
  ?class a owl:Class ; rdfs:label ?label .
  FILTER(isIRI(?class))
}"""
SELECT_COUNTS = """SELECT ?type (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?type } GROUP BY ?type"""
CONSTRUCT_CLASS_LABELS = PREFIXES + """CONSTRUCT { ?class rdfs:label ?label } WHERE {
  ?class a owl:Class ; rdfs:label ?label .
  FILTER(isIRI(?class))
}"""
ASK_TRUE = PREFIXES + "ASK { ?o a owl:Ontology }"
ASK_FALSE = "ASK { <urn:smarthealth:test:nothing> ?p ?o }"
PROBE = "<urn:smarthealth:test:client> <urn:smarthealth:test:says> \"hello\" ."
PROBE_GRAPH = "urn:smarthealth:test:graph"
ASK_PROBE = f"ASK {{ GRAPH <{PROBE_GRAPH}> {{ {PROBE} }} }}"


@pytest.fixture(scope="module")
def reference(built):
    """The built dataset read by rdflib, default graph = union of the named graphs."""
    dataset = rdflib.Dataset(default_union=True)
    dataset.parse(built.dataset_path, format="trig")
    return dataset


@pytest.fixture(scope="module")
def sparql_url(live_server):
    return f"{live_server}/sparql"


@pytest.fixture(scope="module")
def update_server(built):
    with start_server(["--data", str(built.dataset_path)],
                      env={"SMARTHEALTH_UPDATE_TOKEN": TOKEN}) as server:
        yield server


def wrapper(url: str, query: str, return_format: str, method: str = "GET") -> SPARQLWrapper:
    client = SPARQLWrapper(url)
    client.setQuery(query)
    client.setReturnFormat(return_format)
    client.setMethod(method)
    client.setTimeout(30)
    return client


def _row_key(row) -> tuple[str, ...]:
    return tuple("" if term is None else term.n3() for term in row)


def rows_from_result(result) -> list[tuple]:
    return sorted((tuple(row) for row in result), key=_row_key)


def rows_as_text(rows) -> list[tuple[str, ...]]:
    return sorted(tuple("" if value is None else str(value) for value in row) for row in rows)


def rows_from_bytes(body: bytes, kind: str) -> list[tuple]:
    return rows_from_result(Result.parse(io.BytesIO(body), format=kind))


@pytest.mark.parametrize("method", ["GET", POST])
@pytest.mark.parametrize("query", [SELECT_CLASS_LABELS, SELECT_COUNTS], ids=["labels", "counts"])
def test_select_is_the_same_answer_in_every_format(query, method, sparql_url, reference):
    expected = rows_from_result(reference.query(query))
    assert expected, "the reference query found nothing: the built graph lacks what this test reads"

    as_json = wrapper(sparql_url, query, JSON, method).query()
    assert as_json.response.headers["Content-Type"].startswith("application/sparql-results+json")
    json_rows = rows_from_bytes(as_json.response.read(), "json")

    as_xml = wrapper(sparql_url, query, XML, method).query()
    assert as_xml.response.headers["Content-Type"].startswith("application/sparql-results+xml")
    xml_rows = rows_from_bytes(as_xml.response.read(), "xml")

    as_tsv = wrapper(sparql_url, query, TSV, method).query()
    assert as_tsv.response.headers["Content-Type"].startswith("text/tab-separated-values")
    tsv_rows = rows_from_bytes(as_tsv.response.read(), "tsv")

    as_csv = wrapper(sparql_url, query, CSV, method).query()
    assert as_csv.response.headers["Content-Type"].startswith("text/csv")
    csv_body = as_csv.response.read().decode("utf-8")
    csv_records = list(csv.reader(io.StringIO(csv_body)))
    csv_rows = sorted(tuple(record) for record in csv_records[1:])

    assert json_rows == expected
    assert xml_rows == expected
    assert tsv_rows == expected
    # CSV keeps lexical forms only (no language tags, no datatypes), by its specification.
    assert csv_records[0] == [str(v) for v in reference.query(query).vars]
    assert csv_rows == rows_as_text(expected)


def test_select_labels_keep_their_language_tags(sparql_url):
    result = wrapper(sparql_url, SELECT_CLASS_LABELS, JSON).query().convert()
    languages = {b["label"].get("xml:lang") for b in result["results"]["bindings"]}
    assert "en" in languages


@pytest.mark.parametrize("return_format", [JSON, XML])
def test_ask_in_json_and_xml(return_format, sparql_url):
    assert _ask_value(wrapper(sparql_url, ASK_TRUE, return_format)) is True
    assert _ask_value(wrapper(sparql_url, ASK_FALSE, return_format)) is False


def _ask_value(client: SPARQLWrapper) -> bool:
    response = client.query()
    kind = "json" if client.returnFormat == JSON else "xml"
    return Result.parse(io.BytesIO(response.response.read()), format=kind).askAnswer


@pytest.mark.parametrize("return_format, media_type", [(CSV, "text/csv"),
                                                       (TSV, "text/tab-separated-values")])
def test_ask_in_csv_and_tsv_is_the_boolean_or_not_acceptable(return_format, media_type,
                                                              sparql_url):
    # The CSV/TSV results format defines no boolean; a server may answer "true"/"false" or 406.
    for query, expected in ((ASK_TRUE, "true"), (ASK_FALSE, "false")):
        answer = requests.get(sparql_url, params={"query": query},
                              headers={"Accept": media_type}, timeout=30)
        if answer.status_code == 406:
            continue
        assert answer.status_code == 200, answer.text
        assert answer.headers["Content-Type"].startswith(media_type)
        assert answer.text.strip().splitlines()[-1].strip().lower() == expected


RDF_FORMATS = [
    (TURTLE, "text/turtle", "turtle"),
    (RDFXML, "application/rdf+xml", "xml"),
    (JSONLD, "application/ld+json", "json-ld"),
]


@pytest.mark.parametrize("return_format, media_type, rdflib_format", RDF_FORMATS,
                         ids=[f[1] for f in RDF_FORMATS])
def test_construct_is_the_same_graph_in_every_format(return_format, media_type, rdflib_format,
                                                     sparql_url, reference):
    expected = set(reference.query(CONSTRUCT_CLASS_LABELS).graph)
    assert expected
    response = wrapper(sparql_url, CONSTRUCT_CLASS_LABELS, return_format).query().response
    assert response.headers["Content-Type"].startswith(media_type)
    graph = rdflib.Graph().parse(data=response.read(), format=rdflib_format)
    assert set(graph) == expected


def test_construct_in_n_triples_with_plain_requests(sparql_url, reference):
    expected = set(reference.query(CONSTRUCT_CLASS_LABELS).graph)
    answer = requests.post(sparql_url, data={"query": CONSTRUCT_CLASS_LABELS},
                           headers={"Accept": "application/n-triples"}, timeout=30)
    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"].startswith("application/n-triples")
    assert set(rdflib.Graph().parse(data=answer.content, format="nt")) == expected


def test_select_with_plain_requests_get_and_direct_post(sparql_url, reference):
    expected = rows_from_result(reference.query(SELECT_COUNTS))
    accept = {"Accept": "application/sparql-results+json"}
    by_get = requests.get(sparql_url, params={"query": SELECT_COUNTS}, headers=accept, timeout=30)
    by_post = requests.post(
        sparql_url, data=SELECT_COUNTS.encode("utf-8"),
        headers={**accept, "Content-Type": "application/sparql-query"}, timeout=30,
    )
    for answer in (by_get, by_post):
        assert answer.status_code == 200, answer.text
        assert rows_from_bytes(answer.content, "json") == expected


def _ask_probe(base_url: str) -> bool:
    answer = requests.get(f"{base_url}/sparql", params={"query": ASK_PROBE},
                          headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()["boolean"]


INSERT_PROBE = f"INSERT DATA {{ GRAPH <{PROBE_GRAPH}> {{ {PROBE} }} }}"
DELETE_PROBE = f"DELETE DATA {{ GRAPH <{PROBE_GRAPH}> {{ {PROBE} }} }}"


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token", f"Basic {TOKEN}"],
                         ids=["no-token", "wrong-token", "not-bearer"])
def test_update_without_the_token_is_refused_and_changes_nothing(authorization, update_server):
    headers = {"Content-Type": "application/sparql-update"}
    if authorization:
        headers["Authorization"] = authorization
    answer = requests.post(update_server.sparql_url, data=INSERT_PROBE.encode("utf-8"),
                           headers=headers, timeout=30)
    assert answer.status_code in (401, 403), answer.text
    assert TOKEN not in answer.text
    assert _ask_probe(update_server.base_url) is False


def test_update_with_sparqlwrapper_without_token_raises_and_changes_nothing(update_server):
    client = wrapper(update_server.sparql_url, INSERT_PROBE, JSON, POST)
    with pytest.raises((SPARQLWrapperException, HTTPError)):
        client.query()
    assert _ask_probe(update_server.base_url) is False


def test_update_with_the_token_is_applied(update_server):
    client = wrapper(update_server.sparql_url, INSERT_PROBE, JSON, POST)
    client.addCustomHttpHeader("Authorization", f"Bearer {TOKEN}")
    status = client.query().response.status
    assert 200 <= status < 300
    assert _ask_probe(update_server.base_url) is True

    answer = requests.post(
        update_server.sparql_url, data={"update": DELETE_PROBE},
        headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30,
    )
    assert 200 <= answer.status_code < 300, answer.text
    assert _ask_probe(update_server.base_url) is False


def test_read_only_server_refuses_updates_even_with_a_token(sparql_url, live_server):
    # live_server runs without SMARTHEALTH_UPDATE_TOKEN: updates are off, whatever is sent.
    answer = requests.post(sparql_url, data=INSERT_PROBE.encode("utf-8"),
                           headers={"Content-Type": "application/sparql-update",
                                    "Authorization": f"Bearer {TOKEN}"}, timeout=30)
    assert answer.status_code in (401, 403), answer.text
    assert _ask_probe(live_server) is False
