"""`packstation prefetch` and `packstation outbox` as a person runs them: real processes, the emulator
over loopback, the station database in --data-dir; the token only in the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from packstation.adapters.store import Store
from packstation.domain.settings import NO_API_TOKEN
from packstation.emulator import DEMO_TOKEN, Fault
from tests.support.station_driver import check_invariants, close_boxes, seed_orders

ROOT = Path(__file__).resolve().parents[2]


def packstation(emu, data_dir, *args, token=DEMO_TOKEN, stdin=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PACKSTATION_")}
    if token:
        env["PACKSTATION_API_TOKEN"] = token
    cmd = [
        sys.executable,
        "-m",
        "packstation",
        args[0],
        "--api-url",
        emu.base_url,
        "--site-id",
        emu.site_id,
        "--data-dir",
        str(data_dir),
        *args[1:],
    ]
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, input=stdin)


def test_prefetch_caches_orders_and_reports_each(emu, tmp_path):
    shipment_id = emu.seed_shipment(external_id="WAVE-1", lines=[("SKU-TEE", "T-shirt", 2)])
    emu.seed_shipment(external_id="WAVE-2", lines=[("SKU-MUG", "Mug", 1)])
    done = packstation(
        emu, tmp_path, "prefetch", "WAVE-1", "NO-SUCH-ORDER", "--file", "-", stdin="WAVE-2\n\n"
    )
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines[0].startswith("WAVE-1") and "cached" in lines[0]
    assert lines[1].startswith("NO-SUCH-ORDER") and "not found" in lines[1]
    assert lines[2].startswith("WAVE-2") and "cached" in lines[2]
    assert "2 of 3 order(s) cached" in lines[3]
    store = Store.open(tmp_path / "station.sqlite3")
    assert store.shipments.find("WAVE-1").id == shipment_id
    store.close()
    assert DEMO_TOKEN not in done.stdout + done.stderr
    ok = packstation(emu, tmp_path, "prefetch", "WAVE-1", "WAVE-2")
    assert ok.returncode == 0, ok.stderr


def test_prefetch_while_ingrid_is_down_says_so(emu, tmp_path):
    emu.stop()
    done = packstation(emu, tmp_path, "prefetch", "WAVE-1")
    assert done.returncode == 1 and "error" in done.stdout.splitlines()[0]


def test_prefetch_without_a_token_or_orders_is_one_clear_line(emu, tmp_path):
    no_token = packstation(emu, tmp_path, "prefetch", "WAVE-1", token=None)
    assert no_token.returncode == 1 and no_token.stderr == f"packstation: {NO_API_TOKEN}\n"
    nothing = packstation(emu, tmp_path, "prefetch")
    assert nothing.returncode == 1 and "no orders given" in nothing.stderr


def test_outbox_shows_drains_and_retries(emu, tmp_path):
    [a] = seed_orders(emu, 1)
    store = Store.open(tmp_path / "station.sqlite3")
    close_boxes(store, {a: 2})
    store.close()
    shown = packstation(emu, tmp_path, "outbox")
    assert shown.returncode == 0 and "2 operation(s) waiting to be sent, 0 needing attention" in shown.stdout

    emu.add_fault(Fault(method="shipments.bookParcels", kind="status", status=400, calls={1}))
    drained = packstation(emu, tmp_path, "outbox", "--drain")
    assert drained.returncode == 1
    assert "1 operation(s) waiting to be sent, 1 needing attention" in drained.stdout
    assert "HTTP 400" in drained.stdout and "injected fault" in drained.stdout
    op_id = drained.stdout.split("  #", 1)[1].split()[0]

    retried = packstation(emu, tmp_path, "outbox", "--retry", op_id, "--drain")
    assert retried.returncode == 0, retried.stdout + retried.stderr
    assert "0 operation(s) waiting to be sent, 0 needing attention" in retried.stdout
    store = Store.open(tmp_path / "station.sqlite3")
    assert check_invariants(emu, store, [a]) == {"boxes": 2, "parcels": 2}
    store.close()
    again = packstation(emu, tmp_path, "outbox", "--retry", op_id)
    assert again.returncode == 1 and "does not need attention" in again.stderr
