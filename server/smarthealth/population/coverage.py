"""Coverage of the source documents: the names, numbers and dates no quote and no label covers."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDFS, SKOS

from ..errors import SourceError
from ..namespaces import OA
from .provenance import SourceText
from .quoted_values import QuotedValues
from .yamlio import LINE, load_yaml, where

LEFT_OUT_FILE = "left-out.yaml"
MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|December|"
          "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december")
DATE = re.compile(
    rf"\b(?:\d{{1,2}}(?:st|nd|rd|th)?(?:[-/]\d{{1,2}}(?:st|nd|rd|th)?)?\s+)?(?:{MONTHS})\b(?:\s+\d{{1,2}}(?:st|nd|rd|th)?\b,?)?(?:\s+\d{{4}})?"
    rf"|\b\d{{4}}-\d{{2}}-\d{{2}}\b", re.IGNORECASE)
# A number not glued to a word ("S3", "H2020") nor a footnote mark after a full stop; "3.3.1"
# (a section number) has two dots and is left to the section headings.
NUMBER = re.compile(r"(?<![\w.,/])\d+(?:[.,]\d+)?(?:\s*%)?(?![\w/]|[.,]\d)")
WORD = r"(?:[A-Z][\w&’'.+-]*[\w+]|[A-Z]|[a-z]+[A-Z][\w-]*)"
# Words of one name stay on one line and in one table cell (the deck's table separates cells by tabs).
NAME = re.compile(rf"{WORD}(?:(?:[ ]+(?:of|for|and|&|van|voor|de|der|the|in|en|on|-))?[ ]+{WORD})*")
URL = re.compile(r"https?://\S+|www\.\S+")
# How far around a number or date a label is looked for in the text (a label longer than this
# cannot cover it there, which no label of the graph is).
LABEL_WINDOW = 300
# "  3. item" (a list number) and "3.3.1 Bedrijfssteun" (a section number) are structure.
LIST_NUMBER = re.compile(r"^\s*\d+\.\s|^\s*\d+(?:\.\d+)+\s+(?=[A-Z])", re.MULTILINE)
SENTENCE_START = re.compile(r"(?:^|[.!?:;•*\-–(\"“‘]\s*|\n\s*)$")
# A footnote mark glued to the word before it ("Human Brain Project.17 ", "ELIXIR.12,13"): it ends
# the name, and what follows it starts a new sentence. A code of one letter ("C.21", a NACE
# division) is no word with a footnote.
FOOTNOTE = re.compile(r"(?<=[A-Za-z)’]{2})\.\d{1,3}(?=[\s,]|$)")
AFTER_FOOTNOTE = re.compile(r"[A-Za-z)’]{2}\.\d{1,3}\s+$")
HEADING = re.compile(r"^(?:#+\s+.+|\d+(?:\.\d+)*\.?\s+[A-Z].{0,80}|[A-Z][^.!?;]{2,70})$")
# Capitalised words that begin a sentence or a list item and name nothing.
COMMON = {
    "The", "This", "That", "These", "In", "On", "At", "A", "An", "It", "Its", "As", "By", "For", "With",
    "From", "To", "Of", "And", "Or", "But", "If", "Is", "Are", "We", "Our", "They", "Their", "He", "She",
    "De", "Het", "Een", "Dit", "Deze", "Dat", "Die", "Op", "Om", "Voor", "Ook", "Er", "Bij", "Met", "Als",
    "Daarnaast", "Verder", "Zo", "Hierbij", "Zij", "Wij", "Men", "Uit", "Naast", "Via", "Door", "Tot",
    "Yes", "No", "Other", "Register", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
    "Sunday", "Thus",
}


@dataclass(frozen=True)
class Item:
    """A name, number or date of a source document, where it stands."""

    source: str
    section: str
    line: int
    kind: str
    text: str
    start: int
    end: int


@dataclass
class DocumentCoverage:
    """What the graph covers of one document."""

    source: str
    items: list[Item] = field(default_factory=list)
    by_quote: list[Item] = field(default_factory=list)
    by_label: list[Item] = field(default_factory=list)
    left_out: list[tuple[Item, str]] = field(default_factory=list)
    uncovered: list[Item] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Return the number of items, covered by quote or label, left out and uncovered."""
        return {"items": len(self.items), "quote": len(self.by_quote), "label": len(self.by_label),
                "left out": len(self.left_out), "uncovered": len(self.uncovered)}


