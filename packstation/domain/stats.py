"""Packer statistics for one day: orders and boxes per hour per packer, scan error rate, average time per
order, labels waiting. Pure arithmetic over the rows the store gives (scans log, boxes, sessions).

Definitions (what the dashboard and its CSV mean):

* an *order* counts for the packer of its session, in the hour it was completed (session ``updated_at``);
* a *box* counts for its packer in the hour it was closed (``created_at``); voided boxes do not count;
* a *scan error* is a scan the station refused (wrong item, too many, unknown code, unreadable, a
  command that did not apply); error rate = errors / scans;
* *time per order* runs from the first to the last scan of its session (so a parked pause before the
  order was taken up again is included, a coffee break between orders is not);
* *labels waiting*: closed, not voided boxes whose label has not printed yet (station-wide).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

import msgspec

from packstation.domain.outcomes import Outcome
from packstation.domain.packing import SessionState

HOURS = 24
ERROR_OUTCOMES = frozenset(
    {Outcome.OVER_SCAN, Outcome.NOT_IN_ORDER, Outcome.UNKNOWN_CODE, Outcome.GARBAGE, Outcome.INTERNAL_ERROR}
)
UNNAMED_PACKER = "not signed in"  # scans before any badge or packer name (refused: sign in first)
CSV_COLUMNS = ("date", "packer", "hour", "orders", "boxes", "scans", "scan_errors", "avg_order_seconds")


def is_scan_error(outcome: str) -> bool:
    return outcome in ERROR_OUTCOMES or outcome.startswith("refused")


class PackerStats(msgspec.Struct, frozen=True):
    packer: str
    orders_by_hour: tuple[int, ...]  # 24 counts, index = hour of the day
    boxes_by_hour: tuple[int, ...]
    scans_by_hour: tuple[int, ...]
    errors_by_hour: tuple[int, ...]
    order_seconds: tuple[float, ...] = ()

    @property
    def orders(self) -> int:
        return sum(self.orders_by_hour)

    @property
    def boxes(self) -> int:
        return sum(self.boxes_by_hour)

    @property
    def scans(self) -> int:
        return sum(self.scans_by_hour)

    @property
    def scan_errors(self) -> int:
        return sum(self.errors_by_hour)

    @property
    def error_rate(self) -> float:
        return self.scan_errors / self.scans if self.scans else 0.0

    @property
    def active_hours(self) -> int:
        """Hours of the day in which the packer scanned, packed or closed anything."""
        return sum(
            1
            for h in range(HOURS)
            if self.scans_by_hour[h] or self.orders_by_hour[h] or self.boxes_by_hour[h]
        )

    @property
    def orders_per_hour(self) -> float:
        return self.orders / self.active_hours if self.active_hours else 0.0

    @property
    def boxes_per_hour(self) -> float:
        return self.boxes / self.active_hours if self.active_hours else 0.0

    @property
    def avg_order_seconds(self) -> float | None:
        return sum(self.order_seconds) / len(self.order_seconds) if self.order_seconds else None


class DayStats(msgspec.Struct, frozen=True):
    day: date
    packers: tuple[PackerStats, ...]
    labels_waiting: int = 0

    def packer(self, name: str) -> PackerStats | None:
        return next((p for p in self.packers if p.packer == name), None)

    @property
    def orders(self) -> int:
        return sum(p.orders for p in self.packers)

    @property
    def boxes(self) -> int:
        return sum(p.boxes for p in self.packers)

    @property
    def scans(self) -> int:
        return sum(p.scans for p in self.packers)

    @property
    def error_rate(self) -> float:
        scans = self.scans
        return sum(p.scan_errors for p in self.packers) / scans if scans else 0.0

    @property
    def avg_order_seconds(self) -> float | None:
        times = [t for p in self.packers for t in p.order_seconds]
        return sum(times) / len(times) if times else None

    def busy_hours(self) -> range:
        """The hours from the first to the last with any activity (for the charts' x axis)."""
        active = [
            h
            for h in range(HOURS)
            if any(p.scans_by_hour[h] or p.orders_by_hour[h] or p.boxes_by_hour[h] for p in self.packers)
        ]
        return range(min(active), max(active) + 1) if active else range(8, 17)


def day_bounds(now: float) -> tuple[float, float]:
    """Local midnight to midnight (unix times) of the day containing ``now``."""
    start = datetime.fromtimestamp(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return start.timestamp(), (start + timedelta(days=1)).timestamp()


def compute_day_stats(
    day: date,
    *,
    scans: Iterable[Mapping[str, Any]],
    boxes: Iterable[Mapping[str, Any]],
    sessions: Iterable[Mapping[str, Any]],
    day_start: float,
    labels_waiting: int = 0,
) -> DayStats:
    """Fold the day's rows into per-packer statistics. Rows outside the day (before ``day_start`` or
    24 h after it) are ignored, so the caller may pass a little more than the day."""
    table: dict[str, dict[str, list[int]]] = defaultdict(
        lambda: {k: [0] * HOURS for k in ("orders", "boxes", "scans", "errors")}
    )
    span: dict[str, list[float]] = {}  # session id -> [first scan, last scan]

    def hour(ts: Any) -> int | None:
        if ts is None:
            return None
        offset = float(ts) - day_start
        return int(offset // 3600) if 0 <= offset < HOURS * 3600 else None

    for scan in scans:
        h = hour(scan.get("ts"))
        if h is None:
            continue
        packer = _name(scan.get("packer"))
        table[packer]["scans"][h] += 1
        if is_scan_error(str(scan.get("outcome") or "")):
            table[packer]["errors"][h] += 1
        if scan.get("session_id"):
            first_last = span.setdefault(scan["session_id"], [float(scan["ts"]), float(scan["ts"])])
            first_last[0] = min(first_last[0], float(scan["ts"]))
            first_last[1] = max(first_last[1], float(scan["ts"]))
    for box in boxes:
        h = hour(box.get("created_at"))
        if h is not None and box.get("state") != "voided":
            table[_name(box.get("packer"))]["boxes"][h] += 1
    order_times: dict[str, list[float]] = defaultdict(list)
    for session in sessions:
        h = hour(session.get("updated_at"))
        if h is None or session.get("state") != SessionState.COMPLETE:
            continue
        packer = _name(session.get("packer"))
        table[packer]["orders"][h] += 1
        scanned = span.get(session["id"]) if session.get("id") is not None else None
        if scanned is not None:
            order_times[packer].append(scanned[1] - scanned[0])
    packers = tuple(
        PackerStats(
            packer,
            tuple(counts["orders"]),
            tuple(counts["boxes"]),
            tuple(counts["scans"]),
            tuple(counts["errors"]),
            tuple(order_times.get(packer, ())),
        )
        # Packers by name; the scans nobody was signed in for come last, under their own label.
        for packer, counts in sorted(table.items(), key=lambda kv: (kv[0] == UNNAMED_PACKER, kv[0].lower()))
    )
    return DayStats(day, packers, labels_waiting)


def stats_csv(stats: DayStats) -> str:
    """One row per packer and active hour, then one "total" row per packer (RFC 4180, CRLF)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    day = stats.day.isoformat()
    for p in stats.packers:
        for h in range(HOURS):
            row = (p.orders_by_hour[h], p.boxes_by_hour[h], p.scans_by_hour[h], p.errors_by_hour[h])
            if any(row):
                writer.writerow([day, p.packer, f"{h:02d}:00", *row, ""])
        avg = "" if p.avg_order_seconds is None else f"{p.avg_order_seconds:.0f}"
        writer.writerow([day, p.packer, "total", p.orders, p.boxes, p.scans, p.scan_errors, avg])
    return buffer.getvalue()


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    seconds = round(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}" if seconds >= 60 else f"{seconds} s"


def _name(value: Any) -> str:
    return " ".join(str(value or "").split()) or UNNAMED_PACKER
