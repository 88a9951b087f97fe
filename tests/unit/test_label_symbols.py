"""Product symbols for the demo sheet (``adapters.labels.symbols``): zxing-cpp encodes them as the real
symbology, with FNC1 for GS1 element strings, and refuses what cannot be encoded in words."""

from __future__ import annotations

import pytest
import zxingcpp
from PIL import Image

from packstation.adapters.labels.symbols import SymbolError, SymbolModules, symbol_modules
from packstation.domain.commands_sheet import Symbology


def picture(symbol: SymbolModules, module: int = 4, bar_height: int = 60) -> Image.Image:
    """The modules drawn black on white with a quiet zone of 12 modules."""
    rows = symbol.rows if not symbol.linear else symbol.rows * bar_height
    quiet = 12 * module
    image = Image.new("L", (symbol.width * module + 2 * quiet, len(rows) * module + 2 * quiet), 255)
    for y, row in enumerate(rows):
        for start, length in SymbolModules(symbol.width, 1, (row,), True).runs(0):
            image.paste(
                0,
                (
                    quiet + start * module,
                    quiet + y * module,
                    quiet + (start + length) * module,
                    quiet + (y + 1) * module,
                ),
            )
    return image


@pytest.mark.parametrize(
    ("symbology", "text", "fmt", "aim", "read"),
    [
        (
            Symbology.GS1_DATAMATRIX,
            "(01)07350000000191(10)L4711(21)W1",
            "DataMatrix",
            "]d2",
            "010735000000019110L4711\x1d21W1",
        ),
        (
            Symbology.GS1_128,
            "(01)07350000000191(17)271231(10)L4711",
            "Code128",
            "]C1",
            "01073500000001911727123110L4711",
        ),
        (Symbology.EAN13, "7350000000191", "EAN13", "]E0", "7350000000191"),
        (Symbology.ITF14, "17350000000211", "ITF", "]I1", "17350000000211"),
    ],
)
def test_each_symbology_reads_back_as_itself_with_gs_between_gs1_fields(symbology, text, fmt, aim, read):
    symbol = symbol_modules(text, symbology)
    assert symbol.linear is (symbology is not Symbology.GS1_DATAMATRIX)
    [result] = zxingcpp.read_barcodes(picture(symbol), text_mode=zxingcpp.TextMode.Plain)
    assert (result.format, result.symbology_identifier, result.text) == (
        getattr(zxingcpp.BarcodeFormat, fmt),
        aim,
        read,
    )


def test_a_wrong_check_digit_is_refused_in_words():
    with pytest.raises(SymbolError, match=r"cannot be a ean13 symbol.*check digit"):
        symbol_modules("7350000000190", Symbology.EAN13)
    with pytest.raises(
        SymbolError, match=r"gs1-datamatrix symbol: Barcode 07350000000190 has a wrong check digit"
    ):
        symbol_modules("(01)07350000000190(10)L1", Symbology.GS1_DATAMATRIX)


def test_runs_are_the_dark_stretches_of_a_row():
    row = (True, True, False, True, False, False, True)
    assert SymbolModules(7, 1, (row,), True).runs(0) == [(0, 2), (3, 1), (6, 1)]
