"""The screen is one pure projection of the station's plain state, and the scan log speaks in enums."""

from __future__ import annotations

from collections import OrderedDict

from packstation.domain.outcomes import Outcome
from packstation.domain.packing import PackingSession, PackOutcome
from packstation.domain.projection import project
from packstation.domain.station_state import Pending, StationSettings, StationState
from packstation.domain.station_weight import WeightMode
from tests.unit.station_bench import Bench, logs, order


def test_the_station_view_is_the_projection_of_its_state_after_every_step():
    bench = Bench.make()
    for raw in ("ORD-1", "SKU-A", "CMD:PARK", "ORD-2", "CMD:REPRINT", "SKU-C", "CMD:CANCEL"):
        bench.scan(raw)
        assert bench.station.view == project(bench.station.state)


def test_a_plain_state_projects_without_a_station():
    assert project(StationState()).prompt == "Sign in: scan your badge"
    session = PackingSession(order("ORD-9", ("SKU-A", 1)), session_id="s-9")
    state = StationState(
        settings=StationSettings(weight_mode=WeightMode.MANUAL),
        packer="Anna",
        current=session,
        parked=OrderedDict(p=PackingSession(order("ORD-8", ("SKU-B", 1)), session_id="p")),
        pending=Pending.CANCEL,
    )
    view = project(state)
    assert view.order is not None and view.order.order_id == "ORD-9"
    assert view.parked_orders == ("ORD-8",)
    assert view.pending_confirmation == "Scan CMD:CANCEL again to cancel order ORD-9"
    assert view.prompt == "Scan an item for box 1"
    assert view.weight_text == "No weight: type W:1.25kg"


def test_every_packing_result_is_logged_under_the_same_word():
    for result in PackOutcome:
        assert Outcome.of(result).value == result.value


def test_the_scan_log_gets_outcome_enums_with_unchanged_stored_values():
    bench = Bench.make()
    effects = bench.scan("ORD-1") + bench.scan("SKU-Z") + bench.scan("SKU-A")
    outcomes = [log.outcome for log in logs(effects)]
    assert outcomes == [Outcome.ORDER_LOOKUP, Outcome.UNKNOWN_CODE, Outcome.ADDED]
    assert all(type(o) is Outcome for o in outcomes)
    assert [o.value for o in outcomes] == ["order_lookup", "unknown_code", "added"]
