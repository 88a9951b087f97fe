"""The print queue worker: takes persisted print jobs one at a time and gets them onto paper.

For each job: claim it (queued -> preparing, atomically, so a job is only ever sent after a successful
claim) -> download the label if needed -> render and encode in a worker thread -> mark it sending ->
send in the same worker thread -> done, or failed with a reason a packer can read. Nothing here blocks
the event loop.

Only the device write is uncertain, so the job is marked ``sending`` immediately before it: a crash
while downloading or rendering leaves the job ``preparing``, which start-up simply queues again.

A printer that takes the whole label and then reports a fault (paper out mid-label, cover opened)
holds the label: the job stays ``sending`` with the fault in words as its detail until the printer's
status says it is ready again (then the label has come out: done, printed once), see
``_wait_until_printed``.

A failed job stays in the store. When a job failed because of the printer or the network, the worker
probes that printer every ``retry_interval_s``; once it answers, failed jobs go back to queued and print
(once: the claim makes sure of that). A job interrupted mid-send (app killed or shut down during the
write) becomes ``uncertain``, never resent by itself, because the label may already be out; the packer
is told, and a person asks for a reprint, which is a new job pointing at the original (``reprint_of``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from functools import partial
from typing import Any

import msgspec.structs

from packstation.adapters.labels.detect import LabelFormat
from packstation.adapters.labels.errors import LabelError, LabelPrinterMismatchError
from packstation.adapters.labels.pipeline import LabelPipeline, PrintPayload, Target
from packstation.adapters.printers.devices import Printer
from packstation.adapters.printers.errors import PrinterError, PrinterHoldsLabelError
from packstation.adapters.printers.status import fix_for
from packstation.adapters.printers.uri import label_target
from packstation.domain.printing import NewPrintJob, PrintJob, PrintJobKind, PrintJobRepository
from packstation.domain.raster import LabelPreview

log = logging.getLogger(__name__)

INTERRUPTED_REASON = "interrupted while printing: check whether the label came out; reprint it if not"
HOLD_LIMIT_S = 30 * 60.0  # after this long a held label is left to a person (uncertain)

# fetch_label(url) -> (bytes, content_type), or an object with .content and .content_type (SOM Label)
FetchLabel = Callable[[str], Awaitable[Any]]
PrinterFactory = Callable[[str], Printer]
OnChange = Callable[[int], None]


class PrintQueue:
    def __init__(
        self,
        repo: PrintJobRepository,
        printer_factory: PrinterFactory,
        label_source: FetchLabel | None,
        pipeline: LabelPipeline,
        *,
        on_change: OnChange | None = None,
        retry_interval_s: float = 15.0,
        idle_poll_s: float = 5.0,
        hold_poll_s: float = 2.0,
        hold_limit_s: float = HOLD_LIMIT_S,
    ) -> None:
        self.repo = repo
        self.printer_factory = printer_factory
        self.label_source = label_source
        self.pipeline = pipeline
        self.on_change = on_change
        self.retry_interval_s = retry_interval_s
        self.idle_poll_s = idle_poll_s
        self.hold_poll_s = hold_poll_s
        self.hold_limit_s = hold_limit_s
        # One worker thread: the printer sees one job at a time and USB handles stay on one thread.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="packstation-print")
        self._drain_lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._waiting_for_printer: set[str] = set()  # URIs of printers whose faults failed jobs

    # -- jobs in ------------------------------------------------------------------------------------
    def enqueue(self, **job_fields: Any) -> int:
        """Add a job (the keywords of ``NewPrintJob``) and wake the worker."""
        job_id = self.repo.add(NewPrintJob(**job_fields))
        self._changed(job_id)
        self.notify()
        return job_id

    def reprint(self, job_id: int) -> int:
        """A person asked to print a job again: a new job, pointing at the original."""
        original = self.repo.get(job_id)
        if original is None:
            raise KeyError(f"no print job {job_id}")
        return self.enqueue(
            kind=original.kind,
            printer_uri=original.printer_uri,
            source_url=original.source_url,
            payload=original.payload,
            tracking_number=original.tracking_number,
            box_id=original.box_id,
            reprint_of=original.reprint_of or original.id,
        )

    def retry_failed(self) -> int:
        """Put every failed job back in the queue (the printer is back); returns how many."""
        count = self.repo.retry_failed()
        self._waiting_for_printer.clear()
        if count:
            log.info("Retrying %d failed print job(s)", count)
            self.notify()
        return count

    def notify(self) -> None:
        self._wake.set()

    @property
    def waiting_for_printer(self) -> bool:
        return bool(self._waiting_for_printer)

    # -- the worker ---------------------------------------------------------------------------------
    async def run(self) -> None:
        """Process jobs until cancelled; probe printers that failed and retry once they answer."""
        while True:
            await self.drain()
            timeout = self.retry_interval_s if self._waiting_for_printer else self.idle_poll_s
            # Not asyncio.wait_for: on Python 3.11 it can swallow a cancel that arrives as the wake-up
            # does (gh-86296), and the worker would then never stop. asyncio.wait lets a cancel through.
            wake = asyncio.ensure_future(self._wake.wait())
            try:
                done, _ = await asyncio.wait({wake}, timeout=timeout)
            finally:
                wake.cancel()
            woken = bool(done)
            self._wake.clear()
            if not woken and self._waiting_for_printer:
                await self.retry_if_printers_back()

    async def drain(self) -> int:
        """Process queued jobs until none is left; returns how many were processed."""
        processed = 0
        async with self._drain_lock:
            while (job := self.repo.claim()) is not None:
                await self._process(job)
                processed += 1
        return processed

    async def retry_if_printers_back(self) -> bool:
        """Probe the printers that failed jobs; if all answer, retry the failed jobs."""
        loop = asyncio.get_running_loop()
        for uri in sorted(self._waiting_for_printer):
            try:
                printer = self.printer_factory(uri)
                await loop.run_in_executor(self._executor, printer.probe)
            except PrinterError as exc:
                log.debug("printer %s still unavailable: %s", uri, exc.user_message)
                return False
        self.retry_failed()
        return True

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    # -- one job --------------------------------------------------------------------------------------
    async def _process(self, job: PrintJob) -> None:
        self._changed(job.id)
        loop = asyncio.get_running_loop()
        retry_when_back = False
        sending = False
        try:
            data, content_type = await self._label_bytes(job)
            printer = self.printer_factory(job.printer_uri)
            if job.kind is PrintJobKind.DOCUMENT and is_pdf_document(data):
                # PDF pages for the document printer: its OS queue's driver renders them
                print_document = pdf_document_sender(printer)
                self.repo.mark_sending(job.id)
                sending = True
                self._changed(job.id)
                await loop.run_in_executor(self._executor, print_document, data)
                payload = PrintPayload(LabelFormat.PDF, data, LabelPreview((), None, "pdf"))
            elif job.kind is PrintJobKind.DOCUMENT:
                payload = document_payload(data, label_target(printer.spec))
            else:
                payload = await loop.run_in_executor(
                    self._executor,
                    partial(
                        self.pipeline.prepare,
                        data,
                        target=label_target(printer.spec),
                        content_type=content_type,
                        tracking_number=job.tracking_number,
                    ),
                )
                # so the screen can name the box whose label (or tag) it shows
                payload = replace(
                    payload, preview=msgspec.structs.replace(payload.preview, box_id=job.box_id)
                )
            if not sending:
                # Everything up to here is safe to redo; from here on the label may reach paper.
                self.repo.mark_sending(job.id)
                sending = True
                self._changed(job.id)
                await loop.run_in_executor(self._executor, printer.send, payload)
        except asyncio.CancelledError:
            if sending:  # the write may go on in the worker thread: nobody can say whether it printed
                log.info("Print job %d interrupted while sending: uncertain", job.id)
                self.repo.mark_uncertain(job.id, INTERRUPTED_REASON)
                self._changed(job.id)
            # else: left 'preparing', which the next start queues again (nothing reached the printer)
            raise
        except PrinterHoldsLabelError as exc:
            await self._wait_until_printed(job, printer, exc)
            return
        except PrinterError as exc:
            if exc.maybe_printed:  # the printer holds the label: it may come out once fixed
                log.info("Print job %d uncertain: %s", job.id, exc.user_message)
                self.repo.mark_uncertain(job.id, exc.user_message)
                self._changed(job.id)
                return
            reason = exc.user_message
            retry_when_back = exc.retryable
        except LabelError as exc:
            reason = exc.user_message
            retry_when_back = getattr(exc, "retryable", False)
        except _DownloadError as exc:
            reason = str(exc)
            retry_when_back = True
        except Exception as exc:  # a bug must fail one job visibly, not stop the queue
            log.error("print job %d failed unexpectedly", job.id, exc_info=True)
            reason = f"unexpected error while printing ({type(exc).__name__}: {exc})"
        else:
            # a box LABEL job: the box is printed in the same transaction; what the renderer could not
            # draw exactly (unsupported ZPL commands, a label shrunk to the head) stays in the job's detail
            self.repo.finish(job.id, note="; ".join(payload.warnings) or None)
            log.info(
                "Print job %d done (%s %s, %s, %d bytes)",
                job.id,
                job.kind.value,
                f"box id {job.box_id}" if job.box_id is not None else "no box",
                f"tracking {job.tracking_number}" if job.tracking_number else "no tracking number",
                len(payload.data),
            )
            self._changed(job.id)
            return
        if retry_when_back:
            self._waiting_for_printer.add(job.printer_uri)
        self._fail(job, reason)

    async def _wait_until_printed(self, job: PrintJob, printer: Printer, exc: PrinterHoldsLabelError) -> None:
        """The printer took the whole label, then reported a fault: the label is in the printer and
        comes out by itself once the fault is fixed. The job stays ``sending`` with the fault in words
        as its detail; the printer's status is polled, and once it reports ready again the job is done
        (printed once, never resent). Shut down meanwhile, or held past ``hold_limit_s``: uncertain."""
        loop = asyncio.get_running_loop()
        detail = exc.user_message
        log.info("Print job %d held by the printer: %s", job.id, detail)
        self.repo.note_sending(job.id, detail)
        self._changed(job.id)
        status = getattr(printer, "status", None)
        started = loop.time()
        try:
            while status is not None and loop.time() - started < self.hold_limit_s:
                await asyncio.sleep(self.hold_poll_s)
                try:
                    fault = await loop.run_in_executor(self._executor, status)
                except PrinterError as unreachable:
                    now = f"{unreachable.user_message} (the label is still in the printer: do not reprint)"
                else:
                    if fault is None:
                        self.repo.finish(job.id)
                        log.info("Print job %d done: the printer is ready again and printed it", job.id)
                        self._changed(job.id)
                        return
                    now = f"the {printer.spec.describe()} reports {fault}: {fix_for(fault)}; " + (
                        "the label is in the printer and comes out by itself (do not reprint)"
                    )
                if now != detail:
                    detail = now
                    self.repo.note_sending(job.id, detail)
                    self._changed(job.id)
        except asyncio.CancelledError:
            self.repo.mark_uncertain(job.id, detail)
            self._changed(job.id)
            raise
        self.repo.mark_uncertain(job.id, detail)
        self._changed(job.id)

    async def _label_bytes(self, job: PrintJob) -> tuple[bytes, str | None]:
        if job.payload is not None:
            return bytes(job.payload), None
        if not job.source_url:
            raise LabelError("the print job has neither a label file nor a label URL")
        if self.label_source is None:
            raise LabelError("labels cannot be downloaded here (no label source configured)")
        try:
            result = await self.label_source(job.source_url)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            raise _DownloadError(f"could not download the label: {_one_line(exc)}") from exc
        if isinstance(result, tuple):
            content, content_type = result
        else:
            content, content_type = result.content, getattr(result, "content_type", None)
        return bytes(content), content_type

    def _fail(self, job: PrintJob, reason: str) -> None:
        log.info("Print job %d failed: %s", job.id, reason)
        self.repo.fail(job.id, reason)
        self._changed(job.id)

    def _changed(self, job_id: int) -> None:
        if self.on_change is not None:
            try:
                self.on_change(job_id)
            except Exception:  # a broken listener must not break printing
                log.error("print queue listener failed", exc_info=True)


def document_payload(data: bytes, target: Target) -> PrintPayload:
    """A DOCUMENT job's bytes (manifest, packing slip: ESC/POS receipt text) go to the printer as they
    are, never through the label renderer. The preview printer shows nothing for them."""
    if target.lang != "escpos" and not target.preview:
        raise LabelPrinterMismatchError(
            f"this document is ESC/POS receipt text but the printer speaks {target.lang.upper()}: "
            "send it to a receipt printer"
        )
    return PrintPayload(LabelFormat.ESCPOS, b"" if target.preview else data, LabelPreview((), None, "escpos"))


def is_pdf_document(data: bytes) -> bool:
    """A DOCUMENT job holding PDF pages (for the document printer) rather than receipt text."""
    return data.lstrip()[:5] == b"%PDF-"


def pdf_document_sender(printer: Printer) -> Callable[[bytes], None]:
    """How PDF pages reach this printer: an OS queue's ``print_document`` (the spooler's driver renders
    them); the preview shows nothing; a thermal head cannot print them (refused in words)."""
    if printer.spec.kind == "preview":
        return lambda data: None
    send = getattr(printer, "print_document", None)
    if send is None:
        raise LabelPrinterMismatchError(
            f"this document is PDF pages for the document printer, but {printer.spec.describe()} is not "
            "an OS print queue: set the document printer to cups:QUEUE or win32:PRINTER NAME"
        )
    return partial(send, title="packstation document")


class _DownloadError(Exception):
    pass


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]
