"""Source documents, verbatim quote lookup, and the per-document graph writer that cites them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, SKOS

from ..errors import SourceError
from ..namespaces import OA, SMH
from .iris import Iris

EMAIL_PATTERN = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


@dataclass
class SourceText:
    """One source document: its file, stem and full text."""

    path: Path
    text: str

    @property
    def stem(self) -> str:
        return self.path.stem

    @classmethod
    def read(cls, path: Path) -> "SourceText":
        """Read a source document, failing with a SourceError when it is missing or unreadable."""
        try:
            return cls(path=path, text=path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise SourceError("source document is missing", where=str(path)) from None
        except (OSError, UnicodeDecodeError) as error:
            raise SourceError(f"cannot read source document: {error}", where=str(path)) from None

    def find(self, quote: str) -> str | None:
        """Return the passage of the document matching ``quote`` up to whitespace runs, or None."""
        words = quote.split()
        if not words:
            return None
        # Documents wrap lines (and the table uses tabs), so any whitespace run matches any other.
        pattern = r"\s+".join(re.escape(word) for word in words)
        match = re.search(pattern, self.text)
        return match.group(0) if match else None

    def line_of(self, passage: str) -> int:
        """Return the 1-based line where ``passage`` first occurs (0 when absent)."""
        index = self.text.find(passage)
        return self.text.count("\n", 0, index) + 1 if index >= 0 else 0


@dataclass
class SourceGraph:
    """The named graph of one source document, and the helpers that add cited statements to it."""

    source: SourceText
    iris: Iris
    graph: Graph = field(default_factory=Graph)

    @property
    def stem(self) -> str:
        return self.source.stem

    @property
    def source_iri(self) -> URIRef:
        return self.iris.source(self.stem)

    def add(self, subject, predicate, obj) -> None:
        """Add one triple to this document's graph."""
        self.graph.add((subject, predicate, obj))

    def quote(self, quote: str, *, where: str) -> URIRef:
        """Add the quotation of ``quote`` (verbatim in this document) and return its IRI."""
        exact = self.source.find(quote)
        if exact is None:
            raise SourceError(
                f"quote not found verbatim in {self.source.path.name}: {quote!r}", where=where
            )
        if EMAIL_PATTERN.search(exact):
            raise SourceError(f"quote contains an e-mail address: {quote!r}", where=where)
        quote_iri = self.iris.quote(self.stem, exact)
        selector = URIRef(f"{quote_iri}/selector")
        self.add(quote_iri, RDF.type, SMH.Quotation)
        self.add(quote_iri, OA.hasSource, self.source_iri)
        self.add(quote_iri, OA.hasSelector, selector)
        self.add(selector, RDF.type, OA.TextQuoteSelector)
        self.add(selector, OA.exact, Literal(exact))
        return quote_iri

    def cite(self, node: URIRef, quote: str, *, where: str) -> URIRef:
        """Derive ``node`` from a verbatim passage of this document; return the quotation IRI."""
        quote_iri = self.quote(quote, where=where)
        self.add(node, PROV.wasDerivedFrom, quote_iri)
        return quote_iri

    def node(
        self,
        iri: URIRef,
        classes,
        *,
        label_en: str | None = None,
        label_nl: str | None = None,
        quote: str,
        where: str,
    ) -> URIRef:
        """Add a typed, labelled, cited node."""
        for class_iri in classes if isinstance(classes, (list, tuple)) else [classes]:
            self.add(iri, RDF.type, class_iri)
        if label_en:
            self.add(iri, RDFS.label, Literal(label_en, lang="en"))
        if label_nl:
            self.add(iri, RDFS.label, Literal(label_nl, lang="nl"))
        self.cite(iri, quote, where=where)
        return iri

    def alt_label(self, iri: URIRef, text: str, lang: str | None = None) -> None:
        """Record a spelling variant of a name as skos:altLabel."""
        self.add(iri, SKOS.altLabel, Literal(text, lang=lang))
