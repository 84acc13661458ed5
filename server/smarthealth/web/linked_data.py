"""Dereferencing: every IRI under the base answers, for people (HTML) and programs (RDF).

Routes (Cool URIs for the Semantic Web, section 4.3, 303 URIs forwarding to one generic document):

- ``GET /id/{key}``: the thing ``BASE_IRI + key``; 303 See Other to the document in the negotiated
  format, ``Vary: Accept``; 406 when nothing fits; ``?format=`` as a fallback for the Accept header;
- ``GET /doc/{key}``: the document about it, by content negotiation (``Vary: Accept``);
  ``/doc/{key}.{html,ttl,jsonld,rdf,nt,trig,nq}``: one format, for links and downloads;
- ``GET /resource?uri=IRI``: the same for any IRI the graph mentions (ontology terms go to the
  ontology documentation, our own IRIs to ``/id``).

The RDF of an entity holds its statements in both directions, the labels and types of what it
links to, the n-ary records around it (memberships, amounts, observations), and the quotations
and source documents behind them. Dataset formats (TriG, N-Quads, JSON-LD) keep the named graph of
each statement; triple formats give their union.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from urllib.parse import quote

import pyoxigraph as ox
from flask import Blueprint, Response, abort, current_app, redirect, request, url_for
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from ..config import DEFAULT_BASE_IRI, ONTOLOGY_IRI
from ..errors import BadRequest, NotAcceptable
from ..namespaces import PREFIXES, SMH, SMHV
from . import get_state
from .public_urls import add_page_headers
from .entity_graph import EntityDescription, describe

bp = Blueprint("linked_data", __name__)
bp.after_request(add_page_headers)

HTML = "text/html"

#: File extension -> media type of a document about an entity, in the server's order of preference.
EXTENSIONS = {
    "html": HTML,
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "rdf": "application/rdf+xml",
    "nt": "application/n-triples",
    "trig": "application/trig",
    "nq": "application/n-quads",
}
MEDIA_TYPE_EXTENSIONS = {media_type: extension for extension, media_type in EXTENSIONS.items()}

#: Media types clients send that stand for one of ours.
ALIASES = {
    "application/xhtml+xml": HTML,
    "application/json": "application/ld+json",
    "application/xml": "application/rdf+xml",
    "text/xml": "application/rdf+xml",
    "application/x-turtle": "text/turtle",
    "text/n3": "text/turtle",
    "text/plain": "application/n-triples",
    "application/x-trig": "application/trig",
}

#: Values of ``?format=`` -> media type.
FORMAT_NAMES = {
    **{extension: media_type for extension, media_type in EXTENSIONS.items()},
    "turtle": "text/turtle",
    "json-ld": "application/ld+json",
    "json": "application/ld+json",
    "rdfxml": "application/rdf+xml",
    "rdf+xml": "application/rdf+xml",
    "xml": "application/rdf+xml",
    "ntriples": "application/n-triples",
    "n-triples": "application/n-triples",
    "nquads": "application/n-quads",
    "n-quads": "application/n-quads",
}

#: Media type -> pyoxigraph format, and whether it carries named graphs.
RDF_FORMATS = {
    "text/turtle": (ox.RdfFormat.TURTLE, False),
    "application/rdf+xml": (ox.RdfFormat.RDF_XML, False),
    "application/n-triples": (ox.RdfFormat.N_TRIPLES, False),
    "application/ld+json": (ox.RdfFormat.JSON_LD, True),
    "application/trig": (ox.RdfFormat.TRIG, True),
    "application/n-quads": (ox.RdfFormat.N_QUADS, True),
}

TEXTUAL = {"text/turtle", "application/rdf+xml", "application/n-triples", "application/trig", "application/n-quads", HTML}


def negotiate(accept_header: str | None, format_name: str | None = None) -> str:
    """Return the media type to answer with (``format`` wins over Accept), or raise NotAcceptable."""
    if format_name:
        media_type = FORMAT_NAMES.get(format_name.strip().lower())
        if media_type is None:
            known = ", ".join(sorted(FORMAT_NAMES))
            raise NotAcceptable(f"unknown format {format_name!r}; use one of {known}")
        return media_type
    if not accept_header or not accept_header.strip():
        return HTML
    accept = parse_accept_header(accept_header, MIMEAccept)
    best = accept.best_match(list(EXTENSIONS.values()) + list(ALIASES))
    if best is None:
        offered = ", ".join(EXTENSIONS.values())
        raise NotAcceptable(f"none of the media types in the Accept header can be served; offered: {offered}")
    return ALIASES.get(best, best)


def content_type(media_type: str) -> str:
    """Return the Content-Type header value of a media type (with charset where textual)."""
    return f"{media_type}; charset=utf-8" if media_type in TEXTUAL else media_type


def base_iri() -> str:
    """Return the base IRI of instance data this server answers for."""
    return current_app.config.get("BASE_IRI") or DEFAULT_BASE_IRI


def local_key(iri: str) -> str | None:
    """Return the key of an IRI under the base (``region/BE2``), or None for other IRIs."""
    base = base_iri()
    if iri.startswith(base) and len(iri) > len(base):
        return iri[len(base):]
    return None


def page_url(iri: str) -> str | None:
    """Return this server's page for an IRI of ours (instances, ontology terms, concepts), else None."""
    key = local_key(iri)
    if key is not None:
        return url_for("linked_data.thing", key=key)
    if iri == ONTOLOGY_IRI or iri == ONTOLOGY_IRI + "#":
        return url_for("ontology_docs.ontology")
    if iri.startswith(str(SMH)):
        return url_for("ontology_docs.ontology") + "#" + iri[len(str(SMH)):]
    if iri == str(SMHV).rstrip("/") or iri.startswith(str(SMHV)):
        return url_for("ontology_docs.vocabularies") + "#" + quote(iri[len(str(SMHV)):], safe="/-_.~")
    return None


