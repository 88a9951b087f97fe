"""The station's settings: one typed model (a frozen dataclass whose fields carry their rules), parsed
once, with every rule a value must follow. The loader (``adapters.config``) builds it from the config
file, the environment and the flags, the settings dialog checks its fields with it, and
``station_settings`` derives what the domain's ``Station`` needs from it, so no rule lives in the wiring
or in the GUI.

Pure computation: the grammars are in ``setting_grammars``; the only look-ups are the data folders
(``platformdirs`` computes a path, it touches no file; ``PACKSTATION_BENCH_DATA_DIR`` overrides the
bench's) and the host name, for two defaults.

Checking a partial set of values (one layer: a file, the environment, the flags, the dialog's fields)
is ``validate_values``; a mistake is a ``SettingsError`` whose ``problems`` name the key, the rule that
failed and the expected form. ``strict=True`` is for JSON, which carries real types: there a string
where a boolean belongs (``"sounds": "false"``) is an error, not a guess.

Each field's annotation is its type with its bounds (``Annotated[float, Meta(gt=0)]``), which
msgspec checks (``msgspec.convert``, one field at a time so that every bad key is named: msgspec stops
at a model's first error); its ``_Rule`` holds the expected form and the grammar check. pydantic did
this until issue 18: its import and model build cost ~0.1 s of every start-up, msgspec's import a few
ms. The error codes are the ones pydantic used (``bool_type``, ``greater_than`` ...: ``_code`` maps
msgspec's ``ValidationError`` to them), and a lax check reads text as before (``"false"``, ``"no"``,
``"0"``; ``" 2.5 "``; ``"50"``). Unlike pydantic's lax mode, msgspec takes no boolean for a number
(``True`` grams) and no number for a boolean (``1.0``): no flag, variable or dialog field gives one.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import os
import sys
import typing
from collections.abc import Callable, Iterable, Mapping
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import msgspec
import platformdirs
from msgspec import Meta

from packstation.domain.packing_order import DEFAULT_BOX_TYPES, BoxType
from packstation.domain.setting_grammars import (
    PRINTER_EXAMPLES,
    PrinterKind,
    PrinterLanguage,
    ScaleSetting,
    SettingValueError,
    parse_printer_uri,
    parse_scale,
    parse_scanner,
)
from packstation.domain.station_state import StationSettings
from packstation.domain.station_weight import WeightMode

APP_NAME = "packstation"
PRODUCTION_URL = "https://api.ingrid.com"
STAGE_URL = "https://api-stage.ingrid.com"
TOKEN_ENV = "PACKSTATION_API_TOKEN"  # the one environment variable the token may come from
# The one sentence for a missing token, said alike by the window, the doctor and every sub-command.
NO_API_TOKEN = (
    f"No API token is set: enter it in Settings (Ctrl+,) in the app, or set {TOKEN_ENV}, then start again."
)
# Settings whose empty value means something ("no scale", "no receipt printer"): "" is applied. For the
# others an empty value in a file, the environment or the dialog means "not given here".
EMPTY_MEANS_OFF = frozenset({"scale", "receipt_printer", "document_printer"})
# The box-type dimensions: (key, the words people see for it).
BOX_DIMENSIONS = (("length_mm", "Length mm"), ("width_mm", "Width mm"), ("height_mm", "Height mm"))


class _Rule(msgspec.Struct, frozen=True):
    """How one setting is checked beyond its type and bounds (the field's annotation, which msgspec
    checks): its form in words (quoted by error messages), a parse of its own for a setting msgspec
    has no type for (the box types), and a check of the typed value that may normalise it or raise
    SettingValueError."""

    form: str
    parse: Callable[[object], Any] | None = None
    check: Callable[[Any], Any] | None = None


def _setting(
    default: object = dataclasses.MISSING,
    *,
    form: str,
    factory: Callable[[], object] | None = None,
    parse: Callable[[object], Any] | None = None,
    check: Callable[[Any], Any] | None = None,
) -> Any:
    """A field of ``StationConfig`` with its rule (in the field's metadata)."""
    metadata = {"rule": _Rule(form, parse, check)}
    if factory is not None:
        return dataclasses.field(default_factory=factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


# Words msgspec's lax mode does not read as a boolean: it reads "true"/"false"/"1"/"0" (any case), and
# a flag, an environment variable or a hand-edited value also says these (PACKSTATION_SOUNDS=off).
_BOOL_WORDS = dict.fromkeys(("on", "yes", "y", "t"), True) | dict.fromkeys(("off", "no", "n", "f"), False)
# msgspec's messages for a broken bound ("Expected `float` > 0.0") as the rules' codes.
_BOUND_CODES = {" of length <= ": "string_too_long", " >= ": "greater_than_equal", " > ": "greater_than"}


def _base(kind: Any) -> Any:
    """The type under a field's ``Annotated[..., msgspec.Meta(...)]``."""
    return typing.get_args(kind)[0] if typing.get_origin(kind) is Annotated else kind


def _decode(kind: type, value: object) -> object:
    """The types msgspec leaves to the caller: a path is text (JSON has no path type)."""
    if kind is Path and isinstance(value, str | Path):  # (msgspec asks about a Path instance too)
        return Path(value)
    raise TypeError(f"Expected `{kind.__name__}`, got `{type(value).__name__}`")


def _convert(value: object, kind: Any, strict: bool) -> Any:
    """``value`` as the type ``kind`` with its bounds, by msgspec (which raises ValidationError)."""
    if not strict and isinstance(value, str):
        base = _base(kind)
        if base is bool:
            value = _BOOL_WORDS.get(value.lower(), value)
        elif base is int or base is float:
            value = value.strip()  # msgspec reads "2.5" but not " 2.5 " (a hand-edited variable)
    return msgspec.convert(value, type=kind, strict=strict, dec_hook=_decode)


def _code(error: msgspec.ValidationError, kind: Any, value: object, strict: bool) -> str:
    """The code of the rule msgspec's ``error`` says ``value`` broke: the codes pydantic used when it
    checked these settings (``bool_parsing``: text or a number that is no boolean; ``int_type``: not a
    number at all ...), which the dialog and the log name rules by."""
    message = str(error)
    bound = next((code for words, code in _BOUND_CODES.items() if words in message), None)
    if bound is not None:
        return bound
    base = _base(kind)
    if isinstance(base, type) and issubclass(base, enum.Enum):
        return "enum"
    if base is Path:
        return "string_type" if strict else "path_type"
    name = "string" if base is str else base.__name__
    if not strict and base is int and isinstance(value, float):
        return "int_from_float"
    if not strict and (isinstance(value, str) or (base is bool and type(value) is int)):
        return f"{name}_parsing"
    return f"{name}_type"


def _grammar(parse: Callable[[str], object]) -> Callable[[str], str]:
    """A field rule from a grammar: the text stays as written, a mistake is the grammar's coded error."""

    def check(value: str) -> str:
        parse(value)
        return value

    return check


def _check_api_url(value: str) -> str:
    if not value.strip().startswith(("https://", "http://")):
        raise SettingValueError(
            "api_url", f"the API URL must start with https:// (like {PRODUCTION_URL}), not {value!r}"
        )
    return value.strip()


def _box_error(message: str) -> SettingValueError:
    return SettingValueError("box_type", message)


def _whole_mm(value: object) -> int | None:
    if isinstance(value, bool):  # True is an int to Python, not a length
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdecimal():
        return int(value.strip())
    return None


def _parse_box_types(value: object) -> tuple[BoxType, ...]:
    """Box types as a list of ``{code, name, length_mm, width_mm, height_mm}`` (or BoxType values):
    a code each, whole millimetres above 0, no code twice (codes are scanned case-blind)."""
    if not isinstance(value, list | tuple):
        raise _box_error("box types are a list of {code, name, length_mm, width_mm, height_mm}")
    boxes: list[BoxType] = []
    for row, item in enumerate(value, start=1):
        if isinstance(item, BoxType):
            boxes.append(item)
            continue
        if not isinstance(item, Mapping):
            raise _box_error(f"box type {row} must be {{code, name, length_mm, width_mm, height_mm}}")
        code = str(item.get("code") or "").strip()
        if not code:
            raise _box_error(f"Box type in row {row} needs a code.")
        dims: list[int] = []
        for key, label in BOX_DIMENSIONS:
            mm = _whole_mm(item.get(key))
            if mm is None or mm <= 0:
                raise _box_error(f"Box type {code}: {label} must be a whole number above 0.")
            dims.append(mm)
        name = str(item.get("name") or "").strip() or code
        boxes.append(BoxType(code, name, dims[0], dims[1], dims[2]))
    codes = [box.code.upper() for box in boxes]
    duplicate = next((code for code in codes if codes.count(code) > 1), None)
    if duplicate:
        raise _box_error(f"Box type {duplicate} is listed twice.")
    return tuple(boxes)


def _check_listen(value: str) -> str:
    value = value.strip()
    if value:
        host, _, port = value.rpartition(":")
        if not port.isdecimal() or not 0 <= int(port) < 65536 or (host and " " in host):
            raise SettingValueError(
                "metrics_listen", f"expected PORT or HOST:PORT (like 127.0.0.1:9464 or 9464), not {value!r}"
            )
    return value


def listen_address(value: str) -> tuple[str, int] | None:
    """``metrics_listen`` as (host, port); None when off. A bare port listens on loopback only: the LAN
    is opened by naming an address (0.0.0.0 or the bench's own). Port 0: any free port (tests)."""
    value = value.strip()
    if not value:
        return None
    host, _, port = value.rpartition(":")
    return (host.strip("[]") or "127.0.0.1", int(port))


def user_data_dir() -> Path:
    """The per-user data folder station data lived in before it moved to the bench's folder."""
    return Path(platformdirs.user_data_dir(APP_NAME))


def bench_data_dir() -> Path:
    """The per-bench data folder, shared by every OS user of the bench (two Windows users on one bench
    PC must share one outbox): ``/var/lib/packstation`` on Linux (the .deb creates it, group-writable),
    the site data dir elsewhere (``C:\\ProgramData\\packstation``). ``PACKSTATION_BENCH_DATA_DIR``
    overrides it (tests, unusual installs)."""
    override = os.environ.get("PACKSTATION_BENCH_DATA_DIR")
    if override:
        return Path(override).expanduser()
    if sys.platform.startswith("linux"):
        return Path("/var/lib") / APP_NAME
    return Path(platformdirs.site_data_dir(APP_NAME, appauthor=False))


def _default_data_dir() -> Path:
    return bench_data_dir()


class LogFormat(enum.StrEnum):
    """How log lines are written: for people, or one JSON object per line for a log collector."""

    TEXT = "text"
    JSON = "json"


def _default_station_id() -> str:
    return os.uname().nodename if hasattr(os, "uname") else "station"


BOOL = "true or false"


@dataclasses.dataclass(frozen=True)
class StationConfig:
    """Everything a station needs to know, except the API token (the adapters' ``TokenStore``).

    Each field's ``form`` is the expected form that error messages quote. Every value is checked when
    the model is made (and again by ``dataclasses.replace``): a bad one raises ``SettingsError``."""

    api_url: str = _setting(STAGE_URL, form=f"an https:// URL, like {PRODUCTION_URL}", check=_check_api_url)
    site_id: str = _setting("", form="the Ingrid site id (text)")
    # Printer URIs are checked when used (each label job and `packstation doctor` say what is wrong, and
    # the station keeps packing) and when the dialog saves them, not when a file is read.
    printer: str = _setting("preview", form=f"a printer URI such as {PRINTER_EXAMPLES}")
    data_dir: Path = _setting(form="a folder path", factory=_default_data_dir)
    station_id: str = _setting(form="this bench's name (text)", factory=_default_station_id)
    packer: str = _setting("", form="the packer's name (text)")
    sounds: bool = _setting(True, form=BOOL)
    auto_close_last_box: bool = _setting(True, form=BOOL)
    default_box_type: str = _setting("M", form="a box type code (the type CMD:CLOSE-BOX records)")
    box_types: tuple[BoxType, ...] = _setting(
        DEFAULT_BOX_TYPES,
        form="a list of {code, name, length_mm, width_mm, height_mm} (whole millimetres)",
        parse=_parse_box_types,
    )
    label_format: str = _setting("svg", form="a label format name, like svg")
    # A CUSTOM tracking event per parcel when its order is packed.
    publish_packed_event: bool = _setting(False, form=BOOL)
    custom_event_type_id: str = _setting("packed", form="the custom event type id (text)")
    language: str = _setting("en", form="a language code with a translation, like en or sv")
    scale: str = _setting(
        "",
        form='"" (no scale), usb, usb:VID:PID (hex, like usb:0922:8003) or manual',
        check=_grammar(parse_scale),
    )
    # With a scale (or "manual"): a box closes only with a usable weight.
    require_weight: bool = _setting(True, form=BOOL)
    # Typed weights (W:1.25kg) allowed as the fallback when the scale fails.
    manual_weight: bool = _setting(True, form=BOOL)
    print_packing_slip: bool = _setting(False, form=BOOL)  # a slip per completed order
    # Printer URI for slips; "" = the label printer if it speaks ESC/POS.
    receipt_printer: str = _setting("", form=f'"" (the label printer) or a URI such as {PRINTER_EXAMPLES}')
    # The document printer role: an A4/Letter office printer behind an OS queue, for manifests and
    # packing slips as PDF; "" = none. The label printer is ``printer``, the receipt printer above.
    document_printer: str = _setting(
        "", form='"" (none) or an OS print queue: cups:QUEUE or win32:PRINTER NAME'
    )
    scanner: str = _setting(
        "wedge",
        form="wedge, serial:/dev/ttyACM0 or serial:COM3 (optionally ?baud=9600)",
        check=_grammar(parse_scanner),
    )
    # Total time one API call may take (reads: all attempts; writes: longer, a late answer beats an
    # unknown outcome to reconcile). See packstation/adapters/som/client.py.
    api_read_deadline_s: Annotated[float, Meta(gt=0)] = _setting(20.0, form="seconds, a number above 0")
    api_write_deadline_s: Annotated[float, Meta(gt=0)] = _setting(60.0, form="seconds, a number above 0")
    # Fleet operation (adapters.metrics, adapters.logs): both metric outputs are off by default.
    metrics_listen: str = _setting(
        "",
        form='"" (off), PORT or HOST:PORT for the OpenMetrics endpoint, like 127.0.0.1:9464',
        check=_check_listen,
    )
    metrics_textfile: str = _setting(
        "", form='"" (off) or a .prom file path for the node_exporter textfile collector'
    )
    log_format: LogFormat = _setting(LogFormat.TEXT, form="text or json (JSON lines)")
    # The OS log as well as the file: syslog/journald on Linux, the Event Log on Windows.
    log_system: bool = _setting(False, form=BOOL)
    # `packstation fleet status` without bench URLs asks this Prometheus server (usually in the site file).
    fleet_prometheus_url: str = _setting(
        "", form='"" or the Prometheus server\'s URL, like http://prometheus:9090'
    )
    # What a keyboard-wedge scanner types for the GS separator (FNC1) of GS1 barcodes when it cannot send
    # Ctrl+] (the GS character itself, always understood): e.g. "^]" or "<GS>". "" = only Ctrl+].
    gs_replacement: Annotated[str, Meta(max_length=8)] = _setting(
        "", form='the text the scanner sends for GS, like ^] or <GS> ("" = Ctrl+] only)'
    )
    # A supervisor may teach the bench an unknown barcode (CMD:LEARN, barcode, SKU label).
    catalogue_learning: bool = _setting(False, form=BOOL)
    # A weighed box is held when its weight differs from its goods' expected weight (the order's item
    # weights, else the catalogue's) by more than both of these.
    weight_tolerance_pct: Annotated[float, Meta(ge=0)] = _setting(10.0, form="a percentage, 0 or more")
    weight_tolerance_g: Annotated[int, Meta(ge=0)] = _setting(50, form="grams, a whole number, 0 or more")
    # Retention (adapters/store/retention.py): finished operations, label payloads and the shipments
    # cache go after the working period; the scan log and the orders' records after the audit period.
    retention_working_days: Annotated[float, Meta(gt=0)] = _setting(30.0, form="days, a number above 0")
    retention_audit_days: Annotated[float, Meta(gt=0)] = _setting(400.0, form="days, a number above 0")

    def __post_init__(self) -> None:
        typed, problems = _check_fields({name: getattr(self, name) for name in _RULES}, strict=False)
        if problems:
            raise SettingsError(problems)
        for name, value in typed.items():
            if value is not getattr(self, name):  # frozen: normalised in place while being built
                object.__setattr__(self, name, value)
        event_type = self.custom_event_type_id.strip()
        if self.publish_packed_event and not event_type:
            message = "a custom event type id is needed to publish the packed event"
            raise SettingsError([Problem("custom_event_type_id", "event_type_missing", message)])
        object.__setattr__(self, "custom_event_type_id", event_type or "packed")

    @property
    def database_path(self) -> Path:
        return self.data_dir / "station.sqlite3"

    def box_type(self, code: str) -> BoxType | None:
        return next((b for b in self.box_types if b.code.upper() == code.upper()), None)

    @property
    def scale_setting(self) -> ScaleSetting:
        return parse_scale(self.scale)

    @property
    def weight_mode(self) -> str:
        """The station's weight mode (domain ``station_weight``): "", "scale" or "manual"."""
        return self.scale_setting.weight_mode

    def slip_printer_uri(self) -> str:
        """Where packing slips print ("" when slips are off or nowhere can): ``slip_destination``."""
        destination = self.slip_destination()
        return destination.uri if destination is not None else ""

    def slip_destination(self) -> DocumentDestination | None:
        """Where packing slips print: the document printer (as PDF pages), else the receipt printer,
        else the label printer if it speaks ESC/POS (a ZPL label printer cannot print receipt text);
        None when slips are off or nowhere can."""
        if not self.print_packing_slip:
            return None
        if self.document_printer.strip():
            return DocumentDestination(self.document_printer.strip(), PrinterRole.DOCUMENT)
        if self.receipt_printer.strip():
            return DocumentDestination(self.receipt_printer.strip(), PrinterRole.RECEIPT)
        try:
            spec = parse_printer_uri(self.printer)
        except SettingValueError:
            return None
        usable = spec.lang is PrinterLanguage.ESCPOS and spec.kind is not PrinterKind.PREVIEW
        return DocumentDestination(self.printer, PrinterRole.LABEL) if usable else None

    def manifest_destination(self) -> DocumentDestination:
        """Where the end-of-day manifest prints: the document printer (as PDF pages), else the receipt
        printer, else the label printer (receipt text)."""
        if self.document_printer.strip():
            return DocumentDestination(self.document_printer.strip(), PrinterRole.DOCUMENT)
        if self.receipt_printer.strip():
            return DocumentDestination(self.receipt_printer.strip(), PrinterRole.RECEIPT)
        return DocumentDestination(self.printer, PrinterRole.LABEL)

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["data_dir"] = str(self.data_dir)
        data["log_format"] = self.log_format.value
        data["box_types"] = [dataclasses.asdict(b) for b in self.box_types]
        return data


class PrinterRole(StrEnum):
    """The printers a bench may have, each optional except the label printer (``preview`` by default)."""

    LABEL = "label"  # carrier labels: a thermal head (ESC/POS, ZPL, TSPL, EPL)
    RECEIPT = "receipt"  # packing slips and manifests as receipt text (ESC/POS)
    DOCUMENT = "document"  # A4/Letter pages through an OS queue (manifests, packing slips as PDF)


class DocumentDestination(msgspec.Struct, frozen=True):
    """Where a document (manifest, packing slip) prints and through which role: the document printer
    gets PDF pages, the receipt and label printers ESC/POS receipt text."""

    uri: str
    role: PrinterRole

    @property
    def as_pdf(self) -> bool:
        return self.role is PrinterRole.DOCUMENT


# Which setting holds each role's printer URI.
PRINTER_ROLES: dict[PrinterRole, str] = {
    PrinterRole.LABEL: "printer",
    PrinterRole.RECEIPT: "receipt_printer",
    PrinterRole.DOCUMENT: "document_printer",
}


def configured_printers(config: StationConfig) -> dict[PrinterRole, str]:
    """The roles this station has a printer for, with their URIs (the label printer always)."""
    found = {}
    for role, key in PRINTER_ROLES.items():
        uri = str(getattr(config, key) or "").strip()
        if uri or role is PrinterRole.LABEL:
            found[role] = uri
    return found


SETTING_NAMES: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(StationConfig))
_RULES: dict[str, _Rule] = {f.name: f.metadata["rule"] for f in dataclasses.fields(StationConfig)}
# Each setting's type with its bounds, as msgspec checks it: the fields' annotations.
_KINDS: dict[str, Any] = typing.get_type_hints(StationConfig, include_extras=True)


def nearest_setting(key: str) -> str | None:
    """The known setting a misspelt key most likely meant, or None."""
    import difflib  # only for a misspelt key: not at every start

    matches = difflib.get_close_matches(key, SETTING_NAMES, n=1, cutoff=0.6)
    return matches[0] if matches else None


class Problem(msgspec.Struct, frozen=True):
    """One value that breaks a rule: ``key`` ("sounds", "box_types"), ``code`` (the rule; pydantic's
    error type or a grammar's code) and ``message`` (what is wrong and the expected form)."""

    key: str
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.key}: {self.message}"


