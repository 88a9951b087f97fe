"""`packstation doctor` against the emulator over loopback, real SQLite files and real folders."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from packstation.adapters.config import TOKEN_ENV
from packstation.adapters.store import Store
from packstation.cli import main
from packstation.domain.outbox import OpKind
from packstation.emulator import DEMO_TOKEN, Emulator


def doctor(capsys, *args: str) -> tuple[int, list[str]]:
    status = main(["doctor", *args])
    out = capsys.readouterr().out
    return status, out.splitlines()


def line_starting(lines: list[str], status: str, fragment: str) -> str:
    matches = [line for line in lines if line.startswith(status) and fragment in line]
    assert matches, f"no {status!r} line with {fragment!r} in:\n" + "\n".join(lines)
    return matches[0]


def station_args(api_url: str, tmp_path: Path, printer: str | None = None) -> list[str]:
    return [
        "--api-url",
        api_url,
        "--printer",
        printer or f"file:{tmp_path / 'labels.bin'}",
        "--data-dir",
        str(tmp_path / "data"),
    ]


def test_healthy_station_passes_every_check(emulator, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(TOKEN_ENV, DEMO_TOKEN)
    status, lines = doctor(capsys, *station_args(emulator.base_url, tmp_path))
    assert status == 0, "\n".join(lines)
    assert line_starting(lines, "OK   ", "API reachable").endswith("ms)")
    line_starting(lines, "OK   ", "Token accepted by the API")
    line_starting(lines, "OK   ", f"environment variable {TOKEN_ENV}")
    line_starting(lines, "OK   ", "Printer: file")
    line_starting(lines, "OK   ", "Data folder")
    line_starting(lines, "OK   ", "No database yet")
    assert not any(line.startswith("FAIL") for line in lines)
    assert all(DEMO_TOKEN not in line for line in lines)
    # The one API call is an authenticated shipments.get (there is no ping endpoint).
    assert [r.method for r in emulator.requests if r.method] == ["shipments.get"]


def test_refused_token_fails_with_the_fix_and_never_shows_the_token(emulator, tmp_path, capsys, monkeypatch):
    wrong = "wrong-token-value-123456"
    monkeypatch.setenv(TOKEN_ENV, wrong)
    status, lines = doctor(capsys, *station_args(emulator.base_url, tmp_path))
    assert status == 1
    refused = line_starting(lines, "FAIL ", "Token refused by the API (HTTP 401)")
    assert "enter a valid token in Settings or set PACKSTATION_API_TOKEN" in refused
    line_starting(lines, "OK   ", "API reachable")
    assert all(wrong not in line for line in lines)


def test_missing_token_fails(emulator, tmp_path, capsys):
    status, lines = doctor(capsys, *station_args(emulator.base_url, tmp_path))
    assert status == 1
    line_starting(lines, "FAIL ", "No API token")
    line_starting(lines, "OK   ", "API reachable")  # still checked, with a placeholder token


def test_unreachable_api_fails(tmp_path, capsys, monkeypatch):
    emu = Emulator(token=DEMO_TOKEN, port=0).start()
    dead_url = emu.base_url
    emu.stop()  # nothing listens on that port any more
    monkeypatch.setenv(TOKEN_ENV, DEMO_TOKEN)
    status, lines = doctor(capsys, *station_args(dead_url, tmp_path))
    assert status == 1
    failed = line_starting(lines, "FAIL ", "API not reachable")
    assert "check the network and the API URL" in failed


def test_offline_skips_the_api(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(TOKEN_ENV, DEMO_TOKEN)
    status, lines = doctor(capsys, *station_args("http://127.0.0.1:9", tmp_path), "--offline")
    assert status == 0
    assert not any("API" in line and "token" not in line.lower() for line in lines)


@pytest.mark.parametrize("where", ["parent-is-a-file", "missing-folder", "proc"])
def test_file_printer_in_an_unwritable_place_fails(emulator, tmp_path, capsys, monkeypatch, where):
    if where == "proc" and not Path("/proc/self").is_dir():
        pytest.skip("needs Linux /proc (a folder nobody, not even root, can create files in)")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    target = {
        "parent-is-a-file": blocker / "labels.bin",
        "missing-folder": tmp_path / "nope" / "labels.bin",
        "proc": Path("/proc/packstation-labels.bin"),
    }[where]
    monkeypatch.setenv(TOKEN_ENV, DEMO_TOKEN)
    status, lines = doctor(capsys, *station_args(emulator.base_url, tmp_path, f"file:{target}"))
    assert status == 1
    failed = line_starting(lines, "FAIL ", "File printer")
    assert "choose a printer file in a folder this user can write" in failed
    assert not target.exists()


def test_bad_printer_uri_and_closed_network_printer_fail(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(TOKEN_ENV, DEMO_TOKEN)
    status, lines = doctor(capsys, *station_args("http://127.0.0.1:9", tmp_path, "lpt1"), "--offline")
    assert status == 1
    line_starting(lines, "FAIL ", "Printer setting 'lpt1' is not usable")
    status, lines = doctor(
        capsys, *station_args("http://127.0.0.1:9", tmp_path, "tcp://127.0.0.1:9"), "--offline"
    )
    assert status == 1
    line_starting(lines, "FAIL ", "Network printer 127.0.0.1:9 not reachable")


def test_usb_printer_check_names_the_udev_rule_or_the_missing_device(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(TOKEN_ENV, DEMO_TOKEN)
    args = station_args("http://127.0.0.1:9", tmp_path, "usb:04b8:0e28")
    status, lines = doctor(capsys, *args, "--offline")
    assert status == 1  # no such printer on a test machine, or no libusb
    printer = line_starting(lines, "FAIL ", "USB printer 04b8:0e28")
    assert "libusb-1.0-0" in printer or "not connected" in printer or "60-packstation.rules" in printer


def test_database_integrity_and_outbox_needing_attention(emulator, tmp_path, capsys, monkeypatch):
    data = tmp_path / "data"
    store = Store.open(data / "station.sqlite3")
    waiting = store.outbox.enqueue(OpKind.BOOK_PICKUP, "shp-1", {"tracking_number": "TN1"})
    parked = store.outbox.enqueue(OpKind.BOOK_PICKUP, "shp-2", {"tracking_number": "TN2"})
    assert store.outbox.claim(parked) is not None
    store.outbox.park(parked, "HTTP 400 | carrier refused the pickup")
    store.close()
    monkeypatch.setenv(TOKEN_ENV, DEMO_TOKEN)
    status, lines = doctor(capsys, *station_args(emulator.base_url, tmp_path))
    assert waiting and status == 0  # needs attention is a warning: packing goes on
    line_starting(lines, "OK   ", "is intact (schema")
    warn = line_starting(lines, "WARN ", "Outbox: 1 operation(s) need attention, 1 waiting")
    assert "retry or cancel" in warn


def test_damaged_database_fails(tmp_path, capsys, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    (data / "station.sqlite3").write_bytes(b"SQLite format 3\x00" + os.urandom(4096))
    monkeypatch.setenv(TOKEN_ENV, DEMO_TOKEN)
    status, lines = doctor(capsys, *station_args("http://127.0.0.1:9", tmp_path), "--offline")
    assert status == 1
    failed = line_starting(lines, "FAIL ", "Database")
    assert "send a support bundle" in failed


def test_unwritable_data_dir_fails(tmp_path, capsys, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv(TOKEN_ENV, DEMO_TOKEN)
    args = ["--printer", "preview", "--data-dir", str(blocker / "data"), "--offline"]
    status, lines = doctor(capsys, *args)
    assert status == 1
    line_starting(lines, "FAIL ", "Data folder")


def test_broken_config_file_fails(tmp_path, capsys, monkeypatch, expected_log):
    expected_log.allow("Ignoring unreadable config file")
    from packstation.adapters.config import config_file_path

    path = config_file_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json", encoding="utf-8")
    try:
        monkeypatch.setenv(TOKEN_ENV, DEMO_TOKEN)
        status, lines = doctor(capsys, "--printer", "preview", "--data-dir", str(tmp_path), "--offline")
    finally:
        path.unlink()
    assert status == 1
    line_starting(lines, "FAIL ", f"Config file {path} is unreadable")


def test_a_bad_setting_is_a_failed_check_and_the_rest_still_runs(tmp_path, capsys, monkeypatch):
    from packstation.adapters.config import config_file_path

    path = config_file_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"sounds": "false", "printer": "preview"}', encoding="utf-8")
    try:
        monkeypatch.setenv(TOKEN_ENV, DEMO_TOKEN)
        status, lines = doctor(capsys, "--data-dir", str(tmp_path), "--offline")
    finally:
        path.unlink()
    assert status == 1
    line_starting(lines, "FAIL ", f'config file {path}: sounds: expected true or false, not "false"')
    line_starting(lines, "OK   ", "Printer: preview")  # the file's good values still apply


def test_doctor_runs_as_a_process(emulator, tmp_path):
    """The real entry point, as IT would run it: exit status and output through a pipe."""
    import subprocess

    env = {**os.environ, TOKEN_ENV: DEMO_TOKEN}
    result = subprocess.run(
        [sys.executable, "-m", "packstation", "doctor", *station_args(emulator.base_url, tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK   Token accepted by the API" in result.stdout
    assert DEMO_TOKEN not in result.stdout + result.stderr


def test_a_swedish_bench_has_qt_own_swedish_texts(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PACKSTATION_LANGUAGE", "sv")
    _, lines = doctor(capsys, "--offline", *station_args("http://127.0.0.1:9", tmp_path))
    assert line_starting(lines, "OK   ", "Language sv").endswith("(Save = Spara, Cancel = Avbryt)")


def test_a_missing_qt_catalogue_is_named(tmp_path, monkeypatch):
    from PySide6.QtCore import QLibraryInfo

    from packstation.commands import doctor as doctor_command

    monkeypatch.setattr(QLibraryInfo, "path", staticmethod(lambda _which: str(tmp_path)))
    check = doctor_command.check_language("sv")
    assert check.status == doctor_command.WARN
    assert f"Qt's own texts (qtbase_sv.qm) are missing from {tmp_path}" in check.line()
