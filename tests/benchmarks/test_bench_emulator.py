"""Emulator and label generator speed: add_parcel round trips over loopback, label bytes per format.

Run with ``.venv/bin/pytest tests/benchmarks/test_bench_emulator.py --benchmark-enable`` for figures;
by default (benchmarks disabled) each runs once and checks its answer.
"""

from __future__ import annotations

import base64

import httpx
import pytest

from packstation.domain import gs1, labelgen
from packstation.emulator import DEMO_TOKEN, Emulator

pytestmark = pytest.mark.benchmark


@pytest.fixture(scope="module")
def booked():
    with Emulator().start() as emu:
        shipment_id = emu.seed_shipment("ACME-BENCH", [("SKU12345", "Saucony Shadow 6000", 1)], booked=True)
        headers = {"Authorization": "Bearer " + base64.b64encode(DEMO_TOKEN.encode()).decode()}
        with httpx.Client(base_url=emu.base_url, headers=headers, timeout=10) as client:
            yield emu, client, shipment_id


def test_bench_add_parcel_round_trip(benchmark, booked):
    _emu, client, shipment_id = booked

    def add_parcel():
        answer = client.post("/v1/som/shipments.add_parcel", json={"shipment_id": shipment_id})
        return answer.json()["shipment"]["parcels"][-1]["deliveries"][0]["tracking_number"]

    number = benchmark.pedantic(add_parcel, rounds=50, iterations=1)
    assert gs1.is_valid_sscc_tracking(number)


def test_bench_label_download_svg(benchmark, booked):
    emu, client, shipment_id = booked
    url = emu.shipment_json(shipment_id)["parcels"][0]["deliveries"][0]["label_url"]
    data = benchmark(lambda: client.get(url).content)
    assert data.startswith(b"<?xml")


@pytest.mark.parametrize("fmt", labelgen.LABEL_FORMATS)
def test_bench_make_label(benchmark, fmt):
    data = benchmark(labelgen.make_test_label, fmt)
    assert len(data) > 500
