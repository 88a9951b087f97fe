"""Weighing at the bench: the close-box gate on scale readings, typed weights, the live weight text."""

from __future__ import annotations

import pytest

from packstation.domain.effects import CloseBox, LogScan
from packstation.domain.packing_box import Box
from packstation.domain.scale import ScaleStatus, decode_report, encode_report
from packstation.domain.scans import ScanKind, classify
from packstation.domain.station_weight import WeightMode
from packstation.domain.view import Tone
from tests.unit.station_bench import Bench

GRAM, KILOGRAM = 2, 3


def reading(status: ScaleStatus, grams: int):
    return decode_report(encode_report(status, GRAM, 0, grams))


def scale_bench(**settings) -> Bench:
    settings.setdefault("weight_mode", WeightMode.SCALE)
    settings.setdefault("require_weight", True)
    return Bench.make(**settings)


def test_weight_scans_are_classified():
    assert classify("WEIGHT:850").kind is ScanKind.WEIGHT and classify("WEIGHT:850").value == "850"
    assert classify("w: 1.25kg").value == "1.25kg"
    assert classify("W:").kind is ScanKind.GARBAGE and "WEIGHT:850" in classify("W:").problem


def test_a_stable_reading_is_captured_when_the_box_closes():
    bench = scale_bench(auto_close=False)
    bench.run(
        bench.station.weight_changed(decode_report(encode_report(ScaleStatus.STABLE, KILOGRAM, -3, 1250)))
    )
    assert (bench.view.weight_text, bench.view.weight_state) == ("1.250 kg stable", "ok")
    bench.scans("ORD-1", "SKU-A", "SKU-A", "SKU-B", "CMD:CLOSE-BOX")
    (close,) = bench.of(CloseBox)
    assert close.weight_g == 1250 and bench.view.complete
    assert bench.view.boxes[0].weight_g == 1250
    assert Box.from_json(close.snapshot["boxes"][0]).weight_g == 1250  # kept in the session snapshot


@pytest.mark.parametrize(
    ("status", "grams", "words"),
    [
        (ScaleStatus.IN_MOTION, 900, "Scale not steady: wait for a stable weight, then close the box again."),
        (ScaleStatus.STABLE_ZERO, 0, "The scale shows zero: put the box on the scale"),
        (ScaleStatus.UNDER_ZERO, 20, "below zero"),
        (ScaleStatus.OVER_WEIGHT, 0, "too heavy for the scale"),
    ],
)
def test_zero_unstable_or_over_refuses_the_close(status, grams, words):
    bench = scale_bench(auto_close=False)
    bench.run(bench.station.weight_changed(reading(status, grams)))
    bench.scans("ORD-1", "SKU-A", "SKU-A", "SKU-B")
    bench.scan("CMD:CLOSE-BOX")
    assert bench.tone is Tone.BAD and words in bench.message and bench.message.startswith("Box not closed.")
    assert bench.of(CloseBox) == [] and not bench.view.complete
    assert bench.of(LogScan)[-1].outcome == "refused_weight"


def test_over_the_parcel_limit_is_refused():
    bench = scale_bench(auto_close=False, max_weight_g=20_000)
    bench.run(bench.station.weight_changed(reading(ScaleStatus.STABLE, 25_000)))
    bench.scans("ORD-1", "SKU-A", "SKU-A", "SKU-B", "BOX:M")
    assert bench.tone is Tone.BAD and "over the 20.000 kg limit" in bench.message
    assert bench.of(CloseBox) == []


def test_unstable_auto_close_waits_and_closes_by_itself_once_stable():
    bench = scale_bench()
    bench.run(bench.station.weight_changed(reading(ScaleStatus.IN_MOTION, 700)))
    assert (bench.view.weight_text, bench.view.weight_state) == ("700 g unstable", "warn")
    bench.scans("ORD-1", "SKU-A", "SKU-A", "SKU-B")
    assert bench.tone is Tone.WARNING and "Box 1 not closed yet. Scale not steady" in bench.message
    assert bench.counts() == {"SKU-A": 2, "SKU-B": 1} and bench.of(CloseBox) == []
    bench.run(bench.station.weight_changed(reading(ScaleStatus.STABLE, 812)))
    (close,) = bench.of(CloseBox)
    assert close.weight_g == 812 and bench.view.complete and bench.tone is Tone.GOOD
    # Further readings do not close anything more.
    bench.run(bench.station.weight_changed(reading(ScaleStatus.STABLE_ZERO, 0)))
    assert len(bench.of(CloseBox)) == 1 and bench.view.weight_text == "Scale empty"


