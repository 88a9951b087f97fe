"""The outbox table: API operations written in the same transaction as the local change that caused
them, claimed one at a time per shipment (the oldest active operation of a shipment blocks the later
ones), and settled as done, rescheduled, needing attention or cancelled.

``insert_op`` and ``finish_op`` are the in-transaction steps other repositories use for their
cross-table writes (a box closed with its booking operation, a voided box with its cancel).
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from typing import Any

from packstation.adapters.store.connection import Repository, insert_row
from packstation.domain.outbox import OpKind, OpState, OutboxOp
from packstation.domain.packing import SessionState

_ACTIVE = "state IN ('pending', 'in_flight', 'needs_attention')"
_HEADS = f"SELECT shipment_id, MIN(id) AS head FROM outbox WHERE {_ACTIVE} GROUP BY shipment_id"


def insert_op(
    conn: sqlite3.Connection,
    now: float,
    kind: OpKind | str,
    shipment_id: str,
    payload: dict[str, Any],
    box_id: int | None,
) -> int:
    """Add a pending operation inside the caller's write transaction."""
    row = {
        "shipment_id": shipment_id,
        "kind": OpKind(kind).value,
        "payload": json.dumps(payload, sort_keys=True),
        "box_id": box_id,
        "state": OpState.PENDING.value,
        "created_at": now,
        "updated_at": now,
    }
    return insert_row(conn, "outbox", row)


def finish_op(conn: sqlite3.Connection, now: float, op_id: int, state: OpState, note: str | None) -> None:
    """Settle an operation inside the caller's write transaction (``note`` kept as its last message)."""
    conn.execute(
        "UPDATE outbox SET state = ?, last_error = COALESCE(?, last_error), updated_at = ? WHERE id = ?",
        (state.value, note, now, op_id),
    )


