"""A session snapshot is saved after every scan; written whole, its order part (most of it) is
serialised once per session and spliced in while it is unchanged. The text in the database must stay
exactly what ``json.dumps`` gives."""

from __future__ import annotations

import copy
import json

from packstation.adapters.store.sessions import dumps
from packstation.domain.packing import PackingSession
from packstation.domain.packing_order import OrderLine, PackingOrder


def reference(value):
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def big_session() -> PackingSession:
    lines = tuple(OrderLine(f"SKU-{i:04d}", f"Article «{i}» \x00", 2) for i in range(500))
    return PackingSession(PackingOrder("ORD-1", "shp-1", lines, keys=("ORD-1",)), session_id="s-1")


def test_the_snapshot_text_is_exactly_json_dumps_across_scans():
    session = big_session()
    first = session.to_snapshot()
    assert dumps(first) == reference(first)
    assert session.add_item("SKU-0001").ok
    again = session.to_snapshot()
    assert dumps(again) == reference(again)
    assert json.loads(dumps(again)) == again


def test_a_changed_order_is_never_saved_from_stale_text():
    session = big_session()
    snapshot = copy.deepcopy(session.to_snapshot())  # plain dicts, as a caller other than the domain has
    dumps(snapshot)
    snapshot["order"]["lines"].append(["SKU-NEW", "late", 1])  # the same dict, changed after saving
    assert dumps(snapshot) == reference(snapshot)
    other = copy.deepcopy(session.to_snapshot())
    other["order"]["customer"] = "someone else"
    assert dumps(other) == reference(other)
    assert dumps(session.to_snapshot()) == reference(session.to_snapshot())


def test_a_snapshot_whose_data_contains_the_splice_mark_is_still_exact():
    session = big_session()
    snapshot = session.to_snapshot()
    tricky = {**snapshot, "source": "\x00packstation-order\x00"}
    assert dumps(tricky) == reference(tricky)
    assert dumps({"no": "order"}) == reference({"no": "order"})
