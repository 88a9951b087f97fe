"""Boxes: closing one (with its outbox operation), voiding, recording the parcel it became, reading.

Cross-table writes share one transaction: a close saves the session snapshot, the box and its
``book_box`` operation; a booking result (``Booked``) records the parcel, completes the operation and
queues the box's label print job. Slot rules: see ``voiding``.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Sequence
from typing import Any

from packstation.adapters.store.connection import Repository, insert_row
from packstation.adapters.store.outbox import finish_op, insert_op
from packstation.adapters.store.print_jobs import insert_job
from packstation.adapters.store.sessions import update_snapshot
from packstation.adapters.store.voiding import settle_voided_in, void_in
from packstation.domain.booking import Booked, BoxRecord, BoxState
from packstation.domain.outbox import OpKind, OpState
from packstation.domain.packing_box import TrackedUnit
from packstation.domain.parcel_claims import box_uuid
from packstation.domain.printing import NewPrintJob, PrintJobKind


class BoxStore(Repository):
    # ------------------------------------------------------------------ closing and voiding

    def close(
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
        tracked: Sequence[TrackedUnit] = (),
    ) -> BoxRecord:
        """One transaction: save the session snapshot, insert the box (queued, next slot, local tag)
        and its ``book_box`` outbox operation. After this returns, the box survives any crash."""
        length, width, height = dims_mm if dims_mm else (None, None, None)
        now = self._clock()
        with self.db.write() as conn:
            update_snapshot(conn, now, session_id, snapshot)
            slot = conn.execute(
                "SELECT COALESCE(MAX(slot), 0) + 1 FROM boxes WHERE shipment_id = ? AND slot IS NOT NULL",
                (shipment_id,),
            ).fetchone()[0]
            # Its uuid was known before it was closed: the order-open step may have claimed a
            # preset parcel for it already (parcel_claims.preclaims_at_open).
            [next_uuid] = _next_uuids(conn, session_id, 1)
            box = {
                "session_id": session_id,
                "shipment_id": shipment_id,
                "slot": slot,
                "state": BoxState.QUEUED.value,
                "box_type": box_type,
                "length_mm": length,
                "width_mm": width,
                "height_mm": height,
                "weight_g": weight_g,
                "packer": packer,
                "station": station,
                "items": json.dumps(items, sort_keys=True),
                "tracked": json.dumps([unit.to_json() for unit in tracked]),
                "box_uuid": next_uuid,  # names the box in meta claims, across all stations
                "created_at": now,
                "updated_at": now,
            }
            box_id = insert_row(conn, "boxes", box)
            conn.execute("UPDATE boxes SET local_tag = ? WHERE id = ?", (local_tag(box_id), box_id))
            insert_op(conn, now, OpKind.BOOK_BOX, shipment_id, {}, box_id)
        return self.get(box_id)

    def void(self, box_id: int, *, snapshot: dict[str, Any] | None = None) -> None:
        """The packer takes a closed box apart (see ``voiding.void_in``), saving the session snapshot
        in the same transaction."""
        with self.db.write() as conn:
            row = conn.execute("SELECT * FROM boxes WHERE id = ?", (box_id,)).fetchone()
            if row is None:
                raise KeyError(f"no box {box_id}")
            now = self._clock()
            if snapshot is not None:
                update_snapshot(conn, now, row["session_id"], snapshot)
            void_in(conn, now, row)

    # ------------------------------------------------------------------ booking results

    def settle_booking(self, booked: Booked, *, printer_uri: str) -> int | None:
        """The worker's result for a box booking, in one transaction: the box is booked, its operation
        done and its LABEL job queued on ``printer_uri`` (returns the job; the same job again if the
        parcel was recorded before), or, if the packer voided the box while the request was out, its
        parcel is recorded and cancelled instead (returns None)."""
        with self.db.write() as conn:
            row = conn.execute("SELECT * FROM boxes WHERE id = ?", (booked.box_id,)).fetchone()
            if row is None:
                raise KeyError(f"no box {booked.box_id}")
            parcel = (booked.parcel_id, booked.delivery_id, booked.tracking_number)
            if row["state"] == BoxState.VOIDED:
                settle_voided_in(conn, self._clock(), row, booked.op_id, parcel)
                return None
            return _record_booked_in(conn, self._clock(), row, booked, printer_uri)

    def settle_voided(self, op_id: int, box_id: int) -> None:
        """The worker's verdict on a box voided while its booking was in doubt: the server has no
        parcel for it, so its slot is given back and the operation cancelled. (A parcel that does
        exist goes through ``settle_booking``, which cancels it.)"""
        with self.db.write() as conn:
            row = conn.execute("SELECT * FROM boxes WHERE id = ?", (box_id,)).fetchone()
            if row is None:
                raise KeyError(f"no box {box_id}")
            settle_voided_in(conn, self._clock(), row, op_id, None)

    # ------------------------------------------------------------------ reading

    def get(self, box_id: int) -> BoxRecord:
        row = self.db.query_one("SELECT * FROM boxes WHERE id = ?", (box_id,))
        if row is None:
            raise KeyError(f"no box {box_id}")
        return box_record(row)

    def next_uuids(self, session_id: str, count: int) -> list[str]:
        """The uuids the session's next ``count`` boxes will have when they are closed."""
        return _next_uuids(self.db.connection(), session_id, count)

    def for_session(self, session_id: str) -> list[BoxRecord]:
        rows = self.db.query("SELECT * FROM boxes WHERE session_id = ? ORDER BY id", (session_id,))
        return [box_record(r) for r in rows]

    def for_shipment(self, shipment_id: str) -> list[BoxRecord]:
        rows = self.db.query("SELECT * FROM boxes WHERE shipment_id = ? ORDER BY id", (shipment_id,))
        return [box_record(r) for r in rows]

    def all(self) -> list[BoxRecord]:
        return [box_record(r) for r in self.db.query("SELECT * FROM boxes ORDER BY id")]

    def by_tag_or_tracking(self, code: str) -> BoxRecord | None:
        row = self.db.query_one(
            "SELECT * FROM boxes WHERE local_tag = ?1 OR tracking_number = ?1 LIMIT 1", (code.strip(),)
        )
        return None if row is None else box_record(row)


