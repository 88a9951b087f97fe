"""How much the SomClient adds per call, and how fast the emulator answers.

* client overhead: ``SomClient.get_shipment`` against the emulator at zero latency, versus a bare
  ``httpx.AsyncClient`` sending the same GET and ``json.loads``-ing the answer (ratio and µs/call);
* model parsing alone: ``Shipment.from_api`` on the reference's ``shipments.get`` document;
* emulator throughput: ``shipments.get`` requests per second, sequential and with 8 concurrent
  keep-alive connections.

The emulator runs in this process (threads), so both sides share the GIL: the figures are a floor for
the real thing. Run as a script for a table: ``.venv/bin/python tests/benchmarks/test_bench_som_client.py``.
Under pytest (benchmarks disabled by default) the same code runs small and checks its answers.
"""

from __future__ import annotations

import asyncio
import base64
import json
import sys
import time
from pathlib import Path

import httpx
import pytest

from packstation.adapters.som.client import SomClient
from packstation.domain.models import Shipment
from packstation.emulator import DEMO_TOKEN, Emulator

FIXTURE = Path(__file__).parent.parent / "fixtures" / "som" / "shipments.get.json"


def _booked_shipment_id(emu: Emulator) -> str:
    request = json.loads((FIXTURE.parent / "shipments.createAndBook.request.json").read_text("utf-8"))
    request["number_of_parcels"] = 2

    async def create() -> str:
        async with SomClient(emu.base_url, DEMO_TOKEN, site_id=emu.site_id) as som:
            return (await som.create_and_book(request)).id

    return asyncio.run(create())


async def _bare_get(http: httpx.AsyncClient, shipment_id: str) -> dict:
    response = await http.get("/v1/som/shipments.get", params={"id": shipment_id})
    response.raise_for_status()
    return json.loads(response.content)


def measure(calls: int = 500, concurrency: int = 8, throughput_requests: int = 2000) -> dict[str, float]:
    """All figures in one dict; ``calls`` sequential calls per side, alternating blocks of 50."""
    with Emulator(token=DEMO_TOKEN, host="127.0.0.1", port=0, latency_ms=0, seed_demo=False) as emu:
        shipment_id = _booked_shipment_id(emu)
        auth = "Bearer " + base64.b64encode(DEMO_TOKEN.encode()).decode()

        async def main() -> dict[str, float]:
            headers = {"Authorization": auth, "Accept": "application/json"}
            async with (
                httpx.AsyncClient(base_url=emu.base_url, headers=headers) as bare,
                SomClient(emu.base_url, DEMO_TOKEN, site_id=emu.site_id) as som,
            ):
                for _ in range(20):  # warm up both connections
                    await _bare_get(bare, shipment_id)
                    await som.get_shipment(id=shipment_id)
                bare_s = client_s = 0.0
                block = max(1, min(50, calls))
                done = 0
                while done < calls:
                    n = min(block, calls - done)
                    t0 = time.perf_counter()
                    for _ in range(n):
                        doc = await _bare_get(bare, shipment_id)
                    t1 = time.perf_counter()
                    for _ in range(n):
                        shipment = await som.get_shipment(id=shipment_id)
                    t2 = time.perf_counter()
                    bare_s += t1 - t0
                    client_s += t2 - t1
                    done += n
                assert doc["shipment"]["id"] == shipment_id
                assert shipment.id == shipment_id and len(shipment.parcels) == 2 and shipment.is_booked

                t0 = time.perf_counter()
                for _ in range(min(throughput_requests, 500)):
                    await _bare_get(bare, shipment_id)
                sequential_rps = min(throughput_requests, 500) / (time.perf_counter() - t0)

                limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
                async with httpx.AsyncClient(base_url=emu.base_url, headers=headers, limits=limits) as pool:
                    per_worker = max(1, throughput_requests // concurrency)

                    async def worker() -> int:
                        for _ in range(per_worker):
                            await _bare_get(pool, shipment_id)
                        return per_worker

                    t0 = time.perf_counter()
                    served = sum(await asyncio.gather(*(worker() for _ in range(concurrency))))
                    concurrent_rps = served / (time.perf_counter() - t0)
            return {
                "bare_us": bare_s / calls * 1e6,
                "client_us": client_s / calls * 1e6,
                "sequential_rps": sequential_rps,
                "concurrent_rps": concurrent_rps,
            }

        figures = asyncio.run(main())
    document = json.loads(FIXTURE.read_text("utf-8"))["shipment"]
    rounds = max(200, calls)
    t0 = time.perf_counter()
    for _ in range(rounds):
        parsed = Shipment.from_api(document)
    figures["parse_us"] = (time.perf_counter() - t0) / rounds * 1e6
    assert parsed.parcels[0].tracking_number == "00033333333000139054"
    figures["overhead_us"] = figures["client_us"] - figures["bare_us"]
    figures["ratio"] = figures["client_us"] / figures["bare_us"]
    figures["concurrency"] = concurrency
    return figures


def format_table(f: dict[str, float]) -> str:
    rows = [
        ("bare httpx GET shipments.get + json.loads", f"{f['bare_us']:.0f} µs/call"),
        ("SomClient.get_shipment (same request + model)", f"{f['client_us']:.0f} µs/call"),
        ("client overhead per call", f"{f['overhead_us']:.0f} µs ({f['ratio']:.2f}x bare)"),
        ("  of which Shipment.from_api", f"{f['parse_us']:.0f} µs"),
        ("emulator throughput, sequential", f"{f['sequential_rps']:.0f} req/s"),
        (f"emulator throughput, {int(f['concurrency'])} concurrent", f"{f['concurrent_rps']:.0f} req/s"),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


@pytest.mark.benchmark
def test_client_overhead_and_emulator_throughput(capsys):
    figures = measure(calls=40, concurrency=4, throughput_requests=80)
    assert figures["bare_us"] > 0 and figures["client_us"] > 0 and figures["concurrent_rps"] > 0
    with capsys.disabled():
        print("\n" + format_table(figures))


@pytest.mark.benchmark
def test_bench_get_shipment_call(benchmark):
    """pytest-benchmark timing of one ``get_shipment`` round trip (run with --benchmark-enable)."""
    with Emulator(token=DEMO_TOKEN, host="127.0.0.1", port=0, latency_ms=0, seed_demo=False) as emu:
        shipment_id = _booked_shipment_id(emu)
        loop = asyncio.new_event_loop()
        try:
            som = SomClient(emu.base_url, DEMO_TOKEN, site_id=emu.site_id)
            result = benchmark(lambda: loop.run_until_complete(som.get_shipment(id=shipment_id)))
            loop.run_until_complete(som.aclose())
        finally:
            loop.close()
    assert result.id == shipment_id and result.is_booked


if __name__ == "__main__":
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    print(format_table(measure(calls=calls)))
