"""SomClient against httpx.MockTransport: requests it sends, and every error class it maps to."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime as http_date
from pathlib import Path

import httpx
import pytest

from packstation.adapters.som.client import SomClient
from packstation.adapters.som.errors import (
    AuthError,
    BadRequestError,
    ConflictError,
    LabelTooLargeError,
    MalformedResponseError,
    NetworkError,
    NotFoundError,
    OutcomeUnknownError,
    PermanentError,
    RateLimitedError,
    RetryableError,
    ServerUnavailableError,
)
from packstation.adapters.som.responses import parse_retry_after

TOKEN = "s3cr3t-token-value"
ENCODED = base64.b64encode(TOKEN.encode()).decode()
BASE = "https://api-stage.ingrid.com"
FIXTURES = Path(__file__).parent.parent / "fixtures" / "som"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


class Recorder:
    """A MockTransport whose answers are given per call; records every request."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        if callable(answer):
            return answer(request)
        return answer


def run_with(recorder, action, **client_kw):
    async def main():
        async with SomClient(
            BASE, TOKEN, site_id="site-1", transport=httpx.MockTransport(recorder), **client_kw
        ) as som:
            som.retry_backoff_s = 0.0
            return await action(som)

    return asyncio.run(main())


def ok(doc, **headers) -> httpx.Response:
    return httpx.Response(200, json=doc, headers={"x-trace-id": "T-OK", **headers})


def err(status, doc=None, **headers) -> httpx.Response:
    headers = {"x-trace-id": "T-ERR", **headers}
    if doc is None:
        return httpx.Response(status, headers=headers)
    if isinstance(doc, str | bytes):
        return httpx.Response(status, content=doc, headers=headers)
    return httpx.Response(status, json=doc, headers=headers)


INGRID_ERROR = {"code": 5, "error": "not_found", "message": "shipment not found", "details": [{"x": 1}]}


# --- what goes on the wire -------------------------------------------------------------------------


def test_requests_carry_base64_bearer_and_json_headers_on_documented_paths():
    rec = Recorder(ok(fixture("shipments.create")))
    request = {**fixture("shipments.create.request"), "packer_note": "undocumented", "tos_id": None}
    shipment = run_with(rec, lambda som: som.create_shipment(request))
    assert shipment.id == "0f8f70d8-6987-4a99-bdd7-f8dde22a1356"
    sent = rec.requests[0]
    assert sent.method == "POST" and sent.url.path == "/v1/som/shipments.create"
    assert sent.headers["authorization"] == f"Bearer {ENCODED}"
    assert sent.headers["accept"] == "application/json"
    assert sent.headers["content-type"] == "application/json"
    body = json.loads(sent.content)
    expected = fixture("shipments.create.request")
    del expected["tos_id"]
    assert body == expected  # documented fields intact, undocumented and None ones dropped


def test_gets_use_query_parameters_and_events_use_the_gateway_path():
    rec = Recorder(ok(fixture("shipments.get")), ok(fixture("deliveries.get")), ok({}), ok({}))

    async def action(som):
        await som.get_shipment(id="4e3a89d8-ac98-4476-b068-e1a960f5d45b")
        await som.get_delivery("00033333333000139047")
        await som.register_tracking_number("BST1", "592978", "postnord-mypack-collect")
        occurred = datetime(2006, 1, 2, 8, 4, 5, tzinfo=UTC)
        await som.publish_tracking_event("BST1", "delayed-package", occurred)

    run_with(rec, action)
    get_shipment, get_delivery, register, publish = rec.requests
    assert get_shipment.method == "GET" and get_shipment.url.path == "/v1/som/shipments.get"
    assert get_shipment.url.params["id"] == "4e3a89d8-ac98-4476-b068-e1a960f5d45b"
    assert get_delivery.url.params["tracking_number"] == "00033333333000139047"
    assert register.url.path == "/v1/events_gateway/events.registerTrackingNumber"
    assert json.loads(register.content) == {
        "tracking_number": "BST1",
        "external_id": "592978",
        "carrier_product_ref": "postnord-mypack-collect",
    }
    assert publish.url.path == "/v1/events_gateway/events.publishTrackingEvent"
    assert json.loads(publish.content) == {
        "tracking_number": "BST1",
        "tracking_status": "CUSTOM",
        "occurred_at": "2006-01-02T08:04:05Z",
        "custom_event_type_id": "delayed-package",
    }


