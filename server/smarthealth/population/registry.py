"""The single registry of known entities (data/curated/entities.yaml): one entity, one IRI."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD

from ..errors import SourceError
from ..namespaces import COUNTRY, NUTS, ORG, SMH
from .iris import PATH_OF_CLASS, Iris, concept
from .provenance import SourceGraph
from .yamlio import LINE, load_yaml, where

HELIX_ROLES = {
    "public-authority", "research-academia", "business", "civil-society",
    "cluster", "company", "infrastructure", "hospital", "financing",
}
ENTITY_FIELDS = {"class", "label", "altLabels", "region", "helixRole", "nuts", "country", "comment", "partOf", LINE}
KEY_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def normalise_name(name: str) -> str:
    """Return the lookup form of a name: case-folded, whitespace runs collapsed."""
    return " ".join(name.split()).casefold()


@dataclass
class Entity:
    """One known entity: key, class, labels, aliases and, for actors, region and helix role."""

    key: str
    class_name: str
    label_en: str
    label_nl: str | None = None
    alt_labels: list[str] = field(default_factory=list)
    region: str | None = None
    helix_role: str | None = None
    nuts: str | None = None
    country: str | None = None
    comment: str | None = None
    part_of: str | None = None
    where: str = ""

    @property
    def names(self) -> list[str]:
        return [n for n in [self.label_en, self.label_nl, *self.alt_labels] if n]


class Registry:
    """Resolve names and keys of known entities to one IRI each."""

    def __init__(self, entities: dict[str, Entity], iris: Iris, path: Path | None = None):
        self.entities = entities
        self.iris = iris
        self.path = path
        self._by_name: dict[str, str] = {}
        for entity in entities.values():
            for name in entity.names:
                known = self._by_name.setdefault(normalise_name(name), entity.key)
                if known != entity.key:
                    raise SourceError(
                        f"name {name!r} is given to both {known!r} and {entity.key!r}",
                        where=entity.where,
                    )

    @classmethod
    def load(cls, path: Path, iris: Iris) -> "Registry":
        """Load the registry file, checking every record."""
        data = load_yaml(path)
        if not isinstance(data, dict):
            raise SourceError("expected a mapping of entity key -> record", where=str(path))
        entities = {}
        for key, record in data.items():
            if key == LINE:
                continue
            entities[key] = _entity(path, key, record)
        for entity in entities.values():
            for field_name, target in (("region", entity.region), ("partOf", entity.part_of)):
                if target is not None and target not in entities:
                    raise SourceError(f"entity {entity.key!r}: {field_name} {target!r} is not a known key",
                                      where=entity.where)
            if entity.region and entities[entity.region].class_name != "Region":
                raise SourceError(f"entity {entity.key!r}: region {entity.region!r} is not a Region",
                                  where=entity.where)
        return cls(entities, iris, path)

    def get(self, key: str, *, where: str) -> Entity:
        """Return the entity with this key or fail naming the place that asked for it."""
        try:
            return self.entities[key]
        except KeyError:
            raise SourceError(f"unknown entity key {key!r} (not in entities.yaml)", where=where) from None

    def resolve(self, name: str) -> Entity | None:
        """Return the entity one of whose names is ``name`` (case and spacing ignored), or None."""
        key = self._by_name.get(normalise_name(name))
        return self.entities[key] if key else None

    def iri(self, entity: Entity) -> URIRef:
        if entity.class_name == "Region":
            return self.iris.region(entity.nuts or entity.key)
        return self.iris.for_class(entity.class_name, entity.key)

    def key_in_iri(self, entity: Entity) -> str:
        """Return the key as it appears in IRIs (the NUTS code for a region)."""
        return entity.nuts if entity.class_name == "Region" and entity.nuts else entity.key

    def emit(self, sg: SourceGraph, entity: Entity, *, quote: str, where: str,
             surface: str | None = None) -> URIRef:
        """Describe ``entity`` in a source graph (type, labels, region, role) citing ``quote``."""
        iri = self.iri(entity)
        sg.node(iri, SMH[entity.class_name], label_en=entity.label_en, label_nl=entity.label_nl,
                quote=quote, where=where)
        text = sg.source.text
        for alt in entity.alt_labels:
            # Only the spellings this document uses are recorded in its graph.
            if alt in text:
                sg.alt_label(iri, alt)
        if surface and surface not in entity.names:
            sg.alt_label(iri, surface)
        if entity.helix_role:
            sg.add(iri, SMH.helixRole, concept("helix-role", entity.helix_role))
        if entity.region:
            sg.add(iri, SMH.basedIn, self.iri(self.get(entity.region, where=entity.where)))
        if entity.country:
            sg.add(iri, SMH.country, COUNTRY[entity.country])
        if entity.part_of:
            sg.add(iri, ORG.subOrganizationOf, self.iri(self.get(entity.part_of, where=entity.where)))
        if entity.comment:
            sg.add(iri, RDFS.comment, Literal(entity.comment, lang="en"))
        if entity.class_name == "Region" and entity.nuts:
            sg.add(iri, SMH.nutsCode, Literal(entity.nuts))
            sg.add(iri, SMH.nutsLevel, Literal(len(entity.nuts) - 2, datatype=XSD.integer))
            sg.add(iri, SMH.nutsRegion, NUTS[entity.nuts])
        return iri


def _entity(path: Path, key, record) -> Entity:
    place = where(path, record)
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise SourceError(f"entity key {key!r} is not a lower-case slug", where=place)
    if not isinstance(record, dict):
        raise SourceError(f"entity {key!r}: expected a mapping", where=place)
    unknown = set(record) - ENTITY_FIELDS
    if unknown:
        raise SourceError(f"entity {key!r}: unknown fields {sorted(unknown)}", where=place)
    class_name = record.get("class")
    if class_name not in PATH_OF_CLASS:
        raise SourceError(f"entity {key!r}: unknown class {class_name!r}", where=place)
    label = record.get("label")
    if isinstance(label, str):
        label = {"en": label}
    if not isinstance(label, dict) or not isinstance(label.get("en"), str):
        raise SourceError(f"entity {key!r}: needs label.en", where=place)
    alt_labels = record.get("altLabels") or []
    if not isinstance(alt_labels, list) or not all(isinstance(a, str) for a in alt_labels):
        raise SourceError(f"entity {key!r}: altLabels must be a list of strings", where=place)
    helix = record.get("helixRole")
    if helix is not None and helix not in HELIX_ROLES:
        raise SourceError(f"entity {key!r}: unknown helixRole {helix!r}", where=place)
    nuts = record.get("nuts")
    if nuts is not None and not re.match(r"^[A-Z]{2}[0-9A-Z]{0,3}$", str(nuts)):
        raise SourceError(f"entity {key!r}: malformed NUTS code {nuts!r}", where=place)
    return Entity(
        key=key, class_name=class_name, label_en=label["en"], label_nl=label.get("nl"),
        alt_labels=alt_labels, region=record.get("region"), helix_role=helix,
        nuts=str(nuts) if nuts else None, country=record.get("country"),
        comment=record.get("comment"), part_of=record.get("partOf"), where=place,
    )
