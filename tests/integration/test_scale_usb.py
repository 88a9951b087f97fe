"""The USB scale adapter against a fake HID scale backend, through the real pyusb find/claim/read path."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
import usb.backend.libusb0
import usb.backend.libusb1
import usb.backend.openusb

from packstation.adapters.scale import (
    ManualScale,
    Scale,
    ScaleBackendMissingError,
    ScaleBusyError,
    ScaleDisconnectedError,
    ScaleError,
    ScaleNotFoundError,
    ScalePermissionError,
    ScaleTimeoutError,
    find_scales,
    sysfs_scale_ids,
)
from packstation.domain.scale import ManualWeightError, ScaleStatus, WeightGate, encode_report
from tests.support.fake_hid_scale import (
    KEYBOARD_REPORT_DESCRIPTOR,
    SCALE_REPORT_DESCRIPTOR,
    FakeHidScale,
    FakeHidScaleBackend,
)

GRAM, KILOGRAM, OUNCE = 2, 3, 11


@pytest.fixture
def no_sysfs(tmp_path):
    return str(tmp_path / "no-sysfs")


def make_scale(devices, no_sysfs, **kwargs) -> Scale:
    kwargs.setdefault("timeout_ms", 300)
    return Scale(backend=FakeHidScaleBackend(devices), sysfs_root=no_sysfs, **kwargs)


def test_reads_stable_grams_through_pyusb(no_sysfs):
    device = FakeHidScale()
    device.set_weight(ScaleStatus.STABLE, GRAM, 0, 850)
    with make_scale([device], no_sysfs) as scale:
        reading = scale.read()
        assert (reading.status, reading.grams, reading.unit) == (ScaleStatus.STABLE, 850, "g")
        assert scale.info.matched_by == "vendor" and scale.info.vendor_name == "Dymo"
        assert WeightGate().decide(reading).weight_g == 850
    assert device.detached == 1 and device.claims == 1 and device.released == 1
    assert device.kernel_driver is True  # handed back to the OS on close
    assert device.timeouts_seen and all(0 < t <= 300 for t in device.timeouts_seen)


def test_weight_changes_and_kilograms(no_sysfs):
    device = FakeHidScale(repeat_last=False)
    device.set_weight(ScaleStatus.IN_MOTION, KILOGRAM, -3, 900)
    device.set_weight(ScaleStatus.STABLE, KILOGRAM, -3, 1250)
    with make_scale([device], no_sysfs) as scale:
        assert scale.read().status is ScaleStatus.IN_MOTION
        assert scale.read().grams == 1250
        # No new report: the last reading still stands (scales that report only on change).
        assert scale.read(timeout_ms=50).grams == 1250


def test_other_reports_are_skipped(no_sysfs):
    device = FakeHidScale(repeat_last=False)
    device.put(bytes.fromhex("0401020000000000"))  # a status/control report, not weight data
    device.set_weight(ScaleStatus.STABLE, OUNCE, -1, 100)
    with make_scale([device], no_sysfs) as scale:
        assert scale.read().grams == 283


def test_no_report_at_all_times_out_clearly(no_sysfs):
    device = FakeHidScale(repeat_last=False)
    with make_scale([device], no_sysfs) as scale, pytest.raises(ScaleTimeoutError, match="no weight"):
        scale.read(timeout_ms=50)


def test_found_by_usage_page_not_by_vendor(no_sysfs):
    keyboard = FakeHidScale(
        vendor_id=0x1111, product_id=0x2222, report_descriptor=KEYBOARD_REPORT_DESCRIPTOR, kernel_driver=False
    )
    boot_keyboard = FakeHidScale(vendor_id=0x0922, interface_subclass=1, interface_protocol=1)
    generic = FakeHidScale(vendor_id=0x3333, product_id=0x4444, kernel_driver=False)
    found = find_scales(backend=FakeHidScaleBackend([keyboard, boot_keyboard, generic]), sysfs_root=no_sysfs)
    assert [(info.vendor_id, info.matched_by) for info, _ in found] == [(0x3333, "usage page")]
    # A HID device bound to the kernel (the barcode scanner, say) is never detached to probe it.
    bound = FakeHidScale(vendor_id=0x3333, product_id=0x4444, kernel_driver=True)
    assert find_scales(backend=FakeHidScaleBackend([bound]), sysfs_root=no_sysfs) == []
    assert bound.detached == 0


def test_found_by_usage_page_in_sysfs(tmp_path):
    folder = tmp_path / "0003:3333:4444.0007"
    folder.mkdir()
    (folder / "report_descriptor").write_bytes(SCALE_REPORT_DESCRIPTOR)
    other = tmp_path / "0003:1111:2222.0008"
    other.mkdir()
    (other / "report_descriptor").write_bytes(KEYBOARD_REPORT_DESCRIPTOR)
    assert sysfs_scale_ids(str(tmp_path)) == {(0x3333, 0x4444)}
    device = FakeHidScale(vendor_id=0x3333, product_id=0x4444, kernel_driver=True)
    device.set_weight(ScaleStatus.STABLE, GRAM, 0, 500)
    with Scale(backend=FakeHidScaleBackend([device]), sysfs_root=str(tmp_path)) as scale:
        assert scale.read().grams == 500
        assert scale.info.matched_by == "usage page"


def test_configured_ids(no_sysfs):
    first, second = FakeHidScale(product_id=0x8003), FakeHidScale(product_id=0x8004)
    second.set_weight(ScaleStatus.STABLE, GRAM, 0, 42)
    with make_scale([first, second], no_sysfs, vendor_id=0x0922, product_id=0x8004) as scale:
        assert scale.read().grams == 42
        assert scale.info.matched_by == "id"
    with pytest.raises(ScaleNotFoundError, match="No USB scale 0922:9999 found"):
        make_scale([first], no_sysfs, vendor_id=0x0922, product_id=0x9999).read()


def test_nothing_plugged_in(no_sysfs):
    with pytest.raises(ScaleNotFoundError, match="Check its cable"):
        make_scale([], no_sysfs).read()


def test_permission_denied(no_sysfs):
    with pytest.raises(ScalePermissionError, match="udev rule"):
        make_scale([FakeHidScale(permission_denied=True)], no_sysfs).read()


def test_busy(no_sysfs):
    with pytest.raises(ScaleBusyError, match="another program"):
        make_scale([FakeHidScale(busy=True)], no_sysfs).read()


def test_no_libusb(monkeypatch):
    for module in (usb.backend.libusb1, usb.backend.libusb0, usb.backend.openusb):
        monkeypatch.setattr(module, "get_backend", lambda *a, **k: None)
    with pytest.raises(ScaleBackendMissingError, match=r"libusb-1\.0-0"):
        Scale().read()


def test_unplug_mid_read_then_replug(no_sysfs):
    device = FakeHidScale(repeat_last=False)
    scale = make_scale([device], no_sysfs, timeout_ms=5000)
    scale.open()
    outcome: list[BaseException] = []
    reader = threading.Thread(target=lambda: _capture(scale.read, outcome))
    reader.start()
    for _ in range(200):  # wait until the read is blocked inside the backend
        if device.timeouts_seen:
            break
        time.sleep(0.005)
    device.unplug()
    reader.join(5)
    assert not reader.is_alive()
    assert isinstance(outcome[0], ScaleDisconnectedError)
    assert "unplugged" in outcome[0].user_message
    with pytest.raises(ScaleNotFoundError):
        scale.read()
    device.replug()
    device.set_weight(ScaleStatus.STABLE, GRAM, 0, 777)
    assert scale.read().grams == 777
    assert device.detached == 2  # claimed afresh after the re-plug
    scale.close()


def _capture(fn, into):
    try:
        into.append(fn())
    except BaseException as exc:
        into.append(exc)


def test_poll_delivers_changes_and_survives_unplug(no_sysfs, expected_log):
    expected_log.allow("scale: The scale was unplugged")
    expected_log.allow("scale: No USB scale")
    device = FakeHidScale()
    device.set_weight(ScaleStatus.IN_MOTION, GRAM, 0, 400)
    scale = make_scale([device], no_sysfs, timeout_ms=100)
    readings, errors = [], []
    got = threading.Event()

    def on_reading(reading):
        readings.append(reading)
        got.set()

    poller = scale.poll(on_reading, errors.append, interval_s=0.01, retry_s=0.02)
    try:
        assert got.wait(5)
        device.set_weight(ScaleStatus.STABLE, GRAM, 0, 410)
        _wait_for(lambda: any(r.grams == 410 for r in readings))
        assert scale.read().grams == 410  # read() while polling: the poller's latest
        count = len(readings)
        time.sleep(0.1)
        assert len(readings) == count  # the same weight is not delivered again and again
        device.unplug()
        _wait_for(lambda: errors)
        assert isinstance(errors[0], ScaleDisconnectedError)
        with pytest.raises(ScaleError):
            scale.read(timeout_ms=10)
        device.replug()
        device.set_weight(ScaleStatus.STABLE, GRAM, 0, 999)
        _wait_for(lambda: readings[-1].grams == 999)
        assert len({type(e) for e in errors}) == len(errors)  # each fault reported once
    finally:
        scale.close()
    assert not poller.running


def _wait_for(condition, timeout_s=5.0):
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.005)


def test_read_async(no_sysfs):
    device = FakeHidScale()
    device.put(encode_report(ScaleStatus.STABLE, GRAM, 0, 1234))
    with make_scale([device], no_sysfs) as scale:
        assert asyncio.run(scale.read_async()).grams == 1234


def test_manual_scale():
    manual = ManualScale()
    with pytest.raises(ScaleError, match="Type the box's weight"):
        manual.read()
    with pytest.raises(ManualWeightError, match="Say the unit"):
        manual.enter("1.5")
    assert manual.enter("1,5 kg").grams == 1500
    assert manual.read().source == "manual"
    manual.clear()
    with pytest.raises(ScaleError):
        manual.read()
