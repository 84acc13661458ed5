"""Rendering saved-query answers: negotiation table, display forms, text and HTML cells."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from smarthealth.errors import NotAcceptable
from smarthealth.saved import render


@pytest.mark.parametrize("accept, format_name, expected", [
    (None, None, render.SPARQL_JSON),
    ("*/*", None, render.SPARQL_JSON),
    ("application/json", None, render.SPARQL_JSON),
    ("text/csv;q=0.5, text/tab-separated-values", None, render.TSV),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", None, render.HTML),
    ("application/xml", None, render.SPARQL_XML),
    ("text/html", "csv", render.CSV),
    (None, "table", render.TEXT),
])
def test_negotiate(accept, format_name, expected):
    assert render.negotiate(accept, format_name) == expected


@pytest.mark.parametrize("accept, format_name", [("image/png", None), (None, "pdf")])
def test_negotiate_refuses(accept, format_name):
    with pytest.raises(NotAcceptable):
        render.negotiate(accept, format_name)


def test_display_compacts_iris_with_the_longest_namespace():
    prefixes = {"id": "https://w3id.org/smart-health/id/", "smhv": "https://w3id.org/smart-health/vocab/"}
    assert render.display(ox.NamedNode("https://w3id.org/smart-health/id/region/BE2"), prefixes) == "id:region/BE2"
    assert render.display(ox.NamedNode("https://example.org/x"), prefixes) == "https://example.org/x"
    assert render.display(ox.Literal("Vlaams Gewest", language="nl"), prefixes) == "Vlaams Gewest"
    assert render.display(None, prefixes) == ""


def test_html_cell_escapes_and_marks_language():
    assert render.html_cell('<b>"x"</b>', None) == "&lt;b&gt;&quot;x&quot;&lt;/b&gt;"
    assert render.html_cell("Gewest", None, "nl") == '<span lang="nl">Gewest</span>'
    link = render.html_cell("id:a", 'https://e.org/a"onmouseover="x')
    assert 'href="https://e.org/a&quot;onmouseover=&quot;x"' in link
