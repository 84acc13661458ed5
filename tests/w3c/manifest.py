"""The W3C SPARQL 1.1 Protocol test cases as a table, after the suite's manifest.ttl.

Source: https://w3c.github.io/rdf-tests/sparql/sparql11/protocol/ (manifest.ttl). Each case is
the suite's sequence of HTTP requests with what the answer must be. Differences from the suite,
each on purpose:

- The endpoint path is ``/sparql`` (the suite writes ``/sparql/``; the path is the service's own).
- ``query_multiple_dataset``: the suite's request URL percent-encodes the ``&`` between its two
  ``named-graph-uri`` parameters (a known erratum, so it names one graph that does not exist); the
  case here sends the two parameters the test's name and query mean.
- ``query_dataset_default_graph`` is the suite's earlier case of that name (a POST with a
  protocol default graph), kept because it pins ``default-graph-uri`` on a direct POST.
- Cases named ``extra_*`` are not in the suite: they check answer sets where the suite checks one
  boolean, so a server that ignores the protocol dataset fails them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import rdflib

HERE = Path(__file__).resolve().parent
KASEI = "http://kasei.us/2009/09/sparql/data/"
DATA = {f"data{n}": f"{KASEI}data{n}.rdf" for n in range(4)}
D0, D1, D2, D3 = DATA["data0"], DATA["data1"], DATA["data2"], DATA["data3"]

FORM = "application/x-www-form-urlencoded"
QUERY = "application/sparql-query"
UPDATE = "application/sparql-update"

BOOLEAN_TYPES = ("application/sparql-results+xml", "application/sparql-results+json")
TABULAR_TYPES = BOOLEAN_TYPES + ("text/csv", "text/tab-separated-values")
RDF_TYPES = (
    "text/turtle", "application/rdf+xml", "application/n-triples", "application/ld+json",
    "application/n-quads", "application/trig",
)


def turtle_documents() -> dict[str, Path]:
    """Return the suite's documents: graph IRI -> Turtle file."""
    return {iri: HERE / f"{stem}.ttl" for stem, iri in DATA.items()}


def suite_dataset() -> rdflib.Dataset:
    """Load the suite's Turtle documents, each into the named graph the suite gives it."""
    dataset = rdflib.Dataset()
    for graph_iri, path in turtle_documents().items():
        dataset.graph(rdflib.URIRef(graph_iri)).parse(path, format="turtle")
    return dataset


@dataclass(frozen=True)
class Request:
    """One HTTP request of a case and what its answer must be."""

    method: str
    params: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None
    content_type: str | None = None
    expect_status: str = "2xx"
    expect_format: str | None = None  # "boolean", "tabular" or "rdf"
    expect_boolean: bool | None = None
    # Name of an additional answer check in test_w3c_protocol.py (CHECKS table).
    check: str | None = None


@dataclass(frozen=True)
class Case:
    """A protocol test case: its suite name, what it is about, and its requests in order."""

    name: str
    title: str
    requests: tuple[Request, ...]
    updates: bool = False  # needs the server that accepts updates (bearer token)


def _utf8(text: str) -> bytes:
    return text.encode("utf-8")


def _ask_post(text: str, expect: bool = True, params=()) -> Request:
    return Request(
        "POST", params=tuple(params), body=_utf8(text), content_type=QUERY,
        expect_format="boolean", expect_boolean=expect,
    )


ASK_D1_D2_TYPED = f"ASK {{ <{D1}> a ?type . <{D2}> a ?type . }}"
ASK_D1_D2_NAMED = f"ASK {{ GRAPH ?g1 {{ <{D1}> a ?type }} GRAPH ?g2 {{ <{D2}> a ?type }} }}"
ASK_FULL = f"""ASK {{
  <{D3}> a ?type
  GRAPH ?g1 {{ <{D1}> a ?type }}
  GRAPH ?g2 {{ <{D2}> a ?type }}
}}"""
PREFIXES = "PREFIX dc: <http://purl.org/dc/terms/>\nPREFIX foaf: <http://xmlns.com/foaf/0.1/>\n"
INSERT_THREE = f"""INSERT DATA {{
    GRAPH <{D1}> {{ <{D1}> a foaf:Document }}
    GRAPH <{D2}> {{ <{D2}> a foaf:Document }}
    GRAPH <{D3}> {{ <{D3}> a foaf:Document }}
}} ;
"""


def _update(text: str, params=()) -> Request:
    return Request("POST", params=tuple(params), body=_utf8(text), content_type=UPDATE)


