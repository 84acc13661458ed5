"""Which process does what in the embedded store: the load in a child, the reused readings, the worker order.

No timing is asserted here (speed is the benchmark's, see benchmarks/README.md): these tests pin the
behaviour the performance work relies on, with answers compared by content.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from smarthealth.errors import BadRequest
from smarthealth.store import execute, loading, open_store
from smarthealth.store.oxigraph import LOADED_MARKER

FIXTURES = Path(__file__).parent / "fixtures" / "endpoint"
TRIG = FIXTURES / "regions.trig"
TURTLE = FIXTURES / "organisations.ttl"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def count(store) -> int:
    return int(store.query(COUNT).rows[0]["n"].value)


def test_with_workers_the_files_are_loaded_by_a_child_process_and_the_server_serves_them(tmp_path, monkeypatch):
    children = []
    real_load = loading.load_in_child

    def spying_load(data_dir, paths):
        children.append((data_dir, list(paths)))
        return real_load(data_dir, paths)

    monkeypatch.setattr("smarthealth.store.oxigraph.load_in_child", spying_load)
    store = open_store([TRIG, TURTLE], store_dir=tmp_path / "store", workers=1, timeout_s=20)
    try:
        assert children == [(tmp_path / "store", [TRIG, TURTLE])]
        assert (tmp_path / "store" / LOADED_MARKER).exists()
        assert len(store) == 18 == count(store)  # the child's count, and the workers' answer
        assert "urn:smarthealth:data:organisations.ttl" in store.named_graphs()
        # The merged default graph was made by the child too: a triple of two graphs counts once.
        merged = int(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0]["n"].value)
        assert 0 < merged <= 18
        store.update("INSERT DATA { GRAPH <urn:g> { <urn:s> <urn:p> 1 } }")  # the writer opens it after
        assert count(store) == 19
    finally:
        store.close()


def test_a_file_the_child_cannot_parse_is_a_bad_request_naming_it_and_the_store_is_not_marked_loaded(tmp_path):
    broken = tmp_path / "broken.ttl"
    broken.write_text("<urn:a> <urn:b> .\n")
    with pytest.raises(BadRequest) as raised:
        open_store([broken], store_dir=tmp_path / "store", workers=1, timeout_s=20)
    assert "cannot parse the file" in raised.value.message
    assert raised.value.where == str(broken)
    assert not (tmp_path / "store" / LOADED_MARKER).exists()
    # The store's lock was given back: the same folder opens again and loads.
    again = open_store([TRIG], store_dir=tmp_path / "store", workers=1, timeout_s=20)
    try:
        assert count(again) == 12
    finally:
        again.close()


def test_the_loading_child_reports_a_missing_file_as_a_bad_request(tmp_path):
    folder = tmp_path / "store"
    with pytest.raises(BadRequest, match="no such data file") as raised:
        loading.load_in_child(folder, [tmp_path / "missing.ttl"])
    assert raised.value.where == str(tmp_path / "missing.ttl")


def test_a_remembered_reading_is_judged_again_on_every_run(tmp_path):
    """The guard's verdict depends on what is stored now, not on when the text was first read."""
    store = open_store([TRIG], store_dir=tmp_path / "store", workers=1, timeout_s=20)
    query = "SELECT (COUNT(*) AS ?n) FROM <http://example.org/later> WHERE { ?s ?p ?o }"
    try:
        with pytest.raises(BadRequest, match="not a graph of this dataset"):
            store.query(query)
        with pytest.raises(BadRequest, match="not a graph of this dataset"):
            store.query(query)  # refused again: errors are not remembered
        store.update("INSERT DATA { GRAPH <http://example.org/later> { <urn:s> <urn:p> 1, 2 } }")
        assert int(store.query(query).rows[0]["n"].value) == 2  # the same text, now allowed
    finally:
        store.close()


def test_a_remembered_reading_is_the_reading_of_exactly_that_text():
    first = execute._analysed_query("SELECT * WHERE { ?s ?p ?o } # FROM <http://x/>", "http://b/")
    again = execute._analysed_query("SELECT * WHERE { ?s ?p ?o } # FROM <http://x/>", "http://b/")
    other = execute._analysed_query("SELECT * WHERE { ?s ?p ?o }\n# FROM <http://x/>", "http://b/")
    assert first is again
    assert first.text == "SELECT * WHERE { ?s ?p ?o }" + " " * 19  # the comment blanked, as always
    assert other is not first and other.text.startswith("SELECT * WHERE { ?s ?p ?o }\n")
    assert first.references == () and first.form == "SELECT"
    long_text = "SELECT * WHERE { ?s ?p ?o }" + " " * execute.MAX_REMEMBERED_TEXT
    assert execute._analysed_query(long_text, None) is not execute._analysed_query(long_text, None)


def test_after_an_update_every_idle_worker_is_sent_the_new_snapshot(tmp_path):
    store = open_store([TRIG], store_dir=tmp_path / "store", workers=2, timeout_s=20)
    try:
        store.warm_up()
        assert count(store) == 12
        store.update("INSERT DATA { GRAPH <urn:g> { <urn:s> <urn:p> 1 } }")
        pool = store._pool
        # Both workers, not the same one twice (the idle workers are a last-in-first-out stack).
        assert sorted(pool._generations.values()) == [store.generation, store.generation]
        answers = {count(store) for _ in range(4)}
        assert answers == {13}
    finally:
        store.close()


def test_the_server_reads_the_graph_list_once_per_data_generation(tmp_path, monkeypatch):
    store = open_store([TRIG], store_dir=tmp_path / "store", workers=1, timeout_s=20)
    try:
        store.warm_up()
        opened = []
        real_reader = store._snapshots.reader

        def counting_reader():
            opened.append(store.generation)
            return real_reader()

        monkeypatch.setattr(store._snapshots, "reader", counting_reader)
        graphs = store.named_graphs()
        assert store.named_graphs() == graphs
        assert len(opened) == 1
        store.update("INSERT DATA { GRAPH <urn:new> { <urn:s> <urn:p> 1 } }")
        assert "urn:new" in store.named_graphs()
        assert len(opened) == 2
    finally:
        store.close()


def test_the_loading_child_dies_with_its_parent():
    """It asks the kernel for SIGKILL when its parent goes (it would otherwise keep the store's lock)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: ask, then report what the kernel says it will get
        os.close(read)
        loading._die_with_parent()
        import ctypes

        signal_number = ctypes.c_int()
        ctypes.CDLL(None).prctl(2, ctypes.byref(signal_number), 0, 0, 0)  # PR_GET_PDEATHSIG
        os.write(write, str(signal_number.value).encode())
        os._exit(0)
    os.close(write)
    try:
        reported = os.read(read, 16).decode()
    finally:
        os.close(read)
        os.waitpid(pid, 0)
    assert reported == "9"
