"""Station configuration: the JSON file in the user config dir, overridden by environment variables,
overridden by command-line flags, all checked by the one settings model (``domain.settings``). The API
token is never a flag and never logged: it comes from ``PACKSTATION_API_TOKEN``, the OS keyring, or a
file readable only by the user.

Precedence (highest first): flag > environment variable > config file > built-in default. Each source
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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import platformdirs

from packstation.domain.settings import (
    APP_NAME,
    EMPTY_MEANS_OFF,
    PRODUCTION_URL,
    SETTING_NAMES,
    STAGE_URL,
    SettingsError,
    StationConfig,
    nearest_setting,
    validate_values,
)

log = logging.getLogger(__name__)

# The settings model under the name the rest of the code knows it by.
Config = StationConfig
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
DEFAULTS = "built-in default"

__all__ = [
    "APP_NAME",
    "PRODUCTION_URL",
    "STAGE_URL",
    "Config",
    "ConfigError",
    "Layer",
    "TokenStore",
    "apply_values",
    "config_file_path",
    "config_from_args",
    "load_config",
    "resolve",
    "save_config",
    "save_settings",
]


class ConfigError(ValueError):
    """Settings that break the model's rules; one line per problem, each naming where the value came
    from, the key and the expected form."""

    def __init__(self, source: str, error: SettingsError) -> None:
        self.source = source
        self.problems = error.problems
        super().__init__("\n".join(f"{source}: {problem}" for problem in error.problems))


@dataclass(frozen=True)
class Layer:
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


def file_layer(path: Path) -> Layer | None:
    """The config file as a layer; None when it is missing or not a JSON object (reported, skipped).
    Unknown keys are reported with the nearest known key and otherwise ignored."""
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
    except (OSError, ValueError) as exc:
        log.warning("Ignoring unreadable config file %s: %s", path, exc)
        return None
    for key in sorted(set(data) - set(SETTING_NAMES)):
        near = nearest_setting(key)
        hint = f"did you mean {near!r}?" if near else "no setting has a similar name"
        log.warning("Config file %s: unknown setting %r ignored (%s)", path, key, hint)
    return Layer(f"config file {path}", data, strict=True)


def environment_layer(environ: Mapping[str, str]) -> Layer:
    return Layer("environment", {key: environ[var] for key, var in ENV_VARS.items() if environ.get(var)})


def apply_values(base: Config, data: Mapping[str, Any], *, source: str = "settings") -> Config:
    """``base`` with the usable ``data`` applied (see ``Layer.usable``); ConfigError if one is bad."""
    config, _ = resolve([Layer(source, data)], base)
    return config


def load_config(
    flags: dict[str, Any] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    path: Path | None = None,
    on_problem: Callable[[ConfigError], None] | None = None,
) -> Config:
    """Build the effective configuration. A config file that is not JSON is reported, not fatal; a bad
    value anywhere is a ConfigError saying where, which key and what form it should have (or, with
    ``on_problem``, reported there and left out: see ``resolve``)."""
    environ = os.environ if environ is None else environ
    layers = [file_layer(path or config_file_path()), environment_layer(environ)]
    layers.append(Layer("command line", {k: v for k, v in (flags or {}).items() if v is not None}))
    config, _ = resolve((layer for layer in layers if layer is not None), on_problem=on_problem)
    return config


def save_settings(
    values: dict[str, Any], token: str | None, *, path: Path | None = None, tokens: TokenStore | None = None
) -> Path:
    """The settings dialog's Save: ``values`` go into the config file over what the file held (never
    over the flags and environment of this run, which must not become permanent), ``token`` into the
    token store when one was typed. Returns the file written."""
    path = path or config_file_path()
    saved = load_config({}, environ={}, path=path)
    written = save_config(apply_values(saved, values, source="the settings dialog"), path)
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
        if self._environ.get(TOKEN_ENV):
            return self._environ[TOKEN_ENV]
        kr = self._keyring()
        if kr is not None:
            try:
                value = kr.get_password(KEYRING_SERVICE, account)
                if value:
                    return str(value)
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


def config_from_args(args: Any, *, on_problem: Callable[[ConfigError], None] | None = None) -> Config:
    """The effective configuration for parsed command-line ``args`` (flags win)."""
    flags = {
        "api_url": getattr(args, "api_url", None),
        "site_id": getattr(args, "site_id", None),
        "printer": getattr(args, "printer", None),
        "data_dir": getattr(args, "data_dir", None),
    }
    return load_config(flags, on_problem=on_problem)
