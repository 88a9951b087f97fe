"""Keeping the API token out of everything the SOM client hands on: errors, documents, log lines.

The token travels as ``Authorization: Bearer <base64(token)>``, so a server (or a proxy in front of
it) that echoes the request back can put either form into an answer; the client quotes answers in
its error messages, and those end up in the station database (``outbox.last_error``), on screens and
in logs. ``Scrubber`` removes

* the token and its base64 forms (standard, URL-safe, without padding, URL-quoted) wherever they are;
* any ``Bearer <credential>``: in texts for people whatever follows "Bearer"; in answers (bytes and
  parsed documents, which become the station's data) only credential-like runs of 16 characters or
  more, so that a customer called "Anna Bearer Smith" keeps her name;
* in texts meant for people (``text``), also a cut-off copy of the token or its base64 form of 12
  characters or more: the client shortens quoted answers, and half a token is still a leak.
"""

from __future__ import annotations

import base64
import re
from typing import Any
from urllib.parse import quote

from packstation.adapters.som.errors import SomError

REDACTED = "***"
MIN_FORM_LENGTH = 4  # shorter "tokens" (tests, typos) would blank out ordinary words
MIN_FRAGMENT = 12
_BEARER = re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=%-]+")
_BEARER_LONG = re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=%-]{16,}")
_BEARER_LONG_BYTES = re.compile(rb"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=%-]{16,}")


class Scrubber:
    """The scrubbing rules for one token (see the module docstring)."""

    def __init__(self, token: str) -> None:
        raw = token.encode("utf-8")
        self.encoded = base64.b64encode(raw).decode("ascii")
        urlsafe = base64.urlsafe_b64encode(raw).decode("ascii")
        forms = {token, self.encoded, urlsafe, self.encoded.rstrip("="), urlsafe.rstrip("=")}
        forms.add(quote(self.encoded, safe=""))
        # Longest first, so that a form containing another is removed whole.
        self._forms = sorted((f for f in forms if len(f) >= MIN_FORM_LENGTH), key=len, reverse=True)
        self._byte_forms = [f.encode("utf-8") for f in self._forms]
        self._whole = [token, self.encoded, urlsafe]

    def exact(self, text: str, *, bearer: re.Pattern[str] = _BEARER_LONG) -> str:
        """``text`` without any form of the token and without bearer credentials."""
        for form in self._forms:
            if form in text:
                text = text.replace(form, REDACTED)
        if "bearer" not in text.lower():  # the common case, without a regex
            return text
        return bearer.sub(lambda m: f"{m.group(1)} {REDACTED}", text)

    def text(self, text: str) -> str:
        """A text for people: ``exact`` (any bearer credential) plus cut-off copies of the token."""
        text = self.exact(text, bearer=_BEARER)
        for secret in self._whole:
            if len(secret) >= MIN_FRAGMENT:
                text = _cut_fragments(text, secret)
        return text

    def raw(self, data: bytes) -> bytes:
        """An answer's bytes without the token's forms or bearer credentials (before they are parsed
        or quoted)."""
        for form in self._byte_forms:
            if form in data:
                data = data.replace(form, REDACTED.encode())
        if b"bearer" in data.lower():
            data = _BEARER_LONG_BYTES.sub(lambda m: m.group(1) + b" " + REDACTED.encode(), data)
        return data

    def document(self, value: Any) -> Any:
        """A parsed JSON document with every string (keys too) passed through ``exact``: a JSON
        answer may carry the token escaped (``\\/`` for ``/``), which ``raw`` cannot see."""
        if isinstance(value, str):
            return self.exact(value)
        if isinstance(value, dict):
            return {self.exact(str(k)): self.document(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.document(v) for v in value]
        return value

    def error(self, error: SomError) -> SomError:
        """``error`` (changed in place and returned) with message, Ingrid's error body and the
        exceptions it was raised from scrubbed: a traceback prints those too."""
        error.message = self.text(error.message)
        error.args = (error.message,)
        body = error.body
        if body.message:
            body.message = self.text(body.message)
        if body.error:
            body.error = self.text(body.error)
        body.details = self.document(body.details)
        seen = {id(error)}
        cause = error.__cause__ or error.__context__
        while cause is not None and id(cause) not in seen:
            seen.add(id(cause))
            cause.args = tuple(self.text(a) if isinstance(a, str) else a for a in cause.args)
            cause = cause.__cause__ or cause.__context__
        return error


def _cut_fragments(text: str, secret: str) -> str:
    """``text`` with every run of ``MIN_FRAGMENT`` or more characters that occurs in ``secret``
    replaced by ``REDACTED``."""
    if len(text) < MIN_FRAGMENT:
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        if i + MIN_FRAGMENT <= len(text) and text[i : i + MIN_FRAGMENT] in secret:
            j = i + MIN_FRAGMENT
            while j < len(text) and text[i : j + 1] in secret:
                j += 1
            out.append(REDACTED)
            i = j
        else:
            out.append(text[i])
            i += 1
    return "".join(out)
