"""The status bar's live weight item: hidden without a scale, the reading in words with its style state."""

from __future__ import annotations

import pytest

from packstation.domain.scale import ScaleStatus, decode_report, encode_report
from packstation.domain.station_weight import WeightMode
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
    bench = Bench.make(weight_mode=WeightMode.SCALE, require_weight=True)
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


@pytest.fixture
def swedish(qapp):
    from packstation.adapters.translations import load_domain_language, qt_translation_file
    from packstation.domain.i18n import set_language
    from packstation.gui.i18n import install_translation

    assert load_domain_language("sv")
    qm = qt_translation_file("sv")
    assert qm is not None and install_translation(qapp, "sv", str(qm))
    yield
    install_translation(qapp, "en", None)
    set_language("en")


def test_status_bar_box_chip_and_connectivity_reason_in_swedish(qtbot, controller, swedish):
    from packstation.domain.outbox import ConnectivityTracker
    from packstation.domain.view import Connectivity, StatusView

    window = MainWindow(controller, StationBridge(), sounds=NullSoundPlayer(), apply_stylesheet=False)
    qtbot.addWidget(window)
    tracker = ConnectivityTracker()
    tracker.unreachable("timeout")
    assert tracker.reason.startswith("Ingrid går inte att nå (timeout). Packningen fortsätter")
    bench = Bench.make(weight_mode=WeightMode.SCALE, default_box_type="S")
    bench.scans("ORD-3", "SKU-A", "SKU-D")
    bench.run(
        bench.station.status_changed(
            StatusView(
                connectivity=Connectivity.OFFLINE,
                connectivity_reason=tracker.reason,
                outbox_depth=3,
                labels_waiting=1,
            )
        )
    )
    window.render(bench.view)
    bar = window.status
    assert bar.connection.text.text() == "OFFLINE: packa vidare, etiketter skrivs ut sen"
    assert bar.connection.toolTip() == tracker.reason
    assert bar.outbox.text.text() == "3 väntar på att skickas när anslutningen är tillbaka"
    assert bar.labels.text.text() == "1 etikett att skriva ut"
    assert bar.printer.text.text() == "Skrivaren är redo"
    assert bar.weight.text.text() == "Våg: väntar"
    (card,) = window.boxes.cards
    assert (card.title.text(), card.chip.text()) == ("Kartong 1", "PACKAS")
    assert card.details.text() == "2 artiklar: 1× SKU-A, 1× SKU-D"
    assert window.boxes.title.text() == "Kartonger (1)"
