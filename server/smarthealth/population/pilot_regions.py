"""Parse the deck's (000) lists of the pilot's regions: members, co-leads, observer, prospective."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import SourceError
from .patterns import membership
from .provenance import SourceGraph, SourceText
from .registry import Registry

PILOT_KEY = "smart-health-pilot"
INVOLVED = re.compile(r"^(?P<count>\d+) dynamic Regions involved$")
PROSPECTIVE_HEADING = "Discussions with additional Regions:"
CO_LEADS = re.compile(r"^- \*\*(?P<count>\d+) co-leading regions\*\* : (?P<names>.+)$")
REGION_ITEM = re.compile(r"^(?:- )?(?P<name>.+?)(?: \(observer for (?P<year>\d{4})\))? \((?P<country>[A-Z]{2})\)$")


@dataclass
class PilotRegion:
    """One region line of the deck's lists, with the role the deck gives it in the pilot."""

    line: int
    text: str
    name: str
    role: str
    period: str | None = None


def parse_pilot_regions(source: SourceText) -> list[PilotRegion]:
    """Return the involved regions (member/observer/co-lead) and the prospective ones."""
    lines = source.text.split("\n")
    heading = next((i for i, line in enumerate(lines) if INVOLVED.match(line.strip())), None)
    if heading is None:
        raise SourceError("'N dynamic Regions involved' list not found", where=str(source.path))
    expected = int(INVOLVED.match(lines[heading].strip())["count"])
    regions: list[PilotRegion] = []
    index = heading + 1
    while index < len(lines) and lines[index].strip() != PROSPECTIVE_HEADING:
        text = lines[index].strip()
        if text:
            match = REGION_ITEM.match(text)
            if not match:
                raise SourceError(f"region line not of the form 'Name (CC)': {text!r}",
                                  where=f"{source.path}:{index + 1}")
            role = "observer" if match["year"] else "member"
            regions.append(PilotRegion(index + 1, text, match["name"], role, match["year"]))
        index += 1
    if len(regions) != expected:
        raise SourceError(f"the heading announces {expected} regions, the list has {len(regions)}",
                          where=f"{source.path}:{heading + 1}")
    index += 1
    while index < len(lines) and (not lines[index].strip() or lines[index].startswith("- ")):
        text = lines[index].strip()
        if text:
            match = REGION_ITEM.match(text)
            if not match:
                raise SourceError(f"region line not of the form '- Name (CC)': {text!r}",
                                  where=f"{source.path}:{index + 1}")
            regions.append(PilotRegion(index + 1, text, match["name"], "prospective"))
        elif regions[-1].role == "prospective":
            break
        index += 1
    co_leads = _co_leads(source, lines)
    for region in regions:
        if any(region.name == name or region.name.startswith(f"{name} (") for name in co_leads):
            region.role = "co-lead"
    return regions


def _co_leads(source: SourceText, lines: list[str]) -> set[str]:
    for index, line in enumerate(lines):
        match = CO_LEADS.match(line.strip())
        if match:
            names = [n.strip() for n in re.split(r",\s*(?:and\s+)?|\s+and\s+", match["names"]) if n.strip()]
            if len(names) != int(match["count"]):
                raise SourceError(f"{match['count']} co-leading regions announced, {len(names)} named",
                                  where=f"{source.path}:{index + 1}")
            return set(names)
    raise SourceError("co-leading regions line not found", where=str(source.path))


def emit_pilot_regions(sg: SourceGraph, registry: Registry) -> int:
    """Add the pilot's memberships of the listed regions to the deck's graph."""
    pilot_where = f"{sg.source.path}"
    pilot = registry.emit(sg, registry.get(PILOT_KEY, where=pilot_where),
                          quote="12 dynamic Regions involved", where=pilot_where)
    co_lead_line = next(line.strip() for line in sg.source.text.split("\n") if CO_LEADS.match(line.strip()))
    regions = parse_pilot_regions(sg.source)
    for region in regions:
        where = f"{sg.source.path}:{region.line}"
        entity = registry.resolve(region.name)
        if entity is None or entity.class_name != "Region":
            raise SourceError(f"unknown region {region.name!r} (add it to entities.yaml)", where=where)
        region_iri = registry.emit(sg, entity, quote=region.text, where=where)
        node = membership(sg, member=region_iri, organisation=pilot, role=region.role,
                          is_member=region.role != "prospective", quote=region.text, where=where,
                          period=region.period,
                          label=f"{entity.label_en} {region.role.replace('-', ' ')} of the Smart Health pilot")
        if region.role == "co-lead":
            sg.cite(node, co_lead_line, where=where)
    return len(regions)