@bp.app_template_global("local_href")
def local_href(iri: str) -> str | None:
    """Return this server's page about an IRI of ours (for links in tables), else None."""
    return page_url(iri)


def document_url(key: str, media_type: str) -> str:
    """Return the address of the document about ``key`` in one format."""
    return url_for("linked_data.document", key=f"{key}.{MEDIA_TYPE_EXTENSIONS[media_type]}")


@bp.get("/id/<path:key>")
def thing(key: str):
    """Send the client to the document about the thing, in the format it asked for (303)."""
    media_type = negotiate(request.headers.get("Accept"), request.args.get("format"))
    response = redirect(document_url(key, media_type), code=303)
    response.headers["Vary"] = "Accept"
    return response


@bp.get("/doc/<path:key>")
def document(key: str):
    """Describe the thing ``BASE_IRI + key`` in the format of the extension, or by negotiation."""
    stem, _, extension = key.rpartition(".")
    if stem and extension in EXTENSIONS:
        key, media_type, negotiated = stem, EXTENSIONS[extension], False
    else:
        media_type, negotiated = negotiate(request.headers.get("Accept"), request.args.get("format")), True
    iri = base_iri() + key
    _check_iri(iri)
    response = _describe_response(iri, media_type)
    if negotiated:
        response.headers["Vary"] = "Accept"
        response.headers["Content-Location"] = document_url(key, media_type)
    return response


@bp.get("/resource")
def resource():
    """Describe any IRI the graph mentions; our own IRIs go to their own pages (303)."""
    iri = (request.args.get("uri") or "").strip()
    if not iri:
        raise BadRequest("give the IRI to describe: /resource?uri=https://...")
    _check_iri(iri)
    media_type = negotiate(request.headers.get("Accept"), request.args.get("format"))
    key = local_key(iri)
    if key is not None:
        target = document_url(key, media_type)
    elif page_url(iri) is not None and media_type == HTML:
        target = page_url(iri)
    elif page_url(iri) is not None:
        target = url_for("ontology_docs.ontology_file" if iri.startswith(str(SMH)) or iri.startswith(ONTOLOGY_IRI)
                         else "ontology_docs.vocabulary_file", extension=MEDIA_TYPE_EXTENSIONS[media_type])
    else:
        response = _describe_response(iri, media_type)
        response.headers["Vary"] = "Accept"
        return response
    response = redirect(target, code=303)
    response.headers["Vary"] = "Accept"
    return response


def _check_iri(iri: str) -> None:
    try:
        ox.NamedNode(iri)
    except ValueError as error:
        raise BadRequest(f"not a valid IRI: {iri!r} ({error})") from None


#: Entity descriptions kept per application (least recently used dropped first).
ENTITY_CACHE_SIZE = 256


def entity_description(iri: str) -> EntityDescription:
    """Return the description of an IRI, kept for the current data generation.

    Not in the shared per-generation cache: that one is small and cleared when full, and a crawl
    over entity pages would push the dataset statistics out of it.
    """
    state = get_state()
    cache: OrderedDict = current_app.extensions.setdefault("smarthealth-entities", OrderedDict())
    lock = current_app.extensions.setdefault("smarthealth-entities-lock", threading.Lock())
    key = (state.store.generation, iri)
    with lock:
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
    description = describe(state.store, iri)
    with lock:
        cache[key] = description
        while len(cache) > ENTITY_CACHE_SIZE:
            cache.popitem(last=False)
    return description


def _describe_response(iri: str, media_type: str) -> Response:
    description = entity_description(iri)
    if not description:
        if media_type == HTML:
            from .entity_pages import render_not_found

            return Response(render_not_found(iri), status=404, content_type=content_type(HTML))
        abort(404, description=f"the graph holds no statement about <{iri}>")
    if media_type == HTML:
        from .entity_pages import render_entity

        body = render_entity(description)
    else:
        body = serialize(description, media_type)
    response = Response(body, content_type=content_type(media_type))
    response.headers["Link"] = ", ".join(
        f'<{_alternate_url(iri, other)}>; rel="alternate"; type="{other}"'
        for other in EXTENSIONS.values() if other != media_type
    )
    return response


def _alternate_url(iri: str, media_type: str) -> str:
    key = local_key(iri)
    if key is not None:
        return document_url(key, media_type)
    return url_for("linked_data.resource", uri=iri, format=MEDIA_TYPE_EXTENSIONS[media_type])


def serialize(description: EntityDescription, media_type: str) -> bytes:
    """Return the description in an RDF format; triple formats get the union of the graphs."""
    rdf_format, keeps_graphs = RDF_FORMATS[media_type]
    statements = description.quads if keeps_graphs else description.triples()
    prefixes = {name: str(namespace) for name, namespace in PREFIXES.items()}
    prefixes["id"] = base_iri()
    if rdf_format in (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS):
        return ox.serialize(statements, format=rdf_format)
    return ox.serialize(statements, format=rdf_format, prefixes=prefixes)
