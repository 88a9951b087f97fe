"""Logging set-up: rotating log files in the user log dir, with the API token scrubbed out of every line.

``start_logging()`` is called once at start-up by the GUI and by every sub-command: it sets up the
handlers (``setup_logging``), installs the crash hooks and writes the start-up line (version, command,
station id, configuration sources). Handlers:

* the rotating file, in the human format or as JSON lines (``log_format = "json"``: one object per line
  with ``ts``, ``level``, ``logger``, ``thread``, ``message``, ``station``, ``version`` and ``exc``), for
  a collector such as Fluent Bit, Vector, Promtail or the Elastic agent tailing the file;
* optionally the OS log (``log_system = true``): journald/syslog through ``/dev/log`` on Linux (journald
  reads that socket; ``journalctl -t packstation``), the Windows Event Log (Application, source
  "packstation"; needs pywin32, else one line says it is missing and the file is used alone).

Crash hooks (``install_crash_hooks``): ``faulthandler`` writes native crashes (a segfault in Qt or a
driver) to ``faults.log`` beside the log file (it prints only frames, never values); uncaught exceptions
in the main thread (``sys.excepthook``), in other threads (``threading.excepthook``) and in asyncio tasks
(``asyncio_exception_handler``) are logged with their traceback, which a windowed Windows build would
otherwise lose (it has no stderr).

Every handler carries a ``RedactingFilter`` that removes, from the message, its arguments, exception text
and stack text:

* every secret handed to ``register_secret`` (the API token), in plain, base64 and URL-quoted base64
  form (the SOM API wants ``Authorization: Bearer <base64(token)>``, so both forms travel);
* any ``Bearer <credential>`` and any ``Authorization: <value>`` whatever the secret is.

``redact(text)`` applies the same scrubbing to any text (the support bundle re-scrubs logs with it).
"""

from __future__ import annotations

import asyncio
import base64
import faulthandler
import json
import logging
import logging.handlers
import os
import re
import sys
import tempfile
import threading
import time
import types
import urllib.parse
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

import platformdirs

APP_NAME = "packstation"
LOG_DIR_ENV = "PACKSTATION_LOG_DIR"
LOG_FILE_NAME = "packstation.log"
FAULT_FILE_NAME = "faults.log"
SYSLOG_SOCKET = "/dev/log"
SYSTEM_LOG_IDENT = "packstation"
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


class JsonLinesFormatter(logging.Formatter):
    """One JSON object per line: what log collectors parse without a pattern. The record it gets has
    been scrubbed by ``RedactingFilter`` already (message, exception and stack text)."""

    def __init__(self, context: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self.context = dict(context or {})

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "thread": record.threadName,
            "message": record.getMessage(),
            **self.context,
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(self.formatException(record.exc_info))
        if record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False)


class _SyslogFormatter(logging.Formatter):
    """``packstation[PID]: LEVEL logger: message`` (journald takes the identifier before the colon)."""

    def format(self, record: logging.LogRecord) -> str:
        text = f"{SYSTEM_LOG_IDENT}[{os.getpid()}]: {record.levelname} {record.name}: {record.getMessage()}"
        if record.exc_text:
            text += "\n" + record.exc_text
        return text


def system_handler(address: str | None = None) -> logging.Handler | None:
    """The OS log handler for this platform, or None (with the reason on stderr) when there is none:
    syslog/journald through ``address`` (default ``/dev/log``) on Linux and other Unixes, the Event Log
    on Windows."""
    if sys.platform == "win32":
        try:
            return logging.handlers.NTEventLogHandler(SYSTEM_LOG_IDENT)
        except Exception as exc:  # pywin32 missing, or no right to register the source
            print(f"packstation: no Windows Event Log ({exc}); logging to the file only", file=sys.stderr)
            return None
    socket_path = address or SYSLOG_SOCKET
    if not os.path.exists(socket_path):
        print(f"packstation: no syslog socket at {socket_path}; logging to the file only", file=sys.stderr)
        return None
    try:
        handler = logging.handlers.SysLogHandler(
            address=socket_path, facility=logging.handlers.SysLogHandler.LOG_USER
        )
    except OSError as exc:
        print(f"packstation: cannot use syslog at {socket_path} ({exc}); file only", file=sys.stderr)
        return None
    handler.setFormatter(_SyslogFormatter())
    return handler


def setup_logging(
    log_dir: Path | None = None,
    *,
    level: str | int = "INFO",
    console: bool = False,
    json_lines: bool = False,
    system: bool = False,
    system_address: str | None = None,
    context: Mapping[str, str] | None = None,
) -> Path:
    """Send log records to a rotating file (5 x 2 MB) and optionally stderr and the OS log; returns the
    log file's path. ``json_lines``: the file gets JSON lines (with ``context``, e.g. station and
    version, in every line) instead of the human format.

    Safe to call again: the previous packstation handlers are replaced, other handlers are left alone.
    """
    numeric = logging.getLevelName(level.upper()) if isinstance(level, str) else level
    if not isinstance(numeric, int):
        raise ValueError(f"unknown log level {level!r}")
    teardown_logging()
    directory = _usable_dir(Path(log_dir) if log_dir is not None else default_log_dir())
    log_file = directory / LOG_FILE_NAME
    human = logging.Formatter(LOG_FORMAT, DATE_FORMAT)
    file_handler = logging.handlers.RotatingFileHandler(
        log_file, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8"
    )
    file_handler.setFormatter(JsonLinesFormatter(context) if json_lines else human)
    handlers: list[logging.Handler] = [file_handler]
    if console:
        console_handler = logging.StreamHandler(sys.stderr)
        console_handler.setFormatter(human)
        handlers.append(console_handler)
    if system:
        os_handler = system_handler(system_address)
        if os_handler is not None:
            handlers.append(os_handler)
    root = logging.getLogger()
    for handler in handlers:
        # the filter first on each of our handlers, so none of them ever formats an unscrubbed record
        handler.addFilter(RedactingFilter())
        handler._packstation = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    # Handlers others installed (escpos calls logging.basicConfig() on import) get scrubbed too.
    for handler in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
    root.setLevel(numeric)
    # HTTP libraries at DEBUG dump headers; keep them at INFO unless someone asked for their debug.
    for noisy in ("httpcore", "hpack", "aiohttp"):
        logging.getLogger(noisy).setLevel(max(numeric, logging.INFO))
    return log_file