QUERY_CASES = (
    Case("query_get", "query via GET", (
        Request("GET", params=(("query", "ASK {}"), ("default-graph-uri", D0)),
                expect_format="boolean", expect_boolean=True),
    )),
    Case("query_post_form", "query via URL-encoded POST", (
        Request("POST", params=(("default-graph-uri", D0),), body=b"query=ASK%20%7B%7D",
                content_type=FORM, expect_format="boolean", expect_boolean=True),
    )),
    Case("query_post_direct", "query via POST directly", (
        _ask_post("ASK {}"),
    )),
    Case("query_dataset_default_graph", "query with protocol-specified default graph", (
        _ask_post(f"ASK {{ <{D1}> ?p ?o }}", params=(("default-graph-uri", D1),)),
    )),
    Case("query_dataset_default_graphs_get",
         "GET query with protocol-specified default graphs", (
        Request("GET", params=(("query", ASK_D1_D2_TYPED), ("default-graph-uri", D1),
                               ("default-graph-uri", D2)),
                expect_format="boolean", expect_boolean=True),
    )),
    Case("query_dataset_default_graphs_post",
         "POST query with protocol-specified default graphs", (
        _ask_post(ASK_D1_D2_TYPED, params=(("default-graph-uri", D1), ("default-graph-uri", D2))),
    )),
    Case("query_dataset_named_graphs_post", "POST query with protocol-specified named graphs", (
        _ask_post(ASK_D1_D2_NAMED, params=(("named-graph-uri", D1), ("named-graph-uri", D2))),
    )),
    Case("query_dataset_named_graphs_get", "GET query with protocol-specified named graphs", (
        Request("GET", params=(("query", ASK_D1_D2_NAMED), ("named-graph-uri", D1),
                               ("named-graph-uri", D2)),
                expect_format="boolean", expect_boolean=True),
    )),
    Case("query_dataset_full",
         "query with protocol-specified dataset (both named and default graphs)", (
        _ask_post(ASK_FULL, params=(("default-graph-uri", D3), ("named-graph-uri", D1),
                                    ("named-graph-uri", D2))),
    )),
    Case("query_multiple_dataset",
         "query specifying dataset in both query string and protocol; "
         "test for use of protocol-specified dataset", (
        _ask_post(
            f"ASK FROM <{D3}> {{ GRAPH ?g1 {{ <{D1}> a ?type }} GRAPH ?g2 {{ <{D2}> a ?type }} }}",
            params=(("named-graph-uri", D1), ("named-graph-uri", D2)),
        ),
    )),
    Case("query_content_type_select",
         "query appropriate content type (expect one of: XML, JSON, CSV, TSV)", (
        Request("POST", params=(("default-graph-uri", D0),), body=b"SELECT (1 AS ?value) {}",
                content_type=QUERY, expect_format="tabular", check="one_value_1"),
    )),
    Case("query_content_type_ask", "query appropriate content type (expect one of: XML, JSON)", (
        Request("POST", params=(("default-graph-uri", D0),), body=b"ASK {}",
                content_type=QUERY, expect_format="boolean", expect_boolean=True),
    )),
    Case("query_content_type_describe",
         "query appropriate content type (expect one of: RDF/XML, Turtle, N-Triples, RDFa)", (
        Request("POST", params=(("default-graph-uri", D0),),
                body=b"DESCRIBE <http://example.org/>", content_type=QUERY,
                expect_format="rdf", check="empty_graph"),
    )),
    Case("query_content_type_construct",
         "query appropriate content type (expect one of: RDF/XML, Turtle, N-Triples, RDFa)", (
        Request("POST", params=(("default-graph-uri", D0),),
                body=b"CONSTRUCT { <s> <p> 1 } WHERE {}", content_type=QUERY,
                expect_format="rdf", check="one_triple_p_1"),
    )),
    # Not in the suite: answer sets behind the suite's booleans.
    Case("extra_default_graph_is_only_the_given_graph",
         "with default-graph-uri data1, the default graph holds data1's document only", (
        Request("POST", params=(("default-graph-uri", D1),),
                body=b"SELECT ?doc WHERE { ?doc a <http://xmlns.com/foaf/0.1/Document> }",
                content_type=QUERY, expect_format="tabular", check="docs_d1"),
    )),
    Case("extra_named_graphs_are_only_the_given_graphs",
         "with named-graph-uri data1 and data2, GRAPH ?g ranges over those two only", (
        Request("POST", params=(("named-graph-uri", D1), ("named-graph-uri", D2)),
                body=b"SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
                content_type=QUERY, expect_format="tabular", check="graphs_d1_d2"),
    )),
    Case("extra_protocol_dataset_overrides_from",
         "FROM data3 in the query is overridden by default-graph-uri data1", (
        _ask_post(f"ASK FROM <{D3}> {{ <{D3}> ?p ?o }}", expect=False,
                  params=(("default-graph-uri", D1),)),
    )),
    Case("extra_default_graph_without_protocol_dataset_is_union",
         "without a protocol dataset the default graph is the union of the named graphs", (
        _ask_post(f"ASK {{ <{D0}> a ?t . <{D1}> a ?t . <{D2}> a ?t . <{D3}> a ?t }}"),
    )),
)

