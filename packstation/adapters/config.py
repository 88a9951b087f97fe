"""Station configuration: a TOML-ish JSON file in the user config dir, overridden by environment
variables, overridden by command-line flags. The API token is never a flag and never logged: it comes
from ``PACKSTATION_API_TOKEN``, the OS keyring, or a file readable only by the user.

Precedence (highest first): flag > environment variable > config file > built-in default.
"""

from __future__ import annotations

import json
import logging
import os
import stat
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import platformdirs

from packstation.domain.packing_order import DEFAULT_BOX_TYPES, BoxType

log = logging.getLogger(__name__)

APP_NAME = "packstation"
PRODUCTION_URL = "https://api.ingrid.com"
STAGE_URL = "https://api-stage.ingrid.com"
KEYRING_SERVICE = "packstation-ingrid-api"

ENV_PREFIX = "PACKSTATION_"
# config key -> environment variable
ENV_VARS = {
    "api_url": "PACKSTATION_API_URL",
    "site_id": "PACKSTATION_SITE_ID",
    "printer": "PACKSTATION_PRINTER",
    "data_dir": "PACKSTATION_DATA_DIR",
}
TOKEN_ENV = "PACKSTATION_API_TOKEN"


@dataclass(frozen=True)
class Config:
    """Everything a station needs to know, except the token (see ``TokenStore``)."""

    api_url: str = STAGE_URL
    site_id: str = ""
    printer: str = "preview"
    data_dir: Path = field(default_factory=lambda: Path(platformdirs.user_data_dir(APP_NAME)))
    station_id: str = field(
        default_factory=lambda: os.uname().nodename if hasattr(os, "uname") else "station"
    )
    packer: str = ""
    sounds: bool = True
    auto_close_last_box: bool = True
    default_box_type: str = "M"  # the box type CMD:CLOSE-BOX records
    box_types: tuple[BoxType, ...] = DEFAULT_BOX_TYPES
    label_format: str = "svg"
    publish_packed_event: bool = False  # a CUSTOM tracking event per parcel when its order is packed
    custom_event_type_id: str = "packed"
    language: str = "en"  # UI and feedback language; a translation file must exist for it
    scale: str = ""  # "" no scale; "usb" (any USB HID scale) or "usb:VID:PID" (hex); "manual": typed
    require_weight: bool = True  # with a scale (or "manual"): a box closes only with a usable weight
    manual_weight: bool = True  # typed weights (W:1.25kg) allowed as the fallback when the scale fails
    print_packing_slip: bool = False  # a packing slip per completed order on the receipt printer
    receipt_printer: str = ""  # printer URI for slips; "" = the label printer if it speaks ESC/POS
    scanner: str = "wedge"  # "wedge" (keyboard) or a serial scanner too: "serial:/dev/ttyACM0[?baud=9600]"
    # Total time one API call may take (reads: all attempts; writes: longer, a late answer beats an
    # unknown outcome to reconcile). See packstation/adapters/som/client.py.
    api_read_deadline_s: float = 20.0
    api_write_deadline_s: float = 60.0

    @property
    def database_path(self) -> Path:
        return self.data_dir / "station.sqlite3"

    def box_type(self, code: str) -> BoxType | None:
        return next((b for b in self.box_types if b.code.upper() == code.upper()), None)

    @property
    def weight_mode(self) -> str:
        """The station's weight mode (domain ``station_weight``): "", "scale" or "manual"."""
        setting = self.scale.strip().lower()
        if not setting:
            return ""
        return "manual" if setting == "manual" else "scale"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["data_dir"] = str(self.data_dir)
        data["box_types"] = [asdict(b) for b in self.box_types]
        return data


def config_file_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.json"


# Settings whose empty value means something ("no scale", "no receipt printer"), so "" is applied.
EMPTY_MEANS_OFF = frozenset({"scale", "receipt_printer"})


def apply_values(base: Config, data: dict[str, Any]) -> Config:
    known = {f for f in Config.__dataclass_fields__}
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known or value is None or (value == "" and key not in EMPTY_MEANS_OFF):
            continue
        if key == "data_dir":
            value = Path(value).expanduser()
        elif key == "box_types":
            value = tuple(BoxType(**b) for b in value)
        values[key] = value
    return replace(base, **values)


