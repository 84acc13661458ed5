"""A runaway query against a real server started with ``--timeout 2`` stops with an error in time,
and does not hold up the other clients."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from server_process import client_at, start_server

TIMEOUT_S = 2
# A four-way cartesian product over the whole graph: billions of solutions, never finishes in 2 s.
RUNAWAY = """SELECT (COUNT(*) AS ?n) WHERE {
  ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l .
  FILTER(STR(?c) != STR(?l))
}"""
SIMPLE = "ASK { ?s a ?type }"
JSON = {"Accept": "application/sparql-results+json"}


@pytest.fixture(scope="module")
def server(built):
    with start_server(["--data", str(built.dataset_path), "--timeout", str(TIMEOUT_S)]) as running:
        yield running


def run_runaway(server, outcome: dict) -> None:
    started = time.monotonic()
    try:
        answer = requests.post(server.sparql_url, data={"query": RUNAWAY}, headers=JSON, timeout=30)
        outcome["status"] = answer.status_code
        outcome["body"] = answer.text
    except requests.RequestException as error:
        outcome["error"] = repr(error)
    outcome["elapsed"] = time.monotonic() - started


def test_runaway_query_stops_with_an_error_and_others_are_answered(server):
    outcome: dict = {}
    runaway = threading.Thread(target=run_runaway, args=(server, outcome))
    runaway.start()
    time.sleep(0.5)

    started = time.monotonic()
    # Another client (another address): the runaway's client may run one query at a time.
    simple = client_at("127.0.0.2").get(server.sparql_url, params={"query": SIMPLE}, headers=JSON, timeout=30)
    simple_elapsed = time.monotonic() - started
    runaway_still_running = runaway.is_alive()

    runaway.join(timeout=30)
    assert "error" not in outcome, outcome.get("error")
    assert outcome["status"] == 503, f"{outcome['status']}: {outcome['body'][:300]}"
    assert "time" in outcome["body"].lower(), outcome["body"][:300]
    assert "Traceback" not in outcome["body"]
    assert outcome["elapsed"] < TIMEOUT_S + 2, f"the runaway took {outcome['elapsed']:.1f} s"

    assert simple.status_code == 200, simple.text
    assert simple.json()["boolean"] is True
    assert runaway_still_running, "the runaway query ended before the simple one was sent"
    assert simple_elapsed < 1.5, f"the simple query waited {simple_elapsed:.1f} s behind the runaway"


def test_server_answers_after_a_timeout(server):
    first = requests.post(server.sparql_url, data={"query": RUNAWAY}, headers=JSON, timeout=30)
    assert first.status_code == 503
    after = requests.get(server.sparql_url, params={"query": SIMPLE}, headers=JSON, timeout=30)
    assert after.status_code == 200 and after.json()["boolean"] is True
