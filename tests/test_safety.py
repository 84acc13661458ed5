"""Safety checks: no query or update may make the server fetch anything."""

from __future__ import annotations

import pytest

from smarthealth.errors import BadRequest
from smarthealth.web.safety import SafetyPolicy, check_query, check_update

STORED = {"http://example.org/stored-graph", "urn:smarthealth:data:organisations.ttl"}
POLICY = SafetyPolicy(is_stored_graph=STORED.__contains__)
ALLOWING = SafetyPolicy(
    service_allowlist=frozenset({"https://query.wikidata.org/sparql"}), is_stored_graph=STORED.__contains__
)


@pytest.mark.parametrize(
    "query, clause, iri",
    [
        ("SELECT * WHERE { SERVICE <http://127.0.0.1:8080/sparql> { ?s ?p ?o } }", "SERVICE", "http://127.0.0.1:8080/sparql"),
        ("SELECT * WHERE { SERVICE SILENT <https://evil.example/q> { ?s ?p ?o } }", "SERVICE", "https://evil.example/q"),
        ("SELECT * WHERE { SERVICE <file:///etc/passwd> { ?s ?p ?o } }", "SERVICE", "file:///etc/passwd"),
        ("SELECT * WHERE { OPTIONAL { { SELECT * WHERE { SERVICE <http://x.example/> { ?s ?p ?o } } } } }", "SERVICE", "http://x.example/"),
        ("PREFIX ex: <http://evil.example/>\nSELECT * WHERE { SERVICE ex:sparql { ?s ?p ?o } }", "SERVICE", "http://evil.example/sparql"),
        ("SELECT * FROM <http://127.0.0.1:9/data.ttl> WHERE { ?s ?p ?o }", "FROM", "http://127.0.0.1:9/data.ttl"),
        ("SELECT * FROM NAMED <https://evil.example/g> WHERE { GRAPH ?g { ?s ?p ?o } }", "FROM NAMED", "https://evil.example/g"),
        ("SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }", "FROM", "file:///etc/passwd"),
        ("ASK FROM <ftp://files.example/x.ttl> { ?s ?p ?o }", "FROM", "ftp://files.example/x.ttl"),
        # A SPARQL escape sequence spelling the keyword is still found.
        ("SELECT * WHERE { \\u0053ERVICE <http://evil.example/q> { ?s ?p ?o } }", "SERVICE", "http://evil.example/q"),
    ],
)
def test_query_that_could_fetch_is_refused_naming_clause_and_iri(query, clause, iri):
    with pytest.raises(BadRequest) as caught:
        check_query(query, POLICY)
    assert caught.value.message.startswith(f"{clause} <{iri}> is not allowed")


def test_service_with_a_variable_is_refused():
    with pytest.raises(BadRequest, match="SERVICE with a variable"):
        check_query("SELECT * WHERE { VALUES ?endpoint { <urn:x> } SERVICE ?endpoint { ?s ?p ?o } }", POLICY)


@pytest.mark.parametrize(
    "update, clause, iri",
    [
        ("LOAD <http://127.0.0.1:9/data.ttl>", "LOAD", "http://127.0.0.1:9/data.ttl"),
        ("LOAD SILENT <file:///etc/passwd> INTO GRAPH <urn:g>", "LOAD", "file:///etc/passwd"),
        ("LOAD <urn:anything>", "LOAD", "urn:anything"),
        ("INSERT { ?s ?p ?o } USING <http://127.0.0.1:9/g> WHERE { ?s ?p ?o }", "USING", "http://127.0.0.1:9/g"),
        ("INSERT { ?s ?p ?o } USING NAMED <file:///tmp/x> WHERE { GRAPH ?g { ?s ?p ?o } }", "USING NAMED", "file:///tmp/x"),
        ("INSERT { GRAPH <urn:g> { ?s ?p ?o } } WHERE { SERVICE <http://evil.example/q> { ?s ?p ?o } }", "SERVICE", "http://evil.example/q"),
        ("PREFIX ex: <http://evil.example/>\nINSERT DATA { <urn:a> <urn:b> <urn:c> } ;\nLOAD ex:data", "LOAD", "http://evil.example/data"),
    ],
)
def test_update_that_could_fetch_is_refused_naming_clause_and_iri(update, clause, iri):
    with pytest.raises(BadRequest) as caught:
        check_update(update, POLICY)
    assert caught.value.message.startswith(f"{clause} <{iri}> is not allowed")


