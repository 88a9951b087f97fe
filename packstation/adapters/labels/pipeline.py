"""The label pipeline: label bytes in, printer bytes (or a preview) out. CPU only, no device I/O.

``LabelPipeline.prepare`` is what the print queue runs in a worker thread for every job, and what
``packstation print-test`` runs too, so a test print exercises exactly the production path.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field, replace

import msgspec

from packstation.adapters.labels import raster, safety
from packstation.adapters.labels.barcodes import check_barcode_kept
from packstation.adapters.labels.detect import LabelFormat, detect_label_format
from packstation.adapters.labels.encode import encode_escpos, encode_zpl_graphic
from packstation.adapters.labels.errors import LabelError
from packstation.adapters.labels.raster import Head
from packstation.adapters.labels.tspl_epl import encode_label_language
from packstation.domain.raster import LabelPreview, MonoImage, SvgRasterizer
from packstation.domain.setting_grammars import MediaSensing

log = logging.getLogger(__name__)


class Target(msgspec.Struct, frozen=True):
    """What the pipeline must know about the printer: head size, language, cutter, or screen preview."""

    width: int = 576
    dpi: int = 203
    lang: str = "escpos"
    cut: bool = True
    preview: bool = False
    media: MediaSensing = MediaSensing.GAP  # TSPL/EPL heads: gap, black mark or continuous

    @property
    def head(self) -> Head:
        return Head(self.width, self.dpi)


@dataclass(frozen=True)
class PrintPayload:
    """A label ready for one printer: the exact bytes to send and what the preview shows."""

    label_format: LabelFormat
    data: bytes
    preview: LabelPreview
    render_seconds: float = 0.0
    encode_seconds: float = 0.0
    images: tuple[MonoImage, ...] = field(default=(), repr=False)
    warnings: tuple[str, ...] = ()  # what the renderer could not draw exactly (ZPL), for the job detail


class LabelPipeline:
    """Detects, checks, renders and encodes labels. Thread-safe if the SVG rasteriser is.

    The last few prepared labels are kept by content (``PREPARED_KEPT``): a reprint, or a job retried
    once the printer is back, sends the same bytes for the same printer without rendering, fitting
    and reading the label again (a label's preparation is the print worker's main cost)."""

    PREPARED_KEPT = 8

    def __init__(self, svg_rasterizer: SvgRasterizer | None = None) -> None:
        self.svg_rasterizer = svg_rasterizer
        self._prepared: OrderedDict[tuple[object, ...], PrintPayload] = OrderedDict()
        self._prepared_lock = threading.Lock()

    def render(
        self, data: bytes, content_type: str | None, head: Head
    ) -> tuple[LabelFormat, list[MonoImage]]:
        """Rasterise an SVG/PDF/PNG label for ``head``; raises LabelError for ZPL or bad input."""
        label_format = self.detect(data, content_type)
        return label_format, self._render(label_format, data, head)

    def detect(self, data: bytes, content_type: str | None = None) -> LabelFormat:
        safety.check_label_size(data)
        return detect_label_format(data, content_type)

    def prepare(
        self,
        data: bytes,
        *,
        target: Target,
        content_type: str | None = None,
        tracking_number: str | None = None,
    ) -> PrintPayload:
        key = (
            hashlib.blake2b(data, digest_size=16).digest(),
            len(data),
            content_type,
            target,
            tracking_number,
        )
        with self._prepared_lock:
            kept = self._prepared.get(key)
            if kept is not None:
                self._prepared.move_to_end(key)
                return replace(kept, render_seconds=0.0, encode_seconds=0.0)  # nothing was rendered
        payload = self._prepare(data, target, content_type, tracking_number)
        with self._prepared_lock:
            self._prepared[key] = payload
            while len(self._prepared) > self.PREPARED_KEPT:
                self._prepared.popitem(last=False)
        return payload

    def _prepare(
        self, data: bytes, target: Target, content_type: str | None, tracking_number: str | None
    ) -> PrintPayload:
        label_format = self.detect(data, content_type)
        if label_format is LabelFormat.ZPL:
            return self._prepare_zpl(data, target, tracking_number)
        started = time.perf_counter()
        notes: list[str] = []
        facts = raster.RenderFacts()
        images = self._render(label_format, data, target.head, notes, facts)
        rendered = time.perf_counter()
        for note in notes:
            log.info("%s label: %s", label_format.value.upper(), note)
        # A carrier label must still scan (zxing-cpp reads it), unless the print is the source's own
        # dots (nothing was scaled that could break a bar; the blank check above still applies).
        if tracking_number is not None and not facts.exact:
            head = target.head
            finer = Head(head.width * 2, head.dpi * 2)
            check_barcode_kept(
                images, lambda: self._render_unchecked(label_format, data, finer), label_format.value.upper()
            )
            rendered = time.perf_counter()
        if target.preview:
            out = b""
        elif target.lang == "zpl":
            out = encode_zpl_graphic(images, target.head)
        elif target.lang in ("tspl", "epl"):
            out = encode_label_language(images, target.head, target.lang, target.media)
        else:
            out = encode_escpos(images, target.head, cut=target.cut)
        encoded = time.perf_counter()
        preview = LabelPreview(tuple(images), None, label_format.value, tracking_number)
        return PrintPayload(
            label_format,
            out,
            preview,
            rendered - started,
            encoded - rendered,
            tuple(images),
            warnings=tuple(dict.fromkeys(notes)),
        )

    def _prepare_zpl(self, data: bytes, target: Target, tracking_number: str | None) -> PrintPayload:
        # ZPL is drawn by packstation.adapters.labels.zpl for raster heads and the screen; ZPL printers
        # get the carrier's bytes unchanged.
        from packstation.adapters.labels.zpl.printing import prepare_zpl

        done = prepare_zpl(
            data, target.head, lang=target.lang, preview=target.preview, cut=target.cut, media=target.media
        )
        preview = LabelPreview(done.images, data.decode("latin-1"), "zpl", tracking_number)
        return PrintPayload(
            LabelFormat.ZPL,
            done.data,
            preview,
            done.render_seconds,
            done.encode_seconds,
            done.images,
            warnings=done.warnings,
        )

    def _render(
        self,
        label_format: LabelFormat,
        data: bytes,
        head: Head,
        notes: list[str] | None = None,
        facts: raster.RenderFacts | None = None,
    ) -> list[MonoImage]:
        images = self._render_unchecked(label_format, data, head, notes, facts)
        safety.check_not_blank(images, label_format.value.upper())
        return images

    def _render_unchecked(
        self,
        label_format: LabelFormat,
        data: bytes,
        head: Head,
        notes: list[str] | None = None,
        facts: raster.RenderFacts | None = None,
    ) -> list[MonoImage]:
        try:
            if label_format is LabelFormat.SVG:
                return raster.render_svg(data, head, self.svg_rasterizer, notes)
            if label_format is LabelFormat.PDF:
                return raster.render_pdf(data, head, notes)
            if label_format is LabelFormat.PNG:
                return raster.render_png(data, head, notes, facts)
        except LabelError:
            raise
        except MemoryError:
            raise LabelError(f"the {label_format.value.upper()} label is too large to render") from None
        except Exception as exc:  # a decoder bug must fail the job, not the station
            log.error("rendering a %s label failed", label_format.value, exc_info=True)
            raise LabelError(
                f"the {label_format.value.upper()} label could not be rendered ({type(exc).__name__}: {exc})"
            ) from None
        raise LabelError(f"{label_format.value.upper()} labels cannot be rendered for a raster printer")
