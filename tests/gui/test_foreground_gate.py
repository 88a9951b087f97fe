"""Label drawing on the print worker gives way to a scan the GUI thread is handling (``gui/foreground.py``):
the window holds the gate while a scan is handled and painted, the SVG rasteriser draws in strips (the
same dots as one drawing) and waits at each strip while the gate is held."""

from __future__ import annotations

import threading

import pytest

from packstation.domain.labelgen import make_label
from packstation.gui.bridge import StationBridge
from packstation.gui.feedback import NullSoundPlayer
from packstation.gui.foreground import ForegroundGate
from packstation.gui.main_window import MainWindow
from packstation.gui.raster import QtSvgRasterizer
from packstation.gui.scanner import WedgeScanner
from tests.gui.typing_support import type_at_scanner_speed

pytestmark = pytest.mark.gui

LABEL = make_label(
    "svg",
    tracking_number="00370730253950876543",
    address_to=None,
    address_from=None,
    shipping_method="PostNord MyPack Collect",
    order_id="ORD-10482",
    parcel_text="Parcel 1 of 2",
)


class CountingGate(ForegroundGate):
    def __init__(self) -> None:
        super().__init__()
        self.ways = 0

    def give_way(self) -> None:
        self.ways += 1
        super().give_way()


@pytest.mark.parametrize("size", [(576, 864), (1152, 1728), (812, 1218), (203, 1001)])
def test_strips_draw_the_same_dots_as_one_drawing(qapp, size):
    width, height = size
    whole = QtSvgRasterizer(strip_dots=10**12)(LABEL, width, height)
    strips = QtSvgRasterizer(strip_dots=width * 100)(LABEL, width, height)  # 100-row strips, a short last one
    assert strips == whole
    assert sum(strips.data) > 0  # something black was drawn


def test_the_rasteriser_gives_way_before_each_strip(qapp):
    gate = CountingGate()
    QtSvgRasterizer(gate=gate, strip_dots=1152 * 500)(LABEL, 1152, 1728)
    assert gate.ways == 4  # rows 0, 500, 1000, 1500


def test_give_way_waits_while_the_gate_is_held():
    gate = ForegroundGate(max_wait_s=60)
    passed = threading.Event()

    def worker() -> None:
        gate.give_way()
        passed.set()

    with gate.held():
        thread = threading.Thread(target=worker)
        thread.start()
        assert not passed.wait(0.2)  # held: the worker cannot pass, however long we look
    thread.join(10)
    assert passed.is_set()
    gate.give_way()  # open: returns at once


def test_give_way_waits_no_longer_than_its_bound():
    gate = ForegroundGate(max_wait_s=0.01)
    with gate.held():
        gate.give_way()  # a scan handler that never returns must not stop printing
        assert gate.is_held
    assert not gate.is_held


def test_nested_holds_open_the_gate_when_the_outer_one_ends():
    gate = ForegroundGate()
    with gate.held():
        with gate.held():
            pass
        assert gate.is_held
    assert not gate.is_held


class GateWatchingController:
    def __init__(self, gate: ForegroundGate) -> None:
        self.gate = gate
        self.scans: list[tuple[str, bool]] = []

    def submit_scan(self, raw: str) -> None:
        self.scans.append((raw, self.gate.is_held))


def test_a_wedge_scan_is_handled_with_the_gate_held(qtbot, clock):
    gate = ForegroundGate()
    controller = GateWatchingController(gate)
    window = MainWindow(
        controller, StationBridge(), sounds=NullSoundPlayer(), scanner=WedgeScanner(clock=clock), gate=gate
    )
    qtbot.addWidget(window)
    window.show()
    window.manual_entry.setFocus()
    type_at_scanner_speed(qtbot, window.manual_entry, clock, "SKU-12345")
    assert controller.scans == [("SKU-12345", True)]
    assert not gate.is_held  # open again once the scan's screen is up
    window.close()
