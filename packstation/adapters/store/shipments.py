"""The last known server state of shipments (as received, in the model's JSON), for offline look-ups,
packing slips and the manifest."""

from __future__ import annotations

import json
import logging

from packstation.adapters.store.connection import Repository
from packstation.domain.models import ModelError, Shipment

log = logging.getLogger(__name__)


class ShipmentCache(Repository):
    def put(self, shipment: Shipment) -> None:
        """Remember the server's latest answer for this shipment."""
        text = json.dumps(shipment.to_json(), separators=(",", ":"))
        with self.db.write() as conn:
            # Plain SQL: sqlite-utils' upsert reads the table's schema on every call, and this runs
            # with every answer the outbox records (a drain of a backlog: once per box).
            conn.execute(
                "INSERT INTO shipments_cache (id, external_id, tos_id, json, fetched_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET external_id = excluded.external_id,"
                " tos_id = excluded.tos_id, json = excluded.json, fetched_at = excluded.fetched_at",
                (shipment.id, shipment.external_id, shipment.tos_id, text, self._clock()),
            )

    def find(self, order_key: str) -> Shipment | None:
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
