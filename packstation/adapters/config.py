"""Station configuration, in layers checked by the one settings model (``domain.settings``): built-in
defaults < the read-only site file IT places on every bench (``site_file_path``; settings for all
benches plus per-bench sections keyed by station id) < the user's config file < ``PACKSTATION_<NAME>``
environment variables < command-line flags. The API token is never a flag and never logged: it comes
from ``PACKSTATION_API_TOKEN``, the OS keyring, or a file readable only by the user.

Precedence (highest first): flag > environment variable > user file > bench section > site file >
built-in default. The station data folder defaults to the per-bench folder (``adapters.data_folder``
moves an old per-user folder's data into it). Each source
is a ``Layer``; ``resolve`` stacks them and says where each value came from. A value of the wrong type
or form is a ``ConfigError`` naming the source, the key and the expected form (before anything starts,
not as a crash later); an unknown key is a logged warning naming the nearest known one. A file that is
not JSON at all is reported and skipped, as before.
"""

from __future__ import annotations

import json
import logging
import os
import stat
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import msgspec
import platformdirs

from packstation.domain.settings import (
    APP_NAME,
    EMPTY_MEANS_OFF,
    PRODUCTION_URL,
    SETTING_NAMES,
    STAGE_URL,
    TOKEN_ENV,
    SettingsError,
    StationConfig,
    nearest_setting,
    user_data_dir,
    validate_values,
)

log = logging.getLogger(__name__)

# The settings model under the name the rest of the code knows it by.
Config = StationConfig
KEYRING_SERVICE = "packstation-ingrid-api"

ENV_PREFIX = "PACKSTATION_"
# config key -> environment variable: every setting has one (PACKSTATION_SOUNDS=false)
ENV_VARS = {key: ENV_PREFIX + key.upper() for key in SETTING_NAMES}
SITE_FILE_ENV = "PACKSTATION_SITE_FILE"
# The app's variables that are not settings (never reported as unknown).
OTHER_ENV_VARS = frozenset(
    {
        TOKEN_ENV,
        SITE_FILE_ENV,
        "PACKSTATION_LOG_DIR",
        "PACKSTATION_BENCH_DATA_DIR",
        "PACKSTATION_SCREENSHOTS",
        "PACKSTATION_STARTUP_MARK",  # gui/startup_mark.py: the start-up benchmark's first-paint time
    }
)
# Site-file keys that are not settings.
SITE_ONLY_KEYS = frozenset({"benches", "min_version"})
DEFAULTS = "built-in default"

__all__ = [
    "APP_NAME",
    "PRODUCTION_URL",
    "STAGE_URL",
    "Config",
    "ConfigError",
    "Effective",
    "Layer",
    "SiteFile",
    "TokenStore",
    "apply_values",
    "config_file_path",
    "config_from_args",
    "load_config",
    "load_effective",
    "read_site_file",
    "resolve",
    "save_config",
    "save_settings",
    "site_file_path",
]


class ConfigError(ValueError):
    """Settings that break the model's rules; one line per problem, each naming where the value came
    from, the key and the expected form."""

    def __init__(self, source: str, error: SettingsError) -> None:
        self.source = source
        self.problems = error.problems
        super().__init__("\n".join(f"{source}: {problem}" for problem in error.problems))


class Layer(msgspec.Struct, frozen=True):
    """One source of settings: ``source`` names it in messages (a file path, "environment", "command
    line"); ``values`` are the raw values it gives; ``strict`` when they came from JSON, which has real
    types (a string there is not a boolean)."""

    source: str
    values: Mapping[str, Any]
    strict: bool = False

    def usable(self) -> dict[str, Any]:
        """The values this layer sets: known keys, not None, and not "" unless "" means "off"."""
        return {
            key: value
            for key, value in self.values.items()
            if key in SETTING_NAMES and value is not None and (value != "" or key in EMPTY_MEANS_OFF)
        }

    def checked(self) -> dict[str, Any]:
        """The usable values, typed by the model; ConfigError names this layer and every bad key."""
        try:
            return validate_values(self.usable(), strict=self.strict)
        except SettingsError as exc:
            raise ConfigError(self.source, exc) from None


