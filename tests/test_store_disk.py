"""The on-disk store with workers: snapshots for the query workers, what a restart serves, busy workers."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path

import pytest

from smarthealth.errors import QueryTimeout, ServerBusy, SmartHealthError
from smarthealth.store import open_store
from smarthealth.web import create_app

FIXTURES = Path(__file__).parent / "fixtures" / "endpoint"
TRIG = FIXTURES / "regions.trig"
TURTLE = FIXTURES / "organisations.ttl"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(f"?s{n} ?p{n} ?o{n} ." for n in range(7)) + " }"
TOKEN = "disk-token"


def count(store) -> int:
    return int(store.query(COUNT).rows[0]["n"].value)


def app_for(folder: Path, **config):
    return create_app({"STORE": str(folder), "WORKERS": 1, "TIMEOUT": 20, "TESTING": True,
                       "UPDATE_TOKEN": TOKEN, **config})


def close(app) -> None:
    app.extensions["smarthealth"].store.close()


def test_workers_read_snapshots_of_the_store_not_the_live_folder_and_follow_updates(tmp_path):
    folder = tmp_path / "store"
    store = open_store([TRIG, TURTLE], store_dir=folder, workers=2, timeout_s=20)
    try:
        store.warm_up()
        assert count(store) == 18
        snapshots = folder.parent / ".store.snapshots" / str(os.getpid())  # this process's own
        first = sorted(path.name for path in snapshots.iterdir())
        assert first, "the writer made no snapshot"
        for number in range(5):
            store.update(f"INSERT DATA {{ GRAPH <urn:g> {{ <urn:s{number}> <urn:p> {number} }} }}")
            assert count(store) == 19 + number  # visible to the very next query
        # Old snapshots go once no worker reads them: a few are kept, not one per update.
        assert len(list(snapshots.iterdir())) <= 4
        assert first[0] not in {path.name for path in snapshots.iterdir()}
    finally:
        store.close()
    assert not snapshots.exists()
    reopened = open_store(None, store_dir=folder)
    assert len(reopened) == 23  # every update was written to the store itself


def test_an_in_memory_store_with_workers_lives_in_a_temporary_folder_removed_at_close():
    store = open_store([TRIG], workers=1, timeout_s=20)
    folder = store.data_dir
    assert folder is not None and folder.exists()
    store.update("INSERT DATA { GRAPH <urn:g> { <urn:s> <urn:p> 1 } }")
    assert count(store) == 13
    store.close()
    assert not folder.parent.exists()


def test_a_restart_serves_the_store_as_it_is_even_empty_never_the_built_graph(tmp_path):
    folder = tmp_path / "store"
    app = app_for(folder, DATA=[str(TRIG)])
    close(app)
    app = app_for(folder)  # no DATA: the store as it is
    client = app.test_client()
    try:
        assert count(app.extensions["smarthealth"].store) == 12
        answer = client.post("/sparql", data={"update": "DROP ALL"}, headers={"Authorization": f"Bearer {TOKEN}"})
        assert answer.status_code == 204, answer.data
    finally:
        close(app)
    app = app_for(folder)
    try:
        store = app.extensions["smarthealth"].store
        assert store.is_empty() and store.named_graphs() == []  # not the built graph
    finally:
        close(app)


def test_a_store_whose_load_was_interrupted_is_refused_with_a_clear_message(tmp_path):
    folder = tmp_path / "store"
    close(app_for(folder, DATA=[str(TRIG)]))
    (folder / "smarthealth-loaded").unlink()  # as if the server died while loading
    with pytest.raises(SmartHealthError, match="not completely loaded.*--data"):
        app_for(folder)
    app = app_for(folder, DATA=[str(TURTLE)])  # loading it again is the way out
    try:
        assert app.extensions["smarthealth"].store.named_graphs() == ["urn:smarthealth:data:organisations.ttl"]
    finally:
        close(app)


def test_a_folder_that_is_not_a_store_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(SmartHealthError, match="not an Oxigraph store folder"):
        open_store(None, store_dir=tmp_path, workers=1)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_the_time_limit_starts_when_a_worker_takes_the_query_not_in_the_queue():
    store = open_store([TRIG, TURTLE], workers=1, timeout_s=2.5)
    try:
        store.warm_up()
        count(store)
        runaway = threading.Thread(target=lambda: pytest.raises(QueryTimeout, store.query, RUNAWAY))
        runaway.start()
        time.sleep(0.3)
        started = time.monotonic()
        # Queued behind the runaway for about 2 s, then answered within its own 2.5 s.
        assert count(store) == 18
        assert time.monotonic() - started > 1.5
        runaway.join()
    finally:
        store.close()


def test_waiting_for_a_busy_worker_is_bounded_and_answered_503_with_retry_after():
    store = open_store([TRIG, TURTLE], workers=1, timeout_s=1.0)
    app = create_app({"SPARQL_STORE": store, "TESTING": True})
    try:
        store.warm_up()
        count(store)
        runaway = threading.Thread(target=lambda: pytest.raises(QueryTimeout, store.query, RUNAWAY, timeout_s=3))
        runaway.start()
        time.sleep(0.3)
        with pytest.raises(ServerBusy, match="query workers stayed busy"):
            store.query(COUNT)
        answer = app.test_client().get("/sparql", query_string={"query": COUNT})
        assert answer.status_code == 503
        assert int(answer.headers["Retry-After"]) >= 1
        assert "try again later" in answer.data.decode()
        runaway.join()
    finally:
        store.close()


def test_a_server_keeps_its_snapshots_apart_from_an_earlier_one_still_exiting(tmp_path):
    """A server killed in its main process leaves a web process that cleans up while the next starts."""
    from smarthealth.store.snapshots import Snapshots

    root = tmp_path / ".store.snapshots"
    still_exiting = subprocess.Popen(["sleep", "30"])
    try:
        (root / str(still_exiting.pid) / "generation-3").mkdir(parents=True)
        dead = subprocess.Popen(["true"])
        dead.wait()
        (root / str(dead.pid) / "generation-7").mkdir(parents=True)
        snapshots = Snapshots(tmp_path / "store")
        assert snapshots.folder == root / str(os.getpid())
        assert {path.name for path in root.iterdir()} == {str(still_exiting.pid), str(os.getpid())}
        snapshots.remove_all()  # at exit: this process's folder only
        assert {path.name for path in root.iterdir()} == {str(still_exiting.pid)}
    finally:
        still_exiting.kill()
        still_exiting.wait()
