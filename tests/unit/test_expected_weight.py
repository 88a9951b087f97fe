"""The expected-weight check: a weighed box far off its goods' weight (order weights, else the
catalogue's) is held; within either tolerance it closes; CMD:ACCEPT-WEIGHT closes a held box only."""

from __future__ import annotations

import pytest

from packstation.domain.catalogue import CatalogueEntry, ItemCatalogue
from packstation.domain.outcomes import Outcome
from packstation.domain.packing_order import OrderLine, PackingOrder
from packstation.domain.station import Station, StationSettings
from packstation.domain.station_weight import WeightMode, weight_mismatch
from packstation.domain.view import Tone


@pytest.mark.parametrize(
    ("actual", "expected", "off"),
    [
        (800, 800, False),
        (880, 800, False),
        (881, 800, True),
        (140, 100, False),
        (151, 100, True),
        (1420, 800, True),
    ],
)
def test_off_means_beyond_both_ten_percent_and_fifty_grams(actual, expected, off):
    assert weight_mismatch(actual, expected, 10.0, 50) is off


def bench(weight_g: int | None = 400, catalogue: ItemCatalogue | None = None) -> Station:
    settings = StationSettings(packer_name="Anna", weight_mode=WeightMode.MANUAL, require_weight=True)
    station = Station(settings, aliases=catalogue)
    station.handle_scan("ORD-1", 1.0)
    lines = (OrderLine("SKU-A", "Lamp", 2, weight_g),)
    station.order_loaded("ORD-1", PackingOrder("ORD-1", "shp-1", lines, keys=("ORD-1",)), "api")
    return station


def close_with(station: Station, typed: str):
    station.handle_scan("SKU-A", 2.0)
    station.handle_scan("SKU-A", 3.0)
    effects = station.handle_scan(typed, 4.0)
    return station.view.feedback, effects


def test_a_typed_weight_far_off_holds_the_box_and_a_supervisor_accepts_it():
    station = bench()
    feedback, effects = close_with(station, "W:1500")
    assert feedback.tone is Tone.WARNING and "weighs 1.500 kg, expected 800 g" in feedback.message
    assert not any(type(e).__name__ == "CloseBox" for e in effects)
    effects = station.handle_scan("CMD:ACCEPT-WEIGHT", 5.0)
    assert effects[0].outcome is Outcome.WEIGHT_ACCEPTED and "Weight accepted by Anna" in effects[0].detail
    (close,) = [e for e in effects if type(e).__name__ == "CloseBox"]
    assert close.weight_g == 1500


def test_within_tolerance_it_closes_and_without_weights_nothing_is_checked():
    feedback, effects = close_with(bench(), "W:840")
    assert any(type(e).__name__ == "CloseBox" for e in effects), feedback.message
    feedback, effects = close_with(bench(weight_g=None), "W:5000")
    assert any(type(e).__name__ == "CloseBox" for e in effects), feedback.message


def test_the_catalogue_weight_counts_when_the_order_has_none():
    catalogue = ItemCatalogue([CatalogueEntry("SKU-A-CODE", "SKU-A", weight_g=100)])
    station = bench(weight_g=None, catalogue=catalogue)
    station.handle_scan("SKU-A-CODE", 2.0)
    station.handle_scan("SKU-A-CODE", 3.0)
    station.handle_scan("W:900", 4.0)
    assert "expected 200 g" in station.view.feedback.message


def test_accept_weight_with_nothing_held_is_refused():
    station = bench()
    effects = station.handle_scan("CMD:ACCEPT-WEIGHT", 2.0)
    assert effects[0].outcome is Outcome.REFUSED and "nothing to accept" in station.view.feedback.message
