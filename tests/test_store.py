"""The store: loading files into graphs, the dataset rules, results and their formats, updates."""

from __future__ import annotations

import csv
import io
import json
import socket
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.plugins.sparql.results.xmlresults import XMLResultParser

from smarthealth.errors import BadGateway, BadRequest
from smarthealth.store import (
    GRAPH_FORMATS,
    add_using_clauses,
    clear_silently,
    data_graph_iri,
    open_store,
    query_form,
)

from smarthealth.sparql_tokens import tokens

from rdf_media_types import RDFLIB_FORMAT_BY_MEDIA_TYPE

FIXTURES = Path(__file__).parent / "fixtures" / "endpoint"
TRIG = FIXTURES / "regions.trig"
TURTLE = FIXTURES / "organisations.ttl"
ID = "https://w3id.org/smart-health/id/"
REGIONS = ID + "graph/regions"
INITIATIVES = ID + "graph/initiatives"
ORGANISATIONS = "urn:smarthealth:data:organisations.ttl"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"

ALL_LABELS = {"Flanders", "Vlaanderen", "Flemish Brabant", "S3P4PM", "imec", "KU Leuven"}


@pytest.fixture(scope="module")
def store():
    store = open_store([TRIG, TURTLE])
    yield store
    store.close()


def labels(store, query=f"SELECT ?label WHERE {{ ?s <{LABEL}> ?label }}", **options) -> set[str]:
    return {row["label"].value for row in store.query(query, **options).rows}


def test_trig_keeps_its_graphs_and_turtle_goes_to_a_graph_named_after_the_file(store):
    assert store.named_graphs() == sorted([REGIONS, INITIATIVES, ORGANISATIONS])
    assert data_graph_iri(TURTLE) == ORGANISATIONS
    in_turtle_graph = store.query(
        f"SELECT ?s WHERE {{ GRAPH <{ORGANISATIONS}> {{ ?s a ?class }} }}"
    ).rows
    assert {row["s"].value for row in in_turtle_graph} == {ID + "organisation/imec", ID + "organisation/ku-leuven"}
    assert len(store) == 18


def test_default_graph_is_the_union_of_the_named_graphs(store):
    assert labels(store) == ALL_LABELS


def test_default_graph_uris_select_exactly_those_graphs(store):
    assert labels(store, default_graph_uris=[INITIATIVES]) == {"S3P4PM"}
    assert labels(store, default_graph_uris=[INITIATIVES, ORGANISATIONS]) == {"S3P4PM", "imec", "KU Leuven"}


def test_unknown_graphs_are_empty(store):
    assert labels(store, default_graph_uris=["urn:nothing:here"]) == set()
    assert labels(store, query=f"SELECT ?label FROM <urn:nothing:here> WHERE {{ ?s <{LABEL}> ?label }}") == set()


def test_named_graph_uris_restrict_graph_and_leave_the_default_graph_empty(store):
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    graphs = {row["g"].value for row in store.query(query, named_graph_uris=[REGIONS]).rows}
    assert graphs == {REGIONS}
    assert labels(store, named_graph_uris=[REGIONS]) == set()


def test_from_in_the_query_selects_the_default_graph(store):
    query = f"SELECT ?label FROM <{INITIATIVES}> WHERE {{ ?s <{LABEL}> ?label }}"
    assert labels(store, query=query) == {"S3P4PM"}


def test_protocol_dataset_overrides_from(store):
    query = f"SELECT ?label FROM <{INITIATIVES}> WHERE {{ ?s <{LABEL}> ?label }}"
    assert labels(store, query=query, default_graph_uris=[ORGANISATIONS]) == {"imec", "KU Leuven"}


def test_rows_are_pyoxigraph_terms(store):
    rows = store.query(
        f"SELECT ?label WHERE {{ <{ID}region/BE2> <{LABEL}> ?label }} ORDER BY ?label"
    ).rows
    assert [row["label"] for row in rows] == [
        ox.Literal("Flanders", language="en"),
        ox.Literal("Vlaanderen", language="nl"),
    ]


