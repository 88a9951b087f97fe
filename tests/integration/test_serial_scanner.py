"""Serial scanners over a real pseudo-terminal: the pty's slave side is the "serial port" (reached through
a symlink, as udev's /dev/serial/by-id names are), the test writes what a scanner would send to the
master side, and unplugging is closing the pty."""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path

import pytest

from packstation.adapters.config import Config, ConfigError, load_config
from packstation.adapters.serial_scanner import (
    MAX_LINE_CHARS,
    LineFramer,
    SerialScanner,
    _open_with_pyserial,
    serial_setting_from_config,
)
from packstation.emulator import DEMO_TOKEN
from tests.support.bench_config import bench_config

WAIT_S = 10.0  # generous upper bound for things that happen within milliseconds


class FakeSerialPort:
    """A scanner on a pty, reached through a stable symlink that a "replug" points at a new pty."""

    def __init__(self, link: Path) -> None:
        self.link = link
        self.master: int | None = None
        self.slave: int | None = None
        self.plug()

    def plug(self) -> None:
        self.master, self.slave = os.openpty()
        tmp = self.link.with_name(self.link.name + ".new")
        os.symlink(os.ttyname(self.slave), tmp)
        os.replace(tmp, self.link)

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def unplug(self) -> None:
        for fd in (self.master, self.slave):
            if fd is not None:
                os.close(fd)
        self.master = self.slave = None


class Sink:
    """Collects what the reader hands over, from its thread."""

    def __init__(self) -> None:
        self.scans: list[str] = []
        self.problems: list[str] = []
        self.recovered: list[str] = []
        self._changed = threading.Condition()

    def scan(self, code: str) -> None:
        self._add(self.scans, code)

    def problem(self, text: str) -> None:
        self._add(self.problems, text)

    def recover(self, text: str) -> None:
        self._add(self.recovered, text)

    def _add(self, target: list[str], value: str) -> None:
        with self._changed:
            target.append(value)
            self._changed.notify_all()

    def wait_for(self, predicate) -> bool:
        with self._changed:
            return self._changed.wait_for(predicate, WAIT_S)


class CountingOpener:
    """pyserial's opener, counting attempts (to know that reopening was retried)."""

    def __init__(self) -> None:
        self.attempts = 0
        self._changed = threading.Condition()

    def __call__(self, port: str, baudrate: int, timeout_s: float):
        with self._changed:
            self.attempts += 1
            self._changed.notify_all()
        return _open_with_pyserial(port, baudrate, timeout_s)

    def wait_attempts(self, count: int) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self.attempts >= count, WAIT_S)


@pytest.fixture
def port(tmp_path):
    fake = FakeSerialPort(tmp_path / "serial-scanner")
    yield fake
    fake.unplug()


@pytest.fixture
def reader(port):
    opener = CountingOpener()
    scanner = SerialScanner(
        str(port.link), read_timeout_s=0.1, first_retry_s=0.02, retry_s=0.1, opener=opener
    )
    scanner.opener = opener
    yield scanner
    scanner.stop()


def start(reader: SerialScanner) -> Sink:
    sink = Sink()
    reader.start(sink.scan, sink.problem, sink.recover)
    assert reader.wait_connected(WAIT_S)
    return sink


def test_scans_arrive_in_order_with_every_terminator(port, reader):
    sink = start(reader)
    port.send(b"ORD-1\r\nSKU-A\rSKU-B\nSKU-C\tCMD:CLOSE-BOX\r\n")
    port.send(b"\r\n\r\n  \t")  # blank lines and padding are not scans
    port.send(b"SPL")  # a scan split over two reads
    port.send(b"IT\r\n")
    assert sink.wait_for(lambda: len(sink.scans) >= 6)
    assert sink.scans == ["ORD-1", "SKU-A", "SKU-B", "SKU-C", "CMD:CLOSE-BOX", "SPLIT"]
    assert sink.problems == []


