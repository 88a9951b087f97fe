"""The SOM client's HTTP transport: TLS set up only when the first https:// request goes out, and
connections carried by aiohttp.

httpx's default transport builds a verified SSL context at construction, loading the whole CA bundle
(~20 ms on a bench PC, on the GUI thread at start-up), even when every request goes to an http://
loopback API (the demo's emulator, a local test double). ``TlsOnDemandTransport`` sends http://
requests through a transport that never handles TLS, and makes the verified transport (the CA bundle,
certificate and host name checks: exactly httpx's default) at the first https:// request.

Both carry their requests on aiohttp (``aiohttp_transport.py``: its HTTP/1.1 parser in C, its pool and
keep-alive, with httpx's default limits) under httpx's client. httpx's own transport (httpcore and h11,
in Python) cost ~560 µs of the loop's CPU per call at no latency, even on an asyncio network backend
written for it, against ~400 µs this way (``SomClient.get_shipment``, 2,000 reads, 8 in the air).

``CookielessClient`` is httpx's client without its cookie jar. The API authenticates every call with
its token and Ingrid's reference documents no cookie; httpx still ran every answer through the standard
library's cookie machinery (a urllib request and response built around it, the jar's lock) and merged the
jar into every request: ~6% of the loop's time draining a backlog. A ``Set-Cookie`` (a load balancer's
affinity cookie, say) is ignored, and no request carries a ``Cookie`` header.
"""

from __future__ import annotations

from http.cookiejar import Cookie, CookieJar
from typing import Any

import httpx

from packstation.adapters.som.aiohttp_transport import AiohttpTransport

# What httpx's default transport uses (httpx._config.DEFAULT_LIMITS, keep-alive 5 s).
_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0)


class TlsOnDemandTransport(httpx.AsyncBaseTransport):
    """Plain http:// on a transport without TLS; https:// on httpx's default, verified, made on first use."""

    def __init__(self) -> None:
        self._plain: AiohttpTransport | None = None
        self._tls: AiohttpTransport | None = None

    @property
    def tls_ready(self) -> bool:
        """True once an https:// request has made the verified transport (tests look at it)."""
        return self._tls is not None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme == "https":
            if self._tls is None:
                self._tls = AiohttpTransport(httpx.create_ssl_context())  # the CA bundle, host names
            return await self._tls.handle_async_request(request)
        if request.url.scheme != "http":
            raise httpx.UnsupportedProtocol(f"unsupported URL scheme {request.url.scheme!r}", request=request)
        if self._plain is None:
            self._plain = AiohttpTransport()  # no SSL context: it refuses https:// (never sent here)
        return await self._plain.handle_async_request(request)

    async def aclose(self) -> None:
        for transport in (self._plain, self._tls):
            if transport is not None:
                await transport.aclose()


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
