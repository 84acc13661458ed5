"""The W3C SPARQL 1.1 Protocol test suite against a real ``smarthealth serve`` process.

The suite's documents (tests/w3c/data*.ttl) are served as the named graphs the suite names. Query
cases and bad query cases go to a read-only server; update cases and bad update cases go to a
second server started with an update token, whose store is reset before each case.
"""

from __future__ import annotations

import io
from urllib.parse import quote, urlencode

import pytest
import rdflib
import requests
from rdflib.query import Result

from server_process import start_server
from w3c.manifest import (
    BAD_QUERY_CASES,
    BAD_UPDATE_CASES,
    BOOLEAN_TYPES,
    D1,
    D2,
    QUERY_CASES,
    RDF_TYPES,
    TABULAR_TYPES,
    UPDATE_CASES,
    Case,
    Request,
    suite_dataset,
    turtle_documents,
)

TOKEN = "w3c-protocol-test-token"
RESULT_FORMATS = {
    "application/sparql-results+xml": "xml",
    "application/sparql-results+json": "json",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
RDF_FORMATS = {
    "text/turtle": "turtle",
    "application/rdf+xml": "xml",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/n-quads": "nquads",
    "application/trig": "trig",
}


@pytest.fixture(scope="module")
def suite_trig(tmp_path_factory):
    path = tmp_path_factory.mktemp("w3c") / "protocol-suite.trig"
    suite_dataset().serialize(destination=path, format="trig")
    return path


@pytest.fixture(scope="module")
def query_server(suite_trig):
    with start_server(["--data", str(suite_trig)]) as server:
        yield server


@pytest.fixture(scope="module")
def update_server(suite_trig):
    with start_server(["--data", str(suite_trig)], env={"SMARTHEALTH_UPDATE_TOKEN": TOKEN}) as server:
        yield server


def insert_suite_data_update() -> str:
    """Return a SPARQL update that empties the store and loads the suite's documents again."""
    blocks = []
    for graph in suite_dataset().graphs():
        if len(graph) == 0:
            continue
        triples = "\n".join(
            f"{s.n3()} {p.n3()} {o.n3()} ." for s, p, o in sorted(graph)
        )
        blocks.append(f"GRAPH {graph.identifier.n3()} {{\n{triples}\n}}")
    return "DROP ALL ;\nINSERT DATA {\n" + "\n".join(blocks) + "\n}"


@pytest.fixture
def fresh_update_server(update_server):
    """Reset the update server's store to the suite's documents and check it worked."""
    answer = requests.post(
        update_server.sparql_url, data=insert_suite_data_update().encode("utf-8"),
        headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"},
        timeout=30,
    )
    assert answer.status_code in (200, 204), f"store reset failed: {answer.status_code} {answer.text}"
    assert count_quads(update_server.sparql_url) == suite_quad_count()
    return update_server


def suite_quad_count() -> int:
    return sum(len(graph) for graph in suite_dataset().graphs())


def count_quads(sparql_url: str) -> int:
    """Count the quads in all named graphs of the store behind ``sparql_url``."""
    answer = requests.post(
        sparql_url,
        data=b"SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
        headers={"Content-Type": "application/sparql-query",
                 "Accept": "application/sparql-results+json"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    return int(answer.json()["results"]["bindings"][0]["n"]["value"])


def send(sparql_url: str, request: Request, token: str | None = None) -> requests.Response:
    """Send one of a case's requests as the suite writes it (no Accept header)."""
    url = sparql_url
    if request.params:
        url += "?" + urlencode(request.params, quote_via=quote)
    headers = {}
    if request.content_type:
        headers["Content-Type"] = request.content_type
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return requests.request(
        request.method, url, data=request.body, headers=headers, timeout=30,
        allow_redirects=True,
    )


def media_type(answer: requests.Response) -> str:
    return answer.headers.get("Content-Type", "").split(";")[0].strip().lower()


def parse_results(answer: requests.Response) -> Result:
    kind = media_type(answer)
    return Result.parse(io.BytesIO(answer.content), format=RESULT_FORMATS[kind])


def parse_graph(answer: requests.Response) -> rdflib.Graph:
    kind = media_type(answer)
    if kind in ("application/n-quads", "application/trig"):
        dataset = rdflib.Dataset()
        dataset.parse(data=answer.content, format=RDF_FORMATS[kind])
        graph = rdflib.Graph()
        for s, p, o, _ in dataset.quads():
            graph.add((s, p, o))
        return graph
    return rdflib.Graph().parse(data=answer.content, format=RDF_FORMATS[kind])


def check_one_value_1(answer):
    result = parse_results(answer)
    assert [str(v) for v in result.vars] == ["value"]
    rows = list(result)
    assert len(rows) == 1
    value = rows[0][0]
    assert str(value) == "1"
    if media_type(answer) != "text/csv":  # CSV carries no datatypes
        assert value == rdflib.Literal(1)


def check_empty_graph(answer):
    graph = parse_graph(answer)
    assert len(graph) == 0, f"nothing is known about <http://example.org/>, got {len(graph)} triples"


def check_one_triple_p_1(answer):
    graph = parse_graph(answer)
    triples = list(graph)
    assert len(triples) == 1, triples
    subject, predicate, obj = triples[0]
    # <s> and <p> are relative: resolved against the service's base IRI, never left relative.
    assert isinstance(subject, rdflib.URIRef) and ":" in subject and subject.endswith("s")
    assert isinstance(predicate, rdflib.URIRef) and ":" in predicate and predicate.endswith("p")
    assert obj == rdflib.Literal(1)


def check_one_absolute_iri_not_test(answer):
    rows = list(parse_results(answer))
    assert len(rows) == 1, rows
    value = rows[0][0]
    assert isinstance(value, rdflib.URIRef) or media_type(answer) == "text/csv"
    assert str(value) != "test" and ":" in str(value), f"<test> was not resolved: {value!r}"
    assert str(value).endswith("test")


def check_docs_d1(answer):
    documents = {str(row[0]) for row in parse_results(answer)}
    assert documents == {D1}


def check_graphs_d1_d2(answer):
    graphs = {str(row[0]) for row in parse_results(answer)}
    assert graphs == {D1, D2}


CHECKS = {
    "one_value_1": check_one_value_1,
    "empty_graph": check_empty_graph,
    "one_triple_p_1": check_one_triple_p_1,
    "one_absolute_iri_not_test": check_one_absolute_iri_not_test,
    "docs_d1": check_docs_d1,
    "graphs_d1_d2": check_graphs_d1_d2,
}


def check_answer(case: Case, step: int, request: Request, answer: requests.Response) -> None:
    """Assert what the suite requires of one answer: status, media type and content."""
    where = f"{case.name} request {step + 1} ({request.method})"
    if request.expect_status == "4xx":
        assert 400 <= answer.status_code < 500, (
            f"{where}: expected 4xx, got {answer.status_code}: {answer.text[:300]}"
        )
        assert "Traceback" not in answer.text, f"{where}: traceback in the error body"
        return
    assert 200 <= answer.status_code < 400, (
        f"{where}: expected 2xx/3xx, got {answer.status_code}: {answer.text[:300]}"
    )
    kind = media_type(answer)
    if request.expect_format == "boolean":
        assert kind in BOOLEAN_TYPES, f"{where}: {kind!r} is not a boolean results type"
        assert parse_results(answer).askAnswer is request.expect_boolean, (
            f"{where}: expected {request.expect_boolean}, body: {answer.text[:300]}"
        )
    elif request.expect_format == "tabular":
        assert kind in TABULAR_TYPES, f"{where}: {kind!r} is not a tabular results type"
    elif request.expect_format == "rdf":
        assert kind in RDF_TYPES, f"{where}: {kind!r} is not an RDF media type"
    if request.check:
        CHECKS[request.check](answer)


def run_case(case: Case, sparql_url: str, token: str | None = None) -> None:
    for step, request in enumerate(case.requests):
        answer = send(sparql_url, request, token)
        check_answer(case, step, request, answer)


@pytest.mark.parametrize("case", QUERY_CASES, ids=lambda case: case.name)
def test_query_case(case, query_server):
    run_case(case, query_server.sparql_url)


@pytest.mark.parametrize("case", BAD_QUERY_CASES, ids=lambda case: case.name)
def test_bad_query_case(case, query_server):
    run_case(case, query_server.sparql_url)


@pytest.mark.parametrize("case", UPDATE_CASES, ids=lambda case: case.name)
def test_update_case(case, fresh_update_server):
    run_case(case, fresh_update_server.sparql_url, token=TOKEN)


@pytest.mark.parametrize("case", BAD_UPDATE_CASES, ids=lambda case: case.name)
def test_bad_update_case_changes_nothing(case, fresh_update_server):
    before = count_quads(fresh_update_server.sparql_url)
    run_case(case, fresh_update_server.sparql_url, token=TOKEN)
    assert count_quads(fresh_update_server.sparql_url) == before


def test_suite_documents_are_served_as_named_graphs(query_server):
    answer = requests.get(
        query_server.sparql_url,
        params={"query": "SELECT ?g ?doc WHERE { GRAPH ?g { ?doc a <http://xmlns.com/foaf/0.1/Document> } }"},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    pairs = {(b["g"]["value"], b["doc"]["value"]) for b in answer.json()["results"]["bindings"]}
    assert pairs == {(iri, iri) for iri in turtle_documents()}
