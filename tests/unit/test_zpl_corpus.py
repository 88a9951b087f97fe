"""The ZPL corpus (tests/fixtures/zpl): every label renders at 203 and 300 dpi, and on 576- and 832-dot
heads through the pipeline, with every barcode reading back as its sidecar says."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from packstation import cli
from packstation.adapters.labels import LabelPipeline, Target
from packstation.adapters.labels.raster import mono_to_pil
from packstation.adapters.labels.zpl import render_zpl
from tests.support.escpos_decode import decode_escpos

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "zpl"
FIXTURES = sorted(CORPUS.glob("*.zpl"))


def sidecar(path: Path) -> dict:
    return json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))


def read_all(image: Image.Image) -> Counter[str]:
    return Counter(b.text for b in zxingcpp.read_barcodes(image.convert("L")))


def assert_warnings(found: tuple[str, ...], expected: list[str]) -> None:
    """Every warning is one the sidecar expects, and every expected one came."""
    for message in found:
        assert any(e in message for e in expected), f"unexpected warning: {message}"
    for e in expected:
        assert any(e in message for message in found), f"missing warning: {e}"


def test_corpus_is_not_empty_and_every_fixture_has_a_sidecar():
    assert len(FIXTURES) >= 7
    for path in FIXTURES:
        assert sidecar(path)["labels"], path.name


@pytest.mark.parametrize("dpi", [203, 300])
@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_every_barcode_of_every_fixture_reads_back(path, dpi, expected_log):
    spec = sidecar(path)
    for fragment in spec["warnings"]:
        expected_log.allow(fragment)
    started = time.perf_counter()
    result = render_zpl(path.read_bytes(), dpi=dpi)
    elapsed = time.perf_counter() - started
    print(f"{path.stem} at {dpi} dpi: {elapsed * 1000:.0f} ms")  # a figure, not an assertion
    assert len(result.images) == len(spec["labels"])
    assert_warnings(result.warnings, spec["warnings"])
    scale = dpi / 203
    for image, label in zip(result.images, spec["labels"], strict=True):
        page = mono_to_pil(image)
        assert read_all(page) == Counter(label["barcodes"])
        for crop in label.get("crops", []):
            box = tuple(round(v * scale) for v in crop["box"])
            assert read_all(page.crop(box)) == Counter(crop["barcodes"])


@pytest.mark.parametrize("width", [576, 832])
@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_every_fixture_prints_scannable_on_an_escpos_head(path, width, expected_log):
    """4-inch labels are drawn smaller for a 576-dot head, barcodes redrawn on whole dots (not squeezed)."""
    spec = sidecar(path)
    for fragment in spec["warnings"]:
        expected_log.allow(fragment)
    payload = LabelPipeline().prepare(path.read_bytes(), target=Target(width=width))
    pages = decode_escpos(payload.data).pages
    assert len(pages) == len(spec["labels"])
    for page, label in zip(pages, spec["labels"], strict=True):
        assert page.width == width
        assert read_all(mono_to_pil(page)) == Counter(label["barcodes"])


@pytest.mark.parametrize("width", [576, 832])
@pytest.mark.parametrize("label", FIXTURES, ids=lambda p: p.stem)
def test_print_test_prints_every_fixture_scannable_on_a_file_printer(tmp_path, label, width, expected_log):
    spec = sidecar(label)
    for fragment in spec["warnings"]:
        expected_log.allow(fragment)
    out = tmp_path / "receipt.bin"
    assert cli.main(["print-test", "--printer", f"file:{out}?width={width}", str(label)]) == 0
    pages = decode_escpos(out.read_bytes()).pages
    assert len(pages) == len(spec["labels"])
    for page, expected in zip(pages, spec["labels"], strict=True):
        assert page.width == width
        assert read_all(mono_to_pil(page)) == Counter(expected["barcodes"])


def test_print_test_preview_writes_the_rendered_zpl_as_png(capsys):
    """print-test --printer preview shows a ZPL label as a picture now (it used to save the ZPL text)."""
    label = CORPUS / "designer_export_4x6.zpl"
    assert cli.main(["print-test", "--printer", "preview", str(label)]) == 0
    path = Path(capsys.readouterr().out.rsplit(": ", 1)[1].strip())
    assert path.suffix == ".png"
    with Image.open(path) as picture:
        assert read_all(picture) == Counter(sidecar(label)["labels"][0]["barcodes"])