def test_add_parcel_body_is_exactly_site_and_shipment_and_needs_a_site():
    rec = Recorder(ok(fixture("shipments.add_parcel")))
    shipment = run_with(rec, lambda som: som.add_parcel("ship-1"))
    assert len(shipment.parcels) == 2
    assert json.loads(rec.requests[0].content) == {"site_id": "site-1", "shipment_id": "ship-1"}
    run_with(rec, lambda som: som.add_parcel("ship-1", site_id="other"))
    assert json.loads(rec.requests[1].content) == {"site_id": "other", "shipment_id": "ship-1"}

    async def no_site():
        async with SomClient(BASE, TOKEN, transport=httpx.MockTransport(rec)) as som:
            await som.add_parcel("ship-1")

    with pytest.raises(BadRequestError, match="no site id"):
        asyncio.run(no_site())
    assert len(rec.requests) == 2


def test_cancel_methods_accept_an_empty_answer_and_send_their_key():
    rec = Recorder(httpx.Response(200), ok({}))

    async def action(som):
        await som.cancel_delivery("00033333333000139047")
        await som.cancel_shipment("ship-1")

    run_with(rec, action)
    assert rec.requests[0].url.path == "/v1/som/deliveries.cancel"
    assert json.loads(rec.requests[0].content) == {"tracking_number": "00033333333000139047"}
    assert json.loads(rec.requests[1].content) == {"shipment_id": "ship-1"}


# --- status codes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, BadRequestError),
        (422, BadRequestError),
        (401, AuthError),
        (403, AuthError),
        (404, NotFoundError),
        (409, ConflictError),
        (418, PermanentError),
        (429, RateLimitedError),
        (502, ServerUnavailableError),
        (503, ServerUnavailableError),
        (504, ServerUnavailableError),
        (500, OutcomeUnknownError),  # a write: the server may have committed
    ],
)
def test_status_of_a_write_maps_to_its_error_class_with_body_and_trace(status, error_class):
    rec = Recorder(err(status, INGRID_ERROR))
    with pytest.raises(error_class) as info:
        run_with(rec, lambda som: som.book_parcels("ship-1"))
    exc = info.value
    assert type(exc) is error_class
    assert exc.status == status and exc.trace_id == "T-ERR" and exc.method == "shipments.bookParcels"
    assert exc.body.code == 5 and exc.body.error == "not_found"
    assert exc.body.message == "shipment not found" and exc.body.details == [{"x": 1}]
    line = exc.one_line()
    assert f"HTTP {status}" in line and "shipment not found" in line and "T-ERR" in line
    assert len(rec.requests) == 1  # writes are never repeated


def test_500_on_a_read_is_server_unavailable_after_bounded_retries():
    rec = Recorder(err(500, INGRID_ERROR))
    with pytest.raises(ServerUnavailableError):
        run_with(rec, lambda som: som.get_delivery("1"))
    assert len(rec.requests) == 3  # 1 + read_retries (2)


def test_read_retry_succeeds_after_transient_failures():
    rec = Recorder(err(503), httpx.ConnectError("refused"), ok(fixture("deliveries.get")))
    delivery = run_with(rec, lambda som: som.get_delivery("00033333333000139047"))
    assert delivery.tracking_number == "00033333333000139047" and len(rec.requests) == 3


