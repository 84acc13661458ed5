"""The fetch guard on one reading of the text: no query or update may make the server fetch anything.

``sparql_text`` reads a text once (codepoint escapes expanded, comments blanked) and the guard
judges that reading; the engine then runs ``SparqlText.text``. The cases below are the ones that
used to slip between two parsers (issue 8), and the ones the old guard already refused.
"""

from __future__ import annotations

import pytest

from smarthealth import fetch_guard
from smarthealth.errors import BadRequest
from smarthealth.sparql_text import MAX_NESTING, MAX_TOKENS, analyse_query, analyse_update

STORED = {"http://example.org/stored-graph", "urn:smarthealth:data:organisations.ttl"}
WIKIDATA = "https://query.wikidata.org/sparql"


def check_query(query: str, allow=(), base_iri=None):
    text = analyse_query(query, base_iri)
    fetch_guard.enforce(text, allow, STORED.__contains__)
    return text


def check_update(update: str, allow=()):
    text = analyse_update(update)
    fetch_guard.enforce(text, allow, STORED.__contains__)
    return text


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
        # Oxigraph reads a keyword as a prefix of a longer name: no space needed after it.
        ("SELECT * { SERVICE<http://127.1/>{ ?s ?p ?o } }", "SERVICE", "http://127.1/"),
        ("SELECT * { sErViCe <HTTP://2130706433/> { ?s ?p ?o } }", "SERVICE", "HTTP://2130706433/"),
        # A comment ends at a carriage return too.
        ("SELECT * WHERE { ?s ?p ?o # note\rSERVICE <http://evil.example/> { ?a ?b ?c } }", "SERVICE", "http://evil.example/"),
        # An escaped local name is a name, not a comment or a string.
        ("PREFIX : <http://a/> SELECT * { :a\\#b ?p ?o . SERVICE <http://[::1]:80/> { ?s ?p ?o } }", "SERVICE", "http://[::1]:80/"),
        ("PREFIX : <http://a/> SELECT * { :a\\' ?p ?o . SERVICE <http://localhost./> { ?s ?p ?o } } # '", "SERVICE", "http://localhost./"),
        ("SELECT * { SERVICE <http://user:pw@127.0.0.1:1/> { ?s ?p ?o } }", "SERVICE", "http://user:pw@127.0.0.1:1/"),
        ("BASE <http://127.0.0.1:1/> SELECT * { SERVICE <sparql> { ?s ?p ?o } }", "SERVICE", "http://127.0.0.1:1/sparql"),
    ],
)
def test_query_that_could_fetch_is_refused_naming_clause_and_iri(query, clause, iri):
    with pytest.raises(BadRequest) as caught:
        check_query(query)
    assert caught.value.message.startswith(f"{clause} <{iri}> is not allowed")


def test_the_escape_attack_of_issue_8_is_one_text_for_guard_and_engine():
    # rdflib expanded \u0027 and saw a string ending before SERVICE; Oxigraph did not and ran the
    # SERVICE. Expanded once for both, the SERVICE is inside a string: no clause, nothing to fetch.
    attack = "SELECT * { OPTIONAL { ?s ?p 'x\\u0027 . ?s ?p ' } SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } # '"
    text = check_query(attack)
    assert text.services == []
    assert "'x' . ?s ?p ' } SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } # '" in text.text
    flipped = "SELECT * { OPTIONAL { ?s ?p 'x\\u0027 } SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }"
    with pytest.raises(BadRequest, match="SERVICE <http://127.0.0.1:1/> is not allowed"):
        check_query(flipped)


def test_a_long_text_is_checked_whole():
    padding = "# " + "x" * 70_000 + "\n"
    with pytest.raises(BadRequest, match="SERVICE <http://127.0.0.1:1/> is not allowed"):
        check_query(f"SELECT * {{ {padding} SERVICE <http://127.0.0.1:1/> {{ ?s ?p ?o }} }}")


def test_service_with_a_variable_is_refused():
    with pytest.raises(BadRequest, match="SERVICE with a variable"):
        check_query("SELECT * WHERE { VALUES ?endpoint { <urn:x> } SERVICE ?endpoint { ?s ?p ?o } }")


@pytest.mark.parametrize(
    "text",
    [
        "PREFIX foo: <http://127.0.0.1:1/> SELECT * { SERVICEfoo: { ?s ?p ?o } }",
        "PREFIX : <http://127.0.0.1:1/> SELECT * { SERVICESILENT: { ?s ?p ?o } }",
        "PREFIX : <http://0/> SELECT * { SERVICE: { ?s ?p ?o } }",
        "PREFIX service: <http://127.0.0.1:1/> SELECT * { ?s ?p service:x }",
        "PREFIX : <http://127.0.0.1:1/> SELECT * { SERVICE SILENTfoo: { ?s ?p ?o } }",
    ],
)
def test_a_name_the_engine_reads_as_a_keyword_and_more_is_refused(text):
    with pytest.raises(BadRequest, match="engine reads it as"):
        check_query(text)


