"""The layered fleet configuration: defaults < site file < the bench's section < user file < environment
< flags, every layer checked by the one settings model, and `packstation config show`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from packstation.adapters.config import (
    ConfigError,
    load_effective,
    save_settings,
    site_file_path,
    version_too_old,
)


def _site(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "site.json"
    path.write_text(json.dumps(data))
    return path


def _load(tmp_path: Path, *, site=None, user=None, environ=None, flags=None):
    site_path = _site(tmp_path, site) if site is not None else tmp_path / "no-site.json"
    user_path = tmp_path / "config.json"
    if user is not None:
        user_path.write_text(json.dumps(user))
    return load_effective(flags or {}, environ=environ or {}, path=user_path, site_path=site_path)


SITE = {
    "api_url": "https://api.ingrid.com",
    "site_id": "wh-1",
    "printer": "tcp://10.0.0.9",
    "sounds": False,
    "min_version": "0.1",
    "benches": {
        "bench-07": {"printer": "usb:04b8:0e28", "packer": "Bench seven", "scale": "usb"},
        "bench-08": {"printer": "tcp://10.0.0.8"},
    },
}


def test_each_layer_overrides_the_one_below_and_says_so(tmp_path):
    effective = _load(
        tmp_path,
        site=SITE,
        user={"station_id": "bench-07", "scale": "manual", "language": "sv"},
        environ={"PACKSTATION_LANGUAGE": "en", "PACKSTATION_SITE_ID": "wh-env"},
        flags={"site_id": "wh-flag"},
    )
    config, origins = effective.config, effective.origins
    site = f"site file {tmp_path / 'site.json'}"
    assert (config.api_url, origins["api_url"]) == ("https://api.ingrid.com", site)
    assert (config.sounds, origins["sounds"]) == (False, site)
    assert (config.printer, origins["printer"]) == ("usb:04b8:0e28", f"{site} [benches.bench-07]")
    assert (config.packer, origins["packer"]) == ("Bench seven", f"{site} [benches.bench-07]")
    assert (config.scale, origins["scale"]) == ("manual", f"config file {tmp_path / 'config.json'}")
    assert (config.language, origins["language"]) == ("en", "environment")
    assert (config.site_id, origins["site_id"]) == ("wh-flag", "command line")
    assert origins["label_format"] == "built-in default"
    assert effective.sources == (
        site,
        f"{site} [benches.bench-07]",
        f"config file {tmp_path / 'config.json'}",
        "environment",
        "command line",
    )
    assert effective.min_version == "0.1"


def test_the_bench_section_follows_the_station_id_from_environment_or_flags(tmp_path):
    by_env = _load(tmp_path, site=SITE, environ={"PACKSTATION_STATION_ID": "bench-08"}).config
    assert by_env.printer == "tcp://10.0.0.8"
    by_flag = _load(tmp_path, site=SITE, flags={"station_id": "BENCH-07"}).config  # case-blind
    assert by_flag.printer == "usb:04b8:0e28"
    other = _load(tmp_path, site=SITE, flags={"station_id": "bench-99"}).config
    assert other.printer == "tcp://10.0.0.9"  # no section: the site-wide value


def test_every_setting_has_an_environment_variable_parsed_from_text(tmp_path):
    environ = {
        "PACKSTATION_SOUNDS": "false",
        "PACKSTATION_API_READ_DEADLINE_S": "7.5",
        "PACKSTATION_BOX_TYPES": json.dumps(
            [{"code": "X", "name": "Xl", "length_mm": 1, "width_mm": 2, "height_mm": 3}]
        ),
    }
    config = _load(tmp_path, environ=environ).config
    assert config.sounds is False and config.api_read_deadline_s == 7.5
    assert [box.code for box in config.box_types] == ["X"]


def test_a_bad_type_in_the_site_file_names_the_file_the_key_and_the_form(tmp_path):
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, site={"sounds": "no", "api_read_deadline_s": "20"})
    path = tmp_path / "site.json"
    assert str(info.value).splitlines() == [
        f'site file {path}: sounds: expected true or false, not "no"',
        f'site file {path}: api_read_deadline_s: expected seconds, a number above 0, not "20"',
    ]


def test_a_bad_value_in_a_bench_section_names_the_section(tmp_path):
    site = {"benches": {"bench-07": {"metrics_listen": "everywhere"}}}
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, site=site, flags={"station_id": "bench-07"})
    assert str(info.value) == (
        f"site file {tmp_path / 'site.json'} [benches.bench-07]: metrics_listen: "
        "expected PORT or HOST:PORT (like 127.0.0.1:9464 or 9464), not 'everywhere'"
    )


def test_a_bad_environment_value_names_the_environment_key_and_form(tmp_path):
    with pytest.raises(ConfigError, match=r"^environment: log_format: expected text or json"):
        _load(tmp_path, environ={"PACKSTATION_LOG_FORMAT": "xml"})


def test_unknown_keys_in_every_layer_warn_with_the_nearest_known_one(tmp_path, expected_log):
    expected_log.allow("unknown setting")
    expected_log.allow("unknown variable")
    site = {"printr": "x", "benches": {"bench-07": {"packr": "x"}}, "min_versoin": "1"}
    effective = _load(tmp_path, site=site, user={"soundz": True}, environ={"PACKSTATION_SOUDNS": "1"})
    notes = "\n".join(effective.notes)
    assert "unknown setting 'printr' ignored (did you mean 'printer'?)" in notes
    assert "[benches.bench-07]: unknown setting 'packr' ignored (did you mean 'packer'?)" in notes
    assert "unknown setting 'soundz' ignored (did you mean 'sounds'?)" in notes
    assert "unknown variable PACKSTATION_SOUDNS ignored (did you mean PACKSTATION_SOUNDS?)" in notes
    assert f"Site file {tmp_path / 'site.json'}: unknown setting 'min_versoin'" in notes


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", None], ids=["not-json", "not-object", "dir"])
def test_an_unreadable_site_file_is_reported_with_its_path_and_skipped(tmp_path, expected_log, content):
    expected_log.allow("Ignoring unreadable site file")
    path = tmp_path / "site.json"
    if content is None:
        path.mkdir()  # unreadable as a file whoever runs the test (root reads any mode)
    else:
        path.write_text(content)
    effective = load_effective({}, environ={}, path=tmp_path / "none.json", site_path=path)
    assert effective.config.printer == "preview"
    assert any(note.startswith(f"Ignoring unreadable site file {path}: ") for note in effective.notes)


def test_a_bad_min_version_is_reported_and_ignored(tmp_path, expected_log):
    expected_log.allow("min_version")
    effective = _load(tmp_path, site={"min_version": "latest"})
    assert effective.min_version == ""
    assert any("min_version: expected a version like" in note for note in effective.notes)


def test_version_comparison_for_the_minimum_version_check():
    assert version_too_old("0.9.0", "1.0")
    assert version_too_old("1.2.9", "1.10.0")
    assert not version_too_old("1.10.0", "1.2")
    assert not version_too_old("1.0", "1.0.0")
    assert not version_too_old("2.0.0rc1", "1.9")


def test_the_site_file_lives_in_the_site_config_dir_or_where_the_variable_says(tmp_path):
    assert site_file_path({}).parts[-2:] == ("packstation", "site.json")
    assert site_file_path({"PACKSTATION_SITE_FILE": str(tmp_path / "s.json")}) == tmp_path / "s.json"


def test_saving_settings_does_not_freeze_the_site_files_values_into_the_user_file(tmp_path):
    site_path = _site(tmp_path, {"printer": "tcp://10.0.0.9", "sounds": False})
    user = tmp_path / "config.json"
    save_settings(
        {"packer": "Anna", "printer": "tcp://10.0.0.9", "sounds": False}, None, path=user, site_path=site_path
    )
    assert json.loads(user.read_text()) == {"packer": "Anna"}
    _site(tmp_path, {"printer": "tcp://10.0.0.10", "sounds": False})  # IT changes the site file
    config = load_effective({}, environ={}, path=user, site_path=site_path).config
    assert (config.printer, config.packer) == ("tcp://10.0.0.10", "Anna")


# -- packstation config show --------------------------------------------------------------------------


def _show(monkeypatch, capsys, tmp_path, *argv, token="s3cr3t-fleet-token-value"):
    from packstation import cli

    site = _site(tmp_path, SITE)
    monkeypatch.setenv("PACKSTATION_SITE_FILE", str(site))
    monkeypatch.setenv("PACKSTATION_API_TOKEN", token)
    monkeypatch.setenv("PACKSTATION_SOUNDS", "true")
    status = cli.main(["config", "show", "--station-id", "bench-07", *argv])
    return status, capsys.readouterr().out


def test_config_show_prints_each_value_with_its_source_and_never_the_token(monkeypatch, capsys, tmp_path):
    status, out = _show(monkeypatch, capsys, tmp_path)
    assert status == 0
    site = f"site file {tmp_path / 'site.json'}"
    lines = out.splitlines()
    assert lines[0].endswith("on station 'bench-07'")
    assert f"Sources, lowest first: built-in defaults < {site} < {site} [benches.bench-07]" in out
    assert any(
        line.split()
        == ["printer", "usb:04b8:0e28", "(site", "file", str(tmp_path / "site.json"), "[benches.bench-07])"]
        for line in lines
    )
    assert any(line.split()[:3] == ["sounds", "true", "(environment)"] for line in lines)
    assert any(line.split()[:2] == ["station_id", "bench-07"] and "(command line)" in line for line in lines)
    assert "api_token" in out and "[REDACTED]    (environment PACKSTATION_API_TOKEN)" in out
    assert "s3cr3t-fleet-token-value" not in out
    assert "Minimum version (site file): 0.1; this bench: ok" in out


def test_config_show_json_has_values_sources_and_no_token(monkeypatch, capsys, tmp_path):
    status, out = _show(monkeypatch, capsys, tmp_path, "--json")
    info = json.loads(out)
    assert status == 0 and "s3cr3t" not in out
    assert info["settings"]["packer"] == {
        "value": "Bench seven",
        "source": f"site file {tmp_path / 'site.json'} [benches.bench-07]",
    }
    assert info["api_token"] == {"value": "[REDACTED]", "source": "environment PACKSTATION_API_TOKEN"}


def test_config_show_lists_bad_values_and_fails(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("PACKSTATION_SCALE", "usb:dymo")
    status, out = _show(monkeypatch, capsys, tmp_path, "--json")
    info = json.loads(out)
    assert status == 1
    assert info["problems"] == [
        "environment: scale: scale setting 'usb:dymo': the ids are hex numbers, like usb:0922:8003"
    ]
    assert info["settings"]["scale"]["value"] == "usb"  # the bench section's value still applies
