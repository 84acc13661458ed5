"""Checks that a query or update cannot make the server fetch anything.

pyoxigraph is built with an HTTP client: ``SERVICE`` and ``LOAD`` would fetch from the network or
read local files. So every query and update is parsed with rdflib's SPARQL parser first and
refused (400, naming the clause and the IRI) when it holds:

- ``SERVICE <iri>`` (or ``SERVICE ?variable``) whose IRI is not on the configured allow-list;
- ``LOAD <iri>`` whose IRI is not on the allow-list;
- ``FROM``, ``FROM NAMED``, ``USING`` or ``USING NAMED`` with an IRI of a fetchable scheme
  (http, https, file, ftp) that is not a stored named graph. Such a clause only selects stored
  graphs (Oxigraph never fetches a dataset IRI), so a stored graph's IRI is allowed whatever its
  scheme, and a ``urn:`` IRI is allowed as a plain dataset selector (unknown graphs are empty).

The allow-list is empty by default. Parsing costs a few milliseconds (and seconds for a text of a
megabyte, in the server process), so it is skipped when the text cannot hold any of those keywords
(no keyword substring, no SPARQL escape sequence). A text longer than MAX_PARSED_CHARACTERS is
parsed only if a token scan finds such a keyword, and then refused as too long to check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable

from pyparsing import ParseException
from rdflib.plugins.sparql.algebra import translatePrologue
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Variable

from ..errors import BadRequest
from ..federation.allowlist import is_allowed
from ..store import keywords

FETCHABLE_SCHEMES = ("http", "https", "file", "ftp")

# Any text holding one of the keywords, or a \u escape that could spell one, is parsed.
_NEEDS_PARSING = re.compile(r"service|load|from|using|\\u|\\U", re.IGNORECASE)
_CHECKED_KEYWORDS = {"SERVICE", "LOAD", "FROM", "USING"}

#: Longest text parsed with rdflib (pyparsing takes about 5 s per megabyte).
MAX_PARSED_CHARACTERS = 64_000


@dataclass(frozen=True)
class SafetyPolicy:
    """What a query may reach: the allow-list and a way to tell stored graphs."""

    service_allowlist: frozenset[str] = frozenset()
    is_stored_graph: Callable[[str], bool] = lambda iri: False


@dataclass(frozen=True)
class Reference:
    """One clause of a query or update that names an IRI the server could be asked to fetch."""

    clause: str  # "SERVICE", "LOAD", "FROM", "FROM NAMED", "USING", "USING NAMED"
    iri: str | None  # None for SERVICE ?variable


def needs_checking(sparql: str) -> bool:
    """Return whether a text may hold a SERVICE, LOAD, FROM or USING clause."""
    if not _NEEDS_PARSING.search(sparql):
        return False
    if len(sparql) <= MAX_PARSED_CHARACTERS:
        return True
    if "\\u" in sparql or "\\U" in sparql or any(
        word.upper() in _CHECKED_KEYWORDS for word in keywords(sparql)
    ):
        raise BadRequest(
            f"a query or update with SERVICE, LOAD, FROM or USING may be at most "
            f"{MAX_PARSED_CHARACTERS} characters long (this one has {len(sparql)})"
        )
    return False


def _parse(parser, sparql: str, what: str):
    try:
        return parser(sparql)
    except ParseException as error:
        raise BadRequest(f"malformed {what}: {_parser_message(error)}") from None
    except RecursionError:
        raise BadRequest(f"the {what} is nested too deeply to be checked") from None


def check_query(sparql: str, policy: SafetyPolicy, base_iri: str | None = None) -> list[Reference]:
    """Raise a BadRequest if a query could make the server fetch anything, else return its references."""
    if not needs_checking(sparql):
        return []
    parsed = _parse(parseQuery, sparql, "query")
    prologue = translatePrologue(parsed[0], base_iri)
    try:
        references = list(_references(parsed[1], prologue))
    except RecursionError:
        raise BadRequest("the query is nested too deeply to be checked") from None
    _enforce(references, policy)
    return references


def check_update(sparql: str, policy: SafetyPolicy, base_iri: str | None = None) -> None:
    """Raise a BadRequest if an update could make the server fetch anything."""
    if not needs_checking(sparql):
        return
    parsed = _parse(parseUpdate, sparql, "update")
    prologue = None
    references: list[Reference] = []
    # Each operation has its own prologue; prefixes declared earlier stay in force.
    for operation_prologue, operation in zip(parsed.prologue, parsed.get("request", [])):
        prologue = translatePrologue(operation_prologue, base_iri, None, prologue)
        try:
            references.extend(_references(operation, prologue))
        except RecursionError:
            raise BadRequest("the update is nested too deeply to be checked") from None
    _enforce(references, policy)


# Parse-tree node name -> (clause name for the user, key holding the IRI).
_SERVICE_NODES = {"ServiceGraphPattern": ("SERVICE", "term"), "Load": ("LOAD", "iri")}
_DATASET_NODES = {"DatasetClause": "FROM", "UsingClause": "USING"}


def _references(node, prologue) -> Iterable[Reference]:
    """Yield the SERVICE, LOAD and dataset clauses found anywhere under a parse-tree node."""
    if isinstance(node, CompValue):
        if node.name in _SERVICE_NODES:
            clause, key = _SERVICE_NODES[node.name]
            yield Reference(clause, _resolve(_child(node, key), prologue))
        elif node.name in _DATASET_NODES:
            clause = _DATASET_NODES[node.name]
            if "named" in node:
                yield Reference(f"{clause} NAMED", _resolve(_child(node, "named"), prologue))
            else:
                yield Reference(clause, _resolve(_child(node, "default"), prologue))
        children = node.values()
    elif isinstance(node, (list, tuple)) or hasattr(node, "asList"):
        children = node
    else:
        return
    for child in children:
        yield from _references(child, prologue)


def _child(node: CompValue, key: str):
    """Return a child of a parse-tree node, or None (CompValue.get answers a missing key oddly)."""
    return dict.get(node, key)


def _resolve(term, prologue) -> str | None:
    """Return the absolute IRI of a parsed IRI or prefixed name (None for a variable)."""
    if term is None or isinstance(term, Variable):
        return None
    try:
        resolved = prologue.absolutize(term)
    except Exception:  # an undeclared prefix: rdflib raises its own error type
        prefix = term.get("prefix") if isinstance(term, CompValue) else None
        raise BadRequest(f"malformed query: undeclared prefix {prefix or ''}:") from None
    return str(resolved)


def _enforce(references: Iterable[Reference], policy: SafetyPolicy) -> None:
    """Raise a BadRequest for the first reference the policy does not allow."""
    for reference in references:
        iri = reference.iri
        if reference.clause in ("SERVICE", "LOAD"):
            if iri is None:
                raise BadRequest(
                    "SERVICE with a variable is not allowed: this endpoint does not query other services"
                )
            if not is_allowed(iri, policy.service_allowlist):
                raise BadRequest(
                    f"{reference.clause} <{iri}> is not allowed: this endpoint does not fetch "
                    "data from other services or files"
                )
        elif _is_fetchable(iri) and not policy.is_stored_graph(iri):
            raise BadRequest(
                f"{reference.clause} <{iri}> is not allowed: it is not a graph of this dataset "
                "and the endpoint does not fetch remote or local documents"
            )


def _is_fetchable(iri: str | None) -> bool:
    scheme = (iri or "").split(":", 1)[0].lower()
    return scheme in FETCHABLE_SCHEMES


def _parser_message(error: ParseException) -> str:
    """Return rdflib's parse error as one line with line and column."""
    return f"{error.msg} at line {error.lineno}, column {error.col}"
