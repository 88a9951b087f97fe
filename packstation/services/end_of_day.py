"""End of day: book the carrier pickup of every parcel this station booked and has not handed over, then
make the pickup manifest (receipt printer, CSV, PDF).

The pickups go out through the outbox (one ``book_pickup`` operation per tracking number, queued by the
store in one transaction), so they survive going offline and a restart; the store marks a box handed
over in the same transaction that completes its operation. ``EndOfDay`` implements the domain's
``EndOfDayPort`` for the GUI dialog; ``book_pickups`` drives a run to the end for the command line.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from packstation.adapters.manifest_output import manifest_escpos, save_manifest_csv, save_manifest_pdf
from packstation.domain.end_of_day import PickupProgress, manifest_entry_for_box
from packstation.domain.manifest import Manifest, build_manifest
from packstation.domain.ports import OutboxWorker
from packstation.domain.printing import PrintJobKind
from packstation.domain.setting_grammars import DocumentPaper

if TYPE_CHECKING:
    from packstation.domain.ports import StationStore

log = logging.getLogger(__name__)

NARROW_HEAD_DOTS = 384  # 58 mm paper at 203 dpi; wider heads get the 80 mm layout


def document_paper_for(printer_uri: str) -> DocumentPaper:
    """The page size the document printer's URI asks for (``paper=a4|letter``; A4 by default)."""
    from packstation.adapters.printers.errors import PrinterError
    from packstation.adapters.printers.uri import parse_printer_uri

    try:
        return parse_printer_uri(printer_uri).paper
    except PrinterError:
        return DocumentPaper.A4


def paper_mm_for(printer_uri: str) -> int:
    """58 or 80: the receipt layout that fits the printer's head."""
    from packstation.adapters.printers.errors import PrinterError
    from packstation.adapters.printers.uri import parse_printer_uri

    try:
        return 58 if parse_printer_uri(printer_uri).width <= NARROW_HEAD_DOTS else 80
    except PrinterError:
        return 80


class EndOfDay:
    """One station's end of day over its store. ``kick`` wakes the outbox; ``enqueue_print`` is
    ``PrintQueue.enqueue`` (the GUI prints through the queue). ``as_pdf``: ``printer_uri`` is the
    document printer, which gets the manifest as PDF pages instead of receipt text."""

    def __init__(
        self,
        store: StationStore,
        *,
        station: str,
        printer_uri: str,
        as_pdf: bool = False,
        kick: Callable[[], None] = lambda: None,
        enqueue_print: Callable[..., int] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.station = station
        self.printer_uri = printer_uri
        self.as_pdf = as_pdf
        self.kick = kick
        self.enqueue_print = enqueue_print
        self.clock = clock
        self.run_id: str | None = store.pickups.open_run()

    # ------------------------------------------------------------------ EndOfDayPort

    def start(self) -> PickupProgress:
        self.run_id = self.store.pickups.start_run(self.station)
        progress = self.progress()
        log.info("End of day %s: %d pickup(s) in the run", self.run_id, progress.total)
        self.kick()
        return progress

    def progress(self) -> PickupProgress:
        return self.store.pickups.progress(self.run_id)

    def candidates(self) -> int:
        return self.store.pickups.candidates()

    def manifest(self) -> Manifest:
        if self.run_id is None:
            raise RuntimeError("no end of day started")
        entries = [
            manifest_entry_for_box(box, shipment)
            for box, shipment in self.store.pickups.handed_over_boxes(self.run_id)
        ]
        started = self.store.pickups.run_started_at(self.run_id) or self.clock()
        return build_manifest(
            entries,
            self.station,
            date.fromtimestamp(started),
            created_at=datetime.fromtimestamp(self.clock()),
        )

    def manifest_bytes(self, printer_uri: str | None = None) -> bytes:
        """What the printer gets: a PDF for the document printer, else receipt text (ESC/POS)."""
        return self._manifest_bytes(self.manifest(), printer_uri or self.printer_uri)

    def _manifest_bytes(self, manifest: Manifest, printer_uri: str) -> bytes:
        if self.as_pdf and printer_uri == self.printer_uri:
            from packstation.adapters.document_pdf import manifest_document

            return manifest_document(manifest, document_paper_for(printer_uri))
        return manifest_escpos(manifest, paper_mm=paper_mm_for(printer_uri))

    def print_manifest(self) -> str:
        if self.enqueue_print is None:
            raise RuntimeError("no print queue to print the manifest with")
        manifest = self.manifest()
        data = self._manifest_bytes(manifest, self.printer_uri)
        self.enqueue_print(kind=PrintJobKind.DOCUMENT, printer_uri=self.printer_uri, payload=data)
        where = "the document printer" if self.as_pdf else "the printer"
        return f"Manifest ({_parcels(manifest.parcel_count)}) sent to {where}."

    def export_csv(self, path: str) -> str:
        manifest = self.manifest()
        saved = save_manifest_csv(manifest, Path(path))
        return f"Manifest ({_parcels(manifest.parcel_count)}) saved as {saved}."

    def export_pdf(self, path: str) -> str:
        manifest = self.manifest()
        saved = save_manifest_pdf(manifest, Path(path))
        return f"Manifest ({_parcels(manifest.parcel_count)}) saved as {saved}."

    def finish(self) -> None:
        if self.run_id is not None and self.progress().complete:
            self.store.pickups.finish_run(self.run_id)
            log.info("End of day %s finished", self.run_id)
            self.run_id = None


async def book_pickups(
    end_of_day: EndOfDay,
    outbox: OutboxWorker,
    *,
    timeout: float,
    on_progress: Callable[[PickupProgress], None] | None = None,
    poll_s: float = 0.5,
) -> PickupProgress:
    """Send the outbox until every pickup of the run is booked, one needs a person, or ``timeout``
    passes. Operations already waiting (box bookings) go first, so boxes closed late make it in."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    await outbox.drain(max(0.1, timeout / 2))  # bookings still queued get their tracking numbers
    progress = end_of_day.start()
    if on_progress is not None:
        on_progress(progress)
    worker = asyncio.ensure_future(outbox.drain(max(0.1, deadline - loop.time())))
    try:
        while not worker.done():
            await asyncio.wait({worker}, timeout=poll_s)
            latest = end_of_day.progress()
            if latest != progress and on_progress is not None:
                on_progress(latest)
            progress = latest
    finally:
        if not worker.done():
            worker.cancel()
            await asyncio.gather(worker, return_exceptions=True)
    progress = end_of_day.progress()
    if on_progress is not None:
        on_progress(progress)
    return progress


def _parcels(count: int) -> str:
    return f"{count} parcel" if count == 1 else f"{count} parcels"
