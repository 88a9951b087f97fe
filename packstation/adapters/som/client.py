"""Async client for Ingrid's SOM API (and the tracking events gateway), on one shared httpx client.

Every call ends in a parsed model or in one of the ``SomError`` classes (see ``errors``); the one
that matters most is ``OutcomeUnknownError``: a write whose request may have reached the server but
whose answer never came (read timeout, dropped connection, HTTP 500). Writes are never repeated here;
only read-only calls (GETs) are retried, a bounded number of times with a short back-off.

Every call has a total deadline (``read_deadline_s`` for reads, all attempts included;
``write_deadline_s`` for writes, longer, so that a slow commit is answered rather than given up on and
repeated): an answer trickling in a byte at a time ends in a clear timeout error, not a hang. Running
out of time is ``RetryableError`` for reads and ``OutcomeUnknownError`` for writes.

The API token never leaves this module except in the ``Authorization`` header of requests to the
configured API origin: label downloads from any other origin go without it, and every text that
leaves the client (exception messages, Ingrid's error bodies, parsed documents, log lines) is scrubbed
of the token and of its base64 form (see ``secrets.Scrubber``), also when a server echoes the
``Authorization`` header back.

httpx itself is imported with the first request (or by the app's warm-up once its window is up): a
plain ``http(s)://host[:port]`` API URL is checked here without it, any other URL by ``httpx.URL`` at
once, as before. Importing httpx costs ~16 ms, ~5% of the window's start-up.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import re
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec

from packstation import __version__
from packstation.adapters.som.errors import (
    BadRequestError,
    LabelTooLargeError,
    MalformedResponseError,
    NetworkError,
    NotFoundError,
    OutcomeUnknownError,
    PermanentError,
    RetryableError,
    SomError,
)
from packstation.adapters.som.requests import clean_request
from packstation.adapters.som.responses import TRACE_HEADER, error_for_status, json_document
from packstation.adapters.som.secrets import Scrubber
from packstation.domain.models import Delivery, ModelError, Shipment, format_datetime

if TYPE_CHECKING:  # imported with the first request (or by the warm-up after the first paint): ~16 ms
    import httpx

log = logging.getLogger(__name__)
T = TypeVar("T")

SOM_PATH = "/v1/som/"
EVENTS_PATH = "/v1/events_gateway/"
DEFAULT_TIMEOUTS_S = {"connect": 3.0, "read": 15.0, "write": 15.0, "pool": 5.0}  # httpx.Timeout's phases
# Total time one call may take, whatever the server does (a byte a second resets httpx's read
# timeout for ever). Writes get longer: a write given up on is an unknown outcome to reconcile, and
# repairing that costs more than waiting (issue 12, item 6).
DEFAULT_READ_DEADLINE_S = 20.0
DEFAULT_WRITE_DEADLINE_S = 60.0
METHOD_NAME = re.compile(r"^[A-Za-z][A-Za-z_]*\.[A-Za-z][A-Za-z_]*$")
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
ULID = re.compile(r"^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}$")
# Methods whose answer is a document; the others (cancel, events) may answer with an empty body.
DOCUMENT_METHODS = {
    "shipments.create",
    "shipments.bookParcels",
    "shipments.createAndBook",
    "shipments.get",
    "shipments.update",
    "shipments.add_parcel",
    "deliveries.bookPickup",
    "deliveries.get",
}
MAX_LABEL_REDIRECTS = 5
# An API URL this plain is one httpx.URL takes as it is (lower-cased, the default port dropped): the
# client checks it and knows its origin without importing httpx; any other URL is checked by httpx.
_LABEL = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
_PLAIN_URL = re.compile(rf"(?i)(https?)://({_LABEL}(?:\.{_LABEL})*)(?::([0-9]{{1,5}}))?(/[a-z0-9._~/-]*)?")
_IPV4_STYLE = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+")  # httpx checks these as IPv4 addresses
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass
class _HttpParts:
    """The client's httpx objects, made with its first request."""

    base: httpx.URL
    http: httpx.AsyncClient
    timeout: httpx.Timeout
    write_timeout: httpx.Timeout
    urls: dict[str, httpx.URL] = field(default_factory=dict)

    def url_for(self, path: str) -> httpx.URL:
        """The absolute URL of an API path, made once per path: httpx merges a relative URL with the
        base for every request (a URL parsed and rebuilt), ~4% of the loop's time in a drain. This is
        httpx's merge (the base's path, then the path without its leading slash)."""
        url = self.urls.get(path)
        if url is None:
            base = self.http.base_url  # with the trailing slash httpx gives it
            url = self.urls[path] = base.copy_with(raw_path=base.raw_path + path.lstrip("/").encode())
        return url


