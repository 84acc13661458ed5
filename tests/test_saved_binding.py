"""Binding values to saved queries: typed terms in a VALUES block, short keys, bad input, injection."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from smarthealth.config import Settings
from smarthealth.saved.binding import bind, run
from smarthealth.saved.catalog import load_catalog
from smarthealth.saved.params import ParameterError

SETTINGS = Settings()
BASE = SETTINGS.base_iri
QUERIES = {q.name: q for q in load_catalog(SETTINGS.queries_dir)}
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"

# Values meant to break out of the place a value would be pasted into.
INJECTIONS = [
    'leuven")) } UNION { ?entity ?p ?label . BIND("x" AS ?language) ?entity a ?type } #',
    "leuven')) } } SELECT * WHERE { ?s ?p ?o } #",
    'x" } ; DROP ALL ; SELECT * WHERE { "',
    "}}}}} LIMIT 1000000 #",
    '\\" } \\u0022 ?s ?p ?o {',
    "line\nbreak\" }\r\n{",
]


@pytest.fixture(scope="module")
def store(built):
    from smarthealth.store import open_store

    opened = open_store([built.dataset_path])
    yield opened
    opened.close()


def _values_block(query, bound) -> str:
    """Return what binding added to the query text (and check nothing else changed)."""
    template = query.text
    assert bound.sparql.startswith(template[: query.values_offset])
    tail = template[query.values_offset:]
    limit = bound.sparql.rfind("\nLIMIT ") if query.pagination else len(bound.sparql)
    body = bound.sparql[:limit]
    assert body.rstrip().endswith(tail.rstrip()), "the query text after the VALUES block changed"
    return body[query.values_offset: len(body) - len(tail.rstrip()) - (len(body) - len(body.rstrip()))]


@pytest.mark.parametrize("value", INJECTIONS)
def test_injection_in_a_string_parameter_stays_one_literal(value, store):
    query = QUERIES["search"]
    bound = bind(query, {"text": value}, base_iri=BASE)
    block = _values_block(query, bound)
    # The added text is one VALUES block whose single value is exactly the user's string.
    solutions = list(ox.Store().query(f"SELECT * WHERE {{ {block} }}"))
    assert len(solutions) == 1
    assert solutions[0]["_text"] == ox.Literal(value)
    assert bound.terms == {"_text": ox.Literal(value)}
    # Run for real: nothing's label contains the string, so no rows (pasted, the first value
    # would have listed every triple of the graph).
    _, result = run(store, query, {"text": value}, base_iri=BASE)
    assert result.rows == []


def test_search_finds_what_a_broken_out_query_would_hide(store):
    """Control for the test above: the same query with a plain value does answer."""
    _, result = run(store, QUERIES["search"], {"text": "leuven"}, base_iri=BASE)
    entities = {row["entity"].value for row in result.rows}
    assert BASE + "organisation/ku-leuven" in entities


@pytest.mark.parametrize("value", [
    "BE2> } ?s ?p ?o . { <x",
    "https://w3id.org/smart-health/id/region/BE2> } UNION { ?s ?p ?o",
    "https://example.org/a b",
    'https://example.org/"quoted"',
    "BE2 ; DROP ALL",
    "{BE2}",
])
def test_injection_in_an_iri_parameter_is_refused(value):
    with pytest.raises(ParameterError, match="parameter 'region'") as error:
        bind(QUERIES["region-profile"], {"region": value}, base_iri=BASE)
    assert "expected a NUTS code" in str(error.value)


@pytest.mark.parametrize("value, message", [
    ("abc", "not an integer"),
    ("2.5", "not an integer"),
    ("2 } UNION { ?s ?p ?o", "not an integer"),
    ("", None),  # empty means "not given": the default 2 applies
])
def test_typed_literal_parameter_checks_its_lexical_form(value, message):
    query = QUERIES["consortium-builder"]
    arguments = {"theme": "data-digital-tech", "min": value}
    if message is None:
        bound = bind(query, arguments, base_iri=BASE)
        assert bound.terms["_min_integer"] == ox.Literal("2", datatype=ox.NamedNode(XSD_INTEGER))
        return
    with pytest.raises(ParameterError, match=f"parameter 'min'.*{message}"):
        bind(query, arguments, base_iri=BASE)


def test_integer_value_is_bound_with_its_datatype():
    bound = bind(QUERIES["consortium-builder"], {"theme": "data-digital-tech", "min": "3"}, base_iri=BASE)
    assert bound.terms["_min_integer"] == ox.Literal("3", datatype=ox.NamedNode(XSD_INTEGER))
    assert '"3"^^<http://www.w3.org/2001/XMLSchema#integer>' in bound.sparql


def test_missing_required_parameter_is_named():
    with pytest.raises(ParameterError, match="missing required parameter 'theme'.*theme key"):
        bind(QUERIES["theme"], {}, base_iri=BASE)


def test_unknown_parameter_is_named():
    with pytest.raises(ParameterError, match="unknown parameter 'regoin'.*region"):
        bind(QUERIES["region-profile"], {"regoin": "BE2"}, base_iri=BASE)


def test_page_only_for_paginated_queries():
    with pytest.raises(ParameterError, match="not paginated"):
        bind(QUERIES["pilot-regions"], {"page": "2"}, base_iri=BASE)
    with pytest.raises(ParameterError, match="positive integer"):
        bind(QUERIES["search"], {"text": "x", "page": "0"}, base_iri=BASE)
    bound = bind(QUERIES["search"], {"text": "x", "page": "3"}, base_iri=BASE)
    assert bound.sparql.rstrip().endswith("LIMIT 100 OFFSET 200")


@pytest.mark.parametrize("parameter_query, name, key, iri", [
    ("region-profile", "region", "BE2", BASE + "region/BE2"),
    ("region-profile", "region", "be2", BASE + "region/BE2"),
    ("organisation-card", "organisation", "ku-leuven", BASE + "organisation/ku-leuven"),
    ("helix-gaps", "role", "business", "https://w3id.org/smart-health/vocab/helix-role/business"),
    ("theme", "theme", "data-digital-tech", BASE + "theme/data-digital-tech"),
    ("funding-programmes", "level", "regional", "https://w3id.org/smart-health/vocab/programme-level/regional"),
    ("pilot-regions", "initiative", "s3p4pm", BASE + "initiative/s3p4pm"),
])
def test_short_keys_expand_by_parameter_name(parameter_query, name, key, iri, store):
    arguments = {name: key}
    if parameter_query == "helix-gaps":
        arguments["initiative"] = "smart-health-pilot"
    bound, _ = run(store, QUERIES[parameter_query], arguments, base_iri=BASE)
    variable = QUERIES[parameter_query].param(name).variable
    assert bound.terms[variable] == ox.NamedNode(iri)


def test_full_iri_is_accepted_as_is(store):
    bound, _ = run(store, QUERIES["region-profile"], {"region": BASE + "region/BE2"}, base_iri=BASE)
    assert bound.terms["_region_iri"] == ox.NamedNode(BASE + "region/BE2")


@pytest.mark.parametrize("name, value, message", [
    ("region", "XX9", "no such region 'XX9'"),
    ("region", "https://w3id.org/smart-health/id/region/XX9", "no such region"),
])
def test_unknown_keys_are_a_bad_request(store, name, value, message):
    with pytest.raises(ParameterError, match=message):
        run(store, QUERIES["region-profile"], {name: value}, base_iri=BASE)


def test_entity_key_is_resolved_across_patterns(store):
    bound, _ = run(store, QUERIES["according-to-source"], {"entity": "ku-leuven"}, base_iri=BASE)
    assert bound.terms["_entity_iri"] == ox.NamedNode(BASE + "organisation/ku-leuven")
    bound, _ = run(store, QUERIES["according-to-source"], {"entity": "BE2"}, base_iri=BASE)
    assert bound.terms["_entity_iri"] == ox.NamedNode(BASE + "region/BE2")


def test_ambiguous_entity_key_asks_for_the_full_iri():
    with pytest.raises(ParameterError, match="ambiguous.*full IRI"):
        bind(QUERIES["according-to-source"], {"entity": "regmed-xb"}, base_iri=BASE,
             iri_exists=lambda iri: iri.endswith(("organisation/regmed-xb", "initiative/regmed-xb")))


def test_kind_and_key_picks_one_of_two_things_a_key_names(store):
    """RegMed XB is an organisation (000 actor table) and a programme (000 demo case, 003 §4.4)."""
    with pytest.raises(ParameterError, match="ambiguous.*organisation/regmed-xb, project/regmed-xb"):
        run(store, QUERIES["according-to-source"], {"entity": "regmed-xb"}, base_iri=BASE)
    bound, result = run(store, QUERIES["according-to-source"], {"entity": "project/regmed-xb"}, base_iri=BASE)
    assert str(bound.terms["_entity_iri"]) == f"<{BASE}project/regmed-xb>"
    assert result.rows
    with pytest.raises(ParameterError, match="parameter 'entity'"):
        bind(QUERIES["according-to-source"], {"entity": "nosuchkind/regmed-xb"}, base_iri=BASE)
    with pytest.raises(ParameterError, match="parameter 'region'"):
        bind(QUERIES["region-profile"], {"region": "project/regmed-xb"}, base_iri=BASE)


def test_malformed_value_is_reported_before_unknown_keys(store):
    with pytest.raises(ParameterError, match="parameter 'min'"):
        run(store, QUERIES["consortium-builder"], {"theme": "no-such-theme", "min": "abc"}, base_iri=BASE)


def test_left_out_optional_parameter_stays_unbound(store):
    bound, everything = run(store, QUERIES["demo-cases"], {}, base_iri=BASE)
    assert "__status_iri" not in bound.sparql.split("WHERE", 1)[1].split("OPTIONAL", 1)[0]
    assert bound.terms == {}
    _, running = run(store, QUERIES["demo-cases"], {"status": "running"}, base_iri=BASE)
    all_cases = {row["demoCase"].value for row in everything.rows}
    running_cases = {row["demoCase"].value for row in running.rows}
    assert running_cases < all_cases
    assert all(row["status"].value.endswith("/status/running") for row in running.rows)


def test_default_applies_when_left_out(store):
    bound, _ = run(store, QUERIES["pilot-regions"], {}, base_iri=BASE)
    assert bound.terms["_initiative_iri"] == ox.NamedNode(BASE + "initiative/smart-health-pilot")


def test_other_base_iri_changes_the_short_key_expansion():
    bound = bind(QUERIES["region-profile"], {"region": "BE2"}, base_iri="https://example.org/kg/")
    assert bound.terms["_region_iri"] == ox.NamedNode("https://example.org/kg/region/BE2")


def test_enumerated_iri_parameter_takes_a_key_or_the_iri_of_its_list(store):
    query = QUERIES["helix-gaps"]
    full = "https://w3id.org/smart-health/vocab/helix-role/cluster"
    for value in ("cluster", full):
        bound, _ = run(store, query, {"role": value}, base_iri=BASE)
        assert bound.terms["__role_iri"] == ox.NamedNode(full)
    with pytest.raises(ParameterError, match="parameter 'role': 'ceo' is not one of public-authority, research-academia"):
        bind(query, {"role": "ceo"}, base_iri=BASE)
    with pytest.raises(ParameterError, match="parameter 'role'.*not one of"):
        bind(query, {"role": BASE + "region/BE2"}, base_iri=BASE)
