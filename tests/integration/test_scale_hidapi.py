"""The USB scale read through hidapi (the system's HID driver keeps it): against a fake of the hidapi
module (tests/support/fake_hidapi), the same report decoder and faults as the libusb path."""

from __future__ import annotations

import threading

import pytest

from packstation.adapters.scale import (
    Scale,
    ScaleDisconnectedError,
    ScaleNotFoundError,
    ScalePermissionError,
    ScaleTimeoutError,
    scale_from_setting,
)
from packstation.adapters.scale_hid import HidScale, find_hid_scales, load_hid_api
from packstation.domain.scale import ScaleStatus, encode_report
from tests.support.fake_hidapi import FakeHidApi, FakeHidScaleDevice

SCANNER = {"vendor_id": 0x05E0, "product_id": 0x1200, "path": b"kbd", "usage_page": 0x01}


def test_the_setting_picks_hidapi_when_it_is_there_and_libusb_with_a_pyusb_backend():
    api = FakeHidApi()
    assert isinstance(scale_from_setting("usb", hid_api=api), HidScale)
    assert type(scale_from_setting("usb", backend=object())) is Scale
    assert load_hid_api() is not None  # the hidapi package is installed (hidraw module on Linux)


def test_a_dymo_scale_reads_its_weight_through_hidapi():
    device = FakeHidScaleDevice()
    device.set_weight(1250)
    scale = scale_from_setting("usb", hid_api=FakeHidApi([device], others=[SCANNER]))
    try:
        reading = scale.read(timeout_ms=500)
    finally:
        scale.close()
    assert (reading.status, reading.grams, reading.stable) == (ScaleStatus.STABLE, 1250, True)
    assert scale.info is not None and scale.info.vendor_name == "Dymo"


def test_scales_are_found_by_ids_by_usage_page_and_by_vendor_never_the_scanner():
    by_page = FakeHidScaleDevice(vendor_id=0x1234, product_id=0x0001, path=b"p1")
    by_vendor = FakeHidScaleDevice(vendor_id=0x0EB8, product_id=0xF000, usage_page=0xFF00, path=b"p2")
    api = FakeHidApi([by_vendor, by_page], others=[SCANNER])
    assert [i.matched_by for i, _ in find_hid_scales(api)] == ["usage page", "vendor"]
    assert [p for _, p in find_hid_scales(api, 0x0EB8, 0xF000)] == [b"p2"]
    assert find_hid_scales(FakeHidApi(others=[SCANNER])) == []


def test_a_weight_in_motion_is_read_but_not_stable():
    device = FakeHidScaleDevice()
    device.put(encode_report(ScaleStatus.IN_MOTION, 2, 0, 400))
    with HidScale(hid_api=FakeHidApi([device])) as scale:
        reading = scale.read(timeout_ms=300)
    assert reading.status is ScaleStatus.IN_MOTION and not reading.stable


def test_no_scale_permission_and_silence_each_say_what_to_do():
    with pytest.raises(ScaleNotFoundError, match="No USB scale found"):
        HidScale(hid_api=FakeHidApi(others=[SCANNER])).read(timeout_ms=100)
    locked = FakeHidScaleDevice(permission_denied=True)
    with pytest.raises(ScalePermissionError, match="udev rule"):
        HidScale(hid_api=FakeHidApi([locked])).read(timeout_ms=100)
    silent = FakeHidScaleDevice(repeat_last=False)
    with pytest.raises(ScaleTimeoutError, match="sent no weight"):
        HidScale(hid_api=FakeHidApi([silent])).read(timeout_ms=100)


def test_unplugged_mid_read_then_replugged_comes_back_by_itself():
    device = FakeHidScaleDevice(repeat_last=False)
    api = FakeHidApi([device])
    scale = HidScale(hid_api=api)
    device.set_weight(800)
    assert scale.read(timeout_ms=300).grams == 800
    threading.Timer(0.05, device.unplug).start()
    with pytest.raises(ScaleDisconnectedError, match="unplugged"):
        scale.read(timeout_ms=2000)  # a blocked read wakes and fails
    with pytest.raises(ScaleNotFoundError):
        scale.read(timeout_ms=100)
    device.plugged = True
    device.set_weight(950)
    assert scale.read(timeout_ms=300).grams == 950  # opened again
    assert device.opened == 2
    scale.close()


def test_the_poller_delivers_changes_through_hidapi():
    device = FakeHidScaleDevice()
    device.set_weight(100)
    scale = HidScale(hid_api=FakeHidApi([device]), timeout_ms=200)
    seen: list[int] = []
    got = threading.Event()

    def on_reading(reading):
        seen.append(reading.grams)
        if reading.grams == 300:
            got.set()

    scale.poll(on_reading, interval_s=0.01)
    try:
        device.set_weight(300)
        assert got.wait(3)
    finally:
        scale.close()
    assert seen[0] == 100 and seen[-1] == 300


def test_doctor_finds_the_hid_scale_without_opening_it():
    from packstation.commands.doctor import check_scale

    device = FakeHidScaleDevice()
    found = check_scale("usb", hid_api=FakeHidApi([device], others=[SCANNER]))
    assert found.status == "OK" and "M25 25 lb Digital Postal Scale 0922:8003" in found.message
    assert device.opened == 0  # a running station keeps its scale
    missing = check_scale("usb:0eb8", hid_api=FakeHidApi(others=[SCANNER]))
    assert missing.status == "FAIL" and "udev rule" in missing.fix
    assert check_scale("") is None
    assert check_scale("serial:/dev/ttyPACKSTATION-NONE").status == "FAIL"
    assert check_scale("usb:zz").status == "FAIL"
