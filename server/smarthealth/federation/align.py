"""Reconciliation: propose links from the graph's organisations and initiatives to another dataset.

``smarthealth align`` reads the names (rdfs:label, skos:altLabel) and the country of each
organisation and initiative, asks a SPARQL endpoint which resources carry one of those names, and
writes every candidate with its evidence (matched label and property, the candidate's country
beside ours, a score) to a review file. It never writes the graph: a person reviews the file and
moves accepted entries to data/curated/links.yaml (same format), which the build turns into
skos:exactMatch / skos:closeMatch with provenance (population/links.py).

The query is ours, so the names travel in it as a VALUES block of literals (serialised by
pyoxigraph, never pasted text). Target "cordis" reads CORDIS's EURIO shape: eurio:Organisation
with eurio:legalName (upper case) and eurio:hasSite/eurio:hasGeographicalLocation/eurio:hasISOCountryCode,
as public queries against https://cordis.europa.eu/datalab/sparql read them. Target "wikidata" reads Wikidata's shape: rdfs:label and
skos:altLabel per language, wdt:P17 country with wdt:P298 (ISO 3166-1 alpha-3, the same codes as
the EU country authority table the graph uses), wdt:P6782 ROR ID. (Property numbers as used in
public Wikidata queries, e.g. "?item wdt:P6782 ?ror  # ROR ID", "?country wdt:P298 ?iso3".)

Score: 1.0 for a preferred label, 0.9 for an alternative label; times 1.0 when the countries agree,
0.8 when either is unknown, 0.5 when they differ. Candidates are proposals, never decisions.
"""

from __future__ import annotations

import datetime
import json
import os
import socket
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import yaml

from ..errors import SmartHealthError

SMH = "https://w3id.org/smart-health/ontology#"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_ALT_LABEL = "http://www.w3.org/2004/02/skos/core#altLabel"
COUNTRY_AUTHORITY = "http://publications.europa.eu/resource/authority/country/"
WIKIDATA_ENDPOINT = "https://query.wikidata.org/sparql"
#: Languages a name is looked up in (the pilot's languages, English, and Wikidata's "mul").
LANGUAGES = ("en", "nl", "fr", "de", "it", "es", "fi", "ro", "sl", "mul")
KINDS = {"organisation": SMH + "Organisation", "initiative": SMH + "Initiative"}
USER_AGENT = "smarthealth-align/0.1 (Smart Health knowledge graph reconciliation)"


class AlignError(SmartHealthError):
    """The reconciliation endpoint could not be used; nothing was written."""


@dataclass
class Entity:
    """An organisation or initiative of the graph, as reconciliation sees it."""

    key: str  # kind/key, e.g. organisation/ku-leuven
    iri: str
    label: str
    names: set[str] = field(default_factory=set)
    country: str | None = None  # ISO 3166-1 alpha-3, from the EU country authority IRI


@dataclass
class Candidate:
    """A resource of the other dataset that carries one of an entity's names."""

    entity: Entity
    target: str
    matched_label: str
    matched_property: str
    countries: set[str] = field(default_factory=set)
    also: dict[str, set[str]] = field(default_factory=dict)

    @property
    def score(self) -> float:
        base = 1.0 if self.matched_property in PREFERRED_NAME_PROPERTIES else 0.9
        if not self.countries or not self.entity.country:
            return round(base * 0.8, 2)
        return round(base * (1.0 if self.entity.country in self.countries else 0.5), 2)


ENTITY_QUERY = """
PREFIX smh: <https://w3id.org/smart-health/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?entity ?name ?country WHERE {
  VALUES ?kind { KIND }
  ?entity a ?class . ?class rdfs:subClassOf* ?kind .
  { ?entity rdfs:label ?name } UNION { ?entity skos:altLabel ?name }
  OPTIONAL {
    { ?entity smh:country ?country }
    UNION { ?entity smh:basedIn/smh:partOfRegion*/smh:country ?country }
  }
}
"""


