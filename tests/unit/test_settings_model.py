"""The one settings model: the grammars it holds, the rules the dialog checks with, and the one
derivation of the domain's StationSettings."""

from __future__ import annotations

import dataclasses

import pytest

from packstation.domain.setting_grammars import (
    PrinterKind,
    PrinterLanguage,
    ScaleKind,
    SerialScannerSetting,
    SettingValueError,
    parse_printer_uri,
    parse_scale,
    parse_scanner,
)
from packstation.domain.settings import (
    SettingsError,
    StationConfig,
    check_for_saving,
    nearest_setting,
    station_settings,
    validate_values,
)


def test_printer_kind_and_language_are_enums():
    spec = parse_printer_uri("tcp://10.0.0.5:9100?lang=zpl")
    assert spec.kind is PrinterKind.TCP and spec.lang is PrinterLanguage.ZPL
    assert parse_printer_uri("preview").kind is PrinterKind.PREVIEW
    with pytest.raises(SettingValueError) as info:
        parse_printer_uri("lpt1")
    assert info.value.code == "printer_uri" and "unknown printer URI" in info.value.user_message


@pytest.mark.parametrize(
    ("text", "kind", "ids", "mode"),
    [
        ("", ScaleKind.NONE, (None, None), ""),
        ("manual", ScaleKind.MANUAL, (None, None), "manual"),
        ("usb", ScaleKind.USB, (None, None), "scale"),
        ("USB:0922:8003", ScaleKind.USB, (0x0922, 0x8003), "scale"),
        ("usb:0x0922", ScaleKind.USB, (0x0922, None), "scale"),
    ],
)
def test_scale_grammar(text, kind, ids, mode):
    parsed = parse_scale(text)
    assert (parsed.kind, (parsed.vendor_id, parsed.product_id), parsed.weight_mode) == (kind, ids, mode)


@pytest.mark.parametrize(
    ("text", "code"), [("serial", "scale"), ("usb:dymo", "scale_ids"), ("usb:12345", "scale_ids")]
)
def test_bad_scale_settings_name_their_rule(text, code):
    with pytest.raises(SettingValueError) as info:
        parse_scale(text)
    assert info.value.code == code and repr(text) in info.value.user_message


def test_scanner_grammar():
    assert parse_scanner("") is None and parse_scanner("Wedge") is None
    assert parse_scanner("serial:COM3?baud=19200") == SerialScannerSetting("COM3", 19200)
    with pytest.raises(SettingValueError) as info:
        parse_scanner("serial: ")
    assert info.value.code == "scanner_no_port"


def test_the_model_refuses_a_bad_value_when_it_is_made():
    with pytest.raises(ValueError, match="scanner setting"):
        StationConfig(scanner="bluetooth:AA:BB")
    with pytest.raises(ValueError, match="listed twice"):
        StationConfig(
            box_types=[
                {"code": "s", "name": "", "length_mm": 1, "width_mm": 1, "height_mm": 1},
                {"code": "S", "name": "", "length_mm": 2, "width_mm": 2, "height_mm": 2},
            ]
        )


def test_strict_checking_is_for_json_where_types_are_real():
    with pytest.raises(SettingsError) as info:
        validate_values({"sounds": "false", "require_weight": 1}, strict=True)
    assert sorted((p.key, p.code) for p in info.value.problems) == [
        ("require_weight", "bool_type"),
        ("sounds", "bool_type"),
    ]
    assert validate_values({"data_dir": "/tmp/x"}, strict=True)["data_dir"].name == "x"


def test_unknown_keys_are_not_guessed_but_the_nearest_is_named():
    assert nearest_setting("sound") == "sounds" and nearest_setting("recipt_printer") == "receipt_printer"
    assert nearest_setting("colour") is None
    with pytest.raises(SettingsError, match="sound: not a setting"):
        validate_values({"sound": True})


def test_saving_also_checks_the_printer_uris_and_normalises():
    with pytest.raises(SettingsError) as info:
        check_for_saving({"printer": "lpt1", "receipt_printer": "tcp://host:99999"})
    assert [p.key for p in info.value.problems] == ["printer", "receipt_printer"]
    checked = check_for_saving(
        {
            "printer": "",  # empty: keep what the file has
            "custom_event_type_id": " ",  # not publishing: the default id
            "box_types": [{"code": "A", "name": "", "length_mm": "10", "width_mm": 2, "height_mm": 3}],
        }
    )
    assert checked["custom_event_type_id"] == "packed"
    assert checked["box_types"] == [
        {"code": "A", "name": "A", "length_mm": 10, "width_mm": 2, "height_mm": 3}
    ]
    with pytest.raises(SettingsError, match="custom event type id is needed"):
        check_for_saving({"publish_packed_event": True, "custom_event_type_id": " "})