def test_unbound_variables_are_left_out_of_rows(store):
    rows = store.query(
        f"SELECT ?s ?code WHERE {{ ?s <{LABEL}> 'imec'@en OPTIONAL {{ ?s <urn:none> ?code }} }}"
    ).rows
    assert rows == [{"s": ox.NamedNode(ID + "organisation/imec")}]


def test_substitutions_bind_projected_variables(store):
    result = store.query(
        f"SELECT ?s ?label WHERE {{ ?s <{LABEL}> ?label }}",
        substitutions={"s": ox.NamedNode(ID + "initiative/s3p4pm")},
    )
    assert [row["label"].value for row in result.rows] == ["S3P4PM"]


def test_substitutions_of_a_variable_not_projected_are_a_bad_request(store):
    with pytest.raises(BadRequest, match="projection"):
        store.query(f"SELECT ?label WHERE {{ ?s <{LABEL}> ?label }}", substitutions={"s": ox.NamedNode("urn:x")})


def test_malformed_query_names_line_and_column(store):
    with pytest.raises(BadRequest) as caught:
        store.query("SELECT ?s\nWHERE { ?s ?p }")
    assert "malformed query" in caught.value.message
    assert "2:" in caught.value.message  # the error is on line 2


def test_ask_result(store):
    assert store.query(f"ASK {{ <{ID}region/BE24> ?p ?o }}").boolean is True
    result = store.query("ASK { <urn:absent> ?p ?o }")
    assert (result.kind, result.boolean) == ("ask", False)
    assert json.loads(result.serialize("application/sparql-results+json")) == {"head": {}, "boolean": False}


def test_select_in_every_results_format_holds_the_same_rows(store):
    result = store.query(f"SELECT ?s ?label WHERE {{ ?s <{LABEL}> ?label FILTER(lang(?label) = 'en') }}")
    expected = {(row["s"].value, row["label"].value) for row in result.rows}
    assert len(expected) == 5

    as_json = json.loads(result.serialize("application/sparql-results+json"))
    assert {(b["s"]["value"], b["label"]["value"]) for b in as_json["results"]["bindings"]} == expected

    as_xml = XMLResultParser().parse(io.BytesIO(result.serialize("application/sparql-results+xml")))
    s, label = rdflib.Variable("s"), rdflib.Variable("label")
    assert {(str(row[s]), str(row[label])) for row in as_xml.bindings} == expected

    as_csv = list(csv.DictReader(io.StringIO(result.serialize("text/csv").decode())))
    assert {(row["s"], row["label"]) for row in as_csv} == expected

    tsv_lines = result.serialize("text/tab-separated-values").decode().splitlines()
    assert tsv_lines[0] == "?s\t?label"
    assert len(tsv_lines) == 6


@pytest.mark.parametrize("media_type", sorted(GRAPH_FORMATS))
def test_construct_in_every_rdf_format_is_the_same_graph(store, media_type):
    result = store.query(f"CONSTRUCT {{ ?s <{LABEL}> ?label }} WHERE {{ ?s <{LABEL}> ?label }}")
    expected = rdflib.Graph()
    for triple in result.triples:
        expected.add((rdflib.URIRef(triple.subject.value), rdflib.URIRef(triple.predicate.value),
                      rdflib.Literal(triple.object.value, lang=triple.object.language)))
    assert len(expected) == 6
    parsed = rdflib.Dataset()
    parsed.parse(data=result.serialize(media_type), format=RDFLIB_FORMAT_BY_MEDIA_TYPE[media_type])
    triples = {(s, p, o) for s, p, o, _ in parsed.quads((None, None, None, None))}
    assert triples == set(expected)


def test_turtle_output_uses_the_given_prefixes_that_occur(store):
    result = store.query("CONSTRUCT WHERE { ?s a ?class }")
    turtle = result.serialize("text/turtle", prefixes={"smh": "https://w3id.org/smart-health/ontology#",
                                                       "unused": "urn:unused:"}).decode()
    assert "@prefix smh:" in turtle and "unused" not in turtle
    assert "smh:Region" in turtle


