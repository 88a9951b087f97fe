"""Runs ``soak.py`` once as a test on a small count (300 orders over six simulated days, retention of one
working day and two audit days): correctness only, no time is asserted. Every box is booked and its
label printed exactly once (the printer file decodes back to every tracking number once), retention
really pruned every kind of record it owns, and the database stopped growing once the audit period was
reached. The figures come from the script run by hand with 10,000 orders (README).

It runs as its own process, as it is run by hand (its own Qt application and event loop)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.escpos_decode import decode_escpos, read_barcodes

SCRIPT = Path(__file__).with_name("soak.py")
ORDERS, PER_DAY, WORKING_DAYS, AUDIT_DAYS = 300, 50, 1, 2


@pytest.mark.benchmark
@pytest.mark.slow
@pytest.mark.timeout(900)
def test_soak_packs_every_order_once_and_retention_keeps_the_database_flat(tmp_path):
    figures = tmp_path / "soak.json"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    args = [
        *("--orders", str(ORDERS), "--orders-per-day", str(PER_DAY), "--every", str(PER_DAY)),
        *("--working-days", str(WORKING_DAYS), "--audit-days", str(AUDIT_DAYS), "--json", str(figures)),
    ]
    out = subprocess.run(
        [sys.executable, str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=880
    )
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(figures.read_text(encoding="utf-8"))

    # Every order packed; every box booked once (distinct tracking numbers) and printed once.
    tracking = result["tracking"]
    assert len(tracking) == ORDERS
    numbers = [number for boxes in tracking.values() for number in boxes]
    assert len(numbers) == ORDERS + ORDERS // 10  # every 10th order in two boxes
    assert all(numbers) and len(set(numbers)) == len(numbers)
    printed = Path(f"{figures}.printer.bin").read_bytes()
    codes = [code for page in decode_escpos(printed).pages for code in read_barcodes(page)]
    assert sorted(codes) == sorted(numbers)

    # The app's own retention loop ran on simulated time and pruned every kind of record it owns.
    assert result["retention_passes"] > 0
    pruned = result["pruned"]
    for table in ("outbox", "shipments_cache", "scans", "boxes", "packing_sessions", "print_jobs"):
        assert pruned.get(table, 0) > 0, (table, pruned)

    # Flat: once the audit period has passed, neither the rows nor the file grow any more.
    points = result["checkpoints"]
    settled = [p for p in points if p["sim_day"] > AUDIT_DAYS + 1]
    assert len(settled) >= 2
    kept_days = AUDIT_DAYS + 1  # an audit period, plus up to a day between passes and checkpoints
    for point in settled:
        assert point["rows"]["packing_sessions"] <= PER_DAY * kept_days, point
        assert point["rows"]["boxes"] <= (PER_DAY + PER_DAY // 10) * kept_days, point
    assert points[-1]["db_bytes"] <= settled[0]["db_bytes"] * 1.2, [p["db_bytes"] for p in points]