UPDATE_CASES = (
    Case("update_dataset_default_graph", "update with protocol-specified default graph", (
        _update(PREFIXES + f"""CLEAR ALL ;
INSERT DATA {{
    GRAPH <{D1}> {{
        <{D1}> a foaf:Document
    }}
}} ;
INSERT {{
    GRAPH <http://example.org/protocol-update-dataset-test/> {{
        ?s a dc:BibliographicResource
    }}
}}
WHERE {{
    ?s a foaf:Document
}}""", params=(("using-graph-uri", D1),)),
        _ask_post(f"""ASK {{
    GRAPH <http://example.org/protocol-update-dataset-test/> {{
        <{D1}> a <http://purl.org/dc/terms/BibliographicResource>
    }}
}}"""),
    ), updates=True),
    Case("update_dataset_default_graphs", "update with protocol-specified default graphs", (
        _update(PREFIXES + "DROP ALL ;\n" + INSERT_THREE + """INSERT {
    GRAPH <http://example.org/protocol-update-dataset-graphs-test/> {
        ?s a dc:BibliographicResource
    }
}
WHERE {
    ?s a foaf:Document
}""", params=(("using-graph-uri", D1), ("using-graph-uri", D2))),
        _ask_post(f"""ASK {{
    GRAPH <http://example.org/protocol-update-dataset-graphs-test/> {{
        <{D1}> a <http://purl.org/dc/terms/BibliographicResource> .
        <{D2}> a <http://purl.org/dc/terms/BibliographicResource> .
    }}
    FILTER NOT EXISTS {{
        GRAPH <http://example.org/protocol-update-dataset-graphs-test/> {{
            <{D3}> a <http://purl.org/dc/terms/BibliographicResource> .
        }}
    }}
}}"""),
    ), updates=True),
    Case("update_dataset_named_graphs", "update with protocol-specified named graphs", (
        _update(PREFIXES + "DROP ALL ;\n" + INSERT_THREE + """INSERT {
    GRAPH <http://example.org/protocol-update-dataset-named-graphs-test/> {
        ?s a dc:BibliographicResource
    }
}
WHERE {
    GRAPH ?g {
        ?s a foaf:Document
    }
}""", params=(("using-named-graph-uri", D1), ("using-named-graph-uri", D2))),
        _ask_post(f"""ASK {{
    GRAPH <http://example.org/protocol-update-dataset-named-graphs-test/> {{
        <{D1}> a <http://purl.org/dc/terms/BibliographicResource> .
        <{D2}> a <http://purl.org/dc/terms/BibliographicResource> .
    }}
    FILTER NOT EXISTS {{
        GRAPH <http://example.org/protocol-update-dataset-named-graphs-test/> {{
            <{D3}> a <http://purl.org/dc/terms/BibliographicResource> .
        }}
    }}
}}"""),
    ), updates=True),
    Case("update_dataset_full",
         "update with protocol-specified dataset (both named and default graphs)", (
        _update(PREFIXES + "DROP ALL ;\n" + INSERT_THREE + """INSERT {
    GRAPH <http://example.org/protocol-update-dataset-full-test/> {
        ?s <http://example.org/in> ?in
    }
}
WHERE {
    {
        GRAPH ?g { ?s a foaf:Document }
        BIND(?g AS ?in)
    }
    UNION
    {
        ?s a foaf:Document .
        BIND("default" AS ?in)
    }
}""", params=(("using-graph-uri", D1), ("using-named-graph-uri", D2))),
        _ask_post(f"""ASK {{
    GRAPH <http://example.org/protocol-update-dataset-full-test/> {{
        <{D1}> <http://example.org/in> "default" .
        <{D2}> <http://example.org/in> <{D2}> .
    }}
    FILTER NOT EXISTS {{
        GRAPH <http://example.org/protocol-update-dataset-full-test/> {{
            <{D3}> ?p ?o
        }}
    }}
}}"""),
    ), updates=True),
    Case("update_post_form", "update via URL-encoded POST", (
        Request("POST", body=b"update=CLEAR+ALL", content_type=FORM),
        _ask_post("ASK { GRAPH ?g { ?s ?p ?o } }", expect=False),
    ), updates=True),
    Case("update_post_direct", "update via POST directly", (
        Request("POST", body=b"CLEAR ALL", content_type=UPDATE),
        _ask_post("ASK { GRAPH ?g { ?s ?p ?o } }", expect=False),
    ), updates=True),
    Case("update_base_uri", 'test for service-defined BASE URI ("which MAY be the service endpoint")', (
        _update("""CLEAR GRAPH <http://example.org/protocol-base-test/> ;
INSERT DATA { GRAPH <http://example.org/protocol-base-test/> { <http://example.org/s> <http://example.org/p> <test> } }"""),
        Request("POST", body=_utf8("""SELECT ?o WHERE {
    GRAPH <http://example.org/protocol-base-test/> {
        <http://example.org/s> <http://example.org/p> ?o
    }
}"""), content_type=QUERY, expect_format="tabular", check="one_absolute_iri_not_test"),
    ), updates=True),
)

