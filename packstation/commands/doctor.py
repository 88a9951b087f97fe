"""`packstation doctor`: check a station before a shift, one line per check with the fix.

    OK   API reachable (42 ms)
    FAIL Token refused by the API (HTTP 401) — enter a valid token in Settings or set PACKSTATION_API_TOKEN

Exit status 1 when any check FAILs (something blocks packing); WARN lines are worth fixing but do not.
Doctor only reads (apart from probe files in the data and printer folders): the database is opened
read-only (opening it through the store would migrate it and recover "interrupted" operations of an app
that may be running right now), printers are not claimed, and the only API call is ``shipments.get``
for a made-up id: the SOM API has no ping endpoint, so a 404 means "reachable, and the token was
accepted", 401/403 means the token was refused. The outbox's paused state lives in the running app;
doctor reports its cause instead (a refused token).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

if TYPE_CHECKING:
    from packstation.adapters.config import Config
    from packstation.domain.setting_grammars import PrinterSpec


class CheckStatus(StrEnum):
    """One check's verdict: FAIL blocks packing (exit status 1), WARN is worth fixing, OK is fine."""

    OK = "OK"
    WARN = "WARN"
    FAIL = "FAIL"


OK, WARN, FAIL = CheckStatus.OK, CheckStatus.WARN, CheckStatus.FAIL
MIN_FREE_MB = 100  # below this the database and logs may fail to write: blocks packing
LOW_FREE_MB = 1000
API_TIMEOUT_S = 5.0
PRINTER_CONNECT_TIMEOUT_S = 2.0
RESOURCES = Path(__file__).resolve().parent.parent.parent / "resources"
UDEV_RULE = RESOURCES / "udev" / "60-packstation.rules"


class Check(msgspec.Struct, frozen=True):
    status: CheckStatus
    message: str
    fix: str = ""

    def line(self) -> str:
        return f"{self.status:<4} {self.message}" + (f" — {self.fix}" if self.fix else "")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--offline", action="store_true", help="skip the API checks (no network call is made)"
    )


def run(args: argparse.Namespace) -> int:
    from packstation.adapters.config import ConfigError, config_from_args

    # A bad setting is a failed check, not the end of the diagnosis: it is left out and the rest runs.
    problems: list[ConfigError] = []
    config = config_from_args(args, on_problem=problems.append)
    setting_checks = [
        Check(FAIL, line, "fix the value (or save the Settings again)")
        for problem in problems
        for line in str(problem).splitlines()
    ]
    checks = setting_checks + run_checks(config, offline=getattr(args, "offline", False))
    for check in checks:
        print(check.line())
    failed = sum(c.status == FAIL for c in checks)
    print(f"\n{len(checks)} checks: {failed} failed" if failed else f"\nAll {len(checks)} checks passed")
    from packstation.commands import ExitCode

    return ExitCode.FAILURE if failed else ExitCode.OK


def run_checks(
    config: Config, *, offline: bool = False, environ: Mapping[str, str] | None = None
) -> list[Check]:
    """Every check, in the order a person fixes things. Never raises for a broken station."""
    from packstation.adapters.logs import register_secret

    env: Mapping[str, str] = os.environ if environ is None else environ
    token, token_check = check_token(env)
    register_secret(token)
    checks = [check_config_file(), token_check]
    if not offline:
        checks += check_api(config.api_url, token)
    checks += check_printer_roles(config)
    scale_check = check_scale(config.scale)
    if scale_check is not None:
        checks.append(scale_check)
    checks.append(check_data_dir(config.data_dir))
    checks += check_database(config.database_path)
    checks.append(check_language(config.language))
    return checks


