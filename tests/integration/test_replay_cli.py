"""``packstation --demo --replay SCRIPT --exit-when-idle``: the whole app headless in a subprocess.

The script packs demo orders as a packer would scan them (pick list, product EANs, commands); the labels
come out of a file printer and are read back from the ESC/POS bytes; the tracking numbers they carry must
be exactly those the station stored for its boxes.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from packstation.adapters.store import Store
from packstation.domain.view import BoxState
from packstation.emulator.demo import DEMO_ORDERS
from tests.support.escpos_decode import decode_escpos, read_barcodes

pytestmark = pytest.mark.slow

ORDERS = {order["external_id"]: order for order in DEMO_ORDERS}


def run_app(tmp_path, script_text: str | None, *extra: str) -> tuple[subprocess.CompletedProcess, dict]:
    script = tmp_path / "scans.txt"
    if script_text is not None:
        script.write_text(script_text, encoding="utf-8")
    paths = {"script": script, "printer": tmp_path / "printer.bin", "data": tmp_path / "data"}
    command = [
        sys.executable,
        "-m",
        "packstation",
        "--demo",
        "--replay",
        str(script),
        "--exit-when-idle",
        "--printer",
        f"file:{paths['printer']}",
        "--data-dir",
        str(paths["data"]),
        *extra,
    ]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False)
    return done, paths


def pack_lines(external_id: str, close_after: int | None = None) -> list[str]:
    """The scans that pack a demo order: its pick list, then each unit's EAN; ``CMD:CLOSE-BOX`` after
    ``close_after`` units (a second box)."""
    order = ORDERS[external_id]
    scans = [order["pick_list"]]
    units = [line["ean"] for line in order["lines"] for _ in range(line["quantity"])]
    for index, ean in enumerate(units, start=1):
        scans.append(ean)
        if index == close_after:
            scans.append("CMD:CLOSE-BOX")
    return scans


def printed_codes(path) -> list[str]:
    return [code for page in decode_escpos(path.read_bytes()).pages for code in read_barcodes(page)]


def stored_boxes(data_dir) -> list:
    store = Store.open(data_dir / "station.sqlite3")
    try:
        return store.boxes.all()
    finally:
        store.close()


def test_replay_packs_three_orders_and_prints_one_label_per_box(tmp_path):
    # ACME10003: 2 totes + 2 shoe boxes, shipped as 2 parcels: the packer closes box 1 after the totes.
    scans = [
        "# morning shift, bench 3",
        *pack_lines("ACME10002"),
        "",
        *pack_lines("ACME10003", close_after=2),
        *pack_lines("ACME10005"),
    ]
    done, paths = run_app(tmp_path, "\n".join(scans) + "\n")

    assert done.returncode == 0, done.stderr
    boxes = stored_boxes(paths["data"])
    assert len(boxes) == 4
    assert all(b.state is BoxState.PRINTED and len(b.tracking_number) == 20 for b in boxes)
    by_order = [sorted(b.items.items()) for b in boxes]
    assert by_order == [
        [("ACME-BOTTLE-750", 1)],
        [("ACME-TOTE-CANVAS", 2)],
        [("SKU12345", 2)],
        [("ACME-TOTE-CANVAS", 1), ("ACME-WALLET-BRN", 2)],
    ]
    assert [b.slot for b in boxes] == [1, 1, 2, 1]  # box k of ACME10003 took its parcel k
    # Each label exactly once (labels print as their boxes are booked, not necessarily in box order).
    assert sorted(printed_codes(paths["printer"])) == sorted(b.tracking_number for b in boxes)


def test_garbage_and_an_unknown_order_are_packer_life_not_failures(tmp_path):
    # A misread, a control character, a code far too long and an order nobody knows: each is refused on
    # screen (and logged) like on a real bench; the run still packs the next order and ends with 0.
    scans = ["\x07\x1b[2J", "%%%%", "X" * 500, "NO-SUCH-ORDER-42", *pack_lines("ACME10002"), "CMD:NOPE"]
    done, paths = run_app(tmp_path, "\n".join(scans) + "\n")

    assert done.returncode == 0, done.stderr
    (box,) = stored_boxes(paths["data"])
    assert printed_codes(paths["printer"]) == [box.tracking_number]
    store = Store.open(paths["data"] / "station.sqlite3")
    try:
        outcomes = {s["raw"][:20]: s["outcome"] for s in store.scans.recent()}
    finally:
        store.close()
    assert len(outcomes) == 7  # every scan is in the scan log, the refused ones too
    assert "Traceback" not in done.stderr


def test_missing_script_is_one_clear_line_and_exit_1(tmp_path):
    done, paths = run_app(tmp_path, None)

    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("packstation: cannot read the replay script")
    assert str(paths["script"]) in lines[0]
    assert not paths["data"].exists()  # nothing was started


def test_without_a_script_it_finishes_what_an_earlier_run_left_and_quits(tmp_path):
    done, paths = run_app(tmp_path, "\n".join(pack_lines("ACME10002")) + "\n")
    assert done.returncode == 0, done.stderr
    first = paths["printer"].read_bytes()

    command = [sys.executable, "-m", "packstation", "--demo", "--exit-when-idle", "--data-dir"]
    command += [str(paths["data"]), "--printer", f"file:{tmp_path / 'again.bin'}"]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    again = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False)

    assert again.returncode == 0, again.stderr
    assert sorted(printed_codes(paths["printer"])) == sorted(
        b.tracking_number for b in stored_boxes(paths["data"])
    )
    assert first == paths["printer"].read_bytes()
    assert not (tmp_path / "again.bin").exists()  # nothing was left to print a second time
