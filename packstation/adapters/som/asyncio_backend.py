"""httpcore's network backend on the running asyncio loop, for the SOM client's transports
(``transport.py`` says why: no anyio cancel scope per read and write, idle checks without anyio's
attribute table). A connection is an ``asyncio.Protocol`` that keeps what arrived until httpcore reads
it; a read waits (with a timer) only when nothing is there, a write only when the socket's buffer is
full. Errors are httpcore's own exceptions, which httpx maps to its own as for its default backend.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterable
from typing import Any

import httpcore
from httpcore._utils import is_socket_readable  # httpcore's own idle-connection test

_HIGH_WATER = 256 * 1024  # unread bytes held before reading from the socket pauses (a large label)


class _Connection(asyncio.Protocol):
    """What arrived on one connection, kept until httpcore reads it."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.received = bytearray()
        self.ended = False  # the peer sent its end (EOF) or the connection is gone
        self.error: BaseException | None = None
        self.paused = False
        self._data_waiter: asyncio.Future[None] | None = None
        self._drain_waiter: asyncio.Future[None] | None = None
        self._writing_paused = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)  # a stream connection
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.received += data
        if len(self.received) > _HIGH_WATER and self.transport is not None and not self.paused:
            self.paused = True
            self.transport.pause_reading()
        self._wake_reader()

    def eof_received(self) -> bool:
        self.ended = True
        self._wake_reader()
        return False  # close the transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.ended = True
        self.error = exc
        self._wake_reader()
        self._writing_paused = False
        self._wake_writer()

    def pause_writing(self) -> None:
        self._writing_paused = True

    def resume_writing(self) -> None:
        self._writing_paused = False
        self._wake_writer()

    async def wait_for_data(self, timeout: float | None) -> None:
        waiter = asyncio.get_running_loop().create_future()
        self._data_waiter = waiter
        try:
            async with asyncio.timeout(timeout):
                await waiter
        finally:
            self._data_waiter = None

    async def wait_until_drained(self, timeout: float | None) -> None:
        if not self._writing_paused:
            return
        waiter = asyncio.get_running_loop().create_future()
        self._drain_waiter = waiter
        try:
            async with asyncio.timeout(timeout):
                await waiter
        finally:
            self._drain_waiter = None

    def _wake_reader(self) -> None:
        if self._data_waiter is not None and not self._data_waiter.done():
            self._data_waiter.set_result(None)

    def _wake_writer(self) -> None:
        if self._drain_waiter is not None and not self._drain_waiter.done():
            self._drain_waiter.set_result(None)


class _Stream(httpcore.AsyncNetworkStream):
    def __init__(self, transport: asyncio.Transport, connection: _Connection) -> None:
        self._transport = transport
        self._connection = connection

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        connection = self._connection
        if not connection.received and not connection.ended:
            try:
                await connection.wait_for_data(timeout)
            except TimeoutError as exc:
                raise httpcore.ReadTimeout("timed out waiting for the server") from exc
        if connection.received:
            data = bytes(connection.received[:max_bytes])
            del connection.received[:max_bytes]
            if connection.paused and len(connection.received) <= _HIGH_WATER // 4:
                connection.paused = False
                self._transport.resume_reading()
            return data
        if connection.error is not None:
            raise httpcore.ReadError(str(connection.error) or type(connection.error).__name__)
        return b""  # the server closed the connection: httpcore says what that means

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        if self._connection.ended or self._transport.is_closing():
            raise httpcore.WriteError("the connection is closed")
        self._transport.write(buffer)
        try:
            await self._connection.wait_until_drained(timeout)
        except TimeoutError as exc:
            raise httpcore.WriteTimeout("timed out sending to the server") from exc
        if self._connection.error is not None:
            raise httpcore.WriteError(str(self._connection.error))

    async def aclose(self) -> None:
        self._transport.close()

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            transport = await loop.start_tls(
                self._transport,
                self._connection,
                ssl_context,
                server_hostname=server_hostname,
                ssl_handshake_timeout=timeout,
            )
        except TimeoutError as exc:
            self._transport.close()
            raise httpcore.ConnectTimeout("timed out setting up TLS") from exc
        except (OSError, ssl.SSLError) as exc:  # ssl.SSLError: a refused certificate, among others
            self._transport.close()
            raise httpcore.ConnectError(str(exc)) from exc
        if transport is None:  # the connection closed during the handshake
            raise httpcore.ConnectError("the server closed the connection during the TLS handshake")
        assert isinstance(transport, asyncio.Transport)
        self._connection.transport = transport  # pausing and resuming now go through the TLS layer
        return _Stream(transport, self._connection)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":  # asked of idle pooled connections: has the server closed it?
            connection = self._connection
            if connection.received or connection.ended:
                return True
            return is_socket_readable(self._transport.get_extra_info("socket"))
        names = {"ssl_object": "ssl_object", "client_addr": "sockname", "server_addr": "peername"}
        if info in names:
            return self._transport.get_extra_info(names[info])
        if info == "socket":
            return self._transport.get_extra_info("socket")
        return None


class AsyncioNetworkBackend(httpcore.AsyncNetworkBackend):
    """httpcore's TCP connections on the running asyncio loop (see the module's docstring)."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport, connection = await loop.create_connection(
                    _Connection, host, port, local_addr=(local_address, 0) if local_address else None
                )
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"timed out connecting to {host}:{port}") from exc
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        for option in socket_options or ():
            transport.get_extra_info("socket").setsockopt(*option)
        return _Stream(transport, connection)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("the SOM client does not connect through Unix sockets")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