def test_rate_limit_retry_after_seconds_is_honoured_and_long_ones_are_left_to_the_caller():
    rec = Recorder(err(429, INGRID_ERROR, **{"Retry-After": "0"}), ok(fixture("deliveries.get")))
    run_with(rec, lambda som: som.get_delivery("1"))
    assert len(rec.requests) == 2

    rec = Recorder(err(429, INGRID_ERROR, **{"Retry-After": "120"}))
    with pytest.raises(RateLimitedError) as info:
        run_with(rec, lambda som: som.get_delivery("1"))
    assert info.value.retry_after == 120.0 and len(rec.requests) == 1


def test_retry_after_parsing_seconds_http_date_and_garbage():
    now = datetime(2024, 5, 15, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(" 1.5 ") == 1.5
    later = http_date(now + timedelta(seconds=30), usegmt=True)
    assert parse_retry_after(later, now=now.timestamp()) == pytest.approx(30.0)
    past = http_date(now - timedelta(seconds=30), usegmt=True)
    assert parse_retry_after(past, now=now.timestamp()) == 0.0
    assert (
        parse_retry_after("soon") is None
        and parse_retry_after(None) is None
        and parse_retry_after("") is None
    )

    rec = Recorder(
        err(503, **{"Retry-After": http_date(datetime.now(UTC) + timedelta(hours=1), usegmt=True)})
    )
    with pytest.raises(ServerUnavailableError) as info:
        run_with(rec, lambda som: som.book_pickup("1"))
    assert info.value.retry_after is not None and 3500 < info.value.retry_after <= 3600


def test_html_502_from_a_proxy_and_empty_error_bodies_give_one_readable_line():
    page = b"<html><head><title>502 Bad Gateway</title></head><body><h1>nginx</h1></body></html>"
    rec = Recorder(err(502, page, **{"content-type": "text/html"}))
    with pytest.raises(ServerUnavailableError) as info:
        run_with(rec, lambda som: som.book_pickup("1"))
    line = info.value.one_line()
    assert "HTTP 502" in line and "502 Bad Gateway" in line and "<" not in line
    assert info.value.body.message is None

    rec = Recorder(err(404))
    with pytest.raises(NotFoundError) as info:
        run_with(rec, lambda som: som.book_pickup("1"))
    assert "HTTP 404" in info.value.one_line() and info.value.trace_id == "T-ERR"

    rec = Recorder(err(400, b"plain words", **{"content-type": "text/plain"}))
    with pytest.raises(BadRequestError, match="plain words"):
        run_with(rec, lambda som: som.book_pickup("1"))

    rec = Recorder(err(409, ["not", "an", "object"]))
    with pytest.raises(ConflictError, match="JSON list"):
        run_with(rec, lambda som: som.book_pickup("1"))


# --- 2xx that are not what the method promises -----------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (httpx.Response(200, content=b"<html><title>Login</title></html>"), "'Login'"),
        (httpx.Response(200), "empty body"),
        (httpx.Response(200, json=[1, 2]), "JSON list"),
        (httpx.Response(200, json={"result": "ok"}), "no 'shipment' object"),
        (httpx.Response(200, json={"shipment": {"id": "s", "parcels": "many"}}), "parcels: expected a list"),
    ],
)
def test_2xx_that_is_not_the_expected_document_is_malformed(answer, fragment):
    rec = Recorder(answer)
    with pytest.raises(MalformedResponseError) as info:
        run_with(rec, lambda som: som.book_parcels("s"))
    assert fragment in str(info.value) and info.value.status == 200


# --- transport failures ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ReadTimeout("timed out"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.ReadError("connection reset"),
        httpx.WriteError("broken pipe"),
    ],
)
def test_lost_answer_on_a_write_is_outcome_unknown_and_not_repeated(failure):
    rec = Recorder(failure)
    with pytest.raises(OutcomeUnknownError) as info:
        run_with(rec, lambda som: som.add_parcel("ship-1"))
    assert "may have been applied" in str(info.value) and len(rec.requests) == 1


