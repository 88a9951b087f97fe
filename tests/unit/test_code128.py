"""Code 128 encoder: structure checks and a real decoder (zxing-cpp) reading rendered symbols back."""

from __future__ import annotations

import pytest
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from packstation.domain import code128


def render(text: str, scale: int = 2, height: int = 60) -> Image.Image:
    pattern = code128.modules(text)
    quiet = code128.QUIET_ZONE_MODULES
    width = (len(pattern) + 2 * quiet) * scale
    image = Image.new("L", (width, height), 255)
    pixels = image.load()
    for index, module in enumerate(pattern):
        if module == "1":
            x0 = (index + quiet) * scale
            for x in range(x0, x0 + scale):
                for y in range(height):
                    pixels[x, y] = 0
    return image


def decode(image: Image.Image) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.Code128]


@pytest.mark.parametrize(
    "text",
    ["00033333333000139047", "BOX-000123", "CMD:CLOSE-BOX", "12345", "1", "A1234567B", "x y~{}", "99"],
)
def test_zxing_reads_back(text):
    assert decode(render(text)) == [text]


def test_digits_use_code_set_c():
    values = code128.encode_values("00033333333000139047")
    assert values[0] == code128.START_C
    assert len(values) == 1 + 10 + 2  # start, ten digit pairs, check, stop


def test_mixed_switches_to_c_for_long_digit_tail():
    values = code128.encode_values("BOX-000123")
    assert values[0] == code128.START_B
    assert code128.CODE_C in values


def test_structure():
    text = "CMD:CLOSE-BOX"
    widths = code128.bar_widths(text)
    assert len(widths) % 2 == 1  # starts and ends with a bar
    assert sum(widths) == 11 * (len(code128.encode_values(text)) - 1) + 13
    assert code128.symbol_width(text) == len(code128.modules(text))
    assert sum(w for _, w in code128.bars(text)) == code128.modules(text).count("1")


@pytest.mark.parametrize("bad", ["", "tab\there", "åäö", "\x00"])
def test_unencodable_text_is_a_clear_error(bad):
    with pytest.raises(code128.Code128Error):
        code128.encode_values(bad)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=24))
def test_any_printable_ascii_round_trips(text):
    assert decode(render(text)) == [text]
