"""What Virtuoso 7.2 answers differently from the SPARQL 1.1 semantics, pinned on the built graph.

The saved queries are written so that these faults do not reach their answers (see the README,
"Running on a remote engine", and tests/test_remote_store.py, which compares every saved query).
Each fault here is a minimal query of the same shape as the saved query it was found in,
compared as an answer set with the embedded store's: a strict xfail, so a Virtuoso that gets one
right fails here, and the table in the README is updated. Blank nodes and the merged default
graph are checked the same way.
"""

from __future__ import annotations

import collections

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from remote_engines import start_virtuoso, virtuoso_missing_reason
from smarthealth.cli import cli
from smarthealth.saved.binding import run
from smarthealth.store.remote import RemoteStore
from test_remote_store import BASE, QUERIES, answer_set

PREFIXES = """\
PREFIX smh:  <https://w3id.org/smart-health/ontology#>
PREFIX smhv: <https://w3id.org/smart-health/vocab/>
PREFIX org:  <http://www.w3.org/ns/org#>
PREFIX oa:   <http://www.w3.org/ns/oa#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""

#: (fault, saved query it was found in, minimal query). SOURCE stands for a source document.
FAULTS = [
    ("a join past a vector (10,000 rows) loses rows", "source-documents",
     "SELECT (COUNT(*) AS ?n) WHERE { { SELECT DISTINCT ?graph WHERE { GRAPH ?graph { ?q oa:hasSource SOURCE } } }"
     " GRAPH ?graph { ?s ?p ?o } }"),
    ("subClassOf+ between two bound variables inside NOT EXISTS takes the empty path", "events, actors, search",
     "SELECT ?e ?t WHERE { ?e a ?t . ?t rdfs:subClassOf* smh:Event"
     " FILTER NOT EXISTS { ?e a ?n . ?n rdfs:subClassOf+ ?t } }"),
    ("a property path inside an OPTIONAL binds no class", "network-memberships",
     "SELECT DISTINCT ?i ?t WHERE { ?m org:organization ?i OPTIONAL { ?i a ?t . ?t rdfs:subClassOf* smh:Initiative } }"),
    ("a property path that starts at a variable bound by a UNION finds nothing", "consortium-builder",
     "SELECT ?theme (COUNT(*) AS ?n) WHERE { ?c skos:broader* ?theme ."
     " { ?a smh:theme ?c } UNION { ?p smh:theme ?c ; smh:participant ?a } } GROUP BY ?theme"),
    ("sameTerm of an unbound variable's COALESCE drops every row", "helix-gaps",
     "SELECT ?m WHERE { ?m skos:inScheme smhv:helix-role FILTER(sameTerm(COALESCE(?unbound, ?m), ?m)) }"),
    ("GROUP_CONCAT drops the language tag all values share", "events, initiatives, demo-cases, potential-partners",
     'SELECT (GROUP_CONCAT(?l; separator=", ") AS ?c) WHERE { VALUES ?l { "a"@en "b"@en } }'),
    ("GROUP_CONCAT of a group without values is \"\", not unbound", "events, initiatives, demo-cases",
     'SELECT ?g (GROUP_CONCAT(?x; separator=", ") AS ?c) WHERE { VALUES (?g ?x) { (1 UNDEF) } } GROUP BY ?g'),
    ("GROUP_CONCAT without a separator fails (500)", "none (each names its separator)",
     "SELECT (GROUP_CONCAT(?l) AS ?c) WHERE { VALUES ?l { \"a\" \"b\" } }"),
]


@pytest.fixture(scope="module")
def virtuoso(built, tmp_path_factory):
    reason = virtuoso_missing_reason()
    if reason:
        pytest.skip(reason)
    with start_virtuoso(tmp_path_factory.mktemp("virtuoso-faults")) as engine:
        result = CliRunner(env=engine.env).invoke(
            cli, ["publish", "--to", engine.update_url, "--query", engine.query_url, "--gsp", engine.gsp_url,
                  "--data", str(built.dataset_path)])
        assert result.exit_code == 0, result.output
        store = RemoteStore(engine.query_url)
        yield store
        store.close()


def _source(embedded) -> str:
    rows = embedded.query(PREFIXES + "SELECT ?s WHERE { ?s a smh:SourceDocument } ORDER BY ?s LIMIT 1").rows
    return str(rows[0]["s"])


@pytest.mark.parametrize("fault, found_in, sparql", [
    pytest.param(*case, marks=pytest.mark.xfail(reason=f"Virtuoso 7.2: {case[0]} ({case[1]})", strict=True),
                 id=case[0][:60])
    for case in FAULTS
])
def test_virtuoso_answers_as_sparql_says(virtuoso, embedded, fault, found_in, sparql):
    sparql = PREFIXES + sparql.replace("SOURCE", _source(embedded))
    expected = answer_set(embedded.query(sparql))
    assert answer_set(virtuoso.query(sparql)) == expected


BLANK_NODE_TRIPLES = "SELECT ?b ?p ?o WHERE { ?s ?x ?b . ?b ?p ?o FILTER(isBlank(?b)) }"


def test_blank_nodes_keep_their_identity_within_an_answer(virtuoso, embedded):
    def shapes(result) -> collections.Counter:
        # Labels differ between stores; a node is known by the set of its (property, value) pairs.
        nodes = collections.defaultdict(set)
        for row in result.rows:
            assert isinstance(row["b"], ox.BlankNode)
            nodes[row["b"]].add((str(row["p"]), "_:b" if isinstance(row["o"], ox.BlankNode) else str(row["o"])))
        return collections.Counter(frozenset(pairs) for pairs in nodes.values())

    expected = shapes(embedded.query(BLANK_NODE_TRIPLES))
    assert sum(expected.values()) > 10  # the graph's negative membership assertions, at least
    assert shapes(virtuoso.query(BLANK_NODE_TRIPLES)) == expected


#: Saved queries with arguments other than their examples (test_remote_store.py runs those), where
#: a rewrite for Virtuoso once agreed on the example only.
OTHER_ARGUMENTS = [
    ("theme", {"theme": "cell-based-technologies"}),
    ("theme", {"theme": "converging-technologies"}),
    ("helix-gaps", {}),
    ("events", {"status": "held"}),
    ("demo-cases", {}),
    ("consortium-builder", {"theme": "cell-based-technologies", "complete": "false", "min": "1"}),
    ("potential-partners", {"region": "ITC4"}),
    ("network-memberships", {"region": "NL2"}),
    ("network-memberships", {"region": "ITH5"}),
    ("actors", {}),
    ("actors", {"region": "BE2"}),
    ("actors", {"role": "research-academia"}),
    ("actors", {"region": "BE2", "role": "company"}),
    ("search", {"text": "region"}),
    ("search", {"text": "a"}),
    # Page 2 of many: engines order language-tagged labels differently unless the query says how.
    ("search", {"text": "e", "page": "2"}),
]


@pytest.mark.parametrize("name, arguments", OTHER_ARGUMENTS, ids=[f"{n}-{a}" for n, a in OTHER_ARGUMENTS])
def test_saved_query_with_other_arguments_through_virtuoso(virtuoso, embedded, name, arguments):
    query = next(q for q in QUERIES if q.name == name)
    _, expected = run(embedded, query, arguments, base_iri=BASE)
    _, answer = run(virtuoso, query, arguments, base_iri=BASE)
    assert expected.rows and answer_set(answer) == answer_set(expected)
