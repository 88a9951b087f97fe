"""Turning Ingrid's HTTP answers into documents or into the right ``SomError``.

Kept apart from the client so the status table, the error-body parsing and ``Retry-After`` parsing
can be read (and tested) in one place.
"""

from __future__ import annotations

import email.utils
import json
import re
import time
from typing import TYPE_CHECKING, Any

from packstation.adapters.som.errors import (
    ApiErrorBody,
    AuthError,
    BadRequestError,
    ConflictError,
    MalformedResponseError,
    NotFoundError,
    OutcomeUnknownError,
    PermanentError,
    RateLimitedError,
    ServerUnavailableError,
    SomError,
)

if TYPE_CHECKING:  # only the client's answers come here: it imports httpx with its first request
    import httpx

TRACE_HEADER = "x-trace-id"
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds from now: delta-seconds or an HTTP date; None if absent/unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def parse_error_body(response: httpx.Response) -> tuple[ApiErrorBody, str | None]:
    """Ingrid's ``{"code", "error", "message", "details"}`` where present, plus a short description
    of anything else (an HTML page's title, a text snippet). Never raises."""
    raw = response.content or b""
    if not raw.strip():
        return ApiErrorBody(), "empty body"
    try:
        doc = json.loads(raw)
    except ValueError:
        doc = None
    if isinstance(doc, dict):
        return _body_from_dict(doc), None
    if doc is not None:
        return ApiErrorBody(), f"JSON {type(doc).__name__} instead of an error object"
    content_type = response.headers.get("content-type", "").split(";")[0].strip() or "no content type"
    title = _TITLE.search(raw[:4096])
    if title:
        text = " ".join(title.group(1).decode("utf-8", "replace").split())[:80]
        return ApiErrorBody(), f"{content_type} page {text!r}"
    snippet = " ".join(raw[:80].decode("utf-8", "replace").split())
    if "<" in snippet:  # markup without a title: do not echo it
        return ApiErrorBody(), f"{content_type} page"
    return ApiErrorBody(), f"{content_type}: {snippet!r}"


def _body_from_dict(doc: dict[str, Any]) -> ApiErrorBody:
    code = doc.get("code")
    if isinstance(code, str) and code.strip().lstrip("-").isdigit():
        code = int(code)
    if not isinstance(code, int) or isinstance(code, bool):
        code = None
    error = doc.get("error")
    message = doc.get("message")
    if isinstance(error, dict):  # {"error": {"message": ...}} as some gateways answer
        message = message or error.get("message")
        error = error.get("code") or error.get("status")
    details = doc.get("details")
    return ApiErrorBody(
        code=code,
        error=str(error) if error not in (None, "") else None,
        message=str(message) if message not in (None, "") else None,
        details=details if isinstance(details, list) else ([] if details is None else [details]),
    )


def error_for_status(response: httpx.Response, *, method: str, is_read: bool) -> SomError:
    """The exception for a non-2xx answer (the caller raises it)."""
    status = response.status_code
    trace_id = response.headers.get(TRACE_HEADER)
    body, other = parse_error_body(response)
    reason = response.reason_phrase or "error"
    detail = body.message or body.error or other or reason
    message = f"HTTP {status} {reason}: {detail}" if detail != reason else f"HTTP {status} {reason}"
    kw: dict[str, Any] = {"method": method, "status": status, "trace_id": trace_id, "body": body}
    if status == 429:
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        return RateLimitedError(message, retry_after=retry_after, **kw)
    if status in (502, 503, 504):
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        return ServerUnavailableError(message, retry_after=retry_after, **kw)
    if status >= 500:
        if is_read:
            return ServerUnavailableError(message, **kw)
        # The server failed while handling a write: it may have committed part or all of it.
        return OutcomeUnknownError(f"{message} (the change may have been applied)", **kw)
    if status in (400, 422):
        return BadRequestError(message, **kw)
    if status in (401, 403):
        return AuthError(message, **kw)
    if status == 404:
        return NotFoundError(message, **kw)
    if status == 409:
        return ConflictError(message, **kw)
    if 300 <= status < 400:
        where = response.headers.get("location", "?")
        return PermanentError(f"HTTP {status}: unexpected redirect to {where} (check the API URL)", **kw)
    return PermanentError(message, **kw)


def json_document(response: httpx.Response, *, method: str, allow_empty: bool) -> dict[str, Any]:
    """The JSON object of a 2xx answer; ``MalformedResponseError`` for anything else."""
    trace_id = response.headers.get(TRACE_HEADER)
    raw = response.content or b""
    kw: dict[str, Any] = {"method": method, "status": response.status_code, "trace_id": trace_id}
    if not raw.strip():
        if allow_empty:
            return {}
        raise MalformedResponseError("the server answered with an empty body instead of JSON", **kw)
    try:
        doc = json.loads(raw)
    except ValueError:
        _, what = parse_error_body(response)
        raise MalformedResponseError(f"the server answered with {what} instead of JSON", **kw) from None
    if not isinstance(doc, dict):
        raise MalformedResponseError(f"the server answered with a JSON {type(doc).__name__}", **kw)
    return doc
