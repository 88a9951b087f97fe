"""The SOM client's HTTP transport: TLS set up only when the first https:// request goes out, and
connections carried by asyncio itself rather than through anyio.

httpx's default transport builds a verified SSL context at construction, loading the whole CA bundle
(~20 ms on a bench PC, on the GUI thread at start-up), even when every request goes to an http://
loopback API (the demo's emulator, a local test double). ``TlsOnDemandTransport`` sends http://
requests through a transport that never handles TLS, and makes the verified transport (the CA bundle,
certificate and host name checks: exactly httpx's default) at the first https:// request.

Both transports are httpx's own, with httpx's default limits, over ``AsyncioNetworkBackend``: httpcore's
network-backend hook (``network_backend=``), implemented on an asyncio protocol. httpcore's default
(anyio) opens a cancel scope with its own timer for every read and write, and its idle-connection check
(``has_expired``, run for every pooled connection at every request and at every response's end) builds
anyio's whole attribute table, one ``getpeername`` call included, just to find the socket: on the
station's qasync loop (every timer a Qt timer) that was most of the HTTP work of the GUI thread. Here a
read arms a timer only when it has to wait, a write only when the socket's buffer is full, and the
idle check looks at what the protocol already knows (data or an end received) before asking the
socket, as httpcore does, with one ``poll``. httpx 0.28 takes no network backend, so the transports'
pools are made here with the settings httpx gives its own, as ``pool.py``'s ``Http11ConnectionPool``
(httpcore's pool without its habit of handing one connection to several requests). The backend lives in
``asyncio_backend.py``, imported with the first request (httpcore imports certifi: not at start-up).

``CookielessClient`` is httpx's client without its cookie jar. The API authenticates every call with
its token and Ingrid's reference documents no cookie; httpx still ran every answer through the standard
library's cookie machinery (a urllib request and response built around it, the jar's lock) and merged the
jar into every request: ~6% of the loop's time draining a backlog. A ``Set-Cookie`` (a load balancer's
affinity cookie, say) is ignored, and no request carries a ``Cookie`` header.
"""

from __future__ import annotations

import ssl
from http.cookiejar import Cookie, CookieJar
from typing import Any

import httpx

# What httpx's default transport uses (httpx._config.DEFAULT_LIMITS, keep-alive 5 s).
_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0)


class TlsOnDemandTransport(httpx.AsyncBaseTransport):
    """Plain http:// on a transport without TLS; https:// on httpx's default, verified, made on first use."""

    def __init__(self) -> None:
        self._plain: httpx.AsyncHTTPTransport | None = None
        self._tls: httpx.AsyncHTTPTransport | None = None

    @property
    def tls_ready(self) -> bool:
        """True once an https:// request has made the verified transport (tests look at it)."""
        return self._tls is not None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme == "https":
            if self._tls is None:
                self._tls = asyncio_transport(httpx.create_ssl_context())  # the CA bundle, host names
            return await self._tls.handle_async_request(request)
        if request.url.scheme != "http":
            raise httpx.UnsupportedProtocol(f"unsupported URL scheme {request.url.scheme!r}", request=request)
        if self._plain is None:
            # This transport only ever opens plain TCP connections (https never reaches it), so its SSL
            # context is never used; a bare one avoids loading the CA bundle for nothing. It would fail
            # closed anyway: it requires certificates and host names but trusts no CA.
            self._plain = asyncio_transport(ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT))
        return await self._plain.handle_async_request(request)

    async def aclose(self) -> None:
        for transport in (self._plain, self._tls):
            if transport is not None:
                await transport.aclose()


def asyncio_transport(ssl_context: ssl.SSLContext) -> httpx.AsyncHTTPTransport:
    """httpx's transport as httpx makes it by default, its connections on ``AsyncioNetworkBackend``."""
    from packstation.adapters.som.asyncio_backend import AsyncioNetworkBackend
    from packstation.adapters.som.pool import Http11ConnectionPool  # httpcore, as httpx imports it here

    transport = httpx.AsyncHTTPTransport(verify=ssl_context, limits=_LIMITS)
    transport._pool = Http11ConnectionPool(
        ssl_context=ssl_context,
        max_connections=_LIMITS.max_connections,
        max_keepalive_connections=_LIMITS.max_keepalive_connections,
        keepalive_expiry=_LIMITS.keepalive_expiry,
        network_backend=AsyncioNetworkBackend(),
    )
    return transport


class _RefusingJar(CookieJar):
    """A cookie jar that keeps nothing, whoever hands it a cookie."""

    def set_cookie(self, cookie: Cookie) -> None:
        pass


class _NoCookies(httpx.Cookies):
    """No cookies, and nothing read from an answer's ``Set-Cookie`` (not even parsed)."""

    def __init__(self) -> None:
        super().__init__(_RefusingJar())

    def extract_cookies(self, response: httpx.Response) -> None:
        pass


class CookielessClient(httpx.AsyncClient):
    """``httpx.AsyncClient`` that neither stores nor sends cookies (see the module's docstring)."""

    _no_cookies = _NoCookies()

    @property
    def cookies(self) -> httpx.Cookies:
        return self._no_cookies

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        raise TypeError("the SOM client sends no cookies")