def test_update_changes_the_data_and_using_selects_the_where_graph():
    store = open_store([TRIG, TURTLE])
    store.update(
        "INSERT { GRAPH <urn:copy> { ?s <urn:p> ?label } } WHERE { ?s <" + LABEL + "> ?label }",
        using_graph_uris=[INITIATIVES],
    )
    copied = store.query("SELECT ?label WHERE { GRAPH <urn:copy> { ?s <urn:p> ?label } }").rows
    assert [row["label"].value for row in copied] == ["S3P4PM"]
    assert "urn:copy" in store.named_graphs()
    generation = store.generation
    store.update("CLEAR GRAPH <urn:never-created>")  # an unknown graph is empty: clearing it is a no-op
    assert store.generation == generation + 1
    with pytest.raises(BadRequest, match="malformed update"):
        store.update("INSERT DATA { <urn:a> }")


def test_relative_iris_resolve_against_the_base():
    store = open_store()
    store.update("INSERT DATA { GRAPH <urn:g> { <urn:s> <urn:p> <test> } }", base_iri="http://example.org/sparql")
    rows = store.query("SELECT ?o WHERE { ?s ?p ?o }").rows
    assert rows[0]["o"] == ox.NamedNode("http://example.org/test")


def test_add_using_clauses_puts_them_before_each_where_of_a_modify():
    update = ("DELETE { ?s ?p ?o } WHERE { ?s ?p ?o } ;\nDELETE WHERE { ?a ?b ?c } ;\n"
              "INSERT { <urn:x> <urn:p> ?o } WHERE { SELECT ?o WHERE { ?s ?p ?o } }")
    rewritten = add_using_clauses(update, ["urn:g1"], ["urn:g2"])
    assert rewritten.count("USING <urn:g1> USING NAMED <urn:g2> WHERE") == 2
    assert "DELETE WHERE { ?a ?b ?c }" in rewritten
    assert "SELECT ?o WHERE" in rewritten  # a sub-query's WHERE is left alone


def test_add_using_clauses_refuses_an_update_with_its_own_with_or_using():
    with pytest.raises(BadRequest, match="USING or WITH"):
        add_using_clauses("WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", ["urn:g1"], [])


def test_clear_silently_leaves_strings_and_silent_clears_alone():
    assert clear_silently("CLEAR GRAPH <urn:g> ; clear silent all") == "CLEAR SILENT GRAPH <urn:g> ; clear silent all"
    assert clear_silently('INSERT DATA { <urn:a> <urn:b> "CLEAR GRAPH" }') == 'INSERT DATA { <urn:a> <urn:b> "CLEAR GRAPH" }'


def test_query_text_scanner_ignores_strings_iris_and_comments():
    assert query_form("PREFIX select: <urn:x:>\n# ASK\nCONSTRUCT WHERE { ?s ?p ?o }") == "CONSTRUCT"
    words = [token.keyword for token in tokens('SELECT * # FROM <urn:g>\nWHERE { ?s ?p "from" }') if token.keyword]
    assert words == ["SELECT", "WHERE"]


def test_unknown_file_extension_is_a_bad_request(tmp_path):
    path = tmp_path / "data.txt"
    path.write_text("<urn:a> <urn:b> <urn:c> .")
    with pytest.raises(BadRequest, match="cannot tell the RDF format"):
        open_store([path])


def test_json_ld_with_a_remote_context_is_refused_not_fetched(tmp_path):
    path = tmp_path / "remote.jsonld"
    path.write_text(json.dumps({"@context": "http://127.0.0.1:9/context.jsonld", "@id": "urn:a", "name": "x"}))
    with pytest.raises(BadRequest, match="cannot parse"):
        open_store([path])


def test_rdf_xml_external_entities_are_not_resolved(tmp_path):
    path = tmp_path / "entity.rdf"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [<!ENTITY secret SYSTEM "file:///etc/hostname">]>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="urn:ex:">'
        '<rdf:Description rdf:about="urn:a"><ex:p>&secret;</ex:p></rdf:Description></rdf:RDF>'
    )
    hostname = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").exists() else None
    try:
        store = open_store([path])
    except BadRequest:
        return  # refused outright: nothing read
    values = {row["o"].value for row in store.query("SELECT ?o WHERE { ?s ?p ?o }").rows}
    assert hostname not in values


