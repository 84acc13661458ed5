"""The merged default graph stored in the store: made at load, kept right by every kind of update."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from smarthealth.errors import BadRequest
from smarthealth.store import open_store
from smarthealth.store.merge import plan_maintenance

TRIG = """
<urn:g1> { <urn:a> <urn:p> "x" . <urn:b> <urn:p> "y" . <urn:c> <urn:p> _:n . }
<urn:g2> { <urn:a> <urn:p> "x" . <urn:d> <urn:p> "w" . }
<urn:g3> { <urn:e> <urn:q> "v" . }
"""

UPDATES = [
    "INSERT DATA { GRAPH <urn:g3> { <urn:a> <urn:p> 'x' . <urn:f> <urn:p> 'new' } }",
    "DELETE DATA { GRAPH <urn:g1> { <urn:a> <urn:p> 'x' } }",  # still in g2: stays in the merge
    "DELETE DATA { GRAPH <urn:g1> { <urn:a> <urn:p> 'x' } } ; DELETE DATA { GRAPH <urn:g2> { <urn:a> <urn:p> 'x' } }",
    "DELETE WHERE { GRAPH <urn:g2> { ?s ?p ?o } }",
    "WITH <urn:g1> DELETE { ?s ?p ?o } INSERT { ?s <urn:moved> ?o } WHERE { ?s ?p ?o }",
    "DELETE { GRAPH ?g { ?s ?p 'x' } } WHERE { GRAPH ?g { ?s ?p 'x' } }",  # any graph: all recomputed
    "CLEAR GRAPH <urn:g1>",
    "DROP GRAPH <urn:g2>",
    "DROP ALL ; INSERT DATA { GRAPH <urn:g9> { <urn:z> <urn:p> 'z' } }",
    "CLEAR NAMED",
    "MOVE <urn:g1> TO <urn:g3>",
    "COPY <urn:g2> TO <urn:g1>",
    "ADD <urn:g3> TO <urn:g2>",
    "INSERT DATA { GRAPH <urn:g3> { _:x <urn:p> 'blank' } }",
    "INSERT { GRAPH <urn:g4> { ?s <urn:copy> ?o } } WHERE { ?s <urn:p> ?o }",  # reads the merge
]


def merge_of_named_graphs(store) -> set:
    """Recompute the merge from the named graphs (blank nodes by label: the same store)."""
    rows = store.query("SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }").rows
    return {(row["s"], row["p"], row["o"]) for row in rows}


def default_graph(store) -> list:
    rows = store.query("SELECT ?s ?p ?o WHERE { ?s ?p ?o }").rows
    return sorted(((row["s"], row["p"], row["o"]) for row in rows), key=str)


@pytest.fixture
def make_store(tmp_path):
    """Make stores whose updates run in this process (the writer process runs the same code)."""
    path = tmp_path / "data.trig"
    path.write_text(TRIG)
    stores = []

    def make():
        store = open_store([path], timeout_s=20)
        stores.append(store)
        return store

    yield make
    for store in stores:
        store.close()


def test_the_default_graph_is_the_merge_after_loading(make_store):
    store = make_store()
    merged = default_graph(store)
    assert len(merged) == len(set(merged)) == 5  # <urn:a> <urn:p> "x" is in two graphs, counted once
    assert set(merged) == merge_of_named_graphs(store)
    assert len(store) == 6  # the named graphs' quads; the merge is derived


@pytest.mark.parametrize("update", UPDATES)
def test_after_any_update_the_default_graph_is_the_merge_of_the_named_graphs(make_store, update):
    store = make_store()
    store.update(update)
    merged = default_graph(store)
    assert len(merged) == len(set(merged))
    assert set(merged) == merge_of_named_graphs(store)
    assert "urn:smarthealth:merge-maintenance" not in store.named_graphs()


def test_with_workers_the_writer_keeps_the_merge_and_the_workers_see_it_at_once(tmp_path):
    path = tmp_path / "data.trig"
    path.write_text(TRIG)
    reset = "DROP ALL ; INSERT DATA { " + TRIG.replace("<urn:g", "GRAPH <urn:g") + " }"
    store = open_store([path], workers=1, timeout_s=20)
    try:
        for update in UPDATES:
            store.update(reset)
            store.update(update)
            merged = default_graph(store)  # read by the query worker, from the newest snapshot
            assert len(merged) == len(set(merged)), update
            assert set(merged) == merge_of_named_graphs(store), update
        with pytest.raises(BadRequest, match="merge of its named graphs"):
            store.update("INSERT DATA { <urn:a> <urn:p> 'default' }")
    finally:
        store.close()


def test_an_update_reads_the_merge_as_its_default_graph(make_store):
    store = make_store()
    store.update("INSERT { GRAPH <urn:copy> { ?s <urn:copy> ?o } } WHERE { ?s <urn:p> ?o }")
    copied = store.query("SELECT ?s WHERE { GRAPH <urn:copy> { ?s ?p ?o } }").rows
    assert sorted(row["s"].value for row in copied) == ["urn:a", "urn:b", "urn:c", "urn:d"]


@pytest.mark.parametrize("update, words", [
    ("INSERT DATA { <urn:a> <urn:p> 'default' }", "INSERT DATA without GRAPH"),
    ("DELETE DATA { <urn:a> <urn:p> 'x' }", "DELETE DATA without GRAPH"),
    ("INSERT { ?s <urn:q> ?o } WHERE { GRAPH <urn:g1> { ?s ?p ?o } }", "template without GRAPH or WITH"),
    ("DELETE WHERE { ?s ?p ?o }", "template without GRAPH or WITH"),
    ("CLEAR DEFAULT", "CLEAR DEFAULT"),
    ("DROP SILENT DEFAULT", "DROP DEFAULT"),
    ("ADD <urn:g1> TO DEFAULT", "ADD to or from DEFAULT"),
    ("MOVE DEFAULT TO <urn:g5>", "MOVE to or from DEFAULT"),
])
def test_writing_the_default_graph_directly_is_refused_and_changes_nothing(make_store, update, words):
    store = make_store()
    before = store.dump()
    with pytest.raises(BadRequest, match="merge of its named graphs") as caught:
        store.update(update)
    assert words in caught.value.message
    assert store.dump() == before


def test_maintenance_covers_only_what_the_update_may_change():
    plan = plan_maintenance("INSERT DATA { GRAPH <urn:g> { <urn:s> <urn:p> 1 . <urn:t> <urn:p> 2 } }")
    assert plan.subjects == {("urn:g", "urn:s"), ("urn:g", "urn:t")} and not plan.graphs and not plan.everything
    plan = plan_maintenance("PREFIX g: <urn:g:> CLEAR GRAPH g:one ; MOVE <urn:a> TO <urn:b>")
    assert plan.graphs == {"urn:g:one", "urn:a", "urn:b"} and not plan.everything
    assert plan_maintenance("DELETE WHERE { GRAPH ?g { ?s ?p ?o } }").everything
    assert plan_maintenance("not an update").everything  # Oxigraph reports the error


def test_a_syntax_error_names_the_line_of_the_client_text(make_store):
    store = make_store()
    with pytest.raises(BadRequest, match=r"malformed update: error at 2:"):
        store.update("CLEAR GRAPH <urn:g1> ;\nINSERT DATA { GRAPH <urn:g1> { <urn:a> } }")


def test_a_dataset_file_s_default_graph_goes_to_the_file_s_own_graph(tmp_path):
    path = tmp_path / "mixed.trig"
    path.write_text("<urn:a> <urn:p> 'outside' . <urn:g> { <urn:b> <urn:p> 'inside' }")
    store = open_store([path])
    assert store.named_graphs() == ["urn:g", "urn:smarthealth:data:mixed.trig"]
    assert {row["o"].value for row in store.query("SELECT ?o WHERE { ?s ?p ?o }").rows} == {"outside", "inside"}
    blank = store.query("SELECT ?o WHERE { GRAPH <urn:smarthealth:data:mixed.trig> { ?s ?p ?o } }").rows
    assert [row["o"] for row in blank] == [ox.Literal("outside")]
