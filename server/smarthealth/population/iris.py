"""Readable, stable instance IRIs following the patterns of ontology/MODEL.md."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from rdflib import URIRef

from ..namespaces import SMH, SMHV

# Class local name -> IRI path segment of its instances (MODEL.md, "Instance IRIs").
PATH_OF_CLASS = {
    "Region": "region",
    "Place": "place",
    "Organisation": "organisation",
    "PublicAuthority": "organisation",
    "FundingAgency": "organisation",
    "ResearchOrganisation": "organisation",
    "University": "organisation",
    "Hospital": "organisation",
    "Company": "organisation",
    "Cluster": "organisation",
    "Infrastructure": "organisation",
    "CivilSocietyOrganisation": "organisation",
    "Initiative": "initiative",
    "Partnership": "initiative",
    "Pilot": "initiative",
    "Network": "initiative",
    "MacroRegionalStrategy": "initiative",
    "Person": "person",
    "Project": "project",
    "DemoCase": "project",
    "UseCase": "use-case",
    "Moonshot": "use-case",
    "PlannedActivity": "plan",
    "FundingProgramme": "programme",
    "FundingInstrument": "programme",
    "Funding": "funding",
    "Grant": "funding",
    "Event": "event",
    "PlenaryMeeting": "event",
    "PolicyDocument": "policy-document",
}

# Roles held on top of a membership: one source may call a region a member and another its
# co-lead, so each leading role is a node of its own (MODEL.md, "Roles").
LEADING_ROLES = {"co-lead", "coordinator", "initiator", "lead"}

# ISO 3166 alpha-2 (as the deck writes countries) -> alpha-3 (the EU country authority table).
ALPHA3 = {
    "BE": "BEL", "NL": "NLD", "IT": "ITA", "FI": "FIN", "RO": "ROU", "DE": "DEU",
    "SI": "SVN", "ES": "ESP", "FR": "FRA", "SE": "SWE", "DK": "DNK", "US": "USA",
    "JP": "JPN", "CH": "CHE", "UK": "GBR", "GB": "GBR",
}


def slugify(text: str) -> str:
    """Turn a name into a lower-case ASCII slug ("Trento – UNITN" -> "trento-unitn")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if not slug:
        raise ValueError(f"cannot make a slug of {text!r}")
    return slug


def quote_key(stem: str, exact: str) -> str:
    """Return the 16-hex key of a quotation: sha1 of the source stem, a newline and the exact text."""
    return hashlib.sha1(f"{stem}\n{exact}".encode("utf-8")).hexdigest()[:16]


class Iris:
    """Mint instance IRIs under one base IRI."""

    def __init__(self, base: str):
        self.base = base if base.endswith(("/", "#")) else base + "/"

    def __call__(self, path: str) -> URIRef:
        """Return the IRI of an instance path such as ``project/we-are``."""
        return URIRef(self.base + path)

    def for_class(self, class_name: str, key: str) -> URIRef:
        """Return the IRI of an instance of ``smh:{class_name}`` with this key."""
        return self(f"{PATH_OF_CLASS[class_name]}/{key}")

    def region(self, nuts_code: str) -> URIRef:
        """Return the IRI of a region by its NUTS code."""
        return self(f"region/{nuts_code}")

    def membership(self, member_key: str, organisation_key: str, role: str | None = None) -> URIRef:
        """Return the IRI of a membership; a leading role (co-lead, coordinator...) gets its own node."""
        suffix = f"--{role}" if role in LEADING_ROLES else ""
        return self(f"membership/{member_key}--{organisation_key}{suffix}")

    def observation(self, region_key: str, indicator: str, period: str) -> URIRef:
        """Return the IRI of one indicator value for a region and period."""
        return self(f"observation/{region_key}--{indicator}--{period}")

    def source(self, stem: str) -> URIRef:
        """Return the IRI of a source document."""
        return self(f"source/{stem}")

    def graph(self, stem: str) -> URIRef:
        """Return the IRI of a source document's named graph."""
        return self(f"graph/{stem}")

    def quote(self, stem: str, exact: str) -> URIRef:
        """Return the IRI of the quotation of an exact passage of a source document."""
        return self(f"quote/{quote_key(stem, exact)}")

    def key_of(self, iri: URIRef) -> str:
        """Return the last path segment of an instance IRI (the key used in membership IRIs)."""
        return str(iri).rsplit("/", 1)[-1]


def smh_class(name: str) -> URIRef:
    """Return ``smh:{name}``, refusing names the model does not know."""
    if name not in PATH_OF_CLASS:
        raise KeyError(name)
    return SMH[name]


def concept(scheme: str, key: str) -> URIRef:
    """Return the ``smhv:`` concept IRI of a controlled-vocabulary key."""
    return SMHV[f"{scheme}/{key}"]
