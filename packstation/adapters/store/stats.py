"""Reads for the packer statistics: the day's scans, boxes and sessions as plain rows (the domain's
``compute_day_stats`` does the arithmetic), and the number of labels still waiting to print."""

from __future__ import annotations

from typing import Any

from packstation.adapters.store.connection import Repository


class StatsReads(Repository):
    def day_rows(self, since: float, until: float) -> dict[str, list[dict[str, Any]]]:
        """Scans, boxes (closed in the window) and sessions (changed in the window) between two times."""
        scans = self.db.query(
            "SELECT ts, packer, outcome, session_id FROM scans WHERE ts >= ? AND ts < ? ORDER BY id",
            (since, until),
        )
        boxes = self.db.query(
            "SELECT packer, created_at, state FROM boxes WHERE created_at >= ? AND created_at < ?",
            (since, until),
        )
        sessions = self.db.query(
            "SELECT id, packer, state, created_at, updated_at FROM packing_sessions"
            " WHERE updated_at >= ? AND updated_at < ?",
            (since, until),
        )
        return {
            "scans": [dict(r) for r in scans],
            "boxes": [dict(r) for r in boxes],
            "sessions": [dict(r) for r in sessions],
        }

    def labels_waiting(self) -> int:
        """Closed, not voided boxes whose label has not printed yet (any day)."""
        return int(
            self.db.scalar(
                "SELECT COUNT(*) FROM boxes WHERE state IN ('queued', 'booking', 'booked', 'failed')"
            )
        )
