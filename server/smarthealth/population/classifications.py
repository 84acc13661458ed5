"""A source's own classifications as SKOS schemes under id:category/ (MODEL.md, Patterns)."""

from __future__ import annotations

import re

from rdflib import Literal, URIRef
from rdflib.namespace import SKOS

from ..errors import SourceError
from ..namespaces import SMH
from .iris import concept, slugify
from .provenance import SourceGraph

# The regional profile's organisation categories -> the helix role each is a narrower view of.
ORGANISATION_CATEGORIES = {
    "academic/research": ("academic/research", "research-academia"),
    "financing": ("financing", "financing"),
    "industry": ("industry", "business"),
    "infrastructure": ("infrastructure", "infrastructure"),
}
# Lines of the profile that classify the region's R&I objectives: (scheme key, label, line start).
CODED_LINES = (
    ("nace", "NACE sectors of the region's personalised-medicine R&I objectives",
     "NACE Personalised Medicine/Personalised Health related to Research and Innovation objectives:"),
    ("nabs", "NABS scientific domains of the region's personalised-medicine R&I",
     "Scientific domain NABS Personalised Medicine/Personalised Health related to Research and Innovation:"),
    ("policy-objective", "Policy objectives of the region's personalised-medicine R&I",
     "Policy objective Personalised"),
)
# "C.21 - Basic pharmaceutical products", "NABS07 - Health", "G - Public health & security"
CODED = re.compile(r"^(?P<code>[A-Z][A-Z0-9.]*)\s+-\s+(?P<label>.+)$")


def scheme(sg: SourceGraph, key: str, label: str, *, quote: str, where: str) -> URIRef:
    """Add the concept scheme ``id:category/{key}`` of this source, cited."""
    iri = sg.iris(f"category/{key}")
    sg.node(iri, SKOS.ConceptScheme, label_en=label, quote=quote, where=where)
    sg.add(iri, SKOS.prefLabel, Literal(label, lang="en"))
    return iri


def category(sg: SourceGraph, scheme_iri: URIRef, key: str, label: str, *, quote: str, where: str,
             notation: str | None = None, broad_match: URIRef | None = None,
             broader: URIRef | None = None) -> URIRef:
    """Add one concept of a source's scheme (a top concept unless broader is given), cited."""
    iri = URIRef(f"{scheme_iri}/{key}")
    sg.node(iri, SKOS.Concept, label_en=label, quote=quote, where=where)
    sg.add(iri, SKOS.prefLabel, Literal(label, lang="en"))
    sg.add(iri, SKOS.inScheme, scheme_iri)
    if broader is None:
        sg.add(iri, SKOS.topConceptOf, scheme_iri)
        sg.add(scheme_iri, SKOS.hasTopConcept, iri)
    else:
        sg.add(iri, SKOS.broader, broader)
    if notation:
        sg.add(iri, SKOS.notation, Literal(notation))
    if broad_match is not None:
        sg.add(iri, SKOS.broadMatch, broad_match)
    return iri


def organisation_categories(sg: SourceGraph, *, quote: str, where: str) -> dict[str, URIRef]:
    """Add the profile's organisation categories (industry, financing...) mapped to helix roles."""
    iri = scheme(sg, "organisation-category", "Organisation categories of the regional profile",
                 quote=quote, where=where)
    return {
        kind: category(sg, iri, slugify(label), label, quote=f"- {kind}" if kind != "financing" else "financing",
                       where=where, broad_match=concept("helix-role", role))
        for kind, (label, role) in ORGANISATION_CATEGORIES.items()
    }


def coded_lines(sg: SourceGraph, region: URIRef) -> int:
    """Classify the region by the profile's NACE, NABS and policy-objective lines; return the count."""
    lines = sg.source.text.split("\n")
    added = 0
    for key, label, start in CODED_LINES:
        index = next((i for i, line in enumerate(lines) if line.strip().startswith(start)), None)
        if index is None:
            raise SourceError(f"line starting {start!r} not found", where=str(sg.source.path))
        where = f"{sg.source.path}:{index + 1}"
        text = lines[index].split(":", 1)[1] if start.endswith(":") else lines[index].split("objectives:", 1)[1]
        if not text.strip():
            text = next(line for line in lines[index + 1:] if line.strip())
        scheme_iri = scheme(sg, key, label, quote=start, where=where)
        codes: dict[str, URIRef] = {}
        for part in text.split(";"):
            match = CODED.match(" ".join(part.split()))
            if match is None:
                raise SourceError(f"expected 'CODE - label', got {part.strip()!r}", where=where)
            code = match["code"]
            # The codes are hierarchical (C.21 within C), as the line lists them.
            iri = category(sg, scheme_iri, slugify(code), f"{code} - {match['label']}",
                           quote=part.strip(), where=where, notation=code,
                           broader=codes.get(code.split(".")[0]) if "." in code else None)
            codes[code] = iri
            sg.add(region, SMH.classifiedAs, iri)
            added += 1
    return added


__all__ = ["category", "coded_lines", "organisation_categories", "scheme"]