def check_language(code: str) -> Check:
    """The bench's language has the app's texts and Qt's own (standard buttons: "Save", "Cancel"),
    which the installer bundle must carry (qtbase_<code>.qm)."""
    if code in ("", "en"):
        return Check(OK, "Language: English")
    from packstation.adapters.translations import qt_translation_file

    fix = "reinstall packstation (the bundle is incomplete)"
    if qt_translation_file(code) is None:
        return Check(WARN, f"Language {code}: no packstation_{code}.qm; the window shows English", fix)
    try:
        from PySide6.QtCore import QLibraryInfo, QTranslator
    except ImportError as exc:  # a bench without Qt cannot show a window anyway
        return Check(WARN, f"Language {code}: Qt is not available ({exc})", fix)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    qt_own = QTranslator()
    if not qt_own.load(f"qtbase_{code}", folder):
        return Check(
            WARN, f"Language {code}: Qt's own texts (qtbase_{code}.qm) are missing from {folder}", fix
        )
    save, cancel = (qt_own.translate("QPlatformTheme", word) for word in ("Save", "Cancel"))
    return Check(OK, f"Language {code}: the app's texts and Qt's own (Save = {save}, Cancel = {cancel})")


# --- configuration and token ---------------------------------------------------------------------


def check_config_file() -> Check:
    from packstation.adapters.config import ENV_VARS, config_file_path, site_file_path

    path = config_file_path()
    if not path.exists() and site_file_path().is_file():  # a fleet bench: the site file configures it
        return Check(OK, f"Site file {site_file_path()} (no user config file at {path})")
    if not path.exists():
        from_env = sorted(var for var in ENV_VARS.values() if os.environ.get(var))
        source = f"the environment ({', '.join(from_env)})" if from_env else "built-in defaults"
        return Check(WARN, f"No config file at {path}; using {source}", "save the Settings once to create it")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
    except (OSError, ValueError) as exc:
        return Check(
            FAIL, f"Config file {path} is unreadable ({exc})", "fix or delete it, then save Settings"
        )
    return Check(OK, f"Config file {path}")


def check_token(environ: Mapping[str, str]) -> tuple[str | None, Check]:
    """The token and where it comes from; the token itself is never printed."""
    from packstation.adapters.config import TOKEN_ENV, TokenStore

    if environ.get(TOKEN_ENV):
        return environ[TOKEN_ENV], Check(OK, f"API token found (environment variable {TOKEN_ENV})")
    from_file = TokenStore(environ={}, use_keyring=False).get()
    token = TokenStore(environ={}).get()
    if not token:
        from packstation.domain.settings import NO_API_TOKEN

        return None, Check(FAIL, NO_API_TOKEN)
    source = "token file in the user config folder" if token == from_file else "the system keyring"
    return token, Check(OK, f"API token found ({source})")


# --- API -----------------------------------------------------------------------------------------


def check_api(api_url: str, token: str | None) -> list[Check]:
    """Reachability with latency, then whether the token is accepted; both from one request."""
    import asyncio

    try:
        return asyncio.run(_check_api(api_url, token))
    except ValueError as exc:  # the client refuses a malformed URL
        return [
            Check(FAIL, f"API URL is not usable: {exc}", "fix the API URL in Settings or PACKSTATION_API_URL")
        ]


async def _check_api(api_url: str, token: str | None) -> list[Check]:
    import httpx

    from packstation.adapters.som.client import SomClient
    from packstation.adapters.som.errors import AuthError, NotFoundError, RetryableError, SomError

    timeout = httpx.Timeout(API_TIMEOUT_S, connect=API_TIMEOUT_S / 2)
    # Without a token, a placeholder one still tells whether the API answers at all.
    client = SomClient(api_url, token or "packstation-doctor-no-token", timeout=timeout, read_retries=0)
    started = time.perf_counter()
    status: int | None = None
    error: SomError | None = None
    try:
        async with client:
            await client.get_shipment(id=str(uuid.uuid4()))
        status = 200
    except SomError as exc:
        error, status = exc, exc.status
    elapsed_ms = (time.perf_counter() - started) * 1000
    where = client.base_url.rstrip("/")
    token_fix = (
        "enter a valid token in Settings or set PACKSTATION_API_TOKEN (a token works only on its host)"
    )

    if error is not None and status is None:
        reason = error.message if isinstance(error, RetryableError) else str(error)
        return [
            Check(
                FAIL,
                f"API not reachable at {where} ({reason})",
                "check the network and the API URL (Settings or PACKSTATION_API_URL)",
            ),
        ]
    reachable = Check(OK, f"API reachable at {where} ({elapsed_ms:.0f} ms)")
    if isinstance(error, AuthError):
        if not token:
            return [reachable]  # "no token" is already a FAIL line of its own
        return [
            reachable,
            Check(FAIL, f"Token refused by the API (HTTP {status}); the outbox stays paused", token_fix),
        ]
    if not token:
        return [reachable]
    if error is None or isinstance(error, NotFoundError):
        return [reachable, Check(OK, "Token accepted by the API (shipments.get; there is no ping endpoint)")]
    if status is not None and status >= 500:
        return [
            Check(
                FAIL,
                f"API at {where} answers with errors ({error.one_line()})",
                "Ingrid may be down: packing goes on offline; check status with support",
            )
        ]
    return [
        reachable,
        Check(WARN, f"API answered unexpectedly ({error.one_line()})", "send a support bundle"),
    ]


