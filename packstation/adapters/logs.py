"""Logging set-up: rotating log files in the user log dir, with the API token scrubbed out of every line.

``setup_logging()`` is called once at start-up (GUI and sub-commands). Every handler it installs carries
a ``RedactingFilter`` that removes, from the message, its arguments, exception text and stack text:

* every secret handed to ``register_secret`` (the API token), in plain, base64 and URL-quoted base64
  form (the SOM API wants ``Authorization: Bearer <base64(token)>``, so both forms travel);
* any ``Bearer <credential>`` and any ``Authorization: <value>`` whatever the secret is.

``redact(text)`` applies the same scrubbing to any text (the support bundle re-scrubs logs with it).
"""

from __future__ import annotations

import base64
import logging
import logging.handlers
import os
import re
import sys
import tempfile
import threading
import urllib.parse
from pathlib import Path

import platformdirs

APP_NAME = "packstation"
LOG_DIR_ENV = "PACKSTATION_LOG_DIR"
LOG_FILE_NAME = "packstation.log"
MAX_BYTES = 2 * 1024 * 1024
BACKUP_COUNT = 5
REDACTED = "[REDACTED]"
# Shorter values would blank out ordinary words; real API tokens are far longer.
MIN_SECRET_LENGTH = 4

LOG_FORMAT = "%(asctime)s.%(msecs)03d %(levelname)-7s %(name)s [%(threadName)s]: %(message)s"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"

_BEARER = re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+")
# "Authorization: Basic abc", 'authorization': 'xyz', authorization=xyz (but not the Bearer form above,
# which is already scrubbed and keeps the scheme visible for support).
_AUTH_HEADER = re.compile(
    r"""(?i)(authorization['"]?\s*[:=]\s*['"]?)(?!bearer\s)(?!\[REDACTED\])([^\s'",}]+(?:\s+[^\s'",}]+)?)"""
)

_secrets_lock = threading.Lock()
_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember ``value`` (and its base64 forms) so that no log line ever contains it."""
    if not value or len(value) < MIN_SECRET_LENGTH:
        return
    forms = {value}
    for encoded in (
        base64.b64encode(value.encode("utf-8")).decode("ascii"),
        base64.urlsafe_b64encode(value.encode("utf-8")).decode("ascii"),
    ):
        forms.add(encoded)
        forms.add(encoded.rstrip("="))
        forms.add(urllib.parse.quote(encoded, safe=""))
    forms.add(urllib.parse.quote(value, safe=""))
    with _secrets_lock:
        _secrets.update(f for f in forms if len(f) >= MIN_SECRET_LENGTH)


def forget_secrets() -> None:
    """Drop every registered secret (tests; a token change keeps the old one registered on purpose)."""
    with _secrets_lock:
        _secrets.clear()


def redact(text: str) -> str:
    """``text`` without registered secrets, bearer credentials or Authorization header values."""
    if not text:
        return text
    with _secrets_lock:
        # Longest first, so that a secret containing another is removed whole.
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    text = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    return _AUTH_HEADER.sub(lambda m: f"{m.group(1)}{REDACTED}", text)


class RedactingFilter(logging.Filter):
    """Rewrites each record in place so that every handler after it sees only scrubbed text.

    The message is rendered (``msg % args``) before scrubbing, because a secret can hide in any argument;
    exception and stack text are rendered and scrubbed too, since tracebacks often quote request headers.
    """

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not lose the line
            message = f"{record.msg!r} % {record.args!r}"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
            # Keep exc_info (formatters need it truthy to print exc_text) but never re-render it.
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def default_log_dir() -> Path:
    """``PACKSTATION_LOG_DIR`` if set, else the platform's user log dir (e.g. ~/.local/state/...)."""
    override = os.environ.get(LOG_DIR_ENV)
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def _usable_dir(wanted: Path) -> Path:
    """``wanted`` if we can write there, else a per-user temp folder (logging must never stop the app)."""
    try:
        wanted.mkdir(parents=True, exist_ok=True)
        probe = wanted / ".write-test"
        probe.write_text("", encoding="utf-8")
        probe.unlink()
        return wanted
    except OSError as exc:
        fallback = (
            Path(tempfile.gettempdir()) / f"packstation-logs-{os.getuid() if hasattr(os, 'getuid') else 0}"
        )
        fallback.mkdir(parents=True, exist_ok=True)
        print(
            f"packstation: cannot write logs to {wanted} ({exc.strerror}); using {fallback}", file=sys.stderr
        )
        return fallback


def _is_ours(handler: logging.Handler) -> bool:
    return getattr(handler, "_packstation", False)


def teardown_logging() -> None:
    """Remove and close the handlers ``setup_logging`` installed (tests, and before re-configuring)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if _is_ours(h)]:
        root.removeHandler(handler)
        handler.close()


def setup_logging(log_dir: Path | None = None, *, level: str | int = "INFO", console: bool = False) -> Path:
    """Send log records to a rotating file (5 x 2 MB) and optionally stderr; returns the log file's path.

    Safe to call again: the previous packstation handlers are replaced, other handlers are left alone.
    """
    numeric = logging.getLevelName(level.upper()) if isinstance(level, str) else level
    if not isinstance(numeric, int):
        raise ValueError(f"unknown log level {level!r}")
    teardown_logging()
    directory = _usable_dir(Path(log_dir) if log_dir is not None else default_log_dir())
    log_file = directory / LOG_FILE_NAME
    formatter = logging.Formatter(LOG_FORMAT, DATE_FORMAT)
    handlers: list[logging.Handler] = [
        logging.handlers.RotatingFileHandler(
            log_file, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8"
        )
    ]
    if console:
        handlers.append(logging.StreamHandler(sys.stderr))
    root = logging.getLogger()
    for handler in handlers:
        handler.setFormatter(formatter)
        handler._packstation = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    # Handlers others installed (escpos calls logging.basicConfig() on import) get scrubbed too.
    for handler in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
    root.setLevel(numeric)
    # httpx/httpcore at DEBUG dump headers; keep them at INFO unless someone asked for their debug.
    for noisy in ("httpcore", "hpack"):
        logging.getLogger(noisy).setLevel(max(numeric, logging.INFO))
    return log_file


def log_files(log_dir: Path | None = None) -> list[Path]:
    """The current log file and its rotated predecessors in ``log_dir``, newest first."""
    directory = Path(log_dir) if log_dir is not None else default_log_dir()
    if not directory.is_dir():
        return []
    files = [p for p in directory.glob(f"{LOG_FILE_NAME}*") if p.is_file()]
    return sorted(files, key=lambda p: p.stat().st_mtime, reverse=True)
