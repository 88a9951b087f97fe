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
    assert saved["data_dir"] == default_data_dir

    class Tokens:
        stored: list[str] = []

        def set(self, token):
            self.stored.append(token)

    save_settings({"packer": "Bo"}, "secret-token", path=path, tokens=Tokens())
    assert Tokens.stored == ["secret-token"]
    assert "secret-token" not in path.read_text()