# -- crash hooks -----------------------------------------------------------------------------------------

_crash_log = logging.getLogger("packstation.crash")
_fault_file: TextIO | None = None
_hooks_installed = False


def _log_uncaught(
    exc_type: type[BaseException], exc: BaseException, tb: types.TracebackType | None, where: str
) -> None:
    _crash_log.critical("Uncaught exception in %s", where, exc_info=(exc_type, exc, tb))


def install_crash_hooks(log_dir: Path) -> None:
    """Route crashes into the log: faulthandler into ``faults.log`` in ``log_dir`` (unless faulthandler
    already writes to a working stderr, as under pytest or ``PYTHONFAULTHANDLER``), uncaught exceptions
    of the main thread and of other threads into the log. Each hook passes on to the one it replaces,
    so a console still shows the traceback. Installed once per process."""
    global _fault_file, _hooks_installed
    if not faulthandler.is_enabled() or sys.stderr is None:
        try:
            if _fault_file is not None:
                _fault_file.close()
            _fault_file = open(Path(log_dir) / FAULT_FILE_NAME, "a", encoding="utf-8")  # noqa: SIM115 - open for the process' life
            _fault_file.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} pid {os.getpid()} started\n")
            _fault_file.flush()
            faulthandler.enable(file=_fault_file, all_threads=True)
        except OSError as exc:
            _crash_log.info("No native crash file in %s (%s)", log_dir, exc.strerror or exc)
    if _hooks_installed:
        return
    _hooks_installed = True
    previous_sys = sys.excepthook
    previous_thread = threading.excepthook

    def sys_hook(exc_type: type[BaseException], exc: BaseException, tb: types.TracebackType | None) -> None:
        if not issubclass(exc_type, KeyboardInterrupt):
            _log_uncaught(exc_type, exc, tb, "the main thread")
        previous_sys(exc_type, exc, tb)

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is not SystemExit:
            name = args.thread.name if args.thread is not None else "a thread"
            _log_uncaught(
                args.exc_type, args.exc_value or args.exc_type(), args.exc_traceback, f"thread {name}"
            )
        previous_thread(args)

    sys.excepthook = sys_hook
    threading.excepthook = thread_hook


def asyncio_exception_handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """For ``loop.set_exception_handler``: an exception no task awaited goes into the log."""
    exc = context.get("exception")
    message = context.get("message") or "Unhandled exception in the event loop"
    if isinstance(exc, BaseException):
        _crash_log.error("%s", message, exc_info=(type(exc), exc, exc.__traceback__))
    else:
        _crash_log.error("%s", message)


# -- start-up ----------------------------------------------------------------------------------------------


def start_logging(
    effective: Any,
    *,
    command: str,
    version: str,
    log_dir: Path | None = None,
    console: bool = False,
) -> Path:
    """Set up logging from the effective configuration (``adapters.config.Effective``: its
    ``log_format`` and ``log_system``), install the crash hooks and write the start-up line: version,
    command, station id, the configuration sources in force and the site's minimum version (a warning
    when this bench is older). Returns the log file."""
    from packstation.adapters.config import version_notice
    from packstation.domain.settings import LogFormat

    config = effective.config
    log_file = setup_logging(
        log_dir,
        console=console,
        json_lines=config.log_format is LogFormat.JSON,
        system=config.log_system,
        context={"station": config.station_id, "version": version},
    )
    install_crash_hooks(log_file.parent)
    logger = logging.getLogger("packstation")
    logger.info(
        "packstation %s starting: %s on station %r (Python %s, %s); configuration: %s; data folder %s",
        version,
        command,
        config.station_id,
        sys.version.split()[0],
        sys.platform,
        " < ".join(["built-in defaults", *effective.sources]),
        config.data_dir,
    )
    for note in effective.notes:
        logger.info("Configuration note: %s", note)
    notice = version_notice(version, effective.min_version)
    if notice:
        logger.warning("%s", notice)
    return log_file


def log_files(log_dir: Path | None = None) -> list[Path]:
    """The current log file and its rotated predecessors in ``log_dir``, newest first."""
    directory = Path(log_dir) if log_dir is not None else default_log_dir()
    if not directory.is_dir():
        return []
    files = [p for p in directory.glob(f"{LOG_FILE_NAME}*") if p.is_file()]
    return sorted(files, key=lambda p: p.stat().st_mtime, reverse=True)