@pytest.mark.parametrize(
    ("scale", "require", "manual", "expected"),
    [
        ("", True, False, ("", False, False)),  # no scale: nothing to require
        ("usb", True, False, ("scale", True, False)),
        ("manual", True, False, ("manual", True, True)),  # typing is the way to weigh
    ],
)
def test_station_settings_are_derived_by_one_function(scale, require, manual, expected):
    config = StationConfig(scale=scale, require_weight=require, manual_weight=manual, packer="Anna")
    settings = station_settings(config)
    assert (settings.weight_mode, settings.require_weight, settings.manual_weight) == expected
    assert settings.packer_name == "Anna" and settings.box_types == config.box_types
    assert settings.auto_close is config.auto_close_last_box


def test_replace_revalidates():
    config = StationConfig()
    assert dataclasses.replace(config, scale="usb:0922:8003").scale_setting.product_id == 0x8003
    with pytest.raises(ValueError, match="hex"):
        dataclasses.replace(config, scale="usb:dymo")


@pytest.mark.parametrize(
    ("key", "text", "expected"),
    [
        ("sounds", "no", False),
        ("sounds", "ON", True),
        ("sounds", "Off", False),
        ("sounds", "TRUE", True),
        ("sounds", "0", False),
        ("api_read_deadline_s", " 2.5 ", 2.5),
        ("weight_tolerance_g", "60", 60),
        ("weight_tolerance_g", "7.0", 7),
        ("data_dir", "/srv/bench", "/srv/bench"),
        ("log_format", "json", "json"),
    ],
)
def test_a_lax_check_reads_text_as_a_flag_or_the_environment_gives_it(key, text, expected):
    # Flags, environment variables and the dialog give text; the rules read it as pydantic's lax mode
    # did when it checked these settings (msgspec checks them since issue 18; the words are ours).
    value = validate_values({key: text})[key]
    assert (str(value) if key in ("data_dir", "log_format") else value) == expected


@pytest.mark.parametrize(
    ("values", "strict", "codes"),
    [
        ({"sounds": " yes "}, False, [("sounds", "bool_parsing")]),
        ({"weight_tolerance_g": 7.5}, False, [("weight_tolerance_g", "int_from_float")]),
        ({"weight_tolerance_g": "many"}, False, [("weight_tolerance_g", "int_parsing")]),
        ({"weight_tolerance_g": "5"}, True, [("weight_tolerance_g", "int_type")]),
        ({"api_read_deadline_s": 0}, False, [("api_read_deadline_s", "greater_than")]),
        ({"weight_tolerance_pct": -1}, False, [("weight_tolerance_pct", "greater_than_equal")]),
        ({"gs_replacement": "123456789"}, False, [("gs_replacement", "string_too_long")]),
        ({"site_id": 5, "log_format": "xml"}, False, [("site_id", "string_type"), ("log_format", "enum")]),
        ({"data_dir": 7}, True, [("data_dir", "string_type")]),
        ({"data_dir": 7}, False, [("data_dir", "path_type")]),
        ({"weight_tolerance_g": 7.0}, True, [("weight_tolerance_g", "int_type")]),
        (
            {"sounds": 2, "auto_close_last_box": 1.5},
            False,
            [("sounds", "bool_parsing"), ("auto_close_last_box", "bool_type")],
        ),
        ({"retention_working_days": float("nan")}, False, [("retention_working_days", "greater_than")]),
    ],
)
def test_every_broken_rule_is_named_with_its_code(values, strict, codes):
    with pytest.raises(SettingsError) as info:
        validate_values(values, strict=strict)
    assert [(p.key, p.code) for p in info.value.problems] == codes


def test_a_type_error_quotes_the_expected_form_and_the_value():
    with pytest.raises(SettingsError) as info:
        validate_values({"api_write_deadline_s": "soon"})
    assert str(info.value) == 'api_write_deadline_s: expected seconds, a number above 0, not "soon"'


@pytest.mark.parametrize(
    ("values", "code"),
    [
        ({"weight_tolerance_g": True}, "int_type"),
        ({"api_read_deadline_s": True}, "float_type"),
        ({"sounds": 1.0}, "bool_type"),
    ],
)
def test_a_boolean_is_no_number_and_a_number_no_boolean(values, code):
    # pydantic's lax mode (and the rules that mimicked it) read True as 1 gram and 1.0 as true; msgspec
    # does not, and no flag, environment variable or dialog field gives one.
    with pytest.raises(SettingsError) as info:
        validate_values(values)
    assert [p.code for p in info.value.problems] == [code]