# --- printer ---------------------------------------------------------------------------------------


def check_printer_roles(config: Config) -> list[Check]:
    """One check per configured printer role: the label printer always, receipt and document printers
    when set (their lines name the role)."""
    from packstation.domain.settings import PrinterRole, configured_printers

    checks = []
    for role, uri in configured_printers(config).items():
        if role is PrinterRole.LABEL:
            checks.append(check_printer(uri))
            continue
        found = check_printer(uri)
        if role is PrinterRole.DOCUMENT and not uri.lower().startswith(("cups:", "win32:")):
            # documents are PDF pages for the system's driver: a thermal head or a file cannot print them
            found = Check(
                FAIL,
                f"the document printer {uri!r} is not an OS print queue",
                "set document_printer to cups:QUEUE or win32:PRINTER NAME (packstation printers lists them)",
            )
        checks.append(Check(found.status, f"{role.value.capitalize()} printer — {found.message}", found.fix))
    return checks


def check_printer(uri: str) -> Check:
    from packstation.adapters.printers.errors import PrinterUriError
    from packstation.adapters.printers.uri import parse_printer_uri

    try:
        spec = parse_printer_uri(uri)
    except PrinterUriError as exc:
        return Check(FAIL, f"Printer setting {uri!r} is not usable", str(exc))
    if spec.kind == "preview":
        return Check(OK, "Printer: preview (labels are shown on screen, nothing is printed)")
    if spec.kind == "file":
        return _check_file_printer(Path(spec.path or ""))
    if spec.kind == "tcp":
        return _check_tcp_printer(spec.host or "", spec.port)
    if spec.kind in ("cups", "win32"):
        return _check_os_queue_printer(spec)
    return _check_usb_printer(spec)


def _check_os_queue_printer(spec: PrinterSpec) -> Check:
    """Ask the spooler about the queue (``lpstat -p`` / the Windows printer list); prints nothing."""
    from packstation.adapters.printers.errors import PrinterError
    from packstation.adapters.printers.os_queues import make_os_queue_printer

    try:
        make_os_queue_printer(spec).probe()
    except PrinterError as exc:
        return Check(FAIL, f"The {spec.describe()} is not usable", exc.user_message)
    return Check(OK, f"Printer: {spec.describe()} is ready")


def _check_file_printer(path: Path) -> Check:
    folder = path.parent if str(path.parent) else Path(".")
    fix = "choose a printer file in a folder this user can write"
    if path.is_dir():
        return Check(FAIL, f"File printer {path} is a folder", fix)
    if not folder.is_dir():
        return Check(FAIL, f"File printer folder {folder} does not exist", fix)
    # Try for real (os.access says yes to root everywhere): append-open leaves an existing file as it
    # is, and a new folder gets a probe file that is removed at once.
    try:
        if path.exists():
            with open(path, "ab"):
                pass
        else:
            with tempfile.TemporaryFile(dir=folder, prefix=".packstation-doctor-"):
                pass
    except OSError as exc:
        return Check(FAIL, f"File printer {path} is not writable ({exc.strerror or exc})", fix)
    return Check(OK, f"Printer: file {path} is writable")


