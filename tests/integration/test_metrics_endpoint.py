"""The station's Prometheus endpoint, scraped during a replay against the emulator: the values move as
the session does (scans, boxes, labels, outbox depth), including an offline period."""

from __future__ import annotations

import asyncio

import httpx
from prometheus_client.openmetrics.parser import text_string_to_metric_families
from prometheus_client.parser import text_string_to_metric_families as text_families

from packstation import __version__
from packstation.adapters.metrics import METRIC_NAMES
from packstation.app import build_services, replay, wait_until_idle
from packstation.emulator import DEMO_TOKEN
from tests.support.bench_config import bench_config

OPENMETRICS = "application/openmetrics-text; version=1.0.0"


def scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """One scrape as Prometheus makes it (OpenMetrics), as {(sample name, labels): value}."""
    response = httpx.get(f"http://127.0.0.1:{port}/metrics", headers={"Accept": OPENMETRICS}, timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/openmetrics-text")
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def total(samples, name) -> float:
    return sum(v for (n, _), v in samples.items() if n == name)


def test_the_metrics_follow_a_replay_with_an_offline_period(tmp_path, emulator, qapp):
    from packstation.gui.raster import QtSvgRasterizer

    emulator.seed_shipment("ORD-M1", [("SKU-A", "Mug", 1), ("SKU-B", "Plate", 1)])
    emulator.seed_shipment("ORD-M2", [("SKU-C", "Bowl", 1)])
    textfile = tmp_path / "textfile" / "packstation.prom"
    config = bench_config(tmp_path, emulator, metrics_listen="127.0.0.1:0", metrics_textfile=str(textfile))
    seen = {}

    async def scenario():
        services = build_services(config, DEMO_TOKEN, svg_rasterizer=QtSvgRasterizer())
        services.start()
        port = services.metrics.port
        try:
            seen["start"] = await asyncio.to_thread(scrape, port)
            submit = services.runtime.submit_scan
            # two boxes, one wrong item scanned in between; then the second order is cached (looked up)
            await replay(services, ["ORD-M1", "SKU-A", "SKU-X", "CMD:CLOSE-BOX", "SKU-B"], submit)
            assert await wait_until_idle(services, timeout=60)
            seen["packed"] = await asyncio.to_thread(scrape, port)
            await replay(services, ["ORD-M2"], submit)
            emulator.stop()
            await replay(services, ["SKU-C"], submit)  # completes the order: its box waits to be sent
            for _ in range(200):
                services.outbox.kick()
                if services.outbox.status().connectivity.value == "offline":
                    break
                await asyncio.sleep(0.05)
            seen["offline"] = await asyncio.to_thread(scrape, port)
            emulator.start()
            assert await wait_until_idle(services, timeout=60)
            seen["back"] = await asyncio.to_thread(scrape, port)
        finally:
            await services.aclose()

    asyncio.run(scenario())
    start, packed, offline, back = seen["start"], seen["packed"], seen["offline"], seen["back"]

    assert value(start, "packstation_info", version=__version__, station="bench-1") == 1
    assert value(start, "packstation_online") == 1 and value(start, "packstation_store_readable") == 1
    assert value(start, "packstation_label_latency_seconds_count") == 0
    assert total(start, "packstation_scans_total") == 0

    # ORD-M1 packed in two boxes: two labels, both within the histogram, nothing waiting
    assert value(packed, "packstation_label_latency_seconds_count") == 2
    assert value(packed, "packstation_label_latency_seconds_bucket", le="60.0") == 2
    assert value(packed, "packstation_outbox_operations", state="pending") == 0
    assert value(packed, "packstation_outbox_operations", state="done") >= 2
    assert value(packed, "packstation_packing_sessions", state="complete") == 1
    printer = config.printer
    assert value(packed, "packstation_print_jobs", state="done", printer=printer) >= 2
    assert total(packed, "packstation_scans_total") == 5
    assert total(packed, "packstation_scan_errors_total") == 1  # SKU-X is not in the order
    assert value(packed, "packstation_last_api_success_timestamp_seconds") > 0

    # offline: the third box waits in the outbox, no new label, the station says offline
    assert value(offline, "packstation_online") == 0
    assert value(offline, "packstation_connectivity", state="offline") == 1
    assert (
        value(offline, "packstation_outbox_operations", state="pending")
        + value(offline, "packstation_outbox_operations", state="in_flight")
        >= 1
    )
    assert value(offline, "packstation_label_latency_seconds_count") == 2
    assert value(offline, "packstation_packing_sessions", state="complete") == 2

    # back online: the outbox drained, the third label printed, its latency includes the offline wait
    assert value(back, "packstation_online") == 1
    assert value(back, "packstation_outbox_operations", state="pending") == 0
    assert value(back, "packstation_label_latency_seconds_count") == 3
    assert value(back, "packstation_label_latency_seconds_sum") > value(
        packed, "packstation_label_latency_seconds_sum"
    )
    assert value(back, "packstation_last_api_success_timestamp_seconds") > value(
        packed, "packstation_last_api_success_timestamp_seconds"
    )
    assert {name for name, _ in back} <= METRIC_NAMES  # the list the monitoring files are checked against

    # the textfile for node_exporter holds the same families in the text format it reads
    families = {f.name for f in text_families(textfile.read_text(encoding="utf-8"))}
    assert {
        "packstation_outbox_operations",
        "packstation_label_latency_seconds",
        "packstation_online",
    } <= families
