"""Test helpers for printing: a loopback TCP "printer" that records what it receives, and label samples.

``TcpPrinterServer`` listens on 127.0.0.1 (port 0), accepts connections on a thread, stores the bytes of
each connection and the time its first byte arrived. Faults: ``reset_after`` (answer with a TCP reset
once that many bytes arrived) and ``stall`` (accept, never read, with a small receive window as an
embedded printer has: everything beyond it stays in the sender's queue, yet a whole label still fits
into the sender's socket buffers). ``status_replies`` maps a status query (ESC/POS ``DLE EOT n``, ZPL
``~HS``) to the bytes the printer answers when a received chunk ends with it, as a printer that answers
status over the network does. ``window`` shrinks the receive buffer and ``read_delay_s`` makes the printer
start reading late (so the sender's queue is still full when a fault strikes).
"""

from __future__ import annotations

import socket
import struct
import threading
import time


class TcpPrinterServer:
    def __init__(
        self,
        *,
        reset_after: int | None = None,
        stall: bool = False,
        port: int = 0,
        status_replies: dict[bytes, bytes] | None = None,
        window: int | None = None,
        read_delay_s: float = 0.0,
    ) -> None:
        self.reset_after = reset_after
        self.stall = stall
        self.status_replies = status_replies or {}
        self.queries_answered: list[bytes] = []
        self.read_delay_s = read_delay_s  # wait this long after accepting before reading anything
        self.connections: list[bytearray] = []
        self.first_byte_at: list[float] = []
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if stall or window:
            self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, window or 4096)
        self._sock.bind(("127.0.0.1", port))
        self._sock.listen(8)
        self._sock.settimeout(0.1)
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def uri(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    @property
    def received(self) -> bytes:
        return b"".join(self.connections)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self.stall:
                self._held.append(conn)
                continue
            threading.Thread(target=self._read, args=(conn,), daemon=True).start()

    def _read(self, conn: socket.socket) -> None:
        buffer = bytearray()
        self.connections.append(buffer)
        time.sleep(self.read_delay_s)
        with conn:
            while True:
                try:
                    chunk = conn.recv(65536)
                except OSError:
                    return
                if not chunk:
                    return
                if not buffer:
                    self.first_byte_at.append(time.perf_counter())
                buffer += chunk
                self.took(buffer, len(chunk))
                for query, reply in self.replies().items():
                    if buffer.endswith(query):
                        self.queries_answered.append(query)
                        conn.sendall(reply)
                if self.reset_after is not None and len(buffer) >= self.reset_after:
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    return  # closing with linger 0 sends RST

    def took(self, buffer: bytearray, size: int) -> None:
        """Called with each chunk received (a subclass's printer state can change here)."""

    def replies(self) -> dict[bytes, bytes]:
        """The status answers as of now (a subclass's printer state decides them)."""
        return self.status_replies

    def wait_for(self, size: int, timeout: float = 10.0) -> bytes:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.received) >= size:
                break
            time.sleep(0.005)
        return self.received

    def close(self) -> None:
        self._stop.set()
        for conn in self._held:
            conn.close()
        self._sock.close()
        self._thread.join(timeout=2)
