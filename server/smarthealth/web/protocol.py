"""The SPARQL 1.1 Protocol: reading a request into an operation, and choosing the answer's format.

Everything here is tables and small functions over a Flask request; the views in ``sparql.py``
only call them. References are to https://www.w3.org/TR/sparql11-protocol/.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from ..errors import BadRequest, NotAcceptable, PayloadTooLarge, UnsupportedMediaType

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"

#: Result kind -> media types the endpoint answers with, the default first.
MEDIA_TYPES = {
    "select": (
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    ),
    "ask": ("application/sparql-results+json", "application/sparql-results+xml"),
    "graph": (
        "text/turtle",
        "application/n-triples",
        "application/rdf+xml",
        "application/ld+json",
        "application/trig",
        "application/n-quads",
    ),
}

#: Result kind -> generic media types clients send, and the media type each stands for.
MEDIA_TYPE_ALIASES = {
    "select": {
        "application/json": "application/sparql-results+json",
        "application/xml": "application/sparql-results+xml",
        "text/xml": "application/sparql-results+xml",
    },
    "ask": {
        "application/json": "application/sparql-results+json",
        "application/xml": "application/sparql-results+xml",
        "text/xml": "application/sparql-results+xml",
    },
    "graph": {
        "application/json": "application/ld+json",
        "application/xml": "application/rdf+xml",
        "text/xml": "application/rdf+xml",
        "application/x-turtle": "text/turtle",
        "application/x-json+ld": "application/ld+json",
        "text/plain": "application/n-triples",
    },
}

#: Value of the ``format`` parameter -> media type per result kind ("results" = select and ask).
FORMAT_PARAMETER = {
    "json": {"results": "application/sparql-results+json", "graph": "application/ld+json"},
    "xml": {"results": "application/sparql-results+xml", "graph": "application/rdf+xml"},
    "csv": {"results": "text/csv"},
    "tsv": {"results": "text/tab-separated-values"},
    "turtle": {"graph": "text/turtle"},
    "ttl": {"graph": "text/turtle"},
    "nt": {"graph": "application/n-triples"},
    "ntriples": {"graph": "application/n-triples"},
    "rdfxml": {"graph": "application/rdf+xml"},
    "rdf+xml": {"graph": "application/rdf+xml"},
    "jsonld": {"graph": "application/ld+json"},
    "json-ld": {"graph": "application/ld+json"},
    "trig": {"graph": "application/trig"},
    "nq": {"graph": "application/n-quads"},
    "nquads": {"graph": "application/n-quads"},
}

#: Media types whose Content-Type carries ``charset=utf-8`` (JSON is UTF-8 by definition).
TEXTUAL_MEDIA_TYPES = {
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
    "text/turtle",
    "application/n-triples",
    "application/rdf+xml",
    "application/trig",
    "application/n-quads",
    "text/plain",
}

#: Parameters of each operation (2.1 query, 2.2 update); anything else is ignored.
QUERY_PARAMETERS = ("default-graph-uri", "named-graph-uri")
UPDATE_PARAMETERS = ("using-graph-uri", "using-named-graph-uri")


#: An absolute IRI (RFC 3987): a scheme, then no character that IRIs exclude.
_ABSOLUTE_IRI = re.compile(r'[A-Za-z][A-Za-z0-9+.\-]*:[^<>"{}|^`\\\x00-\x20]*')


@dataclass(frozen=True)
class Operation:
    """A SPARQL operation read from a request."""

    kind: str  # "query" | "update" | "description" (a GET with no operation)
    text: str = ""
    default_graph_uris: tuple[str, ...] = ()
    named_graph_uris: tuple[str, ...] = ()
    using_graph_uris: tuple[str, ...] = ()
    using_named_graph_uris: tuple[str, ...] = ()
    #: Values of the ``format`` parameter (clients such as SPARQLWrapper repeat it).
    format: tuple[str, ...] = ()


def content_type_header(media_type: str) -> str:
    """Return the Content-Type header value for a media type, with a charset where textual."""
    return f"{media_type}; charset=utf-8" if media_type in TEXTUAL_MEDIA_TYPES else media_type


def read_operation(request, max_bytes: int) -> Operation:
    """Read the SPARQL operation of a GET or POST request, or raise a protocol error."""
    if len(request.query_string) > max_bytes:
        raise PayloadTooLarge(f"the request URL is longer than {max_bytes} bytes")
    url_parameters = _parse_parameters(request.query_string, "the request URL")
    if request.method in ("GET", "HEAD"):  # HEAD: the same answer without its body
        return _read_get(url_parameters)
    media_type, _ = _content_type(request)
    if request.content_length is not None and request.content_length > max_bytes:
        raise PayloadTooLarge(f"the request body is larger than {max_bytes} bytes")
    body = request.get_data(cache=False)
    if len(body) > max_bytes:
        raise PayloadTooLarge(f"the request body is larger than {max_bytes} bytes")
    if media_type == FORM:
        return _read_form(url_parameters, _parse_parameters(body, "the request body"))
    if media_type in (SPARQL_QUERY, SPARQL_UPDATE):
        return _read_direct(media_type, url_parameters, _decode(body, "the request body"))
    raise UnsupportedMediaType(
        f"a POST needs Content-Type {FORM}, {SPARQL_QUERY} or {SPARQL_UPDATE}"
        + (f", not {media_type}" if media_type else "; the request has none")
    )


def _read_get(url_parameters: dict[str, list[str]]) -> Operation:
    """Read a query by GET (2.1.1), or a request for the service description."""
    if "update" in url_parameters:
        raise BadRequest("an update must be sent with POST, not GET")
    if "query" not in url_parameters:
        if any(url_parameters.get(name) for name in QUERY_PARAMETERS):
            raise BadRequest("missing 'query' parameter")
        return Operation("description", format=_formats(url_parameters))
    return _query(url_parameters)


def _read_form(url_parameters: dict[str, list[str]], body_parameters: dict[str, list[str]]) -> Operation:
    """Read a query or update sent as a URL-encoded form (2.1.2, 2.2.1)."""
    for name in ("query", "update"):
        if name in body_parameters and name in url_parameters:
            raise BadRequest(f"the '{name}' parameter is given both in the URL and in the body")
    parameters = _merge(url_parameters, body_parameters)
    if "query" in parameters and "update" in parameters:
        raise BadRequest("a request carries either 'query' or 'update', not both")
    if "query" in parameters:
        return _query(parameters)
    if "update" in parameters:
        return _update(parameters)
    raise BadRequest("missing 'query' or 'update' parameter in the form body")


def _read_direct(media_type: str, url_parameters: dict[str, list[str]], text: str) -> Operation:
    """Read a query or update sent directly as the request body (2.1.3, 2.2.2)."""
    name = "query" if media_type == SPARQL_QUERY else "update"
    for other in ("query", "update"):
        if other in url_parameters:
            raise BadRequest(
                f"a {media_type} request carries its {name} in the body, not a '{other}' "
                "parameter in the URL"
            )
    parameters = _merge(url_parameters, {name: [text]})
    return _query(parameters) if name == "query" else _update(parameters)


def _content_type(request) -> tuple[str, str | None]:
    """Return the request's media type and charset; refuse any charset but UTF-8 (2.1.2)."""
    media_type = (request.mimetype or "").lower()
    charset = request.mimetype_params.get("charset")
    if charset is not None and charset.lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(f"the request body must be UTF-8, not {charset}")
    return media_type, charset