class OutboxStore(Repository):
    def enqueue(
        self, kind: OpKind | str, shipment_id: str, payload: dict[str, Any], box_id: int | None = None
    ) -> int:
        """Queue an API operation (book_pickup, cancel_delivery, publish_tracking_event,
        create_shipment_from_tos) behind the shipment's earlier operations."""
        with self.db.write():
            return insert_op(self.db.connection(), self._clock(), kind, shipment_id, payload, box_id)

    def queue_packed_events(self, session_id: str, custom_event_type_id: str) -> int:
        """Once an order's session is completed and all its live boxes are booked, queue one
        ``publish_tracking_event`` ("packed") per box, never twice for a box. One transaction;
        returns how many were queued now (0: not ready yet, or already queued)."""
        with self.db.write() as conn:
            session = conn.execute(
                "SELECT state FROM packing_sessions WHERE id = ?", (session_id,)
            ).fetchone()
            if session is None or session["state"] != SessionState.COMPLETE:
                return 0
            boxes = conn.execute(
                "SELECT id, shipment_id, tracking_number FROM boxes"
                " WHERE session_id = ? AND state != 'voided'",
                (session_id,),
            ).fetchall()
            if not boxes or any(not b["tracking_number"] for b in boxes):
                return 0
            occurred_at = datetime.fromtimestamp(self._clock(), UTC).isoformat()
            queued = 0
            for box in boxes:
                exists = conn.execute(
                    "SELECT 1 FROM outbox WHERE box_id = ? AND kind = ? AND state != 'cancelled'",
                    (box["id"], OpKind.PUBLISH_TRACKING_EVENT.value),
                ).fetchone()
                if exists:
                    continue
                payload = {
                    "tracking_number": box["tracking_number"],
                    "custom_event_type_id": custom_event_type_id,
                    "occurred_at": occurred_at,
                    "tracking_status": "CUSTOM",
                }
                insert_op(
                    conn, self._clock(), OpKind.PUBLISH_TRACKING_EVENT, box["shipment_id"],
                    payload, box["id"],
                )  # fmt: skip
                queued += 1
            return queued

    # ------------------------------------------------------------------ the worker's side

    def recover_interrupted(self) -> int:
        """At start-up: operations left in flight by a crash may or may not have reached the server."""
        with self.db.write() as conn:
            cur = conn.execute(
                "UPDATE outbox SET state = 'pending', outcome_unknown = 1, next_attempt_at = 0,"
                " last_error = 'interrupted while the request was out; checking with Ingrid', updated_at = ?"
                " WHERE state = 'in_flight'",
                (self._clock(),),
            )
            conn.execute("UPDATE boxes SET state = 'queued' WHERE state = 'booking'")
            return cur.rowcount

    def due(self, now: float, limit: int) -> list[OutboxOp]:
        """The oldest active operation of each shipment, if it is pending and due; oldest due first."""
        rows = self.db.query(
            f"SELECT o.* FROM outbox o JOIN ({_HEADS}) h ON o.id = h.head"
            " WHERE o.state = 'pending' AND o.next_attempt_at <= ? ORDER BY o.next_attempt_at, o.id LIMIT ?",
            (now, limit),
        )
        return [outbox_op(r) for r in rows]

    def pending_heads(self, limit: int) -> list[OutboxOp]:
        """The pending head operations (oldest active per shipment), soonest due first."""
        rows = self.db.query(
            f"SELECT o.* FROM outbox o JOIN ({_HEADS}) h ON o.id = h.head"
            " WHERE o.state = 'pending' ORDER BY o.next_attempt_at, o.id LIMIT ?",
            (limit,),
        )
        return [outbox_op(r) for r in rows]

    def next_due_at(self) -> float | None:
        """When the earliest waiting head operation becomes due (None: nothing pending)."""
        due = self.db.scalar(
            f"SELECT MIN(o.next_attempt_at) FROM outbox o JOIN ({_HEADS}) h ON o.id = h.head"
            " WHERE o.state = 'pending'"
        )
        return None if due is None else float(due)

    def claim(self, op_id: int) -> OutboxOp | None:
        """Mark a pending operation in flight (attempts + 1) just before its request goes out.

        Durable (fsync): if the machine loses power right after the request left, the station still
        knows the operation was out and reconciles instead of forgetting it."""
        with self.db.write(durable=True) as conn:
            cur = conn.execute(
                "UPDATE outbox SET state = 'in_flight', attempts = attempts + 1, updated_at = ?"
                " WHERE id = ? AND state = 'pending'",
                (self._clock(), op_id),
            )
            if cur.rowcount != 1:
                return None
            row = conn.execute("SELECT * FROM outbox WHERE id = ?", (op_id,)).fetchone()
            if row["box_id"] is not None and row["kind"] == OpKind.BOOK_BOX:
                conn.execute(
                    "UPDATE boxes SET state = 'booking' WHERE id = ? AND state IN ('queued', 'failed')",
                    (row["box_id"],),
                )
            return outbox_op(row)

    def complete(self, op_id: int, note: str | None = None) -> None:
        with self.db.write() as conn:
            finish_op(conn, self._clock(), op_id, OpState.DONE, note)

    def complete_with(
        self, op_id: int, note: str | None, follow_ups: list[tuple[OpKind, str, dict[str, Any]]]
    ) -> None:
        """Done, and the operations it leads to (kind, shipment, payload) queued, in one transaction:
        a crash never leaves the one without the others."""
        with self.db.write() as conn:
            now = self._clock()
            for kind, shipment_id, payload in follow_ups:
                insert_op(conn, now, kind, shipment_id, payload, None)
            finish_op(conn, now, op_id, OpState.DONE, note)

    def wait(self, op_id: int, *, reason: str, until: float) -> None:
        """Not a failure: the plan says look again at ``until`` (a settle delay); the box stays queued
        and ``reason`` is what the packer reads meanwhile."""
        with self.db.write() as conn:
            conn.execute(
                # A wait is not an error: the last error stays (the box line shows ``reason``).
                "UPDATE outbox SET state = 'pending', last_error = COALESCE(last_error, ?),"
                " next_attempt_at = ?, updated_at = ? WHERE id = ? AND state = 'in_flight'",
                (reason, until, self._clock(), op_id),
            )
            conn.execute(
                "UPDATE boxes SET state = 'queued', error = ?, updated_at = ?"
                " WHERE id = (SELECT box_id FROM outbox WHERE id = ?) AND state IN ('booking', 'queued')",
                (reason, self._clock(), op_id),
            )

    def reschedule(self, op_id: int, *, error: str, next_attempt_at: float, unknown: bool = False) -> None:
        """Back to pending after a failed attempt; ``unknown`` marks that it may have been applied."""
        with self.db.write() as conn:
            conn.execute(
                "UPDATE outbox SET state = 'pending', last_error = ?, next_attempt_at = ?,"
                " outcome_unknown = MAX(outcome_unknown, ?), updated_at = ?"
                " WHERE id = ? AND state = 'in_flight'",
                (error, next_attempt_at, int(unknown), self._clock(), op_id),
            )
            conn.execute(
                "UPDATE boxes SET state = 'queued' WHERE id = (SELECT box_id FROM outbox WHERE id = ?)"
                " AND state = 'booking'",
                (op_id,),
            )

    def park(self, op_id: int, error: str, *, unknown: bool = False) -> None:
        """The server refused the operation: park it (and its shipment's later ones) for a person.
        ``unknown``: an earlier step of the attempt may have changed the server (reconcile later)."""
        with self.db.write() as conn:
            row = conn.execute("SELECT state FROM outbox WHERE id = ?", (op_id,)).fetchone()
            if row is None or row[0] != OpState.IN_FLIGHT:
                return
            finish_op(conn, self._clock(), op_id, OpState.NEEDS_ATTENTION, error)
            if unknown:
                conn.execute("UPDATE outbox SET outcome_unknown = 1 WHERE id = ?", (op_id,))
            conn.execute(
                "UPDATE boxes SET state = 'failed', error = ?, updated_at = ?"
                " WHERE id = (SELECT box_id FROM outbox WHERE id = ? AND kind = 'book_box')"
                " AND state IN ('queued', 'booking')",
                (error, self._clock(), op_id),
            )

    def retry(self, op_id: int) -> bool:
        """A person asks to try a "needs attention" operation again now."""
        with self.db.write() as conn:
            cur = conn.execute(
                "UPDATE outbox SET state = 'pending', next_attempt_at = 0, updated_at = ?"
                " WHERE id = ? AND state = 'needs_attention'",
                (self._clock(), op_id),
            )
            conn.execute(
                "UPDATE boxes SET state = 'queued', error = NULL WHERE id = (SELECT box_id FROM outbox"
                " WHERE id = ? AND kind = 'book_box') AND state = 'failed'",
                (op_id,),
            )
            return cur.rowcount == 1

    # ------------------------------------------------------------------ reading

    def depth(self) -> int:
        """Operations still to send (pending or in flight); "needs attention" ones are counted apart."""
        return int(self.db.scalar("SELECT COUNT(*) FROM outbox WHERE state IN ('pending', 'in_flight')"))

    def needs_attention(self) -> list[OutboxOp]:
        rows = self.db.query("SELECT * FROM outbox WHERE state = 'needs_attention' ORDER BY id")
        return [outbox_op(r) for r in rows]

    def needs_attention_count(self) -> int:
        return int(self.db.scalar("SELECT COUNT(*) FROM outbox WHERE state = 'needs_attention'"))

    def get(self, op_id: int) -> OutboxOp | None:
        row = self.db.query_one("SELECT * FROM outbox WHERE id = ?", (op_id,))
        return None if row is None else outbox_op(row)

    def ops(self, *, states: tuple[str, ...] | None = None, shipment_id: str | None = None) -> list[OutboxOp]:
        sql, params = "SELECT * FROM outbox WHERE 1", []
        if states:
            sql += f" AND state IN ({','.join('?' * len(states))})"
            params += list(states)
        if shipment_id is not None:
            sql += " AND shipment_id = ?"
            params.append(shipment_id)
        return [outbox_op(r) for r in self.db.query(sql + " ORDER BY id", tuple(params))]


def outbox_op(row: sqlite3.Row) -> OutboxOp:
    return OutboxOp(
        id=int(row["id"]),
        shipment_id=row["shipment_id"],
        kind=OpKind(row["kind"]),
        payload=json.loads(row["payload"] or "{}"),
        box_id=row["box_id"],
        state=OpState(row["state"]),
        attempts=int(row["attempts"]),
        next_attempt_at=float(row["next_attempt_at"]),
        last_error=row["last_error"],
        outcome_unknown=bool(row["outcome_unknown"]),
        created_at=float(row["created_at"]),
        updated_at=float(row["updated_at"]),
    )