def test_long_garbage_is_handed_over_cut_at_the_limit_and_the_next_scan_is_clean(port, reader):
    sink = start(reader)
    port.send(b"\x01\xff" + b"X" * 5000 + b"\r\n" + "ÅSA-1\r\n".encode())
    assert sink.wait_for(lambda: len(sink.scans) >= 2)
    garbage, clean = sink.scans
    assert len(garbage) == MAX_LINE_CHARS
    assert garbage.startswith("\x01\ufffdXXX")  # control character kept, bad UTF-8 replaced
    assert clean == "ÅSA-1"


def test_unplug_is_reported_once_and_the_replugged_scanner_resumes(port, reader, expected_log):
    expected_log.allow("serial scanner")
    sink = start(reader)
    port.send(b"BEFORE\r\n")
    assert sink.wait_for(lambda: sink.scans == ["BEFORE"])
    attempts = reader.opener.attempts

    port.send(b"HALF-A-SC")  # unterminated: lost with the port, never a scan
    port.unplug()
    assert sink.wait_for(lambda: len(sink.problems) == 1)
    assert "unplugged" in sink.problems[0] and str(port.link) in sink.problems[0]
    assert reader.opener.wait_attempts(attempts + 4)  # it keeps trying to reopen ...
    assert len(sink.problems) == 1  # ... and says so only once
    assert not reader.connected

    port.plug()
    assert reader.wait_connected(WAIT_S)
    assert sink.wait_for(lambda: len(sink.recovered) == 1)
    assert "connected again" in sink.recovered[0]
    port.send(b"AFTER\r\n")
    assert sink.wait_for(lambda: len(sink.scans) == 2)
    assert sink.scans == ["BEFORE", "AFTER"]
    assert len(sink.problems) == 1


def test_a_port_that_is_missing_at_start_is_reported_once_then_picked_up(tmp_path, expected_log):
    expected_log.allow("serial scanner")
    link = tmp_path / "later"
    scanner = SerialScanner(str(link), read_timeout_s=0.1, first_retry_s=0.02, retry_s=0.1)
    sink = Sink()
    scanner.start(sink.scan, sink.problem, sink.recover)
    fake = None
    try:
        assert sink.wait_for(lambda: len(sink.problems) == 1)
        assert "not plugged in" in sink.problems[0]
        fake = FakeSerialPort(link)
        assert scanner.wait_connected(WAIT_S)
        fake.send(b"ORD-9\r\n")
        assert sink.wait_for(lambda: sink.scans == ["ORD-9"])
        assert len(sink.problems) == 1
    finally:
        scanner.stop()
        if fake is not None:
            fake.unplug()


def test_stop_ends_the_reader_within_its_read_timeout(port, reader):
    start(reader)
    thread = reader._thread
    reader.stop(timeout_s=1.0)
    assert not thread.is_alive()
    assert not reader.running


def test_line_framer_keeps_memory_bounded_on_an_endless_line():
    framer = LineFramer()
    for _ in range(1000):
        assert framer.feed(b"Z" * 1000) == []
    assert framer.feed(b"\n") == ["Z" * MAX_LINE_CHARS]


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("wedge", None),
        ("", None),
        ("serial:/dev/ttyACM0", ("/dev/ttyACM0", 9600)),
        ("serial:COM3?baud=19200", ("COM3", 19200)),
        (
            "SERIAL:/dev/serial/by-id/usb-Honeywell-if00?baud=115200",
            ("/dev/serial/by-id/usb-Honeywell-if00", 115200),
        ),
    ],
)
def test_scanner_settings(setting, expected):
    parsed = serial_setting_from_config(setting)
    assert (parsed and (parsed.port, parsed.baudrate)) == expected


@pytest.mark.parametrize(
    ("setting", "words"),
    [
        ("usb", "use wedge, serial:"),
        ("serial:", "names no serial port"),
        ("serial:COM3?baud=fast", "baud is a whole number"),
        ("serial:COM3?parity=E", "unknown option 'parity'"),
    ],
)
def test_bad_scanner_settings_are_one_clear_line(setting, words):
    with pytest.raises(ValueError, match=words):
        serial_setting_from_config(setting)


