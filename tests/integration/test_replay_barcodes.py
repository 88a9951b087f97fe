"""Real item barcodes through the whole app: a catalogue imported with ``packstation catalogue import``
(good file, each bad-file case), then ``packstation --demo --replay`` packing an order whose units are
scanned by EAN-13, UPC-A, an ITF-14 case pack and GS1 DataMatrix codes with lot, serial and expiry
(GS as Ctrl+] and as the configured ``^]``). The labels come out of a file printer and are read back;
the boxes, their lots and serials and the manifest row are read from the station database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from packstation.adapters.store import Store
from packstation.domain.end_of_day import manifest_entry_for_box
from packstation.domain.view import BoxState
from tests.support.escpos_decode import decode_escpos, read_barcodes

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]

# ACME10004 (demo): 4 x ACME-CANDLE-SOY, 1 x ACME-BOOT-40, 1 x ACME-TEE-WHT-L, 4 x ACME-RUN-42,
# 3 x ACME-WALLET-BRN.
CANDLE_CASE = "17350000000211"  # ITF-14: indicator 1 + the candle's EAN-13 body, a case of 4
RUN_UPC = "042100005264"  # a UPC-A the merchant's export maps to the running shoe
WALLET_GTIN = "07350000000191"  # the wallet's EAN-13 as the GTIN-14 of its DataMatrix
CATALOGUE = (
    "barcode,sku,name,units,weight_g\n"
    f"{CANDLE_CASE},ACME-CANDLE-SOY,Soy candle (case of 4),4,1800\n"
    f"{RUN_UPC},ACME-RUN-42,Trail runner 42,1,\n"
)


def env_for(home: Path, settings: dict | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PACKSTATION_")}
    env["XDG_CONFIG_HOME"] = str(home / "config")
    env["QT_QPA_PLATFORM"] = "offscreen"
    if settings:
        folder = home / "config" / "packstation"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "config.json").write_text(json.dumps(settings), encoding="utf-8")
    return env


def packstation(env, *args, timeout=120):
    command = [sys.executable, "-m", "packstation", *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def test_each_bad_catalogue_file_is_refused_with_its_line_and_nothing_changes(tmp_path):
    env = env_for(tmp_path)
    data = tmp_path / "data"
    good = tmp_path / "good.csv"
    good.write_text(CATALOGUE, encoding="utf-8")
    done = packstation(env, "catalogue", "import", str(good), "--data-dir", str(data))
    assert done.returncode == 0, done.stderr
    assert "Imported 2 barcode(s)" in done.stdout
    bad_files = {
        "check.csv": (
            b"barcode,sku\n4006381333932,X\n",
            "line 2: barcode 4006381333932 has an invalid",
        ),
        "two.csv": (f"barcode,sku\n{RUN_UPC},A\n0{RUN_UPC},B\n".encode(), "line 3: barcode 0" + RUN_UPC),
        "units.csv": (f"barcode,sku,units\n{RUN_UPC},A,0\n".encode(), "line 2: units must be a whole number"),
        "latin1.csv": ("barcode,sku,name\n4006381333931,A,Kr\xe4mer\n".encode("latin-1"), "line 2: the file"),
        "broken.jsonl": (b'{"barcode": "4006381333931", "sku": "A"}\n{"barcode": \n', "line 2: not JSON"),
    }
    for name, (content, expected) in bad_files.items():
        path = tmp_path / name
        path.write_bytes(content)
        refused = packstation(env, "catalogue", "import", str(path), "--data-dir", str(data))
        assert refused.returncode == 1, name
        assert "nothing was imported" in refused.stderr and expected in refused.stderr, refused.stderr
    missing = packstation(env, "catalogue", "import", str(tmp_path / "nope.csv"), "--data-dir", str(data))
    assert missing.returncode == 1 and "cannot read the catalogue file" in missing.stderr
    assert "Traceback" not in missing.stderr
    # Nothing changed: the good file's two rows are all there is.
    exported = packstation(env, "catalogue", "export", "--data-dir", str(data))
    assert exported.stdout.splitlines()[1:] == [
        f"{CANDLE_CASE},ACME-CANDLE-SOY,Soy candle (case of 4),4,1800,",
        f"{RUN_UPC},ACME-RUN-42,Trail runner 42,1,,",
    ]
    found = packstation(env, "catalogue", "lookup", "0" + RUN_UPC, "--data-dir", str(data))
    assert found.returncode == 0 and found.stdout.startswith(f"0{RUN_UPC} -> ACME-RUN-42")
    doctor = packstation(env, "doctor", "--offline", "--data-dir", str(data))
    assert "Catalogue: 2 barcode(s), last changed" in doctor.stdout


def test_an_order_packed_by_ean_upc_case_pack_and_datamatrix_with_lots_and_serials(tmp_path):
    env = env_for(tmp_path, {"gs_replacement": "^]"})
    data, printer = tmp_path / "data", tmp_path / "printer.bin"
    catalogue = tmp_path / "catalogue.csv"
    catalogue.write_text(CATALOGUE, encoding="utf-8")
    assert packstation(env, "catalogue", "import", str(catalogue), "--data-dir", str(data)).returncode == 0
    wallet = f"]d201{WALLET_GTIN}17491231\x1d10LOT-7\x1d21"
    scans = [
        "ACME10004",
        CANDLE_CASE,  # 4 candles in one scan
        "7350000000115",  # the boot's EAN-13 (demo catalogue)
        RUN_UPC,
        RUN_UPC,
        "CMD:CLOSE-BOX",
        "7350000000023",  # the tee's EAN-13
        RUN_UPC,
        RUN_UPC,
        wallet + "W-1",  # GS as Ctrl+] sends it (the GS character)
        f"]d201{WALLET_GTIN}17491231^]10LOT-7^]21W-2",  # GS as the scanner's configured "^]"
        wallet + "W-1",  # the same serial again: refused, nothing added
        wallet + "W-3",  # the last unit: the box closes itself
    ]
    script = tmp_path / "scans.txt"
    script.write_text("\n".join(scans) + "\n", encoding="utf-8")
    done = packstation(
        env,
        "--demo",
        "--replay",
        str(script),
        "--exit-when-idle",
        "--printer",
        f"file:{printer}",
        "--data-dir",
        str(data),
    )
    assert done.returncode == 0, done.stderr

    store = Store.open(data / "station.sqlite3")
    try:
        boxes = store.boxes.all()
        outcomes = [(s["raw"], s["outcome"]) for s in reversed(store.scans.recent())]
    finally:
        store.close()
    assert [sorted(b.items.items()) for b in boxes] == [
        [("ACME-BOOT-40", 1), ("ACME-CANDLE-SOY", 4), ("ACME-RUN-42", 2)],
        [("ACME-RUN-42", 2), ("ACME-TEE-WHT-L", 1), ("ACME-WALLET-BRN", 3)],
    ]
    assert all(b.state is BoxState.PRINTED and len(b.tracking_number) == 20 for b in boxes)
    printed = [code for page in decode_escpos(printer.read_bytes()).pages for code in read_barcodes(page)]
    assert sorted(printed) == sorted(b.tracking_number for b in boxes)  # one label per box
    assert [(u.sku, u.lot, u.serial, u.expiry) for u in boxes[1].tracked] == [
        ("ACME-WALLET-BRN", "LOT-7", f"W-{n}", "2049-12-31") for n in (1, 2, 3)
    ]
    assert boxes[0].tracked == ()
    # The scan log keeps the scan as sent, GS included; the repeated serial was refused.
    assert (wallet + "W-1", "duplicate_serial") in outcomes
    # The manifest row of the second box names its lots and serials.
    row = {
        "tracking_number": boxes[1].tracking_number,
        "tracked": json.dumps([u.to_json() for u in boxes[1].tracked]),
    }
    assert (
        "ACME-WALLET-BRN lot LOT-7 serial W-2 exp 2049-12-31"
        in manifest_entry_for_box(row, None).lots_serials
    )
