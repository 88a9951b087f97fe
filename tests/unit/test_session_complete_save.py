"""A completed session is saved again at every box event after completion (a booking, a label
printed): its settle_order operation was queued with the completion, so those saves must not look
for it again (the look-up reads the whole outbox, ~90,000 rows at 30 days' retention)."""

from __future__ import annotations

from packstation.adapters.store import Store
from packstation.domain.outbox import OpKind


def _save(store: Store, state: str) -> None:
    store.sessions.save("s1", order_key="O1", shipment_id="shp-1", state=state, packer="p", snapshot={})


def test_the_settle_operation_is_queued_once_and_not_looked_for_again(tmp_path):
    store = Store.open(tmp_path / "station.sqlite3")
    try:
        _save(store, "packing")
        _save(store, "complete")
        statements: list[str] = []
        store.db.connection().set_trace_callback(statements.append)
        _save(store, "complete")
        _save(store, "complete")
        store.db.connection().set_trace_callback(None)
        settles = [op for op in store.outbox.ops() if op.kind is OpKind.SETTLE_ORDER]
        assert len(settles) == 1
        assert not [s for s in statements if "FROM outbox" in s]
    finally:
        store.close()
