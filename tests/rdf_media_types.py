"""The RDF media types the endpoint serialises, with the rdflib parser name that reads each back."""

RDFLIB_FORMAT_BY_MEDIA_TYPE = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
    "application/trig": "trig",
    "application/n-quads": "nquads",
}
