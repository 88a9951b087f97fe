"""Render + encode of a 4x6 label at 832 dots (issue 13 item 6), per format, against the floor (the
rasteriser alone: QSvgRenderer, pdfium, Pillow's PNG decode + threshold, the ZPL renderer) and the
old pipeline (the same rendering, then python-escpos ``image()`` instead of our ``GS v 0`` framing),
measured in the same run. "ours" is ``LabelPipeline.prepare`` called as the print queue calls it for a
carrier label (with its tracking number, so the lost-barcode check runs where it applies). Figures are
the minimum and the median of ``--repeat`` runs (other processes share the CPU: the minimum is the
figure least disturbed by them). Nothing is asserted about time.

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.benchmarks.test_bench_encode [--repeat N]
        [--before DIR]

``--before DIR`` also measures "ours" with the ``packstation`` of another source tree (e.g. an
earlier commit: ``git worktree add /tmp/before <commit>``), in a child process, right after.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from packstation.adapters.labels import LabelPipeline, Target
from packstation.domain import labelgen
from tests.support.escpos_image_encoder import encode_escpos_with_escpos_image

TRACKING = "00373500000000000017"
TARGET = Target(width=832, dpi=203)
FORMATS = ("png", "svg", "pdf", "zpl")
CARRIER_ZPL = Path(__file__).resolve().parents[1] / "fixtures" / "zpl" / "nordic_parcel_4x6.zpl"


def label(fmt: str) -> bytes:
    if fmt == "zpl":
        return CARRIER_ZPL.read_bytes()
    return labelgen.make_label(fmt, tracking_number=TRACKING, order_id="BENCH")


def svg_rasterizer():
    from packstation.gui.raster import QtSvgRasterizer, ensure_qt_gui_app

    ensure_qt_gui_app()
    return QtSvgRasterizer()


def floor(fmt: str, data: bytes, rasterizer) -> None:
    """The rasteriser alone, at the size the label prints."""
    scale = min(1.0, TARGET.width / 812)  # the 4x6 label's own 812 dots, or the head's width
    width, height = round(812 * scale), round(1218 * scale)
    if fmt == "svg":
        rasterizer(data, width, height)
    elif fmt == "pdf":
        import pypdfium2

        document = pypdfium2.PdfDocument(data)
        page = document[0]
        page.render(scale=width / page.get_size()[0], grayscale=True).to_pil()
        page.close()
        document.close()
    elif fmt == "png":
        from PIL import Image

        Image.open(io.BytesIO(data)).convert("L").convert("1", dither=Image.Dither.NONE)
    else:
        from packstation.adapters.labels.zpl import render_zpl

        render_zpl(data, dpi=TARGET.dpi, max_width=TARGET.width)


def ours(pipeline: LabelPipeline, data: bytes):
    """The print queue's call for a carrier label (a pipeline of its own: the queue's keeps what it
    prepared, and would not prepare a label it has seen again)."""
    return LabelPipeline(pipeline.svg_rasterizer).prepare(data, target=TARGET, tracking_number=TRACKING)


def old_pipeline(pipeline: LabelPipeline, data: bytes) -> bytes:
    payload = LabelPipeline(pipeline.svg_rasterizer).prepare(
        data, target=Target(TARGET.width, TARGET.dpi, preview=True), tracking_number=TRACKING
    )
    return encode_escpos_with_escpos_image(list(payload.images), TARGET.head, cut=True)


def times_ms(functions: dict[str, object], repeat: int) -> dict[str, tuple[float, float]]:
    """(min, median) ms of each function, run in turns (a, b, c, a, b, c, ...) so that a busy moment
    of the machine falls on all of them alike."""
    times: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(repeat):
        for name, function in functions.items():
            started = time.perf_counter()
            function()  # type: ignore[operator]
            times[name].append(time.perf_counter() - started)
    return {name: (min(t) * 1000, statistics.median(t) * 1000) for name, t in times.items()}


def measure(repeat: int = 51, formats: tuple[str, ...] = FORMATS, only_ours: bool = False) -> list[dict]:
    rasterizer = svg_rasterizer()
    pipeline = LabelPipeline(rasterizer)
    rows = []
    for fmt in formats:
        data = label(fmt)
        ours(pipeline, data)  # warm-up: fonts, imports
        functions = {"ours": lambda d=data: ours(pipeline, d)}
        if not only_ours:
            old_pipeline(pipeline, data)
            functions["floor"] = lambda f=fmt, d=data: floor(f, d, rasterizer)
            functions["old"] = lambda d=data: old_pipeline(pipeline, d)
        rows.append({"format": fmt, **times_ms(functions, repeat)})
    return rows


def measure_before(
    tree: str, repeat: int, formats: tuple[str, ...] = FORMATS
) -> dict[str, tuple[float, float]]:
    """ "ours" measured with the packstation of another source tree, in a child process."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([tree, os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--repeat",
            str(repeat),
            "--width",
            str(TARGET.width),
            "--formats",
            ",".join(formats),
            "--only-ours-json",
        ],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        cwd=tree,
    ).stdout
    return {row["format"]: tuple(row["ours"]) for row in json.loads(out.splitlines()[-1])}


