"""Parameters of saved queries: grlc's naming convention, typed parsing of values, short keys.

grlc reads a variable ``?_name_type`` (required) or ``?__name_type`` (optional); the type suffix is
``iri``, ``number``, ``literal``/``string`` (plain), an XSD datatype local name (``integer``,
``date``, ...) or a two-letter language tag (``en``). Values are parsed here into pyoxigraph terms
after a check of their lexical form; a value that fails is a BadRequest naming the parameter and
the expected type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox

from ..errors import BadRequest, SmartHealthError

XSD = "http://www.w3.org/2001/XMLSchema#"
SMHV = "https://w3id.org/smart-health/vocab/"

VARIABLE_NAME = re.compile(
    r"^(?P<required>_{1,2})(?P<name>[A-Za-z0-9]+)(?:_(?P<type>[A-Za-z0-9]+))?(?:_(?P<extra>[A-Za-z0-9]+))?$"
)

# XSD datatype local name -> (lexical pattern, what to tell a user who got it wrong).
XSD_LEXICAL = {
    "integer": (r"[+-]?[0-9]+", "an integer such as 3"),
    "nonNegativeInteger": (r"\+?[0-9]+", "a non-negative integer such as 3"),
    "positiveInteger": (r"\+?0*[1-9][0-9]*", "a positive integer such as 3"),
    "decimal": (r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)", "a decimal number such as 1.5"),
    "double": (r"[+-]?(([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?|INF|NaN)",
               "a floating-point number such as 1.5e6"),
    "boolean": (r"true|false|1|0", "true or false"),
    "date": (r"-?[0-9]{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(Z|[+-][0-9]{2}:[0-9]{2})?",
             "a date such as 2026-03-11"),
    "dateTime": (r"-?[0-9]{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T[0-9]{2}:[0-9]{2}:[0-9]{2}"
                 r"(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?", "a date-time such as 2026-03-11T09:00:00Z"),
    "gYear": (r"-?[0-9]{4,}(Z|[+-][0-9]{2}:[0-9]{2})?", "a year such as 2026"),
    "gYearMonth": (r"-?[0-9]{4,}-(0[1-9]|1[0-2])(Z|[+-][0-9]{2}:[0-9]{2})?",
                   "a year and month such as 2026-05"),
    "string": (r"(?s).*", "a string"),
}

#: IRI type names of grlc; "number" is a bare number, "literal"/"string" a plain string.
PLAIN_TYPES = {"literal", "string"}
LANGUAGE_TAG = re.compile(r"^[a-z]{2}$")

# Short keys. Parameter name -> IRI templates tried in order, relative to a namespace:
# "id" is the configurable instance base (MODEL.md "Instance IRIs"), "smhv" the vocabularies.
# "{KEY}" is the key upper-cased (NUTS codes), "{key}" the key as a lower-case slug.
SHORT_KEY_PATTERNS: dict[str, tuple[tuple[str, str], ...]] = {
    "region": (("id", "region/{KEY}"), ("id", "region/{key}")),
    "organisation": (("id", "organisation/{key}"),),
    "initiative": (("id", "initiative/{key}"),),
    "project": (("id", "project/{key}"),),
    "role": (("smhv", "helix-role/{key}"),),
    "theme": (("id", "theme/{key}"),),
    "level": (("smhv", "programme-level/{key}"),),
    "status": (("smhv", "status/{key}"),),
    "indicator": (("smhv", "indicator/{key}"),),
    "entity": (
        ("id", "region/{KEY}"), ("id", "region/{key}"), ("id", "organisation/{key}"),
        ("id", "initiative/{key}"), ("id", "project/{key}"), ("id", "use-case/{key}"),
        ("id", "programme/{key}"), ("id", "event/{key}"), ("id", "place/{key}"),
        ("id", "person/{key}"), ("id", "plan/{key}"), ("id", "policy-document/{key}"),
        ("id", "theme/{key}"), ("id", "topic/{key}"), ("id", "funding/{key}"),
    ),
}

#: What a short key of each kind looks like, for messages and the OpenAPI description.
KEY_HINTS = {
    "region": "a NUTS code such as BE2 (or the slug of a region without code), or a full IRI",
    "organisation": "an organisation key such as ku-leuven, or a full IRI",
    "initiative": "an initiative key such as smart-health-pilot, or a full IRI",
    "project": "a project key such as we-are, or a full IRI",
    "role": "a helix role: public-authority, research-academia, business, civil-society "
            "(or a narrower one: cluster, company, infrastructure, hospital, financing), or a full IRI",
    "theme": "a theme key such as data-digital-tech, or a full IRI",
    "level": "a programme level: eu, national, regional, interregional, or a full IRI",
    "status": "a status: running, planned, under-discussion, completed, held, tentative, or a full IRI",
    "indicator": "an indicator key such as population, or a full IRI",
    "entity": "the key of any instance (BE2, ku-leuven, s3p4pm, we-are, ...), a kind and key where "
              "a key names two things (project/regmed-xb, organisation/regmed-xb), or a full IRI",
}

# A full IRI as users type it: an absolute http(s) or urn IRI with none of the characters that
# the IRI grammar excludes (so it can never close the <...> it is written in).
IRI_PATTERN = r'(?:https?://|urn:)[^<>"{}|^`\\\s]+'
KEY_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_-]*"
FULL_IRI = re.compile(f"^{IRI_PATTERN}$")
KEY_SYNTAX = re.compile(f"^{KEY_PATTERN}$")
# "kind/key", e.g. project/regmed-xb: the key under one instance pattern only (where a bare key
# would name two things, such as the organisation and the programme RegMed XB).
KIND_KEY_SYNTAX = re.compile(f"^(?P<kind>[a-z][a-z-]*)/(?P<key>{KEY_PATTERN})$")
NUTS_LIKE = re.compile(r"^[A-Za-z]{2}[0-9A-Za-z]{0,3}$")


class ParameterError(BadRequest):
    """A parameter value is missing, unknown or not of the expected type (HTTP 400)."""


@dataclass(frozen=True)
class Parameter:
    """One parameter of a saved query, as grlc reads it from the variable name."""

    name: str
    variable: str
    required: bool
    type: str  # "iri" | "string" | "number" | "lang-literal" | "typed-literal"
    datatype: str | None = None
    lang: str | None = None
    default: str | None = None
    example: str | None = None
    enum: tuple[str, ...] | None = None

    @property
    def kind(self) -> str | None:
        """Return the short-key kind of an IRI parameter (its name), if short keys are known."""
        return self.name if self.type == "iri" and self.name in SHORT_KEY_PATTERNS else None

    @property
    def optional(self) -> bool:
        """Return whether the user may leave the parameter out (optional or with a default)."""
        return not self.required or self.default is not None

    @property
    def expected(self) -> str:
        """Describe the expected value in words, for messages and documentation."""
        if self.type == "iri":
            return KEY_HINTS.get(self.name, "a full IRI (http://, https:// or urn:)")
        if self.type == "lang-literal":
            return f"a text (read as a literal in language '{self.lang}')"
        if self.type == "typed-literal":
            local = self.datatype.removeprefix(XSD)
            return XSD_LEXICAL.get(local, (None, f"a literal of datatype {self.datatype}"))[1]
        if self.type == "number":
            return "a number such as 3 or 1.5"
        return "a text"

    def with_header(self, *, default, example, enum) -> "Parameter":
        """Return a copy with the header's default, example and enumeration."""
        return replace(self, default=default, example=example,
                       enum=tuple(enum) if enum is not None else None)


