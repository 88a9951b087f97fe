"""httpcore's HTTP/1.1 connection pool with one fix: a connection handed to a request is that request's
until the request is done, for every later assignment pass too.

httpcore 1.0.9's pass (``_assign_requests_to_connections``) picks connections by their state alone. A
connection it hands to a queued request stays ``IDLE`` until that request's task runs and starts on it,
so until then the same pass (several requests queued, one connection free) and every later pass (another
answer's end, a new request) still see it free and hand it out again. All but one of the requests then
fail with ``ConnectionNotAvailable`` inside httpcore and go round the queue once more: 665 extra
attempts for 2,000 reads at 8 in the air and 20 ms a call, 4,816 at no latency, each a whole pass over
the pool and a lock on the loop (measured on this project's drain floor). Worse, a pass may close such a
connection as a surplus keep-alive connection or to make room, under a request about to use it (upstream:
encode/httpcore#1110, #822). Here a connection that a pending request holds is neither handed out nor
closed, and the idle connections are counted once per pass instead of once per connection.

Only for HTTP/1.1 (the SOM client's transports never enable HTTP/2): one request per connection is
what makes "held" mean "busy". The surplus rule counts idle connections against
``max_keepalive_connections``, as its name says (httpcore 1.0.9 counts every connection there).
"""

from __future__ import annotations

import httpcore
from httpcore._async.interfaces import AsyncConnectionInterface


class Http11ConnectionPool(httpcore.AsyncConnectionPool):
    """``httpcore.AsyncConnectionPool`` (HTTP/1.1 only) that never gives one connection to two
    requests, and never closes a connection a pending request holds."""

    def __init__(self, **kwargs: object) -> None:
        if kwargs.get("http2"):
            raise ValueError("Http11ConnectionPool carries one request per connection: HTTP/1.1 only")
        super().__init__(**kwargs)  # type: ignore[arg-type]  # httpcore's own keywords, passed through

    def _assign_requests_to_connections(self) -> list[AsyncConnectionInterface]:
        held = {request.connection for request in self._requests if request.connection is not None}
        closing: list[AsyncConnectionInterface] = []
        kept: list[AsyncConnectionInterface] = []
        idle_kept = 0
        max_idle = self._max_keepalive_connections
        for connection in self._connections:
            if connection in held:
                kept.append(connection)  # a request's, whatever its state says
            elif connection.is_closed():
                pass  # gone: dropped from the pool
            elif connection.has_expired():
                closing.append(connection)
            elif connection.is_idle():
                if idle_kept >= max_idle:
                    closing.append(connection)  # surplus keep-alive
                else:
                    idle_kept += 1
                    kept.append(connection)
            else:
                kept.append(connection)
        self._connections = kept

        for pool_request in self._requests:
            if not pool_request.is_queued():
                continue
            origin = pool_request.request.url.origin
            free = next(
                (
                    connection
                    for connection in self._connections
                    if connection not in held
                    and connection.can_handle_request(origin)
                    and connection.is_available()
                ),
                None,
            )
            if free is None and len(self._connections) >= self._max_connections:
                idle = next(
                    (c for c in self._connections if c not in held and c.is_idle()),
                    None,
                )
                if idle is None:
                    continue  # the pool is full of busy connections: this request waits its turn
                self._connections.remove(idle)  # another origin's, most likely: make room
                closing.append(idle)
            if free is None:
                free = self.create_connection(origin)
                self._connections.append(free)
            pool_request.assign_to_connection(free)
            held.add(free)
        return closing
