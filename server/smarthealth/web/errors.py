"""Error answers: a plain-text message for the client, a traceback only in the log."""

from __future__ import annotations

import logging

from flask import Flask, Response
from werkzeug.exceptions import HTTPException

from ..errors import MethodNotAllowed, ServerBusy, SmartHealthError, TooManyRequests, Unauthorized

log = logging.getLogger(__name__)

PLAIN_TEXT = "text/plain; charset=utf-8"


def error_response(status: int, message: str) -> Response:
    """Return a plain-text error answer."""
    return Response(message.rstrip("\n") + "\n", status=status, content_type=PLAIN_TEXT)


def handle_project_error(error: SmartHealthError) -> Response:
    """Answer a reportable error with its status and message."""
    if error.http_status >= 500 and error.http_status != 503:
        # What went wrong beyond the user's message (a remote server's error) goes to the log only.
        detail = getattr(error, "detail", None)
        log.error("error answered with %d: %s%s", error.http_status, error, f" ({detail})" if detail else "")
    response = error_response(error.http_status, str(error))
    add_error_headers(response, error)
    return response


def add_error_headers(response: Response, error: SmartHealthError) -> None:
    """Add the headers an error status asks for (WWW-Authenticate, Allow, Retry-After)."""
    if isinstance(error, TooManyRequests):
        response.headers["Retry-After"] = str(error.retry_after_s)
    if isinstance(error, Unauthorized):
        response.headers["WWW-Authenticate"] = 'Bearer realm="smarthealth"'
    if isinstance(error, MethodNotAllowed):
        response.headers["Allow"] = ", ".join(error.allowed)
    if isinstance(error, ServerBusy):
        response.headers["Retry-After"] = str(error.retry_after_s)


def handle_http_error(error: HTTPException) -> Response:
    """Answer werkzeug's own errors (404, 405, 413...) as plain text, keeping their headers."""
    response = error_response(error.code or 500, f"{error.code} {error.name}: {error.description}")
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def handle_unexpected_error(error: Exception) -> Response:
    """Answer a bug with a generic message; the traceback goes to the log only."""
    log.exception("internal error while answering a request")
    return error_response(500, "internal error")


def init_app(app: Flask) -> None:
    """Register the error handlers on the application."""
    app.register_error_handler(SmartHealthError, handle_project_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected_error)
