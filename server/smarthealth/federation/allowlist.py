"""The SERVICE allow-list: endpoint IRIs in one normal form, so that one endpoint written two ways matches.

``normalise_endpoint`` is pure (no network, no DNS): scheme and host lower-case, the scheme's
default port dropped, an empty path written ``/``, a trailing ``/`` after a non-empty path dropped,
percent-escapes upper-case. It refuses what an allow-list entry must never hold: user-info
(credentials would end up in logs and in the service description), a fragment (never sent to a
server, so two "different" entries would reach the same endpoint), a scheme other than http(s),
a missing host. The query string is kept as it is: it selects what an endpoint answers.
"""

from __future__ import annotations

import re
from typing import Iterable
from urllib.parse import urlsplit, urlunsplit

DEFAULT_PORTS = {"http": 80, "https": 443}
_PERCENT_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")
_SEPARATORS = re.compile(r"[\s,]+")
_FORBIDDEN_CHARACTERS = re.compile(r'[\s<>"{}|\\^`]')


def normalise_endpoint(iri: str) -> str:
    """Return the normal form of a SERVICE endpoint IRI, or raise ValueError naming the problem."""
    if not isinstance(iri, str) or not iri.strip():
        raise ValueError("an endpoint IRI must be a non-empty text")
    text = iri.strip()
    if _FORBIDDEN_CHARACTERS.search(text):
        raise ValueError(f"{text!r} holds a character that cannot be in an IRI (space, <, >, \", {{, }}, |, \\, ^ or `)")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as error:  # a port that is not a number, or out of range
        raise ValueError(f"{text!r} is not a valid endpoint IRI: {error}") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise ValueError(f"{text!r} is not an http:// or https:// IRI")
    if "@" in parts.netloc:
        raise ValueError(f"{text!r} holds user-info (a name or password before '@'); "
                         "credentials must not be part of an allow-listed IRI")
    if parts.fragment or text.endswith("#"):
        raise ValueError(f"{text!r} holds a fragment ('#...'), which is never sent to the endpoint")
    host = (parts.hostname or "").lower()
    if not host:
        raise ValueError(f"{text!r} has no host")
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    netloc = host if port is None or port == DEFAULT_PORTS[scheme] else f"{host}:{port}"
    path = _PERCENT_ESCAPE.sub(lambda match: match.group(0).upper(), parts.path)
    if path == "":
        path = "/"
    elif len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    return urlunsplit((scheme, netloc, path, parts.query, ""))


def parse_allowlist(values) -> frozenset[str]:
    """Return the normalised IRIs of comma- or space-separated texts (or lists of them); raise ValueError naming a bad entry."""
    entries: list[str] = []
    for value in _flatten(values):
        entries.extend(part for part in _SEPARATORS.split(value) if part)
    normalised = set()
    for entry in entries:
        try:
            normalised.add(normalise_endpoint(entry))
        except ValueError as error:
            raise ValueError(f"SERVICE allow-list entry {entry!r}: {error}") from None
    return frozenset(normalised)


def _flatten(values) -> Iterable[str]:
    """Yield the texts of a text, or of a (nested) list, tuple or set of texts."""
    if values is None:
        return
    if isinstance(values, str):
        yield values
        return
    if not isinstance(values, Iterable):
        raise ValueError(f"a SERVICE allow-list is a text or a list of texts, not {type(values).__name__}")
    for value in values:
        if not isinstance(value, str):
            if isinstance(value, Iterable):
                yield from _flatten(value)
                continue
            raise ValueError(f"SERVICE allow-list entry {value!r} is not a text")
        yield value


def is_allowed(iri: str, allowlist: frozenset[str]) -> bool:
    """Return whether a SERVICE or LOAD IRI is on a normalised allow-list (an IRI that cannot be normalised never is)."""
    try:
        return normalise_endpoint(iri) in allowlist
    except ValueError:
        return False


#: Environment variable of the allow-list (also read by ``create_app``).
ALLOWLIST_VARIABLE = "SMARTHEALTH_SERVICE_ALLOWLIST"


def allowlist_from_environment() -> frozenset[str]:
    """Return the normalised allow-list of SMARTHEALTH_SERVICE_ALLOWLIST (empty when unset)."""
    import os

    from ..errors import SmartHealthError

    try:
        return parse_allowlist(os.environ.get(ALLOWLIST_VARIABLE, ""))
    except ValueError as error:
        raise SmartHealthError(f"{ALLOWLIST_VARIABLE}: {error}") from None
