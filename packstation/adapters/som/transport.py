"""The SOM client's HTTP transport: TLS is set up only when the first https:// request goes out.

httpx's default transport builds a verified SSL context at construction, loading the whole CA bundle
(~20 ms on a bench PC, on the GUI thread at start-up), even when every request goes to an http://
loopback API (the demo's emulator, a local test double). ``TlsOnDemandTransport`` sends http://
requests through a transport that never handles TLS, and makes the verified transport (the CA bundle,
certificate and host name checks: exactly httpx's default) at the first https:// request.
"""

from __future__ import annotations

import ssl

import httpx


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
                self._tls = httpx.AsyncHTTPTransport()  # verify=True: the CA bundle, host name checks
            return await self._tls.handle_async_request(request)
        if request.url.scheme != "http":
            raise httpx.UnsupportedProtocol(f"unsupported URL scheme {request.url.scheme!r}", request=request)
        if self._plain is None:
            # This transport only ever opens plain TCP connections (https never reaches it), so its SSL
            # context is never used; a bare one avoids loading the CA bundle for nothing. It would fail
            # closed anyway: it requires certificates and host names but trusts no CA.
            self._plain = httpx.AsyncHTTPTransport(verify=ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT))
        return await self._plain.handle_async_request(request)

    async def aclose(self) -> None:
        for transport in (self._plain, self._tls):
            if transport is not None:
                await transport.aclose()
