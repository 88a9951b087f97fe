"""Station properties over random scan sequences: the log comes first, counts stay sane, and what was
saved restores to the same screen."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from packstation.domain.effects import Feedback, LogScan, SaveSession
from packstation.domain.gs1 import make_tracking_number
from packstation.domain.view import BoxState, Connectivity, StatusView
from tests.unit.station_bench import ORDERS, Bench

WORDS = [
    "ORD-1", "ORD-2", "ORD-3", "tos-ORD-1", "NO-SUCH-ORDER",
    "SKU-A", "SKU-B", "SKU-C", "SKU-D", "SKU-E", "sku-e", "7310865004703", "X-1",
    "CMD:CLOSE-BOX", "CMD:NEW-BOX", "CMD:VOID-BOX", "CMD:PARK", "CMD:CANCEL", "CMD:REPRINT",
    "BOX:M", "BOX:Q", "", "\x00\x1b", "CMD:NOPE", "BOX-000001", "USER:Zed",
    make_tracking_number("0333333", 1),
]  # fmt: skip
STEPS = st.lists(
    st.one_of(
        st.sampled_from(WORDS).map(lambda w: ("scan", w)),
        st.integers(1, 6).map(lambda n: ("book", n)),
        st.integers(1, 6).map(lambda n: ("fail", n)),
        st.sampled_from(list(Connectivity)).map(lambda c: ("status", c)),
    ),
    max_size=60,
)


def check_counts(bench: Bench) -> None:
    view = bench.view
    for line in view.lines:
        assert 0 <= line.scanned <= line.expected
        in_boxes = sum(
            qty
            for box in view.boxes
            if box.state is not BoxState.VOIDED
            for sku, qty in box.items
            if sku == line.sku
        )
        assert in_boxes == line.scanned
    if view.complete:
        assert all(line.scanned == line.expected for line in view.lines)
        assert all(box.state is not BoxState.OPEN for box in view.boxes)


@settings(max_examples=200, deadline=None)
@given(STEPS, st.booleans())
def test_random_shifts_keep_the_rules_and_restore_exactly(steps, auto_close):
    bench = Bench.make(auto_close=auto_close)
    for step, arg in steps:
        if step == "scan":
            effects = bench.scan(arg)
            assert isinstance(effects[0], LogScan)
            assert sum(isinstance(e, LogScan) for e in effects) == 1
            assert sum(isinstance(e, Feedback) for e in effects) == 1
            assert effects[0].detail == next(e for e in effects if isinstance(e, Feedback)).message
            json.dumps([e.snapshot for e in effects if isinstance(e, SaveSession)])  # JSON-safe
        elif step == "book":
            bench.run(bench.station.box_booked(arg, make_tracking_number("0333333", 100 + arg)))
        elif step == "fail":
            bench.run(bench.station.box_failed(arg, "Booking refused: ask your lead."))
        else:
            bench.run(bench.station.status_changed(StatusView(connectivity=arg)))
        check_counts(bench)
        assert bench.view.prompt

    latest = {}
    for save in bench.of(SaveSession):
        latest[save.session_id] = json.loads(json.dumps(save.snapshot))
    fresh = Bench.make(auto_close=auto_close)
    fresh.station.restore(latest.values())
    current = bench.station.state.current
    if current is not None and not bench.view.complete:
        assert (fresh.view.order, fresh.view.lines, fresh.view.boxes) == (
            bench.view.order,
            bench.view.lines,
            bench.view.boxes,
        )
    else:
        assert fresh.view.order is None
    assert sorted(fresh.view.parked_orders) == sorted(bench.view.parked_orders)
    for session in bench.station.state.parked.values():
        assert fresh.station.state.parked[session.session_id].to_snapshot() == session.to_snapshot()


def test_orders_fixture_is_consistent():
    assert all(key == order.order_id for key, order in ORDERS.items())
