"""Curated statements about the narrative parts of the documents (data/curated/*.yaml)."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD
from rdflib.util import from_n3

from ..errors import SourceError
from ..namespaces import COUNTRY, CURRENCY, SMH, bind_prefixes
from .iris import PATH_OF_CLASS
from .patterns import MEMBERSHIP_ROLES, membership
from .provenance import SourceGraph
from .registry import Registry
from .statements import SHORTCUT_ROLES, add_figures, add_involvement, involvement
from .yamlio import LINE, load_yaml, where

RECORD_FIELDS = {"id", "a", "label", "altLabels", "quote", "props", "amount", "membership", "involvement",
                 "figures", "note", LINE}
MEMBERSHIP_FIELDS = {"member", "organization", "role", "isMember", "period", "startDate", "label", LINE}
INSTANCE_PATH = re.compile(
    r"^(?:" + "|".join(sorted(set(PATH_OF_CLASS.values()) | {
        "membership", "observation", "theme", "topic", "source", "graph", "figure", "involvement",
        "category"})) + r")(?:/[A-Za-z0-9._-]+)*$"
)
LITERAL = re.compile(r'^"(?:[^"\\]|\\.)*"(?:@[a-z]{2,3}(?:-[A-Za-z0-9]+)*|\^\^[a-z][a-z0-9]*:[A-Za-z]+)?$')
# rdflib does not check these two calendar types; a typo must not slip into the graph.
CALENDAR_PATTERNS = {
    XSD.gYear: re.compile(r"^\d{4}$"),
    XSD.gYearMonth: re.compile(r"^\d{4}-(0[1-9]|1[0-2])$"),
}
PREFIXED = re.compile(r"^(?P<prefix>[a-z][a-z0-9]*):(?P<local>\S*)$")
ALLOWED_PREFIXES = {"smh", "smhv", "org", "m8g", "eurio", "oa", "nuts", "country", "currency", "lang",
                    "unit", "prov", "skos", "dcterms", "foaf", "xsd", "owl", "rdf", "rdfs", "id"}


@dataclass
class CuratedFile:
    """One curated file: the source document it speaks about and its records."""

    path: Path
    source: str
    records: list[dict]

    def emit(self, sg: SourceGraph, registry: Registry) -> None:
        """Add every record's statements, each citing its quote, to the source's graph."""
        terms = _TermReader(sg, registry)
        mentions: dict[URIRef, tuple] = {}
        described: set[URIRef] = set()
        for record in self.records:
            label = (record.get("id") or "membership") if isinstance(record, dict) else "?"
            place = f"{where(self.path, record)} (record {label})"
            quotes = _quotes(record, place)
            if "membership" in record:
                _membership(sg, terms, record["membership"], quotes, place, mentions)
                continue
            if "involvement" in record:
                for iri in add_involvement(sg, terms, record["involvement"], quotes, place):
                    mentions.setdefault(iri, (quotes[0], place))
                continue
            if "id" not in record:
                raise SourceError("record needs 'id' (or 'membership')", where=place)
            subject = terms.resource(record["id"], place)
            if str(subject).startswith(str(COUNTRY)):
                # A country of the EU authority table is not described here; only figures about it.
                if set(record) - {"id", "quote", "figures", LINE}:
                    raise SourceError("a record about a country (country:XXX) holds only figures", where=place)
                add_figures(sg, terms, subject, record.get("figures") or [], place)
                continue
            described.add(subject)
            entity = terms.entity_of(record["id"])
            classes = [terms.resource(c, place) for c in _as_list(record.get("a"))]
            if entity is not None:
                registry.emit(sg, entity, quote=quotes[0], where=place)
            elif not classes and (subject, RDF.type, None) not in sg.graph:
                raise SourceError("record needs a class ('a:')", where=place)
            for class_iri in classes:
                sg.add(subject, RDF.type, class_iri)
            _labels(sg, subject, record.get("label"), place)
            for alt in _as_list(record.get("altLabels")):
                sg.add(subject, SKOS.altLabel, Literal(str(alt)))
            for quote in quotes:
                sg.cite(subject, quote, where=place)
            if "amount" in record:
                sg.add(subject, SMH.amount, _decimal(record["amount"], place))
                sg.add(subject, SMH.currency, CURRENCY.EUR)
            if "figures" in record:
                add_figures(sg, terms, subject, record["figures"], place)
            if "note" in record:
                sg.add(subject, RDFS.comment, Literal(str(record["note"]), lang="en"))
            props = record.get("props") or {}
            if not isinstance(props, dict):
                raise SourceError("'props' must be a mapping of predicate -> value(s)", where=place)
            for predicate_text, values in props.items():
                if predicate_text == LINE:
                    continue
                predicate = terms.resource(predicate_text, place)
                for value in _as_list(values):
                    obj = terms.value(value, place)
                    sg.add(subject, predicate, obj)
                    if predicate in SHORTCUT_ROLES:
                        # The shortcut stands for an n-ary involvement with its role and quote.
                        involvement(sg, agent=obj, target=subject, role=SHORTCUT_ROLES[predicate],
                                    quote=quotes[0], where=place)
                    if isinstance(obj, URIRef):
                        mentions.setdefault(obj, (quotes[0], place))
        for iri, (quote, place) in sorted(mentions.items()):
            entity = terms.entities_by_iri.get(iri)
            if entity is not None and iri not in described and (iri, RDF.type, None) not in sg.graph:
                # An entity this document only mentions still gets its type, labels and a quote here.
                registry.emit(sg, entity, quote=quote, where=place)


class _TermReader:
    """Turn the YAML spellings of IRIs and literals into RDF terms."""

    def __init__(self, sg: SourceGraph, registry: Registry):
        self.registry = registry
        self.iris = sg.iris
        graph = Graph()
        bind_prefixes(graph)
        graph.bind("id", sg.iris.base, override=True)
        self.namespaces = graph.namespace_manager
        self.entities_by_iri = {registry.iri(e): e for e in registry.entities.values()}

    def entity_of(self, text):
        if isinstance(text, str) and text.startswith("@"):
            return self.registry.get(text[1:], where="")
        return None

    def resource(self, text, place: str) -> URIRef:
        if not isinstance(text, str):
            raise SourceError(f"expected an IRI, got {text!r}", where=place)
        if text.startswith("@"):
            return self.registry.iri(self.registry.get(text[1:], where=place))
        if INSTANCE_PATH.match(text):
            return self.iris(text)
        match = PREFIXED.match(text)
        if match and match["prefix"] in ALLOWED_PREFIXES:
            return URIRef(from_n3(text, nsm=self.namespaces))
        if text == "a":
            return RDF.type
        raise SourceError(f"not an IRI: {text!r} (use @key, an id path like project/x, or prefix:name)",
                          where=place)

    def value(self, value, place: str):
        if isinstance(value, bool):
            return Literal(value)
        if isinstance(value, int):
            return Literal(value, datatype=XSD.integer)
        if isinstance(value, float):
            return Literal(Decimal(repr(value)), datatype=XSD.decimal)
        if isinstance(value, datetime.date):
            return Literal(value.isoformat(), datatype=XSD.date)
        if isinstance(value, dict):
            if set(value) - {"en", "nl", LINE}:
                raise SourceError(f"a language map has only en/nl keys: {value!r}", where=place)
            raise SourceError("give one language-tagged literal per value: '\"text\"@en'", where=place)
        if not isinstance(value, str):
            raise SourceError(f"unsupported value {value!r}", where=place)
        if value.startswith('"'):
            if not LITERAL.match(value):
                raise SourceError(f"malformed literal {value!r}: write '\"text\"@en' or "
                                  f"'\"value\"^^xsd:type'", where=place)
            try:
                literal = from_n3(value, nsm=self.namespaces)
            except Exception as error:  # rdflib's parser raises assorted types
                raise SourceError(f"malformed literal {value!r}: {error}", where=place) from None
            pattern = CALENDAR_PATTERNS.get(literal.datatype)
            if getattr(literal, "ill_typed", False) or (pattern and not pattern.match(str(literal))):
                raise SourceError(f"literal {value!r} is not a valid value of its datatype", where=place)
            return literal
        if value.startswith("@") or INSTANCE_PATH.match(value) or (
            PREFIXED.match(value) and PREFIXED.match(value)["prefix"] in ALLOWED_PREFIXES
        ):
            return self.resource(value, place)
        return Literal(value, lang="en")


def _quotes(record, place: str) -> list[str]:
    if not isinstance(record, dict):
        raise SourceError("a record must be a mapping", where=place)
    unknown = set(record) - RECORD_FIELDS
    if unknown:
        raise SourceError(f"unknown record fields {sorted(unknown)}", where=place)
    quotes = _as_list(record.get("quote"))
    if not quotes or not all(isinstance(q, str) and q.strip() for q in quotes):
        raise SourceError("record needs a non-empty 'quote' (verbatim passage of its document)", where=place)
    return quotes


def _labels(sg: SourceGraph, subject: URIRef, label, place: str) -> None:
    if label is None:
        return
    if isinstance(label, str):
        label = {"en": label}
    if not isinstance(label, dict) or set(label) - {"en", "nl", LINE}:
        raise SourceError("label must be a string or {en: ..., nl: ...}", where=place)
    for lang in ("en", "nl"):
        if lang in label:
            sg.add(subject, RDFS.label, Literal(str(label[lang]), lang=lang))


def _membership(sg, terms: _TermReader, spec, quotes, place, mentions) -> None:
    if not isinstance(spec, dict) or set(spec) - MEMBERSHIP_FIELDS:
        raise SourceError(f"membership needs member, organization, role (isMember, period): {spec!r}",
                          where=place)
    for needed in ("member", "organization", "role"):
        if needed not in spec:
            raise SourceError(f"membership lacks {needed!r}", where=place)
    if spec["role"] not in MEMBERSHIP_ROLES:
        raise SourceError(f"unknown membership role {spec['role']!r}", where=place)
    member = terms.resource(spec["member"], place)
    organisation = terms.resource(spec["organization"], place)
    node = membership(sg, member=member, organisation=organisation, role=spec["role"],
                      is_member=bool(spec.get("isMember", True)), quote=quotes[0], where=place,
                      period=str(spec["period"]) if spec.get("period") else None, label=spec.get("label"))
    for quote in quotes[1:]:
        sg.cite(node, quote, where=place)
    if spec.get("startDate"):
        sg.add(node, SMH.startDate, terms.value(spec["startDate"], place))
    mentions.setdefault(member, (quotes[0], place))
    mentions.setdefault(organisation, (quotes[0], place))


def _decimal(value, place: str) -> Literal:
    try:
        return Literal(Decimal(str(value)), datatype=XSD.decimal)
    except ArithmeticError:
        raise SourceError(f"amount is not a number: {value!r}", where=place) from None


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def load_curated_files(curated_dir: Path, *, exclude: set[str]) -> list[CuratedFile]:
    """Load every curated file (but the registry and the source list), checking its shape."""
    files = []
    for path in sorted(curated_dir.glob("*.yaml")):
        if path.name in exclude:
            continue
        data = load_yaml(path)
        if not isinstance(data, dict) or not isinstance(data.get("source"), str):
            raise SourceError("a curated file starts with 'source: <file stem>'", where=str(path))
        records = data.get("records")
        if not isinstance(records, list):
            raise SourceError("a curated file has 'records:' with a list of records", where=str(path))
        files.append(CuratedFile(path=path, source=data["source"], records=records))
    return files


__all__ = ["CuratedFile", "load_curated_files"]
