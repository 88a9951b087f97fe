"""Boxes: closing one (with its outbox operation), voiding, and recording the parcel it became.

Slots: a box gets slot k (the next free one for its shipment) when it is closed; slot k is filled by
parcel k on the server and by no other box (unique index). A box voided before its booking ever reached
the server gives its slot back: the later, not yet sent boxes of that shipment move down by one, so the
server's parcels and the station's slots stay in step. A box voided after booking keeps its slot (its
parcel exists; its delivery gets cancelled).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from packstation.domain.booking import BoxRecord, BoxState
from packstation.domain.outbox import OpKind, OpState
from packstation.domain.printing import PrintJobKind


class BoxesMixin:
    db: Any
    _clock: Any

    # ------------------------------------------------------------------ closing and voiding

    def close_box(
        self,
        *,
        session_id: str,
        snapshot: dict[str, Any],
        shipment_id: str,
        box_type: str,
        dims_mm: tuple[int, int, int] | None,
        weight_g: int | None,
        items: dict[str, int],
        packer: str,
        station: str,
    ) -> BoxRecord:
        """One transaction: save the session snapshot, insert the box (queued, next slot, local tag)
        and its ``book_box`` outbox operation. After this returns, the box survives any crash."""
        length, width, height = dims_mm if dims_mm else (None, None, None)
        now = self._clock()
        with self.db.write() as conn:
            self._update_snapshot(conn, session_id, snapshot)
            slot = conn.execute(
                "SELECT COALESCE(MAX(slot), 0) + 1 FROM boxes WHERE shipment_id = ? AND slot IS NOT NULL",
                (shipment_id,),
            ).fetchone()[0]
            cur = conn.execute(
                "INSERT INTO boxes (session_id, shipment_id, slot, state, box_type, length_mm, width_mm,"
                " height_mm, weight_g, packer, station, items, created_at, updated_at)"
                " VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    session_id,
                    shipment_id,
                    slot,
                    box_type,
                    length,
                    width,
                    height,
                    weight_g,
                    packer,
                    station,
                    json.dumps(items, sort_keys=True),
                    now,
                    now,
                ),
            )
            box_id = int(cur.lastrowid)
            conn.execute("UPDATE boxes SET local_tag = ? WHERE id = ?", (local_tag(box_id), box_id))
            self._insert_op(conn, OpKind.BOOK_BOX, shipment_id, {}, box_id)
        return self.box(box_id)

    def void_box(self, box_id: int, *, snapshot: dict[str, Any] | None = None) -> None:
        """The packer takes a closed box apart. One transaction:

        * booked box: voided, and a ``cancel_delivery`` operation for its tracking number is queued;
        * booking never sent: its operation is cancelled and the slot given back;
        * booking in flight or its outcome unknown: voided; the worker settles it (cancelling the
          delivery if the parcel turns out to exist, giving the slot back if not).
        """
        with self.db.write() as conn:
            row = conn.execute("SELECT * FROM boxes WHERE id = ?", (box_id,)).fetchone()
            if row is None:
                raise KeyError(f"no box {box_id}")
            if snapshot is not None:
                self._update_snapshot(conn, row["session_id"], snapshot)
            self._void_in(conn, row)

    def cancel_session(self, session_id: str, *, snapshot: dict[str, Any] | None = None) -> list[int]:
        """Cancel an order's packing: every box of the session is voided (as ``void_box``), the session
        becomes ``cancelled``. Returns the ids of the boxes voided now."""
        with self.db.write() as conn:
            rows = conn.execute(
                "SELECT * FROM boxes WHERE session_id = ? AND state != 'voided' ORDER BY slot DESC, id DESC",
                (session_id,),
            ).fetchall()
            for row in rows:
                self._void_in(conn, row)
            if snapshot is None:
                cur = conn.execute(
                    "UPDATE packing_sessions SET state = 'cancelled', updated_at = ? WHERE id = ?",
                    (self._clock(), session_id),
                )
                if cur.rowcount != 1:
                    raise KeyError(f"unknown packing session {session_id!r}")
            else:
                self._update_snapshot(conn, session_id, snapshot, state="cancelled")
        return [int(r["id"]) for r in rows]

    def _void_in(self, conn: sqlite3.Connection, row: sqlite3.Row) -> None:
        box_id = int(row["id"])
        if row["state"] == BoxState.VOIDED:
            return
        now = self._clock()
        conn.execute(
            "UPDATE boxes SET state = 'voided', voided_at = ?, updated_at = ? WHERE id = ?",
            (now, now, box_id),
        )
        # A label not yet printed for a voided box must not come out.
        conn.execute(
            "UPDATE print_jobs SET state = 'done', error = 'cancelled: the box was voided', updated_at = ?"
            " WHERE box_id = ? AND state IN ('queued', 'failed', 'uncertain')",
            (now, box_id),
        )
        if row["tracking_number"]:
            self._insert_op(
                conn,
                OpKind.CANCEL_DELIVERY,
                row["shipment_id"],
                {"tracking_number": row["tracking_number"]},
                box_id,
            )
            return
        op = conn.execute(
            "SELECT * FROM outbox WHERE box_id = ? AND kind = ? AND state IN ('pending', 'in_flight',"
            " 'needs_attention') ORDER BY id DESC LIMIT 1",
            (box_id, OpKind.BOOK_BOX.value),
        ).fetchone()
        never_sent = op is None or (op["state"] != OpState.IN_FLIGHT and not op["outcome_unknown"])
        if never_sent and self._release_slot(conn, row):
            if op is not None:
                conn.execute(
                    "UPDATE outbox SET state = 'cancelled', last_error = 'box voided before booking',"
                    " updated_at = ? WHERE id = ?",
                    (now, op["id"]),
                )
        elif op is not None and op["state"] == OpState.NEEDS_ATTENTION:
            # Let the worker settle it (it reconciles with the server first).
            conn.execute(
                "UPDATE outbox SET state = 'pending', next_attempt_at = 0, updated_at = ? WHERE id = ?",
                (now, op["id"]),
            )

    def _release_slot(self, conn: sqlite3.Connection, row: sqlite3.Row) -> bool:
        """Give a never-booked box's slot back, moving the later unsent boxes down. False if unsafe."""
        slot = row["slot"]
        if slot is None:
            return True
        later = conn.execute(
            "SELECT id, slot, tracking_number FROM boxes WHERE shipment_id = ? AND slot > ? ORDER BY slot",
            (row["shipment_id"], slot),
        ).fetchall()
        if any(r["tracking_number"] for r in later):
            return False  # a later box already has a parcel: slots are fixed now
        conn.execute("UPDATE boxes SET slot = NULL WHERE id = ?", (row["id"],))
        for r in later:  # ascending, so the unique (shipment, slot) index never sees a duplicate
            conn.execute("UPDATE boxes SET slot = ? WHERE id = ?", (r["slot"] - 1, r["id"]))
        return True

    # ------------------------------------------------------------------ booking results

    def record_box_booked(
        self,
        box_id: int,
        parcel_id: str,
        delivery_id: str | None,
        tracking_number: str,
        label_url: str | None,
        *,
        printer_uri: str,
        op_id: int | None = None,
    ) -> int:
        """The box is parcel ``parcel_id``: record it and queue its LABEL print job in the same
        transaction (a booked box never loses its label). Completes outbox op ``op_id`` if given.
        Repeating it for the same parcel returns the existing job."""
        with self.db.write() as conn:
            row = conn.execute("SELECT * FROM boxes WHERE id = ?", (box_id,)).fetchone()
            if row is None:
                raise KeyError(f"no box {box_id}")
            if row["state"] == BoxState.VOIDED:
                raise ValueError(f"box {box_id} was voided")
            return self._record_booked_in(
                conn, row, parcel_id, delivery_id, tracking_number, label_url, printer_uri, op_id
            )

    def settle_box_booking(
        self,
        op_id: int,
        box_id: int,
        parcel_id: str,
        delivery_id: str | None,
        tracking_number: str,
        label_url: str | None,
        *,
        printer_uri: str,
    ) -> int | None:
        """The worker's result for a box booking, in one transaction: the box is booked (returns its
        label job), or, if the packer voided it while the request was out, its parcel is recorded
        and cancelled instead (returns None)."""
        with self.db.write() as conn:
            row = conn.execute("SELECT * FROM boxes WHERE id = ?", (box_id,)).fetchone()
            if row["state"] == BoxState.VOIDED:
                self._settle_voided_in(conn, row, op_id, parcel_id, delivery_id, tracking_number)
                return None
            return self._record_booked_in(
                conn, row, parcel_id, delivery_id, tracking_number, label_url, printer_uri, op_id
            )

    def _record_booked_in(
        self, conn, row, parcel_id, delivery_id, tracking_number, label_url, printer_uri, op_id
    ) -> int:
        box_id = int(row["id"])
        now = self._clock()
        if row["tracking_number"] and row["tracking_number"] != tracking_number:
            raise ValueError(f"box {box_id} already has tracking number {row['tracking_number']}")
        existing = conn.execute(
            "SELECT id FROM print_jobs WHERE box_id = ? AND kind = ? AND reprint_of IS NULL"
            " ORDER BY id LIMIT 1",
            (box_id, PrintJobKind.LABEL.value),
        ).fetchone()
        conn.execute(
            "UPDATE boxes SET state = CASE WHEN state = 'printed' THEN state ELSE 'booked' END,"
            " parcel_id = ?, delivery_id = ?, tracking_number = ?, label_url = ?, error = NULL,"
            " booked_at = COALESCE(booked_at, ?), updated_at = ? WHERE id = ?",
            (parcel_id, delivery_id, tracking_number, label_url, now, now, box_id),
        )
        if op_id is not None:
            self._finish_op(conn, op_id, OpState.DONE, None)
        if existing is not None:
            return int(existing["id"])
        return self._insert_print_job(
            conn,
            kind=PrintJobKind.LABEL,
            printer_uri=printer_uri,
            source_url=label_url,
            tracking_number=tracking_number,
            box_id=box_id,
        )

    def settle_voided_box(
        self,
        op_id: int,
        box_id: int,
        *,
        parcel_id: str | None = None,
        delivery_id: str | None = None,
        tracking_number: str | None = None,
    ) -> None:
        """The worker's verdict on a box voided while its booking was in doubt: its parcel exists
        (record it and queue ``cancel_delivery``) or it does not (give the slot back)."""
        with self.db.write() as conn:
            row = conn.execute("SELECT * FROM boxes WHERE id = ?", (box_id,)).fetchone()
            self._settle_voided_in(conn, row, op_id, parcel_id, delivery_id, tracking_number)

    def _settle_voided_in(self, conn, row, op_id, parcel_id, delivery_id, tracking_number) -> None:
        if tracking_number:
            conn.execute(
                "UPDATE boxes SET parcel_id = ?, delivery_id = ?, tracking_number = ?, updated_at = ?"
                " WHERE id = ?",
                (parcel_id, delivery_id, tracking_number, self._clock(), row["id"]),
            )
            self._finish_op(conn, op_id, OpState.DONE, "box voided: its parcel is being cancelled")
            self._insert_op(
                conn,
                OpKind.CANCEL_DELIVERY,
                row["shipment_id"],
                {"tracking_number": tracking_number},
                row["id"],
            )
        else:
            self._release_slot(conn, row)
            self._finish_op(conn, op_id, OpState.CANCELLED, "box voided before a parcel was created")

    def mark_box_printed(self, box_id: int) -> None:
        now = self._clock()
        with self.db.write() as conn:
            conn.execute(
                "UPDATE boxes SET state = 'printed', printed_at = ?, updated_at = ?"
                " WHERE id = ? AND state IN ('booked', 'printed')",
                (now, now, box_id),
            )

    # ------------------------------------------------------------------ reading

    def box(self, box_id: int) -> BoxRecord:
        row = self.db.query_one("SELECT * FROM boxes WHERE id = ?", (box_id,))
        if row is None:
            raise KeyError(f"no box {box_id}")
        return box_record(row)

    def boxes_for_session(self, session_id: str) -> list[BoxRecord]:
        rows = self.db.query("SELECT * FROM boxes WHERE session_id = ? ORDER BY id", (session_id,))
        return [box_record(r) for r in rows]

    def boxes_for_shipment(self, shipment_id: str) -> list[BoxRecord]:
        rows = self.db.query("SELECT * FROM boxes WHERE shipment_id = ? ORDER BY id", (shipment_id,))
        return [box_record(r) for r in rows]

    def all_boxes(self) -> list[BoxRecord]:
        return [box_record(r) for r in self.db.query("SELECT * FROM boxes ORDER BY id")]

    def box_by_tag_or_tracking(self, code: str) -> BoxRecord | None:
        row = self.db.query_one(
            "SELECT * FROM boxes WHERE local_tag = ?1 OR tracking_number = ?1 LIMIT 1", (code.strip(),)
        )
        return None if row is None else box_record(row)


def local_tag(box_id: int) -> str:
    """The temporary box tag printed when a box closes before its label exists."""
    return f"BOX-{box_id:06d}"


def box_record(row: sqlite3.Row) -> BoxRecord:
    return BoxRecord(
        id=int(row["id"]),
        session_id=row["session_id"],
        shipment_id=row["shipment_id"],
        slot=row["slot"],
        state=BoxState(row["state"]),
        local_tag=row["local_tag"] or local_tag(int(row["id"])),
        box_type=row["box_type"],
        length_mm=row["length_mm"],
        width_mm=row["width_mm"],
        height_mm=row["height_mm"],
        weight_g=row["weight_g"],
        packer=row["packer"],
        station=row["station"],
        items={str(k): int(v) for k, v in json.loads(row["items"] or "{}").items()},
        parcel_id=row["parcel_id"],
        delivery_id=row["delivery_id"],
        tracking_number=row["tracking_number"],
        label_url=row["label_url"],
        error=row["error"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        booked_at=row["booked_at"],
        printed_at=row["printed_at"],
        voided_at=row["voided_at"],
    )
