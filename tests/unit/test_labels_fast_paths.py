"""The label pipeline's fast paths (issue 13 item 6) give the same dots as the slow ways they replace:
centring on packed rows, the ink box and threshold with Pillow's own operations, the cheap barcode
read first, and no read-back of a print that holds the source's own dots."""

from __future__ import annotations

import io
import random

import pytest
import zxingcpp
from PIL import Image, ImageDraw

from packstation.adapters.labels import LabelPipeline, Target, barcodes, fitting, raster
from packstation.adapters.labels.raster import centre_mono, mono_to_pil, pil_to_mono
from packstation.domain.raster import MonoImage, row_bytes_for


def pillow_centred(image: MonoImage, width: int) -> MonoImage:
    """The way it was done before: unpack, paste on a white canvas, pack again."""
    canvas = Image.new("1", (width, image.height), 1)
    canvas.paste(mono_to_pil(image), ((width - image.width) // 2, 0))
    return pil_to_mono(canvas)


@pytest.mark.parametrize("source_width", [1, 7, 8, 9, 15, 16, 101, 812, 813])
@pytest.mark.parametrize("extra", [0, 1, 3, 8, 9, 20, 31])
def test_centring_on_packed_rows_gives_the_same_dots_as_pillow(source_width, extra):
    rng = random.Random(source_width * 100 + extra)
    height = 13
    # random bits everywhere, the padding bits past each row's last dot included (they must not leak)
    data = bytes(rng.randrange(256) for _ in range(row_bytes_for(source_width) * height))
    image = MonoImage(source_width, height, data)
    centred = centre_mono(image, source_width + extra)
    assert centred == pillow_centred(image, source_width + extra)
    width = source_width + extra
    if width % 8:  # the result's own padding is white
        keep = 0xFF >> (width % 8)
        assert all(row[-1] & keep == 0 for row in (centred.row(y) for y in range(height)))


def test_centring_refuses_an_image_wider_than_the_page():
    with pytest.raises(ValueError, match="cannot centre"):
        centre_mono(MonoImage.blank(16, 1), 8)


def test_ink_box_sees_ink_on_a_canvas_pillow_filled_with_ones():
    """``Image.new("1", size, 1)`` stores 1s, not 255s: inverting those naively leaves them non-zero."""
    canvas = Image.new("1", (40, 30), 1)
    assert fitting.ink_box(canvas) is None
    canvas.paste(0, (5, 6, 12, 20))
    assert fitting.ink_box(canvas) == (5, 6, 12, 20)


def test_ink_box_and_threshold_split_grey_at_the_middle():
    grey = Image.new("L", (10, 4), 128)  # 128 is paper
    assert fitting.ink_box(grey) is None
    grey.putpixel((3, 2), 127)  # 127 is ink
    assert fitting.ink_box(grey) == (3, 2, 4, 3)
    ramp = Image.frombytes("L", (256, 1), bytes(range(256)))
    assert raster.threshold(ramp).convert("L").tobytes() == bytes(0 if v < 128 else 255 for v in range(256))


def qr_only_picture() -> MonoImage:
    symbol = zxingcpp.create_barcode("ROUTE:SE11351", zxingcpp.BarcodeFormat.QRCode)
    view = memoryview(symbol.to_image(scale=6))  # type: ignore[arg-type]
    picture = Image.frombuffer("L", (view.shape[1], view.shape[0]), bytes(view), "raw", "L", 0, 1)
    return pil_to_mono(raster.threshold(picture))


def test_a_print_with_only_a_2d_code_still_has_a_barcode():
    """The cheap read knows linear codes only; when it finds none, every symbology is tried."""
    assert barcodes.has_barcode(qr_only_picture())
    assert not barcodes.has_barcode(MonoImage(64, 64, bytes(8 * 64)))


def own_resolution_png() -> bytes:
    """A 4-inch label at 203 dpi, bilevel, with a Code 128: printed on an 832-dot head dot for dot."""
    symbol = zxingcpp.create_barcode("00373500000000000017", zxingcpp.BarcodeFormat.Code128)
    view = memoryview(symbol.to_image(scale=3, add_quiet_zones=False, add_hrt=False))  # type: ignore[arg-type]
    bars = Image.frombuffer("L", (view.shape[1], view.shape[0]), bytes(view), "raw", "L", 0, 1)
    label = Image.new("1", (812, 1218), 1)
    label.paste(bars.resize((bars.width, 200), Image.Resampling.NEAREST).convert("1"), (100, 300))
    ImageDraw.Draw(label).rectangle((20, 20, 80, 80), fill=0)
    out = io.BytesIO()
    label.save(out, format="PNG", dpi=(203, 203))
    return out.getvalue()


def scaled_png() -> bytes:
    """The same label at 406 dpi: halved onto the head, so its barcode must be proven to survive."""
    picture = Image.open(io.BytesIO(own_resolution_png()))
    doubled = picture.resize((picture.width * 2, picture.height * 2), Image.Resampling.NEAREST)
    out = io.BytesIO()
    doubled.save(out, format="PNG", dpi=(406, 406))
    return out.getvalue()


@pytest.fixture
def read_backs(monkeypatch):
    calls: list[MonoImage] = []
    real = barcodes.has_barcode

    def counting(image: MonoImage) -> bool:
        calls.append(image)
        return real(image)

    monkeypatch.setattr(barcodes, "has_barcode", counting)
    return calls


def test_a_png_printed_dot_for_dot_is_not_read_back_for_its_barcode(read_backs):
    payload = LabelPipeline().prepare(
        own_resolution_png(), target=Target(width=832), tracking_number="00373500000000000017"
    )
    assert read_backs == []  # nothing was scaled: nothing to prove
    from tests.support.escpos_decode import read_barcodes

    assert read_barcodes(payload.images[0]) == ["00373500000000000017"]  # and it scans


def test_a_png_scaled_to_the_head_is_still_read_back_for_its_barcode(read_backs):
    payload = LabelPipeline().prepare(
        scaled_png(), target=Target(width=832), tracking_number="00373500000000000017"
    )
    assert len(read_backs) == 1 and read_backs[0] == payload.images[0]


def test_a_blank_png_printed_dot_for_dot_is_still_refused():
    from packstation.adapters.labels.errors import LabelError

    out = io.BytesIO()
    Image.new("1", (812, 1218), 1).save(out, format="PNG", dpi=(203, 203))
    with pytest.raises(LabelError, match="came out blank"):
        LabelPipeline().prepare(out.getvalue(), target=Target(width=832), tracking_number="T1")