def sections(text: str) -> list[tuple[int, str]]:
    """Return (offset, heading) of each heading-like line: markdown, numbered or a short title."""
    found = [(0, "(start)")]
    offset = 0
    previous_blank = True
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped and previous_blank and HEADING.match(stripped) and not URL.search(stripped):
            found.append((offset, " ".join(stripped.lstrip("#").split())[:60]))
        previous_blank = not stripped
        offset += len(line) + 1
    return found


def extract(source: str, text: str) -> list[Item]:
    """Return the names, numbers and dates of a text, each with its section and line."""
    blocked = [m.span() for m in URL.finditer(text)] + [m.span() for m in LIST_NUMBER.finditer(text)]
    heads = sections(text)
    items: list[Item] = []

    def add(kind: str, start: int, end: int) -> None:
        if any(s <= start < e for s, e in blocked):
            return
        section = next(title for offset, title in reversed(heads) if offset <= start)
        items.append(Item(source, section, text.count("\n", 0, start) + 1, kind,
                          " ".join(text[start:end].split()), start, end))

    for match in DATE.finditer(text):
        add("date", *match.span())
        blocked.append(match.span())
    for match in NUMBER.finditer(text):
        add("number", *match.span())
    for match_start, match_end in _name_spans(text):
        words = text[match_start:match_end].split()
        single = len(words) == 1
        if single and words[0] in COMMON:
            continue
        if single and not (words[0].isupper() and len(words[0]) > 1) and not re.search(r"[a-z][A-Z]|\d", words[0]) \
                and (SENTENCE_START.search(text[max(0, match_start - 3):match_start])
                     or AFTER_FOOTNOTE.search(text[max(0, match_start - 8):match_start])):
            continue
        start = match_start
        if words[0] in COMMON and len(words) > 1:
            start = match_start + len(words[0]) + 1
            start = text.index(words[1], start - 1)
        add("name", start, match_end)
    return sorted(items, key=lambda item: (item.start, item.kind))


def _name_spans(text: str, start: int = 0, end: int | None = None):
    """Yield the spans of the names of a text, each cut where a footnote mark is glued to its last word."""
    for match in NAME.finditer(text, start, len(text) if end is None else end):
        mark = FOOTNOTE.search(text, match.start(), match.end())
        if mark is None:
            yield match.span()
            continue
        if mark.start() > match.start():
            yield match.start(), mark.start()
        yield from _name_spans(text, mark.end(), match.end())


def measure(sources: list[SourceText], graph: Graph, left_out: dict[str, list[tuple[str, str]]]) -> list[DocumentCoverage]:
    """Return, per document, its items split into covered by a quote or a label, left out, uncovered."""
    labels = _labels(graph)
    report = []
    for source in sources:
        quoted = _spans(source, _quotes(graph, source.stem))
        excused = []
        for passage, reason in left_out.get(source.stem, []):
            spans = _find_all(source.text, passage)
            if not spans:
                raise SourceError(f"left-out passage not found verbatim in {source.path.name}: {passage!r}",
                                  where=LEFT_OUT_FILE)
            excused += [(span, reason) for span in spans]
        document = DocumentCoverage(source.stem)
        values = QuotedValues(graph, source.stem, lambda exact: _find_all(source.text, exact))
        for item in extract(source.stem, source.text):
            document.items.append(item)
            # A quoted number or date is covered when it is data too (a typed value of a node citing
            # the passage) or part of a name written around it; otherwise it lives only in prose.
            if any(s <= item.start and item.end <= e for s, e in quoted) and (
                    item.kind == "name" or values.is_data(item, source.text)
                    or _label_covers(item, source.text, labels)):
                document.by_quote.append(item)
            elif _label_covers(item, source.text, labels):
                document.by_label.append(item)
            else:
                reason = next((r for (s, e), r in excused if s <= item.start and item.end <= e), None)
                if reason is not None:
                    document.left_out.append((item, reason))
                else:
                    document.uncovered.append(item)
        report.append(document)
    return report


