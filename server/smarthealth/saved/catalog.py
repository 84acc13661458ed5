"""Load the saved queries (queries/*.rq): grlc decorators, parameters and the place of the bindings.

A saved query is a SPARQL file whose header lines start with ``#+`` and hold YAML (grlc's
decorators: summary, description, tags, method, defaults, pagination, enumerate). Parameters are
variables named in grlc's convention: ``?_name`` (required) or ``?__name`` (optional), with a type
suffix (``_iri``, ``_integer``, ``_en``, ...). The same folder therefore also works in grlc.

User values never enter the query text: each query gets, once at load time, the position right
after the ``{`` that opens its top-level WHERE group, where ``binding.py`` inserts a VALUES block
of serialised RDF terms.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import SmartHealthError
from .params import Parameter, parameter_from_variable

QUERY_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
SUPPORTED_METHODS = {"GET"}

# Tokens of a SPARQL query: comments, strings and IRIs are skipped so that a brace or a keyword
# inside them is never mistaken for syntax.
_TOKEN = re.compile(
    r"""
      (?P<comment>\#[^\n]*)
    | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
                 |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
    | (?P<iri><[^<>"{}|^`\\\s]*>)
    | (?P<variable>[?$][A-Za-z0-9_]+)
    | (?P<open>\{) | (?P<close>\})
    | (?P<word>[A-Za-z_][A-Za-z0-9_\-]*(?::[^\s{}()<>,;]*)?)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


class QueryNotFound(SmartHealthError):
    """No saved query has the requested name (HTTP 404)."""

    http_status = 404


class CatalogError(SmartHealthError):
    """A saved query file is malformed (its header, its parameters or its WHERE clause)."""


@dataclass(frozen=True)
class SavedQuery:
    """One saved query: its decorators, its parameters and its SPARQL text."""

    name: str
    summary: str
    description: str
    tags: tuple[str, ...]
    method: str
    params: tuple[Parameter, ...]
    text: str
    path: Path
    #: Offset in ``text`` right after the ``{`` opening the top-level WHERE group.
    values_offset: int
    pagination: int | None = None
    projection: tuple[str, ...] = field(default_factory=tuple)

    def param(self, name: str) -> Parameter | None:
        """Return the parameter with this API name, or None."""
        return next((p for p in self.params if p.name == name), None)


def load_catalog(queries_dir: Path) -> list[SavedQuery]:
    """Load every ``*.rq`` file of a folder, sorted by name; raise CatalogError on a bad file."""
    queries_dir = Path(queries_dir)
    if not queries_dir.is_dir():
        raise CatalogError(f"no queries folder at {queries_dir}")
    return [load_query(path) for path in sorted(queries_dir.glob("*.rq"))]


def find_query(catalog: list[SavedQuery], name: str) -> SavedQuery:
    """Return the saved query with this name, or raise QueryNotFound."""
    for query in catalog:
        if query.name == name:
            return query
    known = ", ".join(q.name for q in catalog)
    raise QueryNotFound(f"no saved query named {name!r}; known queries: {known}")


def load_query(path: Path) -> SavedQuery:
    """Parse one ``.rq`` file: its decorators, its parameters and the place of the bindings."""
    path = Path(path)
    name = path.stem
    where = str(path)
    if not QUERY_NAME.match(name):
        raise CatalogError("a query file name must be a lower-case slug", where=where)
    text = path.read_text(encoding="utf-8")
    header = _decorators(text, where)
    method = str(header.get("method", "GET")).upper()
    if method not in SUPPORTED_METHODS:
        raise CatalogError(f"method {method} is not supported (only GET)", where=where)
    summary = _required_text(header, "summary", where)
    description = str(header.get("description", summary)).strip()
    tags = tuple(str(tag) for tag in _as_list(header.get("tags"), "tags", where))
    defaults = _mapping_list(header.get("defaults"), "defaults", where)
    examples = _mapping_list(header.get("examples"), "examples", where)
    enumerate_values = _enumerations(header.get("enumerate"), where)
    pagination = header.get("pagination")
    if pagination is not None and (not isinstance(pagination, int) or pagination <= 0):
        raise CatalogError("pagination must be a positive integer", where=where)

    tokens = list(_tokens(text))
    params = _parameters(tokens, defaults, examples, enumerate_values, where)
    values_offset = _where_group_offset(tokens, where)
    if pagination and any(kind == "word" and value.upper() in ("LIMIT", "OFFSET")
                          for kind, value, _, _ in tokens):
        raise CatalogError("a paginated query must not have its own LIMIT or OFFSET", where=where)
    return SavedQuery(
        name=name,
        summary=summary,
        description=description,
        tags=tags,
        method=method,
        params=params,
        text=text,
        path=path,
        values_offset=values_offset,
        pagination=pagination,
        projection=_projection(tokens),
    )


def _decorators(text: str, where: str) -> dict:
    """Return the YAML of the ``#+`` header lines as a dict."""
    lines = [line[2:] for line in text.splitlines() if line.startswith("#+")]
    if not lines:
        raise CatalogError("no '#+' decorator header (summary, description, tags, ...)", where=where)
    try:
        header = yaml.safe_load(textwrap.dedent("\n".join(lines)))
    except yaml.YAMLError as error:
        raise CatalogError(f"the '#+' header is not valid YAML: {error}", where=where) from None
    if not isinstance(header, dict):
        raise CatalogError("the '#+' header must be a YAML mapping", where=where)
    return header


def _required_text(header: dict, key: str, where: str) -> str:
    value = header.get(key)
    if not isinstance(value, str) or not value.strip():
        raise CatalogError(f"the header needs a non-empty '{key}'", where=where)
    return value.strip()


def _as_list(value, key: str, where: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise CatalogError(f"'{key}' must be a YAML list", where=where)
    return value


def _mapping_list(value, key: str, where: str) -> dict[str, str]:
    """Turn grlc's ``- param: value`` list into a dict."""
    result: dict[str, str] = {}
    for item in _as_list(value, key, where):
        if not isinstance(item, dict) or len(item) != 1:
            raise CatalogError(f"each '{key}' item must be '- param: value'", where=where)
        (param, setting), = item.items()
        result[str(param)] = _header_text(setting)
    return result


def _header_text(value) -> str:
    """Return a header value as a user would type it (YAML reads ``true`` as a boolean)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _enumerations(value, where: str) -> dict[str, tuple[str, ...]]:
    """Turn grlc's ``enumerate`` list (``- param`` or ``- param: [values]``) into a dict."""
    result: dict[str, tuple[str, ...]] = {}
    for item in _as_list(value, "enumerate", where):
        if isinstance(item, dict) and len(item) == 1:
            (param, values), = item.items()
            result[str(param)] = tuple(_header_text(v) for v in _as_list(values, "enumerate", where))
        elif isinstance(item, str):
            # grlc fills these from the endpoint; the API lists the vocabulary's keys instead.
            result[item] = ()
        else:
            raise CatalogError("each 'enumerate' item must be '- param' or '- param: [values]'",
                               where=where)
    return result


def _tokens(text: str):
    """Yield (kind, text, start, brace depth before the token) for the tokens of a query."""
    depth = 0
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        before = depth
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth -= 1
        yield kind, match.group(), match.start(), before


def _parameters(tokens, defaults, examples, enumerate_values, where) -> tuple[Parameter, ...]:
    """Return the query's parameters, one per grlc-style variable name, in order of appearance."""
    found: dict[str, Parameter] = {}
    for kind, value, _, _ in tokens:
        if kind != "variable" or not value[1:].startswith("_"):
            continue
        variable = value[1:]
        parameter = parameter_from_variable(variable, where=where)
        previous = found.get(parameter.name)
        if previous is not None:
            if previous.variable != variable:
                raise CatalogError(
                    f"parameter {parameter.name!r} is written two ways: ?{previous.variable} "
                    f"and ?{variable}", where=where)
            continue
        found[parameter.name] = parameter.with_header(
            default=defaults.get(parameter.name),
            example=examples.get(parameter.name),
            enum=enumerate_values.get(parameter.name),
        )
    for key in list(defaults) + list(examples) + list(enumerate_values):
        if key not in found:
            raise CatalogError(f"the header names {key!r}, which is not a parameter of the query",
                               where=where)
    return tuple(found.values())


def _where_group_offset(tokens, where: str) -> int:
    """Return the offset right after the ``{`` that opens the top-level WHERE group."""
    seen_where = False
    for kind, value, start, depth in tokens:
        if depth != 0:
            continue
        if kind == "word" and value.upper() == "WHERE":
            seen_where = True
        elif kind == "open" and seen_where:
            return start + 1
    raise CatalogError("the query needs an explicit top-level 'WHERE {' clause", where=where)


def _projection(tokens) -> tuple[str, ...]:
    """Return the variables named between SELECT and WHERE at the top level (for documentation)."""
    names: list[str] = []
    inside = False
    nesting = 0
    for kind, value, _, depth in tokens:
        if depth != 0 or kind == "comment":
            continue
        word = value.upper() if kind == "word" else ""
        if word == "SELECT":
            inside = True
        elif word == "WHERE" or (kind == "open" and inside):
            break
        elif inside and kind == "other" and value in "()":
            nesting += 1 if value == "(" else -1
        elif inside and kind == "variable":
            # In "(expr AS ?v)" the projected name is the one right after AS.
            if nesting == 0 or (names and names[-1] == "AS"):
                if names and names[-1] == "AS":
                    names.pop()
                names.append(value[1:])
        elif inside and word == "AS":
            names.append("AS")
    return tuple(n for n in names if n != "AS")
