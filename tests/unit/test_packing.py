"""PackingSession: matching, boxes, voids, and exact snapshot round trips."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from packstation.domain.models import Shipment
from packstation.domain.packing import (
    DEFAULT_BOX_TYPES,
    AliasCsvError,
    OrderLine,
    PackingOrder,
    PackingSession,
    PackOutcome,
    SessionState,
    SnapshotError,
    order_from_shipment,
    parse_alias_csv,
)
from packstation.domain.view import BoxState

M = DEFAULT_BOX_TYPES[1]
ORDER = PackingOrder(
    order_id="ORD-1",
    shipment_id="shp-1",
    lines=(OrderLine("SKU-A", "Blue mug", 2), OrderLine("SKU-B", "Plate", 1), OrderLine("SKU-C", "", 3)),
    keys=("ORD-1", "tos-1", "shp-1"),
)
ALIASES = {"7310865004703": "SKU-A", "7310865009999": "SKU-OTHER"}


def session(**kw) -> PackingSession:
    return PackingSession(ORDER, session_id="s1", aliases=ALIASES, **kw)


def test_first_item_opens_box_one_and_counts():
    s = session()
    assert s.open_box is None and not s.has_progress
    result = s.add_item("SKU-A")
    assert result.outcome is PackOutcome.ADDED and result.ok
    assert result.message == "SKU-A Blue mug: 1 of 2, box 1"
    assert s.open_box.number == 1 and s.open_box.items == {"SKU-A": 1}
    assert s.scanned("SKU-A") == 1 and s.has_progress


def test_alias_and_case_insensitive_sku_match():
    s = session()
    assert s.add_item("7310865004703").sku == "SKU-A"
    assert s.add_item("sku-a").sku == "SKU-A"
    assert s.scanned("SKU-A") == 2


def test_over_scan_is_refused_in_plain_words():
    s = session()
    s.add_item("SKU-B")
    result = s.add_item("SKU-B")
    assert result.outcome is PackOutcome.OVER_SCAN and not result.ok
    assert result.message == "Too many: Plate (SKU-B) needs 1, it is packed. Put this one back."
    s.add_item("SKU-A"), s.add_item("SKU-A")
    assert (
        s.add_item("SKU-A").message
        == "Too many: Blue mug (SKU-A) needs 2, all 2 are packed. Put this one back."
    )
    assert s.scanned("SKU-B") == 1 and s.scanned("SKU-A") == 2


def test_not_in_order_versus_unknown():
    s = PackingSession(ORDER, session_id="s1", aliases=ALIASES, catalogue=frozenset({"SKU-Z"}))
    other = s.add_item("7310865009999")
    assert other.outcome is PackOutcome.NOT_IN_ORDER
    assert "SKU-OTHER is not in order ORD-1" in other.message
    assert s.add_item("SKU-Z").outcome is PackOutcome.NOT_IN_ORDER
    unknown = s.add_item("NOPE")
    assert unknown.outcome is PackOutcome.UNKNOWN_CODE
    assert "Unknown barcode NOPE" in unknown.message and "Put it aside" in unknown.message
    assert s.scanned_units == 0 and s.boxes == []


def test_close_box_refuses_empty_and_records_type():
    s = session()
    assert s.close_box().outcome is PackOutcome.REFUSED
    assert "scan an item first" in s.close_box().message
    s.add_item("SKU-A")
    result = s.close_box(M)
    assert result.outcome is PackOutcome.BOX_CLOSED
    box = s.box(1)
    assert box.state is BoxState.QUEUED and box.box_type == "M" and box.dims_mm == M.dims_mm
    assert s.open_box is None
    s.add_item("SKU-A")
    assert s.open_box.number == 2


def test_new_box_rules():
    s = session()
    assert s.new_box().outcome is PackOutcome.BOX_OPENED
    assert "open and empty" in s.new_box().message
    s.add_item("SKU-A")
    refused = s.new_box()
    assert refused.outcome is PackOutcome.REFUSED and "close it first" in refused.message
    s.close_box()
    assert s.new_box().box_number == 2


def test_choose_box_type_then_close_uses_it():
    s = session()
    s.choose_box_type(M)
    s.add_item("SKU-B")
    s.close_box()
    assert s.box(1).box_type == "M"


def test_void_puts_items_back_and_keeps_the_box_visible():
    s = session()
    for code in ("SKU-A", "SKU-B"):
        s.add_item(code)
    s.close_box()
    s.add_item("SKU-C")
    result = s.void_last_closed_box()
    assert result.outcome is PackOutcome.BOX_VOIDED and "unpack its 2 units" in result.message
    assert s.scanned("SKU-A") == 0 and s.scanned("SKU-B") == 0 and s.scanned("SKU-C") == 1
    assert s.box(1).state is BoxState.VOIDED and s.box(1).items == {"SKU-A": 1, "SKU-B": 1}
    assert s.open_box.number == 2  # the open box is untouched
    assert s.void_last_closed_box().outcome is PackOutcome.REFUSED
    s.close_box()
    s.add_item("SKU-A")
    assert s.open_box.number == 3  # numbers are never reused


def test_complete_only_when_all_in_closed_boxes():
    s = session()
    for code in ["SKU-A", "SKU-A", "SKU-B", "SKU-C", "SKU-C", "SKU-C"]:
        s.add_item(code)
    assert s.all_scanned and not s.is_complete
    s.close_box()
    assert s.is_complete
    assert s.new_box().outcome is PackOutcome.REFUSED


def test_snapshot_round_trip_is_exact_and_json_safe():
    s = session(source="cache")
    s.add_item("SKU-A")
    s.close_box(M)
    s.box(1).box_id, s.box(1).local_tag, s.box(1).tracking_number = 7, "BOX-000007", "00012"
    s.add_item("SKU-C")
    s.state = SessionState.PARKED
    snap = s.to_snapshot()
    assert json.loads(json.dumps(snap)) == snap
    back = PackingSession.from_snapshot(json.loads(json.dumps(snap)), aliases=ALIASES)
    assert back.to_snapshot() == snap
    assert back.lines_view() == s.lines_view() and back.boxes_view() == s.boxes_view()
    assert back.state is SessionState.PARKED and back.source == "cache"
    assert back.add_item("7310865004703").outcome is PackOutcome.ADDED  # aliases work after restore


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.update(version=99),
        lambda d: d.pop("order"),
        lambda d: d["boxes"].append({"number": 9, "state": "open", "items": [["SKU-NOT", 1]]}),
        lambda d: d["boxes"].append({"number": 9, "state": "queued", "items": [["SKU-B", 5]]}),
        lambda d: d["boxes"].append({"number": "x", "state": "open", "items": []}),
        lambda d: d.update(state="exploded"),
        lambda d: d["order"].update(lines="nope"),
    ],
)
def test_bad_snapshots_raise_snapshot_error(mutate):
    data = json.loads(json.dumps(session().to_snapshot()))  # as read back from the store
    mutate(data)
    with pytest.raises(SnapshotError):
        PackingSession.from_snapshot(data)


def test_every_snapshot_shares_one_read_only_order_part():
    packing = session()
    first = packing.to_snapshot()
    assert packing.add_item("SKU-A").ok
    again = packing.to_snapshot()
    assert again["order"] is first["order"] and again["boxes"] != first["boxes"]
    with pytest.raises(TypeError, match="read-only"):
        again["order"]["lines"].append(["SKU-X", "late", 1])
    with pytest.raises(TypeError, match="read-only"):
        again["order"]["customer"] = "someone else"
    with pytest.raises(TypeError, match="read-only"):
        again["order"]["lines"][0][2] = 99
    copied = copy.deepcopy(again)  # a copy is plain data again, to change freely
    copied["order"]["lines"].append(["SKU-X", "late", 1])
    assert copied["order"]["lines"][:-1] == again["order"]["lines"]
    assert json.loads(json.dumps(again)) == again


def test_duplicate_skus_must_be_merged_first():
    twice = PackingOrder("O", "s", (OrderLine("A", "", 1), OrderLine("A", "", 2)))
    with pytest.raises(ValueError, match="lists a SKU twice"):
        PackingSession(twice, session_id="s")
    data = json.loads(json.dumps(session().to_snapshot()))
    data["order"]["lines"].append(["SKU-A", "again", 1])
    with pytest.raises(SnapshotError):
        PackingSession.from_snapshot(data)


def test_order_from_shipment():
    shipment = Shipment.from_api(
        {
            "id": "shp-9",
            "external_id": "ORD-9",
            "tos_id": "tos-9",
            "customer_info": {"name": "Ada Lovelace"},
            "address_to": {"name": "Ada", "postal_code": "11556", "city": "Stockholm", "country": "SE"},
            "line_items": [
                {"sku": "A", "name": "Mug", "quantity": "2"},
                {"sku": "A", "name": "Mug", "quantity": 1},
                {"sku": "B", "quantity": 0},
                {"name": "Gift card", "quantity": 1},
            ],
            "parcels": [
                {
                    "id": "p1",
                    "deliveries": [{"id": "d1", "shipping_method": "pnl-mpc", "tracking_number": "1"}],
                },
                {"id": "p2"},
            ],
        }
    )
    order = order_from_shipment(shipment)
    assert order.order_id == "ORD-9" and order.shipment_id == "shp-9"
    assert order.keys == ("ORD-9", "tos-9", "shp-9")
    assert order.lines == (OrderLine("A", "Mug", 3), OrderLine("Gift card", "Gift card", 1))
    assert order.customer == "Ada Lovelace" and order.destination == "11556 Stockholm, SE"
    assert order.shipping_method == "pnl-mpc"
    assert (order.parcels_on_shipment, order.booked_parcels) == (2, 1)
    assert PackingOrder.from_json(json.loads(json.dumps(order.to_json()))) == order


def test_order_id_falls_back_to_tos_id_then_id():
    assert order_from_shipment(Shipment(id="s", tos_id="t")).order_id == "t"
    assert order_from_shipment(Shipment(id="s")).order_id == "s"


def test_parse_alias_csv_accepts_real_world_files():
    text = "\ufeffbarcode,sku\n# comment\n\n7310865004703, SKU-A\n7310865004703,SKU-A\n123;x\n"
    with pytest.raises(AliasCsvError):  # mixed delimiters: ';' row is one cell
        parse_alias_csv(text)
    assert parse_alias_csv("\ufeffBarcode,SKU\n# c\n\n731, SKU-A,,\n731,SKU-A\n") == {"731": "SKU-A"}
    assert parse_alias_csv("731;SKU-A\n732;SKU-B\n") == {"731": "SKU-A", "732": "SKU-B"}
    assert parse_alias_csv("") == {}


def test_parse_alias_csv_reports_every_bad_line_with_its_number():
    with pytest.raises(AliasCsvError) as err:
        parse_alias_csv("1,A\nonly-one\n1,B\n2,B,extra\n,C\n")
    problems = err.value.problems
    assert [p.split(":")[0] for p in problems] == ["line 2", "line 3", "line 4", "line 5"]
    assert "already mapped to A (line 1), not B" in problems[1]
    assert str(err.value).startswith("barcode alias file: line 2")


def test_parse_alias_csv_unclosed_quote_is_an_error_not_a_crash():
    with pytest.raises(AliasCsvError):
        parse_alias_csv('1,A\n"2,B\n' + "x" * 10)


# --- properties -------------------------------------------------------------------------------------

OPS = st.lists(
    st.one_of(
        st.sampled_from(["SKU-A", "SKU-B", "SKU-C", "7310865004703", "7310865009999", "junk"]).map(
            lambda c: ("add", c)
        ),
        st.sampled_from(["close", "close_m", "new", "void", "type_m"]).map(lambda op: (op, "")),
    ),
    max_size=40,
)


def apply(s: PackingSession, op: str, arg: str) -> None:
    if op == "add":
        s.add_item(arg)
    elif op == "close":
        s.close_box()
    elif op == "close_m":
        s.close_box(M)
    elif op == "new":
        s.new_box()
    elif op == "void":
        s.void_last_closed_box()
    elif op == "type_m" and (s.open_box is None or not s.open_box.units) and not s.all_scanned:
        s.choose_box_type(M)


@settings(max_examples=150, deadline=None)
@given(OPS)
def test_invariants_and_round_trip_after_any_sequence(ops):
    s = session()
    for op, arg in ops:
        apply(s, op, arg)
        for line in ORDER.lines:
            assert 0 <= s.scanned(line.sku) <= line.expected
            in_boxes = sum(b.items.get(line.sku, 0) for b in s.boxes if b.state is not BoxState.VOIDED)
            assert in_boxes == s.scanned(line.sku)
        assert sum(1 for b in s.boxes if b.state is BoxState.OPEN) <= 1
        assert [b.number for b in s.boxes] == list(range(1, len(s.boxes) + 1))
        snap = s.to_snapshot()
        back = PackingSession.from_snapshot(json.loads(json.dumps(snap)), aliases=ALIASES)
        assert back.to_snapshot() == snap and back.lines_view() == s.lines_view()
