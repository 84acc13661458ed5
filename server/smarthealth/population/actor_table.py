"""Parse the deck's (000) tab-separated table of helix actors per region."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rdflib import URIRef

from ..errors import SourceError
from ..namespaces import SMH
from .iris import concept, slugify
from .provenance import SourceGraph, SourceText
from .registry import Registry

HEADER = ["Region", "Public authorities", "Research & Academia", "Business sector"]
# Column -> (helix role, class of an actor the registry does not know).
COLUMNS = {
    "Public authorities": ("public-authority", "PublicAuthority"),
    "Research & Academia": ("research-academia", "ResearchOrganisation"),
    "Business sector": ("business", "Company"),
}
# Helix roles and the top role they fall under (smhv:helix-role, skos:broader).
TOP_ROLE = {
    "cluster": "business", "company": "business", "infrastructure": "business",
    "hospital": "research-academia", "financing": "public-authority",
}
REGION_CELL = re.compile(
    r"^(?P<name>.+?)(?: \((?P<note>observer for (?P<year>\d{4}))\))? \((?P<country>[A-Z]{2})\)$"
)
TAGS = re.compile(r"</?i>")


@dataclass
class ActorRow:
    """One row of the actor table."""

    line: int
    text: str
    region_cell: str
    region_name: str
    country: str
    observer_year: str | None
    cells: dict[str, str]
    actors: dict[str, list[str]]


def parse_actor_table(source: SourceText) -> list[ActorRow]:
    """Return the table's rows; fail naming file and line on a malformed row."""
    lines = source.text.split("\n")
    header_text = "\t".join(HEADER)
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == header_text)
    except StopIteration:
        raise SourceError("actor table header not found", where=str(source.path)) from None
    rows = []
    for index in range(start + 1, len(lines)):
        text = lines[index]
        if not text.strip():
            break
        where = f"{source.path}:{index + 1}"
        cells = text.split("\t")
        if len(cells) != len(HEADER):
            raise SourceError(
                f"actor table row has {len(cells)} cells, expected {len(HEADER)}: {text!r}", where=where
            )
        region_cell = TAGS.sub("", cells[0]).strip()
        match = REGION_CELL.match(region_cell)
        if not match:
            raise SourceError(f"region cell not of the form 'Name (CC)': {cells[0]!r}", where=where)
        actors = {
            column: [TAGS.sub("", name).strip() for name in cell.split(";") if TAGS.sub("", name).strip()]
            for column, cell in zip(HEADER[1:], cells[1:])
        }
        rows.append(ActorRow(
            line=index + 1, text=text, region_cell=cells[0], region_name=match["name"],
            country=match["country"], observer_year=match["year"],
            cells=dict(zip(HEADER[1:], cells[1:])), actors=actors,
        ))
    if not rows:
        raise SourceError("actor table has no rows", where=f"{source.path}:{start + 1}")
    return rows


def emit_actor_table(sg: SourceGraph, registry: Registry) -> dict[str, int]:
    """Describe every region row and cell actor of the table in the deck's graph."""
    counts = {"rows": 0, "actors": 0}
    for row in parse_actor_table(sg.source):
        where = f"{sg.source.path}:{row.line}"
        region_entity = registry.resolve(row.region_name)
        if region_entity is None or region_entity.class_name != "Region":
            raise SourceError(f"unknown region {row.region_name!r} (add it to entities.yaml)", where=where)
        region = registry.emit(sg, region_entity, quote=row.text, where=where)
        counts["rows"] += 1
        for column, names in row.actors.items():
            role, default_class = COLUMNS[column]
            for name in names:
                actor = _actor(sg, registry, name, default_class, region, quote=row.cells[column], where=where)
                _add_role(sg, actor, role)
                counts["actors"] += 1
    return counts


def _actor(sg, registry, name, default_class, region, *, quote, where) -> URIRef:
    entity = registry.resolve(name)
    if entity is not None:
        iri = registry.emit(sg, entity, quote=quote, where=where, surface=name)
        # The table's region holds even where the registry knows a finer one (Health House: BE24).
        sg.add(iri, SMH.basedIn, region)
        return iri
    iri = sg.iris.for_class(default_class, slugify(name))
    sg.node(iri, SMH[default_class], label_en=name, quote=quote, where=where)
    sg.add(iri, SMH.basedIn, region)
    return iri


def _add_role(sg: SourceGraph, actor: URIRef, column_role: str) -> None:
    # A narrower role from the registry (hospital under research & academia) already says it.
    known = {str(o).rsplit("/", 1)[-1] for o in sg.graph.objects(actor, SMH.helixRole)}
    if column_role in known or any(TOP_ROLE.get(role) == column_role for role in known):
        return
    sg.add(actor, SMH.helixRole, concept("helix-role", column_role))

