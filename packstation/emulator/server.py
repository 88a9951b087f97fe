"""The SOM emulator as a real HTTP/1.1 server on loopback, in background threads.

``Emulator`` owns the state (``SomService``), the fault list and the server. ``stop()`` closes the
listening socket and every open connection (so a client's pooled keep-alive connection fails like
a real outage) and releases hung requests; ``start()`` again binds the same port and keeps all state.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hmac
import json
import logging
import re
import secrets
import selectors
import socket
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from packstation.domain import labelgen
from packstation.emulator import demo
from packstation.emulator.faults import ANSWER_KINDS, Fault
from packstation.emulator.model import Shipment
from packstation.emulator.service import (
    DEFAULT_SITE_ID,
    INVALID_ARGUMENT,
    NOT_FOUND,
    ROUTES,
    UNAUTHENTICATED,
    ApiError,
    SomService,
)

log = logging.getLogger("packstation.emulator")

DEMO_TOKEN = "packstation-demo-token"
MAX_BODY = 1 << 20
MAX_RECORDS = 10_000
# Labels made, by (delivery, format, shipment version): a reprint or a second download is served from
# here. Only the most recently used are kept: the demo runs the emulator inside the station's process,
# where a cache of every label ever made (tens of KB each) would grow for the life of a shift.
LABEL_CACHE_SIZE = 64
LABEL_PATH = re.compile(r"^/v1/labels/([A-Za-z0-9-]{1,64})\.(svg|pdf|png|zpl)$")
_GRPC_FOR_HTTP = {400: 3, 401: 16, 403: 7, 404: 5, 409: 10, 429: 8, 500: 13, 501: 12, 503: 14, 504: 4}


class Headers(dict[str, str]):
    """Request headers with case-insensitive lookup (keys stored in lower case)."""

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        super().__init__((k.lower(), v) for k, v in items)

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())

    def get(self, key: str, default: Any = None) -> Any:
        return super().get(key.lower(), default)


@dataclass
class RequestRecord:
    """One request as the emulator saw it. ``status`` is None for a hung request; ``dropped`` is true
    when no answer was sent (hang, commit-then-drop)."""

    method: str
    http_method: str
    path: str
    query: dict[str, str]
    headers: Headers
    body: Any
    status: int | None = None
    dropped: bool = False
    authorized: bool = False
    at: float = field(default_factory=time.time)


def _trace_id() -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    return "S" + stamp + "".join(secrets.choice("0123456789ABCDEFGHJKMNPQRSTVWXYZ") for _ in range(16))


def error_document(code: int, message: str) -> dict[str, Any]:
    return {"code": code, "error": message, "message": message, "details": []}


def _null_parcels(document: Any) -> Any:
    """The answer with ``"parcels": null`` in each shipment it holds (the null-parcels fault)."""
    if not isinstance(document, dict):
        return document
    shipments = [document.get("shipment"), *(document.get("shipments") or [])]
    for shipment in shipments:
        if isinstance(shipment, dict) and "parcels" in shipment:
            shipment["parcels"] = None
    return document


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    timeout = 0  # handle_request() after our own select: accept what is there, never wait again
    emulator: Emulator

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away before its answer was written (it timed out and closed, or aborted
        the connection) is what clients do, not an emulator fault: one debug line, not the standard
        library's traceback on stderr."""
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError):
            log.debug("emulator http: %s went away before its answer (%s)", client_address, error)
            return
        super().handle_error(request, client_address)

    def serve_until_stopped(self, stopping: threading.Event, wake: socket.socket) -> None:
        """``serve_forever`` without its poll interval: it waits for a connection or for ``wake``
        (which ``Emulator.stop`` writes to), so stopping takes no time instead of up to one poll
        (``shutdown()`` waits for the loop to look at its flag again: 0.1 s at every demo's exit)."""
        with selectors.DefaultSelector() as selector:
            selector.register(self, selectors.EVENT_READ)
            selector.register(wake, selectors.EVENT_READ)
            while not stopping.is_set():
                ready = selector.select()
                if stopping.is_set():
                    break
                if any(key.fileobj is self for key, _events in ready):
                    self.handle_request()
                self.service_actions()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "packstation-som-emulator"
    timeout = 120  # an idle keep-alive connection is closed after this long
    # Buffered: an answer's head and body leave in one write (flushed when the request is handled), as
    # servers send a small answer; unbuffered (the standard library's default) they went out as two
    # segments, and a client paid a second read and loop wake-up for every answer. The trickling and
    # endless answers flush each piece themselves.
    wbufsize = 64 * 1024
    server: _Server

    def setup(self) -> None:
        super().setup()
        # A trickled answer goes out in many writes; without NODELAY, Nagle + delayed ACK add ~40 ms.
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.emulator._track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.emulator._track(self.connection, add=False)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("emulator http: " + format, *args)

    def version_string(self) -> str:
        return self.server_version

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The stdlib's own errors (bad request line, unknown HTTP verb) in Ingrid's shape too."""
        self.close_connection = True
        text = message or self.responses.get(code, ("error",))[0]
        self._send_json(code, error_document(_GRPC_FOR_HTTP.get(code, 2), text))

    def do_GET(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    def do_OPTIONS(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    # ----------------------------------------------------------------------------------- plumbing

    def _read_body(self) -> bytes | None:
        """The request body; None when it cannot be read (the connection is then closed)."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            total = 0
            while True:
                size_line = self.rfile.readline(100)
                try:
                    size = int(size_line.split(b";")[0].strip() or b"x", 16)
                except ValueError:
                    return None
                if size == 0:
                    while self.rfile.readline(1000) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY:
                    return None
                chunks.append(self.rfile.read(size))
                self.rfile.readline(10)
        length_text = self.headers.get("Content-Length") or "0"
        if not length_text.strip().isdigit() or int(length_text) > MAX_BODY:
            return None
        return self.rfile.read(int(length_text))

    def _send(
        self, status: int, payload: bytes, content_type: str, extra: dict[str, str] | None = None
    ) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Vary", "Accept-Encoding")
            self.send_header("x-trace-id", _trace_id())
            for name, value in (extra or {}).items():
                self.send_header(name, value)
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError, OSError):
            self.close_connection = True

    def _send_json(self, status: int, document: Any, extra: dict[str, str] | None = None) -> None:
        payload = json.dumps(document, ensure_ascii=False, indent=None).encode("utf-8")
        self._send(status, payload, "application/json", extra)

    def _send_trickle(
        self, status: int, payload: bytes, content_type: str, extra: dict[str, str] | None, rate: float
    ) -> None:
        """Headers at once (with the true Content-Length), then the body ``rate`` bytes a second."""
        emu = self.server.emulator
        step = max(1, round(rate / 10))  # ten writes a second at most
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("x-trace-id", _trace_id())
            for name, value in (extra or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.flush()
            for start in range(0, len(payload), step):
                if emu._stopping.wait(step / rate):
                    break
                self.wfile.write(payload[start : start + step])
                self.wfile.flush()
        except OSError:
            pass
        self.close_connection = True

    def _send_endless(self, content_type: str, sample: bytes) -> None:
        """200 with a chunked body that never ends, until the client goes away or the emulator stops."""
        emu = self.server.emulator
        chunk = (sample or b"0") * (65536 // max(1, len(sample)) + 1)
        chunk = chunk[:65536]
        frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
        try:
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("x-trace-id", _trace_id())
            self.end_headers()
            while not emu._stopping.wait(0.002):
                self.wfile.write(frame)
                self.wfile.flush()
        except OSError:
            pass
        self.close_connection = True

    def _drop(self) -> None:
        """Close the connection without a byte of answer."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    # ------------------------------------------------------------------------------------- serving

    def _serve(self) -> None:
        emu = self.server.emulator
        started = time.monotonic()
        url = urlsplit(self.path)
        path = url.path
        label_match = LABEL_PATH.match(path)
        route = ROUTES.get(path)
        if label_match:
            method = "labels.get"
        elif route:
            method = path.rsplit("/", 1)[-1]
        else:
            method = "unknown"
        raw = self._read_body()
        if raw is None:
            self.close_connection = True
            self._send_json(400, error_document(INVALID_ARGUMENT, "request body unreadable or too large"))
            return
        query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        body: Any = None
        body_error = None
        if raw.strip():
            try:
                body = json.loads(raw)
            except (ValueError, UnicodeDecodeError):
                body_error = "request body is not valid JSON"
        record = RequestRecord(method, self.command, path, query, Headers(self.headers.items()), body)
        record.authorized = emu._authorized(self.headers.get("Authorization"))
        emu._record(record)

        faults = emu._faults_for(method)
        delay_ms = emu.latency_ms + sum(f.delay_ms for f in faults if f.kind == "latency")
        if label_match:
            delay_ms += emu.label_delay_ms
        if delay_ms > 0 and emu._stopping.wait(delay_ms / 1000):
            record.dropped = True
            self._drop()
            return
        hang = next((f for f in faults if f.kind == "hang"), None)
        if hang is not None:
            emu._stopping.wait(hang.hang_s)
            record.dropped = True
            self._drop()
            return
        failing = next((f for f in faults if f.kind in ("status", "rate-limit")), None)
        if failing is not None:
            if failing.kind == "rate-limit":
                retry = failing.retry_after or 0
                retry_text = str(int(retry)) if float(retry).is_integer() else str(retry)
                record.status = 429
                self._send_json(429, error_document(8, "rate limit exceeded"), {"Retry-After": retry_text})
            else:
                code = _GRPC_FOR_HTTP.get(failing.status, 2)
                record.status = failing.status
                self._send_json(
                    failing.status, error_document(code, f"injected fault: HTTP {failing.status}")
                )
            return

        late = next((f for f in faults if f.kind == "late-commit"), None)
        if late is not None and emu._stopping.wait(late.commit_after_s):
            # Stopped while holding the call: it is still applied (the server committed it), unanswered.
            faults = [*faults, Fault(method, "commit-then-drop")]
        answer_fault = next((f for f in faults if f.kind in ANSWER_KINDS), None)

        if label_match and self.command not in ("GET", "HEAD"):
            status, extra, content_type = 405, {"Allow": "GET"}, "application/json"
            payload = json.dumps(error_document(12, "labels are fetched with GET")).encode()
        elif label_match:
            status, payload, content_type = emu._label(label_match.group(1), label_match.group(2))
            extra = None
        else:
            status, document, extra = self._api(emu, route, method, record, body, body_error, query)
            if answer_fault is not None and answer_fault.kind == "null-parcels" and status == 200:
                document = _null_parcels(document)
            payload = json.dumps(document, ensure_ascii=False).encode("utf-8")
            content_type = "application/json"
        record.status = status
        kind = answer_fault.kind if answer_fault is not None else None
        if kind == "commit-then-drop":
            record.dropped = True
            self._drop()
            return
        if kind == "garble":
            payload = payload[: len(payload) // 2]
        elif kind == "echo-auth":
            status, content_type = 200, "text/plain; charset=utf-8"
            # The credential first, as a debugging proxy that puts it on top would.
            headers = sorted(self.headers.items(), key=lambda item: item[0].lower() != "authorization")
            lines = [f"{name}: {value}" for name, value in headers]
            payload = ("\n".join(lines) + "\n").encode("utf-8")
            record.status = status
        if kind == "trickle":
            assert answer_fault is not None
            self._send_trickle(status, payload, content_type, extra, answer_fault.bytes_per_s)
        elif kind == "endless":
            self._send_endless(content_type, payload)
        else:
            self._send(status, payload, content_type, extra)
        log.info(
            "emulator: %s %s -> %s (%d ms)",
            self.command,
            method,
            status,
            (time.monotonic() - started) * 1000,
        )

    def _api(
        self,
        emu: Emulator,
        route: tuple[str, str] | None,
        method: str,
        record: RequestRecord,
        body: Any,
        body_error: str | None,
        query: dict[str, str],
    ) -> tuple[int, dict[str, Any], dict[str, str] | None]:
        if route is None:
            return 404, error_document(NOT_FOUND, f"no such method: {record.path}"), None
        if not record.authorized:
            has_header = bool(self.headers.get("Authorization"))
            message = "invalid API token" if has_header else "missing Authorization: Bearer <token> header"
            return 401, error_document(UNAUTHENTICATED, message), {"WWW-Authenticate": "Bearer"}
        http_method, handler_name = route
        if self.command != http_method and not (self.command == "HEAD" and http_method == "GET"):
            return 405, error_document(12, f"{method} expects {http_method}"), {"Allow": http_method}
        if http_method == "POST":
            if body_error:
                return 400, error_document(INVALID_ARGUMENT, body_error), None
            if body is None:
                body = {}
            if not isinstance(body, dict):
                return 400, error_document(INVALID_ARGUMENT, "request body must be a JSON object"), None
            argument = body
        else:
            argument = query
        try:
            with emu.lock:
                return 200, getattr(emu.service, handler_name)(argument), None
        except ApiError as exc:
            return exc.http_status, error_document(exc.code, exc.message), None
        except Exception:
            # A bug in the emulator: answer like a server would, and make it loud in the logs and tests.
            log.exception("emulator: %s failed", method)
            return 500, error_document(13, "internal error"), None


class Emulator:
    """Ingrid's SOM API on loopback, with fault injection. See the package docstring for the API."""

    def __init__(
        self,
        token: str = DEMO_TOKEN,
        host: str = "127.0.0.1",
        port: int = 0,
        latency_ms: int = 0,
        seed_demo: bool = False,
        label_format: str = "svg",
        site_id: str = DEFAULT_SITE_ID,
        label_delay_ms: int = 0,
    ) -> None:
        if label_format not in labelgen.LABEL_FORMATS:
            raise ValueError(f"label_format must be one of {', '.join(labelgen.LABEL_FORMATS)}")
        self._token = token
        self.host = host
        self.port = port
        self.latency_ms = max(0, int(latency_ms))
        self.label_delay_ms = max(0, int(label_delay_ms))  # added to every label download
        self._withhold_labels = False  # withhold_label_urls(): booked deliveries get no label_url yet
        self.label_format = label_format
        self.service = SomService(site_id, label_url_for=self._label_url)
        self.lock = self.service.lock
        self.requests: list[RequestRecord] = []
        self._faults: list[Fault] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._wake: tuple[socket.socket, ...] = ()  # start() makes the pair that wakes its loop
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._labels: OrderedDict[tuple[str, str, str, int], bytes] = OrderedDict()
        if seed_demo:
            self.seed_demo()

    # ---------------------------------------------------------------------------------- lifecycle

    def start(self) -> Emulator:
        """Listen (again) and serve in a background thread. A restart binds the same port."""
        if self._server is not None:
            return self
        self._stopping = threading.Event()
        server_class: type[_Server] = _Server
        if ":" in self.host:
            server_class = type("_Server6", (_Server,), {"address_family": socket.AF_INET6})
        server = server_class((self.host, self.port), _Handler)
        server.emulator = self
        self.port = server.server_address[1]
        self._server = server
        self._wake = socket.socketpair()
        self._thread = threading.Thread(
            target=server.serve_until_stopped,
            args=(self._stopping, self._wake[1]),
            name="som-emulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening, close every connection, release hung requests. State is kept."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()
        if thread is not None:
            with contextlib.suppress(OSError):
                self._wake[0].send(b"x")  # the serving loop wakes, sees the flag and ends
            thread.join(timeout=5)
        for end in self._wake:
            end.close()
        server.server_close()
        with self.lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self._server = None
        self._thread = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def base_url(self) -> str:
        host = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    @property
    def site_id(self) -> str:
        return self.service.site_id

    @property
    def shipments(self) -> dict[str, Shipment]:
        return self.service.shipments

    @property
    def tos_orders(self) -> dict[str, dict[str, Any]]:
        return self.service.tos_orders

    @property
    def events(self) -> list[dict[str, Any]]:
        return self.service.events

    # ---------------------------------------------------------------------------------- faults

    def add_fault(self, fault: Fault) -> Fault:
        with self.lock:
            fault.seen = 0
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self.lock:
            self._faults.clear()

    def set_latency(self, ms: int) -> None:
        self.latency_ms = max(0, int(ms))

    def set_label_delay(self, ms: int) -> None:
        self.label_delay_ms = max(0, int(ms))

    def withhold_label_urls(self, withhold: bool = True) -> None:
        """While withheld, a delivery booked gets its tracking number but no ``label_url`` (Ingrid
        answering before the carrier's label exists); ``release_label_urls`` fills them in later."""
        self._withhold_labels = withhold

    def release_label_urls(self) -> int:
        """Give every booked delivery without a ``label_url`` its URL; returns how many."""
        given = 0
        with self.lock:
            for shipment in self.service.shipments.values():
                for parcel in shipment.parcels:
                    for delivery in parcel.deliveries:
                        if delivery.tracking_number and not delivery.label_url:
                            delivery.label_url = self._label_url(delivery.id)
                            given += 1
        return given

    def _faults_for(self, method: str) -> list[Fault]:
        with self.lock:
            return [f for f in self._faults if f.matches(method) and f.fires()]

    # ---------------------------------------------------------------------------------- queries

    def parcel_count(self, shipment_id: str) -> int:
        with self.lock:
            shipment = self.service.shipments.get(shipment_id)
            return len(shipment.parcels) if shipment else 0

    def find_shipment(self, external_id: str | None = None, tos_id: str | None = None) -> Shipment | None:
        with self.lock:
            return self.service.find_shipment(external_id=external_id, tos_id=tos_id)

    def shipment_json(self, shipment_id: str) -> dict[str, Any]:
        """The shipment exactly as shipments.get would answer it."""
        with self.lock:
            return self.service.shipments[shipment_id].to_json()

    def requests_for(self, method: str) -> list[RequestRecord]:
        with self.lock:
            return [r for r in self.requests if r.method == method]

    # ---------------------------------------------------------------------------------- seeding

    def seed_shipment(
        self,
        external_id: str,
        lines: list[Any],
        number_of_parcels: int = 1,
        booked: bool = False,
        **fields: Any,
    ) -> str:
        """Create a shipment as the merchant backend would (and book it if asked); returns its id."""
        body = demo.order_request(demo.DEMO_ORDERS[0])
        body.update(tos_id="", external_id=external_id, number_of_parcels=number_of_parcels)
        body["contents"] = {"goods": demo.goods_from_lines(lines)}
        body.update(fields)
        with self.lock:
            shipment = self.service._create(body)
            if booked:
                self.service.book_parcels({"shipment_id": shipment.id})
            return shipment.id

    def seed_tos_order(self, tos_id: str, lines: list[Any], **fields: Any) -> None:
        """Make an order known to 'Delivery Checkout', so shipments.create with only its tos_id works."""
        body = demo.order_request(demo.DEMO_ORDERS[0])
        body.pop("tos_id")
        body["external_id"] = fields.pop("external_id", "")
        body["contents"] = {"goods": demo.goods_from_lines(lines)}
        body.update(fields)
        with self.lock:
            self.service.tos_orders[tos_id] = body

    def seed_demo(self) -> None:
        """The demo orders: shipments for most, Delivery Checkout orders only for the rest."""
        with self.lock:
            for order in demo.DEMO_ORDERS:
                request = demo.order_request(order)
                self.service.tos_orders[order["tos_id"]] = {k: v for k, v in request.items() if k != "tos_id"}
                if not order["tos_only"] and not self.service.find_shipment(external_id=order["external_id"]):
                    self.service._create(request)

    # ---------------------------------------------------------------------------------- internals

    def _authorized(self, header: str | None) -> bool:
        if not header:
            return False
        scheme, _, credential = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not credential:
            return False
        try:
            decoded = base64.b64decode(credential.strip(), validate=True)
        except (binascii.Error, ValueError):
            return False
        return hmac.compare_digest(decoded, self._token.encode("utf-8"))

    def _record(self, record: RequestRecord) -> None:
        with self.lock:
            self.requests.append(record)
            if len(self.requests) > MAX_RECORDS:
                del self.requests[: MAX_RECORDS // 2]

    def _track(self, conn: socket.socket, *, add: bool) -> None:
        with self.lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def _label_url(self, delivery_id: str) -> str | None:
        if self._withhold_labels:
            return None
        return f"{self.base_url}/v1/labels/{delivery_id}.{self.label_format}"

    def _label(self, delivery_id: str, fmt: str) -> tuple[int, bytes, str]:
        with self.lock:
            found = self.service.find_delivery_by_id(delivery_id)
            if found is None or not found[2].tracking_number:
                message = f"no label for delivery {delivery_id}"
                return 404, json.dumps(error_document(NOT_FOUND, message)).encode(), "application/json"
            shipment, parcel, delivery = found
            key = (delivery_id, fmt, shipment.updated_at, len(shipment.parcels))
            cached = self._labels.get(key)
            if cached is not None:
                self._labels.move_to_end(key)
            else:
                number = shipment.parcels.index(parcel) + 1
                kwargs: dict[str, Any] = {
                    "tracking_number": delivery.tracking_number,
                    "address_to": shipment.address_to,
                    "address_from": shipment.address_from,
                    "shipping_method": shipment.shipping_method,
                    "order_id": shipment.external_id or shipment.tos_id,
                    "parcel_text": f"Parcel {number} of {len(shipment.parcels)}",
                }
        if cached is None:
            cached = labelgen.make_label(fmt, **kwargs)
            with self.lock:
                self._labels[key] = cached
                while len(self._labels) > LABEL_CACHE_SIZE:
                    self._labels.popitem(last=False)  # the least recently used
        return 200, cached, labelgen.content_type(fmt)
