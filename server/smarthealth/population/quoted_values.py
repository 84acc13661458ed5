"""Whether a quoted number or date is also data: a typed value of a node that cites the passage."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, XSD

from ..namespaces import OA, SMH

DATE_TYPES = (XSD.date, XSD.gYear, XSD.gYearMonth, XSD.gMonthDay)
# The word after a number that multiplies it ("4,8 miljoen euro" is the amount 4800000).
SCALE = {"miljoen": 10**6, "million": 10**6, "miljard": 10**9, "billion": 10**9}
MONTHS = {name: number for number, names in enumerate((
    ("january", "januari"), ("february", "februari"), ("march", "maart"), ("april",), ("may", "mei"),
    ("june", "juni"), ("july", "juli"), ("august", "augustus"), ("september",), ("october", "oktober"),
    ("november",), ("december",)), start=1) for name in names}
DUTCH = URIRef("http://publications.europa.eu/resource/authority/language/NLD")


class QuotedValues:
    """The typed values behind each quoted passage of one document, to judge its numbers and dates."""

    def __init__(self, graph: Graph, stem: str, spans_of) -> None:
        """Collect, per passage span of the document, the values of the nodes that cite the passage."""
        self.spans: list[tuple[int, int, set[Decimal]]] = []
        self.dutch = False
        for quotation in graph.subjects(RDF.type, SMH.Quotation):
            source = graph.value(quotation, OA.hasSource)
            if not str(source).endswith(f"/source/{stem}"):
                continue
            self.dutch = self.dutch or (source, DCTERMS.language, DUTCH) in graph
            exact = graph.value(graph.value(quotation, OA.hasSelector), OA.exact)
            values = set()
            for node in graph.subjects(PROV.wasDerivedFrom, quotation):
                values |= _typed_values(graph, node)
            self.spans += [(start, end, values) for start, end in spans_of(str(exact))]

    def is_data(self, item, text: str) -> bool:
        """Say whether a typed value of a node citing a passage around the item states the item."""
        values = set()
        for start, end, found in self.spans:
            if start <= item.start and item.end <= end:
                values |= found
        return bool(_readings(item, text, self.dutch) & values)


def _typed_values(graph: Graph, node) -> set[Decimal]:
    """Return the numbers of a node's typed literals (a date gives its year, month and day)."""
    values = set()
    for value in graph.objects(node, None):
        if not isinstance(value, Literal) or value.language or value.datatype == RDF.langString:
            continue
        if value.datatype in DATE_TYPES or value.datatype in (None, XSD.string):
            # A date's parts; a plain string (a project number) as its digits.
            values |= {Decimal(part) for part in re.findall(r"\d+", str(value))}
            continue
        try:
            values.add(Decimal(str(value)))
        except InvalidOperation:
            continue
    return values


def _readings(item, text: str, dutch: bool) -> set[Decimal]:
    """Return the values the item can mean: a number with its scale, a date's year or month."""
    if item.kind == "date":
        words = item.text.lower().split()
        years = re.findall(r"\b\d{4}\b", item.text)
        if years:
            return {Decimal(year) for year in years}
        days = [int(w) for w in re.findall(r"\b\d{1,2}\b", item.text)]
        # The deck's "April 24" is April 2024: a two-digit number after a month is its year.
        found = {Decimal(2000 + day) for day in days} | {Decimal(day) for day in days}
        return found | {Decimal(MONTHS[w]) for w in words if w in MONTHS}
    raw = item.text.replace("%", "").strip()
    # "20 000 individuen": digit groups of three after a space belong to one number.
    for match in re.finditer(r"\d{1,3}(?: \d{3})+(?!\d)", text[max(0, item.start - 12):item.end + 16]):
        start = max(0, item.start - 12) + match.start()
        if start <= item.start < start + len(match.group()):
            raw, item_end = match.group().replace(" ", ""), start + len(match.group())
            break
    else:
        item_end = item.end
    if dutch and re.fullmatch(r"\d{1,3}(\.\d{3})+(,\d+)?", raw):
        raw = raw.replace(".", "").replace(",", ".")  # 12.476 and 3.400,5 in Dutch
    elif not dutch and re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", raw):
        raw = raw.replace(",", "")  # 12,476 in English
    else:
        raw = raw.replace(",", ".")  # a decimal comma (4,8) in either
    try:
        number = Decimal(raw)
    except InvalidOperation:
        return set()
    following = text[item_end:item_end + 16].split()
    scale = SCALE.get(following[0].lower().strip(".,;:)"), 1) if following else 1
    return {number, number * scale}


__all__ = ["QuotedValues"]