def test_lost_answer_on_a_read_is_retried_then_retryable():
    rec = Recorder(httpx.ReadTimeout("timed out"))
    with pytest.raises(RetryableError) as info:
        run_with(rec, lambda som: som.get_shipment(id="x"))
    assert not isinstance(info.value, OutcomeUnknownError | PermanentError)
    assert len(rec.requests) == 3


@pytest.mark.parametrize("failure", [httpx.ConnectError("refused"), httpx.ConnectTimeout("slow")])
def test_connect_failures_are_network_errors_for_writes_too(failure):
    rec = Recorder(failure)
    with pytest.raises(NetworkError) as info:
        run_with(rec, lambda som: som.add_parcel("ship-1"))
    assert "api-stage.ingrid.com" in str(info.value) and len(rec.requests) == 1


# --- shipments.get lookups -------------------------------------------------------------------------


def test_find_shipment_falls_back_across_query_parameters():
    shipment_doc = fixture("shipments.get")
    ulid = "01HXY19A22BD3DYMPX0YTXNPSG"
    rec = Recorder(ok(shipment_doc))
    found = run_with(rec, lambda som: som.find_shipment(ulid))
    assert found is not None and found.tos_id == ulid
    assert list(rec.requests[0].url.params) == ["tos_id"]  # ULID-shaped keys try tos_id first

    by_tos = {"shipment": {**shipment_doc["shipment"], "tos_id": "TOS-77"}}
    rec = Recorder(err(400, {"message": "unsupported"}), ok(by_tos))
    found = run_with(rec, lambda som: som.find_shipment("TOS-77"))
    assert found is not None and found.tos_id == "TOS-77"
    assert [list(r.url.params) for r in rec.requests] == [["external_id"], ["tos_id"]]

    rec = Recorder(err(400, {"message": "unsupported"}), err(404, INGRID_ERROR))
    assert run_with(rec, lambda som: som.find_shipment("ACME99")) is None
    assert [list(r.url.params) for r in rec.requests] == [["external_id"], ["tos_id"]]

    # A server that ignores the filter and returns some other shipment is not a match.
    rec = Recorder(ok(shipment_doc), err(404))
    assert run_with(rec, lambda som: som.find_shipment("OTHER-ORDER")) is None

    uuid = "4e3a89d8-ac98-4476-b068-e1a960f5d45b"
    rec = Recorder(ok(shipment_doc))
    found = run_with(rec, lambda som: som.find_shipment(uuid))
    assert found is not None and found.id == uuid
    assert list(rec.requests[0].url.params) == ["id"]
    assert run_with(rec, lambda som: som.find_shipment("   ")) is None


def test_find_shipment_lets_network_errors_through_and_tolerates_a_list_answer():
    rec = Recorder(httpx.ConnectError("refused"))
    with pytest.raises(NetworkError):
        run_with(rec, lambda som: som.find_shipment("ACME12345"))
    rec = Recorder(ok({"shipments": [fixture("shipments.get")["shipment"]]}))
    found = run_with(rec, lambda som: som.find_shipment("ACME12345"))
    assert found is not None and found.external_id == "ACME12345"
    with pytest.raises(ValueError, match="exactly one"):
        run_with(rec, lambda som: som.get_shipment(id="a", tos_id="b"))


# --- secrets ---------------------------------------------------------------------------------------


def test_token_never_appears_in_errors_or_logs(caplog):
    caplog.set_level(logging.DEBUG, logger="packstation")
    echo = {"message": f"bad token {TOKEN} / {ENCODED}", "error": f"Bearer {ENCODED}"}
    rec = Recorder(err(401, echo), httpx.ConnectError(f"refused {TOKEN}"), ok(fixture("deliveries.get")))
    with pytest.raises(AuthError) as auth:
        run_with(rec, lambda som: som.book_pickup("1"))
    with pytest.raises(NetworkError) as network:
        run_with(rec, lambda som: som.book_pickup("1"))
    run_with(rec, lambda som: som.get_delivery("1"))
    texts = [
        auth.value.one_line(),
        str(auth.value),
        repr(auth.value.body),
        network.value.one_line(),
        caplog.text,
    ]
    for text in texts:
        assert TOKEN not in text and ENCODED not in text
    assert "HTTP 401" in auth.value.one_line()


