"""Contract tests: the real SomClient against the real emulator over loopback HTTP.

Every client method, the fault kinds that matter (commit-then-drop above all), auth, labels (the
token goes to the API's own origin only) and the ``packstation api`` command in a subprocess.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import os
import socket
import subprocess
import sys
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from packstation.adapters.som.client import SomClient
from packstation.adapters.som.errors import (
    AuthError,
    ConflictError,
    NotFoundError,
    OutcomeUnknownError,
    RateLimitedError,
    RetryableError,
    ServerUnavailableError,
)
from packstation.domain import gs1
from packstation.emulator import DEMO_TOKEN, Emulator, Fault

FIXTURES = Path(__file__).parent.parent / "fixtures" / "som"
REPO = Path(__file__).resolve().parents[2]
_order_numbers = itertools.count(1)


@pytest.fixture(scope="module")
def emu():
    emulator = Emulator(token=DEMO_TOKEN, host="127.0.0.1", port=0, latency_ms=0, seed_demo=False)
    emulator.start()
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture(autouse=True)
def _no_faults_left(emu):
    emu.clear_faults()
    yield
    emu.clear_faults()


def run(emu, action, *, token=DEMO_TOKEN, **client_kw):
    """Run ``action(som)`` on a fresh client (fast retries so fault tests stay quick)."""

    async def main():
        async with SomClient(emu.base_url, token, site_id=emu.site_id, **client_kw) as som:
            som.retry_backoff_s = 0.01
            return await action(som)

    return asyncio.run(main())


def create_request(**overrides) -> dict:
    request = json.loads((FIXTURES / "shipments.create.request.json").read_text(encoding="utf-8"))
    n = next(_order_numbers)
    request.update(external_id=f"CT-{os.getpid()}-{n}", tos_id=f"TOS{os.getpid()}X{n:06d}")
    request.update(overrides)
    return request


def short_read(seconds: float = 0.5) -> httpx.Timeout:
    return httpx.Timeout(connect=3.0, read=seconds, write=3.0, pool=3.0)


# --- the happy path, method by method --------------------------------------------------------------


def test_create_get_update_book_add_parcel_pickup_flow(emu):
    async def flow(som: SomClient):
        request = create_request(number_of_parcels=1)
        created = await som.create_shipment(request)
        assert not created.is_booked and created.external_id == request["external_id"]
        assert created.shipment_value == 19900 and isinstance(created.line_items[0].quantity, int)
        assert created.parcels[0].delivery is not None
        assert created.parcels[0].delivery.delivery_status == "created"
        assert created.parcels[0].tracking_number is None

        assert await som.get_shipment(id=created.id) == created
        assert (await som.get_shipment(external_id=request["external_id"])).id == created.id
        assert (await som.get_shipment(tos_id=request["tos_id"])).id == created.id
        assert (await som.find_shipment(request["external_id"])).id == created.id
        assert (await som.find_shipment(created.id)).id == created.id
        assert await som.find_shipment("NO-SUCH-ORDER") is None

        updated = await som.update_shipment(
            {"shipment_id": created.id, "shipment_value": 27800, "meta": {"spring_promo": "true"}}
        )
        assert updated.shipment_value == 27800 and updated.meta.get("spring_promo") == "true"

        booked = await som.book_parcels(created.id)
        assert booked.is_booked
        (tracking,) = [p.tracking_number for p in booked.parcels]
        assert tracking is not None and len(tracking) == 20 and gs1.is_valid_sscc_tracking(tracking)
        assert booked.parcels[0].delivery.label_url and booked.parcels[0].delivery.tracking_url

        grown = await som.add_parcel(created.id)
        assert len(grown.parcels) == 2 and grown.is_booked  # added to a booked shipment: booked at once
        assert grown.parcels_in_order()[0].id == booked.parcels[0].id
        new_tracking = grown.parcels_in_order()[1].tracking_number

        delivery = await som.get_delivery(tracking)
        assert delivery.delivery_status == "booked" and delivery.tracking_number == tracking
        picked = await som.book_pickup(tracking)
        assert picked.delivery_status == "pickup"
        await som.cancel_delivery(new_tracking)
        assert (await som.get_delivery(new_tracking)).delivery_status == "cancelled"
        return created.id

    shipment_id = run(emu, flow)
    assert emu.parcel_count(shipment_id) == 2


def test_create_and_book_and_cancel_shipment(emu):
    async def flow(som: SomClient):
        booked = await som.create_and_book(create_request(number_of_parcels=2))
        assert booked.is_booked and len(booked.parcels) == 2
        assert {p.delivery.delivery_status for p in booked.parcels} == {"pickup"}
        with pytest.raises(ConflictError) as info:
            await som.cancel_shipment(booked.id)  # already handed over for pickup
        assert info.value.trace_id and info.value.body.message

        fresh = await som.create_shipment(create_request())
        await som.cancel_shipment(fresh.id)
        again = await som.get_shipment(id=fresh.id)
        assert {d.delivery_status for d in again.deliveries} == {"cancelled"}

    run(emu, flow)


def test_tracking_events_reach_the_gateway(emu):
    occurred = datetime(2024, 5, 15, 11, 48, 1, tzinfo=UTC)

    async def flow(som: SomClient):
        await som.register_tracking_number("BST000185540", "592978", "postnord-mypack-collect", "OUTBOUND")
        await som.publish_tracking_event("BST000185540", "delayed-package", occurred)

    run(emu, flow)
    (register,) = emu.requests_for("events.registerTrackingNumber")[-1:]
    assert register.path == "/v1/events_gateway/events.registerTrackingNumber" and register.status == 200
    assert register.body == {
        "tracking_number": "BST000185540",
        "external_id": "592978",
        "carrier_product_ref": "postnord-mypack-collect",
        "direction_type": "OUTBOUND",
    }
    (publish,) = emu.requests_for("events.publishTrackingEvent")[-1:]
    assert (
        publish.body["occurred_at"] == "2024-05-15T11:48:01Z" and publish.body["tracking_status"] == "CUSTOM"
    )
    assert publish.status == 200


def test_raw_call_reaches_every_kind_of_method(emu):
    async def flow(som: SomClient):
        created = await som.call("shipments.create", create_request())
        got = await som.call("shipments.get", {"id": created["shipment"]["id"]})
        return created, got

    created, got = run(emu, flow)
    assert got["shipment"]["id"] == created["shipment"]["id"]
    assert got["shipment"]["shipment_value"] == "19900"  # raw: numbers as strings, like Ingrid


# --- errors ----------------------------------------------------------------------------------------


def test_wrong_token_is_auth_error_with_trace_id_and_no_token(emu):
    with pytest.raises(AuthError) as info:
        run(emu, lambda som: som.get_shipment(id="x"), token="wrong-token")
    exc = info.value
    assert exc.status == 401 and exc.trace_id
    assert "wrong-token" not in exc.one_line() and "HTTP 401" in exc.one_line()


def test_unknown_shipment_and_double_booking(emu):
    with pytest.raises(NotFoundError) as info:
        run(emu, lambda som: som.book_parcels("00000000-0000-0000-0000-000000000000"))
    assert info.value.trace_id and info.value.body.code == 5

    async def double(som: SomClient):
        created = await som.create_shipment(create_request())
        await som.book_parcels(created.id)
        await som.book_parcels(created.id)

    with pytest.raises(ConflictError):
        run(emu, double)


def test_commit_then_drop_on_add_parcel_is_outcome_unknown_and_the_parcel_exists(emu):
    shipment = run(emu, lambda som: som.create_shipment(create_request()))
    assert emu.parcel_count(shipment.id) == 1
    emu.add_fault(Fault(method="shipments.add_parcel", kind="commit-then-drop", calls={1}))
    with pytest.raises(OutcomeUnknownError) as info:
        run(emu, lambda som: som.add_parcel(shipment.id))
    assert info.value.method == "shipments.add_parcel"
    assert emu.parcel_count(shipment.id) == 2  # committed although no answer came
    # Reconciliation sees it, and the client did not repeat the write on its own.
    assert len(run(emu, lambda som: som.get_shipment(id=shipment.id)).parcels) == 2


def test_hang_is_outcome_unknown_for_writes_and_retryable_for_reads(emu):
    shipment = run(emu, lambda som: som.create_shipment(create_request()))
    emu.add_fault(Fault(method="shipments.bookParcels", kind="hang", calls={1}, hang_s=3.0))
    with pytest.raises(OutcomeUnknownError):
        run(emu, lambda som: som.book_parcels(shipment.id), timeout=short_read())

    emu.add_fault(Fault(method="shipments.get", kind="hang", hang_s=3.0))
    with pytest.raises(RetryableError) as info:
        run(emu, lambda som: som.get_shipment(id=shipment.id), timeout=short_read(0.3))
    assert not isinstance(info.value, OutcomeUnknownError)


def test_status_and_rate_limit_faults(emu):
    shipment = run(emu, lambda som: som.create_shipment(create_request()))
    emu.add_fault(Fault(method="shipments.bookParcels", kind="status", status=503, calls={1}))
    with pytest.raises(ServerUnavailableError) as info:
        run(emu, lambda som: som.book_parcels(shipment.id))
    assert info.value.trace_id
    assert not run(emu, lambda som: som.get_shipment(id=shipment.id)).is_booked  # 503 changed nothing

    # A read answered 429 (short Retry-After) is retried inside the client and succeeds.
    emu.add_fault(Fault(method="shipments.get", kind="rate-limit", retry_after=0.05, calls={1}))
    assert run(emu, lambda som: som.get_shipment(id=shipment.id)).id == shipment.id
    # A write answered 429 is not retried: the caller gets Retry-After.
    emu.add_fault(Fault(method="shipments.bookParcels", kind="rate-limit", retry_after=2, calls={1}))
    with pytest.raises(RateLimitedError) as limited:
        run(emu, lambda som: som.book_parcels(shipment.id))
    assert limited.value.retry_after == 2.0


# --- labels ----------------------------------------------------------------------------------------


class _RecordingServer:
    """A foreign label host: answers an SVG and records the headers it was sent."""

    def __init__(self) -> None:
        seen = self.seen = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                seen.append(dict(self.headers.items()))
                body = b'<svg xmlns="http://www.w3.org/2000/svg"/>'
                self.send_response(200)
                self.send_header("Content-Type", "image/svg+xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def _booked(emu):
    return run(emu, lambda som: som.create_and_book(create_request()))


def test_label_from_the_emulator_is_fetched_with_the_token(emu):
    shipment = _booked(emu)
    delivery = shipment.parcels[0].delivery
    label = run(emu, lambda som: som.download_label(delivery.label_url))
    assert b"<svg" in label.content[:400] and "svg" in label.content_type
    record = emu.requests_for("labels.get")[-1]
    assert record.path.endswith(f"{delivery.id}.svg")
    expected = "Bearer " + base64.b64encode(DEMO_TOKEN.encode()).decode()
    assert record.headers.get("Authorization") == expected and record.authorized


def test_label_token_is_not_sent_to_a_foreign_origin(emu):
    with _RecordingServer() as foreign:
        url = f"http://127.0.0.1:{foreign.port}/labels/x.svg"  # same host, other port: other origin
        label = run(emu, lambda som: som.download_label(url))
        assert label.content.startswith(b"<svg")
        localhost_url = f"http://localhost:{foreign.port}/labels/y.svg"
        run(emu, lambda som: som.download_label(localhost_url))
    assert len(foreign.seen) == 2
    assert all("authorization" not in {k.lower() for k in h} for h in foreign.seen)
    # And the emulator's own label, addressed as "localhost" instead of 127.0.0.1, is another origin.
    delivery = _booked(emu).parcels[0].delivery
    own = httpx.URL(delivery.label_url).copy_with(host="localhost")
    assert run(emu, lambda som: som.download_label(str(own))).content
    record = emu.requests_for("labels.get")[-1]
    assert "Authorization" not in record.headers and not record.authorized


def test_label_size_cap_against_the_emulator(emu):
    delivery = _booked(emu).parcels[0].delivery
    from packstation.adapters.som.errors import LabelTooLargeError

    with pytest.raises(LabelTooLargeError):
        run(emu, lambda som: som.download_label(delivery.label_url), max_label_bytes=100)


# --- the command line ------------------------------------------------------------------------------


def _cli(emu_url, *args, token=DEMO_TOKEN, timeout=60):
    env = {**os.environ, "PACKSTATION_API_URL": emu_url, "PACKSTATION_API_TOKEN": token}
    return subprocess.run(
        [sys.executable, "-m", "packstation", "api", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=timeout,
    )


def test_cli_prints_model_json_with_numbers(emu):
    created = run(emu, lambda som: som.create_shipment(create_request()))
    result = _cli(emu.base_url, "shipments.get", f"id={created.id}")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["shipment"]["id"] == created.id
    assert doc["shipment"]["shipment_value"] == 19900
    assert doc["shipment"]["line_items"][0]["quantity"] == 1

    booked = _cli(emu.base_url, "shipments.bookParcels", f"shipment_id={created.id}", "--compact")
    assert booked.returncode == 0, booked.stderr
    parcels = json.loads(booked.stdout)["shipment"]["parcels"]
    assert len(parcels[0]["deliveries"][0]["tracking_number"]) == 20


def test_cli_bad_token_not_found_and_unreachable_are_one_line(emu):
    bad = _cli(emu.base_url, "shipments.get", "id=x", token="not-the-token")
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1 and "HTTP 401" in bad.stderr
    assert "x-trace-id" in bad.stderr and "not-the-token" not in bad.stderr

    missing = _cli(emu.base_url, "shipments.get", "external_id=NOPE")
    assert missing.returncode != 0 and "HTTP 404" in missing.stderr and "Traceback" not in missing.stderr

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        free_port = s.getsockname()[1]
    down = _cli(f"http://127.0.0.1:{free_port}", "shipments.get", "id=x")
    assert down.returncode != 0 and "Traceback" not in down.stderr
    assert len(down.stderr.strip().splitlines()) == 1 and "cannot reach" in down.stderr


def test_cli_json_body_typed_fields_timeout_and_non_json_answer(emu, tmp_path):
    body_file = tmp_path / "order.json"
    body_file.write_text(json.dumps(create_request()), encoding="utf-8")
    created = _cli(emu.base_url, "shipments.create", "--json", f"@{body_file}", "number_of_parcels:=2")
    assert created.returncode == 0, created.stderr
    shipment = json.loads(created.stdout)["shipment"]
    assert len(shipment["parcels"]) == 2 and shipment["shipment_value"] == 19900

    added = _cli(emu.base_url, "shipments.add_parcel", f"shipment_id={shipment['id']}")
    assert added.returncode == 0, added.stderr  # site_id comes from the configuration/emulator default
    assert len(json.loads(added.stdout)["shipment"]["parcels"]) == 3

    emu.add_fault(Fault(method="shipments.bookParcels", kind="hang", hang_s=5.0))
    hung = _cli(emu.base_url, "shipments.bookParcels", f"shipment_id={shipment['id']}", "--timeout", "0.5")
    assert hung.returncode != 0 and "Traceback" not in hung.stderr
    assert len(hung.stderr.strip().splitlines()) == 1 and "may have been applied" in hung.stderr

    with _RecordingServer() as not_an_api:  # answers 200 with an SVG to everything
        odd = _cli(f"http://127.0.0.1:{not_an_api.port}", "shipments.get", "id=x")
    assert odd.returncode != 0 and "Traceback" not in odd.stderr and "instead of JSON" in odd.stderr

    bad = _cli(emu.base_url, "shipments.create", "--json", "{not json")
    assert bad.returncode != 0 and "--json is not valid JSON" in bad.stderr


def test_label_download_time_cap(emu):
    delivery = _booked(emu).parcels[0].delivery
    emu.add_fault(Fault(method="labels.get", kind="latency", delay_ms=2000))

    async def fetch(som: SomClient):
        som.label_timeout_s = 0.3
        som.read_retries = 0
        return await som.download_label(delivery.label_url)

    with pytest.raises(RetryableError, match=r"did not finish within 0\.3 s"):
        run(emu, fetch)
