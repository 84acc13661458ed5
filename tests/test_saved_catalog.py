"""The saved-query catalogue: grlc headers and parameters, declared terms only, parseable bindings."""

from __future__ import annotations


import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef
from rdflib.paths import Path as PropertyPath
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib import namespace as ns

from smarthealth.config import Settings
from smarthealth.errors import SmartHealthError
from smarthealth.saved.binding import bind, render_sparql
from smarthealth.saved.catalog import CatalogError, load_catalog, load_query
from smarthealth.saved.openapi import build_spec
from smarthealth.federation.endpoints import is_endpoint_parameter
from test_federation_allowlist import offline

SETTINGS = Settings()
QUERIES = load_catalog(SETTINGS.queries_dir)
BASE = SETTINGS.base_iri

# The competency questions of issue #4 and the file that answers each.
QUESTIONS = {
    1: "pilot-regions", 2: "region-profile", 3: "helix-gaps", 4: "demo-cases",
    5: "organisation-card", 6: "network-memberships", 7: "funding-programmes", 8: "events",
    9: "theme", 10: "consortium-builder", 11: "potential-partners",
    12: ("according-to-source", "source-disagreements"), 13: "search", 14: "federation-regions",
}

# Instance IRI path segments of MODEL.md ("Instance IRIs").
INSTANCE_SEGMENTS = (
    "region/", "place/", "organisation/", "initiative/", "membership/", "project/", "use-case/",
    "plan/", "programme/", "funding/", "event/", "policy-document/", "observation/", "person/",
    "theme/", "topic/", "source/", "graph/", "quote/",
)
STANDARD_NAMESPACES = (str(ns.RDF), str(ns.RDFS), str(ns.OWL), str(ns.XSD))


def by_name(name):
    return next(q for q in QUERIES if q.name == name)


def test_every_question_has_a_query_file_with_a_readme_line():
    names = {q.name for q in QUERIES}
    readme = (SETTINGS.queries_dir / "README.md").read_text(encoding="utf-8")
    for number, files in QUESTIONS.items():
        for name in (files if isinstance(files, tuple) else (files,)):
            assert name in names, f"question {number}: queries/{name}.rq is missing"
            assert f"`{name}.rq`" in readme, f"queries/README.md does not list {name}.rq"


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_header_follows_grlc(query):
    assert query.summary and query.description
    assert query.method == "GET"
    assert query.tags, "grlc groups operations by tags"
    text = query.path.read_text(encoding="utf-8")
    assert text.startswith("#+ summary:")
    # Prefixes are declared in each file (grlc sends the file as it is).
    for prefix in ("smh:", "org:", "skos:", "rdfs:", "oa:", "prov:"):
        if f" {prefix}" in text.split("WHERE", 1)[-1] or f"({prefix}" in text:
            assert f"PREFIX {prefix}" in text, f"{query.name} uses {prefix} without declaring it"


def test_parameters_follow_grlc_naming():
    gaps = by_name("helix-gaps")
    role = gaps.param("role")
    assert (role.variable, role.required, role.type) == ("__role_iri", False, "iri")
    initiative = gaps.param("initiative")
    assert initiative.default == "smart-health-pilot" and initiative.optional
    builder = by_name("consortium-builder")
    minimum = builder.param("min")
    assert minimum.variable == "_min_integer"
    assert minimum.datatype == str(ns.XSD.integer) and minimum.default == "2"
    status = by_name("demo-cases").param("status")
    assert status.variable == "__status_iri" and not status.required
    text = by_name("search").param("text")
    assert (text.variable, text.type) == ("_text", "string")


def _iris(node, found: set[str]) -> set[str]:
    """Collect every IRI of a parsed query's algebra (including property paths)."""
    if isinstance(node, URIRef):
        found.add(str(node))
    elif isinstance(node, PropertyPath):
        for attribute in ("args", "path", "arg"):
            value = getattr(node, attribute, None)
            if value is not None:
                _iris(value, found)
    elif isinstance(node, dict):
        for value in node.values():
            _iris(value, found)
    elif isinstance(node, (list, tuple, set, frozenset)):
        for value in node:
            _iris(value, found)
    elif hasattr(node, "__dict__") and type(node).__module__.startswith("rdflib.plugins.sparql"):
        _iris(vars(node), found)
    return found


@pytest.fixture(scope="module")
def declared_terms() -> set[str]:
    graph = Graph()
    for path in ("smart-health.ttl", "vocabularies.ttl", "imports/external.ttl"):
        graph.parse(SETTINGS.ontology_dir / path, format="turtle")
    return {str(subject) for subject in graph.subjects(ns.RDF.type, None) if isinstance(subject, URIRef)}


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_every_iri_is_declared(query, declared_terms):
    iris = _iris(translateQuery(parseQuery(query.text)).algebra, set())
    assert iris, "the IRI walk found nothing: it is broken"
    undeclared = sorted(
        iri for iri in iris
        if iri not in declared_terms
        and not iri.startswith(STANDARD_NAMESPACES)
        and not any(iri.startswith(BASE + segment) for segment in INSTANCE_SEGMENTS)
    )
    assert not undeclared, f"{query.name} uses IRIs declared nowhere in ontology/: {undeclared}"


