"""The queries folder also works in grlc: grlc's textual rewriting gives the same answers as our binding.

grlc (CLARIAH/grlc, gquery.rewrite_query) replaces each parameter variable in the query text with
the value written as a term: ``<iri>``, ``"text"``, ``"text"@en`` or ``"3"^^xsd:integer`` (adding
the xsd prefix when missing), and leaves a left-out optional parameter as a variable. Emulating that
on our files with safe example values checks that the queries are written for both (no BOUND() on
a parameter, parameters visible where grlc puts them) and that both give the same rows.
"""

from __future__ import annotations

from collections import Counter

import pytest

from smarthealth.config import Settings
from smarthealth.saved.binding import bind
from smarthealth.saved.catalog import load_catalog
from smarthealth.saved.params import XSD
from test_federation_allowlist import offline

SETTINGS = Settings()
BASE = SETTINGS.base_iri
QUERIES = load_catalog(SETTINGS.queries_dir)


def grlc_rewrite(query, terms) -> str:
    """Rewrite a query the way grlc does, from already validated terms."""
    text = query.text
    needs_xsd = False
    for parameter in query.params:
        term = terms.get(parameter.variable)
        if term is None:
            continue
        if parameter.type == "iri":
            written = f"<{term.value}>"
        elif parameter.type == "lang-literal":
            written = f'"{term.value}"@{parameter.lang}'
        elif parameter.type == "typed-literal":
            written = f'"{term.value}"^^xsd:{parameter.datatype.removeprefix(XSD)}'
            needs_xsd = True
        else:
            written = f'"{term.value}"'
        text = text.replace(f"?{parameter.variable}", written)
    prefix = "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>"
    if needs_xsd and prefix not in text:
        text = text.replace("SELECT", prefix + "\n\nSELECT", 1)
    if query.pagination:
        text += f" LIMIT {query.pagination} OFFSET 0"
    return text


def _rows(result) -> Counter:
    joined = {"regions", "actors", "useCases", "plans", "organisers", "coOrganisers", "place",
              "sharedInitiatives", "partOf", "rootedIn", "collaboratesWith"}

    def normal(name, term):
        return "; ".join(sorted(term.value.split("; "))) if name in joined else str(term)

    return Counter(tuple(sorted((name, normal(name, term)) for name, term in row.items())) for row in result.rows)


@pytest.fixture(scope="module")
def store(built):
    from smarthealth.store import open_store

    opened = open_store([built.dataset_path])
    yield opened
    opened.close()


def _cases():
    for query in QUERIES:
        examples = {p.name: p.example or p.default or (p.enum[0] if p.enum else None) for p in query.params}
        given = {name: value for name, value in examples.items() if value is not None}
        yield pytest.param(query, given, id=f"{query.name}-examples")
        required = {p.name: given[p.name] for p in query.params if p.required and p.name in given}
        if required != given:
            yield pytest.param(query, required, id=f"{query.name}-required-only")


@pytest.mark.parametrize("query, arguments", list(_cases()))
def test_grlc_rewriting_gives_the_same_answer(store, query, arguments):
    # grlc's defaults only pre-fill its Swagger form; our default makes the parameter given.
    arguments = dict(arguments)
    for parameter in query.params:
        if parameter.default is not None:
            arguments.setdefault(parameter.name, parameter.default)
    bound = bind(query, arguments, base_iri=BASE)
    ours = store.query(offline(bound.sparql))
    theirs = store.query(offline(grlc_rewrite(query, bound.terms)))
    assert ours.variables == theirs.variables == list(query.projection)
    assert _rows(ours) == _rows(theirs)