@pytest.mark.parametrize(
    "query",
    [
        # A stored graph is selected, never fetched, whatever its scheme.
        "SELECT * FROM <http://example.org/stored-graph> WHERE { ?s ?p ?o }",
        "SELECT * FROM NAMED <urn:smarthealth:data:organisations.ttl> WHERE { GRAPH ?g { ?s ?p ?o } }",
        # A non-fetchable IRI is a plain dataset selector (an unknown graph is empty).
        "SELECT * FROM <urn:smarthealth:nothing> WHERE { ?s ?p ?o }",
        # The keywords inside strings, IRIs and comments are no clauses.
        'SELECT * WHERE { ?s ?p "load data from the SERVICE" } # SERVICE <http://x/>',
        "SELECT * WHERE { ?s <http://example.org/service> ?o }",
    ],
)
def test_queries_that_cannot_fetch_pass(query):
    check_query(query, POLICY)


def test_allow_listed_service_passes_and_others_do_not():
    check_query("SELECT * WHERE { SERVICE <https://query.wikidata.org/sparql> { ?s ?p ?o } }", ALLOWING)
    with pytest.raises(BadRequest, match="SERVICE <https://query.wikidata.org/other>"):
        check_query("SELECT * WHERE { SERVICE <https://query.wikidata.org/other> { ?s ?p ?o } }", ALLOWING)


def test_using_a_stored_graph_passes():
    check_update(
        "INSERT { GRAPH <urn:g> { ?s ?p ?o } } USING <http://example.org/stored-graph> WHERE { ?s ?p ?o }",
        POLICY,
    )


def test_relative_iri_resolves_against_the_base_before_the_check():
    with pytest.raises(BadRequest, match="FROM <http://localhost/g>"):
        check_query("SELECT * FROM <g> WHERE { ?s ?p ?o }", POLICY, base_iri="http://localhost/sparql")


def test_unparsable_text_with_a_keyword_is_refused_with_the_parser_position():
    with pytest.raises(BadRequest) as caught:
        check_query("SELECT * FROM <urn:g> WHERE { ?s ?p }", POLICY)
    assert "malformed query" in caught.value.message and "line 1" in caught.value.message


def test_undeclared_prefix_in_a_service_clause_is_a_bad_request():
    with pytest.raises(BadRequest):
        check_query("SELECT * WHERE { SERVICE nope:x { ?s ?p ?o } }", POLICY)


def test_a_long_query_without_such_clauses_is_not_parsed_but_passes():
    iris = " ".join(f"<http://platform.example/from/x{n}>" for n in range(5000))
    check_query(f"SELECT * WHERE {{ VALUES ?x {{ {iris} }} ?x ?p ?o }}", POLICY)


def test_a_long_query_with_a_checked_clause_is_refused_as_too_long_to_check():
    padding = " " * 70_000
    with pytest.raises(BadRequest, match="at most 64000 characters"):
        check_query(f"SELECT * FROM <urn:g> WHERE {{ {padding} }}", POLICY)


def test_deep_nesting_is_a_bad_request_not_an_internal_error():
    nested = "{ " * 400 + "?s ?p ?o" + " }" * 400
    with pytest.raises(BadRequest, match="nested too deeply"):
        check_query(f"SELECT * FROM <urn:g> WHERE {{ {nested} }}", POLICY)


def test_carriage_return_does_not_hide_a_service_clause_in_a_comment():
    with pytest.raises(BadRequest):
        check_query("SELECT * WHERE { ?s ?p ?o # note\rSERVICE <http://evil.example/> { ?a ?b ?c } }", POLICY)
