"""The SERVICE allow-list: normalisation, parsing, the safety check, the endpoint parameter of saved queries."""

from __future__ import annotations

import re

import pytest

from smarthealth.errors import BadRequest, SmartHealthError
from smarthealth.federation.allowlist import is_allowed, normalise_endpoint, parse_allowlist
from smarthealth.federation.endpoints import EndpointNotAllowed, calls_service
from smarthealth.federation.limits import service_time_limit
from smarthealth.saved.binding import bind
from smarthealth.saved.catalog import load_catalog
from smarthealth.config import Settings
from smarthealth import fetch_guard
from smarthealth.sparql_text import Reference, analyse_query

SETTINGS = Settings()
BASE = SETTINGS.base_iri
EU = "https://publications.europa.eu/webapi/rdf/sparql"


def offline(sparql: str) -> str:
    """Return a query with each SERVICE <endpoint> read as a local (empty) graph, so a test reaches no network."""
    return re.sub(r"\bSERVICE\s+(SILENT\s+)?<[^>]*>", "GRAPH <urn:test:offline-service>", sparql, flags=re.IGNORECASE)


@pytest.mark.parametrize("written, normal", [
    (EU, EU),
    ("HTTPS://Publications.Europa.EU/webapi/rdf/sparql", EU),
    ("https://publications.europa.eu:443/webapi/rdf/sparql", EU),
    ("https://publications.europa.eu/webapi/rdf/sparql/", EU),
    ("  https://publications.europa.eu/webapi/rdf/sparql  ", EU),
    ("http://127.0.0.1:80", "http://127.0.0.1/"),
    ("http://127.0.0.1", "http://127.0.0.1/"),
    ("http://127.0.0.1/", "http://127.0.0.1/"),
    ("http://127.0.0.1:7878/query", "http://127.0.0.1:7878/query"),
    ("https://example.org:80/sparql", "https://example.org:80/sparql"),  # 80 is not https's default
    ("http://[::1]:8080/sparql/", "http://[::1]:8080/sparql"),
    ("https://example.org/a%2fb", "https://example.org/a%2Fb"),
    ("https://example.org/sparql?default-graph-uri=x", "https://example.org/sparql?default-graph-uri=x"),
])
def test_one_endpoint_written_two_ways_has_one_normal_form(written, normal):
    assert normalise_endpoint(written) == normal
    assert normalise_endpoint(normal) == normal  # idempotent


@pytest.mark.parametrize("bad, problem", [
    ("https://user:secret@example.org/sparql", "user-info"),
    ("https://user@example.org/sparql", "user-info"),
    ("https://example.org/sparql#part", "fragment"),
    ("https://example.org/sparql#", "fragment"),
    ("ftp://example.org/sparql", "http:// or https://"),
    ("example.org/sparql", "http:// or https://"),
    ("http:///sparql", "no host"),
    ("http://example.org:99999/", "not a valid endpoint IRI"),
    ("http://example.org/a b", "cannot be in an IRI"),
    ("", "non-empty"),
])
def test_a_bad_endpoint_is_refused_naming_the_problem(bad, problem):
    with pytest.raises(ValueError, match=problem):
        normalise_endpoint(bad)


def test_an_allowlist_is_comma_or_space_separated_texts_or_lists():
    expected = frozenset({EU, "http://127.0.0.1:7878/query"})
    assert parse_allowlist(f"{EU}, http://127.0.0.1:7878/query/") == expected
    assert parse_allowlist(f"{EU}\n  HTTP://127.0.0.1:7878/query") == expected
    assert parse_allowlist([EU, "http://127.0.0.1:7878/query"]) == expected
    assert parse_allowlist([f"{EU},http://127.0.0.1:7878/query"]) == expected
    assert parse_allowlist("") == parse_allowlist(None) == parse_allowlist(()) == frozenset()


def test_a_bad_allowlist_entry_is_named():
    with pytest.raises(ValueError, match=r"entry 'https://u:p@example.org/'.*user-info"):
        parse_allowlist(f"{EU} https://u:p@example.org/")


def test_the_app_refuses_to_start_with_a_bad_allowlist_entry():
    from smarthealth.store import open_store
    from smarthealth.web import create_app

    store = open_store([], workers=0)
    try:
        with pytest.raises(SmartHealthError, match="SERVICE_ALLOWLIST.*#frag.*fragment"):
            create_app({"SPARQL_STORE": store, "SERVICE_ALLOWLIST": ["http://example.org/sparql#frag"]})
        app = create_app({"SPARQL_STORE": store, "SERVICE_ALLOWLIST": "HTTP://Example.org:80/sparql/"})
        assert app.config["SERVICE_ALLOWLIST"] == frozenset({"http://example.org/sparql"})
    finally:
        store.close()


def test_the_safety_check_compares_normal_forms():
    allowlist = parse_allowlist("http://example.org/sparql")

    def check_query(text):
        fetch_guard.enforce(analyse_query(text), allowlist, lambda iri: False)

    for written in ("http://example.org/sparql", "HTTP://EXAMPLE.org:80/sparql/"):
        check_query(f"SELECT * WHERE {{ SERVICE <{written}> {{ ?s ?p ?o }} }}")
    for refused in ("http://example.org/other", "http://example.org:8080/sparql",
                    "https://example.org/sparql", "http://u:p@example.org/sparql"):
        with pytest.raises(BadRequest, match="is not allowed"):
            check_query(f"SELECT * WHERE {{ SERVICE <{refused}> {{ ?s ?p ?o }} }}")
    assert is_allowed("http://example.org/sparql#x", allowlist) is False


def test_a_query_calling_service_gets_the_smaller_time_limit():
    service = [Reference("SERVICE", "http://example.org/sparql")]
    assert service_time_limit(service, 30, 10) == 10
    assert service_time_limit(service, 5, 10) == 5
    assert service_time_limit([Reference("FROM", "urn:x")], 30, 10) is None
    assert service_time_limit([], 30, 10) is None


def test_federated_saved_queries_take_an_allowlisted_endpoint():
    federated = [query for query in load_catalog(SETTINGS.queries_dir) if calls_service(query)]
    assert federated, "no saved query calls SERVICE"
    for query in federated:
        endpoint = query.param("endpoint")
        assert endpoint is not None and endpoint.default, f"{query.name} has no endpoint parameter with a default"
        with pytest.raises(EndpointNotAllowed, match="not on this server's SERVICE allow-list"):
            bind(query, {}, base_iri=BASE, service_allowlist=frozenset())
        with pytest.raises(EndpointNotAllowed, match="user-info"):
            bind(query, {"endpoint": "http://u:p@127.0.0.1:9/sparql"}, base_iri=BASE, service_allowlist=None)
        bound = bind(query, {"endpoint": "HTTP://127.0.0.1:9/query/"}, base_iri=BASE,
                     service_allowlist=frozenset({"http://127.0.0.1:9/query"}))
        assert "SERVICE <http://127.0.0.1:9/query>" in bound.sparql
        assert "?_endpoint_iri" not in bound.sparql  # neither in SERVICE nor in the VALUES block
