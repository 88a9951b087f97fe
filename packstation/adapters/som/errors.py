"""The SOM client's exception hierarchy.

Three families matter to callers (the outbox builds on them):

* ``RetryableError``: nothing was changed on the server, or repeating is harmless; retry later
  (connect failures, 429, 502/503/504, timeouts before the request was sent).
* ``PermanentError``: the server refused the request (400, 401, 403, 404, 409, other 4xx);
  repeating it will fail the same way.
* ``OutcomeUnknownError``: the request may have reached the server but no answer came back
  (read timeout, connection dropped after the request was sent). For non-idempotent writes
  (creating parcels) the caller must reconcile with ``shipments.get`` before sending again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ApiErrorBody:
    """Ingrid's error document ``{"code", "error", "message", "details"}``; all optional."""

    code: int | None = None
    error: str | None = None
    message: str | None = None
    details: list[Any] = field(default_factory=list)


class SomError(Exception):
    """Base of every error the SOM client raises."""

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        status: int | None = None,
        trace_id: str | None = None,
        body: ApiErrorBody | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.status = status
        self.trace_id = trace_id
        self.body = body or ApiErrorBody()

    def one_line(self) -> str:
        """A single line for people: status, Ingrid's message, trace id. Never contains the token."""
        parts = []
        if self.method:
            parts.append(self.method)
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        parts.append(self.body.message or self.message)
        if self.trace_id:
            parts.append(f"x-trace-id {self.trace_id}")
        return " | ".join(parts)


class RetryableError(SomError):
    """Safe to try again later. ``retry_after`` (seconds) is set when the server asked for it."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class NetworkError(RetryableError):
    """The request never reached the server (DNS, connect refused, connect timeout)."""


class RateLimitedError(RetryableError):
    """HTTP 429."""


class ServerUnavailableError(RetryableError):
    """HTTP 502, 503, 504 (and 500 for read-only calls)."""


class PermanentError(SomError):
    """The server refused the request; repeating it unchanged will not help."""


class BadRequestError(PermanentError):
    """HTTP 400 / 422."""


class AuthError(PermanentError):
    """HTTP 401 or 403: the token is wrong, expired, or for another environment."""


class NotFoundError(PermanentError):
    """HTTP 404."""


class ConflictError(PermanentError):
    """HTTP 409."""


class OutcomeUnknownError(SomError):
    """The request may have been applied, but no answer arrived. Reconcile before repeating."""


class MalformedResponseError(SomError):
    """A 2xx answer that is not the JSON document the method promises (HTML, empty, wrong shape).

    For writes this is treated like an unknown outcome by the outbox: the server said 2xx.
    """


class LabelTooLargeError(PermanentError):
    """A label download exceeded the client's size cap; it was aborted, nothing was kept."""