@pytest.mark.parametrize(
    "update, clause, iri",
    [
        ("LOAD <http://127.0.0.1:9/data.ttl>", "LOAD", "http://127.0.0.1:9/data.ttl"),
        ("LOAD SILENT <file:///etc/passwd> INTO GRAPH <urn:g>", "LOAD", "file:///etc/passwd"),
        ("LOAD <urn:anything>", "LOAD", "urn:anything"),
        ("LOAD<http://127.0.0.1:9/>", "LOAD", "http://127.0.0.1:9/"),
        ("LOAD \\u003Chttp://127.0.0.1:9/>", "LOAD", "http://127.0.0.1:9/"),
        ("INSERT { ?s ?p ?o } USING <http://127.0.0.1:9/g> WHERE { ?s ?p ?o }", "USING", "http://127.0.0.1:9/g"),
        ("INSERT { ?s ?p ?o } USING NAMED <file:///tmp/x> WHERE { GRAPH ?g { ?s ?p ?o } }", "USING NAMED", "file:///tmp/x"),
        ("INSERT { GRAPH <urn:g> { ?s ?p ?o } } WHERE { SERVICE <http://evil.example/q> { ?s ?p ?o } }", "SERVICE", "http://evil.example/q"),
        ("PREFIX ex: <http://evil.example/>\nINSERT DATA { <urn:a> <urn:b> <urn:c> } ;\nLOAD ex:data", "LOAD", "http://evil.example/data"),
        ("INSERT DATA { <urn:a> <urn:b> 'x\\u0027 } ; LOAD <http://127.0.0.1:9/> ; INSERT DATA { <urn:a> <urn:b> 'y' }", "LOAD", "http://127.0.0.1:9/"),
    ],
)
def test_update_that_could_fetch_is_refused_naming_clause_and_iri(update, clause, iri):
    with pytest.raises(BadRequest) as caught:
        check_update(update)
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
        "PREFIX prov: <http://www.w3.org/ns/prov#> SELECT * { ?s prov:wasDerivedFrom ?o }",
        "PREFIX dcat: <http://www.w3.org/ns/dcat#> SELECT * { ?s dcat:downloadURL ?o }",
    ],
)
def test_queries_that_cannot_fetch_pass(query):
    assert check_query(query).services == []


def test_the_engine_runs_the_judged_text_escapes_expanded_and_comments_blanked():
    text = check_query("SELECT * { ?s ?p '\\u00e9' } # SERVICE <http://x/>\nLIMIT 1")
    assert text.text == "SELECT * { ?s ?p 'é' } " + " " * len("# SERVICE <http://x/>") + "\nLIMIT 1"
    assert "#" not in text.text and "\\u" not in text.text


def test_an_escape_that_spells_another_escape_is_refused():
    with pytest.raises(BadRequest, match="spells another escape"):
        check_query("SELECT * { ?s ?p '\\u005Cu0027' }")


def test_a_character_no_terminal_allows_is_refused_with_its_position():
    with pytest.raises(BadRequest) as caught:
        check_query("SELECT * {\u00a0SERVICE <http://127.0.0.1:1/> { } }")
    assert caught.value.where == "line 1, column 11"


def test_allow_listed_service_passes_and_others_do_not():
    assert check_query(f"SELECT * WHERE {{ SERVICE <{WIKIDATA}> {{ ?s ?p ?o }} }}", allow={WIKIDATA}).services == [WIKIDATA]
    with pytest.raises(BadRequest, match="SERVICE <https://query.wikidata.org/other>"):
        check_query("SELECT * WHERE { SERVICE <https://query.wikidata.org/other> { ?s ?p ?o } }", allow={WIKIDATA})


def test_using_a_stored_graph_passes():
    check_update("INSERT { GRAPH <urn:g> { ?s ?p ?o } } USING <http://example.org/stored-graph> WHERE { ?s ?p ?o }")


def test_relative_iri_resolves_against_the_base_before_the_check():
    with pytest.raises(BadRequest, match="FROM <http://localhost/g>"):
        check_query("SELECT * FROM <g> WHERE { ?s ?p ?o }", base_iri="http://localhost/sparql")


def test_undeclared_prefix_in_a_service_clause_is_a_bad_request():
    with pytest.raises(BadRequest, match="undeclared prefix nope:"):
        check_query("SELECT * WHERE { SERVICE nope:x { ?s ?p ?o } }")


def test_a_long_query_without_such_clauses_passes():
    iris = " ".join(f"<http://platform.example/from/x{n}>" for n in range(5000))
    check_query(f"SELECT * WHERE {{ VALUES ?x {{ {iris} }} ?x ?p ?o }}")


def test_deep_nesting_is_a_bad_request_naming_the_limit():
    nested = "{ " * (MAX_NESTING + 1) + "?s ?p ?o" + " }" * (MAX_NESTING + 1)
    with pytest.raises(BadRequest, match=f"nested more than {MAX_NESTING} levels"):
        check_query(f"SELECT * WHERE {nested}")


def test_too_many_tokens_is_a_bad_request_naming_the_limit():
    chain = "||".join(["1"] * (MAX_TOKENS // 2 + 10))
    with pytest.raises(BadRequest, match="more than 100,000 tokens"):
        check_query(f"SELECT * {{ FILTER({chain}) }}")
