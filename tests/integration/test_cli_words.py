"""The command line and the logs as warehouse IT meets them (issue 15, item 14): one wording for a
missing API token in every command, the doctor and the window; ``packstation outbox`` shows a scan or an
error with control characters escaped, never as a Python object. Real processes, a real station file."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from packstation.adapters.store import Store
from packstation.domain.settings import NO_API_TOKEN

ROOT = Path(__file__).resolve().parents[2]


def packstation(
    tmp_path: Path, *args: str, api_url: str = "http://127.0.0.1:9"
) -> subprocess.CompletedProcess:
    """A sub-command run as a person runs it, with no token anywhere (environment, keyring, token file)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PACKSTATION_")}
    env.update(
        XDG_CONFIG_HOME=str(tmp_path / "config-home"),
        PACKSTATION_LOG_DIR=str(tmp_path / "logs"),
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
    )
    cmd = [
        sys.executable,
        "-m",
        "packstation",
        args[0],
        "--api-url",
        api_url,
        "--data-dir",
        str(tmp_path / "data"),
    ]
    return subprocess.run([*cmd, *args[1:]], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_no_api_token_is_said_in_one_wording_by_every_command_and_the_doctor(tmp_path, emulator):
    for args in (("api", "shipments.get", "id=x"), ("prefetch", "ORD-1"), ("end-of-day", "--no-print")):
        done = packstation(tmp_path, *args)
        assert done.returncode == 1, (args, done.stderr)
        assert done.stderr == f"packstation: {NO_API_TOKEN}\n", args
    doctor = packstation(tmp_path, "doctor", api_url=emulator.base_url)
    assert f"FAIL {NO_API_TOKEN}" in doctor.stdout


def test_the_window_says_the_same_words_when_there_is_no_token(tmp_path, emulator, qapp):
    from packstation.app import build_services
    from packstation.gui.raster import QtSvgRasterizer
    from tests.support.bench_config import bench_config

    services = build_services(bench_config(tmp_path, emulator), "", svg_rasterizer=QtSvgRasterizer())
    try:
        assert services.outbox.paused and services.outbox.status().reason == NO_API_TOKEN
    finally:
        services.store.close()


def test_no_other_no_token_wording_is_left_in_the_code():
    pattern = re.compile(r"no (api )?token( is)? (set|stored|found)|no api token", re.IGNORECASE)
    places = [
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "packstation").rglob("*.py")
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    # settings.py holds the sentence; the dialog's token field says "no token stored" (what is stored);
    # the support bundle says it contains "no API token and no order data" (what is in the zip).
    assert sorted(places) == [
        "packstation/commands/support_bundle.py",
        "packstation/domain/settings.py",
        "packstation/gui/settings_dialog.py",
    ]


def test_outbox_shows_control_characters_escaped_not_an_object_dump(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    store = Store.open(data / "station.sqlite3")
    store.sessions.save(
        "s1", order_key="ORD\x1d77", shipment_id="sh1", state="packing", packer="Anna", snapshot={}
    )
    store.boxes.close(
        session_id="s1",
        snapshot={},
        shipment_id="sh1",
        box_type="M",
        dims_mm=None,
        weight_g=None,
        items={"SKU-A": 1},
        packer="Anna",
        station="bench",
    )
    (op,) = store.outbox.ops()
    store.outbox.claim(op.id)
    store.outbox.park(op.id, "HTTP 400: refused\x07 the scan ]d2\x1d21X\nsecond line")
    store.close()

    done = packstation(tmp_path, "outbox")
    assert done.returncode == 1  # something needs attention
    out = done.stdout
    assert "OutboxOp(" not in out and "\x1d" not in out and "\x07" not in out
    (line,) = [ln for ln in out.splitlines() if "NEEDS ATTENTION" in ln]
    assert "order ORD<GS>77" in line
    assert "refused\\x07 the scan ]d2<GS>21X\\x0asecond line" in line


def test_a_label_print_names_its_order_and_box_in_the_log(tmp_path, emulator, caplog, qapp):
    import asyncio
    import logging

    from packstation.app import build_services, wait_until_idle
    from packstation.emulator import DEMO_TOKEN
    from packstation.gui.raster import QtSvgRasterizer
    from tests.support.bench_config import bench_config

    emulator.seed_shipment("ORD-LOG", [("SKU-MUG", "Enamel mug", 1)])
    config = bench_config(tmp_path, emulator)

    async def pack() -> None:
        services = build_services(config, DEMO_TOKEN, svg_rasterizer=QtSvgRasterizer())
        services.start()
        try:
            services.runtime.submit_scan("ORD-LOG")
            for _ in range(200):
                if services.station.view.order is not None:
                    break
                await asyncio.sleep(0.05)
            services.runtime.submit_scan("SKU-MUG")
            assert await wait_until_idle(services, timeout=30)
        finally:
            await services.aclose()

    with caplog.at_level(logging.INFO, logger="packstation"):
        asyncio.run(pack())
    lines = [r.getMessage() for r in caplog.records if r.name == "packstation.services.runtime"]
    assert any(
        re.match(r"Label of order ORD-LOG box 1 \(tracking \S+\): print job \d+ done", m) for m in lines
    ), lines
    # The print queue's own line names the box and the tracking number too, not only a byte count.
    queue_lines = [r.getMessage() for r in caplog.records if r.name == "packstation.adapters.printers.queue"]
    assert any(
        re.match(r"Print job \d+ done \(label box id \d+, tracking \S+, \d+ bytes\)", m) for m in queue_lines
    ), queue_lines
