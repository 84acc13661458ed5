"""Our bindings sent along with a SERVICE group: an empty ``VALUES ?v { }`` inside it, filled from our graph.

pyoxigraph sends the group inside SERVICE as it is, without the solutions the rest of the query
has found (no bind join), so a group that should ask a large endpoint about a few of its resources
(CORDIS: the roles of the EURIO organisations our reviewed links name) would ask about all of
them. A saved federated query says which of its variables to send by writing an empty
``VALUES ?v { }`` in its SERVICE group. Before the query runs, the values of ``?v`` that the rest
of the query binds in our graph are looked up (the WHERE group without the SERVICE clause, its
parameter VALUES block included) and written into that block as serialised RDF terms. Engines do
the same when they send bindings with a SERVICE call. With no value the block stays empty, and the
group asks for nothing.

The text is read with the grammar's simple lexical rules (comments, strings and IRIs are skipped
when braces are matched); a saved query is project text, not user input.
"""

from __future__ import annotations

import logging
import re
from typing import Callable, Iterable

import pyoxigraph as ox

log = logging.getLogger(__name__)

#: Most values sent in one VALUES block (a longer list would make the request too large).
MAX_SENT_VALUES = 2000

_EMPTY_VALUES = re.compile(r"\bVALUES\s+[?$]([A-Za-z_][A-Za-z0-9_]*)\s*\{\s*\}", re.IGNORECASE)
_SERVICE = re.compile(r"\bSERVICE\b", re.IGNORECASE)
_WHERE = re.compile(r"\bWHERE\b", re.IGNORECASE)
_SELECT = re.compile(r"\bSELECT\b", re.IGNORECASE)


class ServiceValuesError(ValueError):
    """A saved query's text does not have the shape the VALUES filling needs."""


def empty_service_values(text: str) -> list[str]:
    """Return the variables whose empty VALUES block stands inside a SERVICE group of the text."""
    code = _blank_comments_and_strings(text)
    groups = [_group_after(code, match.end()) for match in _SERVICE.finditer(code)]
    return [match.group(1) for match in _EMPTY_VALUES.finditer(code)
            if any(start < match.start() < end for start, end in groups)]


def fill_service_values(text: str, select_terms: Callable[[str], Iterable[ox.NamedNode | ox.Literal]]) -> str:
    """Return the text with each empty VALUES block of a SERVICE group holding the values our graph binds."""
    variables = empty_service_values(text)
    for variable in variables:
        terms = sorted({str(term) for term in select_terms(local_query(text, variable))})
        if len(terms) > MAX_SENT_VALUES:
            log.warning("SERVICE group: %d values of ?%s, only the first %d are sent", len(terms), variable,
                        MAX_SENT_VALUES)
            terms = terms[:MAX_SENT_VALUES]
        if not terms:
            continue  # the block stays empty: the group asks for nothing
        code = _blank_comments_and_strings(text)
        match = next(m for m in _EMPTY_VALUES.finditer(code) if m.group(1) == variable)
        text = f"{text[:match.start()]}VALUES ?{variable} {{ {' '.join(terms)} }}{text[match.end():]}"
    return text


def local_query(text: str, variable: str) -> str:
    """Return ``SELECT DISTINCT ?variable`` over the text's WHERE group without its SERVICE clauses."""
    code = _blank_comments_and_strings(text)
    select = _SELECT.search(code)
    where = _WHERE.search(code, select.end()) if select else None
    if where is None:
        raise ServiceValuesError("a query that fills VALUES in SERVICE needs SELECT ... WHERE { ... }")
    start, end = _group_after(code, where.end())
    cuts = []
    for match in _SERVICE.finditer(code, start, end):
        _, group_end = _group_after(code, match.end())
        cuts.append((match.start(), group_end))
    body = text[start:end]
    for cut_start, cut_end in reversed(cuts):
        body = body[:cut_start - start] + body[cut_end - start:]
    return f"{text[:select.start()]}SELECT DISTINCT ?{variable} WHERE {body}\n"


def _group_after(code: str, position: int) -> tuple[int, int]:
    """Return the span of the brace group that opens first at or after a position."""
    opening = code.find("{", position)
    if opening < 0:
        raise ServiceValuesError("a SERVICE or WHERE keyword without a group")
    depth = 0
    for index in range(opening, len(code)):
        if code[index] == "{":
            depth += 1
        elif code[index] == "}":
            depth -= 1
            if depth == 0:
                return opening, index + 1
    raise ServiceValuesError("a group whose braces do not close")


_LEXICAL = re.compile(r'#[^\n]*|"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>')


def _blank_comments_and_strings(text: str) -> str:
    """Return the text with comments blanked and strings and IRIs filled, keeping every position.

    A comment becomes spaces; a string or an IRI becomes as many ``x`` (a term is still there,
    so ``VALUES ?v { <a> }`` is not read as empty, but its braces no longer count).
    """
    return _LEXICAL.sub(lambda match: (" " if match.group(0).startswith("#") else "x") * len(match.group(0)), text)
