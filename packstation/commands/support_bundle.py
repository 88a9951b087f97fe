"""`packstation support-bundle [--output PATH]`: one zip to attach to a support ticket.

Contents (all text, each scrubbed with ``logs.redact`` on the way in, after registering the token):

    about.json      app, Python, Qt and platform versions, frozen or not, database schema versions
    config.json     the effective configuration, the config file as written (secret-looking keys
                    dropped), which PACKSTATION_* variables are set (never their token value),
                    where the token comes from
    doctor.txt      the output of `packstation doctor`
    outbox.json     outbox and print job counts by state, the needs-attention operations' messages
    logs/...        the recent log files (current and rotated)

Left out on purpose: the token (every form), and the database itself (it holds customers' addresses).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import sys
import time
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packstation.commands import UserFacingError

if TYPE_CHECKING:
    from packstation.adapters.config import Config

MAX_LOG_BYTES_PER_FILE = 2 * 1024 * 1024  # the rotation size: keep each file's newest 2 MB
_SECRET_KEY = re.compile(r"(?i)token|secret|password|passwd|api[_-]?key|authorization|credential")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--output", "-o", help="zip file to write (default: ./packstation-support-<time>.zip)"
    )
    parser.add_argument(
        "--offline", action="store_true", help="do not call the API while running the doctor checks"
    )


def run(args: argparse.Namespace) -> int:
    from packstation.adapters.config import config_from_args

    # The bundle is most needed when the settings are broken: a bad value is said and left out.
    config = config_from_args(args, on_problem=lambda problem: print(f"Setting left out: {problem}"))
    output = Path(args.output) if args.output else Path.cwd() / default_name()
    if not output.parent.exists():  # a typo in the folder must not make a new folder tree
        raise UserFacingError(f"the folder {output.parent} does not exist: create it or choose another")
    path = write_bundle(output, config, offline=args.offline)
    print(f"Support bundle written: {path} ({path.stat().st_size / 1024:.0f} KB)")
    print("It contains logs, settings and check results; no API token and no order data.")
    return 0


def default_name() -> str:
    return f"packstation-support-{time.strftime('%Y%m%d-%H%M%S')}.zip"


def write_bundle(output: Path, config: Config, *, offline: bool = False) -> Path:
    """Write the zip to ``output`` (atomically) and return its path."""
    from packstation.adapters.logs import redact, register_secret
    from packstation.commands import doctor

    token, token_check = doctor.check_token(os.environ)
    register_secret(token)  # before anything is gathered, so nothing carries it
    checks = doctor.run_checks(config, offline=offline)
    members: dict[str, str] = {
        "about.json": _json(about(config)),
        "config.json": _json(config_report(config, token_line=token_check.message)),
        "doctor.txt": "\n".join(check.line() for check in checks) + "\n",
        "outbox.json": _json(outbox_report(config.database_path)),
    }
    for name, text in collect_logs(config).items():
        members[name] = text

    output = output.expanduser()
    if output.is_dir():
        output = output / default_name()
    tmp = output.with_name(output.name + ".part")
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, text in members.items():
                archive.writestr(name, redact(text))
        os.replace(tmp, output)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise UserFacingError(f"cannot write the support bundle to {output}: {exc.strerror or exc}") from None
    return output


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, default=str) + "\n"


def about(config: Config) -> dict[str, Any]:
    from packstation import __version__

    info: dict[str, Any] = {
        "packstation": __version__,
        "python": sys.version,
        "platform": platform.platform(),
        "machine": platform.machine(),
        "frozen": bool(getattr(sys, "frozen", False)),
        "executable": sys.executable,
        # What programs we start (sound players) see; a frozen app must not hand them its own libraries.
        "child_ld_library_path": os.environ.get("LD_LIBRARY_PATH"),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "station_id": config.station_id,
    }
    try:
        import PySide6
        from PySide6 import QtCore

        info["pyside6"] = PySide6.__version__
        info["qt"] = QtCore.qVersion()
    except ImportError as exc:
        info["qt"] = f"not available ({exc})"
    info["schema"] = schema_versions(config.database_path)
    return info


def schema_versions(db_path: Path) -> dict[str, Any]:
    from packstation.adapters.store import SCHEMA_VERSION

    versions: dict[str, Any] = {"app_supports": SCHEMA_VERSION, "database": None}
    if db_path.exists():
        try:
            from packstation.adapters.store import ReadOnlyStationFile

            with ReadOnlyStationFile(db_path) as db:
                versions["database"] = db.schema_version()
        except Exception as exc:  # a damaged file is exactly when a bundle is wanted: record, go on
            versions["database"] = f"unreadable ({exc})"
    return versions


def config_report(config: Config, *, token_line: str) -> dict[str, Any]:
    from packstation.adapters.config import ENV_PREFIX, TOKEN_ENV, config_file_path

    path = config_file_path()
    as_written: Any = None
    if path.exists():
        try:
            as_written = _without_secrets(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError) as exc:
            as_written = f"unreadable: {exc}"
    environment = {
        name: ("[set]" if name == TOKEN_ENV or _SECRET_KEY.search(name) else value)
        for name, value in sorted(os.environ.items())
        if name.startswith(ENV_PREFIX)
    }
    return {
        "effective": _without_secrets(config.to_json()),
        "config_file": str(path),
        "config_file_contents": as_written,
        "environment": environment,
        "token": token_line,  # doctor's line: where the token comes from, never the token
    }


def _without_secrets(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: ("[removed]" if _SECRET_KEY.search(str(k)) else _without_secrets(v)) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_without_secrets(v) for v in value]
    return value


def outbox_report(db_path: Path) -> dict[str, Any]:
    if not db_path.exists():
        return {"database": str(db_path), "exists": False}
    from packstation.adapters.store import ReadOnlyStationFile

    try:
        with ReadOnlyStationFile(db_path) as db:
            return {"database": str(db_path), "exists": True, **db.outbox_summary()}
    except Exception as exc:
        return {"database": str(db_path), "exists": True, "error": str(exc)}


def collect_logs(config: Config) -> dict[str, str]:
    """Zip member name -> text for every log file found (default log dir, and <data dir>/logs)."""
    from packstation.adapters.logs import default_log_dir, log_files

    members: dict[str, str] = {}
    folders = [default_log_dir(), Path(config.data_dir) / "logs"]
    for index, folder in enumerate(dict.fromkeys(folders)):
        prefix = "logs/" if index == 0 else f"logs-{index}/"
        for path in log_files(folder):
            members[prefix + path.name] = _tail(path)
    return members


def _tail(path: Path) -> str:
    try:
        with open(path, "rb") as fh:
            size = fh.seek(0, os.SEEK_END)
            fh.seek(max(0, size - MAX_LOG_BYTES_PER_FILE))
            data = fh.read()
    except OSError as exc:
        return f"(could not read {path}: {exc})\n"
    return data.decode("utf-8", errors="replace")
