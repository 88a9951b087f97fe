"""The station's memory: one SQLite file holding scans, packing sessions, boxes, the outbox, print jobs
and the last known server state of shipments. The screen shows what this database says.

``Store`` is the one object the rest of the app talks to. Each public method is one short transaction
(a few statements, well under a millisecond on a local disk). The pieces live in mixins by topic:
``BoxesMixin`` (boxes and their booking), ``OutboxMixin`` (API operations waiting to be sent) and
``PrintJobsMixin`` (``packstation.domain.printing.PrintJobRepository``).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from packstation.adapters.store.boxes import BoxesMixin
from packstation.adapters.store.connection import Database
from packstation.adapters.store.outbox_repo import OutboxMixin
from packstation.adapters.store.pickups import PickupsMixin
from packstation.adapters.store.print_jobs import PrintJobsMixin
from packstation.adapters.store.schema import SCHEMA_VERSION, migrate
from packstation.adapters.store.stats_repo import StatsMixin
from packstation.domain.models import ModelError, Shipment

log = logging.getLogger(__name__)

SESSION_STATES = ("open", "parked", "completed", "cancelled")


class Store(BoxesMixin, OutboxMixin, PrintJobsMixin, PickupsMixin, StatsMixin):
    """The station database. Create with ``Store.open(path)``; ``close()`` at shutdown."""

    def __init__(self, db: Database, *, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self._clock = clock

    @classmethod
    def open(cls, path: Path | str, *, clock: Callable[[], float] = time.time) -> Store:
        """Open (creating if needed) and migrate the database, then recover what a crash left behind:
        operations caught in flight become "outcome unknown" (reconciled before any resend) and print
        jobs caught mid-send become failed (a person decides whether to reprint)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        db = Database(path)
        try:
            migrate(db)
            store = cls(db, clock=clock)
            interrupted = store.recover_interrupted_ops()
            jobs = store.recover_interrupted_print_jobs()
        except BaseException:
            db.close()
            raise
        if interrupted or jobs:
            log.info(
                "Recovered after an interruption: %d operation(s) to reconcile, %d print job(s)",
                interrupted,
                jobs,
            )
        return store

    @property
    def path(self) -> Path:
        return self.db.path

    @property
    def schema_version(self) -> int:
        return SCHEMA_VERSION

    def close(self) -> None:
        self.db.close()

    def integrity_check(self) -> str:
        rows = self.db.query("PRAGMA integrity_check")
        return "\n".join(str(r[0]) for r in rows)

    # ------------------------------------------------------------------ scans (append-only)

    def log_scan(
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
            return int(cur.lastrowid)

    def scans(self, *, session_id: str | None = None, limit: int = 1000) -> list[dict[str, Any]]:
        if session_id is None:
            rows = self.db.query("SELECT * FROM scans ORDER BY id DESC LIMIT ?", (limit,))
        else:
            rows = self.db.query(
                "SELECT * FROM scans WHERE session_id = ? ORDER BY id DESC LIMIT ?", (session_id, limit)
            )
        return [dict(r) for r in reversed(rows)]

    def scan_count(self) -> int:
        return int(self.db.scalar("SELECT COUNT(*) FROM scans"))

    # ------------------------------------------------------------------ shipment cache

    def cache_shipment(self, shipment: Shipment) -> None:
        """Remember the server's latest answer for this shipment (as received, in the model's JSON)."""
        with self.db.write() as conn:
            conn.execute(
                "INSERT INTO shipments_cache (id, external_id, tos_id, json, fetched_at)"
                " VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT(id) DO UPDATE SET external_id = excluded.external_id,"
                " tos_id = excluded.tos_id, json = excluded.json, fetched_at = excluded.fetched_at",
                (
                    shipment.id,
                    shipment.external_id,
                    shipment.tos_id,
                    json.dumps(shipment.to_json(), separators=(",", ":")),
                    self._clock(),
                ),
            )

    def cached_shipment(self, order_key: str) -> Shipment | None:
        """The cached shipment whose id, external_id or tos_id is ``order_key`` (newest first)."""
        row = self.db.query_one(
            "SELECT json FROM shipments_cache WHERE id = ?1 OR external_id = ?1 OR tos_id = ?1"
            " ORDER BY (id = ?1) DESC, fetched_at DESC LIMIT 1",
            (order_key,),
        )
        if row is None:
            return None
        try:
            return Shipment.from_api(json.loads(row["json"]))
        except (ValueError, ModelError) as exc:
            log.warning("Ignoring an unreadable cached shipment for %s: %s", order_key, exc)
            return None

    def cached_at(self, shipment_id: str) -> float | None:
        return self.db.scalar("SELECT fetched_at FROM shipments_cache WHERE id = ?", (shipment_id,))

    # ------------------------------------------------------------------ packing sessions

    def save_session(
        self,
        session_id: str,
        *,
        order_key: str,
        shipment_id: str | None,
        state: str,
        packer: str,
        snapshot: dict[str, Any],
        slip_wanted: bool = False,
    ) -> None:
        """Save a session; ``slip_wanted`` records, in the same transaction, that its packing slip is
        owed (it stays owed until its print job is queued or it is skipped, whatever crashes between)."""
        if state not in SESSION_STATES:
            raise ValueError(f"unknown session state {state!r}")
        with self.db.write() as conn:
            self._upsert_session(conn, session_id, order_key, shipment_id, state, packer, snapshot)
            if slip_wanted:
                conn.execute(
                    "UPDATE packing_sessions SET slip = 'wanted' WHERE id = ? AND slip IS NULL", (session_id,)
                )

    def sessions_owed_a_slip(self) -> list[dict[str, Any]]:
        rows = self.db.query("SELECT * FROM packing_sessions WHERE slip = 'wanted' ORDER BY updated_at")
        return [_session(r) for r in rows]

    def skip_slip(self, session_id: str) -> None:
        """The slip cannot be made (no order details here, a render error): stop owing it."""
        with self.db.write() as conn:
            conn.execute(
                "UPDATE packing_sessions SET slip = 'skipped' WHERE id = ? AND slip = 'wanted'", (session_id,)
            )

    def _upsert_session(self, conn, session_id, order_key, shipment_id, state, packer, snapshot) -> None:
        now = self._clock()
        conn.execute(
            "INSERT INTO packing_sessions (id, order_key, shipment_id, state, packer, snapshot,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(id) DO UPDATE SET order_key = excluded.order_key,"
            " shipment_id = excluded.shipment_id, state = excluded.state, packer = excluded.packer,"
            " snapshot = excluded.snapshot, updated_at = excluded.updated_at",
            (session_id, order_key, shipment_id, state, packer, _dumps(snapshot), now, now),
        )

    def _update_snapshot(
        self, conn, session_id: str, snapshot: dict[str, Any], state: str | None = None
    ) -> None:
        cur = conn.execute(
            "UPDATE packing_sessions SET snapshot = ?, state = COALESCE(?, state), updated_at = ?"
            " WHERE id = ?",
            (_dumps(snapshot), state, self._clock(), session_id),
        )
        if cur.rowcount != 1:
            raise KeyError(f"unknown packing session {session_id!r}")

    def load_session(self, session_id: str) -> dict[str, Any] | None:
        row = self.db.query_one("SELECT * FROM packing_sessions WHERE id = ?", (session_id,))
        return None if row is None else _session(row)

    def sessions(self, states: Iterable[str] = ("open", "parked")) -> list[dict[str, Any]]:
        states = tuple(states)
        marks = ",".join("?" * len(states))
        rows = self.db.query(
            f"SELECT * FROM packing_sessions WHERE state IN ({marks}) ORDER BY updated_at", states
        )
        return [_session(r) for r in rows]


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def _session(row) -> dict[str, Any]:
    data = dict(row)
    data["snapshot"] = json.loads(data["snapshot"] or "{}")
    return data