def resolve(
    layers: Iterable[Layer],
    base: Config | None = None,
    *,
    on_problem: Callable[[ConfigError], None] | None = None,
) -> tuple[Config, dict[str, str]]:
    """Stack ``layers`` (later ones win) over ``base`` (the defaults): the effective configuration
    and, for every key, the source its value came from. A bad value raises ConfigError; with
    ``on_problem`` (the doctor, the support bundle: tools for a broken station) it is reported there
    and left out instead, so the rest of the configuration still applies."""
    config = base or Config()
    origins = {key: DEFAULTS for key in SETTING_NAMES}
    values: dict[str, Any] = {}
    for layer in layers:
        try:
            checked = layer.checked()
        except ConfigError as exc:
            if on_problem is None:
                raise
            on_problem(exc)
            bad = {problem.key.split(".")[0].split("[")[0] for problem in exc.problems}
            layer = Layer(layer.source, {k: v for k, v in layer.values.items() if k not in bad}, layer.strict)
            checked = layer.checked()
        values.update(checked)
        origins.update(dict.fromkeys(checked, layer.source))
    return replace(config, **values), origins


def config_file_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.json"


def site_file_path(environ: Mapping[str, str] | None = None) -> Path:
    """The read-only site file IT places on every bench (Ansible, Intune, GPO):
    ``/etc/xdg/packstation/site.json`` on Linux, ``C:\\ProgramData\\packstation\\site.json`` on
    Windows; ``PACKSTATION_SITE_FILE`` names another one."""
    environ = os.environ if environ is None else environ
    if environ.get(SITE_FILE_ENV):
        return Path(environ[SITE_FILE_ENV]).expanduser()
    return Path(platformdirs.site_config_dir(APP_NAME, appauthor=False)) / "site.json"


def _warn(notes: list[str] | None, message: str) -> None:
    log.warning("%s", message)
    if notes is not None:
        notes.append(message)


def _warn_unknown(where: str, keys: Iterable[str], notes: list[str] | None) -> None:
    for key in sorted(keys):
        near = nearest_setting(key)
        hint = f"did you mean {near!r}?" if near else "no setting has a similar name"
        _warn(notes, f"{where}: unknown setting {key!r} ignored ({hint})")


def _read_json_object(path: Path, what: str, notes: list[str] | None) -> dict[str, Any] | None:
    """The JSON object in ``path``; None (reported) when it is missing, unreadable or not an object."""
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
    except OSError as exc:
        _warn(notes, f"Ignoring unreadable {what} {path}: {exc.strerror or exc}")
        return None
    except ValueError as exc:
        _warn(notes, f"Ignoring unreadable {what} {path}: {exc}")
        return None
    return data


def file_layer(path: Path, notes: list[str] | None = None) -> Layer | None:
    """The user's config file as a layer; None when it is missing or not a JSON object (reported,
    skipped). Unknown keys are reported with the nearest known key and otherwise ignored."""
    data = _read_json_object(path, "config file", notes)
    if data is None:
        return None
    _warn_unknown(f"Config file {path}", set(data) - set(SETTING_NAMES), notes)
    return Layer(f"config file {path}", data, strict=True)


class SiteFile(msgspec.Struct, frozen=True):
    """The site file read: settings for every bench, the per-bench sections (station id -> settings)
    and the lowest app version the site accepts ("" when it names none)."""

    path: Path
    common: dict[str, Any]
    benches: dict[str, dict[str, Any]]
    min_version: str = ""

    def common_layer(self) -> Layer:
        return Layer(f"site file {self.path}", self.common, strict=True)

    def bench_layer(self, station_id: str) -> Layer | None:
        """This bench's section (its station id; matched case-blind when no exact match)."""
        key = station_id if station_id in self.benches else None
        if key is None:
            key = next((k for k in self.benches if k.casefold() == station_id.casefold()), None)
        if key is None:
            return None
        return Layer(f"site file {self.path} [benches.{key}]", self.benches[key], strict=True)


def read_site_file(path: Path, notes: list[str] | None = None) -> SiteFile | None:
    """The site file at ``path``, or None when there is none (or it is unreadable: reported).

    Its form: settings at the top level apply to every bench; ``"benches": {"<station id>": {...}}``
    holds per-bench settings; ``"min_version": "1.2.0"`` the lowest version a bench may run."""
    data = _read_json_object(path, "site file", notes)
    if data is None:
        return None
    benches_raw = data.get("benches", {})
    if not isinstance(benches_raw, dict):
        _warn(notes, f"Site file {path}: benches: expected an object of station id -> settings; ignored")
        benches_raw = {}
    benches: dict[str, dict[str, Any]] = {}
    for station, section in benches_raw.items():
        if not isinstance(section, dict):
            _warn(notes, f"Site file {path}: benches.{station}: expected an object of settings; ignored")
            continue
        _warn_unknown(f"Site file {path} [benches.{station}]", set(section) - set(SETTING_NAMES), notes)
        benches[str(station)] = section
    min_version = data.get("min_version", "")
    if not isinstance(min_version, str) or (min_version and parse_version(min_version) is None):
        _warn(notes, f'Site file {path}: min_version: expected a version like "1.2.0", not {min_version!r}')
        min_version = ""
    _warn_unknown(f"Site file {path}", set(data) - set(SETTING_NAMES) - SITE_ONLY_KEYS, notes)
    common = {k: v for k, v in data.items() if k not in SITE_ONLY_KEYS}
    return SiteFile(path, common, benches, min_version)


