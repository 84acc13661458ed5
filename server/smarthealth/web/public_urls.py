"""The server's own public addresses: PUBLIC_URL when configured, else the request's URL root.

Descriptions of the service (Service Description, VoID, DCAT) name the server's addresses. Taken
from the request they would echo whatever Host header a client sends; behind a proxy or a w3id.org
redirect the deployment sets PUBLIC_URL and the descriptions no longer depend on the request.
"""

from __future__ import annotations

from flask import current_app, request

#: The pages for people load nothing from another host (Cytoscape and Chart.js set inline styles).
PAGE_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'self'"
)


def public_root() -> str:
    """Return the public base URL of the server, without a trailing slash."""
    configured = current_app.config.get("PUBLIC_URL")
    if configured:
        return str(configured).rstrip("/")
    return request.url_root.rstrip("/")


def site_url(path: str) -> str:
    """Return the public URL of a path of this server (``path`` starts with ``/``)."""
    return public_root() + path


def add_page_headers(response):
    """Give an HTML page the content security policy of the site (unless one is set already)."""
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", PAGE_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response