# Bad requests: each must be refused with a 4xx. The update ones are sent WITH the bearer token to
# the server that accepts updates, so that the refusal is for the protocol error, not for a
# missing credential; the store must be unchanged afterwards.
BAD_QUERY_CASES = (
    Case("bad_query_method", "invoke query operation with a method other than GET or POST", (
        Request("PUT", params=(("query", "ASK {}"), ("default-graph-uri", D0)),
                content_type=FORM, expect_status="4xx"),
    )),
    Case("bad_multiple_queries", "invoke query operation with more than one query string", (
        Request("GET", params=(("query", "ASK {}"), ("query", "SELECT * {}")),
                expect_status="4xx"),
    )),
    Case("bad_query_wrong_media_type",
         "invoke query operation with a POST with media type that's not url-encoded or "
         "application/sparql-query", (
        Request("POST", body=b"ASK {}", content_type="text/plain", expect_status="4xx"),
    )),
    Case("bad_query_missing_form_type",
         "invoke query operation with url-encoded body, but without "
         "application/x-www-form-urlencoded media type", (
        Request("POST", body=b"query=ASK%20%7B%7D", expect_status="4xx"),
    )),
    Case("bad_query_missing_direct_type",
         "invoke query operation with SPARQL body, but without application/sparql-query "
         "media type", (
        Request("POST", body=b"ASK {}", expect_status="4xx"),
    )),
    Case("bad_query_non_utf8",
         "invoke query operation with direct POST, but with a non-UTF8 encoding (UTF-16)", (
        Request("POST", body="ASK {}".encode("utf-16"),
                content_type="application/sparql-query; charset=UTF-16", expect_status="4xx"),
    )),
    Case("bad_query_syntax", "invoke query operation with invalid query syntax (4XX result)", (
        Request("GET", params=(("query", "ASK {"),), expect_status="4xx"),
    )),
)

BAD_UPDATE_CASES = (
    Case("bad_update_get", "invoke update operation with GET", (
        Request("GET", params=(("update", "CLEAR ALL"),), expect_status="4xx"),
    ), updates=True),
    Case("bad_multiple_updates", "invoke update operation with more than one update string", (
        Request("POST", body=b"update=CLEAR%20NAMED&update=CLEAR%20DEFAULT", content_type=FORM,
                expect_status="4xx"),
    ), updates=True),
    Case("bad_update_wrong_media_type",
         "invoke update operation with a POST with media type that's not url-encoded or "
         "application/sparql-update", (
        Request("POST", body=b"CLEAR NAMED", content_type="text/plain", expect_status="4xx"),
    ), updates=True),
    Case("bad_update_missing_form_type",
         "invoke update operation with url-encoded body, but without "
         "application/x-www-form-urlencoded media type", (
        Request("POST", body=b"update=CLEAR%20NAMED", expect_status="4xx"),
    ), updates=True),
    Case("bad_update_non_utf8",
         "invoke update operation with direct POST, but with a non-UTF8 encoding", (
        Request("POST", body="CLEAR NAMED".encode("utf-16"),
                content_type="application/sparql-update; charset=UTF-16", expect_status="4xx"),
    ), updates=True),
    Case("bad_update_syntax", "invoke update operation with invalid update syntax", (
        Request("POST", body=b"update=CLEAR%20XYZ", content_type=FORM, expect_status="4xx"),
    ), updates=True),
    Case("bad_update_dataset_conflict",
         "invoke update with both using-graph-uri/using-named-graph-uri parameter and "
         "USING/WITH clause", (
        Request("POST", params=(("using-named-graph-uri", "http://example/people"),),
                body=_utf8("""PREFIX foaf:  <http://xmlns.com/foaf/0.1/>
WITH <http://example/addresses>
DELETE { ?person foaf:givenName 'Bill' }
INSERT { ?person foaf:givenName 'William' }
WHERE {
    ?person foaf:givenName 'Bill'
}"""), content_type=UPDATE, expect_status="4xx"),
    ), updates=True),
)

ALL_CASES = QUERY_CASES + UPDATE_CASES + BAD_QUERY_CASES + BAD_UPDATE_CASES
