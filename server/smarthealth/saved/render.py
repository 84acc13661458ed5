"""Render the answer of a saved query: SPARQL JSON/XML, CSV, TSV, an HTML table or a text table.

The SPARQL result formats come from the store's ``QueryResult.serialize``; the two tables are made
here from its rows. Media types and short format names are lookup tables, and ``negotiate`` picks
one from an Accept header or an explicit ``format`` argument.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import pyoxigraph as ox
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from ..errors import NotAcceptable
from ..namespaces import PREFIXES

SPARQL_JSON = "application/sparql-results+json"
SPARQL_XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
HTML = "text/html"
TEXT = "text/plain"

#: Media type -> the Content-Type sent with it.
CONTENT_TYPES = {
    SPARQL_JSON: "application/sparql-results+json",
    SPARQL_XML: "application/sparql-results+xml",
    CSV: "text/csv; charset=utf-8",
    TSV: "text/tab-separated-values; charset=utf-8",
    HTML: "text/html; charset=utf-8",
    TEXT: "text/plain; charset=utf-8",
}

#: Short names accepted by ``?format=`` and ``--format``.
FORMAT_NAMES = {
    "json": SPARQL_JSON,
    "xml": SPARQL_XML,
    "csv": CSV,
    "tsv": TSV,
    "html": HTML,
    "table": TEXT,
    "text": TEXT,
}

#: Media types a client may ask for that mean one of ours.
ALIASES = {
    "application/json": SPARQL_JSON,
    "application/xml": SPARQL_XML,
    "application/xhtml+xml": HTML,
}

#: Offered in this order of preference when the client accepts several equally.
OFFERED = [SPARQL_JSON, CSV, TSV, HTML, SPARQL_XML, TEXT]


def negotiate(accept_header: str | None, format_name: str | None = None) -> str:
    """Return the media type to answer with, or raise NotAcceptable."""
    if format_name:
        try:
            return FORMAT_NAMES[format_name.lower()]
        except KeyError:
            known = ", ".join(sorted(FORMAT_NAMES))
            raise NotAcceptable(f"unknown format {format_name!r}; use one of {known}") from None
    if not accept_header or not accept_header.strip():
        return SPARQL_JSON
    accept = parse_accept_header(accept_header, MIMEAccept)
    best = accept.best_match(OFFERED + list(ALIASES))
    if best is None:
        offered = ", ".join(OFFERED)
        raise NotAcceptable(f"none of the requested media types can be served; offered: {offered}")
    return ALIASES.get(best, best)


@dataclass(frozen=True)
class Table:
    """A SELECT answer as header and rows of display strings (prefixed IRIs, lexical forms)."""

    variables: list[str]
    rows: list[list[str]]
    iris: list[list[str | None]]
    languages: list[list[str | None]]


def table(result, *, base_iri: str | None = None) -> Table:
    """Turn a SELECT QueryResult into display strings, compacting IRIs with the project prefixes."""
    prefixes = dict(PREFIXES_FOR_DISPLAY)
    if base_iri:
        prefixes["id"] = base_iri
    rows, iris, languages = [], [], []
    for solution in result.rows:
        shown, links, tags = [], [], []
        for name in result.variables:
            term = solution.get(name)
            shown.append(display(term, prefixes))
            links.append(term.value if isinstance(term, ox.NamedNode) else None)
            tags.append(term.language if isinstance(term, ox.Literal) else None)
        rows.append(shown)
        iris.append(links)
        languages.append(tags)
    return Table(list(result.variables), rows, iris, languages)


PREFIXES_FOR_DISPLAY = {name: str(namespace) for name, namespace in PREFIXES.items()}


def display(term, prefixes: dict[str, str]) -> str:
    """Return a short human form of a term: prefixed IRI or the literal's value."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        # Longest namespace first, so that id: wins over a shorter overlapping one.
        for name, namespace in sorted(prefixes.items(), key=lambda item: -len(item[1])):
            if term.value.startswith(namespace) and len(term.value) > len(namespace):
                return f"{name}:{term.value[len(namespace):]}"
        return term.value
    if isinstance(term, ox.Literal):
        # The language goes to the HTML lang attribute; the data formats keep it exactly.
        return term.value
    return str(term)


def text_table(result, *, base_iri: str | None = None) -> str:
    """Return an aligned plain-text table of a SELECT answer (for terminals)."""
    data = table(result, base_iri=base_iri)
    widths = [len(name) for name in data.variables]
    cells = [[cell.replace("\n", " ") for cell in row] for row in data.rows]
    for row in cells:
        for index, cell in enumerate(row):
            widths[index] = max(widths[index], len(cell))
    lines = [
        "  ".join(name.ljust(widths[i]) for i, name in enumerate(data.variables)).rstrip(),
        "  ".join("-" * width for width in widths),
    ]
    lines += ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in cells]
    lines.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
    return "\n".join(lines) + "\n"


def html_cell(text: str, iri: str | None, language: str | None = None, href: str | None = None) -> str:
    """Return the escaped HTML of one table cell, a link when the value is an IRI.

    ``href`` is where the link goes when that is not the IRI itself (this server's page about it).
    """
    if language:
        return f'<span lang="{html.escape(language, quote=True)}">{html.escape(text)}</span>'
    if iri is None:
        return html.escape(text)
    target = html.escape(href or iri, quote=True)
    return f'<a href="{target}" title="{html.escape(iri, quote=True)}">{html.escape(text)}</a>'


def serialize(result, media_type: str, *, base_iri: str | None = None) -> bytes:
    """Return a SELECT answer in a SPARQL result format or as a text table (not HTML)."""
    if media_type == TEXT:
        return text_table(result, base_iri=base_iri).encode("utf-8")
    return result.serialize(media_type)