def parse_version(text: str) -> tuple[int, ...] | None:
    """``"1.2.0"`` as (1, 2, 0); the digits before any suffix (``"1.3.0rc1"`` -> (1, 3, 0)); None if
    it does not start with a number."""
    parts: list[int] = []
    for piece in text.strip().split("."):
        digits = ""
        for char in piece:
            if not char.isdigit():
                break
            digits += char
        if not digits:
            break
        parts.append(int(digits))
        if len(digits) < len(piece):
            break
    return tuple(parts) or None


def version_too_old(current: str, minimum: str) -> bool:
    """True when ``current`` is older than the site's ``minimum`` (both dotted versions)."""
    have, need = parse_version(current), parse_version(minimum)
    if have is None or need is None:
        return False
    width = max(len(have), len(need))
    return have + (0,) * (width - len(have)) < need + (0,) * (width - len(need))


def version_notice(current: str, minimum: str) -> str | None:
    """What an older bench says at start-up (log and screen), or None when it is new enough."""
    if not minimum or not version_too_old(current, minimum):
        return None
    return (
        f"This bench runs packstation {current}; the site asks for {minimum} or later. "
        "Packing works, but ask IT to update this bench."
    )


def _env_value(key: str, text: str) -> Any:
    # Lists have no plain-text form: the environment gives them as JSON.
    if key == "box_types":
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def environment_layer(environ: Mapping[str, str], notes: list[str] | None = None) -> Layer:
    """Every setting as ``PACKSTATION_<NAME>`` (``PACKSTATION_SOUNDS=false``); a PACKSTATION_ variable
    that is no setting and none of the app's other variables is reported with the nearest setting."""
    values = {
        key: _env_value(key, environ[env_var(key)]) for key in SETTING_NAMES if environ.get(env_var(key))
    }
    known = {env_var(key) for key in SETTING_NAMES} | OTHER_ENV_VARS
    stray = [v for v in environ if v.startswith(ENV_PREFIX) and v not in known]
    for var in sorted(stray):
        near = nearest_setting(var[len(ENV_PREFIX) :].lower())
        hint = f"did you mean {env_var(near)}?" if near else "no setting has a similar name"
        _warn(notes, f"Environment: unknown variable {var} ignored ({hint})")
    return Layer("environment", values)


def env_var(key: str) -> str:
    return ENV_PREFIX + key.upper()


def apply_values(base: Config, data: Mapping[str, Any], *, source: str = "settings") -> Config:
    """``base`` with the usable ``data`` applied (see ``Layer.usable``); ConfigError if one is bad."""
    config, _ = resolve([Layer(source, data)], base)
    return config


class Effective(msgspec.Struct, frozen=True):
    """The configuration in force and its story: where each value came from, the sources consulted
    (lowest first), what was reported while reading them, and the site's minimum version."""

    config: Config
    origins: dict[str, str]
    sources: tuple[str, ...]
    notes: tuple[str, ...]
    min_version: str = ""
    site_file: Path | None = None


def load_effective(
    flags: Mapping[str, Any] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    path: Path | None = None,
    site_path: Path | None = None,
    on_problem: Callable[[ConfigError], None] | None = None,
    choose_data: bool = True,
    user_file: bool = True,
) -> Effective:
    """defaults < site file < the site file's section for this bench < user file < environment <
    flags. The bench's section is picked by the station id the other layers give (so a station id set
    in the user file or the environment selects the section). A file that is not JSON is reported, not
    fatal; a bad value anywhere is a ConfigError naming the source, the key and the expected form (or,
    with ``on_problem``, reported there and left out: see ``resolve``). ``choose_data``: when the data
    folder is the default one, settle it (the bench folder, migrated into from the per-user one; the
    per-user folder when the bench folder cannot be written)."""
    environ = os.environ if environ is None else environ
    notes: list[str] = []
    site_path = site_path or site_file_path(environ)
    site = read_site_file(site_path, notes)
    user = file_layer(path or config_file_path(), notes) if user_file else None
    upper = [layer for layer in (user, environment_layer(environ, notes)) if layer is not None]
    upper.append(Layer("command line", {k: v for k, v in (flags or {}).items() if v is not None}))
    layers = ([site.common_layer()] if site else []) + upper
    if site is not None and site.benches:
        first, _ = resolve(layers, on_problem=lambda _exc: None)  # problems are reported below
        bench = site.bench_layer(first.station_id)
        if bench is not None:
            layers.insert(1, bench)
    config, origins = resolve(layers, on_problem=on_problem)
    if choose_data and origins["data_dir"] == DEFAULTS:
        from packstation.adapters.data_folder import settle_data_dir

        data_dir, how = settle_data_dir(config.data_dir, user_data_dir())
        config = replace(config, data_dir=data_dir)
        origins["data_dir"] = f"{DEFAULTS} ({how})"
    return Effective(
        config,
        origins,
        tuple(layer.source for layer in layers if layer.values),
        tuple(notes),
        site.min_version if site else "",
        site_path,
    )


