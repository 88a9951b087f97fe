"""The SOM client's connections (``adapters/som/transport.py``, ``aiohttp_transport.py``): keep-alive,
TLS, timeouts, large answers and servers that close idle connections, against small local servers; and
the rule exactly-once rests on: a connect error only when the request cannot have left the station,
whatever else a server does (drops the connection after reading the request, resets it, answers
something that is not HTTP, breaks the body off)."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import socket
import ssl
import struct

import httpx
import pytest

from packstation.adapters.som.aiohttp_transport import AiohttpTransport
from packstation.adapters.som.client import SomClient
from packstation.adapters.som.errors import OutcomeUnknownError
from packstation.adapters.som.transport import TlsOnDemandTransport


class _Server:
    """An HTTP/1.1 server on loopback answering every request with ``body``; counts connections."""

    def __init__(
        self, body: bytes = b"ok", *, close_after: bool = False, delay_s: float = 0.0, headers: bytes = b""
    ) -> None:
        self.body = body
        self.headers = headers  # more header lines of every answer, each ending in CRLF
        self.heads: list[bytes] = []  # every request's line and headers, as received
        self.close_after = close_after  # close the connection after each answer, without saying so
        self.delay_s = delay_s
        self.connections = 0
        self.handlers: set[asyncio.Task] = set()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        task = asyncio.current_task()
        assert task is not None
        self.handlers.add(task)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                if not head:
                    return
                self.heads.append(head)
                length = next(
                    (
                        int(line[15:])
                        for line in head.lower().split(b"\r\n")
                        if line.startswith(b"content-length:")
                    ),
                    0,
                )
                await reader.readexactly(length)  # the request's body
                await asyncio.sleep(self.delay_s)
                writer.write(
                    b"HTTP/1.1 200 OK\r\n%sContent-Length: %d\r\n\r\n" % (self.headers, len(self.body))
                    + self.body
                )
                await writer.drain()
                if self.close_after:
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            writer.close()

    async def start(self, ssl_context: ssl.SSLContext | None = None) -> asyncio.Server:
        return await asyncio.start_server(self.handle, "127.0.0.1", 0, ssl=ssl_context)

    async def stop(self) -> None:
        """Ends the handlers still running (a test's loop must not close on pending tasks)."""
        for task in self.handlers:
            task.cancel()
        await asyncio.gather(*self.handlers, return_exceptions=True)


def _port(server: asyncio.Server) -> int:
    return server.sockets[0].getsockname()[1]


async def _get(transport: httpx.AsyncBaseTransport, url: str, times: int = 1, **kw) -> list[httpx.Response]:
    async with httpx.AsyncClient(transport=transport, **kw) as client:
        return [await client.get(url) for _ in range(times)]


def test_plain_http_keeps_one_connection_alive_for_many_requests():
    async def main() -> tuple[list[httpx.Response], int]:
        backend = _Server(b"hello")
        server = await backend.start()
        async with server:
            responses = await _get(TlsOnDemandTransport(), f"http://127.0.0.1:{_port(server)}/", times=5)
        return responses, backend.connections

    responses, connections = asyncio.run(main())
    assert [r.content for r in responses] == [b"hello"] * 5
    assert connections == 1


def test_an_idle_connection_the_server_closed_is_not_reused():
    async def main() -> tuple[list[bytes], int]:
        backend = _Server(b"fresh", close_after=True)
        server = await backend.start()
        async with server, httpx.AsyncClient(transport=TlsOnDemandTransport()) as client:
            url = f"http://127.0.0.1:{_port(server)}/"
            first = await client.get(url)
            await asyncio.sleep(0.05)  # the server's close arrives while the connection is idle
            second = await client.get(url)
        return [first.content, second.content], backend.connections

    bodies, connections = asyncio.run(main())
    assert bodies == [b"fresh", b"fresh"]
    assert connections == 2


def test_a_large_answer_arrives_whole():
    body = bytes(range(256)) * 8192  # 2 MiB: reading pauses and resumes on the way

    async def main() -> bytes:
        server = await _Server(body).start()
        async with server:
            (response,) = await _get(TlsOnDemandTransport(), f"http://127.0.0.1:{_port(server)}/")
        return response.content

    assert asyncio.run(main()) == body


def test_a_server_that_does_not_answer_is_a_read_timeout():
    async def main() -> None:
        backend = _Server(delay_s=5.0)
        server = await backend.start()
        async with server:
            with pytest.raises(httpx.ReadTimeout):
                await _get(TlsOnDemandTransport(), f"http://127.0.0.1:{_port(server)}/", timeout=0.2)
        await backend.stop()

    asyncio.run(main())


def test_nothing_listening_is_a_connect_error():
    async def main() -> None:
        server = await _Server().start()
        port = _port(server)
        server.close()
        await server.wait_closed()
        with pytest.raises(httpx.ConnectError):
            await _get(TlsOnDemandTransport(), f"http://127.0.0.1:{port}/")

    asyncio.run(main())


def test_the_som_client_ignores_a_set_cookie_and_sends_no_cookie():
    """A load balancer in front of the API may set an affinity cookie. The API authenticates every call
    with the token and the reference documents no cookie, so the client keeps none: no later request
    carries a ``Cookie`` header (httpx's jar would have sent it back)."""

    async def main() -> list[bytes]:
        backend = _Server(
            b"{}", headers=b"Content-Type: application/json\r\nSet-Cookie: AWSALB=affinity-1; Path=/\r\n"
        )
        server = await backend.start()
        async with server:
            async with SomClient(f"http://127.0.0.1:{_port(server)}", "secret-token") as client:
                await client.cancel_delivery("TRACK-1")
                await client.cancel_delivery("TRACK-2")
            await asyncio.wait(backend.handlers, timeout=5)  # the client closed: the handler ends
        return backend.heads

    heads = asyncio.run(main())
    assert [h.split(b" ")[:2] for h in heads] == [[b"POST", b"/v1/som/deliveries.cancel"]] * 2
    assert all(b"\r\ncookie:" not in h.lower() for h in heads), heads
    assert all(b"\r\nauthorization: bearer " in h.lower() for h in heads)  # the token, every call


@pytest.mark.parametrize(
    "base",
    ["http://127.0.0.1:8080", "http://127.0.0.1:8080/", "https://api.example/som", "https://api.example/x/"],
)
@pytest.mark.parametrize("path", ["/v1/som/shipments.get", "/v1/events_gateway/events.publish"])
def test_the_clients_request_urls_are_httpxs_own_merge_of_base_and_path(base, path):
    """The client makes each method's absolute URL once (``_HttpParts.url_for``); it must be the URL httpx
    builds from its base URL and the relative path."""

    async def main() -> tuple[httpx.URL, httpx.URL]:
        async with SomClient(base, "t") as client:
            parts = client._connection()
            return parts.url_for(path), parts.http.build_request("GET", path).url

    cached, merged = asyncio.run(main())
    assert cached == merged and str(cached).endswith(path.lstrip("/"))


def _self_signed(tmp_path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """(server context, client context trusting only that server's certificate) for 127.0.0.1."""
    x509 = pytest.importorskip("cryptography.x509")
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    loopback = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(loopback, False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert_file, key_file)
    client = ssl.create_default_context(cafile=str(cert_file))
    return server, client


def test_https_is_verified_and_kept_alive(tmp_path):
    server_context, client_context = _self_signed(tmp_path)

    async def main() -> tuple[list[bytes], int]:
        backend = _Server(b"secret")
        server = await backend.start(server_context)
        async with server:
            url = f"https://127.0.0.1:{_port(server)}/"
            responses = await _get(AiohttpTransport(client_context), url, times=3)
            # The station's own TLS transport trusts the CA bundle, not this certificate: refused.
            with pytest.raises(httpx.ConnectError):
                await _get(TlsOnDemandTransport(), url)
        return [r.content for r in responses], backend.connections

    bodies, connections = asyncio.run(main())
    assert bodies == [b"secret"] * 3
    assert connections == 1  # kept alive for the three (the refused one never finished its handshake)


class _Misbehaving:
    """A loopback server that reads each request whole, then does ``what`` instead of answering."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.requests = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            (int(h[15:]) for h in head.lower().split(b"\r\n") if h.startswith(b"content-length:")), 0
        )
        await reader.readexactly(length)
        self.requests += 1  # received: whatever happens next, the server has it
        if self.what == "reset":  # RST instead of FIN
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        elif self.what == "not http":
            writer.write(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")
        elif self.what == "body broken off":
            writer.write(b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"shipment":')
        await writer.drain()
        writer.close()


@pytest.mark.parametrize(
    ("what", "error"),
    [
        ("drop", httpx.RemoteProtocolError),  # commit-then-drop: read the request, close, no answer
        ("reset", httpx.ReadError),
        ("not http", httpx.RemoteProtocolError),
        ("body broken off", httpx.ReadError),
    ],
)
def test_a_request_the_server_received_is_never_a_connect_error(what, error):
    """httpx-aiohttp 0.2.0 maps aiohttp's ``ClientConnectionError`` (the base of the error for a
    connection closed after the request went out) to ``ConnectTimeout``: "never sent", and a booking
    sent again blind. Here each of these is an error that says the server may have it."""

    async def main() -> tuple[BaseException, int]:
        backend = _Misbehaving(what)
        server = await asyncio.start_server(backend.handle, "127.0.0.1", 0)
        async with server, httpx.AsyncClient(transport=TlsOnDemandTransport()) as client:
            with pytest.raises(httpx.HTTPError) as caught:
                await client.post(
                    f"http://127.0.0.1:{_port(server)}/v1/som/shipments.bookParcels", content=b"{}"
                )
        return caught.value, backend.requests

    raised, received = asyncio.run(main())
    assert received == 1
    assert isinstance(raised, error), repr(raised)
    assert not isinstance(raised, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout), repr(raised)


def test_a_booking_whose_connection_drops_after_sending_is_an_unknown_outcome():
    """The same through the client: a write the server read and never answered is OutcomeUnknownError
    (the outbox looks the shipment up before it books again), not a network error."""

    async def main() -> BaseException:
        backend = _Misbehaving("drop")
        server = await asyncio.start_server(backend.handle, "127.0.0.1", 0)
        async with server, SomClient(f"http://127.0.0.1:{_port(server)}", "secret-token") as client:
            with pytest.raises(OutcomeUnknownError) as caught:
                await client.cancel_delivery("TRACK-1")
        assert backend.requests == 1
        return caught.value

    assert "may have been applied" in str(asyncio.run(main()))


def test_https_through_the_plain_transport_is_refused_not_sent_unverified():
    async def main() -> None:
        with pytest.raises(httpx.UnsupportedProtocol):
            await _get(AiohttpTransport(), "https://127.0.0.1:9/")

    asyncio.run(main())


def test_each_request_is_sent_once_and_connections_are_kept_for_the_next():
    """8 in the air, as the outbox keeps them: every request reaches the server once (httpcore's pool
    used to hand one free connection to several queued requests, and all but one went round again),
    on no more connections than are in the air."""
    in_the_air, requests = 8, 400

    async def main() -> tuple[int, int, list[bytes]]:
        backend = _Server(b"x", delay_s=0.002)
        server = await backend.start()
        async with server:
            slots = asyncio.Semaphore(in_the_air)
            async with httpx.AsyncClient(transport=TlsOnDemandTransport()) as client:
                url = f"http://127.0.0.1:{_port(server)}/"

                async def one() -> bytes:
                    async with slots:
                        return (await client.get(url)).content

                bodies = await asyncio.gather(*(one() for _ in range(requests)))
        await backend.stop()
        return len(backend.heads), backend.connections, bodies

    received, connections, bodies = asyncio.run(main())
    assert bodies == [b"x"] * requests
    assert received == requests
    assert connections <= in_the_air