def graph_entities(dataset: Path, kinds: tuple[str, ...], base_iri: str) -> list[Entity]:
    """Return the organisations and/or initiatives of a built dataset with their names and country."""
    store = ox.Store()
    store.bulk_load(path=str(dataset), format=_format_of(dataset))
    base = base_iri if base_iri.endswith(("/", "#")) else base_iri + "/"
    entities: dict[str, Entity] = {}
    for kind in kinds:
        # The class is one of KINDS, written as a pyoxigraph term (no user text enters the query).
        query = ENTITY_QUERY.replace("KIND", str(ox.NamedNode(KINDS[kind])))
        rows = store.query(query, use_default_graph_as_union=True)
        for row in rows:
            iri = row["entity"].value
            if not iri.startswith(base):
                continue
            entity = entities.setdefault(iri, Entity(key=iri[len(base):], iri=iri, label=""))
            name = row["name"]
            entity.names.add(name.value.strip())
            if name.language in (None, "en") and (not entity.label or name.language == "en"):
                entity.label = name.value.strip()
            country = row["country"]
            if country is not None and country.value.startswith(COUNTRY_AUTHORITY) and entity.country is None:
                entity.country = country.value[len(COUNTRY_AUTHORITY):]
    for entity in entities.values():
        entity.label = entity.label or sorted(entity.names)[0]
    return sorted(entities.values(), key=lambda entity: entity.key)


def _format_of(path: Path) -> ox.RdfFormat:
    suffix = Path(path).suffix.lower()
    formats = {".trig": ox.RdfFormat.TRIG, ".nq": ox.RdfFormat.N_QUADS, ".ttl": ox.RdfFormat.TURTLE,
               ".nt": ox.RdfFormat.N_TRIPLES}
    if suffix not in formats:
        raise AlignError(f"cannot read {path}: use a .trig, .nq, .ttl or .nt file")
    return formats[suffix]


def wikidata_query(names: list[str]) -> str:
    """Return the Wikidata-shaped candidate query for some names (each looked up in LANGUAGES)."""
    literals = " ".join(str(ox.Literal(name, language=lang)) for name in names for lang in LANGUAGES)
    return f"""PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX wdt: <http://www.wikidata.org/prop/direct/>
SELECT ?name ?item ?property ?country ?ror WHERE {{
  VALUES ?name {{ {literals} }}
  {{ ?item rdfs:label ?name . BIND("rdfs:label" AS ?property) }}
  UNION
  {{ ?item skos:altLabel ?name . BIND("skos:altLabel" AS ?property) }}
  OPTIONAL {{ ?item wdt:P17/wdt:P298 ?country }}
  OPTIONAL {{ ?item wdt:P6782 ?ror }}
}}
LIMIT 5000
"""


def cordis_query(names: list[str]) -> str:
    """Return the CORDIS-shaped (EURIO) candidate query for some names (as written and in upper case)."""
    # CORDIS writes legal names in upper case ("DANMARKS TEKNISKE UNIVERSITET"); both forms are sent
    # as plain literals, so the endpoint joins on them instead of scanning every legal name.
    literals = " ".join(sorted({str(ox.Literal(form)) for name in names for form in (name, name.upper())}))
    return f"""PREFIX eurio: <http://data.europa.eu/s66#>
SELECT ?name ?item ?property ?country WHERE {{
  VALUES ?name {{ {literals} }}
  ?item a eurio:Organisation ;
        eurio:legalName ?name .
  BIND("eurio:legalName" AS ?property)
  OPTIONAL {{ ?item eurio:hasSite/eurio:hasGeographicalLocation/eurio:hasISOCountryCode ?country }}
}}
LIMIT 5000
"""


TARGETS = {"wikidata": wikidata_query, "cordis": cordis_query}
#: The public endpoint of each target (the default of ``smarthealth align --endpoint``).
TARGET_ENDPOINTS = {"wikidata": WIKIDATA_ENDPOINT, "cordis": "https://cordis.europa.eu/datalab/sparql"}
#: Properties that carry an organisation's own (preferred or legal) name.
PREFERRED_NAME_PROPERTIES = ("rdfs:label", "eurio:legalName")


