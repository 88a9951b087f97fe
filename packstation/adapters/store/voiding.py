"""Voiding boxes and giving slots back: the in-transaction steps shared by ``boxes`` (void one box,
settle a voided box's booking) and ``sessions`` (cancel an order: void all its boxes).

Slots: a box gets slot k (the next free one for its shipment) when it is closed; slot k is filled by
parcel k on the server and by no other box (unique index). A box voided before its booking ever reached
the server gives its slot back: the later, not yet sent boxes of that shipment move down by one, so the
server's parcels and the station's slots stay in step. A box voided after booking keeps its slot (its
parcel exists; its delivery gets cancelled).
"""

from __future__ import annotations

import sqlite3

from packstation.adapters.store.outbox import finish_op, insert_op
from packstation.domain.booking import BoxState
from packstation.domain.outbox import OpKind, OpState


def void_in(conn: sqlite3.Connection, now: float, row: sqlite3.Row) -> None:
    """Void the box ``row`` inside the caller's write transaction:

    * booked box: voided, and a ``cancel_delivery`` operation for its tracking number is queued;
    * booking never sent: its operation is cancelled and the slot given back;
    * booking in flight or its outcome unknown: voided; the worker settles it (cancelling the
      delivery if the parcel turns out to exist, giving the slot back if not).
    """
    box_id = int(row["id"])
    if row["state"] == BoxState.VOIDED:
        return
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
        payload = {"tracking_number": row["tracking_number"]}
        insert_op(conn, now, OpKind.CANCEL_DELIVERY, row["shipment_id"], payload, box_id)
        return
    op = conn.execute(
        "SELECT * FROM outbox WHERE box_id = ? AND kind = ? AND state IN ('pending', 'in_flight',"
        " 'needs_attention') ORDER BY id DESC LIMIT 1",
        (box_id, OpKind.BOOK_BOX.value),
    ).fetchone()
    never_sent = op is None or (op["state"] != OpState.IN_FLIGHT and not op["outcome_unknown"])
    if never_sent and release_slot(conn, row):
        _release_parcel(conn, now, row)
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


def settle_voided_in(
    conn: sqlite3.Connection,
    now: float,
    row: sqlite3.Row,
    op_id: int,
    parcel: tuple[str | None, str | None, str] | None,
) -> None:
    """The worker's verdict on a box voided while its booking was in doubt: its parcel exists
    (``parcel`` = parcel id, delivery id, tracking number: record it and queue ``cancel_delivery``)
    or it does not (None: give the slot back)."""
    if parcel is not None:
        parcel_id, delivery_id, tracking_number = parcel
        conn.execute(
            "UPDATE boxes SET parcel_id = ?, delivery_id = ?, tracking_number = ?, updated_at = ?"
            " WHERE id = ?",
            (parcel_id, delivery_id, tracking_number, now, row["id"]),
        )
        finish_op(conn, now, op_id, OpState.DONE, "box voided: its parcel is being cancelled")
        payload = {"tracking_number": tracking_number}
        insert_op(conn, now, OpKind.CANCEL_DELIVERY, row["shipment_id"], payload, row["id"])
    else:
        release_slot(conn, row)
        _release_parcel(conn, now, row)
        finish_op(conn, now, op_id, OpState.CANCELLED, "box voided before its parcel was booked")


def _release_parcel(conn: sqlite3.Connection, now: float, row: sqlite3.Row) -> None:
    """A voided box's unbooked parcel is given up, not forgotten: the next box of the shipment takes it
    (``parcel_claims.plan_box_booking``'s ``released_parcels``), else it is cleaned up at completion."""
    if row["parcel_id"] and not row["tracking_number"]:
        conn.execute(
            "UPDATE boxes SET released_parcel_id = parcel_id, parcel_id = NULL, updated_at = ? WHERE id = ?",
            (now, row["id"]),
        )


def release_slot(conn: sqlite3.Connection, row: sqlite3.Row) -> bool:
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
