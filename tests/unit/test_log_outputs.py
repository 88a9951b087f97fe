"""Logs a warehouse can collect: JSON lines, the OS log (syslog socket), every sub-command's log file with
its start-up line, and the crash hooks; the token is scrubbed in every handler."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import textwrap

import pytest

from packstation.adapters import logs

TOKEN = "tok_live_f1eet-s3cret-value"


@pytest.fixture
def clean_logging():
    yield
    logs.teardown_logging()
    logs.forget_secrets()
    logging.getLogger().setLevel(logging.WARNING)


def _flush() -> None:
    for handler in logging.getLogger().handlers:
        handler.flush()


def test_json_lines_are_one_object_per_line_with_context_and_no_token(tmp_path, clean_logging, expected_log):
    expected_log.allow("label failed")
    path = logs.setup_logging(tmp_path, json_lines=True, context={"station": "bench-07", "version": "9.9"})
    logs.register_secret(TOKEN)
    log = logging.getLogger("packstation.test")
    log.info("calling with %s", f"Bearer {TOKEN}")
    try:
        raise RuntimeError(f"header Authorization: {TOKEN}")
    except RuntimeError:
        log.exception("label failed")
    _flush()
    text = path.read_text(encoding="utf-8")
    entries = [json.loads(line) for line in text.splitlines()]
    assert TOKEN not in text
    assert entries[0]["message"] == "calling with Bearer [REDACTED]"
    assert {k: entries[0][k] for k in ("level", "logger", "station", "version")} == {
        "level": "INFO",
        "logger": "packstation.test",
        "station": "bench-07",
        "version": "9.9",
    }
    assert entries[0]["ts"].endswith("Z") and entries[0]["thread"] == "MainThread"
    assert "RuntimeError: header Authorization: [REDACTED]" in entries[1]["exc"]


def test_the_os_log_gets_scrubbed_lines_through_the_syslog_socket(tmp_path, clean_logging):
    address = str(tmp_path / "log.sock")
    receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    receiver.bind(address)
    receiver.settimeout(5)
    try:
        logs.setup_logging(tmp_path / "logs", system=True, system_address=address)
        logs.register_secret(TOKEN)
        logging.getLogger("packstation.test").info("token is %s", TOKEN)
        datagram = receiver.recv(65536).decode("utf-8")
    finally:
        receiver.close()
    assert f"packstation[{os.getpid()}]: INFO packstation.test: token is [REDACTED]" in datagram
    assert datagram.startswith("<14>")  # facility user, severity info
    assert TOKEN not in datagram


def test_no_syslog_socket_means_the_file_alone_and_a_line_saying_so(tmp_path, clean_logging, capsys):
    logs.setup_logging(tmp_path, system=True, system_address=str(tmp_path / "missing.sock"))
    ours = [h for h in logging.getLogger().handlers if getattr(h, "_packstation", False)]
    assert len(ours) == 1
    assert "no syslog socket at" in capsys.readouterr().err


def test_every_sub_command_writes_the_log_file_with_a_start_up_line(tmp_path, monkeypatch, clean_logging):
    from packstation import __version__, cli

    monkeypatch.setenv("PACKSTATION_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setenv("PACKSTATION_API_TOKEN", TOKEN)
    site = tmp_path / "site.json"
    site.write_text(json.dumps({"log_format": "json", "benches": {"bench-3": {"packer": "P"}}}))
    monkeypatch.setenv("PACKSTATION_SITE_FILE", str(site))
    assert cli.main(["config", "show", "--station-id", "bench-3"]) == 0
    _flush()
    text = (tmp_path / "logs" / logs.LOG_FILE_NAME).read_text(encoding="utf-8")
    first = json.loads(text.splitlines()[0])
    assert first["message"].startswith(f"packstation {__version__} starting: config on station 'bench-3'")
    assert (
        f"configuration: built-in defaults < site file {site} < site file {site} [benches.bench-3]"
        in (first["message"])
    )
    assert first["station"] == "bench-3" and TOKEN not in text


def test_an_older_bench_says_so_at_start_up(tmp_path, monkeypatch, clean_logging, expected_log, caplog):
    from packstation import cli

    expected_log.allow("the site asks for 999.0 or later")
    monkeypatch.setenv("PACKSTATION_LOG_DIR", str(tmp_path / "logs"))
    site = tmp_path / "site.json"
    site.write_text(json.dumps({"min_version": "999.0"}))
    monkeypatch.setenv("PACKSTATION_SITE_FILE", str(site))
    assert cli.main(["config", "show"]) == 0
    assert any(
        "ask IT to update this bench" in r.getMessage() and r.levelno == logging.WARNING
        for r in caplog.records
    )


CRASHES = textwrap.dedent(
    """
    import asyncio, logging, sys, threading
    from pathlib import Path
    from packstation.adapters import logs

    folder = Path(sys.argv[1])
    logs.setup_logging(folder)
    logs.register_secret("TOKEN-VALUE-1234")
    logs.install_crash_hooks(folder)
    thread = threading.Thread(target=lambda: 1 / 0, name="printer-worker")
    thread.start(); thread.join()
    loop = asyncio.new_event_loop()
    loop.set_exception_handler(logs.asyncio_exception_handler)
    async def boom():
        raise ValueError("task failed TOKEN-VALUE-1234")
    task = loop.create_task(boom())
    loop.run_until_complete(asyncio.sleep(0.01))
    del task  # never awaited: asyncio reports it to the handler when it is collected
    import gc; gc.collect()
    if sys.argv[2] == "segfault":
        import faulthandler; faulthandler._sigsegv()
    raise KeyError("main thread died")
    """
)


@pytest.mark.parametrize("ending", ["exception", "segfault"])
def test_crashes_of_every_kind_land_in_the_log_folder(tmp_path, ending):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONFAULTHANDLER"}
    done = subprocess.run(
        [sys.executable, "-c", CRASHES, str(tmp_path), ending],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    text = (tmp_path / logs.LOG_FILE_NAME).read_text(encoding="utf-8")
    assert "Uncaught exception in thread printer-worker" in text and "ZeroDivisionError" in text
    assert "ValueError: task failed [REDACTED]" in text and "TOKEN-VALUE-1234" not in text
    faults = (tmp_path / logs.FAULT_FILE_NAME).read_text(encoding="utf-8")
    if ending == "segfault":
        assert "Segmentation fault" in faults or "Fatal Python error" in faults
    else:
        assert "Uncaught exception in the main thread" in text and "KeyError: 'main thread died'" in text
        assert "started" in faults  # the file is ready before any crash
