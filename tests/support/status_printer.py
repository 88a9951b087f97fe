"""A loopback TCP label printer with a state: it answers status queries in its own language (ESC/POS
``DLE EOT 4/2/1``, ZPL ``~HS``, TSPL ``<ESC>!?``) from that state, and can run out of paper mid-job.

``paper_out_after=N``: once N bytes of a job arrived the paper runs out (a real head keeps the rest of
the label in its buffer and prints it when paper is loaded). ``cover_open`` / ``paused`` / ``paper_out``
can be set at any time; ``refill()`` loads paper. The answers are built from the manuals' bit layouts,
not from the station's decoder.
"""

from __future__ import annotations

from tests.support.printing import TcpPrinterServer

ESCPOS_FIXED = 0x12  # bits 1 and 4 set in every real-time status byte


class StatusPrinter(TcpPrinterServer):
    def __init__(self, lang: str = "escpos", *, paper_out_after: int | None = None, **kwargs) -> None:
        self.lang = lang
        self.paper_out_after = paper_out_after
        self.paper_out = False
        self.cover_open = False
        self.paused = False
        self.ran_out_at: int | None = None
        super().__init__(**kwargs)

    def took(self, buffer: bytearray, size: int) -> None:
        if (
            self.paper_out_after is not None
            and len(buffer) >= self.paper_out_after
            and self.ran_out_at is None
        ):
            self.paper_out = True
            self.ran_out_at = len(buffer)

    def refill(self) -> None:
        self.paper_out = False

    @property
    def ready(self) -> bool:
        return not (self.paper_out or self.cover_open or self.paused)

    def replies(self) -> dict[bytes, bytes]:
        if self.lang == "zpl":
            first = f"030,{int(self.paper_out)},{int(self.paused)},1218,000,0,0,0,000,0,0,0"
            second = f"001,0,{int(self.cover_open)},0,0,2,6,0,00000000,1,000"
            frames = b"".join(f"\x02{t}\x03\r\n".encode() for t in (first, second, "1234,0"))
            return {b"~HS": frames}
        if self.lang == "tspl":
            value = (
                (0x01 if self.cover_open else 0)
                | (0x04 if self.paper_out else 0)
                | (0x10 if self.paused else 0)
            )
            return {b"\x1b!?": bytes([value])}
        paper = ESCPOS_FIXED | (0x60 if self.paper_out else 0)  # bits 5/6: paper end
        cause = ESCPOS_FIXED | (0x04 if self.cover_open else 0) | (0x20 if self.paper_out else 0)
        printer = ESCPOS_FIXED | 0x04 | (0x08 if self.paused else 0)  # bit 3: offline
        return {
            b"\x10\x04\x04": bytes([paper]),
            b"\x10\x04\x02": bytes([cause]),
            b"\x10\x04\x01": bytes([printer]),
        }
