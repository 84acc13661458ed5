"""What travels between the remote store and an engine: credentials, and answers turned into QueryResults.

Answers are read into the same lossless wire formats as the embedded store's (SPARQL JSON,
N-Triples), with what an engine writes differently put right: Virtuoso's blank node labels
(``nodeID://b10000``, no valid label) and its booleans (``"1"^^xsd:boolean`` for the published
``"true"``).
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit, urlunsplit

import pyoxigraph as ox
from requests.auth import AuthBase, HTTPBasicAuth, HTTPDigestAuth

from .results import _SOLUTIONS_WIRE_FORMAT, _TRIPLES_WIRE_FORMAT, QueryResult


def public_url(url: str) -> str:
    """Return a URL without any user name or password in it (for messages and logs)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


class ChallengeAuth(AuthBase):
    """Answer the server's challenge with HTTP Digest (Virtuoso) or Basic (Fuseki, GraphDB)."""

    def __init__(self, user: str, password: str):
        self._digest = HTTPDigestAuth(user, password)
        self._basic = HTTPBasicAuth(user, password)
        self._basic_known = False  # once a server asked for Basic, send it with every request

    def __call__(self, request):
        if self._basic_known:
            return self._basic(request)
        # requests' digest handler answers a Digest challenge and leaves any other 401 alone,
        # for the hook below.
        request = self._digest(request)
        request.register_hook("response", self._answer_basic_challenge)
        return request

    def _answer_basic_challenge(self, response, **kwargs):
        challenge = response.headers.get("WWW-Authenticate", "").lower()
        if response.status_code != 401 or not challenge.startswith("basic"):
            return response
        self._basic_known = True
        retry = response.request.copy()
        retry.hooks["response"] = []
        response.content  # read the body so that the connection can be reused
        response.close()
        self._basic(retry)
        return response.connection.send(retry, **kwargs)


#: Graph media types some engines answer with that GRAPH_FORMATS does not list.
EXTRA_RDF_TYPES = {"text/plain": ox.RdfFormat.N_TRIPLES, "application/x-turtle": ox.RdfFormat.TURTLE,
                    "text/rdf+n3": ox.RdfFormat.TURTLE}

#: Characters a blank node label may not hold (pyoxigraph takes letters, digits, '_' and '-').
_NOT_IN_LABEL = re.compile(r"[^A-Za-z0-9_-]")


_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
#: Virtuoso keeps an xsd:boolean as a number and writes it back as "1" or "0"; publish always
#: writes the canonical "true" / "false", which is what the embedded store answers.
_CANONICAL_BOOLEANS = {"1": "true", "0": "false"}


def solutions_result(body: bytes, *, canonical_booleans: bool = False) -> QueryResult:
    """Return SPARQL JSON results as a QueryResult in the wire format, with valid blank node labels."""
    document = json.loads(body)
    if "boolean" in document:
        answer = bool(document["boolean"])
        return QueryResult("ask", boolean=answer, payload=json.dumps({"head": {}, "boolean": answer}).encode())
    for binding in document.get("results", {}).get("bindings", []):
        for value in binding.values():
            if value.get("type") == "bnode":
                value["value"] = "b" + _NOT_IN_LABEL.sub("_", value["value"])
            elif canonical_booleans and value.get("datatype") == _BOOLEAN:
                value["value"] = _CANONICAL_BOOLEANS.get(value["value"], value["value"])
    solutions = ox.parse_query_results(json.dumps(document).encode(), format=_SOLUTIONS_WIRE_FORMAT)
    variables = [variable.value for variable in solutions.variables]
    return QueryResult("select", variables=variables, payload=solutions.serialize(format=_SOLUTIONS_WIRE_FORMAT))


def graph_result(body: bytes, rdf_format: ox.RdfFormat, *, canonical_booleans: bool = False) -> QueryResult:
    """Return an RDF graph answer as a QueryResult in N-Triples."""
    triples = [quad.triple for quad in ox.parse(body, format=rdf_format)]
    if canonical_booleans:
        triples = [ox.Triple(t.subject, t.predicate, _canonical_boolean(t.object)) for t in triples]
    return QueryResult("graph", payload=ox.serialize(triples, format=_TRIPLES_WIRE_FORMAT))


def _canonical_boolean(term):
    if isinstance(term, ox.Literal) and term.datatype.value == _BOOLEAN and term.value in _CANONICAL_BOOLEANS:
        return ox.Literal(_CANONICAL_BOOLEANS[term.value], datatype=term.datatype)
    return term


def parses(sparql: str, what: str) -> bool:
    """Return whether rdflib's SPARQL 1.1 parser reads a query or update (asked only after a 400)."""
    from rdflib.plugins.sparql.algebra import translateQuery, translateUpdate
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    # The engine may have been sent pragmas ("define ...") before the client's text.
    text = re.sub(r"^(define [^\n]*\n)+", "", sparql)
    try:
        if what == "query":
            translateQuery(parseQuery(text))
        else:
            translateUpdate(parseUpdate(text))
    except Exception:  # pyparsing's ParseException, rdflib's bare Exception for an unknown prefix
        return False
    return True


def first_line(text: str) -> str:
    """Return the first non-empty line of an engine's error text, shortened."""
    line = next((line.strip() for line in text.splitlines() if line.strip()), "no reason given")
    return line[:300]