def format_table(rows: list[dict], repeat: int, before: dict | None = None) -> str:
    def cell(pair: tuple[float, float]) -> str:
        return f"{pair[0]:.1f}/{pair[1]:.1f}"

    header = f"{'format':<7}{'floor':>12}{'ours':>12}{'old':>12}{'ours/floor':>12}{'ours/old':>10}"
    lines = [
        f"render + encode, 4x6 label, {TARGET.width} dots at {TARGET.dpi} dpi, "
        f"min/median ms of {repeat} runs (ratios of the minima)",
        header + (f"{'before':>12}{'ours/before':>13}" if before else ""),
    ]
    for row in rows:
        line = (
            f"{row['format']:<7}{cell(row['floor']):>12}{cell(row['ours']):>12}{cell(row['old']):>12}"
            f"{row['ours'][0] / row['floor'][0]:>12.2f}{row['ours'][0] / row['old'][0]:>10.2f}"
        )
        if before:
            was = before[row["format"]]
            line += f"{cell(was):>12}{row['ours'][0] / was[0]:>13.2f}"
        lines.append(line)
    return "\n".join(lines)


@pytest.mark.benchmark
@pytest.mark.parametrize("fmt", FORMATS)
def test_bench_render_and_encode_4x6_at_832_dots(benchmark, qapp, fmt):
    from tests.support.escpos_decode import decode_escpos

    pipeline = LabelPipeline(svg_rasterizer())
    data = label(fmt)
    payload = benchmark(ours, pipeline, data)
    assert payload.data == old_pipeline(pipeline, data)  # our framing: the very bytes escpos sent
    [page] = decode_escpos(payload.data).pages
    assert page.width == TARGET.width


@pytest.mark.benchmark
def test_bench_encode_table(qapp):
    rows = measure(repeat=1)
    assert [row["format"] for row in rows] == list(FORMATS)
    print("\n" + format_table(rows, 1))


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault(
        "ESCPOS_CAPABILITIES_PICKLE_DIR", os.path.join(tempfile.gettempdir(), "packstation-escpos")
    )
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=51)
    parser.add_argument("--before", metavar="DIR", help="also measure the packstation in DIR")
    parser.add_argument(
        "--width", type=int, default=TARGET.width, help="head width in dots (576: a fractional scale)"
    )
    parser.add_argument(
        "--formats", default=",".join(FORMATS), help="comma-separated, of " + ",".join(FORMATS)
    )
    parser.add_argument("--only-ours-json", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    TARGET = Target(width=options.width, dpi=TARGET.dpi)
    formats = tuple(options.formats.split(","))
    if options.only_ours_json:
        print(json.dumps(measure(options.repeat, formats, only_ours=True)))
    else:
        rows = measure(options.repeat, formats)
        before = measure_before(options.before, options.repeat, formats) if options.before else None
        print(format_table(rows, options.repeat, before))
