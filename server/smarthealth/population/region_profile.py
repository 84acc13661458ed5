"""Parse the personalised-medicine profile of a region (004): indicators, flags, lists, ratings."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDFS, SKOS

from ..errors import SourceError
from ..namespaces import ORG, SMH
from .classifications import coded_lines, organisation_categories
from .iris import concept, slugify
from .patterns import membership, observation
from .provenance import SourceGraph, SourceText
from .registry import Registry

HEADER = re.compile(r"^(?P<nuts>[A-Z]{2}[0-9A-Z]{0,3}) - (?P<nl>.+?) / (?P<en>.+)$")
FLAG = re.compile(r"^(?P<subject>.+?)\s*\?\s*(?P<answer>yes|no|country level member)\s*$", re.IGNORECASE)
MOUNTAIN = re.compile(r"^Mountain \? (?P<value>.+?)\s*$")
ITEM = re.compile(r"^\s+(?P<number>\d+)\.\s*(?P<text>.*?)\s*$")
ORGANISATION = re.compile(
    r"^(?P<name>.*?)\s*-?\s*(?P<kind>academic/research|financing|industry|infrastructure)$"
)
RATING = re.compile(r"^(?P<question>.+?) - (?P<value>Very High|High|Medium|Low|Very Low)$")

# Flag subject as the profile writes it -> registry key of the initiative it is about.
FLAG_SUBJECTS = {
    "Member ICPerMed": "icpermed",
    "Member Euregha": "euregha",
    "Adriatic-Ionian MacroRegion": "adriatic-ionian-strategy",
    "InnoStars Region": "eit-health-innostars",
    "Northern Sparsely Populated Area (NSPA)": "nspa",
    "PM region according EC": "ec-pm-regions",
    "Baltic Sea MacroRegion": "baltic-sea-strategy",
    "S3MedTech region": "s3-medtech",
    "Danube MacroRegion": "danube-strategy",
    "S3P4PM region": "s3p4pm",
    "Alpine MacroRegion": "alpine-strategy",
    "Regions4PM region": "regions4permed",
    "ERAPerMed": "erapermed",
    "Central Europe": "interreg-central-europe",
    "MedTech4Europe": "medtech4europe",
    "Council of European BioRegions (CEBR)": "cebr",
    "1M+Genome initiative": "one-million-genomes",
    "European Regions Research & Innovation Network (ERRIN)": "errin",
    "Vanguard Initiative": "vanguard-initiative",
    "S3ClusSport member": "s3clussport",
}
ANSWER_ROLE = {"yes": ("member", True), "no": ("member", False),
               "country level member": ("country-level-member", True)}
# Self-evaluation question -> smhv:indicator key.
RATINGS = {
    "General perception of the implementation level of PM in the region": "pm-implementation-level",
    "Rate of the need for developing and implementing PM in the region": "need-developing-pm",
    "Rate of the need for increasing support/funding for PM activities in the region": "need-support-funding",
    "Rate of the need for increasing the capacity of PM skills in the region": "need-pm-skills",
    "Rate of the genomics literacy of the citizens in the region": "genomics-literacy",
    "Rate of the need for increasing interregional collaboration in PM": "need-interregional-collaboration",
}
# Organisation type after the dash -> (class of an unknown organisation, helix role).
ORGANISATION_KINDS = {
    "academic/research": ("ResearchOrganisation", "research-academia"),
    "financing": ("FundingAgency", "financing"),
    "industry": ("Company", "business"),
    "infrastructure": ("Infrastructure", "infrastructure"),
}
POLICY_LEVELS = {"regional": "regional", "national": "national"}
# Titles the profile writes in Dutch: the label is the profile's words (no English title from
# memory), tagged @en (the profile's language) and @nl.
DUTCH_POLICY_TITLES = {"Vlaamse Beleidsplan Gepersonaliseerde Geneeskunde", "Vlaanderen in transitie"}
SECTIONS = {
    "Policy documents": "policy-documents",
    "Major initiatives": "initiatives",
    "Organisations in Flanders": "organisations",
}


@dataclass
class Item:
    """One numbered list item with its line."""

    line: int
    number: int
    text: str
    raw: str


@dataclass
class Profile:
    """What the region profile states, as parsed."""

    nuts: str
    header: str
    header_line: int
    flags: list[tuple[int, str, str, str]] = field(default_factory=list)  # line, text, subject, answer
    lists: dict[str, list[Item]] = field(default_factory=dict)
    ratings: list[tuple[int, str, str, str]] = field(default_factory=list)  # line, text, key, value
    topics_line: tuple[int, str] | None = None
    mountain: tuple[int, str, str] | None = None
    skipped: list[str] = field(default_factory=list)


def parse_region_profile(source: SourceText) -> Profile:
    """Return the structured parts of a region profile; fail naming file and line when malformed."""
    lines = source.text.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    header = HEADER.match(lines[first].strip()) if first is not None else None
    if header is None:
        raise SourceError("profile header 'NUTS - name / name' not found", where=f"{source.path}:1")
    profile = Profile(nuts=header["nuts"], header=lines[first].strip(), header_line=first + 1)
    section = None
    in_ratings = False
    for index, line in enumerate(lines):
        text = line.strip()
        where = f"{source.path}:{index + 1}"
        if text in SECTIONS:
            section = SECTIONS[text]
            profile.lists[section] = []
            continue
        item = ITEM.match(line)
        if item and section:
            profile.lists[section].append(Item(index + 1, int(item["number"]), item["text"], line))
            continue
        if text and not item:
            section = None
        if text == "Self evaluation":
            in_ratings = True
            continue
        if in_ratings and text:
            rating = RATING.match(text)
            if rating is None:
                in_ratings = False
            else:
                key = RATINGS.get(rating["question"])
                if key is None:
                    raise SourceError(f"unknown self-evaluation question {rating['question']!r}", where=where)
                profile.ratings.append((index + 1, text, key, rating["value"]))
                continue
        mountain = MOUNTAIN.match(text)
        if mountain:
            profile.mountain = (index + 1, text, mountain["value"])
            continue
        flag = FLAG.match(text)
        if flag:
            if flag["subject"] not in FLAG_SUBJECTS:
                raise SourceError(f"unknown membership flag {flag['subject']!r}", where=where)
            profile.flags.append((index + 1, text, flag["subject"], flag["answer"].lower()))
            continue
        if text.startswith("Topics covered In policies :"):
            profile.topics_line = (index + 1, text)
    if len(profile.ratings) != len(RATINGS):
        raise SourceError(f"expected {len(RATINGS)} self-evaluation ratings, found {len(profile.ratings)}",
                          where=str(source.path))
    return profile


def emit_region_profile(sg: SourceGraph, registry: Registry) -> Profile:
    """Describe the profiled region, its memberships, indicators, lists and ratings."""
    profile = parse_region_profile(sg.source)
    path = sg.source.path
    region_entity = next((e for e in registry.entities.values() if e.nuts == profile.nuts), None)
    if region_entity is None:
        raise SourceError(f"unknown NUTS code {profile.nuts!r} (add the region to entities.yaml)",
                          where=f"{path}:{profile.header_line}")
    region = registry.emit(sg, region_entity, quote=profile.header, where=f"{path}:{profile.header_line}")
    header = HEADER.match(profile.header)
    sg.alt_label(region, header["nl"], "nl")
    sg.alt_label(region, header["en"], "en")
    _indicators(sg, region, profile)
    for line, text, subject, answer in profile.flags:
        where = f"{path}:{line}"
        entity = registry.get(FLAG_SUBJECTS[subject], where=where)
        target = registry.emit(sg, entity, quote=text, where=where)
        role, is_member = ANSWER_ROLE[answer]
        membership(sg, member=region, organisation=target, role=role, is_member=is_member,
                   quote=text, where=where,
                   label=(f"{region_entity.label_en} {role.replace('-', ' ')} of {entity.label_en}" if is_member
                          else f"{region_entity.label_en} not a member of {entity.label_en}"))
    _policy_documents(sg, region, profile)
    _topics(sg, profile)
    _initiatives(sg, registry, region, profile)
    _organisations(sg, registry, region, profile)
    coded_lines(sg, region)
    for line, text, key, value in profile.ratings:
        observation(sg, region=region, indicator=key, period=None, quote=text, where=f"{path}:{line}",
                    category=value, label=f"{region_entity.label_en}: {text}")
    return profile


def _number(text: str) -> Decimal:
    return Decimal(text.replace(",", "")) if "," in text and len(text.split(",")[-1]) == 3 \
        else Decimal(text.replace(",", "."))


def _indicators(sg: SourceGraph, region: URIRef, profile: Profile) -> None:
    text = sg.source.text
    path = sg.source.path
    patterns = [
        (r"Innovation Performance Group \((?P<year>\d{4})\) : (?P<value>\S.*?)\s*$",
         "innovation-performance-group", None),
        (r"Total population \((?P<year>\d{4})\) (?P<value>[\d,]+)\s*$", "population", "NUM"),
        (r"Population per km² \((?P<year>\d{4})\) (?P<value>[\d,.]+)\s*$", "population-density", "NUM-PER-KiloM2"),
        (r"Proportion population older 65 year % (?P<value>[\d,]+)%\s*$", "share-over-65", "PERCENT"),
    ]
    for pattern, indicator, unit in patterns:
        match = re.search(pattern, text, re.MULTILINE)
        if match is None:
            raise SourceError(f"indicator {indicator!r} not found", where=str(path))
        line = text.count("\n", 0, match.start()) + 1
        quote = match.group(0).strip()
        value = match["value"]
        kwargs = {"category": value} if unit is None else {"numeric": _number(value), "unit": unit}
        observation(sg, region=region, indicator=indicator, period=match.groupdict().get("year"),
                    quote=quote, where=f"{path}:{line}", label=quote, **kwargs)
    if profile.mountain:
        line, quote, value = profile.mountain
        observation(sg, region=region, indicator="mountain-classification", period=None, quote=quote,
                    where=f"{path}:{line}", category=value, label=quote)


def _policy_documents(sg: SourceGraph, region: URIRef, profile: Profile) -> None:
    for item in profile.lists.get("policy-documents", []):
        where = f"{sg.source.path}:{item.line}"
        prefix, _, title = item.text.partition(":")
        if not title:
            prefix, title = item.text, item.text
        title = title.strip()
        if prefix.endswith(" level"):
            label = title
        else:
            label, title = item.text, item.text
        level = next((v for k, v in POLICY_LEVELS.items() if prefix.lower().startswith(k)), None)
        iri = sg.iris(f"policy-document/{slugify(label)}")
        dutch = label in DUTCH_POLICY_TITLES
        sg.node(iri, SMH.PolicyDocument, label_en=label, label_nl=label if dutch else None,
                quote=item.text, where=where)
        sg.add(iri, DCTERMS.title, Literal(label, lang="nl" if dutch else "en"))
        if level:
            sg.add(iri, SMH.programmeLevel, concept("programme-level", level))
        if level == "regional":
            sg.add(iri, DCTERMS.spatial, region)


def _topics(sg: SourceGraph, profile: Profile) -> None:
    if profile.topics_line is None:
        raise SourceError("'Topics covered In policies' line not found", where=str(sg.source.path))
    line, text = profile.topics_line
    where = f"{sg.source.path}:{line}"
    scheme = sg.iris("topic")
    sg.node(scheme, SKOS.ConceptScheme, label_en="Personalised-medicine policy topics",
            quote="Topics covered In policies", where=where)
    sg.add(scheme, SKOS.prefLabel, Literal("Personalised-medicine policy topics", lang="en"))
    for topic in text.split(":", 1)[1].split(";"):
        topic = topic.strip()
        concept_iri = sg.iris(f"topic/{slugify(topic.split('(')[0])}")
        sg.node(concept_iri, SKOS.Concept, label_en=topic, quote=topic, where=where)
        sg.add(concept_iri, SKOS.prefLabel, Literal(topic, lang="en"))
        sg.add(concept_iri, SKOS.inScheme, scheme)
        sg.add(concept_iri, SKOS.topConceptOf, scheme)
        sg.add(scheme, SKOS.hasTopConcept, concept_iri)


def _initiatives(sg: SourceGraph, registry: Registry, region: URIRef, profile: Profile) -> None:
    for item in profile.lists.get("initiatives", []):
        where = f"{sg.source.path}:{item.line}"
        name = " ".join(item.text.rstrip(":").split())
        if not name:
            profile.skipped.append(f"{where}: empty major-initiative item {item.number}")
            continue
        entity = registry.resolve(name)
        if entity is not None:
            registry.emit(sg, entity, quote=item.text, where=where, surface=name)
            continue
        iri = sg.iris(f"initiative/{slugify(name)}")
        sg.node(iri, SMH.Initiative, label_en=name, quote=item.text, where=where)
        sg.add(iri, SMH.basedIn, region)
        sg.add(iri, RDFS.comment, Literal("Listed among the major personalised-medicine initiatives "
                                          "of the Flanders region profile.", lang="en"))


def _organisations(sg: SourceGraph, registry: Registry, region: URIRef, profile: Profile) -> None:
    items = profile.lists.get("organisations", [])
    if not items:
        return
    categories = organisation_categories(sg, quote=items[0].text, where=f"{sg.source.path}:{items[0].line}")
    for item in items:
        where = f"{sg.source.path}:{item.line}"
        match = ORGANISATION.match(item.text)
        if match is None:
            raise SourceError(f"organisation item without a known type after the dash: {item.text!r}",
                              where=where)
        name = " ".join(match["name"].split())
        if not name:
            profile.skipped.append(f"{where}: organisation item {item.number} has a type "
                                   f"({match['kind']}) but no name")
            continue
        default_class, role = ORGANISATION_KINDS[match["kind"]]
        entity = registry.resolve(name)
        if entity is not None:
            iri = registry.emit(sg, entity, quote=item.text, where=where, surface=name)
        else:
            iri = sg.iris(f"organisation/{slugify(name)}")
            sg.node(iri, SMH[default_class], label_en=name, quote=item.text, where=where)
            parent = registry.resolve(name.rsplit(",", 1)[-1].strip()) if "," in name else None
            if parent is not None:
                sg.add(iri, ORG.subOrganizationOf, registry.iri(parent))
        sg.add(iri, SMH.basedIn, region)
        sg.add(iri, SMH.classifiedAs, categories[match["kind"]])
        if not any(True for _ in sg.graph.objects(iri, SMH.helixRole)):
            sg.add(iri, SMH.helixRole, concept("helix-role", role))