def load_config(
    flags: dict[str, Any] | None = None,
    *,
    environ: dict[str, str] | None = None,
    path: Path | None = None,
) -> Config:
    """Build the effective configuration. A broken config file is reported, not fatal."""
    environ = os.environ if environ is None else environ
    path = path or config_file_path()
    config = Config()
    if path.exists():
        try:
            config = apply_values(config, json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError) as exc:
            log.warning("Ignoring unreadable config file %s: %s", path, exc)
    env_values = {key: environ[var] for key, var in ENV_VARS.items() if environ.get(var)}
    config = apply_values(config, env_values)
    return apply_values(config, {k: v for k, v in (flags or {}).items() if v is not None})


def save_settings(
    values: dict[str, Any], token: str | None, *, path: Path | None = None, tokens: TokenStore | None = None
) -> Path:
    """The settings dialog's Save: ``values`` go into the config file over what the file held (never
    over the flags and environment of this run, which must not become permanent), ``token`` into the
    token store when one was typed. Returns the file written."""
    path = path or config_file_path()
    saved = load_config({}, environ={}, path=path)
    written = save_config(apply_values(saved, values), path)
    if token:
        (tokens or TokenStore()).set(token)
    log.info("Settings saved to %s; they apply from the next start", written)
    return written


def save_config(config: Config, path: Path | None = None) -> Path:
    path = path or config_file_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(config.to_json(), indent=2), encoding="utf-8")
    os.replace(tmp, path)
    return path


class TokenStore:
    """Where the API token rests: the OS keyring, else a 0600 file in the user config dir.

    ``PACKSTATION_API_TOKEN`` in the environment wins over both (for services and CI).
    """

    def __init__(
        self,
        *,
        environ: dict[str, str] | None = None,
        fallback_file: Path | None = None,
        use_keyring: bool = True,
    ) -> None:
        self._environ = os.environ if environ is None else environ
        self._file = fallback_file or Path(platformdirs.user_config_dir(APP_NAME)) / "token"
        self._use_keyring = use_keyring

    def _keyring(self):
        if not self._use_keyring:
            return None
        try:
            import keyring
            from keyring.backends import fail, null

            backend = keyring.get_keyring()
            if isinstance(backend, fail.Keyring | null.Keyring):
                return None
            return keyring
        except Exception:  # any keyring import/backend problem means "no keyring here"
            return None

    def get(self, account: str = "default") -> str | None:
        """The token, or None. Whatever is returned is registered with the log redaction first, so no
        code path that reads the token can leak it into a log file."""
        token = self._lookup(account)
        if token:
            from packstation.adapters.logs import register_secret

            register_secret(token)
        return token

    def _lookup(self, account: str) -> str | None:
        if self._environ.get(TOKEN_ENV):
            return self._environ[TOKEN_ENV]
        kr = self._keyring()
        if kr is not None:
            try:
                value = kr.get_password(KEYRING_SERVICE, account)
                if value:
                    return value
            except Exception as exc:  # keyring daemons fail in many ways; the file is the fallback
                log.info("Keyring unavailable (%s); using the token file", type(exc).__name__)
        try:
            return self._file.read_text(encoding="utf-8").strip() or None
        except OSError:
            return None

    def set(self, token: str, account: str = "default") -> str:
        """Store the token; returns where it went ("keyring" or the file path)."""
        kr = self._keyring()
        if kr is not None:
            try:
                kr.set_password(KEYRING_SERVICE, account, token)
                return "keyring"
            except Exception as exc:
                log.info("Keyring refused the token (%s); writing the token file", type(exc).__name__)
        self._file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, stat.S_IRUSR | stat.S_IWUSR)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(token)
        os.chmod(self._file, stat.S_IRUSR | stat.S_IWUSR)
        return str(self._file)


def config_from_args(args: Any) -> Config:
    """The effective configuration for parsed command-line ``args`` (flags win)."""
    flags = {
        "api_url": getattr(args, "api_url", None),
        "site_id": getattr(args, "site_id", None),
        "printer": getattr(args, "printer", None),
        "data_dir": getattr(args, "data_dir", None),
    }
    return load_config(flags)