# -- the whole station -------------------------------------------------------------------------------


def test_an_order_scanned_on_a_serial_scanner_is_packed_and_booked(tmp_path, port, emulator, qapp):
    from packstation.app import build_services, wait_until_idle
    from packstation.gui.raster import QtSvgRasterizer

    shipment_id = emulator.seed_shipment("ORD-SER", [("SKU-A", "Mug", 1)])
    config = bench_config(tmp_path, emulator, scanner=f"serial:{port.link}?baud=115200")
    sink_threads: set[int] = set()

    async def wait_for(predicate) -> None:
        for _ in range(int(WAIT_S / 0.02)):
            if predicate():
                return
            await asyncio.sleep(0.02)
        raise AssertionError("timed out")

    async def scenario():
        services = build_services(config, DEMO_TOKEN, svg_rasterizer=QtSvgRasterizer())

        def sink(code: str) -> None:
            sink_threads.add(threading.get_ident())
            services.runtime.submit_scan(code)

        services.scan_sink = sink
        services.start()
        try:
            assert services.serial_scanner.baudrate == 115200
            assert await asyncio.to_thread(services.serial_scanner.wait_connected, WAIT_S)
            port.send(b"ORD-SER\r\n")
            await wait_for(lambda: services.station.view.order is not None and not services.runtime.busy)
            port.send(b"SKU-A\r\n")
            await wait_for(lambda: services.station.view.complete)
            assert await wait_until_idle(services, timeout=60)
            return services.station.view, services.problems(), threading.get_ident()
        finally:
            await services.aclose()
            assert not services.serial_scanner.running

    view, problems, loop_thread = asyncio.run(scenario())
    assert problems == []
    assert view.complete
    assert emulator.parcel_count(shipment_id) == 1
    assert sink_threads == {loop_thread}  # scans were handed to the loop's thread, never run on the reader's


def test_serial_scanner_trouble_reaches_the_packer_as_a_warning(tmp_path, emulator, qapp, expected_log):
    from packstation.app import build_services
    from packstation.gui.raster import QtSvgRasterizer

    expected_log.allow("serial scanner")
    config = bench_config(tmp_path, emulator, packer="", scanner=f"serial:{tmp_path / 'no-such-port'}")
    views = []

    async def scenario():
        services = build_services(
            config, DEMO_TOKEN, svg_rasterizer=QtSvgRasterizer(), publish_view=views.append
        )
        services.start()
        try:
            for _ in range(int(WAIT_S / 0.02)):
                if any(v.feedback and "not plugged in" in v.feedback.message for v in views):
                    break
                await asyncio.sleep(0.02)
            services.runtime.submit_scan("ORD-NONE")  # the keyboard path still works meanwhile
            while services.runtime.busy:
                await asyncio.sleep(0.02)
            return services.station.view
        finally:
            await services.aclose()

    after_wedge_scan = asyncio.run(scenario())
    assert after_wedge_scan.feedback.tone.value == "bad"  # the look-up ran: no such order
    warnings = [v.feedback for v in views if v.feedback and "serial scanner" in v.feedback.message]
    assert warnings and warnings[0].tone.value == "warning"
    assert len({w.message for w in warnings}) == 1


def test_a_bad_scanner_setting_stops_the_start_with_one_line(tmp_path):
    # The settings model refuses it when the configuration is read, before anything starts.
    path = tmp_path / "config.json"
    path.write_text('{"scanner": "bluetooth:AA:BB"}')
    with pytest.raises(ConfigError, match="scanner setting") as info:
        load_config({}, environ={}, path=path)
    assert str(info.value).count("\n") == 0 and str(path) in str(info.value)
    with pytest.raises(ValueError, match="scanner setting"):
        Config(data_dir=tmp_path / "data", scanner="bluetooth:AA:BB")
