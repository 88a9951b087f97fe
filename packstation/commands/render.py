"""`packstation render LABEL_FILE [--width DOTS] [--dpi N] -o OUT.png`: draw a label exactly as a raster
head of that width and dpi would print it (support staff use it to see what a printer got).

The label goes through the label pipeline's production path (``LabelPipeline.prepare`` for an ESC/POS
head), and the picture is the one the printer receives: the encoded ``GS v 0`` bands are the same dots.
Several pages (a multi-page PDF, several ZPL labels) are stacked with a gap; any failure is one line.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from packstation.commands import UserFacingError

PAGE_GAP_DOTS = 24  # white between pages in the picture, where the printer would cut


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("label_file", help="label file (SVG, PDF, PNG or ZPL)")
    parser.add_argument("--width", type=int, default=576, help="head width in dots (default: 576)")
    parser.add_argument(
        "--dpi", type=int, default=203, help="head resolution in dots per inch (default: 203)"
    )
    parser.add_argument("-o", "--output", required=True, help="PNG file to write")


def run(args: argparse.Namespace) -> int:
    from packstation.adapters.labels import LabelError, LabelPipeline, Target
    from packstation.adapters.labels.raster import mono_to_pil

    if not 8 <= args.width <= 4096:
        raise UserFacingError(f"--width must be between 8 and 4096 dots, not {args.width}")
    if not 100 <= args.dpi <= 1200:
        raise UserFacingError(f"--dpi must be between 100 and 1200, not {args.dpi}")
    path = Path(args.label_file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserFacingError(f"cannot read the label file {path}: {exc.strerror or exc}") from None
    from packstation.commands.print_test import _svg_rasterizer_if_needed

    pipeline = LabelPipeline(_svg_rasterizer_if_needed(data))
    try:
        payload = pipeline.prepare(data, target=Target(width=args.width, dpi=args.dpi, preview=True))
    except LabelError as exc:
        raise UserFacingError(f"{path} cannot be printed: {exc.user_message}") from None
    pages = [mono_to_pil(image) for image in payload.images]
    if not pages:
        raise UserFacingError(f"{path} has nothing to print")
    from PIL import Image

    height = sum(page.height for page in pages) + PAGE_GAP_DOTS * (len(pages) - 1)
    sheet = Image.new("1", (max(page.width for page in pages), height), 1)
    top = 0
    for page in pages:
        sheet.paste(page, (0, top))
        top += page.height + PAGE_GAP_DOTS
    out = Path(args.output)
    try:
        sheet.save(out, format="PNG", dpi=(args.dpi, args.dpi))
    except OSError as exc:
        raise UserFacingError(f"cannot write {out}: {exc.strerror or exc}") from None
    for warning in payload.warnings:
        print(f"note: {warning}")
    print(f"Rendered {path} for a {args.width}-dot {args.dpi} dpi head ({len(pages)} page(s)): {out}")
    return 0