def test_constructor_rejects_missing_token_and_bad_url():
    with pytest.raises(ValueError, match="token"):
        SomClient(BASE, "")
    with pytest.raises(ValueError, match="http"):
        SomClient("ftp://example.com", TOKEN)


# --- labels ----------------------------------------------------------------------------------------

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="4in" height="6in"></svg>'


def svg_answer(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, content=SVG, headers={"content-type": "image/svg+xml"})


@pytest.mark.parametrize(
    ("url", "sends_token"),
    [
        (f"{BASE}/v1/labels/a.svg", True),
        ("https://API-STAGE.ingrid.com:443/v1/labels/a.svg", True),
        ("/v1/labels/relative.svg", True),
        ("https://labels.example.com/a.svg", False),
        ("https://api-stage.ingrid.com:8443/a.svg", False),
        ("http://api-stage.ingrid.com/a.svg", False),
        ("https://api.ingrid.com/a.svg", False),
    ],
)
def test_label_token_goes_only_to_the_api_origin(url, sends_token):
    rec = Recorder(svg_answer)
    label = run_with(rec, lambda som: som.download_label(url))
    assert label.content == SVG and label.content_type == "image/svg+xml"
    assert ("authorization" in rec.requests[0].headers) is sends_token


def test_label_redirect_to_another_host_drops_the_token():
    def answer(request):
        if request.url.host == "api-stage.ingrid.com":
            return httpx.Response(302, headers={"location": "https://bucket.example.com/l.svg?sig=abc"})
        return svg_answer(request)

    rec = Recorder(answer)
    label = run_with(rec, lambda som: som.download_label(f"{BASE}/v1/labels/x"))
    assert label.url == "https://bucket.example.com/l.svg?sig=abc"
    first, second = rec.requests
    assert first.headers["authorization"] == f"Bearer {ENCODED}"
    assert "authorization" not in second.headers


def test_label_size_cap_with_and_without_content_length():
    rec = Recorder(httpx.Response(200, content=b"x" * 2000, headers={"content-type": "application/pdf"}))
    with pytest.raises(LabelTooLargeError, match="2000 bytes"):
        run_with(rec, lambda som: som.download_label(f"{BASE}/l.pdf"), max_label_bytes=1000)

    async def endless():
        for _ in range(100):
            yield b"y" * 500

    rec = Recorder(lambda request: httpx.Response(200, content=endless()))
    with pytest.raises(LabelTooLargeError, match="aborted"):
        run_with(rec, lambda som: som.download_label(f"{BASE}/l.zpl"), max_label_bytes=1000)


def test_label_errors_html_and_status():
    rec = Recorder(
        httpx.Response(
            200, content=b"<html><title>Sign in</title></html>", headers={"content-type": "text/html"}
        )
    )
    with pytest.raises(MalformedResponseError, match="HTML"):
        run_with(rec, lambda som: som.download_label(f"{BASE}/l.svg"))
    rec = Recorder(err(404, INGRID_ERROR))
    with pytest.raises(NotFoundError):
        run_with(rec, lambda som: som.download_label(f"{BASE}/l.svg"))
    with pytest.raises(BadRequestError, match="not a downloadable"):
        run_with(rec, lambda som: som.download_label("file:///etc/passwd"))


def test_raw_call_validates_method_names_and_routes_gets():
    rec = Recorder(ok(fixture("shipments.get")))
    doc = run_with(rec, lambda som: som.call("shipments.get", {"external_id": "ACME12345"}))
    assert doc["shipment"]["external_id"] == "ACME12345"
    assert rec.requests[0].method == "GET" and rec.requests[0].url.params["external_id"] == "ACME12345"
    with pytest.raises(ValueError, match="not a method name"):
        run_with(rec, lambda som: som.call("../admin"))
