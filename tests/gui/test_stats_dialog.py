"""The packer statistics dashboard over a real store: a day of scans, boxes and orders by three packers
written through the store's own methods, rendered (docs/screenshots/stats.png) and exported as CSV."""

from __future__ import annotations

import csv
import io
import random
from datetime import datetime

import pytest
from PySide6.QtCore import Qt

from packstation.adapters.store import Store
from packstation.gui.stats_dialog import HourlyBarChart, StatsDialog, _nice_step
from packstation.services.stats import load_day_stats, save_stats_csv

pytestmark = pytest.mark.gui
MORNING = datetime.now().replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


class Clock:
    def __init__(self) -> None:
        self.now = MORNING

    def __call__(self) -> float:
        return self.now


def pack_a_day(tmp_path):
    """Three packers, 07:00-15:00: orders of 1-3 boxes, some wrong scans, one order still open."""
    clock = Clock()
    store = Store.open(tmp_path / "station.sqlite3", clock=clock)
    rng = random.Random(7)
    plan = {"Anna": (7, 240), "Bo": (8, 300), "Chen": (10, 420)}  # start hour, seconds per order
    number = 0
    for packer, (start, pace) in plan.items():
        clock.now = MORNING + start * 3600
        while clock.now < MORNING + 15 * 3600 - pace:
            number += 1
            session = f"s{number}"
            store.sessions.save(session, order_key=f"ORD{number}", shipment_id=f"sh{number}", state="packing",
                               packer=packer, snapshot={})  # fmt: skip
            for _box in range(rng.choice((1, 1, 2, 3))):
                for _ in range(rng.randint(1, 4)):
                    clock.now += rng.uniform(8, 30)
                    outcome = "over_scan" if rng.random() < 0.04 else "added"
                    store.scans.log(
                        raw="SKU", kind="item", outcome=outcome, session_id=session, packer=packer
                    )
                clock.now += 10
                store.boxes.close(
                    session_id=session,
                    snapshot={},
                    shipment_id=f"sh{number}",
                    box_type="M",
                    dims_mm=None,
                    weight_g=None,
                    items={},
                    packer=packer,
                    station="bench",
                )
            store.sessions.save(session, order_key=f"ORD{number}", shipment_id=f"sh{number}",
                               state="complete", packer=packer, snapshot={})  # fmt: skip
            clock.now += rng.uniform(0.5, 1.5) * pace
    with store.db.write() as conn:  # labels of all but the last three boxes printed (as if booked)
        conn.execute("UPDATE boxes SET state = 'printed' WHERE id <= (SELECT MAX(id) - 3 FROM boxes)")
    return store, clock


def test_dashboard_renders_todays_numbers_and_exports_csv(qtbot, tmp_path, screenshot_dir):
    store, clock = pack_a_day(tmp_path)
    stats = load_day_stats(store, now=clock.now)
    assert [p.packer for p in stats.packers] == ["Anna", "Bo", "Chen"]
    assert stats.labels_waiting == 3
    saved = tmp_path / "out" / "stats.csv"
    dialog = StatsDialog(lambda: stats, save_csv=save_stats_csv, choose_path=lambda name: str(saved))
    qtbot.addWidget(dialog)
    dialog.resize(1000, 680)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.tiles["orders"].text() == str(stats.orders)
    assert dialog.tiles["boxes"].text() == str(stats.boxes)
    assert dialog.tiles["errors"].text().endswith("%")
    assert dialog.table.rowCount() == 3 and dialog.table.item(1, 0).text() == "Bo"
    assert dialog.table.item(0, 1).text() == str(stats.packer("Anna").orders)
    assert dialog.orders_chart.hours.start == 7
    image = dialog.grab().toImage()
    assert image.save(str(screenshot_dir / "stats.png"))
    # The charts painted coloured bars (Anna's blue is in the orders chart).
    chart = dialog.orders_chart.grab().toImage()
    colours = {
        chart.pixelColor(x, y).name() for x in range(0, chart.width(), 3) for y in range(0, chart.height(), 3)
    }
    assert "#0072b2" in colours and "#e69f00" in colours

    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert dialog.message.text() == f"Statistics saved as {saved}."
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    totals = {r["packer"]: r for r in rows if r["hour"] == "total"}
    assert sorted(totals) == ["Anna", "Bo", "Chen"]
    assert sum(int(r["orders"]) for r in totals.values()) == stats.orders
    store.close()


def test_empty_day_and_chart_scale(qtbot):
    from datetime import date

    from packstation.domain.stats import DayStats

    dialog = StatsDialog(lambda: DayStats(date.today(), ()))
    qtbot.addWidget(dialog)
    assert dialog.message.text() == "Nothing packed today yet." and not dialog.export_button.isEnabled()
    chart = HourlyBarChart("x")
    qtbot.addWidget(chart)
    chart.resize(400, 200)
    chart.set_data(range(0, 24), [("A", [5] * 24)])
    assert not chart.grab().isNull()
    assert [_nice_step(n) for n in (1, 5, 6, 11, 24, 60, 240)] == [1, 1, 2, 5, 5, 20, 50]
