"""The tokens of a SPARQL text: the grammar's terminals (SPARQL 1.1 section 19.8), after codepoint escapes.

``every_token`` splits a text into terminals, white space and comments included, and refuses a
character that no terminal allows; ``expand_codepoint_escapes`` processes ``\\u`` / ``\\U``
escapes as section 19.2 says, before anything reads the text. What the tokens mean (form, dataset
clauses, references) is read from them in ``sparql_text``.
"""

from __future__ import annotations

import re
from typing import Iterator, NamedTuple

from .errors import BadRequest

# -- terminals (SPARQL 1.1 section 19.8) ---------------------------------------------------------

_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_PN_CHARS_U = _PN_CHARS_BASE + "_"
_PN_CHARS = _PN_CHARS_U + r"\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_PREFIX = rf"[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"
_PN_LOCAL = (
    rf"(?:[{_PN_CHARS_U}:0-9]|{_PLX})"
    rf"(?:(?:[{_PN_CHARS}.:]|{_PLX})*(?:[{_PN_CHARS}:]|{_PLX}))?"
)
_VARNAME = rf"[{_PN_CHARS_U}0-9][{_PN_CHARS_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*"
_ECHAR = r"\\[tbnrf\\\"']"
_EXPONENT = r"[eE][+-]?[0-9]+"

_TOKEN = re.compile(
    r"""
      (?P<ws>[\x20\x09\x0d\x0a]+)
    | (?P<comment>\#[^\r\n]*)
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<string>'''(?:(?:'|'')?(?:[^'\\]|ECHAR))*'''
               |\"\"\"(?:(?:"|"")?(?:[^"\\]|ECHAR))*\"\"\"
               |'(?:[^'\\\n\r]|ECHAR)*'
               |"(?:[^"\\\n\r]|ECHAR)*")
    | (?P<var>[?$]VARNAME)
    | (?P<bnode>_:[PN_CHARS_U0-9](?:[PN_CHARS.]*[PN_CHARS])?)
    | (?P<langtag>@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*)
    | (?P<number>[0-9]+\.[0-9]*EXPONENT|\.[0-9]+EXPONENT|[0-9]+EXPONENT
               |[0-9]*\.[0-9]+|[0-9]+)
    | (?P<pname>(?:PN_PREFIX)?:(?:PN_LOCAL)?)
    | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<punct>\^\^|<=|>=|!=|&&|\|\||<<\(|\)>>|<<|>>|\{\||\|\}|[{}()\[\];,.*+\-/!=<>|^?~])
    """
    # Terminal names, longest first so that PN_CHARS_U is not replaced inside PN_CHARS_U's own use.
    .replace("PN_PREFIX", _PN_PREFIX)
    .replace("PN_LOCAL", _PN_LOCAL)
    .replace("VARNAME", _VARNAME)
    .replace("PN_CHARS_U", _PN_CHARS_U)
    .replace("PN_CHARS", _PN_CHARS)
    .replace("ECHAR", _ECHAR)
    .replace("EXPONENT", _EXPONENT),
    re.VERBOSE,
)

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


class Token(NamedTuple):
    """One terminal of the text: its kind (a group name of _TOKEN), text and offset."""

    # A named tuple rather than a frozen dataclass: a query has thousands of tokens, read in the
    # query worker before each query, and a tuple is made four times faster.
    kind: str
    text: str
    start: int

    @property
    def keyword(self) -> str:
        """Return the upper-cased text of a bare word, else an empty string."""
        return self.text.upper() if self.kind == "word" else ""


def tokens(text: str) -> list[Token]:
    """Return the tokens of a text (comments and white space left out)."""
    return [token for token in every_token(text) if token.kind not in ("ws", "comment")]


def expand_codepoint_escapes(text: str) -> str:
    """Replace ``\\uXXXX`` and ``\\UXXXXXXXX`` by their characters, once, as SPARQL 1.1 section 19.2 says."""
    if "\\u" not in text and "\\U" not in text:
        return text

    def character(match: re.Match) -> str:
        code = int(match.group(1) or match.group(2), 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise BadRequest(
                f"{match.group()} is not a character (surrogate or beyond U+10FFFF)",
                where=line_and_column(text, match.start()),
            )
        return chr(code)

    expanded = _ESCAPE.sub(character, text)
    leftover = re.search(r"\\[uU]", expanded)
    if leftover:
        raise BadRequest(
            "a codepoint escape spells another escape sequence (as \\u005Cu0027 does); "
            "write the character itself",
            where=line_and_column(expanded, leftover.start()),
        )
    return expanded


def every_token(text: str, complete: bool = True) -> Iterator[Token]:
    """Yield every token of a text, white space and comments included; refuse a character no terminal allows."""
    position = 0
    # finditer finds each token where the previous one ended, unless a character no terminal
    # allows is in between: the gap is where the text is refused.
    for match in _TOKEN.finditer(text):
        if match.start() != position:
            break
        yield Token(match.lastgroup, match.group(), position)
        position = match.end()
    if position < len(text):
        if not complete:
            return
        raise BadRequest(
            f"unexpected character {text[position]!r} (not allowed here by the SPARQL grammar)",
            where=line_and_column(text, position),
        )


def line_and_column(text: str, offset: int) -> str:
    """Return 'line L, column C' of an offset (1-based), for error messages."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"line {line}, column {column}"