def test_on_disk_store_is_kept_between_runs_and_replaced_only_when_data_is_given(tmp_path):
    folder = tmp_path / "oxigraph"
    first = open_store([TRIG], store_dir=folder)
    assert len(first) == 12
    del first  # releases the RocksDB lock
    import gc

    gc.collect()
    second = open_store(None, store_dir=folder)
    assert len(second) == 12 and REGIONS in second.named_graphs()
    second.replace_content([TURTLE])
    assert second.named_graphs() == [ORGANISATIONS]


def test_worker_processes_answer_like_the_store_and_see_updates():
    store = open_store([TRIG, TURTLE], workers=1, timeout_s=20)
    try:
        assert labels(store) == ALL_LABELS
        assert labels(store, default_graph_uris=[INITIATIVES]) == {"S3P4PM"}
        store.update(f'INSERT DATA {{ GRAPH <urn:new> {{ <urn:x> <{LABEL}> "new label" }} }}')
        assert labels(store) == ALL_LABELS | {"new label"}
        with pytest.raises(BadRequest, match="malformed query"):
            store.query("SELECT * WHERE {")
    finally:
        store.close()


def test_substitutions_accept_rdflib_terms_and_refuse_other_values(store):
    result = store.query(
        f"SELECT ?s ?label WHERE {{ ?s <{LABEL}> ?label }}",
        substitutions={"label": rdflib.Literal("imec", lang="en")},
    )
    assert [row["s"].value for row in result.rows] == [ID + "organisation/imec"]
    with pytest.raises(TypeError, match="must be an RDF term"):
        store.query("SELECT ?s WHERE { ?s ?p ?o }", substitutions={"s": 42})


def test_a_triple_in_several_graphs_counts_once_in_the_default_graph(tmp_path):
    path = tmp_path / "twice.trig"
    path.write_text("<urn:g1> { <urn:a> <urn:p> 'x' . <urn:b> <urn:p> 'y' } <urn:g2> { <urn:a> <urn:p> 'x' }")
    for workers in (0, 1):
        store = open_store([path], workers=workers)
        try:
            count = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0]["n"].value
            assert count == "2", f"workers={workers}"
            in_graphs = store.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }").rows[0]["n"].value
            assert in_graphs == "3"
            # The merge is made for queries only: the stored data is unchanged.
            assert len(store) == 3
            store.update("INSERT DATA { GRAPH <urn:g3> { <urn:c> <urn:p> 'z' } }")
            assert store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0]["n"].value == "3"
        finally:
            store.close()