def _check_tcp_printer(host: str, port: int) -> Check:
    started = time.perf_counter()
    try:
        with socket.create_connection((host, port), timeout=PRINTER_CONNECT_TIMEOUT_S):
            pass
    except OSError as exc:
        reason = "no answer" if isinstance(exc, TimeoutError) else (exc.strerror or type(exc).__name__)
        return Check(
            FAIL,
            f"Network printer {host}:{port} not reachable ({reason})",
            "check it is on, cabled, and the address in the printer setting",
        )
    return Check(
        OK, f"Printer: network printer {host}:{port} ({(time.perf_counter() - started) * 1000:.0f} ms)"
    )


def _check_usb_printer(spec: PrinterSpec) -> Check:
    import usb.core

    name = spec.describe()
    try:
        devices = list(usb.core.find(find_all=True, idVendor=spec.vendor_id, idProduct=spec.product_id))
    except usb.core.NoBackendError:
        return Check(
            FAIL,
            f"Cannot look for the {name}: libusb is missing",
            "install libusb-1.0-0 (sudo apt-get install libusb-1.0-0)",
        )
    except Exception as exc:  # pyusb backends fail in platform-specific ways
        return Check(
            FAIL, f"Cannot look for the {name} ({type(exc).__name__}: {exc})", "send a support bundle"
        )
    if not devices:
        fix = "plug it in and switch it on; `packstation printers` lists the printers it can see"
        return Check(FAIL, f"{name} is not connected", fix)
    if sys.platform.startswith("linux"):
        node = Path(f"/dev/bus/usb/{devices[0].bus:03d}/{devices[0].address:03d}")
        if node.exists() and not os.access(node, os.R_OK | os.W_OK):
            return Check(FAIL, f"No permission to use the {name} ({node})", udev_fix())
    return Check(OK, f"Printer: {name} is connected")


def udev_fix() -> str:
    return (
        f"install the udev rule: sudo cp {UDEV_RULE} /etc/udev/rules.d/ && "
        "sudo udevadm control --reload-rules && sudo udevadm trigger, then replug the printer"
    )


# --- scale -----------------------------------------------------------------------------------------


def check_scale(setting: str, *, hid_api: Any = None) -> Check | None:
    """Is the configured scale there? Only looks (hidapi's device list, the serial port's node): a
    station that is running keeps its scale. None when no scale is configured."""
    from packstation.domain.setting_grammars import ScaleKind, SettingValueError, parse_scale

    try:
        parsed = parse_scale(setting)
    except SettingValueError as exc:
        return Check(FAIL, f"Scale setting {setting!r} is not usable", exc.user_message)
    if parsed.kind is ScaleKind.NONE:
        return None
    if parsed.kind is ScaleKind.MANUAL:
        return Check(OK, "Scale: none, weights are typed")
    if parsed.kind is ScaleKind.SERIAL:
        port = parsed.port or ""
        if "://" in port or not port.startswith("/dev/"):
            return Check(OK, f"Scale: serial {port} (not opened: COM ports and URLs are checked when used)")
        if not os.path.exists(port):
            return Check(FAIL, f"Serial scale {port} is not there", "check its cable and the port name")
        if not os.access(port, os.R_OK | os.W_OK):
            return Check(
                FAIL, f"No permission to use the serial scale {port}", "sudo usermod -aG dialout $USER"
            )
        return Check(OK, f"Scale: serial {port} at {parsed.baudrate} baud ({parsed.protocol.value})")
    from packstation.adapters.scale_hid import find_hid_scales, load_hid_api

    api = hid_api if hid_api is not None else load_hid_api()
    if api is None:
        return Check(
            WARN, "Scale: hidapi is missing, the scale is opened through libusb", "pip install hidapi"
        )
    try:
        found = find_hid_scales(api, parsed.vendor_id, parsed.product_id)
    except Exception as exc:  # the system's HID layer is broken
        return Check(
            FAIL, f"Cannot look for USB scales ({type(exc).__name__}: {exc})", "send a support bundle"
        )
    if not found:
        return Check(
            FAIL,
            "No USB scale found",
            f"plug it in and switch it on; on Linux install the udev rule {UDEV_RULE}",
        )
    info, _ = found[0]
    name = info.product or info.vendor_name
    return Check(OK, f"Scale: {name} {info.vendor_id:04x}:{info.product_id:04x} (found by {info.matched_by})")


