"""RDF namespaces used across the project (see ontology/MODEL.md)."""

from rdflib import Namespace
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, XSD

SMH = Namespace("https://w3id.org/smart-health/ontology#")
SMHV = Namespace("https://w3id.org/smart-health/vocab/")
ORG = Namespace("http://www.w3.org/ns/org#")
M8G = Namespace("http://data.europa.eu/m8g/")
EURIO = Namespace("http://data.europa.eu/s66#")
OA = Namespace("http://www.w3.org/ns/oa#")
NUTS = Namespace("http://data.europa.eu/nuts/code/")
COUNTRY = Namespace("http://publications.europa.eu/resource/authority/country/")
CURRENCY = Namespace("http://publications.europa.eu/resource/authority/currency/")
LANGUAGE = Namespace("http://publications.europa.eu/resource/authority/language/")
UNIT = Namespace("http://qudt.org/vocab/unit/")

PREFIXES = {
    "smh": SMH,
    "smhv": SMHV,
    "org": ORG,
    "m8g": M8G,
    "eurio": EURIO,
    "oa": OA,
    "nuts": NUTS,
    "country": COUNTRY,
    "currency": CURRENCY,
    "lang": LANGUAGE,
    "unit": UNIT,
    "prov": PROV,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "foaf": FOAF,
    "owl": OWL,
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
}


def bind_prefixes(graph) -> None:
    """Bind the project's prefixes on an rdflib Graph or Dataset."""
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