def _record_booked_in(
    conn: sqlite3.Connection, now: float, row: sqlite3.Row, booked: Booked, printer_uri: str
) -> int:
    box_id = int(row["id"])
    if row["tracking_number"] and row["tracking_number"] != booked.tracking_number:
        raise ValueError(f"box {box_id} already has tracking number {row['tracking_number']}")
    existing = conn.execute(
        "SELECT id FROM print_jobs WHERE box_id = ? AND kind = ? AND reprint_of IS NULL ORDER BY id LIMIT 1",
        (box_id, PrintJobKind.LABEL.value),
    ).fetchone()
    conn.execute(
        "UPDATE boxes SET state = CASE WHEN state = 'printed' THEN state ELSE 'booked' END,"
        " parcel_id = ?, delivery_id = ?, tracking_number = ?, label_url = ?, error = NULL,"
        " booked_at = COALESCE(booked_at, ?), updated_at = ? WHERE id = ?",
        (booked.parcel_id, booked.delivery_id, booked.tracking_number, booked.label_url, now, now, box_id),
    )
    finish_op(conn, now, booked.op_id, OpState.DONE, None)
    if existing is not None:
        return int(existing["id"])
    label = NewPrintJob(
        kind=PrintJobKind.LABEL,
        printer_uri=printer_uri,
        source_url=booked.label_url,
        tracking_number=booked.tracking_number,
        box_id=box_id,
    )
    return insert_job(conn, now, label)


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
        tracked=tuple(TrackedUnit.from_json(u) for u in json.loads(row["tracked"] or "[]")),
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
        box_uuid=row["box_uuid"] or "",
    )


def _next_uuids(conn: sqlite3.Connection, session_id: str, count: int) -> list[str]:
    """The session's next boxes' uuids (``parcel_claims.box_uuid``): numbered after every box it
    closed (voided ones count), salted with the session's creation time so that a session id used
    again elsewhere (a re-imaged bench, a test) names other boxes. Without a session row (boxes
    closed by a caller that keeps no session) each box gets a random uuid: nothing is claimed ahead."""
    row = conn.execute("SELECT created_at FROM packing_sessions WHERE id = ?", (session_id,)).fetchone()
    if row is None:
        return [uuid.uuid4().hex for _ in range(count)]
    closed = conn.execute("SELECT COUNT(*) FROM boxes WHERE session_id = ?", (session_id,)).fetchone()[0]
    salt = repr(float(row[0]))
    return [box_uuid(session_id, closed + 1 + i, salt=salt) for i in range(count)]
