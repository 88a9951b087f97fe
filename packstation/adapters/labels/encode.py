"""Encode rendered labels into the bytes a printer receives: ESC/POS raster or ZPL.

The raster itself is framed here: a ``MonoImage`` is already packed as ``GS v 0`` wants it (MSB =
leftmost dot, 1 = black, rows padded to a byte), so each band is an 8-byte header plus a slice of the
image's bytes (python-escpos ``image()`` converted the picture again and took 36-82% of render+encode).
The cut still comes from python-escpos (``cut()``), run against its in-memory ``Dummy`` printer with a
profile of the head's real width (the default profile has no media width; the shipped Epson profiles
are 512 dots wide). The old path lives on in ``tests/support/escpos_image_encoder.py`` for the benchmark
and the byte-for-byte test. Encoding in memory keeps the CPU work apart from the device I/O, so the transport
can send in chunks with a timeout per chunk and report faults precisely.
Raster labels for ZPL printers become one compressed ``^GFA`` graphic field (``zpl.compress``).
"""

from __future__ import annotations

import copy
import os
import tempfile
from functools import cache
from typing import Any

from packstation.adapters.labels.raster import Head
from packstation.domain.raster import MonoImage

ESC_INIT = b"\x1b@"
# We cut tall labels into bands ourselves: escpos would convert the whole image once and then every
# fragment again (twice the work), and smaller commands reach the printer's buffer sooner.
BAND_ROWS = 256


def ensure_escpos_env() -> None:
    """escpos writes a capabilities pickle into a fresh /tmp folder on every import unless told where."""
    os.environ.setdefault(
        "ESCPOS_CAPABILITIES_PICKLE_DIR", os.path.join(tempfile.gettempdir(), "packstation-escpos")
    )
    os.makedirs(os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"], exist_ok=True)


@cache
def escpos_profile_class(width_dots: int, dpi: int) -> type:
    """A python-escpos profile class for a generic raster head of ``width_dots`` at ``dpi``."""
    ensure_escpos_env()
    from escpos import capabilities

    data = copy.deepcopy(capabilities.CAPABILITIES["profiles"]["default"])
    data["name"] = f"packstation-{width_dots}"
    data["vendor"] = "Generic"
    data["media"] = {
        "dpi": dpi,
        "width": {"mm": round(width_dots / dpi * 25.4, 1), "pixels": width_dots},
    }
    data["features"] = {**data.get("features", {}), "bitImageRaster": True, "paperFullCut": True}
    # Subclassing escpos' Profile makes get_profile() accept an instance instead of a name.
    return type(f"Packstation{width_dots}Profile", (capabilities.Profile,), {"profile_data": data})


def escpos_profile(head: Head) -> Any:  # an escpos Profile (python-escpos has no types)
    profile_class = escpos_profile_class(head.width, head.dpi)
    # Profile.__init__ replaces the feature table with its argument: hand it ours.
    data: dict[str, Any] = getattr(profile_class, "profile_data")  # noqa: B009 (set by type() above)
    return profile_class(features=dict(data["features"]))


GS_V0 = b"\x1dv0"
_NORMAL_DENSITY = 0  # m = 0: normal width and height (what escpos sends with its high-density defaults)


def raster_command(image: MonoImage) -> bytes:
    """One ``GS v 0`` command: ``GS v 0 m xL xH yL yH`` and the packed rows, taken as they are."""
    if image.row_bytes > 0xFFFF or image.height > 0xFFFF:
        raise ValueError(f"a {image.width}x{image.height} band does not fit one GS v 0 command")
    header = GS_V0 + bytes((_NORMAL_DENSITY,)) + image.row_bytes.to_bytes(2, "little")
    return header + image.height.to_bytes(2, "little") + image.data


@cache
def _cut_bytes(width: int, dpi: int) -> bytes:
    """What python-escpos sends for a full cut on this head (feed past the cutter, then GS V)."""
    ensure_escpos_env()
    from escpos.printer import Dummy

    printer = Dummy(profile=escpos_profile(Head(width, dpi)))
    printer.cut()
    return bytes(printer.output)


def encode_escpos(images: list[MonoImage], head: Head, *, cut: bool) -> bytes:
    """ESC/POS bytes for the pages: initialise, then each page as GS v 0 raster, cut after each if asked."""
    parts = [ESC_INIT]
    cut_bytes = _cut_bytes(head.width, head.dpi) if cut else b""
    for image in images:
        parts.extend(raster_command(band) for band in bands(image, BAND_ROWS))
        parts.append(cut_bytes)
    return b"".join(parts)


def bands(image: MonoImage, rows: int) -> list[MonoImage]:
    """Horizontal strips of at most ``rows`` rows (slices of the packed data, no pixel work)."""
    if image.height <= rows:
        return [image]
    stride = image.row_bytes
    return [
        MonoImage(
            image.width, min(rows, image.height - top), image.data[top * stride : (top + rows) * stride]
        )
        for top in range(0, image.height, rows)
    ]


def encode_zpl_graphic(images: list[MonoImage], head: Head) -> bytes:
    """One ZPL label per page, each a single ``^GFA`` graphic field, Z64-compressed (zlib + base64)."""
    from packstation.adapters.labels.zpl.compress import encode_labels

    return encode_labels(images, head.width)