class Label(msgspec.Struct, frozen=True):
    """A downloaded label file as served at ``label_url``."""

    content: bytes
    content_type: str
    url: str


def origin_of(url: httpx.URL) -> tuple[str, str, int | None]:
    """(scheme, host, port) with default ports filled in: what "same host" means for the token."""
    default = _DEFAULT_PORTS.get(url.scheme)
    return (url.scheme, url.host.lower(), url.port or default)


def _plain_origin(url: str) -> tuple[str, str, int | None] | None:
    """``origin_of`` a plain http(s)://host[:port][/path] URL, without httpx; None for any other URL."""
    match = _PLAIN_URL.fullmatch(url)
    if match is None or (match[3] is not None and int(match[3]) > 65535):
        return None
    scheme, host = match[1].lower(), match[2].lower()
    if _IPV4_STYLE.fullmatch(host):
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            return None  # httpx refuses it: let it say so
    return (scheme, host, (int(match[3]) if match[3] else 0) or _DEFAULT_PORTS[scheme])


def warm_up() -> None:
    """Import httpx and aiohttp now (the app does it on a worker thread once its window is up), so that
    the first request does not wait for them; the TLS set-up still comes with the first https:// one."""
    import packstation.adapters.som.transport  # noqa: F401  (httpx, aiohttp)


