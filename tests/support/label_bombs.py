"""Hostile label files made on the spot: PDFs whose images decode to far more pixels than their size
suggests. An image of zeros compressed with Flate stays tiny (deflate reaches ~1000:1 on zeros), so a
40000x40000 grey image is a 1.6 MB PDF that would decode to 1.6 GB."""

from __future__ import annotations

import struct
import zlib

BLOCK = 1 << 20


def flate_zeros(size: int) -> bytes:
    """A zlib stream of ``size`` zero bytes, built without compressing them all: after a full flush
    deflate starts afresh, so every further block of zeros compresses to the same bytes."""
    blocks, rest = divmod(size, BLOCK)
    assert blocks >= 2, "at least two megabytes"
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = c.compress(bytes(BLOCK)) + c.flush(zlib.Z_FULL_FLUSH)
    middle = c.compress(bytes(BLOCK)) + c.flush(zlib.Z_FULL_FLUSH)
    last = c.compress(bytes(rest)) + c.flush()
    adler = ((size % 65521) << 16) | 1  # Adler-32 of zeros: a stays 1, b grows by 1 a byte
    return b"\x78\xda" + first + middle * (blocks - 1) + last + struct.pack(">I", adler)


def pdf(images: list[tuple[int, int, bytes]] = (), *, page=(288, 432), content: bytes = b"") -> bytes:
    """A one-page PDF drawing each (width, height, flate stream of 8-bit grey) image, then ``content``."""
    draws = b"".join(b"q 100 0 0 100 %d 100 cm /Im%d Do Q " % (20 + 10 * i, i) for i in range(len(images)))
    stream = draws + content
    xobjects = b" ".join(b"/Im%d %d 0 R" % (i, 5 + i) for i in range(len(images)))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /XObject << %s >> >>"
        b" /Contents 4 0 R >>" % (*page, xobjects),
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    for width, height, data in images:
        objects.append(
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray"
            b" /BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n"
            % (width, height, len(data))
            + data
            + b"\nendstream"
        )
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer << /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