SHARED_TRIPLE_TRIG = (
    "<urn:g1> { <urn:a> <urn:p> 'x' . <urn:b> <urn:p> 'y' } "
    "<urn:g2> { <urn:a> <urn:p> 'x' } <urn:g3> { <urn:c> <urn:p> 'z' }"
)
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.mark.parametrize("workers", [0, 1])
def test_several_default_graphs_are_merged_so_a_shared_triple_counts_once(tmp_path, workers):
    path = tmp_path / "shared.trig"
    path.write_text(SHARED_TRIPLE_TRIG)
    store = open_store([path], workers=workers)
    try:
        def count(query=COUNT, **options) -> int:
            return int(store.query(query, **options).rows[0]["n"].value)

        assert count(default_graph_uris=["urn:g1", "urn:g2"]) == 2
        assert count(default_graph_uris=["urn:g1", "urn:g1"]) == 2  # a graph named twice
        assert count("SELECT (COUNT(*) AS ?n) FROM <urn:g1> FROM <urn:g2> WHERE { ?s ?p ?o }") == 2
        prefixed = "PREFIX u: <urn:> SELECT (COUNT(*) AS ?n) FROM u:g2 FROM <urn:g1> WHERE { ?s ?p ?o }"
        assert count(prefixed) == 2
        # Named graphs stay as asked: none with FROM alone, the listed ones otherwise.
        in_graphs = "SELECT (COUNT(*) AS ?n) FROM <urn:g1> FROM <urn:g2> {{ FROM_NAMED }} WHERE { GRAPH ?g { ?s ?p ?o } }"
        assert count(in_graphs.replace("{{ FROM_NAMED }}", "")) == 0
        assert count(in_graphs.replace("{{ FROM_NAMED }}", "FROM NAMED <urn:g3>")) == 1
        assert count(default_graph_uris=["urn:g1", "urn:g3"], named_graph_uris=["urn:g2"]) == 3
        rows = store.query(
            "SELECT ?s ?o ?g WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }",
            default_graph_uris=["urn:g2", "urn:g1"], named_graph_uris=["urn:g3"],
        ).rows
        answer = sorted((row["s"].value, row["o"].value, row.get("g", ox.NamedNode("urn:none")).value) for row in rows)
        assert answer == [("urn:a", "x", "urn:none"), ("urn:b", "y", "urn:none"), ("urn:c", "z", "urn:g3")]
        # The caller's list overrides the query's FROM, as with one graph.
        assert count("SELECT (COUNT(*) AS ?n) FROM <urn:g3> WHERE { ?s ?p ?o }",
                     default_graph_uris=["urn:g1", "urn:g2"]) == 2
        # The merge follows updates.
        store.update("INSERT DATA { GRAPH <urn:g2> { <urn:d> <urn:p> 'w' } }")
        assert count(default_graph_uris=["urn:g1", "urn:g2"]) == 3
        assert count() == 4 and len(store) == 5
    finally:
        store.close()


def test_merged_default_graphs_give_the_same_answers_as_before(store):
    assert labels(store, default_graph_uris=[REGIONS, INITIATIVES, ORGANISATIONS]) == ALL_LABELS
    from_twice = f"SELECT ?label FROM <{INITIATIVES}> FROM <{ORGANISATIONS}> WHERE {{ ?s <{LABEL}> ?label }}"
    assert labels(store, query=from_twice) == {"S3P4PM", "imec", "KU Leuven"}


@pytest.mark.parametrize("workers", [0, 1])
def test_a_failing_service_is_a_bad_gateway_and_silent_keeps_its_meaning(workers):
    port = closed_port()
    service = f"http://127.0.0.1:{port}/sparql"
    running = open_store([TRIG], workers=workers, service_allowlist=frozenset({service}))
    try:
        for query in (f"SELECT * WHERE {{ SERVICE <{service}> {{ ?s ?p ?o }} }}",
                      f"ASK {{ SERVICE <{service}> {{ ?s ?p ?o }} }}"):
            with pytest.raises(BadGateway, match="did not give a usable answer") as raised:
                running.query(query)
            assert raised.value.where == f"SERVICE <{service}>"
            assert "os error" not in raised.value.message and "Connection refused" in raised.value.detail
        silent = running.query(f"SELECT * WHERE {{ SERVICE SILENT <{service}> {{ ?s ?p ?o }} }}")
        assert silent.rows == [{}]
    finally:
        running.close()


def test_a_service_not_on_the_allow_list_is_refused_by_the_store_itself(store):
    with pytest.raises(BadRequest, match="is not allowed"):
        store.query("SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }")


def closed_port() -> int:
    """Return a loopback port that nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("workers", [0, 1])
def test_a_result_over_the_size_cap_is_refused_early(workers):
    store = open_store([TRIG, TURTLE], workers=workers, timeout_s=20, max_result_bytes=200_000)
    try:
        cross_join = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"  # 18^4 rows
        with pytest.raises(BadRequest, match="result is larger than 0 MB; add a LIMIT"):
            store.query(cross_join)
        with pytest.raises(BadRequest, match="add a LIMIT"):
            store.query(  # 18^3 distinct triples
                "CONSTRUCT { ?a ?b ?x } WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i "
                "BIND(CONCAT(STR(?c), STR(?f), STR(?i), STR(?e), STR(?h)) AS ?x) }"
            )
        assert len(store.query(cross_join + " LIMIT 10").rows) == 10
    finally:
        store.close()
