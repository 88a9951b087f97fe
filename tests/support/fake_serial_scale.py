"""A serial scale head behind pyserial's ``socket://`` URL: the real pyserial code reads it as a port.

``protocol="nci"`` answers ``W<CR>`` with ``<LF>  1.250kg<CR><LF>S00<CR><ETX>`` (NCI/Avery/CAS "W"
poll; status ``M`` = in motion); ``"sics"`` answers ``S<CR><LF>`` / ``SI<CR><LF>`` with ``S S  1.250 kg``
(``S D`` while moving, Mettler Toledo SICS); ``"cas"`` sends ``ST,GS,  1.250kg`` lines on its own every
``interval_s`` (``US`` while moving). Set ``grams`` and ``moving`` at any time; ``close()`` ends it.
"""

from __future__ import annotations

import socket
import threading
import time


class FakeSerialScale:
    def __init__(self, protocol: str = "nci", *, grams: int = 0, interval_s: float = 0.05) -> None:
        self.protocol = protocol
        self.grams = grams
        self.moving = False
        self.interval_s = interval_s
        self.requests: list[bytes] = []
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(4)
        self._sock.settimeout(0.1)
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"socket://127.0.0.1:{self.port}"

    def _kg(self) -> str:
        return f"{self.grams / 1000:.3f}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._talk, args=(conn,), daemon=True).start()

    def _talk(self, conn: socket.socket) -> None:
        conn.settimeout(self.interval_s)
        buffer = b""
        with conn:
            while not self._stop.is_set():
                try:
                    if self.protocol == "cas":
                        state = "US" if self.moving else "ST"
                        conn.sendall(f"{state},GS,{self._kg():>8}kg\r\n".encode())
                        time.sleep(self.interval_s)
                        continue
                    chunk = conn.recv(64)
                except TimeoutError:
                    continue
                except OSError:
                    return
                if not chunk:
                    return
                buffer += chunk
                while b"\r" in buffer:
                    request, _, buffer = buffer.partition(b"\r")
                    buffer = buffer.removeprefix(b"\n")
                    self.requests.append(request)
                    conn.sendall(self._answer(request))

    def _answer(self, request: bytes) -> bytes:
        if self.protocol == "sics" and request in (b"S", b"SI"):
            return f"S {'D' if self.moving else 'S'} {self._kg():>10} kg\r\n".encode()
        if self.protocol == "nci" and request == b"W":
            status = "S10" if self.moving else "S00"
            return (
                f"\n{self._kg():>7}kg\r\n{status.replace('1', 'M') if self.moving else status}\r\x03".encode()
            )
        return b"?\r\n"

    def close(self) -> None:
        self._stop.set()
        self._sock.close()
        self._thread.join(timeout=2)
