"""A carrier that sends ZPL: the label prints on the ESC/POS bench printer (drawn by our ZPL renderer) and
the "Last label" panel shows it with its order and box (issue 13 items 1 and 4). Screenshot:
zpl-label-preview.png (docs/screenshots with PACKSTATION_SCREENSHOTS=1)."""

from __future__ import annotations

import pytest

from tests.gui.e2e_support import LiveStation, station_config

pytestmark = pytest.mark.gui


@pytest.fixture
def station(qtbot, qasync_loop, tmp_path, emulator):
    emulator.label_format = "zpl"
    live = LiveStation(qtbot, station_config(tmp_path, emulator)).start()
    yield live
    live.close()


def test_zpl_label_prints_on_the_receipt_head_and_shows_in_the_preview(station, emulator, screenshot_dir):
    emulator.seed_shipment("ORD-Z1", [("SKU-MUG", "Enamel mug", 1)])
    station.wedge("ORD-Z1")
    station.wedge("SKU-MUG")
    station.wait_idle()

    tracking = station.view.boxes[0].tracking_number
    (box,) = station.shown_boxes()
    assert box.chip == "LABEL PRINTED"
    assert station.printed_codes() == [tracking]  # the ZPL label, rendered and read back from ESC/POS
    preview = station.window.label_preview
    assert preview.has_image and not preview.image_label.pixmap().isNull()
    assert preview.caption.text() == "Order ORD-Z1, box 1"
    assert station.window.grab().save(str(screenshot_dir / "zpl-label-preview.png"))
