"""Configuration precedence and where the API token rests."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from packstation.adapters.config import (
    STAGE_URL,
    Config,
    TokenStore,
    load_config,
    save_config,
)


def test_defaults_point_at_stage_and_preview(tmp_path):
    config = load_config({}, environ={}, path=tmp_path / "missing.json")
    assert config.api_url == STAGE_URL
    assert config.printer == "preview"
    assert config.database_path.name == "station.sqlite3"


def test_flag_beats_environment_beats_file(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"api_url": "http://file", "site_id": "file-site", "printer": "file:/x"}))
    environ = {"PACKSTATION_API_URL": "http://env", "PACKSTATION_SITE_ID": "env-site"}
    config = load_config({"api_url": "http://flag", "site_id": None}, environ=environ, path=path)
    assert config.api_url == "http://flag"
    assert config.site_id == "env-site"
    assert config.printer == "file:/x"


def test_broken_config_file_is_reported_not_fatal(tmp_path, expected_log):
    expected_log.allow("Ignoring unreadable config file")
    path = tmp_path / "config.json"
    path.write_text("{not json")
    config = load_config({}, environ={}, path=path)
    assert config == Config(data_dir=config.data_dir, station_id=config.station_id)


def test_save_then_load_round_trip_keeps_box_types(tmp_path):
    path = tmp_path / "config.json"
    original = load_config({"data_dir": str(tmp_path / "data"), "site_id": "s1"}, environ={}, path=path)
    save_config(original, path)
    again = load_config({}, environ={}, path=path)
    assert again == original
    assert again.box_type("m").length_mm == 350
    assert "token" not in path.read_text()


def test_token_file_fallback_is_private_to_the_user(tmp_path):
    token_file = tmp_path / "token"
    store = TokenStore(environ={}, fallback_file=token_file, use_keyring=False)
    assert store.get() is None
    where = store.set("s3cret-token")
    assert where == str(token_file)
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert store.get() == "s3cret-token"


def test_environment_token_wins(tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text("from-file")
    store = TokenStore(environ={"PACKSTATION_API_TOKEN": "from-env"}, fallback_file=token_file)
    assert store.get() == "from-env"


def test_null_keyring_falls_back_to_file(tmp_path):
    # conftest selects keyring's null backend: a machine without a keyring.
    store = TokenStore(environ={}, fallback_file=tmp_path / "t")
    assert store.set("abc") == str(tmp_path / "t")
    assert Path(tmp_path / "t").read_text() == "abc"


def test_saving_settings_writes_the_dialogs_values_over_the_file_not_over_flags_or_environment(tmp_path):
    import json

    from packstation.adapters.config import save_settings

    path = tmp_path / "config.json"
    path.write_text(json.dumps({"site_id": "site-1", "station_id": "bench-4", "packer": "Old"}))
    # this run was started with --data-dir and PACKSTATION_PRINTER: neither may become permanent
    save_settings({"packer": "Anna", "printer": "usb:04b8:0e28"}, None, path=path)
    saved = json.loads(path.read_text())
    assert saved["packer"] == "Anna" and saved["printer"] == "usb:04b8:0e28"
    assert saved["site_id"] == "site-1" and saved["station_id"] == "bench-4"  # the file's own values stay
    default_data_dir = str(load_config({}, environ={}, path=tmp_path / "none.json").data_dir)
    # the run's --data-dir is not written (only what the file set or the dialog changed is)
    assert saved.get("data_dir", default_data_dir) == default_data_dir
    assert load_config({}, environ={}, path=path).data_dir == Path(default_data_dir)

    class Tokens:
        stored: list[str] = []

        def set(self, token):
            self.stored.append(token)

    save_settings({"packer": "Bo"}, "secret-token", path=path, tokens=Tokens())
    assert Tokens.stored == ["secret-token"]
    assert "secret-token" not in path.read_text()


# -- type-checked loading ----------------------------------------------------------------------------


def _load_file(tmp_path, data):
    import pytest

    from packstation.adapters.config import ConfigError

    path = tmp_path / "config.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ConfigError) as info:
        load_config({}, environ={}, path=path)
    return path, str(info.value)


def test_a_string_where_a_boolean_belongs_is_an_error_naming_file_key_and_form(tmp_path):
    # "false" used to be truthy: sounds came on
    path, message = _load_file(tmp_path, {"sounds": "false"})
    assert message == f'config file {path}: sounds: expected true or false, not "false"'


def test_a_number_where_the_scale_setting_belongs_is_an_error_before_the_start(tmp_path):
    # it used to crash later, in the scale adapter
    path, message = _load_file(tmp_path, {"scale": 5})
    assert message.startswith(f"config file {path}: scale: expected ")
    assert "usb:VID:PID" in message and "manual" in message and message.endswith("not 5")


def test_bad_values_are_errors_naming_the_key_and_the_rule(tmp_path):
    boxes = [{"code": "S", "name": "Small", "length_mm": 200, "width_mm": 0, "height_mm": 100}]
    path, message = _load_file(
        tmp_path, {"box_types": boxes, "scanner": "bluetooth:AA", "api_url": "api.ingrid.com"}
    )
    lines = message.splitlines()
    assert len(lines) == 3 and all(line.startswith(f"config file {path}: ") for line in lines)
    assert any("box_types: Box type S: Width mm must be a whole number above 0." in line for line in lines)
    assert any("scanner: scanner setting 'bluetooth:AA': use wedge, serial:" in line for line in lines)
    assert any("api_url: the API URL must start with https://" in line for line in lines)


def test_a_nested_type_error_names_the_path_inside_the_key(tmp_path):
    path, message = _load_file(tmp_path, {"box_types": "S,M,L", "data_dir": 7})
    assert f"config file {path}: box_types: box types are a list of" in message
    assert f"config file {path}: data_dir: expected a folder path, not 7" in message


def test_an_unknown_key_is_a_warning_naming_the_nearest_known_key(tmp_path, expected_log, caplog):
    expected_log.allow("unknown setting")
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"sound": False, "prnter": "file:/x", "zzz": 1}))
    config = load_config({}, environ={}, path=path)
    assert config.sounds is True and config.printer == "preview"  # ignored, not guessed
    warnings = [r.getMessage() for r in caplog.records if "unknown setting" in r.getMessage()]
    assert any("'sound'" in w and "did you mean 'sounds'?" in w and str(path) in w for w in warnings)
    assert any("'prnter'" in w and "did you mean 'printer'?" in w for w in warnings)
    assert any("'zzz'" in w and "no setting has a similar name" in w for w in warnings)


def test_a_bad_environment_value_names_the_environment(tmp_path):
    import pytest

    from packstation.adapters.config import ConfigError

    with pytest.raises(ConfigError, match=r"^environment: api_url: the API URL must start with https://"):
        load_config({}, environ={"PACKSTATION_API_URL": "api.ingrid.com"}, path=tmp_path / "none.json")


def test_resolve_says_where_each_value_came_from(tmp_path):
    from packstation.adapters.config import Layer, resolve

    config, origins = resolve(
        [
            Layer("site file", {"printer": "tcp://10.0.0.5", "sounds": False}, strict=True),
            Layer("flags", {"printer": "preview"}),
        ]
    )
    assert (config.printer, config.sounds) == ("preview", False)
    assert origins["printer"] == "flags" and origins["sounds"] == "site file"
    assert origins["packer"] == "built-in default"


def test_a_bad_setting_stops_the_cli_with_one_line_per_problem(capsys):
    from packstation import cli
    from packstation.adapters.config import config_file_path

    path = config_file_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"sounds": "no", "scale": "usb:dymo"}))
    try:
        assert cli.main(["outbox"]) == 1
    finally:
        path.unlink()
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f'packstation: config file {path}: sounds: expected true or false, not "no"',
        f"packstation: config file {path}: scale: scale setting 'usb:dymo': "
        "the ids are hex numbers, like usb:0922:8003",
    ]


def test_the_start_up_benchmarks_variable_is_not_an_unknown_setting(expected_log):
    from packstation.adapters.config import environment_layer

    expected_log.allow("unknown variable PACKSTATION_SOUNDZ")
    notes: list[str] = []
    environment_layer({"PACKSTATION_STARTUP_MARK": "/tmp/mark", "PACKSTATION_SOUNDZ": "x"}, notes)
    assert len(notes) == 1 and "PACKSTATION_SOUNDZ" in notes[0]