def load_left_out(curated_dir: Path, stems: set[str]) -> dict[str, list[tuple[str, str]]]:
    """Read the left-out passages with their reasons (data/curated/left-out.yaml), by source stem."""
    path = curated_dir / LEFT_OUT_FILE
    if not path.exists():
        return {}
    data = load_yaml(path)
    entries = data.get("left-out") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise SourceError("left-out.yaml has 'left-out:' with a list of {source, text, reason}", where=str(path))
    result: dict[str, list[tuple[str, str]]] = {}
    for entry in entries:
        place = where(path, entry) if isinstance(entry, dict) else str(path)
        if not isinstance(entry, dict) or set(entry) - {"source", "text", "reason", LINE} \
                or not all(isinstance(entry.get(k), str) and entry[k].strip() for k in ("source", "text", "reason")):
            raise SourceError(f"a left-out entry needs source, text and a written reason: {entry!r}", where=place)
        if entry["source"] not in stems:
            raise SourceError(f"unknown source {entry['source']!r}", where=place)
        result.setdefault(entry["source"], []).append((entry["text"], entry["reason"]))
    return result


def summary_line(document: DocumentCoverage) -> str:
    """Return one line of counts for a document."""
    c = document.counts()
    return (f"coverage {document.source[:3]}: {c['items']} names/numbers/dates, {c['quote']} quoted, "
            f"{c['label']} labelled, {c['left out']} left out with a reason, {c['uncovered']} uncovered")


def uncovered_table(report: list[DocumentCoverage]) -> Counter:
    """Return the uncovered items as a multiset of (source, kind, text): what the ratchet test keeps."""
    return Counter((item.source, item.kind, item.text) for document in report for item in document.uncovered)


def _quotes(graph: Graph, stem: str) -> list[str]:
    exacts = []
    for quotation in graph.subjects(OA.hasSource, None):
        source = graph.value(quotation, OA.hasSource)
        if isinstance(source, URIRef) and str(source).endswith(f"/source/{stem}"):
            selector = graph.value(quotation, OA.hasSelector)
            exact = graph.value(selector, OA.exact) if selector is not None else None
            if exact is not None:
                exacts.append(str(exact))
    return exacts


def _spans(source: SourceText, passages: list[str]) -> list[tuple[int, int]]:
    return [span for passage in passages for span in _find_all(source.text, passage)]


def _find_all(text: str, passage: str) -> list[tuple[int, int]]:
    words = passage.split()
    if not words:
        return []
    pattern = r"\s+".join(re.escape(word) for word in words)
    return [m.span() for m in re.finditer(pattern, text)]


def _labels(graph: Graph) -> list[str]:
    found = set()
    for predicate in (RDFS.label, SKOS.altLabel, SKOS.prefLabel, DCTERMS.title):
        for value in graph.objects(None, predicate):
            found.add(" ".join(str(value).lower().split()))
    return sorted(found)


def _label_covers(item: Item, text: str, labels: list[str]) -> bool:
    """Say whether a label covers the item: a name anywhere, a number or date only where the label is
    written around it (a label "Actie 2" does not cover the 2 of "TRL-niveaus 2-5")."""
    if item.kind == "name":
        return _in_labels(item.text, labels)
    window_start = max(0, item.start - LABEL_WINDOW)
    window = text[window_start:item.end + LABEL_WINDOW].lower()
    for label in labels:
        if label == item.text.lower() or not _in_labels(item.text, [label]):
            continue
        for start, end in _find_all(window, label):
            if window_start + start <= item.start and item.end <= window_start + end:
                return True
    return False


def _in_labels(text: str, labels: list[str]) -> bool:
    needle = " ".join(text.lower().split())
    pattern = re.compile(rf"(?<!\w){re.escape(needle)}(?!\w)")
    return any(needle == label or (needle in label and pattern.search(label)) for label in labels)


__all__ = ["DocumentCoverage", "Item", "extract", "load_left_out", "measure", "sections", "summary_line",
           "uncovered_table"]