# --- data folder and database ----------------------------------------------------------------------


def check_data_dir(data_dir: Path) -> Check:
    fix = "set a writable data folder (Settings, --data-dir or PACKSTATION_DATA_DIR)"
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        probe = data_dir / f".doctor-{os.getpid()}"
        probe.write_bytes(b"ok")
        probe.unlink()
    except OSError as exc:
        return Check(FAIL, f"Data folder {data_dir} is not writable ({exc.strerror or exc})", fix)
    free_mb = shutil.disk_usage(data_dir).free // (1024 * 1024)
    if free_mb < MIN_FREE_MB:
        return Check(FAIL, f"Data folder {data_dir}: only {free_mb} MB free", "free disk space")
    if free_mb < LOW_FREE_MB:
        return Check(WARN, f"Data folder {data_dir}: {free_mb} MB free", "free some disk space soon")
    return Check(OK, f"Data folder {data_dir} is writable ({free_mb / 1024:.1f} GB free)")


def check_database(path: Path) -> list[Check]:
    if not path.exists():
        return [Check(OK, f"No database yet at {path} (it is created at the first start)")]
    try:
        from packstation.adapters.store import ReadOnlyStationFile

        with ReadOnlyStationFile(path) as db:
            result = db.integrity_check()
            version = db.schema_version()
            summary = db.outbox_summary()
            catalogue = db.catalogue_summary()
    except sqlite3.Error as exc:
        return [Check(FAIL, f"Database {path} cannot be read ({exc})", _db_fix(path))]
    if result.strip() != "ok":
        first = result.strip().splitlines()[0] if result.strip() else "no answer"
        return [Check(FAIL, f"Database {path} is damaged ({first})", _db_fix(path))]
    checks = [Check(OK, f"Database {path} is intact (schema {version})")]
    return [*checks, *outbox_checks(summary), catalogue_check(catalogue)]


def catalogue_check(summary: tuple[int, int, float | None] | None) -> Check:
    """The product catalogue's size and age: without one, only SKU barcodes are recognised."""
    fix = "import the merchant's export: packstation catalogue import FILE (README: Product catalogue)"
    if summary is None or summary[0] == 0:
        return Check(WARN, "Catalogue: empty, product barcodes (EAN/UPC/GTIN) are not recognised", fix)
    rows, learned, updated_at = summary
    import time

    age_days = max(0.0, (time.time() - float(updated_at or 0)) / 86400)
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(float(updated_at or 0)))
    taught = f", {learned} learned at the bench" if learned else ""
    message = f"Catalogue: {rows} barcode(s){taught}, last changed {when} ({age_days:.0f} day(s) ago)"
    if age_days > 30:
        return Check(WARN, message, "import a fresh export: packstation catalogue import FILE")
    return Check(OK, message)


def _db_fix(path: Path) -> str:
    return f"stop packstation, keep a copy of {path.name} for support, and send a support bundle"


def outbox_checks(summary: dict[str, Any]) -> list[Check]:
    outbox = summary.get("outbox", {})
    waiting = outbox.get("pending", 0) + outbox.get("in_flight", 0)
    attention = outbox.get("needs_attention", 0)
    if attention:
        fix = "open the outbox in the app (or `packstation outbox`) to retry or cancel them"
        checks = [Check(WARN, f"Outbox: {attention} operation(s) need attention, {waiting} waiting", fix)]
    elif waiting:
        checks = [Check(OK, f"Outbox: {waiting} operation(s) waiting to be sent")]
    else:
        checks = [Check(OK, "Outbox: empty, everything was sent")]
    failed_prints = summary.get("print_jobs", {}).get("failed", 0)
    if failed_prints:
        checks.append(Check(WARN, f"{failed_prints} print job(s) failed", "reprint them from the app"))
    uncertain_prints = summary.get("print_jobs", {}).get("uncertain", 0)
    if uncertain_prints:
        fix = "check whether those labels came out; reprint the missing ones from the app"
        checks.append(Check(WARN, f"{uncertain_prints} print job(s) interrupted while printing", fix))
    return checks
