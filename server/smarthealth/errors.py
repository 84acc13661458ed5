"""Errors the project reports to its users.

A ``SmartHealthError`` carries a message meant for the user (CLI output or HTTP body). Anything
else that escapes is a bug: the CLI and the server report it as an internal error and keep the
traceback in the log only.
"""

from __future__ import annotations


class SmartHealthError(Exception):
    """An error with a message that can be shown to the user as it is."""

    #: HTTP status used when the error reaches the web layer.
    http_status = 500

    def __init__(self, message: str, *, where: str | None = None):
        super().__init__(message)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class SourceError(SmartHealthError):
    """A source document or curated file is malformed, or a quote is not in its document."""


class ValidationFailed(SmartHealthError):
    """SHACL validation found violations."""


class ReasoningFailed(SmartHealthError):
    """The ontology plus data is inconsistent or has unsatisfiable classes."""


class BadRequest(SmartHealthError):
    """The client sent something the server cannot accept (HTTP 400)."""

    http_status = 400


class Unauthorized(SmartHealthError):
    """The request needs credentials it did not carry (HTTP 401)."""

    http_status = 401


class Forbidden(SmartHealthError):
    """The request's credentials are not good enough (HTTP 403)."""

    http_status = 403


class NotAcceptable(SmartHealthError):
    """No representation matches the request's Accept header (HTTP 406)."""

    http_status = 406


class QueryTimeout(SmartHealthError):
    """A query ran past its time limit (HTTP 503)."""

    http_status = 503


class MethodNotAllowed(SmartHealthError):
    """The resource does not answer this HTTP method (HTTP 405)."""

    http_status = 405

    def __init__(self, message: str, *, allowed: tuple[str, ...] = ("GET", "POST")):
        super().__init__(message)
        self.allowed = allowed


class PayloadTooLarge(SmartHealthError):
    """The request body is larger than the server accepts (HTTP 413)."""

    http_status = 413


class UnsupportedMediaType(SmartHealthError):
    """The request body's media type or charset is not one the server reads (HTTP 415)."""

    http_status = 415


class TooManyRequests(SmartHealthError):
    """A client already runs as many queries as one client may at once (HTTP 429)."""

    http_status = 429

    def __init__(self, message: str, *, retry_after_s: int = 1):
        super().__init__(message)
        #: Seconds after which the client may try again (the Retry-After header).
        self.retry_after_s = retry_after_s


class QueryResourceLimit(SmartHealthError):
    """A query needed more memory than the server gives one query (HTTP 503)."""

    http_status = 503


class BadGateway(SmartHealthError):
    """A server this one had to call, such as a SERVICE endpoint, failed to answer (HTTP 502)."""

    http_status = 502

    def __init__(self, message: str, *, where: str | None = None, detail: str | None = None):
        super().__init__(message, where=where)
        #: What went wrong, for the log only (it may hold internal text).
        self.detail = detail


class ServerBusy(SmartHealthError):
    """Every worker that could take the request stayed busy; the client may retry (HTTP 503)."""

    http_status = 503

    def __init__(self, message: str, *, retry_after_s: int = 5):
        super().__init__(message)
        #: Seconds the client should wait before trying again (the Retry-After header).
        self.retry_after_s = retry_after_s
