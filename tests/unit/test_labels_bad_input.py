"""Bad label files end in a clear LabelError (never a crash, a hang, or a fetch)."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from packstation.adapters.labels import (
    LabelError,
    LabelFormat,
    LabelPipeline,
    Target,
    detect_label_format,
    safety,
)
from packstation.domain import labelgen

TARGET = Target(width=576)


class FailingRasterizer:
    """SVG checks must refuse before any rendering happens."""

    def __call__(self, svg: bytes, width: int, height: int):
        raise AssertionError("a refused SVG reached the renderer")


@pytest.fixture
def pipeline():
    return LabelPipeline(FailingRasterizer())


def refuse(pipeline, data: bytes, content_type: str | None = None) -> str:
    with pytest.raises(LabelError) as info:
        pipeline.prepare(data, target=TARGET, content_type=content_type)
    message = info.value.user_message
    assert message and "\n" not in message
    return message


@pytest.mark.parametrize(
    ("data", "fmt"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 30, LabelFormat.PNG),
        (b"%PDF-1.4\n...", LabelFormat.PDF),
        (
            b"\xef\xbb\xbf<?xml version='1.0'?>\n<!-- c -->\n<svg xmlns='http://www.w3.org/2000/svg'/>",
            LabelFormat.SVG,
        ),
        (b"<svg width='1in' height='1in'></svg>", LabelFormat.SVG),
        (b"^XA^FO50,50^FDHello^FS^XZ", LabelFormat.ZPL),
        (b"\n~SD20^XA^XZ", LabelFormat.ZPL),
    ],
)
def test_detects_by_content(data, fmt):
    # the content type lies on purpose: the bytes decide
    assert detect_label_format(data, "application/octet-stream") is fmt
    assert detect_label_format(data, "image/png") is fmt


@pytest.mark.parametrize(
    ("data", "content_type", "expected"),
    [
        (b"", None, "empty"),
        (b"\xff\xd8\xff\xe0 jpeg", "image/jpeg", "JPEG"),
        (b"GIF89a....", None, "GIF"),
        (b"hello, this is text", "text/plain", "plain text"),
        (b"<html><body>Bad gateway</body></html>", "image/svg+xml", "sent as SVG"),
        (b'{"error": "not found"}', "application/pdf", "sent as PDF"),
        (bytes(range(256)), None, "unrecognised binary"),
    ],
)
def test_unsupported_formats_are_refused_by_name(pipeline, data, content_type, expected):
    assert expected in refuse(pipeline, data, content_type)


def test_label_too_many_bytes(pipeline, monkeypatch):
    monkeypatch.setattr(safety, "MAX_LABEL_BYTES", 1000)
    assert "too large" in refuse(pipeline, labelgen.make_test_label("png"))


# -- PNG ------------------------------------------------------------------------------------------


def png_with_header(width: int, height: int) -> bytes:
    """A small valid PNG whose IHDR claims another size (a decompression-bomb shape)."""
    buffer = io.BytesIO()
    Image.new("1", (8, 8), 1).save(buffer, format="PNG")
    data = bytearray(buffer.getvalue())
    ihdr = bytearray(data[12:29])
    ihdr[4:12] = struct.pack(">II", width, height)
    data[12:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(ihdr)) & 0xFFFFFFFF)
    return bytes(data)


def test_png_bomb_refused_before_decoding(pipeline):
    message = refuse(pipeline, png_with_header(100_000, 100_000))
    assert "too large" in message and "100000x100000" in message


def test_pillow_bomb_error_is_mapped(pipeline, monkeypatch):
    label = labelgen.make_test_label("png")
    monkeypatch.setattr(safety, "MAX_SOURCE_PIXELS", 10**12)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    message = refuse(pipeline, label)
    assert "too large to decode safely" in message


@pytest.mark.parametrize("cut", [40, 200, 0.5, 0.9])
def test_truncated_png(pipeline, cut):
    data = labelgen.make_test_label("png")
    size = int(len(data) * cut) if isinstance(cut, float) else cut
    assert "truncated or corrupt" in refuse(pipeline, data[:size])


def test_png_with_zero_size(pipeline):
    assert "no size" in refuse(pipeline, png_with_header(0, 10))


# -- PDF ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cut", [0.1, 0.5])
def test_truncated_pdf(pipeline, cut):
    data = labelgen.make_test_label("pdf")
    message = refuse(pipeline, data[: int(len(data) * cut)])
    assert "PDF" in message


def test_pdf_garbage(pipeline):
    assert "truncated or corrupt" in refuse(pipeline, b"%PDF-1.7\n" + bytes(range(256)) * 10)


def test_absurdly_long_pdf_label(pipeline):
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 288 7200] >>"  # 4 x 100 inches
    pdf = (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n3 0 obj " + page + b" endobj\n"
        b"trailer << /Root 1 0 R >>\n%%EOF\n"
    )
    assert "inches long" in refuse(pipeline, pdf)


# -- SVG ------------------------------------------------------------------------------------------

SVG_NS = "xmlns='http://www.w3.org/2000/svg' xmlns:xlink='http://www.w3.org/1999/xlink'"


@pytest.mark.parametrize(
    ("svg", "expected"),
    [
        (
            b"<?xml version='1.0'?><!DOCTYPE svg [<!ENTITY a 'aaaa'><!ENTITY b '&a;&a;&a;'>]>"
            b"<svg xmlns='http://www.w3.org/2000/svg'><text>&b;</text></svg>",
            "DOCTYPE or entities",
        ),
        (
            b"<!DOCTYPE svg SYSTEM 'http://evil.example/x.dtd'><svg xmlns='http://www.w3.org/2000/svg'/>",
            "DOCTYPE",
        ),
        (
            f"<svg {SVG_NS} width='1in' height='1in'><image xlink:href='file:///etc/passwd'/></svg>".encode(),
            "external file",
        ),
        (
            f"<svg {SVG_NS} width='1in' height='1in'><image href='http://evil.example/a.png'/></svg>".encode(),
            "external file",
        ),
        (
            f"<svg {SVG_NS} width='1in' height='1in'><rect style=\"fill:url('http://x/y#p')\"/></svg>".encode(),
            "external file",
        ),
        (
            f"<svg {SVG_NS} width='1in' height='1in'><style>@import url(a.css);</style></svg>".encode(),
            "style sheet",
        ),
        (
            b"<?xml-stylesheet href='http://x/a.css'?><svg xmlns='http://www.w3.org/2000/svg'/>",
            "style sheet",
        ),
        (f"<svg {SVG_NS} width='4in' height='6in'><rect width='10'".encode(), "truncated or not well-formed"),
        (b"<?xml version='1.0'?><html><svg/></html>", "root element"),
        (f"<svg {SVG_NS}><rect width='10' height='10'/></svg>".encode(), "no usable size"),
        (f"<svg {SVG_NS} width='1000in' height='6in'/>".encode(), "far larger than any label"),
        (
            f"<svg {SVG_NS} width='1in' height='1in'><g id='a'><use xlink:href='#a'/></g></svg>".encode(),
            "loop",
        ),
    ],
)
def test_unsafe_or_broken_svg_is_refused(pipeline, svg, expected):
    assert expected in refuse(pipeline, svg, "image/svg+xml")


def test_svg_use_bomb_is_refused(pipeline):
    parts = [f"<svg {SVG_NS} width='1in' height='1in'><defs><rect id='l0' width='1' height='1'/>"]
    for level in range(1, 12):
        uses = "".join(f"<use xlink:href='#l{level - 1}'/>" for _ in range(10))
        parts.append(f"<g id='l{level}'>{uses}</g>")
    parts.append("</defs><use xlink:href='#l11'/></svg>")
    assert "too complex" in refuse(pipeline, "".join(parts).encode())


def test_svg_with_inline_data_and_local_refs_is_accepted():
    class Recorder:
        def __call__(self, svg, width, height):
            from packstation.domain.raster import MonoImage

            self.size = (width, height)
            blank = MonoImage.blank(width, height)
            return MonoImage(width, height, b"\x80" + blank.data[1:])  # one dot: not a blank label

    recorder = Recorder()
    svg = (
        f"<svg {SVG_NS} width='2in' height='1in'><defs><rect id='r' width='5' height='5'/></defs>"
        "<use xlink:href='#r'/><image href='data:image/png;base64,AAAA'/>"
        "<rect style='fill:url(#g)'/></svg>"
    ).encode()
    payload = LabelPipeline(recorder).prepare(svg, target=TARGET)
    assert recorder.size == (406, 203)  # 2x1 inch at 203 dpi, natural size
    assert payload.images[0].width == 576


def test_zpl_to_escpos_printer_prints_the_rendered_label(pipeline):
    """Once refused ("the printer speaks ESC/POS"); now the ZPL renderer draws it for the raster head."""
    from tests.support.escpos_decode import decode_escpos, read_barcodes

    data = labelgen.make_label("zpl", tracking_number="ZPL-ON-ESCPOS-1")
    payload = pipeline.prepare(data, target=Target(width=576))
    [page] = decode_escpos(payload.data).pages
    assert page.width == 576
    assert read_barcodes(page) == ["ZPL-ON-ESCPOS-1"]


@settings(max_examples=60, deadline=None)
@given(
    prefix=st.sampled_from(
        [b"\x89PNG\r\n\x1a\n", b"%PDF-1.4\n", b"<svg ", b"<?xml version='1.0'?><svg", b""]
    ),
    body=st.binary(max_size=600),
)
def test_random_bytes_never_crash(prefix, body):
    pipeline = LabelPipeline(FailingRasterizer())
    try:
        pipeline.prepare(prefix + body, target=TARGET)
    except LabelError as exc:
        assert exc.user_message
