"""The status bar's live weight item: hidden without a scale, the reading in words with its style state."""

from __future__ import annotations

import pytest

from packstation.domain.scale import ScaleStatus, decode_report, encode_report
from packstation.gui.bridge import StationBridge
from packstation.gui.feedback import NullSoundPlayer
from packstation.gui.main_window import MainWindow
from packstation.gui.status_bar import StationStatusBar
from tests.unit.station_bench import Bench

pytestmark = pytest.mark.gui


def test_weight_item_follows_the_view(qtbot, controller):
    window = MainWindow(controller, StationBridge(), sounds=NullSoundPlayer(), apply_stylesheet=False)
    qtbot.addWidget(window)
    bar = window.status
    assert bar.weight.isHidden()  # no scale configured: no weight item
    bench = Bench.make(weight_mode="scale", require_weight=True)
    window.render(bench.view)
    assert not bar.weight.isHidden() and bar.weight.text.text() == "Scale: waiting"
    bench.run(bench.station.weight_changed(decode_report(encode_report(ScaleStatus.STABLE, 3, -3, 1250))))
    window.render(bench.view)
    assert bar.weight.text.text() == "1.250 kg stable" and bar.weight.property("state") == "ok"
    bench.run(bench.station.scale_failed("No USB scale found. Check its cable."))
    window.render(bench.view)
    assert bar.weight.text.text() == "No scale" and bar.weight.property("state") == "bad"
    assert "Check its cable" in bar.weight.toolTip()


def test_status_bar_alone_hides_an_empty_weight(qtbot):
    bar = StationStatusBar()
    qtbot.addWidget(bar)
    bar.render_weight("850 g typed", "ok")
    assert not bar.weight.isHidden()
    bar.render_weight("", "")
    assert bar.weight.isHidden()