def parameter_from_variable(variable: str, *, where: str | None = None) -> Parameter:
    """Read grlc's convention from a variable name without the leading ``?``."""
    match = VARIABLE_NAME.match(variable)
    if not match:
        raise SmartHealthError(
            f"?{variable} looks like a parameter but does not follow grlc's '?_name_type' convention",
            where=where)
    name = match["name"]
    required = match["required"] == "_"
    type_code, extra = match["type"], match["extra"]
    if type_code is None or type_code in PLAIN_TYPES:
        return Parameter(name, variable, required, "string")
    if type_code == "iri":
        return Parameter(name, variable, required, "iri")
    if type_code == "number":
        return Parameter(name, variable, required, "number")
    if type_code in XSD_LEXICAL:
        return Parameter(name, variable, required, "typed-literal", datatype=XSD + type_code)
    if LANGUAGE_TAG.match(type_code) and extra is None:
        return Parameter(name, variable, required, "lang-literal", lang=type_code)
    raise SmartHealthError(
        f"?{variable}: unknown parameter type {type_code!r} (use iri, number, string, a language tag "
        f"or one of {', '.join(sorted(XSD_LEXICAL))})", where=where)


def candidate_iris(parameter: Parameter, value: str, *, base_iri: str) -> list[str]:
    """Return the IRIs a value may name: itself if a full IRI, else its short-key expansions."""
    if FULL_IRI.match(value):
        return [value]
    kind_key = KIND_KEY_SYNTAX.match(value)
    if parameter.kind is None or not (KEY_SYNTAX.match(value) or kind_key):
        raise ParameterError(
            f"parameter {parameter.name!r}: {value!r} is not a valid value; expected "
            f"{parameter.expected}")
    templates = SHORT_KEY_PATTERNS[parameter.kind]
    if kind_key:
        templates = tuple(t for t in templates if t[1].split("{", 1)[0] == kind_key["kind"] + "/")
        if not templates:
            raise ParameterError(
                f"parameter {parameter.name!r}: {value!r} is not a valid value; expected "
                f"{parameter.expected}")
        value = kind_key["key"]
    namespaces = {"id": base_iri if base_iri.endswith(("/", "#")) else base_iri + "/", "smhv": SMHV}
    iris: list[str] = []
    for namespace, template in templates:
        if "{KEY}" in template and not NUTS_LIKE.match(value):
            continue
        key = value.upper() if "{KEY}" in template else value.lower()
        iri = namespaces[namespace] + template.format(KEY=key, key=key)
        if iri not in iris:
            iris.append(iri)
    return iris