def test_unplugged_scale_says_so_and_typed_weight_is_the_fallback():
    bench = scale_bench(auto_close=False)
    bench.scans("ORD-1", "SKU-A", "SKU-A", "SKU-B")
    bench.run(bench.station.scale_failed("The scale was unplugged. Plug it in again."))
    assert bench.tone is Tone.WARNING and "type each box's weight" in bench.message
    assert (bench.view.weight_text, bench.view.weight_state) == ("No scale", "bad")
    assert "unplugged" in bench.view.weight_detail
    bench.scan("CMD:CLOSE-BOX")
    assert bench.tone is Tone.BAD and "No weight from the scale (The scale was unplugged" in bench.message
    assert "W:1.25kg" in bench.message
    bench.scan("W:1,25 kg")
    assert bench.tone is Tone.GOOD and bench.message == "Weight 1.250 kg noted for box 1."
    assert bench.view.weight_text == "1.250 kg typed"
    bench.scan("CMD:CLOSE-BOX")
    assert [c.weight_g for c in bench.of(CloseBox)] == [1250] and bench.view.complete


def test_manual_mode_typed_weight_closes_a_waiting_box_and_is_used_once():
    bench = Bench.make(
        weight_mode=WeightMode.MANUAL, require_weight=True, auto_close=True, default_box_type="S"
    )
    assert bench.view.weight_text == "No weight: type W:1.25kg"
    bench.scans("ORD-3", "SKU-A", "SKU-D")
    bench.scan("WEIGHT:640")
    bench.scan("CMD:CLOSE-BOX")
    bench.scans("SKU-D", "SKU-E", "SKU-E", "SKU-E")  # the last unit: auto-close waits for a weight
    assert bench.tone is Tone.WARNING and "Type the box's weight first (W:1.25kg)" in bench.message
    bench.scan("weight:2 kg")
    assert [c.weight_g for c in bench.of(CloseBox)] == [640, 2000] and bench.view.complete
    assert "Order ORD-3 complete" in bench.message


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("W:1.25", "Say the unit"),
        ("W:abc", "is not a weight"),
        ("W:0", "more than zero"),
        ("W:5 st", "Unknown unit"),
    ],
)
def test_bad_typed_weights_are_refused_with_what_to_type(typed, words):
    bench = Bench.make(weight_mode=WeightMode.MANUAL, require_weight=True)
    bench.scans("ORD-1", "SKU-A")
    bench.scan(typed)
    assert bench.tone is Tone.BAD and words in bench.message
    assert bench.view.weight_text == "No weight: type W:1.25kg"


def test_typed_weights_can_be_switched_off_and_need_an_order():
    bench = scale_bench(manual_weight=False)
    bench.scan("W:850")
    assert bench.tone is Tone.BAD and "No order is open" in bench.message
    bench.scans("ORD-1", "SKU-A", "W:850")
    assert bench.tone is Tone.BAD and "switched off" in bench.message


def test_without_a_required_weight_boxes_close_unweighed_or_with_what_was_read():
    bench = scale_bench(require_weight=False)
    bench.run(bench.station.weight_changed(reading(ScaleStatus.IN_MOTION, 300)))
    bench.scans("ORD-1", "SKU-A", "SKU-A", "SKU-B")
    assert [c.weight_g for c in bench.of(CloseBox)] == [None] and bench.view.complete
    off = Bench.make()
    off.scans("ORD-1", "SKU-A", "SKU-A", "W:900g", "SKU-B")
    assert [c.weight_g for c in off.of(CloseBox)] == [900] and off.view.weight_text == ""
