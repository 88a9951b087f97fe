"""Today's packer statistics from the station database (the arithmetic is ``domain.stats``), and their
CSV export."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Any

from packstation.domain.stats import DayStats, compute_day_stats, day_bounds, stats_csv


def load_day_stats(store: Any, now: float | None = None) -> DayStats:
    now = time.time() if now is None else now
    start, end = day_bounds(now)
    rows = store.stats.day_rows(start, end)
    return compute_day_stats(
        date.fromtimestamp(now), **rows, day_start=start, labels_waiting=store.stats.labels_waiting()
    )


def save_stats_csv(stats: DayStats, path: str) -> str:
    """Write the CSV (UTF-8 with BOM for spreadsheet programs); returns a sentence for the screen."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.tmp")
    temp.write_text(stats_csv(stats), encoding="utf-8-sig", newline="")
    temp.replace(target)
    return f"Statistics saved as {target}."
