"""Our bindings sent with a SERVICE group: which empty VALUES blocks are filled, with what, and what is left alone."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from smarthealth.federation.service_values import (MAX_SENT_VALUES, ServiceValuesError, empty_service_values,
                                                   fill_service_values, local_query)

QUERY = """PREFIX ex: <http://example.org/>
# a comment with a brace { and VALUES ?x { } that is not code
SELECT ?a ?b WHERE {
  ?a ex:link ?x .
  FILTER(?a != "a } string")
  VALUES ?outside { }
  SERVICE <http://remote.test/sparql> {
    VALUES ?x { }
    ?x ex:name ?b .
  }
  OPTIONAL { ?a ex:label ?l }
}
ORDER BY ?a
"""


def test_only_an_empty_values_block_inside_service_is_found():
    assert empty_service_values(QUERY) == ["x"]
    assert empty_service_values("SELECT * WHERE { VALUES ?x { } ?x ?p ?o }") == []
    assert empty_service_values("SELECT * WHERE { SERVICE <http://r.test/> { VALUES ?x { <http://a> } } }") == []


def test_the_local_query_is_the_where_group_without_its_service_clause():
    local = local_query(QUERY, "x")
    assert local.startswith("PREFIX ex: <http://example.org/>")
    assert "SELECT DISTINCT ?x WHERE {" in local and "SERVICE" not in local and "ex:name" not in local
    assert "OPTIONAL { ?a ex:label ?l }" in local and '"a } string"' in local and "ORDER BY" not in local
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/link"),
                      ox.NamedNode("http://example.org/t")))
    assert [row["x"].value for row in store.query(local.replace("VALUES ?outside { }", ""))] == ["http://example.org/t"]


def test_the_block_is_filled_with_serialised_terms_in_a_stable_order():
    terms = [ox.NamedNode("http://example.org/2"), ox.NamedNode("http://example.org/1"),
             ox.NamedNode("http://example.org/1"), ox.Literal('say "hi"')]
    filled = fill_service_values(QUERY, lambda sparql: terms)
    assert 'VALUES ?x { "say \\"hi\\"" <http://example.org/1> <http://example.org/2> }' in filled
    assert "VALUES ?outside { }" in filled  # outside SERVICE: left alone
    assert filled.replace('"say \\"hi\\"" <http://example.org/1> <http://example.org/2> ', "") == QUERY


def test_no_value_keeps_the_block_empty_and_the_count_is_bounded():
    assert fill_service_values(QUERY, lambda sparql: []) == QUERY
    many = [ox.NamedNode(f"http://example.org/{n:05d}") for n in range(MAX_SENT_VALUES + 5)]
    filled = fill_service_values(QUERY, lambda sparql: many)
    assert filled.count("<http://example.org/0") == MAX_SENT_VALUES  # the PREFIX line names the namespace once more


def test_a_text_without_a_where_group_is_refused():
    with pytest.raises(ServiceValuesError, match="SELECT ... WHERE"):
        local_query("ASK { SERVICE <http://r.test/> { VALUES ?x { } } }", "x")