def load_config(
    flags: dict[str, Any] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    path: Path | None = None,
    site_path: Path | None = None,
    on_problem: Callable[[ConfigError], None] | None = None,
) -> Config:
    """The effective configuration (see ``load_effective``)."""
    return load_effective(
        flags, environ=environ, path=path, site_path=site_path, on_problem=on_problem
    ).config


def save_settings(
    values: dict[str, Any],
    token: str | None,
    *,
    path: Path | None = None,
    tokens: TokenStore | None = None,
    site_path: Path | None = None,
) -> Path:
    """The settings dialog's Save: ``values`` go into the user's config file over what the file held
    (never over the flags and environment of this run, which must not become permanent), ``token``
    into the token store when one was typed. Only what the file already set and what differs from the
    site file (or the defaults) is written, so a later change to the site file still reaches this
    bench for every setting the user did not choose. Returns the file written."""
    path = path or config_file_path()
    no_env: dict[str, str] = {}
    below = load_effective({}, environ=no_env, user_file=False, site_path=site_path, choose_data=False)
    current = _read_json_object(path, "config file", None) or {}
    own = {k: v for k, v in current.items() if k in SETTING_NAMES}
    saved = resolve([Layer(f"config file {path}", own, strict=True)], below.config)[0]
    updated = apply_values(saved, values, source="the settings dialog").to_json()
    baseline = below.config.to_json()
    kept = {k: updated[k] for k in SETTING_NAMES if k in own or updated[k] != baseline[k]}
    written = _write_json(kept, path)
    if token:
        (tokens or TokenStore()).set(token)
    log.info("Settings saved to %s; they apply from the next start", written)
    return written


def _write_json(data: Mapping[str, Any], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
    os.replace(tmp, path)
    return path


def save_config(config: Config, path: Path | None = None) -> Path:
    """Write every setting of ``config`` into ``path`` (the user file unless named)."""
    return _write_json(config.to_json(), path or config_file_path())


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

    def _keyring(self) -> Any:
        """The keyring module when a real backend is there, else None."""
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
        return self._find(account)[0]

    def source(self, account: str = "default") -> str | None:
        """Where the token comes from, in words ("environment PACKSTATION_API_TOKEN", "the OS keyring",
        "token file PATH"); None when there is no token. Never the token itself."""
        token, where = self._find(account)
        if token:
            from packstation.adapters.logs import register_secret

            register_secret(token)
        return where if token else None

    def _find(self, account: str) -> tuple[str | None, str]:
        if self._environ.get(TOKEN_ENV):
            return self._environ[TOKEN_ENV], f"environment {TOKEN_ENV}"
        kr = self._keyring()
        if kr is not None:
            try:
                value = kr.get_password(KEYRING_SERVICE, account)
                if value:
                    return str(value), "the OS keyring"
            except Exception as exc:  # keyring daemons fail in many ways; the file is the fallback
                log.info("Keyring unavailable (%s); using the token file", type(exc).__name__)
        try:
            return self._file.read_text(encoding="utf-8").strip() or None, f"token file {self._file}"
        except OSError:
            return None, ""

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


FLAG_KEYS = ("api_url", "site_id", "printer", "data_dir", "station_id")


def flags_from_args(args: Any) -> dict[str, Any]:
    return {key: getattr(args, key, None) for key in FLAG_KEYS}


def effective_from_args(args: Any, *, on_problem: Callable[[ConfigError], None] | None = None) -> Effective:
    """The effective configuration and its story for parsed command-line ``args`` (flags win)."""
    return load_effective(flags_from_args(args), on_problem=on_problem)


def config_from_args(args: Any, *, on_problem: Callable[[ConfigError], None] | None = None) -> Config:
    """The effective configuration for parsed command-line ``args`` (flags win)."""
    return effective_from_args(args, on_problem=on_problem).config
