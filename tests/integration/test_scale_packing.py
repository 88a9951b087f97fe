"""The scale in the packing flow: a fake USB HID scale (pyusb backend) read by the real ``Scale`` poller in
the app's services; the weight captured at the close reaches the box row in SQLite and the pickup
manifest; an unplugged scale says so and a typed weight (W:...) is the fallback."""

from __future__ import annotations

import asyncio

import pytest

from packstation.adapters.config import Config
from packstation.app import build_services, replay, wait_until_idle
from packstation.domain.manifest import manifest_csv
from packstation.domain.scale import ScaleStatus
from packstation.domain.view import Tone
from packstation.emulator import DEMO_TOKEN
from packstation.services.end_of_day import EndOfDay
from tests.support.bench_config import bench_config
from tests.support.fake_hid_scale import FakeHidScale, FakeHidScaleBackend

GRAM, KILOGRAM = 2, 3


@pytest.fixture
def config(tmp_path, emulator):
    return bench_config(tmp_path, emulator, scale="usb")


async def until(condition, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


def run_with_scale(config, device, steps):
    from packstation.gui.raster import QtSvgRasterizer

    async def scenario():
        services = build_services(
            config,
            DEMO_TOKEN,
            svg_rasterizer=QtSvgRasterizer(),
            scale_backend=FakeHidScaleBackend([device]),
        )
        services.start()
        try:
            result = await steps(services)
            assert await wait_until_idle(services, timeout=60)
            return result
        finally:
            await services.aclose()

    return asyncio.run(scenario())


def test_weight_from_the_usb_scale_reaches_the_box_row_and_the_manifest(emulator, config, qapp):
    emulator.seed_shipment("ORD-W", [("SKU-A", "Mug", 2)])
    device = FakeHidScale()
    device.set_weight(ScaleStatus.IN_MOTION, GRAM, 0, 900)

    async def steps(services):
        station = services.station
        await until(lambda: station.view.weight_text == "900 g unstable")
        await replay(services, ["ORD-W", "SKU-A", "SKU-A"], services.runtime.submit_scan)
        # The last unit would close the box, but the weight is not steady: it waits.
        assert (
            station.view.feedback.tone is Tone.WARNING and "Scale not steady" in station.view.feedback.message
        )
        assert services.store.boxes.all() == []
        device.set_weight(ScaleStatus.STABLE, KILOGRAM, -3, 1234)  # settled: the box closes by itself
        await until(lambda: station.view.complete)
        assert station.view.weight_text == "1.234 kg stable"
        await until(lambda: all(b.tracking_number for b in services.store.boxes.all()))
        end_of_day = EndOfDay(
            services.store, station="bench-1", printer_uri=config.printer, kick=services.outbox.kick
        )
        end_of_day.start()  # the running outbox books the pickup
        await until(lambda: end_of_day.progress().complete, timeout=20)
        return end_of_day.manifest()

    manifest = run_with_scale(config, device, steps)
    (entry,) = manifest.entries
    assert entry.weight_g == 1234 and entry.dimensions == (350, 250, 150)  # default box type M
    assert manifest.total_weight_g == 1234 and "1234" in manifest_csv(manifest)
    from packstation.adapters.store import Store

    store = Store.open(config.database_path)
    try:
        (box,) = store.boxes.all()
        assert (box.weight_g, box.length_mm, box.width_mm, box.height_mm) == (1234, 350, 250, 150)
    finally:
        store.close()
    assert device.released >= 1  # the scale was given back on shutdown


def test_unplugged_scale_says_so_and_a_typed_weight_closes_the_box(emulator, config, qapp, expected_log):
    expected_log.allow("scale:")
    emulator.seed_shipment("ORD-U", [("SKU-A", "Mug", 1), ("SKU-B", "Plate", 1)])
    device = FakeHidScale()
    device.set_weight(ScaleStatus.STABLE, GRAM, 0, 500)

    async def steps(services):
        station = services.station
        await until(lambda: station.view.weight_text == "500 g stable")
        device.unplug()
        await until(lambda: station.view.weight_text == "No scale")
        assert "unplugged" in station.view.weight_detail
        assert station.view.feedback.tone is Tone.WARNING and "W:1.25kg" in station.view.feedback.message
        await replay(services, ["ORD-U", "SKU-A", "SKU-B"], services.runtime.submit_scan)
        assert "Box 1 not closed yet" in station.view.feedback.message
        await replay(services, ["W:0.75kg"], services.runtime.submit_scan)
        await until(lambda: station.view.complete)
        device.replug()
        await until(lambda: station.view.weight_text == "500 g stable")

    run_with_scale(config, device, steps)
    from packstation.adapters.store import Store

    store = Store.open(config.database_path)
    try:
        assert [b.weight_g for b in store.boxes.all()] == [750]
    finally:
        store.close()


def test_a_bad_scale_setting_is_one_clear_line(config):
    from packstation.adapters.config import ConfigError, load_config

    # The settings model refuses it when the configuration is read, before anything starts.
    path = config.data_dir.parent / "config.json"
    path.write_text('{"scale": "serial"}')
    with pytest.raises(ConfigError, match="usb:0922:8003") as info:
        load_config({}, environ={}, path=path)
    assert str(info.value).count("\n") == 0 and str(path) in str(info.value)
    with pytest.raises(ValueError, match="usb:0922:8003"):
        config.__class__(**{**config.__dict__, "scale": "serial"})


def test_scale_settings():
    from packstation.adapters.config import apply_values
    from packstation.adapters.scale import scale_from_setting

    assert scale_from_setting("") is None and scale_from_setting("manual") is None
    assert scale_from_setting("usb").vendor_id is None
    chosen = scale_from_setting("USB:0922:8003")
    assert (chosen.vendor_id, chosen.product_id) == (0x0922, 0x8003)
    with pytest.raises(ValueError, match="hex"):
        scale_from_setting("usb:dymo")
    assert [Config(scale=s).weight_mode for s in ("", "usb", "usb:0922:8003", "manual")] == [
        "",
        "scale",
        "scale",
        "manual",
    ]
    assert apply_values(Config(scale="usb"), {"scale": ""}).scale == ""  # "" switches the scale off
    assert apply_values(Config(printer="tcp:x"), {"printer": ""}).printer == "tcp:x"


def test_a_box_far_off_its_expected_weight_is_held_until_rechecked_or_accepted(emulator, config, qapp):
    # Two enamel mugs (the demo goods carry 220 g each): 440 g expected, ±10% / ±50 g allowed.
    emulator.seed_shipment("ORD-X", [("ACME-MUG-ENAMEL", "Enamel Mug", 2)])
    emulator.seed_shipment("ORD-Y", [("ACME-MUG-ENAMEL", "Enamel Mug", 2)])
    device = FakeHidScale()
    device.set_weight(ScaleStatus.STABLE, GRAM, 0, 1420)

    async def steps(services):
        station = services.station
        await until(lambda: station.view.weight_text == "1420 g stable")
        await replay(services, ["ORD-X", "ACME-MUG-ENAMEL", "ACME-MUG-ENAMEL"], services.runtime.submit_scan)
        held = station.view.feedback
        assert held.tone is Tone.WARNING and "Box 1 weighs 1.420 kg, expected 440 g: check its contents" in (
            held.message
        )
        assert services.store.boxes.all() == []
        device.set_weight(ScaleStatus.STABLE, GRAM, 0, 455)  # the packer found the stray item: rechecked
        await until(lambda: station.view.complete)
        (first,) = services.store.boxes.all()
        assert first.weight_g == 455
        # The next order is off too, and a supervisor accepts it; the scan log keeps who and why.
        device.set_weight(ScaleStatus.STABLE, GRAM, 0, 700)
        await until(lambda: station.view.weight_text == "700 g stable")
        scans = ["ORD-Y", "ACME-MUG-ENAMEL", "ACME-MUG-ENAMEL", "USER:Supervisor Sam", "CMD:ACCEPT-WEIGHT"]
        await replay(services, scans, services.runtime.submit_scan)
        await until(lambda: len(services.store.boxes.all()) == 2)
        second = services.store.boxes.all()[1]
        assert second.weight_g == 700
        (log,) = [s for s in services.store.scans.recent() if s["raw"] == "CMD:ACCEPT-WEIGHT"]
        assert (log["raw"], log["outcome"], log["packer"]) == (
            "CMD:ACCEPT-WEIGHT",
            "weight_accepted",
            "Supervisor Sam",
        )
        assert "Weight accepted by Supervisor Sam" in log["detail"] and "expected 440 g" in log["detail"]

    run_with_scale(config, device, steps)
