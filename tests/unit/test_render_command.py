"""`packstation render`: the PNG is dot for dot what the head would print (the decoded ESC/POS bytes
of the same label through the pipeline), for any format; bad input is one clear line."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from packstation import cli
from packstation.adapters.labels import LabelPipeline, Target
from packstation.adapters.labels.raster import mono_to_pil
from tests.support import carrier_labels
from tests.support.escpos_decode import decode_escpos

ZPL = Path(__file__).resolve().parents[1] / "fixtures" / "zpl" / "nordic_parcel_4x6.zpl"


def printed_page(data: bytes, width: int, dpi: int) -> Image.Image:
    payload = LabelPipeline().prepare(data, target=Target(width=width, dpi=dpi))
    [page] = decode_escpos(payload.data).pages
    return mono_to_pil(page)


@pytest.mark.parametrize(("width", "dpi"), [(576, 203), (832, 203), (1248, 300)])
def test_render_writes_exactly_what_the_head_prints_for_zpl(tmp_path, width, dpi, capsys):
    out = tmp_path / "label.png"
    assert cli.main(["render", str(ZPL), "--width", str(width), "--dpi", str(dpi), "-o", str(out)]) == 0
    assert str(out) in capsys.readouterr().out
    with Image.open(out) as picture:
        assert picture.convert("1").tobytes() == printed_page(ZPL.read_bytes(), width, dpi).tobytes()


@pytest.mark.parametrize("width", [576, 832])
def test_render_of_a_landscape_pdf_is_upright_and_scans(tmp_path, width):
    source = tmp_path / "landscape.pdf"
    source.write_bytes(carrier_labels.landscape_pdf(270))
    out = tmp_path / "label.png"
    assert cli.main(["render", str(source), "--width", str(width), "-o", str(out)]) == 0
    with Image.open(out) as picture:
        assert picture.width == width
        assert picture.convert("1").tobytes() == printed_page(source.read_bytes(), width, 203).tobytes()
        results = zxingcpp.read_barcodes(picture.convert("L"))
    assert Counter(r.text for r in results) == Counter(carrier_labels.TEXTS)
    assert {int(r.orientation) for r in results} == {0}


def test_render_of_a_missing_file_is_one_line(tmp_path, capsys):
    assert cli.main(["render", str(tmp_path / "nope.zpl"), "-o", str(tmp_path / "x.png")]) != 0
    err = capsys.readouterr().err
    assert "cannot read the label file" in err and "Traceback" not in err


def test_render_of_a_broken_label_says_why(tmp_path, capsys):
    source = tmp_path / "broken.pdf"
    source.write_bytes(b"%PDF-1.4 truncated")
    assert cli.main(["render", str(source), "-o", str(tmp_path / "x.png")]) != 0
    err = capsys.readouterr().err
    assert "cannot be printed" in err and "PDF" in err
    assert not (tmp_path / "x.png").exists()