class SettingsError(ValueError):
    """Values that break the model's rules; ``problems`` lists each one."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


def _shown(value: object) -> str:
    """A refused value as the error message quotes it (JSON, like the files it usually comes from)."""
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


def _check_fields(values: Mapping[str, Any], *, strict: bool) -> tuple[dict[str, Any], list[Problem]]:
    """Each known setting in ``values`` checked by its rule, in the model's field order: the typed and
    normalised values, and a problem for every value that breaks its rule."""
    typed: dict[str, Any] = {}
    problems: list[Problem] = []
    for name, rule in _RULES.items():
        if name not in values:
            continue
        value = values[name]
        try:
            checked = rule.parse(value) if rule.parse else _convert(value, _KINDS[name], strict)
            typed[name] = rule.check(checked) if rule.check else checked
        except msgspec.ValidationError as exc:
            code = _code(exc, _KINDS[name], value, strict)
            problems.append(Problem(name, code, f"expected {rule.form}, not {_shown(value)}"))
        except SettingValueError as exc:
            problems.append(Problem(name, exc.code, exc.user_message))
    return typed, problems


def validate_values(values: Mapping[str, Any], *, strict: bool = False) -> dict[str, Any]:
    """Check some settings (known keys only; every other setting keeps its default while checking)
    and return them typed and normalised. ``strict``: ``values`` came from JSON, so a value of the
    wrong JSON type is refused instead of converted. Raises SettingsError naming every bad key."""
    unknown = sorted(set(values) - set(SETTING_NAMES))
    if unknown:
        raise SettingsError(Problem(key, "unknown", "not a setting") for key in unknown)
    typed, problems = _check_fields(values, strict=strict)
    if problems:
        raise SettingsError(problems)
    checked = StationConfig(**typed)  # the rules between settings (the packed event's type id)
    return {key: getattr(checked, key) for key in values}


def check_for_saving(values: Mapping[str, Any]) -> dict[str, Any]:
    """The settings dialog's check: the model's rules plus the printer URIs' grammar (a URI saved must
    be one the station can use). Returns the values normalised, in their JSON form (box types as
    dicts); raises SettingsError naming every bad key."""
    problems: list[Problem] = []
    checked: dict[str, Any] = {}
    try:
        checked = validate_values(values)
    except SettingsError as exc:
        problems.extend(exc.problems)
    for key in PRINTER_ROLES.values():
        uri = str(values.get(key) or "").strip()
        if uri:
            try:
                spec = parse_printer_uri(uri)
            except SettingValueError as exc:
                problems.append(Problem(key, exc.code, exc.user_message))
                continue
            if key == "document_printer" and spec.kind not in (PrinterKind.CUPS, PrinterKind.WIN32):
                problems.append(
                    Problem(
                        key,
                        "document_printer_kind",
                        f"the document printer {uri!r} must be an OS print queue (cups:QUEUE or "
                        "win32:PRINTER NAME): documents are PDF pages the system's driver prints",
                    )
                )
    if problems:
        raise SettingsError(problems)
    if "box_types" in checked:
        checked["box_types"] = [dataclasses.asdict(box) for box in checked["box_types"]]
    return checked


def station_settings(config: StationConfig) -> StationSettings:
    """What the domain's ``Station`` needs from the settings: the one place their rules meet."""
    weight_mode = WeightMode(config.weight_mode)
    return StationSettings(
        auto_close=config.auto_close_last_box,
        default_box_type=config.default_box_type,
        box_types=tuple(config.box_types),
        packer_name=config.packer,
        weight_mode=weight_mode,
        # weights are asked for only where there is a way to weigh; "manual" means typing is the way
        require_weight=config.require_weight and bool(weight_mode),
        manual_weight=config.manual_weight or weight_mode is WeightMode.MANUAL,
        gs_forms=(config.gs_replacement,) if config.gs_replacement.strip() else (),
        learning=config.catalogue_learning,
        weight_tolerance_pct=config.weight_tolerance_pct,
        weight_tolerance_g=config.weight_tolerance_g,
    )
