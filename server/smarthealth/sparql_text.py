"""Reading the text of a SPARQL query or update: tokens, keywords, form and dataset clauses."""

from __future__ import annotations

import re
from typing import Iterable

from .errors import BadRequest

_FROM = re.compile(r"from", re.IGNORECASE)


def has_several_from_clauses(sparql: str) -> bool:
    """Return whether a query has more than one ``FROM`` clause (not counting ``FROM NAMED``)."""
    if len(_FROM.findall(sparql)) < 2:  # most queries: no token scan
        return False
    words = [text.upper() for kind, text, _, depth in _tokens(sparql) if kind == "word" and depth == 0]
    from_clauses = sum(
        1 for word, following in zip(words, words[1:] + [""]) if word == "FROM" and following != "NAMED"
    )
    return from_clauses > 1


def dataset_clauses(sparql: str, base_iri: str | None = None) -> tuple[list[str], list[str]] | None:
    """Return the IRIs of a query's FROM and FROM NAMED clauses, or None if rdflib cannot parse it."""
    # Imported here: rdflib takes a while to import, and only queries with several FROM need it.
    from rdflib.plugins.sparql.algebra import translatePrologue
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        parsed = parseQuery(sparql)
        prologue = translatePrologue(parsed[0], base_iri)
        default_graphs, named_graphs = [], []
        for clause in dict.get(parsed[1], "datasetClause") or []:
            if "named" in clause:
                named_graphs.append(str(prologue.absolutize(dict.get(clause, "named"))))
            else:
                default_graphs.append(str(prologue.absolutize(dict.get(clause, "default"))))
    except Exception:  # pyparsing's ParseException, RecursionError, rdflib's bare Exception for a prefix
        return None  # pyoxigraph then reports the syntax error in its own words
    return default_graphs, named_graphs


_TOKEN = re.compile(
    r"""
      (?P<comment>\#[^\r\n]*)
    | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
                 |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<open>\{) | (?P<close>\})
    | (?P<word>[A-Za-z_][A-Za-z0-9_\-]*(?::[^\s{}()<>,;]*)?|[?$][A-Za-z0-9_]+)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


def _tokens(sparql: str) -> Iterable[tuple[str, str, int, int]]:
    """Yield (kind, text, start, brace depth) for the tokens of a query or update."""
    depth = 0
    for match in _TOKEN.finditer(sparql):
        kind = match.lastgroup
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth -= 1
        yield kind, match.group(), match.start(), depth


def keywords(sparql: str) -> Iterable[str]:
    """Yield the bare words (keywords, not prefixed names) of a query outside strings, IRIs and comments."""
    for kind, text, _, _ in _tokens(sparql):
        if kind == "word" and ":" not in text and text[0] not in "?$":
            yield text


def add_using_clauses(update: str, using: list[str], using_named: list[str]) -> str:
    """Return an update whose DELETE/INSERT operations carry the protocol's USING graphs.

    The SPARQL 1.1 Protocol (2.2.3) makes ``using-graph-uri`` / ``using-named-graph-uri`` act as
    USING / USING NAMED on every operation; an update that names its own USING or WITH together
    with them is an error.
    """
    clauses = "".join(f" USING <{_check_iri(iri)}>" for iri in using) + "".join(
        f" USING NAMED <{_check_iri(iri)}>" for iri in using_named
    )
    insert_at = []
    previous = ("", "")
    for kind, text, start, depth in _tokens(update):
        if kind == "comment" or (kind == "other" and text.isspace()):
            continue
        word = text.upper() if kind == "word" else ""
        if depth == 0 and word in ("USING", "WITH"):
            raise BadRequest(
                "an update with its own USING or WITH clause cannot be combined with "
                "using-graph-uri or using-named-graph-uri"
            )
        # "DELETE WHERE { ... }" takes no USING; "INSERT/DELETE { ... } WHERE" does.
        if depth == 0 and word == "WHERE" and previous != ("word", "DELETE"):
            insert_at.append(start)
        previous = (kind, word)
    for position in reversed(insert_at):
        update = update[:position] + clauses.strip() + " " + update[position:]
    return update


def clear_silently(update: str) -> str:
    """Return an update whose CLEAR operations succeed on graphs the store does not hold.

    Oxigraph records graphs and fails a CLEAR of an unknown one; this endpoint treats every graph
    it does not hold as empty (as queries do), and clearing an empty graph is a no-op.
    """
    insert_at = []
    previous = ""
    for kind, text, start, depth in _tokens(update):
        if kind == "comment" or (kind == "other" and text.isspace()):
            continue
        word = text.upper() if kind == "word" else ""
        if depth == 0 and previous == "CLEAR" and word != "SILENT":
            insert_at.append(start)
        previous = word if depth == 0 else ""
    for position in reversed(insert_at):
        update = update[:position] + "SILENT " + update[position:]
    return update


def _check_iri(iri: str) -> str:
    """Refuse a graph IRI that could break out of the IRI syntax."""
    if re.search(r"[<>\"{}|^`\\\s]", iri) or not iri:
        raise BadRequest(f"not a valid IRI: {iri!r}")
    return iri



def query_form(sparql: str) -> str | None:
    """Return the form keyword (SELECT, ASK, CONSTRUCT, DESCRIBE) a query starts with, if found."""
    for word in keywords(sparql):
        if word.upper() in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
            return word.upper()
    return None
