"""N-ary statements of the curated files: stated figures and involvements (MODEL.md, Patterns)."""

from __future__ import annotations

import datetime
import hashlib
import re
from decimal import Decimal, InvalidOperation

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from ..errors import SourceError
from ..namespaces import CURRENCY, SMH, UNIT
from .iris import concept
from .provenance import SourceGraph
from .yamlio import LINE

FIGURE_FIELDS = {"measure", "value", "range", "date", "unit", "currency", "period", "qualifier", "scope",
                 "subsetOf", "category", "key", "quote", LINE}
INVOLVEMENT_FIELDS = {"agent", "in", "role", LINE}

# The measure scheme (ontology/vocabularies.ttl); a key outside it is a typo, caught at build time.
MEASURES = {
    "member-count", "organisation-count", "participant-count", "application-count", "selected-count",
    "project-count", "partner-count", "company-count", "research-institution-count", "region-count",
    "country-count", "mandate-count", "job-count", "meeting-count", "demo-case-count", "cluster-count",
    "renewal-count", "duration", "time-horizon", "annual-turnover", "share", "ratio", "start-date",
    "definition-date", "signature-date", "selection-date", "commitment-date", "end-date",
    "submission-date", "amount", "area", "count", "technology-readiness-level", "unexplained", "rank",
}
# Measures whose figures are levels of a scale, given as a range without a unit.
LEVEL_MEASURES = {"technology-readiness-level"}
QUALIFIERS = {"approximately", "nearly", "at-most", "at-least", "more-than"}
# The QUDT units figures may use (MODEL.md, unit table); counts default to unit:NUM. "not-stated"
# records that the source gives the number without a unit (smh:unitStated false), so none is guessed.
UNITS = {"NUM", "PERCENT", "YR", "MO", "DAY", "M2"}
UNIT_NOT_STATED = "not-stated"
CURRENCIES = {"EUR"}

# Shortcut property -> the involvement role it stands for; each use adds the n-ary node too.
SHORTCUT_ROLES = {
    SMH.coordinatedBy: "coordinator",
    SMH.participant: "partner",
    SMH.organisedBy: "organiser",
    SMH.coOrganisedWith: "co-organiser",
    SMH.fundedBy: "funder",
}
INVOLVEMENT_ROLES = {"lead", "coordinator", "partner", "supporter", "presenter", "organiser",
                     "co-organiser", "funder", "host", "initiator"}


def add_figures(sg: SourceGraph, terms, subject: URIRef, specs, place: str) -> None:
    """Add one smh:StatedFigure per spec of a record's ``figures:`` list, each citing its own quote."""
    if not isinstance(specs, list):
        raise SourceError("'figures' must be a list of figures", where=place)
    for spec in specs:
        _figure(sg, terms, subject, spec, place)


def _figure(sg: SourceGraph, terms, subject: URIRef, spec, place: str) -> URIRef:
    if not isinstance(spec, dict):
        raise SourceError(f"a figure is a mapping (measure, value or date, quote): {spec!r}", where=place)
    unknown = set(spec) - FIGURE_FIELDS
    if unknown:
        raise SourceError(f"unknown figure fields {sorted(unknown)}", where=place)
    measure = spec.get("measure")
    if measure not in MEASURES:
        raise SourceError(f"unknown figure measure {measure!r} (one of: {', '.join(sorted(MEASURES))})",
                          where=place)
    quote = spec.get("quote")
    if not isinstance(quote, str) or not quote.strip():
        raise SourceError(f"figure {measure} needs its own 'quote'", where=place)
    if sum(field in spec for field in ("value", "range", "date")) != 1:
        raise SourceError(f"figure {measure} needs exactly one of 'value', 'range' and 'date'", where=place)
    key = spec.get("key")
    if key is None:
        given = spec.get("value", spec.get("range", spec.get("date")))
        digest = hashlib.sha1(f"{sg.stem}\n{quote}\n{given}".encode()).hexdigest()
        key = f"{measure}--{digest[:8]}"
    node = sg.iris(f"figure/{sg.iris.key_of(subject)}--{key}")
    if (node, RDF.type, SMH.StatedFigure) in sg.graph:
        raise SourceError(f"figure {node} is stated twice; give one of them another 'key'", where=place)
    sg.add(node, RDF.type, SMH.StatedFigure)
    sg.add(node, SMH.figureOf, subject)
    sg.add(node, SMH.measure, concept("measure", measure))
    shown = _value(sg, node, spec, measure, place)
    qualifier = spec.get("qualifier")
    if qualifier is not None:
        if qualifier not in QUALIFIERS:
            raise SourceError(f"unknown qualifier {qualifier!r} (one of: {', '.join(sorted(QUALIFIERS))})",
                              where=place)
        sg.add(node, SMH.qualifier, concept("qualifier", qualifier))
        shown = f"{qualifier.replace('-', ' ')} {shown}"
    if "period" in spec:
        period = str(spec["period"])
        if not (len(period) == 4 and period.isdigit()):
            raise SourceError(f"figure period must be a year: {spec['period']!r}", where=place)
        sg.add(node, SMH.period, Literal(period, datatype=XSD.gYear))
    if "scope" in spec:
        sg.add(node, SMH.scope, Literal(str(spec["scope"]), lang="en"))
    if "subsetOf" in spec:
        sg.add(node, SMH.subsetOf, terms.resource(spec["subsetOf"], place))
    if "category" in spec:
        # The source's own category of what is counted (a helix role, a company size...).
        sg.add(node, SMH.classifiedAs, terms.resource(spec["category"], place))
    sg.add(node, RDFS.label, Literal(f"{measure.replace('-', ' ')} of {sg.iris.key_of(subject)}: {shown}",
                                     lang="en"))
    sg.cite(node, quote, where=place)
    return node


