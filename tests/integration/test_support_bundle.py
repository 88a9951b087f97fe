"""`packstation support-bundle`: the zip has what support needs and never the API token."""

from __future__ import annotations

import base64
import json
import logging
import zipfile

import pytest

from packstation.adapters import logs
from packstation.adapters.config import TOKEN_ENV, Config, config_file_path, save_config
from packstation.adapters.store import SCHEMA_VERSION, Store
from packstation.cli import main
from packstation.domain.outbox import OpKind
from packstation.emulator import Emulator

TOKEN = "support-bundle-secret-token-0042"
TOKEN_FORMS = (TOKEN, base64.b64encode(TOKEN.encode()).decode())


@pytest.fixture
def station(tmp_path, monkeypatch, expected_log):
    """A station with a config file, a token in the environment, logs and an outbox that needs help."""
    expected_log.allow("unknown setting 'api_token' ignored")  # the hand-edited key below (not its value)
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    log_dir = tmp_path / "logs"
    monkeypatch.setenv(logs.LOG_DIR_ENV, str(log_dir))
    data = tmp_path / "data"
    config = Config(api_url="http://127.0.0.1:9", printer=f"file:{tmp_path / 'labels.bin'}", data_dir=data)
    save_config(config)
    # A config file someone edited by hand, with a secret in it.
    raw = json.loads(config_file_path().read_text())
    raw["api_token"] = TOKEN
    config_file_path().write_text(json.dumps(raw))

    store = Store.open(config.database_path)
    store.outbox.enqueue(OpKind.BOOK_PICKUP, "shp-1", {"tracking_number": "TN1"})
    parked = store.outbox.enqueue(OpKind.BOOK_PICKUP, "shp-2", {"tracking_number": "TN2"})
    store.outbox.claim(parked)
    store.outbox.park(parked, f"HTTP 400 | pickup refused (sent Bearer {TOKEN_FORMS[1]})")
    store.close()

    logs.setup_logging(log_dir)
    logs.register_secret(TOKEN)
    logging.getLogger("packstation.test").info("station started; token=%s", TOKEN)
    logs.teardown_logging()
    logs.forget_secrets()
    logging.getLogger().setLevel(logging.WARNING)
    # An old rotated log written before redaction existed: the bundle must scrub it on the way in.
    (log_dir / "packstation.log.1").write_text(f"old line Authorization: Bearer {TOKEN_FORMS[1]} {TOKEN}\n")
    yield config
    config_file_path().unlink()
    logs.forget_secrets()


def read_zip(path) -> dict[str, str]:
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


def test_bundle_has_everything_and_no_token(station, tmp_path, capsys):
    output = tmp_path / "out" / "bundle.zip"
    output.parent.mkdir()  # a missing folder is refused (see below), not created
    status = main(["support-bundle", "--output", str(output), "--offline"])
    printed = capsys.readouterr().out
    assert status == 0 and f"Support bundle written: {output}" in printed

    members = read_zip(output)
    assert {"about.json", "config.json", "doctor.txt", "outbox.json"} <= set(members)
    assert {"logs/packstation.log", "logs/packstation.log.1"} <= set(members)

    about = json.loads(members["about.json"])
    assert about["packstation"] and about["qt"].startswith("6.") and about["python"]
    assert about["schema"] == {"app_supports": SCHEMA_VERSION, "database": SCHEMA_VERSION}

    config = json.loads(members["config.json"])
    assert config["effective"]["printer"].startswith("file:")
    assert config["config_file_contents"]["api_token"] == "[removed]"
    assert config["environment"][TOKEN_ENV] == "[set]"
    assert f"environment variable {TOKEN_ENV}" in config["token"]

    outbox = json.loads(members["outbox.json"])
    assert outbox["outbox"] == {"pending": 1, "needs_attention": 1}
    assert "pickup refused" in outbox["needs_attention"][0]["error"]

    assert "OK   API token found" in members["doctor.txt"]
    assert "station started" in members["logs/packstation.log"]
    assert "old line" in members["logs/packstation.log.1"]

    everything = "\n".join([*members, *members.values()])
    for form in TOKEN_FORMS:
        assert form not in everything
    raw = output.read_bytes()
    assert all(form.encode() not in raw for form in TOKEN_FORMS)


def test_bundle_includes_doctor_api_checks(station, tmp_path, monkeypatch):
    with Emulator(token=TOKEN, port=0) as emu:
        monkeypatch.setenv("PACKSTATION_API_URL", emu.base_url)
        output = tmp_path / "bundle.zip"
        assert main(["support-bundle", "--output", str(output)]) == 0
    doctor_text = read_zip(output)["doctor.txt"]
    assert "OK   Token accepted by the API" in doctor_text
    assert TOKEN not in doctor_text


def test_output_folder_gets_a_default_name(station, tmp_path):
    folder = tmp_path / "tickets"
    folder.mkdir()
    assert main(["support-bundle", "--output", str(folder), "--offline"]) == 0
    (bundle,) = folder.glob("packstation-support-*.zip")
    assert "doctor.txt" in read_zip(bundle)


def test_unwritable_output_is_one_clear_line(station, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    status = main(["support-bundle", "--output", str(blocker / "b.zip"), "--offline"])
    assert status == 1
    assert "cannot write the support bundle" in capsys.readouterr().err


def test_a_missing_output_folder_is_one_clear_line_and_is_not_created(station, tmp_path, capsys):
    missing = tmp_path / "missing" / "dir"
    status = main(["support-bundle", "-o", str(missing / "x.zip"), "--offline"])
    assert status == 1
    assert f"the folder {missing} does not exist" in capsys.readouterr().err
    assert not (tmp_path / "missing").exists()
