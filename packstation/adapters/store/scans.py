"""The scan log: every scan as it arrived, append-only (triggers in the schema refuse updates and
deletes). The insert is raw SQL on purpose: it is the hottest write of the station (one per scan,
inline before the screen changes) and sqlite-utils' ``insert`` costs ~0.13 ms more per row (measured)."""

from __future__ import annotations

from typing import Any

from packstation.adapters.store.connection import Repository


class ScanLog(Repository):
    def log(
        self,
        *,
        raw: str,
        kind: str,
        outcome: str,
        detail: str = "",
        session_id: str | None = None,
        order_key: str | None = None,
        packer: str = "",
        station: str = "",
    ) -> int:
        with self.db.write() as conn:
            cur = conn.execute(
                "INSERT INTO scans (ts, packer, station, session_id, order_key, raw, kind, outcome, detail)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (self._clock(), packer, station, session_id, order_key, raw, kind, outcome, detail),
            )
            return int(cur.lastrowid or 0)

    def recent(self, *, session_id: str | None = None, limit: int = 1000) -> list[dict[str, Any]]:
        """The last ``limit`` scans (of one session, if given), oldest first."""
        if session_id is None:
            rows = self.db.query("SELECT * FROM scans ORDER BY id DESC LIMIT ?", (limit,))
        else:
            rows = self.db.query(
                "SELECT * FROM scans WHERE session_id = ? ORDER BY id DESC LIMIT ?", (session_id, limit)
            )
        return [dict(r) for r in reversed(rows)]

    def count(self) -> int:
        return int(self.db.scalar("SELECT COUNT(*) FROM scans"))
