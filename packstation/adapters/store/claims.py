"""What the exactly-once rules (``packstation.domain.parcel_claims``) need this station to remember:
the ``add_parcel`` writes whose outcome may still be in doubt (``sent_writes``, stored durably before
each write goes out), what ``assess_open`` found when a session's order was opened (parcels booked
elsewhere, unbooked presets) with the packer's choice, and each box's recorded parcel.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime

from packstation.adapters.store.connection import Repository
from packstation.domain.parcel_claims import BoxKey, ForeignChoice, OpenRecord, SentWrite


def _key(text: str) -> BoxKey:
    station, _, box = text.partition("|")
    return BoxKey(station, box)


class ClaimStore(Repository):
    # ------------------------------------------------------------------ writes in doubt

    def add_sent_write(self, shipment_id: str, box_id: int, write: SentWrite) -> int:
        """Record an ``add_parcel`` before it is sent (fsynced: a crash after the send must find it)."""
        with self.db.write(durable=True) as conn:
            cur = conn.execute(
                "INSERT INTO sent_writes (shipment_id, box_id, box_key, sent_at, parcels_before)"
                " VALUES (?, ?, ?, ?, ?)",
                (
                    shipment_id,
                    box_id,
                    str(write.box),
                    write.sent_at.timestamp(),
                    json.dumps(sorted(write.parcels_before)),
                ),
            )
            return int(cur.lastrowid or 0)

    def sent_writes(self, shipment_id: str) -> list[SentWrite]:
        rows = self.db.query("SELECT * FROM sent_writes WHERE shipment_id = ? ORDER BY id", (shipment_id,))
        return [
            SentWrite(
                box=_key(r["box_key"]),
                sent_at=datetime.fromtimestamp(r["sent_at"], UTC),
                parcels_before=frozenset(json.loads(r["parcels_before"])),
            )
            for r in rows
        ]

    def resolve_writes(self, shipment_id: str, writes: Iterable[SentWrite]) -> None:
        """Forget writes a plan accounted for (matched by box key and send time)."""
        with self.db.write() as conn:
            for w in writes:
                conn.execute(
                    "DELETE FROM sent_writes"
                    " WHERE shipment_id = ? AND box_key = ? AND abs(sent_at - ?) < 1e-3",
                    (shipment_id, str(w.box), w.sent_at.timestamp()),
                )

    def forget_writes(self, shipment_id: str) -> None:
        """The order is complete (its surplus handled): its writes in doubt no longer matter."""
        with self.db.write() as conn:
            conn.execute("DELETE FROM sent_writes WHERE shipment_id = ?", (shipment_id,))

    # ------------------------------------------------------------------ order open

    def set_open(
        self,
        session_id: str,
        *,
        foreign_ids: Iterable[str],
        placeholder_ids: Iterable[str],
        choice: ForeignChoice | None = None,
    ) -> None:
        with self.db.write() as conn:
            cur = conn.execute(
                "UPDATE packing_sessions SET foreign_ids = ?, placeholder_ids = ?,"
                " foreign_choice = COALESCE(?, foreign_choice) WHERE id = ?",
                (
                    json.dumps(sorted(foreign_ids)),
                    json.dumps(sorted(placeholder_ids)),
                    None if choice is None else choice.value,
                    session_id,
                ),
            )
            if cur.rowcount != 1:
                raise KeyError(f"unknown packing session {session_id!r}")

    def set_choice(self, session_id: str, choice: ForeignChoice) -> None:
        """The packer's answer to "already packed elsewhere" (the session keeps its open record)."""
        with self.db.write() as conn:
            cur = conn.execute(
                "UPDATE packing_sessions SET foreign_choice = ? WHERE id = ?", (choice.value, session_id)
            )
            if cur.rowcount != 1:
                raise KeyError(f"unknown packing session {session_id!r}")

    def open_record(self, session_id: str) -> OpenRecord | None:
        """None: the order was not assessed yet (a session from before this schema, or a crash
        between opening and the assessment)."""
        row = self.db.query_one(
            "SELECT foreign_ids, placeholder_ids, foreign_choice FROM packing_sessions WHERE id = ?",
            (session_id,),
        )
        if row is None or row["foreign_ids"] is None:
            return None
        choice = row["foreign_choice"]
        return OpenRecord(
            frozenset(json.loads(row["foreign_ids"])),
            frozenset(json.loads(row["placeholder_ids"] or "[]")),
            None if choice is None else ForeignChoice(choice),
        )

    # ------------------------------------------------------------------ boxes

    def released_parcels(self, shipment_id: str) -> list[str]:
        """Parcels voided boxes of the shipment gave up unbooked, that no box holds now."""
        rows = self.db.query(
            "SELECT released_parcel_id AS pid FROM boxes WHERE shipment_id = ?1"
            " AND state = 'voided' AND released_parcel_id IS NOT NULL AND released_parcel_id NOT IN"
            " (SELECT parcel_id FROM boxes WHERE shipment_id = ?1 AND parcel_id IS NOT NULL)"
            " ORDER BY id",
            (shipment_id,),
        )
        return list(dict.fromkeys(str(r["pid"]) for r in rows))

    def record_parcel(self, box_id: int, parcel_id: str, *, durable: bool = True) -> None:
        """The box's own parcel (from its claim or its add_parcel's answer), before it is booked.
        ``durable=False`` when the server already says so (its claim for this very box in meta): a
        power cut that loses this row loses nothing the next plan does not find again."""
        with self.db.write(durable=durable) as conn:
            row = conn.execute("SELECT parcel_id FROM boxes WHERE id = ?", (box_id,)).fetchone()
            if row is None:
                raise KeyError(f"no box {box_id}")
            if row["parcel_id"] not in (None, parcel_id):
                raise ValueError(f"box {box_id} already holds parcel {row['parcel_id']}")
            conn.execute(
                "UPDATE boxes SET parcel_id = ?, updated_at = ? WHERE id = ?",
                (parcel_id, self._clock(), box_id),
            )
