"""An httpx transport that carries the SOM client's requests on aiohttp: its HTTP/1.1 parser (in C),
its connection pool and its keep-alive, under httpx's client (``transport.py`` says why).

httpx stays the client's interface: requests, answers, timeouts and exceptions are httpx's, so the
client's error mapping and every test that hands it an httpx transport are unchanged. What this module
owns is the translation, and in it the one rule exactly-once rests on: **``httpx.ConnectError`` /
``ConnectTimeout`` only when the request cannot have left the station** (aiohttp failed to open the
connection: refused, no route, DNS, TLS handshake or certificate). Anything after that (the server
closing a connection the request went out on, a reset, a read timeout, an answer that is not HTTP) is
an httpx error the client reads as "the server may have received it": a booking is then looked up
before it is sent again, never sent twice blind.

That rule is why this is not ``httpx-aiohttp`` (0.2.0): its table maps aiohttp's
``ClientConnectionError`` (the base of ``ServerDisconnectedError``, a connection dropped after the
request was sent) to ``httpx.ConnectTimeout``, which would turn commit-then-drop into "never sent".

Timeouts: httpx's ``connect`` is aiohttp's ``sock_connect``; ``pool`` + ``connect`` bound aiohttp's
``connect`` (waiting for a pooled connection, then opening it); ``read`` is aiohttp's ``sock_read``
(the longest silence between two reads of the answer). aiohttp has no write timeout: the request's
bytes go into the socket's buffer at once (a JSON body of a few KiB) and the answer's read timeout
starts behind them. The session is made with the first request, on the loop it runs on.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import aiohttp
import httpx
from yarl import URL

# httpx's default pool (httpx._config.DEFAULT_LIMITS): 100 connections, kept alive 5 s when idle.
MAX_CONNECTIONS = 100
KEEPALIVE_EXPIRY_S = 5.0

# aiohttp computes these from the body it sends (httpx computed them for the same bytes).
_BODY_HEADERS = frozenset({"content-length", "transfer-encoding"})


@contextmanager
def _httpx_errors(request: httpx.Request) -> Iterator[None]:
    """aiohttp's exceptions as httpx's; ``ConnectError``/``ConnectTimeout`` only before sending."""
    try:
        yield
    except aiohttp.ClientConnectorError as exc:  # opening the connection failed (TLS included)
        raise httpx.ConnectError(str(exc) or type(exc).__name__, request=request) from exc
    except aiohttp.ConnectionTimeoutError as exc:  # no pooled connection or no connection in time
        raise httpx.ConnectTimeout(str(exc) or "timed out opening a connection", request=request) from exc
    except aiohttp.ServerTimeoutError as exc:  # SocketTimeoutError: the answer's read timeout
        raise httpx.ReadTimeout(str(exc) or "timed out reading the answer", request=request) from exc
    except aiohttp.ServerDisconnectedError as exc:  # the request may have been received
        raise httpx.RemoteProtocolError(
            str(exc) or "server disconnected without an answer", request=request
        ) from exc
    except aiohttp.ClientPayloadError as exc:  # the body broke off (or its encoding did)
        raise httpx.ReadError(str(exc) or type(exc).__name__, request=request) from exc
    except aiohttp.ClientResponseError as exc:  # not an HTTP answer (a bad status line or header)
        raise httpx.RemoteProtocolError(exc.message or type(exc).__name__, request=request) from exc
    except aiohttp.InvalidURL as exc:
        raise httpx.UnsupportedProtocol(str(exc) or type(exc).__name__, request=request) from exc
    except (aiohttp.ClientError, OSError) as exc:  # a reset, a write to a closed socket: maybe sent
        raise httpx.ReadError(str(exc) or type(exc).__name__, request=request) from exc


class _Body(httpx.AsyncByteStream):
    """An aiohttp answer's body, chunk by chunk as it arrives; closing gives the connection back."""

    def __init__(self, response: aiohttp.ClientResponse, request: httpx.Request) -> None:
        self._response = response
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _httpx_errors(self._request):
            async for chunk in self._response.content.iter_any():
                yield chunk

    async def aclose(self) -> None:
        # Read to its end: the connection goes back to the pool; otherwise it is closed, not reused.
        self._response.release() if self._response.content.is_eof() else self._response.close()


class AiohttpTransport(httpx.AsyncBaseTransport):
    """httpx's transport interface on an aiohttp session: HTTP/1.1, keep-alive, no proxy, no cookies
    (the client sends none), no redirects followed, bodies handed to httpx as they came (httpx decodes
    a ``Content-Encoding``). ``ssl_context``: verification for https:// (None: http:// only)."""

    def __init__(self, ssl_context: ssl.SSLContext | None = None) -> None:
        self._ssl_context = ssl_context
        self._session: aiohttp.ClientSession | None = None

    def _open_session(self) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            limit=MAX_CONNECTIONS,
            keepalive_timeout=KEEPALIVE_EXPIRY_S,
            # http://: no TLS ever (an https:// URL here is refused, not sent unverified)
            ssl=self._ssl_context if self._ssl_context is not None else False,
        )
        return aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=False,
            trust_env=False,  # as httpx with a transport given: no proxy from the environment
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme == "https" and self._ssl_context is None:
            raise httpx.UnsupportedProtocol("this transport carries http:// only", request=request)
        if self._session is None:
            self._session = self._open_session()
        headers = [(k, v) for k, v in request.headers.multi_items() if k.lower() not in _BODY_HEADERS]
        body = await request.aread()
        with _httpx_errors(request):
            response = await self._session.request(
                request.method,
                URL(str(request.url), encoded=True),  # httpx's URL, byte for byte
                headers=headers,
                data=body or None,
                allow_redirects=False,
                timeout=_timeout(request.extensions.get("timeout", {})),
            )
        return httpx.Response(
            status_code=response.status,
            headers=response.raw_headers,
            stream=_Body(response, request),
            request=request,
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": (response.reason or "").encode()},
        )

    async def aclose(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()


def _timeout(phases: dict[str, Any]) -> aiohttp.ClientTimeout:
    connect, pool, read = phases.get("connect"), phases.get("pool"), phases.get("read")
    acquire = None if connect is None or pool is None else connect + pool
    return aiohttp.ClientTimeout(total=None, connect=acquire, sock_connect=connect, sock_read=read)
