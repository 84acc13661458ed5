"""Paged saved queries answer the same rows in the same order on every run and on every server."""

from __future__ import annotations

import re

import pytest

from smarthealth.config import Settings
from smarthealth.saved.binding import run
from smarthealth.saved.catalog import load_catalog
from smarthealth.store import open_store

PAGED = [query for query in load_catalog(Settings().queries_dir) if query.pagination]


def example_arguments(query) -> dict[str, str]:
    return {parameter.name: parameter.example for parameter in query.params if parameter.example}


@pytest.fixture(scope="module")
def stores(built, tmp_path_factory):
    """The built graph loaded twice: from TriG, and from N-Quads written in reverse order."""
    reversed_quads = tmp_path_factory.mktemp("reversed") / "reversed.nq"
    lines = built.dataset_path.with_suffix(".nq").read_text(encoding="utf-8").splitlines(keepends=True)
    reversed_quads.write_text("".join(reversed(lines)), encoding="utf-8")
    first, second = open_store([built.dataset_path]), open_store([reversed_quads])
    yield first, second
    first.close()
    second.close()


def test_the_paged_queries_are_the_ones_expected():
    assert {query.name for query in PAGED} >= {"actors", "search", "according-to-source"}


@pytest.mark.parametrize("query", PAGED, ids=lambda query: query.name)
def test_a_paged_query_orders_by_every_projected_column(query):
    # DISTINCT rows differ in some projected column: ordering by all of them is a total order.
    order_by = re.split(r"\bORDER\s+BY\b", query.text, flags=re.IGNORECASE)[-1]
    ordered = set(re.findall(r"[?$](\w+)", order_by))
    assert "DISTINCT" in query.text.upper()
    assert set(query.projection) <= ordered, f"not ordered by {sorted(set(query.projection) - ordered)}"


@pytest.mark.parametrize("query", PAGED, ids=lambda query: query.name)
def test_two_identical_calls_and_two_servers_give_identical_pages(query, stores, settings):
    first, second = stores
    arguments = example_arguments(query)
    for page in ("1", "2"):
        answers = [
            [tuple(sorted((name, str(term)) for name, term in row.items())) for row in
             run(store, query, {**arguments, "page": page}, base_iri=settings.base_iri)[1].rows]
            for store in (first, first, second)
        ]
        assert answers[0] == answers[1], f"page {page}: two calls on one store differ"
        assert answers[0] == answers[2], f"page {page}: two stores with the same data differ"
        if page == "1":
            assert answers[0], "the example arguments find nothing: the test would prove nothing"
