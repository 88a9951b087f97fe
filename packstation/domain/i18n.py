"""Translations of the domain's sentences (feedback, prompts), gettext style and pure.

A message id is the English sentence itself, with ``{named}`` placeholders: ``t("Order {order} parked.",
order="A1")``. English needs no catalogue and is the fallback for any message a catalogue lacks (or gets
wrong: a translation with a bad placeholder falls back to English rather than failing a scan).

Catalogues are JSON documents ``{"language": "sv", "name": "Svenska", "messages": {english: translated}}``;
the app reads them from files (``resources/translations/domain_<code>.json``, or dropped into the user's
translations folder) and hands the text to ``parse_catalogue`` and the result to ``set_language``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

DEFAULT_LANGUAGE = "en"

_language = DEFAULT_LANGUAGE
_messages: dict[str, str] = {}


class CatalogueError(ValueError):
    """A translation file that is not a catalogue."""


def set_language(code: str, catalogue: Mapping[str, str] | None = None) -> None:
    """Use ``catalogue`` (English id -> translation) for ``code``; English (no catalogue) resets."""
    global _language, _messages
    _language = code or DEFAULT_LANGUAGE
    _messages = dict(catalogue or {})


def language() -> str:
    return _language


def t(msgid: str, /, **values: Any) -> str:
    """The sentence in the current language, with the values filled in."""
    template = _messages.get(msgid)
    if template is not None:
        try:
            return template.format(**values)
        except (KeyError, IndexError, ValueError):
            pass  # a broken translation must not break the scan: say it in English
    return msgid.format(**values) if values else msgid


def parse_catalogue(text: str) -> tuple[str, str, dict[str, str]]:
    """(language code, language name, messages) from a catalogue's JSON text."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise CatalogueError(f"not JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("messages"), dict):
        raise CatalogueError('expected {"language": ..., "messages": {...}}')
    code = str(data.get("language") or "").strip()
    if not code:
        raise CatalogueError("the catalogue does not say its language")
    messages = {str(k): str(v) for k, v in data["messages"].items() if isinstance(v, str) and v.strip()}
    return code, str(data.get("name") or code), messages