class SomClient:
    """One station's connection to Ingrid. Use as ``async with SomClient(...) as som:``."""

    retry_backoff_s = 0.25  # first pause between read attempts; doubles each time
    max_retry_wait_s = 5.0  # a Retry-After longer than this is left to the caller

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        site_id: str = "",
        timeout: httpx.Timeout | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        max_label_bytes: int = 5_000_000,
        read_retries: int = 2,
        label_timeout_s: float = 20.0,
        read_deadline_s: float = DEFAULT_READ_DEADLINE_S,
        write_deadline_s: float = DEFAULT_WRITE_DEADLINE_S,
    ) -> None:
        """``timeout``: httpx's per-phase timeouts (connect, each read, ...); when it is not given,
        a write waits for its answer as long as ``write_deadline_s``. ``read_deadline_s`` and
        ``write_deadline_s``: the total time of one call (see the module docstring)."""
        if not token:
            raise ValueError("an API token is required")
        base_text = base_url.strip()
        origin = _plain_origin(base_text) if timeout is None and transport is None else None
        base: httpx.URL | None = None
        if origin is None:  # not plain (or httpx objects given): httpx checks it now, as it always did
            import httpx

            base = httpx.URL(base_text)
            if base.scheme not in ("http", "https") or not base.host:
                raise ValueError(f"the API URL must be http(s)://host[:port], not {base_url!r}")
            origin = origin_of(base)
        try:
            read_deadline_s, write_deadline_s = float(read_deadline_s), float(write_deadline_s)
        except (TypeError, ValueError):
            raise ValueError("the API deadlines must be numbers of seconds") from None
        if not (read_deadline_s > 0 and write_deadline_s > 0):  # also refuses NaN
            raise ValueError("the API deadlines must be positive numbers of seconds")
        self._scrubber = Scrubber(token)
        self._authorization = f"Bearer {self._scrubber.encoded}"
        self._base_text = base_text
        self._origin = origin
        self.site_id = site_id
        self.last_success: float | None = None  # when a call was last answered (Unix time)
        self.max_label_bytes = max_label_bytes
        self.read_retries = max(0, read_retries)
        self.label_timeout_s = label_timeout_s
        self.read_deadline_s = read_deadline_s
        self.write_deadline_s = write_deadline_s
        # httpx's objects are made with the first request (``_connection``): a station that is only
        # started, or answers its first scan from the cache, never waits for httpx to import.
        self._timeout_given = timeout
        self._transport_given = transport
        self._write_read_s = write_deadline_s  # a write waits this long for its answer
        self._parts: _HttpParts | None = None if base is None else self._make_parts(base)
        self._closed = False

    def _make_parts(self, base: httpx.URL) -> _HttpParts:
        import httpx

        from packstation.adapters.som.transport import CookielessClient, TlsOnDemandTransport

        given = self._timeout_given
        timeout = httpx.Timeout(given) if given is not None else httpx.Timeout(**DEFAULT_TIMEOUTS_S)
        write_timeout = (
            timeout
            if given is not None
            else httpx.Timeout(**{**DEFAULT_TIMEOUTS_S, "read": self._write_read_s})
        )
        http = CookielessClient(
            base_url=base,
            timeout=timeout,
            # TLS (the CA bundle) is set up at the first https:// request, not for a loopback http:// API
            transport=self._transport_given if self._transport_given is not None else TlsOnDemandTransport(),
            follow_redirects=False,  # redirects of the API are errors; labels follow them by hand
            headers={"User-Agent": f"packstation/{__version__}"},
        )
        return _HttpParts(base, http, timeout, write_timeout)

    def _connection(self) -> _HttpParts:
        if self._parts is None:
            if self._closed:  # what httpx says of a closed client
                raise RuntimeError("Cannot send a request, as the client has been closed.")
            import httpx

            self._parts = self._make_parts(httpx.URL(self._base_text))
        return self._parts

    @property
    def _base(self) -> httpx.URL:
        return self._connection().base

    @property
    def _http(self) -> httpx.AsyncClient:
        return self._connection().http

    @property
    def _timeout(self) -> httpx.Timeout:
        return self._connection().timeout

    @property
    def _write_timeout(self) -> httpx.Timeout:
        return self._connection().write_timeout

    @property
    def base_url(self) -> str:
        return str(self._base)  # as httpx writes it (this imports httpx; nothing at start-up asks)

    async def __aenter__(self) -> SomClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        self._closed = True
        if self._parts is not None:
            await self._parts.http.aclose()

    # --- SOM methods -------------------------------------------------------------------------------

    async def create_shipment(self, request: dict[str, Any]) -> Shipment:
        return await self._shipment_call("shipments.create", clean_request("shipments.create", request))

    async def book_parcels(self, shipment_id: str) -> Shipment:
        return await self._shipment_call("shipments.bookParcels", {"shipment_id": shipment_id})

    async def create_and_book(self, request: dict[str, Any]) -> Shipment:
        body = clean_request("shipments.createAndBook", request)
        return await self._shipment_call("shipments.createAndBook", body)

    async def get_shipment(
        self, *, id: str | None = None, external_id: str | None = None, tos_id: str | None = None
    ) -> Shipment:
        """``shipments.get`` by exactly one of ``id``, ``external_id``, ``tos_id``."""
        given = {k: v for k, v in (("id", id), ("external_id", external_id), ("tos_id", tos_id)) if v}
        if len(given) != 1:
            raise ValueError("get_shipment needs exactly one of id, external_id, tos_id")
        doc, response = await self._call("shipments.get", params=given)
        listed = doc.get("shipments")
        if "shipment" not in doc and isinstance(listed, list):
            # Tolerated answer shape for lookups by external_id/tos_id: a list, newest last.
            if not listed:
                raise NotFoundError(
                    "no shipment matches", method="shipments.get", status=response.status_code
                )
            doc = {"shipment": listed[-1]}
        return self._parse(Shipment, doc, "shipment", "shipments.get", response)

    async def find_shipment(self, order_key: str) -> Shipment | None:
        """The shipment for a scanned order key, or None.

        Whether ``shipments.get`` accepts ``external_id``/``tos_id`` is not documented, so each way
        is tried: a 400 (parameter not supported or value invalid) or a 404 means "not this way".
        ``id`` is only tried for keys shaped like a UUID (shipment ids are UUIDs); a key shaped like a
        ULID (Ingrid order ids) tries ``tos_id`` first. Network and server errors propagate.
        """
        key = order_key.strip()
        if not key:
            return None
        if UUID.match(key):
            ways = ["id", "external_id", "tos_id"]
        elif ULID.match(key):
            ways = ["tos_id", "external_id"]
        else:
            ways = ["external_id", "tos_id"]
        for way in ways:
            try:
                shipment = await self.get_shipment(**{way: key})
            except (NotFoundError, BadRequestError) as exc:
                log.debug("shipments.get by %s: %s", way, exc.one_line())
                continue
            found = getattr(shipment, way)
            if found is not None and found != key:  # the server ignored the filter: not a match
                log.info("shipments.get by %s returned another shipment; ignoring it", way)
                continue
            return shipment
        return None

    async def update_shipment(self, request: dict[str, Any]) -> Shipment:
        if not request.get("shipment_id"):
            raise ValueError("update_shipment needs request['shipment_id']")
        return await self._shipment_call("shipments.update", clean_request("shipments.update", request))

    async def cancel_shipment(self, shipment_id: str) -> None:
        # The reference documents no request body for shipments.cancel; {"shipment_id"} follows
        # the convention of the documented shipment methods.
        await self._call("shipments.cancel", body={"shipment_id": shipment_id})

    async def add_parcel(self, shipment_id: str, *, site_id: str | None = None) -> Shipment:
        """Adds one parcel (booked at once if the shipment was booked). NOT idempotent: on
        ``OutcomeUnknownError`` reconcile with ``get_shipment`` before calling again."""
        site = site_id or self.site_id
        if not site:
            raise BadRequestError(
                "no site id configured (needed by shipments.add_parcel)", method="shipments.add_parcel"
            )
        return await self._shipment_call(
            "shipments.add_parcel", {"site_id": site, "shipment_id": shipment_id}
        )

    async def book_pickup(self, tracking_number: str) -> Delivery:
        doc, response = await self._call("deliveries.bookPickup", body={"tracking_number": tracking_number})
        return self._parse(Delivery, doc, "delivery", "deliveries.bookPickup", response)

    async def get_delivery(self, tracking_number: str) -> Delivery:
        doc, response = await self._call("deliveries.get", params={"tracking_number": tracking_number})
        return self._parse(Delivery, doc, "delivery", "deliveries.get", response)

    async def cancel_delivery(self, tracking_number: str) -> None:
        # The reference documents no request body for deliveries.cancel; we send the tracking
        # number like deliveries.bookPickup and deliveries.get take it.
        await self._call("deliveries.cancel", body={"tracking_number": tracking_number})

    async def register_tracking_number(
        self,
        tracking_number: str,
        external_id: str,
        carrier_product_ref: str,
        direction_type: str | None = None,
    ) -> None:
        body = {
            "tracking_number": tracking_number,
            "external_id": external_id,
            "carrier_product_ref": carrier_product_ref,
            "direction_type": direction_type,
        }
        await self._call("events.registerTrackingNumber", body={k: v for k, v in body.items() if v})

    async def publish_tracking_event(
        self,
        tracking_number: str,
        custom_event_type_id: str,
        occurred_at: datetime,
        tracking_status: str = "CUSTOM",
    ) -> None:
        if occurred_at.tzinfo is None:
            raise ValueError("occurred_at must be timezone-aware")
        body = {
            "tracking_number": tracking_number,
            "tracking_status": tracking_status,
            "occurred_at": format_datetime(occurred_at),
            "custom_event_type_id": custom_event_type_id,
        }
        await self._call("events.publishTrackingEvent", body=body)

    async def call(
        self, method: str, body: dict[str, Any] | None = None, params: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Any method by name (``shipments.get``, ``events.publishTrackingEvent``) with a raw answer.

        ``*.get`` methods are GETs and take their arguments as query parameters (``body`` is merged
        into ``params``); the others are POSTs of ``body`` with undocumented fields removed.
        """
        if not METHOD_NAME.match(method):
            raise ValueError(f"not a method name: {method!r} (expected e.g. shipments.get)")
        if method.endswith(".get"):
            merged = {**(body or {}), **(params or {})}
            doc, _ = await self._call(method, params=merged)
        else:
            doc, _ = await self._call(method, body=clean_request(method, body or {}), params=params)
        return doc

    # --- labels ------------------------------------------------------------------------------------

    async def download_label(self, url: str) -> Label:
        """The file at ``label_url``; the token goes along only if it is on the API's own origin."""
        target = self._base.join(url)
        if target.scheme not in ("http", "https") or not target.host:
            raise self._scrub(BadRequestError(f"not a downloadable label URL: {url!r}", method="label"))
        try:
            return await self._with_retries("label", lambda: self._download_label_once(target))
        except SomError as exc:
            self._scrub(exc)
            raise

    async def _download_label_once(self, target: httpx.URL) -> Label:
        import httpx

        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.label_timeout_s):
                for _ in range(MAX_LABEL_REDIRECTS + 1):
                    headers = {"Accept": "*/*"}
                    if origin_of(target) == self._origin:
                        headers["Authorization"] = self._authorization
                    request = self._http.build_request("GET", target, headers=headers)
                    try:
                        response = await self._http.send(request, stream=True)
                    except httpx.HTTPError as exc:
                        raise self._transport_error(exc, "label", is_read=True) from exc
                    try:
                        if response.is_redirect and "location" in response.headers:
                            target = target.join(response.headers["location"])
                            continue
                        return await self._read_label(response, target, started)
                    finally:
                        await response.aclose()
                raise PermanentError("label URL redirects too often", method="label")
        except TimeoutError:
            raise RetryableError(
                f"label download did not finish within {self.label_timeout_s:g} s", method="label"
            ) from None

    async def _read_label(self, response: httpx.Response, target: httpx.URL, started: float) -> Label:
        trace_id = response.headers.get(TRACE_HEADER)
        shown = f"{target.scheme}://{target.netloc.decode()}{target.path}"  # no query: may be signed
        shown = self._scrubber.text(shown)
        if not response.is_success:
            content = self._scrubber.raw(await self._read_capped(response, 64_000, truncate=True))
            capped = _with_content(response, content)
            raise self._scrub(error_for_status(capped, method="label", is_read=True))
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_label_bytes:
            raise LabelTooLargeError(
                f"label is {int(declared)} bytes, more than the {self.max_label_bytes} allowed",
                method="label",
                status=response.status_code,
                trace_id=trace_id,
            )
        content = await self._read_capped(response, self.max_label_bytes, truncate=False)
        content_type = response.headers.get("content-type", "application/octet-stream")
        if not content or content_type.split(";")[0].strip().lower() == "text/html":
            what = "an empty body" if not content else "an HTML page"
            raise MalformedResponseError(
                f"label URL answered with {what}",
                method="label",
                status=response.status_code,
                trace_id=trace_id,
            )
        log.debug("label %s: %d bytes %s in %.1f ms", shown, len(content), content_type, _ms_since(started))
        return Label(content=content, content_type=content_type, url=str(target))

    async def _read_capped(self, response: httpx.Response, limit: int, *, truncate: bool) -> bytes:
        chunks: list[bytes] = []
        total = 0
        stream = response.aiter_bytes()
        try:
            async for chunk in stream:
                total += len(chunk)
                if total > limit:
                    if truncate:
                        chunks.append(chunk[: limit - (total - len(chunk))])
                        break
                    raise LabelTooLargeError(
                        f"label is larger than the {limit} bytes allowed; download aborted",
                        method="label",
                        status=response.status_code,
                        trace_id=response.headers.get(TRACE_HEADER),
                    )
                chunks.append(chunk)
        finally:
            # A download left half-read (cap, break) leaves httpx's and the transport's async generators
            # suspended. Dropped as they are, the garbage collector closes them while the connection
            # is still open; their clean-up then has to await, and where the loop installs no
            # async-generator hooks (qasync, the app's loop) that prints "RuntimeError: async
            # generator ignored GeneratorExit". Closing the response first leaves nothing to await.
            await response.aclose()
            if isinstance(stream, AsyncGenerator):
                await stream.aclose()
        return b"".join(chunks)

    # --- plumbing ----------------------------------------------------------------------------------

    async def _shipment_call(self, method: str, body: dict[str, Any]) -> Shipment:
        doc, response = await self._call(method, body=body)
        return self._parse(Shipment, doc, "shipment", method, response)

    def _parse(
        self, model: type[T], doc: dict[str, Any], key: str, method: str, response: httpx.Response
    ) -> T:
        trace_id = response.headers.get(TRACE_HEADER)
        item = doc.get(key)
        if not isinstance(item, dict):
            keys = self._scrubber.text(", ".join(sorted(doc)) or "none")
            raise MalformedResponseError(
                f"the answer has no {key!r} object (keys: {keys})",
                method=method,
                status=response.status_code,
                trace_id=trace_id,
            )
        try:
            return model.from_api(item)  # type: ignore[attr-defined]
        except ModelError as exc:
            # Not chained (``from None``): the model's message quotes the answer, and is scrubbed here.
            raise self._scrub(
                MalformedResponseError(
                    f"unreadable answer: {exc}", method=method, status=response.status_code, trace_id=trace_id
                )
            ) from None

    async def _call(
        self, method: str, *, body: dict[str, Any] | None = None, params: dict[str, Any] | None = None
    ) -> tuple[dict[str, Any], httpx.Response]:
        is_read = method.endswith(".get")
        deadline = self.read_deadline_s if is_read else self.write_deadline_s
        try:
            async with asyncio.timeout(deadline) as scope:
                if is_read:
                    answer = await self._with_retries(
                        method, lambda: self._send(method, None, params, is_read=True)
                    )
                else:
                    answer = await self._send(method, body or {}, params, is_read=False)
            self.last_success = time.time()  # the station's metrics show it (adapters.metrics)
            return answer
        except TimeoutError:
            if not scope.expired():
                raise
            error = self._deadline_error(method, deadline, is_read=is_read)
            log.info("SOM %s: %s", method, error.one_line())
            raise error from None
        except SomError as exc:
            self._scrub(exc)
            raise

    def _deadline_error(self, method: str, deadline: float, *, is_read: bool) -> SomError:
        where = self._base.host
        if is_read:
            return RetryableError(f"no complete answer from {where} within {deadline:g} s", method=method)
        return OutcomeUnknownError(
            f"no complete answer from {where} within {deadline:g} s after sending; "
            "the change may have been applied",
            method=method,
        )

    async def _with_retries(self, what: str, attempt: Callable[[], Awaitable[T]]) -> T:
        """Run a read-only ``attempt`` up to 1 + read_retries times while it fails retryably."""
        for number in range(self.read_retries + 1):
            try:
                return await attempt()
            except RetryableError as exc:
                if number == self.read_retries:
                    raise
                delay = self.retry_backoff_s * (2**number)
                if exc.retry_after is not None:
                    if exc.retry_after > self.max_retry_wait_s:
                        raise  # the server asked for a longer pause than a call should block
                    delay = max(delay, exc.retry_after)
                log.info("%s failed (%s); retrying in %.2f s", what, exc.one_line(), delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _send(
        self, method: str, body: dict[str, Any] | None, params: dict[str, Any] | None, *, is_read: bool
    ) -> tuple[dict[str, Any], httpx.Response]:
        import httpx

        path = (EVENTS_PATH if method.startswith("events.") else SOM_PATH) + method
        headers = {
            "Authorization": self._authorization,
            "Accept": "application/json",
            "Content-Type": "application/json",
        }
        content = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        started = time.perf_counter()
        try:
            parts = self._connection()
            response = await parts.http.request(
                "GET" if is_read else "POST",
                parts.url_for(path),
                params={k: str(v) for k, v in (params or {}).items() if v is not None} or None,
                content=content,
                headers=headers,
                timeout=self._timeout if is_read else self._write_timeout,
            )
        except httpx.HTTPError as exc:
            error = self._transport_error(exc, method, is_read=is_read)
            log.info("SOM %s failed after %.1f ms: %s", method, _ms_since(started), error.one_line())
            raise error from exc
        trace_id = response.headers.get(TRACE_HEADER)
        level = logging.DEBUG if response.is_success else logging.INFO
        log.log(
            level,
            "SOM %s -> HTTP %d in %.1f ms (x-trace-id %s)",
            method,
            response.status_code,
            _ms_since(started),
            trace_id,
        )
        # Whatever the server echoed of the token goes before anything quotes or parses the answer.
        response = self._scrubbed(response)
        if not response.is_success:
            raise self._scrub(error_for_status(response, method=method, is_read=is_read))
        try:
            doc = json_document(response, method=method, allow_empty=method not in DOCUMENT_METHODS)
        except SomError as exc:
            raise self._scrub(exc) from None
        if b"\\" in response.content:  # JSON escapes may hide the token from the byte scrub
            doc = self._scrubber.document(doc)
        return doc, response

    def _scrubbed(self, response: httpx.Response) -> httpx.Response:
        clean = self._scrubber.raw(response.content)
        if clean == response.content:
            return response
        return _with_content(response, clean)

    def _transport_error(self, exc: httpx.HTTPError, method: str, *, is_read: bool) -> SomError:
        return self._scrub(self._transport_error_for(exc, method, is_read=is_read))

    def _transport_error_for(self, exc: httpx.HTTPError, method: str, *, is_read: bool) -> SomError:
        import httpx

        reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        where = self._base.host
        if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
            return self._scrub(NetworkError(f"cannot reach {where} ({reason})", method=method))
        if isinstance(exc, httpx.UnsupportedProtocol):
            return PermanentError(f"unsupported URL ({reason})", method=method)
        if isinstance(exc, httpx.DecodingError):
            return MalformedResponseError(f"undecodable answer ({reason})", method=method)
        # Read timeout, connection dropped, protocol error: the request may have been received.
        if is_read:
            return self._scrub(RetryableError(f"no answer from {where} ({reason})", method=method))
        return self._scrub(
            OutcomeUnknownError(
                f"no answer from {where} after sending ({reason}); the change may have been applied",
                method=method,
            )
        )

    def _scrub(self, error: SomError) -> SomError:
        """Blank the token out of anything a server (or a library) may have echoed back."""
        return self._scrubber.error(error)


def _with_content(response: httpx.Response, content: bytes) -> httpx.Response:
    """A copy of ``response`` holding ``content`` (already decoded: no Content-Encoding/Length)."""
    import httpx

    headers = [
        (k, v)
        for k, v in response.headers.multi_items()
        if k.lower() not in ("content-encoding", "content-length")
    ]
    return httpx.Response(response.status_code, headers=headers, content=content, request=response.request)


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000
