"""The human pages of the endpoint: the query page (YASGUI, served from the package, no CDN)."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Blueprint, current_app, make_response, render_template

from ..config import Settings
from ..errors import SmartHealthError

log = logging.getLogger(__name__)

# Templates and static files live beside the package (server/smarthealth/templates, .../static),
# not beside this module. The static files are under /assets: Flask's own /static route belongs
# to the application.
bp = Blueprint(
    "pages",
    __name__,
    template_folder="../templates",
    static_folder="../static",
    static_url_path="/assets",
)

# The page loads nothing from another host; the editor talks to this server only. Inline styles
# are YASGUI's own (CodeMirror sets element styles), inline scripts are not needed.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'self'"
)


def _queries_dir() -> Path:
    """Return the folder of saved queries this application was configured with."""
    configured = current_app.config.get("QUERIES_DIR")
    if configured:
        return Path(configured)
    settings = current_app.config.get("SETTINGS")
    if isinstance(settings, Settings):
        return settings.queries_dir
    return Settings().queries_dir


def _saved_queries() -> tuple[list, str | None]:
    """Load the saved queries; on a catalogue error return none and the error's message."""
    from ..saved.catalog import load_catalog

    try:
        return load_catalog(_queries_dir()), None
    except SmartHealthError as error:
        log.warning("saved queries not shown on the query page: %s", error)
        return [], str(error)


@bp.get("/")
def query_page():
    """Render the SPARQL query page with the saved questions as ready examples."""
    queries, catalog_error = _saved_queries()
    saved = [
        {"name": query.name, "summary": query.summary, "text": query.text}
        for query in queries
    ]
    page = render_template(
        "query.html", queries=queries, saved_queries=saved, catalog_error=catalog_error,
    )
    response = make_response(page)
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