def _decode(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadRequest(f"{where} is not valid UTF-8 (byte {error.start})") from None


def _parse_parameters(data: bytes, where: str) -> dict[str, list[str]]:
    """Parse URL-encoded parameters strictly as UTF-8, keeping repeated names in order."""
    text = _decode(data, where)
    try:
        pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise BadRequest(f"a parameter in {where} is not valid percent-encoded UTF-8") from None
    parameters: dict[str, list[str]] = {}
    for name, value in pairs:
        parameters.setdefault(name, []).append(value)
    return parameters


def _merge(*sources: dict[str, list[str]]) -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {}
    for source in sources:
        for name, values in source.items():
            merged.setdefault(name, []).extend(values)
    return merged


def _single(parameters: dict[str, list[str]], name: str) -> str | None:
    values = parameters.get(name, [])
    # The protocol asks for exactly one query or update string (2.1.4, 2.2.3), even a repeated one.
    if len(values) > 1:
        raise BadRequest(f"the '{name}' parameter is given {len(values)} times; give it once")
    return values[0] if values else None


def _formats(parameters: dict[str, list[str]]) -> tuple[str, ...]:
    return tuple(value for value in parameters.get("format", []) if value.strip())


def _graphs(parameters: dict[str, list[str]], name: str) -> tuple[str, ...]:
    values = tuple(value.strip() for value in parameters.get(name, []))
    for value in values:
        if not _ABSOLUTE_IRI.fullmatch(value):
            raise BadRequest(f"'{name}' is not an absolute IRI: {value!r}")
    return values


def _query(parameters: dict[str, list[str]]) -> Operation:
    text = _single(parameters, "query")
    if not text or not text.strip():
        raise BadRequest("the 'query' parameter is empty")
    for name in UPDATE_PARAMETERS:
        if parameters.get(name):
            raise BadRequest(f"'{name}' applies to updates; a query takes default-graph-uri / named-graph-uri")
    return Operation(
        "query",
        text,
        default_graph_uris=_graphs(parameters, "default-graph-uri"),
        named_graph_uris=_graphs(parameters, "named-graph-uri"),
        format=_formats(parameters),
    )


def _update(parameters: dict[str, list[str]]) -> Operation:
    text = _single(parameters, "update")
    if not text or not text.strip():
        raise BadRequest("the 'update' parameter is empty")
    for name in QUERY_PARAMETERS:
        if parameters.get(name):
            raise BadRequest(f"'{name}' applies to queries; an update takes using-graph-uri / using-named-graph-uri")
    return Operation(
        "update",
        text,
        using_graph_uris=_graphs(parameters, "using-graph-uri"),
        using_named_graph_uris=_graphs(parameters, "using-named-graph-uri"),
    )


def negotiate(kind: str, accept_header: str | None, format_parameter: tuple[str, ...] = ()) -> str:
    """Return the media type to answer a result of ``kind`` with, or raise NotAcceptable.

    The ``format`` parameter, for clients that cannot set headers, wins over Accept. Accept is
    read with its q-values; a tie goes to the order of MEDIA_TYPES.
    """
    offered = MEDIA_TYPES[kind]
    if format_parameter:
        return _from_format_parameter(kind, format_parameter)
    if not accept_header or not accept_header.strip():
        return offered[0]
    aliases = MEDIA_TYPE_ALIASES[kind]
    accept = parse_accept_header(accept_header, MIMEAccept)
    best = accept.best_match(list(offered) + list(aliases))
    if best is None:
        raise NotAcceptable(
            f"none of the media types in the Accept header can carry a {_KIND_NAMES[kind]}; "
            f"available: {', '.join(offered)}"
        )
    return aliases.get(best, best)


_KIND_NAMES = {"select": "SELECT result", "ask": "ASK result", "graph": "CONSTRUCT or DESCRIBE result"}


def _from_format_parameter(kind: str, values: tuple[str, ...] | str) -> str:
    """Return the media type the ``format`` values ask for; several values must agree."""
    if isinstance(values, str):
        values = (values,)
    media_types = {_media_type_of_format(kind, value) for value in values}
    if len(media_types) > 1:
        raise BadRequest(f"the 'format' values {', '.join(values)} ask for different formats")
    return media_types.pop()


def _media_type_of_format(kind: str, value: str) -> str:
    value = value.strip().lower()
    if "/" in value:  # media types, read like an Accept header ("a/b,c/d")
        return negotiate(kind, value)
    choices = FORMAT_PARAMETER.get(value)
    if choices is None:
        raise BadRequest(f"unknown format {value!r}; use one of {', '.join(FORMAT_PARAMETER)}")
    media_type = choices.get("graph" if kind == "graph" else "results")
    if media_type is None or media_type not in MEDIA_TYPES[kind]:
        raise NotAcceptable(f"format {value!r} cannot carry a {_KIND_NAMES[kind]}")
    return media_type


#: Media types of the service description and VoID, the default first.
DESCRIPTION_MEDIA_TYPES = ("text/turtle", "application/ld+json", "application/rdf+xml", "application/n-triples")


def negotiate_description(accept_header: str | None, format_parameter: tuple[str, ...] = ()) -> str:
    """Return the RDF media type for a description; Turtle when nothing better matches."""
    if format_parameter:
        media_type = _from_format_parameter("graph", format_parameter)
        return media_type if media_type in DESCRIPTION_MEDIA_TYPES else "text/turtle"
    if not accept_header:
        return DESCRIPTION_MEDIA_TYPES[0]
    aliases = MEDIA_TYPE_ALIASES["graph"]
    accept = parse_accept_header(accept_header, MIMEAccept)
    # A browser asking for HTML gets Turtle rather than a 406: the description is for reading.
    best = accept.best_match(list(DESCRIPTION_MEDIA_TYPES) + ["application/json", "application/xml"])
    return aliases.get(best, best) if best else DESCRIPTION_MEDIA_TYPES[0]


def prefers_html(accept_header: str | None) -> bool:
    """Return whether a client (a browser) prefers HTML to every RDF type of a description."""
    if not accept_header:
        return False
    accept = parse_accept_header(accept_header, MIMEAccept)
    html = max(accept.quality("text/html"), accept.quality("application/xhtml+xml"))
    # Only an explicit "text/html" counts: "*/*" alone would make every client a browser.
    explicit = any(value in ("text/html", "application/xhtml+xml") for value, _ in accept)
    return explicit and all(html > accept.quality(media_type) for media_type in DESCRIPTION_MEDIA_TYPES)