def _value(sg: SourceGraph, node: URIRef, spec: dict, measure: str, place: str) -> str:
    """Add the figure's value (number or range with unit or currency, or a date) and return it as shown."""
    if "date" in spec:
        literal = _date(spec["date"], place)
        sg.add(node, SMH.dateValue, literal)
        return str(literal)
    if "range" in spec:
        low, high = _range(spec["range"], measure, place)
        sg.add(node, SMH.minValue, Literal(low, datatype=XSD.integer))
        sg.add(node, SMH.maxValue, Literal(high, datatype=XSD.integer))
        shown = f"{low}-{high}"
        if measure in LEVEL_MEASURES:
            if "unit" in spec or "currency" in spec:
                raise SourceError(f"figure {measure} is a range of levels and has no unit", where=place)
            return shown
    elif measure in LEVEL_MEASURES:
        raise SourceError(f"figure {measure} is a range of levels: give 'range: [low, high]'", where=place)
    else:
        try:
            number = Decimal(str(spec["value"]))
        except InvalidOperation:
            raise SourceError(f"figure value is not a number: {spec['value']!r}", where=place) from None
        sg.add(node, SMH.numericValue, Literal(number, datatype=XSD.decimal))
        shown = f"{number}"
    if spec.get("unit") == UNIT_NOT_STATED:
        if "currency" in spec:
            raise SourceError(f"figure {measure} has a currency, so its unit is stated", where=place)
        sg.add(node, SMH.unitStated, Literal(False))
        return f"{shown} (unit not stated)"
    if "currency" in spec:
        if spec["currency"] not in CURRENCIES:
            raise SourceError(f"unknown currency {spec['currency']!r}", where=place)
        sg.add(node, SMH.currency, CURRENCY[spec["currency"]])
        return f"{shown} {spec['currency']}"
    unit = spec.get("unit") or ("PERCENT" if measure == "share" else
                                "NUM" if measure.endswith("count") or measure in {"ratio", "rank"} else None)
    if unit not in UNITS:
        raise SourceError(f"figure {measure} needs a unit (one of: {', '.join(sorted(UNITS))}, or "
                          f"{UNIT_NOT_STATED} where the source gives none) or a currency", where=place)
    sg.add(node, SMH.unit, UNIT[unit])
    return shown + ("" if unit == "NUM" else f" {unit}")


def _range(value, measure: str, place: str) -> tuple[int, int]:
    """Return the two whole numbers of a figure's ``range: [low, high]``, low not above high."""
    if not (isinstance(value, list) and len(value) == 2 and all(type(v) is int for v in value)):
        raise SourceError(f"figure {measure} range must be [low, high], two whole numbers: {value!r}", where=place)
    low, high = value
    if low > high:
        raise SourceError(f"figure {measure} range [{low}, {high}] has its low end above its high end", where=place)
    return low, high


def _date(value, place: str) -> Literal:
    if isinstance(value, datetime.date):
        return Literal(value.isoformat(), datatype=XSD.date)
    text = str(value)
    if len(text) == 4 and text.isdigit():
        return Literal(text, datatype=XSD.gYear)
    if len(text) == 7 and text[:4].isdigit() and text[4] == "-" and text[5:].isdigit() and 1 <= int(text[5:]) <= 12:
        return Literal(text, datatype=XSD.gYearMonth)
    if re.fullmatch(r"--(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])", text):
        return Literal(text, datatype=XSD.gMonthDay)  # a day the source gives without its year
    raise SourceError(f"figure date must be YYYY, YYYY-MM, YYYY-MM-DD or --MM-DD: {value!r}", where=place)


def involvement(sg: SourceGraph, *, agent: URIRef, target: URIRef, role: str, quote: str,
                where: str) -> URIRef:
    """Add an smh:Involvement of an agent in a project, event, use case or amount, with its role."""
    if role not in INVOLVEMENT_ROLES:
        raise SourceError(f"unknown involvement role {role!r} (one of: {', '.join(sorted(INVOLVEMENT_ROLES))})",
                          where=where)
    agent_key, target_key = sg.iris.key_of(agent), sg.iris.key_of(target)
    node = sg.iris(f"involvement/{agent_key}--{role}--{target_key}")
    sg.add(node, RDF.type, SMH.Involvement)
    sg.add(node, SMH.involvedAgent, agent)
    sg.add(node, SMH.involvedIn, target)
    sg.add(node, SMH.role, concept("membership-role", role))
    sg.add(node, RDFS.label, Literal(f"{agent_key} {role} of {target_key}", lang="en"))
    sg.cite(node, quote, where=where)
    return node


def add_involvement(sg: SourceGraph, terms, spec, quotes: list[str], place: str) -> tuple[URIRef, URIRef]:
    """Add the involvement of an ``involvement:`` record: the n-ary node only."""
    if not isinstance(spec, dict) or set(spec) - INVOLVEMENT_FIELDS or not {"agent", "in", "role"} <= set(spec):
        raise SourceError(f"involvement needs exactly agent, in and role: {spec!r}", where=place)
    agent = terms.resource(spec["agent"], place)
    target = terms.resource(spec["in"], place)
    node = involvement(sg, agent=agent, target=target, role=spec["role"], quote=quotes[0], where=place)
    for quote in quotes[1:]:
        sg.cite(node, quote, where=place)
    # No shortcut property here: their domains are narrower than an involvement's (smh:participant
    # is for projects only), so a record that wants one states it in props.
    return agent, target


__all__ = ["SHORTCUT_ROLES", "add_figures", "add_involvement", "involvement"]