def propose(entities: list[Entity], endpoint: str, target: str = "wikidata", *, batch: int = 20,
            timeout_s: float = 30.0) -> list[Candidate]:
    """Ask the endpoint for resources carrying the entities' names; return the candidates."""
    build_query = TARGETS[target]
    by_name: dict[str, list[Entity]] = {}
    for entity in entities:
        for name in entity.names:
            by_name.setdefault(name.casefold(), []).append(entity)
    names = sorted({name for entity in entities for name in entity.names})
    found: dict[tuple[str, str], Candidate] = {}
    for start in range(0, len(names), batch):
        for row in sparql_select(endpoint, build_query(names[start:start + batch]), timeout_s=timeout_s):
            name, item = row.get("name"), row.get("item")
            if not name or not item:
                continue
            for entity in by_name.get(name.casefold(), []):
                key = (entity.iri, item)
                candidate = found.get(key)
                if candidate is None or (candidate.matched_property not in PREFERRED_NAME_PROPERTIES
                                         and row.get("property") in PREFERRED_NAME_PROPERTIES):
                    previous = candidate
                    candidate = Candidate(entity, item, name, row.get("property") or "rdfs:label")
                    if previous:
                        candidate.countries, candidate.also = previous.countries, previous.also
                    found[key] = candidate
                if row.get("country"):
                    candidate.countries.add(row["country"])
                if row.get("ror"):
                    candidate.also.setdefault("ror", set()).add(row["ror"])
    return sorted(found.values(), key=lambda c: (c.entity.key, -c.score, c.target))


def sparql_select(endpoint: str, query: str, *, timeout_s: float) -> list[dict[str, str]]:
    """Run a SELECT over the SPARQL 1.1 Protocol; return rows of plain values, or raise AlignError."""
    body = urllib.parse.urlencode({"query": query}).encode()
    request = urllib.request.Request(endpoint, data=body, method="POST", headers={
        "Accept": "application/sparql-results+json",
        "Content-Type": "application/x-www-form-urlencoded",
        "User-Agent": USER_AGENT,
    })
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as answer:
            payload = answer.read()
    except urllib.error.HTTPError as error:
        raise AlignError(f"{endpoint} answered HTTP {error.code} {error.reason}; nothing was written") from None
    except (urllib.error.URLError, socket.timeout, ConnectionError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise AlignError(f"cannot reach {endpoint} ({reason}); is there a network connection? "
                         "nothing was written") from None
    try:
        bindings = json.loads(payload)["results"]["bindings"]
    except (ValueError, KeyError, TypeError):
        raise AlignError(f"{endpoint} did not answer with SPARQL JSON results; nothing was written") from None
    return [{name: value.get("value") for name, value in row.items()} for row in bindings]


def review_document(candidates: list[Candidate], *, endpoint: str, target: str, entities: int) -> dict:
    """Return the review file's content: the run, then one pending entry per candidate."""
    return {
        "run": {
            "endpoint": endpoint,
            "target": target,
            "date": datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat(),
            "entities": entities,
            "candidates": len(candidates),
        },
        "candidates": [_entry(candidate, endpoint) for candidate in candidates],
    }


def _entry(candidate: Candidate, endpoint: str) -> dict:
    entity = candidate.entity
    entry = {
        "entity": entity.key,
        "entity_label": entity.label,
        "target": candidate.target,
        "relation": "exactMatch",
        "decision": "pending",
        "evidence": {
            "matched_label": candidate.matched_label,
            "matched_property": candidate.matched_property,
            "country": ", ".join(sorted(candidate.countries)) or "unknown",
            "entity_country": entity.country or "unknown",
            "score": candidate.score,
            "source": endpoint,
        },
    }
    if candidate.also:
        entry["also"] = {name: sorted(values) for name, values in sorted(candidate.also.items())}
    return entry


def write_review_file(path: Path, document: dict) -> None:
    """Write the review file in one step (a temporary file renamed over it)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    header = ("# Candidate links from `smarthealth align`: proposals, not facts. Review each entry: set\n"
              "# decision to accepted or rejected (and relation to exactMatch or closeMatch), add\n"
              "# reviewed_by and reviewed_on, and move accepted entries to data/curated/links.yaml.\n")
    text = header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
    handle, temporary = tempfile.mkstemp(prefix=path.name, dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as output:
            output.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
