"""The SOM client's connection pool (``adapters/som/pool.py``): one connection is one request's from the
moment the pool hands it out, and no assignment pass closes it under that request.

The pass is driven directly, with connections that report their state as httpcore's do: the window it
guards (a connection handed out, its request's task not yet run) cannot be timed from outside. The
integration test in ``tests/integration/test_som_transport.py`` counts the retries a real run makes.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable

import httpcore
import pytest
from httpcore._async.connection_pool import AsyncPoolRequest

from packstation.adapters.som.pool import Http11ConnectionPool

ORIGIN_URL = "http://127.0.0.1:8080/v1/som/shipments.get"
OTHER_URL = "http://127.0.0.1:9090/v1/som/shipments.get"


class _Connection:
    """An HTTP/1.1 connection's answers to the pool: idle (free) until a request starts on it."""

    def __init__(self, url: str, *, expired: bool = False, closed: bool = False) -> None:
        self.origin = httpcore.Request("GET", url).url.origin
        self.started = False  # a request runs on it (httpcore's ACTIVE)
        self.expired = expired
        self.closed = closed
        self.closed_by_pool = False

    def can_handle_request(self, origin: httpcore.Origin) -> bool:
        return origin == self.origin

    def is_available(self) -> bool:
        return not self.started and not self.closed

    def is_idle(self) -> bool:
        return not self.started and not self.closed

    def has_expired(self) -> bool:
        return self.expired

    def is_closed(self) -> bool:
        return self.closed


class _Pool(Http11ConnectionPool):
    """The pool with connections it makes recorded, not opened."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.made: list[_Connection] = []

    def create_connection(self, origin: httpcore.Origin) -> _Connection:  # type: ignore[override]
        url = f"{origin.scheme.decode()}://{origin.host.decode()}:{origin.port}/"
        connection = _Connection(url)
        self.made.append(connection)
        return connection


def _on_a_loop(test: Callable[[], None]) -> Callable[[], None]:
    """Runs ``test`` inside a running loop: handing out a connection sets httpcore's event, which asks
    for the running async library."""

    @functools.wraps(test)
    def run() -> None:
        async def body() -> None:
            test()

        asyncio.run(body())

    return run


def _pool_holding(*connections: _Connection, **limits: int) -> _Pool:
    """A pool (``limits``: httpcore's keywords) whose connections are ``connections``."""
    pool = _Pool(**limits)
    pool._connections = list(connections)  # type: ignore[arg-type]  # they answer as httpcore's do
    return pool


def _queue(pool: _Pool, url: str = ORIGIN_URL) -> AsyncPoolRequest:
    request = AsyncPoolRequest(httpcore.Request("GET", url))
    pool._requests.append(request)
    return request


@_on_a_loop
def test_two_queued_requests_never_share_the_one_free_connection():
    free = _Connection(ORIGIN_URL)
    pool = _pool_holding(free, max_connections=10)
    first, second = _queue(pool), _queue(pool)
    pool._assign_requests_to_connections()
    assert first.connection is free
    assert second.connection is not None and second.connection is not free  # a new one, not a retry
    assert pool.made == [second.connection]


@_on_a_loop
def test_a_connection_handed_out_is_not_handed_out_again_by_a_later_pass():
    free = _Connection(ORIGIN_URL)
    pool = _pool_holding(free, max_connections=10)
    first = _queue(pool)
    pool._assign_requests_to_connections()
    assert first.connection is free and not free.started  # its task has not run yet
    later = _queue(pool)  # another answer's end, or a new request: a second pass
    pool._assign_requests_to_connections()
    assert later.connection is not free


@_on_a_loop
def test_a_full_pool_makes_the_next_request_wait_rather_than_share():
    free = _Connection(ORIGIN_URL)
    pool = _pool_holding(free, max_connections=1)
    first, second = _queue(pool), _queue(pool)
    assert pool._assign_requests_to_connections() == []
    assert first.connection is free and second.is_queued()
    assert pool.made == []
    pool._requests.remove(first)  # its answer read: the connection is free for the next
    pool._assign_requests_to_connections()
    assert second.connection is free


@_on_a_loop
def test_a_held_connection_is_not_closed_as_a_surplus_keep_alive():
    pool = _Pool(max_connections=10, max_keepalive_connections=1)
    held, spare, extra = _Connection(ORIGIN_URL), _Connection(ORIGIN_URL), _Connection(ORIGIN_URL)
    pool._connections = [held, spare, extra]
    waiting = _queue(pool)
    waiting.assign_to_connection(held)  # handed out by an earlier pass, not started yet
    closing = pool._assign_requests_to_connections()
    assert held in pool._connections and held not in closing
    assert closing == [extra]  # one idle connection kept (the limit), the other closed
    assert pool._connections == [held, spare]


@_on_a_loop
def test_a_held_connection_is_not_closed_to_make_room_for_another_origin():
    held = _Connection(ORIGIN_URL)
    pool = _pool_holding(held, max_connections=1)
    _queue(pool).assign_to_connection(held)
    other = _queue(pool, OTHER_URL)
    assert pool._assign_requests_to_connections() == []
    assert other.is_queued() and pool._connections == [held]


@_on_a_loop
def test_an_idle_connection_of_another_origin_makes_room_when_the_pool_is_full():
    pool = _Pool(max_connections=1)
    idle = _Connection(OTHER_URL)
    pool._connections = [idle]
    request = _queue(pool)
    assert pool._assign_requests_to_connections() == [idle]
    assert request.connection is pool.made[0] and pool._connections == pool.made


@_on_a_loop
def test_closed_and_expired_connections_leave_the_pool():
    pool = _Pool(max_connections=10)
    closed, expired, kept = (
        _Connection(ORIGIN_URL, closed=True),
        _Connection(ORIGIN_URL, expired=True),
        _Connection(ORIGIN_URL),
    )
    pool._connections = [closed, expired, kept]
    assert pool._assign_requests_to_connections() == [expired]  # the closed one needs no closing
    assert pool._connections == [kept]


def test_http2_is_refused():
    with pytest.raises(ValueError, match=r"HTTP/1\.1 only"):
        Http11ConnectionPool(http2=True)
