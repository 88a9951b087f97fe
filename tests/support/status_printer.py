"""Label printers with a state that answer status queries in their own language (ESC/POS
``DLE EOT 4/2/1``, ZPL ``~HS``, TSPL ``<ESC>!?``) and can run out of paper mid-job: ``HeadState`` is the
head (shared by the loopback TCP printer here and the fake USB printer in ``fake_usb``), ``StatusPrinter``
the TCP printer built on it.

``paper_out_after=N``: once N bytes of a job arrived the paper runs out (a real head keeps the rest of
the label in its buffer and prints it when paper is loaded). ``cover_open`` / ``paused`` / ``paper_out``
can be set at any time; ``refill()`` loads paper. The answers are built from the manuals' bit layouts,
not from the station's decoder.
"""

from __future__ import annotations

from tests.support.printing import TcpPrinterServer

ESCPOS_FIXED = 0x12  # bits 1 and 4 set in every real-time status byte


class HeadState:
    """A printer head's state and its status answers as of now."""

    def __init__(self, lang: str = "escpos", *, paper_out_after: int | None = None) -> None:
        self.lang = lang
        self.paper_out_after = paper_out_after
        self.paper_out = False
        self.cover_open = False
        self.paused = False
        self.ran_out_at: int | None = None

    def took(self, total: int) -> None:
        """``total`` bytes of the job have arrived: the paper may run out now."""
        if self.paper_out_after is not None and total >= self.paper_out_after and self.ran_out_at is None:
            self.paper_out = True
            self.ran_out_at = total

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


class StatusPrinter(HeadState, TcpPrinterServer):
    """A loopback TCP printer with a ``HeadState``."""

    def __init__(self, lang: str = "escpos", *, paper_out_after: int | None = None, **kwargs) -> None:
        HeadState.__init__(self, lang, paper_out_after=paper_out_after)
        TcpPrinterServer.__init__(self, **kwargs)

    def took(self, buffer: bytearray, size: int) -> None:  # type: ignore[override]  # the TCP hook
        HeadState.took(self, len(buffer))
