"""The SOM client sets TLS up (loads the CA bundle) only for https:// requests: a loopback http:// API
starts without that cost, and an https:// label download still gets httpx's verified transport."""

from __future__ import annotations

import asyncio
import socket

import pytest

from packstation.adapters.som.client import SomClient
from packstation.adapters.som.errors import SomError
from packstation.emulator import DEMO_TOKEN, Emulator


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_http_api_never_sets_up_tls_and_an_https_download_does():
    emulator = Emulator(token=DEMO_TOKEN, port=0).start()
    try:
        shipment_id = emulator.seed_shipment("TLS-1", [("SKU-TEE", "T-shirt", 1)])

        async def main() -> tuple[bool, bool, str]:
            async with SomClient(emulator.base_url, DEMO_TOKEN, site_id=emulator.site_id) as som:
                som.retry_backoff_s = 0.01
                shipment = await som.get_shipment(id=shipment_id)
                transport = som._http._transport
                before = transport.tls_ready
                with pytest.raises(SomError):
                    await som.download_label(f"https://127.0.0.1:{closed_port()}/label.svg")
                return before, transport.tls_ready, shipment.id

        before, after, got = asyncio.run(main())
    finally:
        emulator.stop()
    assert got == shipment_id
    assert before is False, "TLS was set up for a plain http:// API"
    assert after is True, "an https:// download did not go through the verified TLS transport"