@pytest.mark.parametrize("query", [q for q in QUERIES if any(p.enum for p in q.params)], ids=lambda q: q.name)
def test_enumerated_iris_are_declared(query, declared_terms):
    for parameter in query.params:
        if parameter.enum and parameter.type == "iri":
            assert set(parameter.enum) <= declared_terms, f"{query.name}: {parameter.name} lists undeclared IRIs"


def test_iri_check_catches_an_undeclared_term(declared_terms, tmp_path):
    path = tmp_path / "bad.rq"
    path.write_text("#+ summary: s\n#+ tags:\n#+   - t\nPREFIX smh: <https://w3id.org/smart-health/ontology#>\n"
                    "SELECT ?x WHERE { ?x smh:noSuchProperty ?y }\n")
    iris = _iris(translateQuery(parseQuery(load_query(path).text)).algebra, set())
    assert "https://w3id.org/smart-health/ontology#noSuchProperty" in iris
    assert "https://w3id.org/smart-health/ontology#noSuchProperty" not in declared_terms


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_query_parses_with_and_without_optional_values(query):
    store = ox.Store()
    example = {p.name: p.example or p.default or (p.enum[0] if p.enum else None) for p in query.params}
    example = {name: value for name, value in example.items() if value is not None}
    if "min" in example:
        example["min"] = "2"
    required_only = {p.name: example[p.name] for p in query.params if p.required and p.name in example}
    for arguments in (example, required_only):
        bound = bind(query, arguments, base_iri=BASE)
        list(store.query(offline(bound.sparql), use_default_graph_as_union=True))  # raises on a syntax error
        added = bound.sparql.count("VALUES (") - query.text.count("VALUES (")
        # An endpoint names the SERVICE it is substituted into, not a VALUES variable.
        endpoints = {p.variable for p in query.params if is_endpoint_parameter(p)}
        assert added == (1 if set(bound.terms) - endpoints else 0)


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_values_block_goes_right_after_the_where_brace(query):
    before = query.text[: query.values_offset]
    assert before.rstrip().endswith("{")
    assert before.upper().rstrip()[:-1].rstrip().endswith("WHERE")
    unchanged = render_sparql(query, {})
    assert unchanged == query.text or query.pagination


def test_instance_iris_are_not_hard_coded():
    """The instance base is configurable, so queries take instance IRIs as parameters."""
    for query in QUERIES:
        assert "/smart-health/id/" not in query.text, query.name


@pytest.mark.parametrize("header, message", [
    ("#+ summary: s\n#+ method: POST\n", "only GET"),
    ("#+ description: no summary\n", "summary"),
    ("#+ summary: [unclosed\n", "YAML"),
    ("#+ summary: s\n#+ defaults:\n#+   - nosuch: 1\n", "not a parameter"),
])
def test_malformed_headers_are_refused(tmp_path, header, message):
    path = tmp_path / "bad.rq"
    path.write_text(header + "SELECT ?x WHERE { ?x ?p ?_y_iri }\n")
    with pytest.raises(CatalogError, match=message):
        load_query(path)


def test_query_without_where_keyword_is_refused(tmp_path):
    path = tmp_path / "nowhere.rq"
    path.write_text("#+ summary: s\nSELECT ?x { ?x ?p ?o }\n")
    with pytest.raises(CatalogError, match="WHERE"):
        load_query(path)


def test_unknown_parameter_type_is_refused(tmp_path):
    path = tmp_path / "badtype.rq"
    path.write_text("#+ summary: s\nSELECT ?x WHERE { ?x ?p ?_y_frobnicate }\n")
    with pytest.raises(SmartHealthError, match="unknown parameter type"):
        load_query(path)


def test_openapi_description_validates():
    from openapi_spec_validator import validate

    spec = build_spec(QUERIES)
    validate(spec)
    operations = {path: item["get"] for path, item in spec["paths"].items()}
    gaps = operations["/queries/helix-gaps"]
    role = next(p for p in gaps["parameters"] if p["name"] == "role")
    assert role["required"] is False
    assert {"public-authority", "research-academia", "business", "civil-society",
            "https://w3id.org/smart-health/vocab/helix-role/business"} <= set(role["schema"]["enum"])
    minimum = next(p for p in operations["/queries/consortium-builder"]["parameters"] if p["name"] == "min")
    assert minimum["schema"] == {"type": "integer", "default": 2} and minimum["required"] is False
    assert "text/csv" in gaps["responses"]["200"]["content"]
    assert {f"/queries/{q.name}" for q in QUERIES} <= set(spec["paths"])
