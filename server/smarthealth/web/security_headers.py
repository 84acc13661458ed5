"""Headers every answer carries, so that a page of this server cannot be turned against its readers.

- ``X-Content-Type-Options: nosniff`` on every answer: a browser takes each media type as stated
  (a Turtle or CSV answer holding ``<script>`` is never run as HTML).
- A Content-Security-Policy on every HTML answer (pages, API docs, HTML tables, error pages) that
  does not set a stricter one of its own: scripts, styles, images and connections from this
  server only, no plugins, no framing by other sites. Inline styles stay allowed: the vendored
  editor (CodeMirror) sets element styles.
- ``Referrer-Policy: same-origin``: a query in a page's URL is not sent to other sites.

The ``Server`` header is gunicorn's own, which names no version.
"""

from __future__ import annotations

from flask import Flask

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
)


def init_app(app: Flask) -> None:
    """Add the security headers to every answer of the application."""

    @app.after_request
    def add_security_headers(response):
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if response.mimetype == "text/html":
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response
