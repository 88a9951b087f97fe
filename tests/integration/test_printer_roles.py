"""Printer roles: the label printer, an optional receipt printer and an optional document printer (an
OS queue for A4/Letter PDFs). The settings model checks each role's URI; doctor checks every configured
role on its own line, a CUPS document queue against a real private cupsd."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

from packstation.adapters.config import TOKEN_ENV, config_file_path
from packstation.cli import main
from packstation.domain.settings import (
    PrinterRole,
    SettingsError,
    StationConfig,
    check_for_saving,
    configured_printers,
)
from packstation.emulator import DEMO_TOKEN
from tests.support.cups_server import CupsServer, cups_available
from tests.support.printing import TcpPrinterServer


def test_only_configured_roles_are_listed_and_the_label_printer_always():
    assert configured_printers(StationConfig()) == {PrinterRole.LABEL: "preview"}
    config = StationConfig(printer="tcp://10.0.0.5", document_printer="cups:Office_A4")
    assert configured_printers(config) == {
        PrinterRole.LABEL: "tcp://10.0.0.5",
        PrinterRole.DOCUMENT: "cups:Office_A4",
    }


@pytest.mark.parametrize("uri", ["cups:Office_A4", "win32:HP LaserJet M404"])
def test_a_document_printer_is_an_os_queue(uri):
    assert check_for_saving({"document_printer": uri})["document_printer"] == uri


@pytest.mark.parametrize(
    ("uri", "code"), [("tcp://10.0.0.9", "document_printer_kind"), ("cups:", "printer_uri")]
)
def test_a_document_printer_that_is_not_an_os_queue_is_refused_in_words(uri, code):
    with pytest.raises(SettingsError) as info:
        check_for_saving({"document_printer": uri})
    [problem] = info.value.problems
    assert (problem.key, problem.code) == ("document_printer", code)


@pytest.fixture
def config_file():
    path = config_file_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    yield path
    path.unlink(missing_ok=True)


@pytest.mark.skipif(not cups_available(), reason="CUPS is not installed (./dev.sh installs it)")
def test_doctor_checks_every_configured_role(tmp_path, capsys, monkeypatch, config_file):
    root = Path(tempfile.mkdtemp(prefix="pcups", dir="/tmp"))
    cups = CupsServer(root)
    listener = TcpPrinterServer()
    try:
        monkeypatch.setenv("CUPS_SERVER", str(cups.socket))
        cups.add_raw_queue("Office_A4", listener.port)
        config_file.write_text(
            json.dumps(
                {
                    "printer": f"file:{tmp_path / 'labels.bin'}",
                    "receipt_printer": "tcp://127.0.0.1:9",
                    "document_printer": "cups:Office_A4",
                }
            ),
            encoding="utf-8",
        )
        monkeypatch.setenv(TOKEN_ENV, DEMO_TOKEN)
        status = main(["doctor", "--data-dir", str(tmp_path / "data"), "--offline"])
        lines = capsys.readouterr().out.splitlines()
        cups.lpadmin("-x", "Office_A4")
        main(["doctor", "--data-dir", str(tmp_path / "data"), "--offline"])
        after = capsys.readouterr().out.splitlines()
    finally:
        listener.close()
        cups.close()
    assert status == 1  # the receipt printer is not reachable
    assert any(line.startswith("OK") and "Printer: file" in line for line in lines)
    assert any(
        line.startswith("FAIL") and "Receipt printer — Network printer 127.0.0.1:9" in line for line in lines
    )
    assert any(
        line.startswith("OK") and "Document printer — Printer: CUPS queue Office_A4 is ready" in line
        for line in lines
    )
    gone = [line for line in after if "Document printer" in line]
    assert gone and gone[0].startswith("FAIL") and "packstation printers" in gone[0]
    assert listener.received == b""  # doctor prints nothing


@pytest.mark.skipif(not cups_available(), reason="CUPS is not installed (./dev.sh installs it)")
def test_each_role_has_its_own_test_print(tmp_path, capsys, monkeypatch, config_file):
    root = Path(tempfile.mkdtemp(prefix="pcups", dir="/tmp"))
    cups = CupsServer(root)
    office = TcpPrinterServer()
    receipt = tmp_path / "receipt.bin"
    try:
        monkeypatch.setenv("CUPS_SERVER", str(cups.socket))
        cups.add_raw_queue("Office_A4", office.port)
        settings = {
            "printer": "preview",
            "receipt_printer": f"file:{receipt}",
            "document_printer": "cups:Office_A4",
        }
        config_file.write_text(json.dumps(settings), encoding="utf-8")
        assert main(["print-test", "--role", "document", "--data-dir", str(tmp_path)]) == 0
        assert "Printed the PDF test page on the CUPS queue Office_A4" in capsys.readouterr().out
        page = office.wait_for(1000)
        assert main(["print-test", "--role", "receipt", "--data-dir", str(tmp_path)]) == 0
    finally:
        office.close()
        cups.close()
    assert page.startswith(b"%PDF")  # a raw queue passes the PDF on as it is; a real one renders it
    assert receipt.read_bytes().startswith(b"\x1b@")  # the receipt printer got the ESC/POS test label


def test_a_role_without_a_printer_says_so(tmp_path, capsys, config_file):
    config_file.write_text(json.dumps({"printer": "preview"}), encoding="utf-8")
    assert main(["print-test", "--role", "document", "--data-dir", str(tmp_path)]) == 1
    assert "no document printer is configured (setting document_printer)" in capsys.readouterr().err
