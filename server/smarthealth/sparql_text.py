"""One reading of a SPARQL query or update text, made once and handed on.

``analyse_query`` and ``analyse_update`` turn a client's text into a ``SparqlText``: the text the
engine will run (codepoint escapes processed, comments blanked), its form, its dataset clauses, every
clause that could make the engine fetch something (SERVICE, LOAD) or select a dataset (FROM, USING),
and its size and nesting. The fetch policy judges those references, and the engine is given exactly
``SparqlText.text``: the text that was judged, so that the check and the engine cannot read two
different queries.

Why the text is rewritten before anything reads it:

- SPARQL 1.1 (section 19.2) processes ``\\u`` / ``\\U`` codepoint escapes before parsing, anywhere
  in the text; Oxigraph only inside strings and IRIs. ``'x\\u0027 ... SERVICE <...> ... # '`` is a
  string to one reader and a SERVICE call to the other. The escapes are expanded once, before the
  text is split into tokens, and a text whose expansion still holds an escape (``\\u005Cu0027``)
  is refused.
- A comment runs to the end of its line; readers that disagree on where a comment starts disagree
  on everything after it. Comments are replaced by spaces, so the engine never sees one.

The tokens (``sparql_tokens``) follow the grammar's terminals (section 19.8). Where Oxigraph reads
a text differently from the grammar, the text is refused rather than guessed at: Oxigraph matches
keywords as a case-insensitive prefix (``SERVICEfoo:`` is ``SERVICE foo:``, ``LOADSILENT:`` is
``LOAD SILENT :``), so a name that starts with a fetching keyword without being it is refused, and
so is a character that no terminal allows. Limits on tokens and nesting keep within what the engine can evaluate
without exhausting its stack (a worker crash); they are far above what real queries need.

Last, ``add_using_clauses`` and ``clear_silently`` rewrite an update, between its tokens, for the
protocol's graph parameters and for graphs the store does not hold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator
from urllib.parse import urljoin

from .errors import BadRequest
from .sparql_tokens import Token, every_token, expand_codepoint_escapes, line_and_column, tokens

#: Most tokens a query or update may have (a VALUES block of 40,000 values still fits).
MAX_TOKENS = 100_000
#: Deepest nesting of ``{ ( [ <<`` a query or update may have.
MAX_NESTING = 128
#: Characters read to find a query's form before it runs (enough for a long prologue).
FORM_SCAN_CHARACTERS = 16_000

FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
#: Keywords whose clause names an IRI that the engine fetches (SERVICE, LOAD) or that selects the
#: dataset (FROM, USING).
FETCHING = ("SERVICE", "LOAD")
DATASET = ("FROM", "USING")

_OPEN = {"{": "}", "(": ")", "[": "]", "<<": ">>", "<<(": ")>>", "{|": "|}"}
_CLOSE = {close for close in _OPEN.values()}
_PN_LOCAL_ESCAPE = re.compile(r"\\(.)")


@dataclass(frozen=True)
class Reference:
    """One clause that names an IRI the engine could fetch (SERVICE, LOAD) or a dataset graph."""

    clause: str  # "SERVICE", "LOAD", "FROM", "FROM NAMED", "USING", "USING NAMED"
    iri: str | None  # None for SERVICE ?variable
    silent: bool = False


@dataclass(frozen=True)
class SparqlText:
    """A query or update as the engine will run it, with what the policy needs to judge it."""

    text: str
    operation: str  # "query" | "update"
    form: str | None
    references: tuple[Reference, ...]
    tokens: tuple[Token, ...] = field(repr=False)
    depth: int = 0

    @property
    def services(self) -> list[str]:
        """Return the IRIs of the SERVICE clauses, in order, without repeats."""
        return list(dict.fromkeys(ref.iri for ref in self.references if ref.clause == "SERVICE" and ref.iri))

    @property
    def default_graphs(self) -> list[str]:
        """Return the IRIs of the FROM clauses (not FROM NAMED)."""
        return [ref.iri for ref in self.references if ref.clause == "FROM"]

    @property
    def named_graphs(self) -> list[str]:
        """Return the IRIs of the FROM NAMED clauses."""
        return [ref.iri for ref in self.references if ref.clause == "FROM NAMED"]

    @property
    def has_dataset_clause(self) -> bool:
        """Return whether the query has FROM or FROM NAMED clauses."""
        return any(ref.clause.startswith("FROM") for ref in self.references)


def analyse_query(text: str, base_iri: str | None = None) -> SparqlText:
    """Read a query once: expand escapes, blank comments, find its form and references; refuse what cannot be judged."""
    return _analyse(text, "query", base_iri)


def analyse_update(text: str, base_iri: str | None = None) -> SparqlText:
    """Read an update once, like analyse_query."""
    return _analyse(text, "update", base_iri)


def query_form(text: str) -> str | None:
    """Return the form keyword (SELECT, ASK, CONSTRUCT, DESCRIBE) of a query, read from its beginning only."""
    head = text[:FORM_SCAN_CHARACTERS]
    try:
        for token in every_token(expand_codepoint_escapes(head), complete=False):
            if token.keyword in FORMS:
                return token.keyword
    except BadRequest:
        return None
    return None


# -- the reading ----------------------------------------------------------------------------------


def _analyse(text: str, operation: str, base_iri: str | None) -> SparqlText:
    expanded = expand_codepoint_escapes(text)
    pieces: list[str] = []
    significant: list[Token] = []
    depth = max_depth = 0
    last_end = 0
    for token in every_token(expanded):
        if token.kind == "comment":
            pieces.append(expanded[last_end:token.start])
            pieces.append(" " * len(token.text))
            last_end = token.start + len(token.text)
            continue
        if token.kind == "ws":
            continue
        significant.append(token)
        if len(significant) > MAX_TOKENS:
            raise BadRequest(
                f"the {operation} has more than {MAX_TOKENS:,} tokens; split it into smaller ones",
                where=line_and_column(expanded, token.start),
            )
        if token.text in _OPEN:
            depth += 1
            if depth > MAX_NESTING:
                raise BadRequest(
                    f"the {operation} is nested more than {MAX_NESTING} levels deep "
                    "(braces, parentheses, brackets); this endpoint evaluates at most that",
                    where=line_and_column(expanded, token.start),
                )
            max_depth = max(max_depth, depth)
        elif token.text in _CLOSE:
            depth = max(depth - 1, 0)
    pieces.append(expanded[last_end:])
    engine_text = "".join(pieces)
    form = None
    if operation == "query":
        form = next((token.keyword for token in significant if token.keyword in FORMS), None)
    references = tuple(_references(significant, expanded, base_iri))
    return SparqlText(engine_text, operation, form, references, tuple(significant), max_depth)


def _references(tokens: list[Token], text: str, base_iri: str | None) -> Iterator[Reference]:
    """Yield the SERVICE, LOAD, FROM and USING clauses, resolving IRIs with the prologue in force."""
    prefixes: dict[str, str] = {}
    base = base_iri
    count = len(tokens)
    for index, token in enumerate(tokens):
        _refuse_keyword_prefix(token, text)
        keyword = token.keyword
        if keyword == "PREFIX" and index + 2 < count and tokens[index + 1].kind == "pname":
            if tokens[index + 2].kind == "iri":
                name = tokens[index + 1].text[:-1] if tokens[index + 1].text.endswith(":") else None
                if name is not None:
                    prefixes[name] = _resolve_iri(tokens[index + 2].text[1:-1], base)
        elif keyword == "BASE" and index + 1 < count and tokens[index + 1].kind == "iri":
            base = _resolve_iri(tokens[index + 1].text[1:-1], base)
        elif keyword in FETCHING or keyword in DATASET:
            yield _clause(tokens, index, text, prefixes, base)


def _clause(tokens: list[Token], index: int, text: str, prefixes: dict, base: str | None) -> Reference:
    """Read the clause that starts with the keyword at ``index``."""
    keyword = tokens[index].keyword
    modifier = "SILENT" if keyword in FETCHING else "NAMED"
    following = tokens[index + 1] if index + 1 < len(tokens) else None
    clause, silent = keyword, False
    if following is not None and following.text.upper().startswith(modifier):
        if following.keyword != modifier:
            raise BadRequest(
                f"{keyword} {following.text} is ambiguous: the engine reads it as {keyword} {modifier} "
                f"{following.text[len(modifier):]}; put a space after {modifier}",
                where=line_and_column(text, following.start),
            )
        if modifier == "NAMED":
            clause = f"{keyword} NAMED"
        silent = modifier == "SILENT"
        following = tokens[index + 2] if index + 2 < len(tokens) else None
    if following is not None and following.kind == "var" and keyword == "SERVICE":
        return Reference(clause, None, silent)
    if following is None or following.kind not in ("iri", "pname"):
        raise BadRequest(
            f"{keyword} must be followed by an IRI" + (" or a variable" if keyword == "SERVICE" else ""),
            where=line_and_column(text, tokens[index].start),
        )
    return Reference(clause, _term_iri(following, text, prefixes, base), silent)


def _refuse_keyword_prefix(token: Token, text: str) -> None:
    """Refuse a name that the engine would read as a fetching or dataset keyword followed by more."""
    if token.kind not in ("word", "pname"):
        return
    upper = token.text.upper()
    for keyword in FETCHING + DATASET:
        if upper.startswith(keyword) and upper != keyword:
            raise BadRequest(
                f"{token.text!r} starts with the keyword {keyword}, and the engine reads it as "
                f"{keyword} {token.text[len(keyword):]}; rename the prefix or put a space after {keyword}",
                where=line_and_column(text, token.start),
            )


def _term_iri(token: Token, text: str, prefixes: dict[str, str], base: str | None) -> str:
    """Return the absolute IRI an IRI token or prefixed name stands for."""
    if token.kind == "iri":
        return _resolve_iri(token.text[1:-1], base)
    prefix, _, local = token.text.partition(":")
    if prefix not in prefixes:
        raise BadRequest(f"undeclared prefix {prefix}:", where=line_and_column(text, token.start))
    return prefixes[prefix] + _PN_LOCAL_ESCAPE.sub(r"\1", local)


def _resolve_iri(iri: str, base: str | None) -> str:
    """Resolve a relative IRI against the base in force (RFC 3986)."""
    if re.match(r"[A-Za-z][A-Za-z0-9+.\-]*:", iri) or not base:
        return iri
    return urljoin(base, iri)


# -- rewriting an update for the protocol's graph parameters ------------------------------------


def add_using_clauses(update: str, using: list[str], using_named: list[str]) -> str:
    """Return an update whose DELETE/INSERT operations carry the protocol's USING graphs.

    The SPARQL 1.1 Protocol (2.2.3) makes ``using-graph-uri`` / ``using-named-graph-uri`` act as
    USING / USING NAMED on every operation; an update that names its own USING or WITH together
    with them is an error. The clauses go in between tokens, so no token changes.
    """
    if not using and not using_named:
        return update
    clauses = " ".join(
        [f"USING <{_check_iri(iri)}>" for iri in using] + [f"USING NAMED <{_check_iri(iri)}>" for iri in using_named]
    )
    insert_at = []
    previous = ""
    for token, depth in _with_depth(tokens(update)):
        keyword = token.keyword
        if depth == 0 and keyword in ("USING", "WITH"):
            raise BadRequest(
                "an update with its own USING or WITH clause cannot be combined with "
                "using-graph-uri or using-named-graph-uri"
            )
        # "DELETE WHERE { ... }" takes no USING; "INSERT/DELETE { ... } WHERE" does.
        if depth == 0 and keyword == "WHERE" and previous != "DELETE":
            insert_at.append(token.start)
        previous = keyword if depth == 0 else ""
    for position in reversed(insert_at):
        update = update[:position] + clauses + " " + update[position:]
    return update


def clear_silently(update: str) -> str:
    """Return an update whose CLEAR operations succeed on graphs the store does not hold.

    Oxigraph records graphs and fails a CLEAR of an unknown one; this endpoint treats every graph
    it does not hold as empty (as queries do), and clearing an empty graph is a no-op.
    """
    insert_at = []
    previous = ""
    for token, depth in _with_depth(tokens(update)):
        keyword = token.keyword
        if depth == 0 and previous == "CLEAR" and keyword != "SILENT":
            insert_at.append(token.start)
        previous = keyword if depth == 0 else ""
    for position in reversed(insert_at):
        update = update[:position] + "SILENT " + update[position:]
    return update


def _with_depth(token_list: list[Token]) -> Iterator[tuple[Token, int]]:
    """Yield each token with the brace depth it stands at."""
    depth = 0
    for token in token_list:
        if token.text == "{":
            depth += 1
        elif token.text == "}":
            depth -= 1
        yield token, depth


def _check_iri(iri: str) -> str:
    """Refuse a graph IRI that could break out of the IRI syntax."""
    if re.search(r"[<>\"{}|^`\\\s]", iri) or not iri:
        raise BadRequest(f"not a valid IRI: {iri!r}")
    return iri
