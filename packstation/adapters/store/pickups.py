"""Pickup runs (end of day) and "packed" tracking events in the station database.

``start_run`` puts, in one transaction, every booked box not handed over yet into the open run
and queues one ``book_pickup`` operation per tracking number (never a second one while the first is still
active or done). The schema's trigger stamps ``handed_over_at`` when such an operation completes, in the
same transaction. The manifest reads the run's handed-over boxes with the last known server state.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from packstation.adapters.store.connection import Repository, insert_row
from packstation.adapters.store.outbox import insert_op
from packstation.domain.end_of_day import PickupProgress
from packstation.domain.models import ModelError, Shipment
from packstation.domain.outbox import OpKind

# A box left behind by an earlier run (its pickup was refused) joins the current one.
_ELIGIBLE = "tracking_number IS NOT NULL AND state != 'voided' AND handed_over_at IS NULL"


class PickupStore(Repository):
    def open_run(self) -> str | None:
        """The run started and not finished yet (an end of day still going on), if any."""
        run = self.db.scalar(
            "SELECT id FROM pickup_runs WHERE finished_at IS NULL ORDER BY started_at DESC LIMIT 1"
        )
        return None if run is None else str(run)

    def start_run(self, station: str = "") -> str:
        """Continue the open run or start one, and queue the pickups of every booked box that is not
        handed over and not in the run yet. Safe to call again at any time: nothing is queued twice."""
        now = self._clock()
        with self.db.write(durable=True) as conn:
            row = conn.execute(
                "SELECT id FROM pickup_runs WHERE finished_at IS NULL ORDER BY started_at DESC LIMIT 1"
            ).fetchone()
            run_id = row[0] if row else f"run-{uuid.uuid4().hex[:12]}"
            if row is None:
                run = {"id": run_id, "station": station, "started_at": now}
                insert_row(conn, "pickup_runs", run)
            boxes = conn.execute(
                f"SELECT id, shipment_id, tracking_number FROM boxes WHERE {_ELIGIBLE} ORDER BY id"
            ).fetchall()
            for box in boxes:
                queued = conn.execute(
                    "SELECT 1 FROM outbox WHERE box_id = ? AND kind = ? AND state != 'cancelled' LIMIT 1",
                    (box["id"], OpKind.BOOK_PICKUP.value),
                ).fetchone()
                if queued is None:
                    insert_op(
                        conn,
                        now,
                        OpKind.BOOK_PICKUP,
                        box["shipment_id"],
                        {"tracking_number": box["tracking_number"]},
                        box["id"],
                    )
                conn.execute("UPDATE boxes SET pickup_run = ? WHERE id = ?", (run_id, box["id"]))
        return run_id

    def candidates(self) -> int:
        """Booked boxes not handed over and not in a pickup run yet: what an end of day would add."""
        return int(
            self.db.scalar(
                f"SELECT COUNT(*) FROM boxes WHERE {_ELIGIBLE} AND (pickup_run IS NULL OR pickup_run NOT IN"
                " (SELECT id FROM pickup_runs WHERE finished_at IS NULL))"
            )
        )

    def progress(self, run_id: str | None) -> PickupProgress:
        if run_id is None:
            return PickupProgress(None, 0, 0)
        row = self.db.query_one(
            "SELECT COUNT(*) AS total, COUNT(handed_over_at) AS done FROM boxes"
            " WHERE pickup_run = ? AND state != 'voided'",
            (run_id,),
        )
        refused = self.db.query(
            "SELECT b.tracking_number, o.last_error FROM boxes b JOIN outbox o ON o.box_id = b.id"
            " WHERE b.pickup_run = ? AND b.handed_over_at IS NULL AND o.kind = ?"
            " AND o.state = 'needs_attention' ORDER BY b.id",
            (run_id, OpKind.BOOK_PICKUP.value),
        )
        attention = tuple(f"{r['tracking_number']}: {r['last_error'] or 'refused'}" for r in refused)
        total, done = (0, 0) if row is None else (int(row["total"]), int(row["done"]))
        return PickupProgress(run_id, total, done, attention)

    def handed_over_boxes(self, run_id: str) -> list[tuple[dict[str, Any], Shipment | None]]:
        """The run's handed-over boxes (oldest first), each with its shipment's last known server state."""
        rows = self.db.query(
            "SELECT b.id, b.shipment_id, b.tracking_number, b.weight_g, b.length_mm, b.width_mm,"
            " b.height_mm, b.handed_over_at, b.tracked, s.order_key, c.json AS shipment_json FROM boxes b"
            " LEFT JOIN packing_sessions s ON s.id = b.session_id"
            " LEFT JOIN shipments_cache c ON c.id = b.shipment_id"
            " WHERE b.pickup_run = ? AND b.handed_over_at IS NOT NULL AND b.state != 'voided'"
            " ORDER BY b.id",
            (run_id,),
        )
        result = []
        for row in rows:
            data = dict(row)
            shipment = None
            if data.pop("shipment_json"):
                try:
                    shipment = Shipment.from_api(json.loads(row["shipment_json"]))
                except (ValueError, ModelError):
                    shipment = None
            result.append((data, shipment))
        return result

    def run_started_at(self, run_id: str) -> float | None:
        started = self.db.scalar("SELECT started_at FROM pickup_runs WHERE id = ?", (run_id,))
        return None if started is None else float(started)

    def finish_run(self, run_id: str) -> None:
        with self.db.write() as conn:
            conn.execute(
                "UPDATE pickup_runs SET finished_at = COALESCE(finished_at, ?) WHERE id = ?",
                (self._clock(), run_id),
            )
