"""Packer statistics maths: per-hour buckets, error rate, time per order, day edges, CSV."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest

from packstation.domain.stats import compute_day_stats, day_bounds, format_duration, is_scan_error, stats_csv

DAY = date(2026, 3, 2)
START = datetime(2026, 3, 2).timestamp()


def at(hour: int, minute: int = 0, second: int = 0) -> float:
    return START + hour * 3600 + minute * 60 + second


def scan(hour, minute, packer, outcome="added", session="s1", second=0):
    return {"ts": at(hour, minute, second), "packer": packer, "outcome": outcome, "session_id": session}


def stats_for(scans=(), boxes=(), sessions=(), waiting=0):
    return compute_day_stats(
        DAY, scans=scans, boxes=boxes, sessions=sessions, day_start=START, labels_waiting=waiting
    )


def test_orders_boxes_and_errors_per_hour_per_packer():
    scans = [
        scan(9, 0, "Anna", "added", "s1"),
        scan(9, 4, "Anna", "over_scan", "s1"),
        scan(9, 6, "Anna", "box_closed", "s1"),
        scan(9, 50, "Anna", "added", "s2"),
        scan(10, 5, "Anna", "added", "s2"),
        scan(10, 7, "Bo", "refused_no_order", None),
        scan(10, 8, "Bo", "added", "s3"),
        scan(10, 9, "Bo", "not_in_order", "s3"),
        scan(10, 12, "Bo", "added", "s3"),
    ]
    boxes = [
        {"packer": "Anna", "created_at": at(9, 6), "state": "printed"},
        {"packer": "Anna", "created_at": at(10, 5), "state": "printed"},
        {"packer": "Anna", "created_at": at(10, 6), "state": "voided"},
        {"packer": "Bo", "created_at": at(10, 12), "state": "queued"},
    ]
    sessions = [
        {"id": "s1", "packer": "Anna", "state": "complete", "created_at": at(8, 59), "updated_at": at(9, 6)},
        {
            "id": "s2",
            "packer": "Anna",
            "state": "complete",
            "created_at": at(9, 49),
            "updated_at": at(10, 5),
        },
        {"id": "s3", "packer": "Bo", "state": "parked", "created_at": at(10, 8), "updated_at": at(10, 12)},
    ]
    stats = stats_for(scans, boxes, sessions, waiting=1)
    anna, bo = stats.packer("Anna"), stats.packer("Bo")
    assert [p.packer for p in stats.packers] == ["Anna", "Bo"]
    assert (anna.orders_by_hour[9], anna.orders_by_hour[10], anna.orders) == (1, 1, 2)
    assert (anna.boxes_by_hour[9], anna.boxes_by_hour[10], anna.boxes) == (1, 1, 2)  # voided not counted
    assert (anna.scans, anna.scan_errors) == (5, 1) and anna.error_rate == pytest.approx(0.2)
    assert (bo.scans, bo.scan_errors, bo.orders, bo.boxes) == (4, 2, 0, 1)  # a refusal is an error
    # First to last scan of each completed order: 6 min and 15 min.
    assert anna.order_seconds == (360.0, 900.0) and anna.avg_order_seconds == 630.0
    assert bo.avg_order_seconds is None  # nothing completed
    assert anna.active_hours == 2 and anna.orders_per_hour == 1.0 and anna.boxes_per_hour == 1.0
    assert (stats.orders, stats.boxes, stats.scans, stats.labels_waiting) == (2, 3, 9, 1)
    assert stats.error_rate == pytest.approx(3 / 9)
    assert stats.avg_order_seconds == 630.0
    assert stats.busy_hours() == range(9, 11)


def test_rows_outside_the_day_are_ignored_and_names_are_tidied():
    scans = [
        {"ts": START - 1, "packer": "Anna", "outcome": "added"},
        {"ts": at(23, 59, 59), "packer": "  Anna  ", "outcome": "garbage"},
        {"ts": START + 24 * 3600, "packer": "Anna", "outcome": "added"},
        {"ts": at(7), "packer": "", "outcome": "added"},
    ]
    stats = stats_for(scans)
    assert [p.packer for p in stats.packers] == ["Anna", "not signed in"]
    anna = stats.packer("Anna")
    assert anna.scans == 1 and anna.scans_by_hour[23] == 1 and anna.error_rate == 1.0
    assert stats.busy_hours() == range(7, 24)


def test_empty_day():
    stats = stats_for()
    assert stats.packers == () and stats.error_rate == 0.0 and stats.avg_order_seconds is None
    assert stats.busy_hours() == range(8, 17)
    assert stats_csv(stats).splitlines() == [
        "date,packer,hour,orders,boxes,scans,scan_errors,avg_order_seconds"
    ]


def test_csv_rows_per_active_hour_and_a_total_per_packer():
    scans = [scan(9, 0, "Anna", session="s1"), scan(9, 2, "Anna", session="s1", second=30)]
    sessions = [{"id": "s1", "packer": "Anna", "state": "complete", "updated_at": at(9, 3)}]
    boxes = [{"packer": "Anna", "created_at": at(9, 3), "state": "booked"}]
    rows = list(csv.DictReader(io.StringIO(stats_csv(stats_for(scans, boxes, sessions)))))
    assert rows == [
        {"date": "2026-03-02", "packer": "Anna", "hour": "09:00", "orders": "1", "boxes": "1", "scans": "2",
         "scan_errors": "0", "avg_order_seconds": ""},
        {"date": "2026-03-02", "packer": "Anna", "hour": "total", "orders": "1", "boxes": "1", "scans": "2",
         "scan_errors": "0", "avg_order_seconds": "150"},
    ]  # fmt: skip


def test_helpers():
    assert is_scan_error("over_scan") and is_scan_error("refused_complete") and not is_scan_error("added")
    assert (
        format_duration(None) == "–" and format_duration(42.4) == "42 s" and format_duration(630) == "10:30"
    )
    start, end = day_bounds(at(15, 30))
    assert (start, end - start) == (START, 24 * 3600)