def short_key(parameter: Parameter, iri: str, *, base_iri: str) -> str | None:
    """Return the short key that expands to this IRI for the parameter, or None."""
    if parameter.kind is None:
        return None
    namespaces = {"id": base_iri if base_iri.endswith(("/", "#")) else base_iri + "/", "smhv": SMHV}
    for namespace, template in SHORT_KEY_PATTERNS[parameter.kind]:
        prefix = namespaces[namespace] + template.split("{", 1)[0]
        key = iri[len(prefix):] if iri.startswith(prefix) else ""
        if key and KEY_SYNTAX.match(key) and iri in candidate_iris(parameter, key, base_iri=base_iri):
            return key
    return None


def allowed_values(parameter: Parameter, *, base_iri: str) -> list[str]:
    """Return an enumerated parameter's values as users may write them: short keys, then IRIs."""
    values = list(parameter.enum or ())
    if parameter.type != "iri":
        return values
    keys = [short_key(parameter, iri, base_iri=base_iri) for iri in values]
    return [key for key in keys if key] + values


def literal_term(parameter: Parameter, value: str) -> ox.Literal:
    """Parse a non-IRI value into its typed literal, or raise ParameterError."""
    if parameter.type == "string":
        return ox.Literal(value)
    if parameter.type == "lang-literal":
        return ox.Literal(value, language=parameter.lang)
    if parameter.type == "number":
        text = value.strip()
        if re.fullmatch(XSD_LEXICAL["integer"][0], text):
            return ox.Literal(text, datatype=ox.NamedNode(XSD + "integer"))
        try:
            Decimal(text)
        except InvalidOperation:
            raise _wrong_type(parameter, value) from None
        if re.fullmatch(XSD_LEXICAL["decimal"][0], text):
            return ox.Literal(text, datatype=ox.NamedNode(XSD + "decimal"))
        raise _wrong_type(parameter, value)
    local = parameter.datatype.removeprefix(XSD)
    pattern = XSD_LEXICAL.get(local, (r"(?s).*",))[0]
    text = value.strip()
    if not re.fullmatch(pattern, text):
        raise _wrong_type(parameter, value)
    return ox.Literal(text, datatype=ox.NamedNode(parameter.datatype))


def _wrong_type(parameter: Parameter, value: str) -> ParameterError:
    return ParameterError(
        f"parameter {parameter.name!r}: {value!r} is not {parameter.expected}")
