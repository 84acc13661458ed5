"""Every saved query answers quickly on the built graph (through smarthealth.saved, in a worker of
this process' store): with its examples, with its optional parameters left out, and as its bare
text (all parameters unbound, as in a SPARQL editor).

Answers are checked elsewhere (test_saved_questions.py); here a query must answer, and not run
away (a bound a hundred times today's time, not a speed claim). A "*" property path that ends at an unbound parameter matches every node of the graph
through its zero-length step: helix-gaps took minutes that way before it was rewritten.
"""

from __future__ import annotations

import logging
import time

import pytest

from smarthealth.config import Settings
from smarthealth.saved.binding import run
from smarthealth.federation.endpoints import calls_service
from smarthealth.saved.catalog import load_catalog

SETTINGS = Settings()
# Federated queries call another endpoint: test_federation_live.py times them against a stand-in.
QUERIES = [query for query in load_catalog(SETTINGS.queries_dir) if not calls_service(query)]

#: Seconds a saved query may take on the built graph before it counts as a runaway plan. Today's
#: queries take about 0.05 s; a plan gone wrong takes minutes. This is no speed claim (those are
#: ratios from benchmarks/): the bound sits far above today's times so that a loaded CI machine
#: (1.8 s seen at a load average of 7) does not fail it, and far below what a runaway takes.
BUDGET_S = 5.0
#: Runs per case: the store's plans vary between runs, a slow plan may show up only sometimes.
RUNS = 3

log = logging.getLogger(__name__)


@pytest.fixture(scope="module")
def store(built):
    from smarthealth.store import open_store

    # A worker process: a runaway query is stopped at its time limit instead of running on for
    # minutes (in this process, pyoxigraph cannot be interrupted).
    opened = open_store([built.dataset_path], workers=1, timeout_s=10 * BUDGET_S)
    yield opened
    opened.close()


def _required(query) -> dict[str, str]:
    return {p.name: p.example or (p.enum[0] if p.enum else None)
            for p in query.params if p.required and p.default is None}


def _cases():
    for query in QUERIES:
        examples = {p.name: p.example for p in query.params if p.example is not None}
        yield pytest.param(query, {**_required(query), **examples}, id=f"{query.name}-examples")
        yield pytest.param(query, _required(query), id=f"{query.name}-optional-left-out")


def _slowest(action) -> tuple[float, object]:
    slowest, result = 0.0, None
    for _ in range(RUNS):
        start = time.perf_counter()
        result = action()
        slowest = max(slowest, time.perf_counter() - start)
    return slowest, result


@pytest.mark.parametrize("query, arguments", list(_cases()))
def test_saved_query_answers_within_budget(store, query, arguments):
    assert all(value is not None for value in arguments.values()), f"{query.name} lacks an example"
    elapsed, (bound, result) = _slowest(
        lambda: run(store, query, arguments, base_iri=SETTINGS.base_iri, timeout_s=10 * BUDGET_S))
    log.info("%s %s: %.3f s, %d rows", query.name, arguments, elapsed, len(result.rows))
    assert result.kind == "select"
    assert result.variables and isinstance(result.rows, list)
    assert elapsed < BUDGET_S, f"{query.name} with {arguments} took {elapsed:.2f} s"


@pytest.mark.parametrize("query", QUERIES, ids=[q.name for q in QUERIES])
def test_bare_query_text_answers_within_budget(store, query):
    elapsed, result = _slowest(lambda: store.query(query.text, timeout_s=10 * BUDGET_S))
    assert result.kind == "select"
    assert elapsed < BUDGET_S, f"{query.name} as bare text took {elapsed:.2f} s"


def test_the_examples_answer_something(store):
    """An example shows what a query does: it must not be empty (the budget alone would not tell)."""
    empty = []
    for query in QUERIES:
        examples = {p.name: p.example for p in query.params if p.example is not None}
        _, result = run(store, query, {**_required(query), **examples}, base_iri=SETTINGS.base_iri)
        if not result.rows:
            empty.append(query.name)
    assert empty == []
