"""Packing sessions: one row per order being packed, with the domain's snapshot of it and its state
(``packstation.domain.packing.SessionState``: packing, parked, complete, cancelled), and whether its
packing slip is still owed.

``update_snapshot`` is the in-transaction step the boxes use (a box close saves the snapshot with it).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from packstation.adapters.store.connection import Repository
from packstation.adapters.store.outbox import insert_op
from packstation.adapters.store.voiding import void_in
from packstation.domain.outbox import OpKind
from packstation.domain.packing import SessionState

ACTIVE = (SessionState.PACKING, SessionState.PARKED)


def update_snapshot(
    conn: sqlite3.Connection,
    now: float,
    session_id: str,
    snapshot: dict[str, Any],
    state: SessionState | None = None,
) -> None:
    """Save a session's snapshot (and state) inside the caller's write transaction."""
    cur = conn.execute(
        "UPDATE packing_sessions SET snapshot = ?, state = COALESCE(?, state), updated_at = ? WHERE id = ?",
        (dumps(snapshot), None if state is None else state.value, now, session_id),
    )
    if cur.rowcount != 1:
        raise KeyError(f"unknown packing session {session_id!r}")


class SessionStore(Repository):
    def save(
        self,
        session_id: str,
        *,
        order_key: str,
        shipment_id: str | None,
        state: SessionState | str,
        packer: str,
        snapshot: dict[str, Any],
        slip_wanted: bool = False,
    ) -> None:
        """Save a session; ``slip_wanted`` records, in the same transaction, that its packing slip is
        owed (it stays owed until its print job is queued or it is skipped, whatever crashes between)."""
        try:
            state = SessionState(state)
        except ValueError:
            raise ValueError(f"unknown session state {state!r}") from None
        now = self._clock()
        with self.db.write() as conn:
            conn.execute(
                "INSERT INTO packing_sessions (id, order_key, shipment_id, state, packer, snapshot,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(id) DO UPDATE SET order_key = excluded.order_key,"
                " shipment_id = excluded.shipment_id, state = excluded.state, packer = excluded.packer,"
                " snapshot = excluded.snapshot, updated_at = excluded.updated_at",
                (session_id, order_key, shipment_id, state.value, packer, dumps(snapshot), now, now),
            )
            if state is SessionState.COMPLETE and shipment_id:
                # The order's clean-up (surplus parcels, the marker) rides behind its box bookings.
                exists = conn.execute(
                    "SELECT 1 FROM outbox WHERE kind = ? AND payload = ?",
                    (OpKind.SETTLE_ORDER.value, json.dumps({"session_id": session_id}, sort_keys=True)),
                ).fetchone()
                if exists is None:
                    insert_op(
                        self.db.tables(),
                        now,
                        OpKind.SETTLE_ORDER,
                        shipment_id,
                        {"session_id": session_id},
                        None,
                    )
            if slip_wanted:
                conn.execute(
                    "UPDATE packing_sessions SET slip = 'wanted' WHERE id = ? AND slip IS NULL", (session_id,)
                )

    def cancel(self, session_id: str, *, snapshot: dict[str, Any] | None = None) -> list[int]:
        """Cancel an order's packing: every box of the session is voided (as ``boxes.void``), the
        session becomes cancelled, in one transaction. Returns the ids of the boxes voided now."""
        with self.db.write() as conn:
            rows = conn.execute(
                "SELECT * FROM boxes WHERE session_id = ? AND state != 'voided' ORDER BY slot DESC, id DESC",
                (session_id,),
            ).fetchall()
            for row in rows:
                void_in(self.db.tables(), self._clock(), row)
            if snapshot is None:
                cur = conn.execute(
                    "UPDATE packing_sessions SET state = ?, updated_at = ? WHERE id = ?",
                    (SessionState.CANCELLED.value, self._clock(), session_id),
                )
                if cur.rowcount != 1:
                    raise KeyError(f"unknown packing session {session_id!r}")
            else:
                update_snapshot(conn, self._clock(), session_id, snapshot, SessionState.CANCELLED)
        return [int(r["id"]) for r in rows]

    def get(self, session_id: str) -> dict[str, Any] | None:
        row = self.db.query_one("SELECT * FROM packing_sessions WHERE id = ?", (session_id,))
        return None if row is None else session_row(row)

    def in_states(self, states: Iterable[SessionState | str] = ACTIVE) -> list[dict[str, Any]]:
        """Sessions in these states (default: packing or parked), least recently changed first."""
        values = tuple(SessionState(s).value for s in states)
        marks = ",".join("?" * len(values))
        rows = self.db.query(
            f"SELECT * FROM packing_sessions WHERE state IN ({marks}) ORDER BY updated_at", values
        )
        return [session_row(r) for r in rows]

    def owed_a_slip(self) -> list[dict[str, Any]]:
        rows = self.db.query("SELECT * FROM packing_sessions WHERE slip = 'wanted' ORDER BY updated_at")
        return [session_row(r) for r in rows]

    def slip_owed(self, session_id: str) -> bool:
        """True while the session's packing slip is owed (wanted and not yet queued or skipped)."""
        row = self.db.query_one("SELECT slip FROM packing_sessions WHERE id = ?", (session_id,))
        return row is not None and row["slip"] == "wanted"

    def skip_slip(self, session_id: str) -> None:
        """The slip cannot be made (no order details here, a render error): stop owing it."""
        with self.db.write() as conn:
            conn.execute(
                "UPDATE packing_sessions SET slip = 'skipped' WHERE id = ? AND slip = 'wanted'", (session_id,)
            )


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


_ORDER_MARK = "\x00packstation-order\x00"
_ORDER_MARK_JSON = _dumps(_ORDER_MARK)
# session id -> (a private copy of its order part, that part's JSON); a few sessions are open at once
_order_texts: OrderedDict[str, tuple[Any, str]] = OrderedDict()
_ORDER_TEXTS_KEPT = 8  # sessions open at once (current and parked) rarely exceed this
_order_texts_lock = threading.Lock()


def dumps(value: Any) -> str:
    """A session snapshot as JSON, exactly ``json.dumps(value, separators=(",", ":"), sort_keys=True)``.

    A snapshot is saved after every scan, and most of it is the order (a 2,000-line order is ~100 KB),
    which does not change while it is packed: its JSON is made once per session and spliced into the
    rest, which is small. Whether the order is unchanged is an equality test against a private copy
    (in C, a fraction of a millisecond), so a caller changing its dicts can never get stale text."""
    order = value.get("order") if isinstance(value, dict) else None
    key = value.get("session_id") if isinstance(value, dict) else None
    if not isinstance(order, dict) or not isinstance(key, str):
        return _dumps(value)
    with _order_texts_lock:  # snapshots are saved from the GUI thread and the store's worker threads
        cached = _order_texts.get(key)
        if cached is None or cached[0] != order:
            text = _dumps(order)
            cached = (json.loads(text), text)  # a private copy nobody else holds
            _order_texts[key] = cached
            while len(_order_texts) > _ORDER_TEXTS_KEPT:
                _order_texts.popitem(last=False)
        else:
            _order_texts.move_to_end(key)
    rest = _dumps({**value, "order": _ORDER_MARK})
    if rest.count(_ORDER_MARK_JSON) != 1:  # the mark also inside the data itself: do it the long way
        return _dumps(value)
    return rest.replace(_ORDER_MARK_JSON, cached[1])


def session_row(row: sqlite3.Row) -> dict[str, Any]:
    data = dict(row)
    data["snapshot"] = json.loads(data["snapshot"] or "{}")
    return data
