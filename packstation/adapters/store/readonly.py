"""A read-only look at a station database file, for ``packstation doctor`` and the support bundle.

Opening the file through ``Store.open`` would migrate it and recover "interrupted" operations of an
app that may be running right now; this opens it with ``mode=ro`` and only reads: integrity, schema
version, and the outbox and print job counts by state. Tables are looked up through sqlite-utils, so a
file from an older schema (or a half-created one) reports what it has instead of failing.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any


class ReadOnlyStationFile:
    """``with ReadOnlyStationFile(path) as station: station.integrity_check()`` (raises
    ``sqlite3.Error`` when the file cannot be read at all)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=2.0)
        self._conn.row_factory = sqlite3.Row
        import sqlite_utils  # here: the store package is imported at every start, this file rarely

        self._tables = sqlite_utils.Database(self._conn, recursive_triggers=False)

    def __enter__(self) -> ReadOnlyStationFile:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._conn.close()

    def integrity_check(self) -> str:
        return "\n".join(str(row[0]) for row in self._conn.execute("PRAGMA integrity_check"))

    def schema_version(self) -> int:
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    def outbox_summary(self) -> dict[str, Any]:
        """Counts of outbox operations and print jobs by state, and the needs-attention messages."""
        tables = set(self._tables.table_names())
        summary: dict[str, Any] = {"outbox": {}, "needs_attention": [], "print_jobs": {}}
        if "outbox" in tables:
            summary["outbox"] = self._counts_by_state("outbox")
            summary["needs_attention"] = [
                {"id": r["id"], "shipment_id": r["shipment_id"], "kind": r["kind"], "error": r["last_error"]}
                for r in self._conn.execute(
                    "SELECT id, shipment_id, kind, last_error FROM outbox"
                    " WHERE state = 'needs_attention' ORDER BY id"
                )
            ]
        if "print_jobs" in tables:
            summary["print_jobs"] = self._counts_by_state("print_jobs")
        return summary

    def catalogue_summary(self) -> tuple[int, int, float | None] | None:
        """(rows, rows learned at the bench, newest change) of the catalogue; None before it exists."""
        if "catalogue" not in set(self._tables.table_names()):
            return None
        row = self._conn.execute(
            "SELECT COUNT(*), SUM(source = 'learned'), MAX(updated_at) FROM catalogue"
        ).fetchone()
        return int(row[0]), int(row[1] or 0), row[2]

    def _counts_by_state(self, table: str) -> dict[str, int]:
        rows = self._conn.execute(f"SELECT state, COUNT(*) FROM [{table}] GROUP BY state").fetchall()
        return {str(state): int(count) for state, count in rows}
