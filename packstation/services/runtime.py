"""The station runtime: carries out what the domain's ``Station`` asks for, with the real adapters.

``Station`` (domain) decides; this module does: it writes scans and boxes to the store, looks orders up,
wakes the outbox, queues labels and box tags on the print queue, and feeds every answer back into the
station as an event. After each step it publishes ``station.view`` through ``publish_view`` (the GUI's
bridge in the app, a list in tests). It runs on the asyncio loop's thread (qasync's, i.e. the GUI
thread, in the app); callbacks from worker threads are handed over through a ``LoopHandoff``.

One view per event, not one per step: effects applied while others are being applied (a failure
notice, a status change inside a print-job change) publish nothing themselves, and what the workers
report (print jobs, bookings, outbox status, look-up answers) is published once at the end of the
loop's turn, however many of them arrived in it (each view is the whole screen, so the last one says
everything). A scan is different: its view is published before ``submit_scan`` returns, so the packer
sees it at once (and with it anything the workers changed meanwhile).

Why store writes run inline here: a scan-log row or a box close is one short ``BEGIN IMMEDIATE``
transaction (well under a millisecond, see the README benchmark), and the scan must be on disk before
the screen changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import io
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine, Iterable, Iterator, Mapping
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Protocol, assert_never

from packstation.domain import effects as fx
from packstation.domain import station_text as text
from packstation.domain.labelgen import make_box_tag
from packstation.domain.models import Shipment
from packstation.domain.outbox import OpKind, OutboxStatus
from packstation.domain.outcomes import Outcome
from packstation.domain.packing import SessionState
from packstation.domain.packing_box import TrackedUnit
from packstation.domain.parcel_claims import OpenVerdict, ParcelFact, ShipmentFacts, assess_open
from packstation.domain.ports import OrderSource, OutboxWorker, PrintQueuePort
from packstation.domain.printing import ACTIVE_STATES, PrintJob, PrintJobKind, PrintJobState
from packstation.domain.raster import LabelPreview, MonoImage
from packstation.domain.scale import Reading
from packstation.domain.station import Station
from packstation.domain.view import Connectivity, StationView, StatusView, Tone
from packstation.services.loop_thread import LoopHandoff

if TYPE_CHECKING:
    from packstation.domain.ports import StationStore

log = logging.getLogger(__name__)

# What the packer reads when a label's send was interrupted: it may be on paper, so it is never resent
# by itself; the box line reads "Box 2 of order 1001: its label may not have printed: ...".
CHECK_AND_REPRINT = "check the printer, scan CMD:REPRINT if it is missing"
UNCERTAIN_LABEL = f"its label may not have printed: {CHECK_AND_REPRINT}"
UNCERTAIN_JOB = "A label may not have printed: check the printer, reprint it if it is missing"

PublishView = Callable[[StationView], None]
UNANSWERED_KEPT = 1_000  # unanswered order scans remembered for a replay's report


def mono_to_png(image: MonoImage) -> bytes:
    """PNG bytes of a 1-bit label image, for the on-screen preview."""
    from PIL import Image

    # PIL's mode "1" stores 1 = white; ours is 1 = black: the "1;I" raw mode inverts while reading.
    pil = Image.frombytes("1", (image.width, image.height), image.data, "raw", "1;I", image.row_bytes)
    out = io.BytesIO()
    pil.save(out, format="PNG")
    return out.getvalue()


class _Printer(Protocol):
    def send(self, payload: Any) -> None: ...

    def probe(self) -> None: ...


class PreviewTee:
    """Wraps a printer so that every label it printed is also shown on screen as the last label."""

    def __init__(self, printer: _Printer, sink: Callable[[LabelPreview], None]) -> None:
        self.printer = printer
        self.sink = sink

    def send(self, payload: Any) -> None:
        self.printer.send(payload)
        if not hasattr(self.printer, "shown"):  # the preview printer hands previews to the sink itself
            self.sink(payload.preview)

    def probe(self) -> None:
        self.printer.probe()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.printer, name)


class StationRuntime:
    def __init__(
        self,
        station: Station,
        store: StationStore,
        lookup: OrderSource,
        *,
        outbox: OutboxWorker | None = None,
        print_queue: PrintQueuePort | None = None,
        printer_uri: str = "preview",
        station_id: str = "",
        publish_view: PublishView | None = None,
        label_format: str = "svg",
        clock: Callable[[], float] = time.time,
        packed_event_type: str | None = None,
        slip_printer_uri: str = "",
        slip_as_pdf: bool = False,
    ) -> None:
        self.station = station
        self.store = store
        self.lookup = lookup
        self.outbox = outbox
        self.print_queue = print_queue
        self.printer_uri = printer_uri
        self.station_id = station_id
        self.publish_view = publish_view or (lambda view: None)
        self.label_format = "zpl" if "lang=zpl" in printer_uri else label_format
        self.clock = clock
        self.packed_event_type = packed_event_type  # None: no tracking event when an order is packed
        self.slip_printer_uri = slip_printer_uri  # "": no packing slips
        self.slip_as_pdf = slip_as_pdf  # the slip printer is the document printer: a PDF page, not ESC/POS
        # Label URLs of parcels booked elsewhere, for the packer's "reprint them" choice at open.
        self._foreign_labels: dict[str, str] = {}
        # Sessions whose slip is being made right now (a completed session is saved again on each later
        # box event): each leaves once its job is queued or skipped, after which the store says the slip
        # is no longer owed. So the set holds a few sessions, not every order of the process's life.
        self._slipped: set[str] = set()
        self._handoff = LoopHandoff()
        # Every task the runtime started (cancelled at close; idle waits for them) and, among them, the
        # order look-ups: a replay waits only for those before its next scan, as a packer waits for the
        # order to show. The marker's write and its settle re-read (seconds) run behind the packer.
        self._tasks: set[asyncio.Task[None]] = set()
        self._lookups: set[asyncio.Task[None]] = set()
        self._outbox_status = OutboxStatus()
        self._printer_problem = ""
        # Order scans whose look-up got no usable answer ("KEY: reason"): a replay reports them. Only
        # the latest are kept (a station offline all day must not collect every one for ever); the
        # count says how many there were.
        self.unanswered_scans: deque[str] = deque(maxlen=UNANSWERED_KEPT)
        self.unanswered_count = 0
        self.last_scan_at = time.monotonic()  # when the last scan arrived (monotonic clock)
        # Publishing (see the module's docstring): _apply calls in progress, scans being handled, and
        # whether the station changed since the last view was published / a publish is scheduled.
        self._applying = 0
        self._at_once = 0
        self._publish_due = False
        self._publish_scheduled = False
        self._loop: asyncio.AbstractEventLoop | None = None

    # ------------------------------------------------------------------ inputs

    def bind_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        """Call on the loop's thread: calls from worker threads are handed to ``loop`` from now on, and
        what they change is published once per turn of ``loop``."""
        self._handoff.bind(loop)
        self._loop = loop

    def submit_scan(self, raw: str) -> None:
        """A scan arrived (scanner, manual entry, replay). Handled completely before returning, except
        order look-ups, which answer later through ``station.order_loaded``."""
        self.last_scan_at = time.monotonic()  # the idle garbage collector waits for a pause in scanning
        with self._published_at_once():
            try:
                effects = self.station.handle_scan(raw, self.clock())
            except Exception:  # a bug in the state machine must not lose the scan nor kill the window
                log.exception("The station could not handle a scan")
                self.store.scans.log(
                    raw=raw, kind="error", outcome=Outcome.INTERNAL_ERROR, detail="", station=self.station_id
                )
                effects = self.station.notify(Tone.BAD, "Something went wrong with that scan. Scan it again.")
            self._apply(effects)

    def take_handover(self, data: Mapping[str, Any], png: bytes = b"") -> None:
        """After a restart with new settings: the packer and the last label as they were."""
        with self._published_at_once():
            self._apply(self.station.take_handover(data, png))

    def scan_held(self, raw: str, where: str) -> None:
        """A scan the window did not use because a dialog (``where``) was open: logged, nothing else."""
        with self._published_at_once():
            self._apply(self.station.scan_held(raw, where, self.clock()))

    async def aclose(self) -> None:
        """Cancel running order look-ups and wait for them, before the HTTP client they use closes."""
        tasks = [t for t in self._tasks if not t.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=5.0)

    @property
    def busy(self) -> bool:
        """True while an order look-up is running (a replay waits for it before the next scan); not
        for the work an open order starts behind the packer (its marker, the claims' settle re-read)."""
        return any(not t.done() for t in self._lookups)

    @property
    def working(self) -> bool:
        """True while any task the runtime started runs: look-ups, the open marker and its re-read,
        packing slips (idle, and so ``--exit-when-idle``, waits for them)."""
        return any(not t.done() for t in self._tasks)

    def restore(self) -> None:
        """At start-up: bring back open and parked sessions, and catch their boxes up with the store
        (a box may have been booked or printed after its session snapshot was last written)."""
        with self._published_at_once():  # the window shows the restored state as it first paints
            self._restore()

    def _restore(self) -> None:
        sessions = self.store.sessions.in_states()
        self._apply(self.station.restore([s["snapshot"] for s in sessions if s.get("snapshot")]))
        for session in sessions:
            for box in self.store.boxes.for_session(session["id"]):
                self._sync_box(box)
        self._ask_foreign_choice_again()
        # Labels whose send a crash interrupted: the packer checks the printer (they are never resent).
        for job in self.unresolved_uncertain_jobs():
            if job.kind is PrintJobKind.LABEL:
                self._print_job_changed(job.id)
        if self.slip_printer_uri:  # slips owed by orders completed just before a crash
            for session in self.store.sessions.owed_a_slip():
                self._queue_packing_slip(
                    session["id"], session["order_key"], session["shipment_id"], session["snapshot"]
                )

    # ------------------------------------------------------------------ events from workers

    def box_parked(self, box_id: int, reason: str) -> None:
        """The outbox gave up on a box's operation (needs attention): the box card says so."""
        self._handoff.call(self._box_parked, box_id, reason)

    def _box_parked(self, box_id: int, reason: str) -> None:
        problem = f"Needs attention: {reason}. Retry or cancel it in the outbox (Ctrl+Shift+O)."
        self._apply(self.station.box_failed(box_id, problem))

    def outbox_status_changed(self, status: OutboxStatus) -> None:
        self._handoff.call(self._status_changed, status)

    def box_booked(self, box_id: int) -> None:
        self._handoff.call(self._box_booked, box_id)

    def print_job_changed(self, job_id: int) -> None:
        self._handoff.call(self._print_job_changed, job_id)

    def label_shown(self, preview: LabelPreview) -> None:
        """From the print worker thread: the label that just printed, for the on-screen preview."""
        if not preview.images:
            return
        png = mono_to_png(preview.images[0])
        box_id, tracking_number = preview.box_id, preview.tracking_number
        self._handoff.call(
            lambda: self._apply(
                self.station.label_preview(png, box_id=box_id, tracking_number=tracking_number)
            )
        )

    def notify(self, tone: Tone, message: str) -> None:
        self._handoff.call(lambda: self._apply(self.station.notify(tone, message)))

    def weight_changed(self, reading: Reading) -> None:
        """From the scale's reader thread: a new reading (a domain ``Reading``)."""
        self._handoff.call(lambda: self._apply(self.station.weight_changed(reading)))

    def scale_failed(self, message: str) -> None:
        """From the scale's reader thread: the scale cannot be read; ``message`` says what to do."""
        self._handoff.call(lambda: self._apply(self.station.scale_failed(message)))

    # ------------------------------------------------------------------ effects

    def _apply(self, effects: list[fx.Effect]) -> None:
        self._applying += 1
        try:
            for effect in effects:
                try:
                    self._execute(effect)
                except Exception as exc:  # a failed effect must not lose the rest or crash the loop
                    log.exception("Could not carry out %s", type(effect).__name__)
                    if not isinstance(effect, fx.Feedback):
                        self._apply(self.station.notify(Tone.BAD, _effect_failure(effect, exc)))
                        return
        finally:
            self._applying -= 1
            self._publish_due = True
            if not self._applying:
                self._publish()

    # ------------------------------------------------------------------ publishing

    @contextlib.contextmanager
    def _published_at_once(self) -> Iterator[None]:
        """A scan: its view (with whatever else changed) is published before the scan returns."""
        self._at_once += 1
        try:
            yield
        finally:
            self._at_once -= 1
            if not self._at_once:
                self._publish_now()

    def _publish(self) -> None:
        if self._at_once:
            return  # the scan publishes when it is done
        if (
            self._loop is None or self._loop.is_closed()
        ):  # driven without a loop (tests, tools): every event at once
            self._publish_now()
        elif not self._publish_scheduled:
            self._publish_scheduled = True
            self._loop.call_soon(self._publish_now)

    def _publish_now(self) -> None:
        self._publish_scheduled = False
        if self._publish_due:
            self._publish_due = False
            self.publish_view(self.station.view)

    def _execute(self, effect: fx.Effect) -> None:
        match effect:
            case fx.LogScan():
                self.store.scans.log(
                    raw=effect.raw,
                    kind=effect.kind,
                    outcome=effect.outcome,
                    detail=effect.detail,
                    session_id=effect.session_id or None,
                    order_key=effect.order_key or None,
                    packer=effect.packer,
                    station=self.station_id,
                )
            case fx.Feedback():
                pass  # shown, flashed and sounded by the GUI from the view published after the effects
            case fx.SaveSession():
                self.store.sessions.save(
                    effect.session_id,
                    order_key=effect.order_key,
                    shipment_id=effect.shipment_id,
                    state=effect.state,
                    packer=effect.packer,
                    snapshot=effect.snapshot,
                    slip_wanted=bool(self.slip_printer_uri) and effect.state == "complete",
                )
                if effect.state == SessionState.CANCELLED.value and effect.shipment_id:
                    self._leave_order(effect.shipment_id, effect.session_id)
                if effect.state == "complete":
                    self._queue_packed_events(effect.session_id)
                    self._queue_packing_slip(
                        effect.session_id, effect.order_key, effect.shipment_id, effect.snapshot
                    )
            case fx.LookupOrder():
                self._spawn(self._lookup(effect.key), lookup=True)
            case fx.CloseBox():
                box = self.store.boxes.close(
                    session_id=effect.session_id,
                    snapshot=effect.snapshot,
                    shipment_id=effect.shipment_id,
                    box_type=effect.box_type,
                    dims_mm=effect.dims_mm,
                    # Weight and dimensions stay with the box here (and on the manifest): the SOM API has
                    # no documented place for a parcel's weight on an existing shipment (add_parcel and
                    # bookParcels take only ids; shipments.update has no parcels; weights exist only per
                    # line item on create), so none is sent.
                    weight_g=effect.weight_g,
                    items=effect.items,
                    packer=effect.packer,
                    station=self.station_id,
                    tracked=effect.tracked,
                )
                self._kick_outbox()
                self._apply_nested(
                    self.station.box_queued(
                        effect.box_number, box.id, box.local_tag, session_id=effect.session_id
                    )
                )
            case fx.VoidBox():
                if effect.box_id is not None:
                    self.store.boxes.void(effect.box_id, snapshot=effect.snapshot)
                    self._kick_outbox()
            case fx.CancelDeliveries():
                self.store.sessions.cancel(effect.session_id)
                self._kick_outbox()
            case fx.Reprint():
                self._reprint(effect)
            case fx.PrintBoxTag():
                self._print_box_tag(effect)
            case fx.RecordForeignChoice():
                self.store.claims.set_choice(effect.session_id, effect.choice)
                log.info("Order of session %s: the packer chose %s", effect.session_id, effect.choice.value)
            case fx.LearnBarcode():
                self.store.catalogue.learn(effect.barcode, effect.sku, packer=effect.packer, at=effect.at)
                log.info("Catalogue: %s learned as %s by %s", effect.barcode, effect.sku, effect.packer)
            case _:
                assert_never(effect)

    def _apply_nested(self, effects: list[fx.Effect]) -> None:
        for effect in effects:
            self._execute(effect)

    # ------------------------------------------------------------------ order look-up

    async def _lookup(self, key: str) -> None:
        try:
            found = await self.lookup.open_order(key)
        except Exception as exc:  # no usable answer: that is not "no such order"
            log.warning("Order look-up for %s failed: %s", key, exc)
            reason = _plain_lookup_error(exc)
            self.unanswered_scans.append(f"{key}: {reason}")
            self.unanswered_count += 1
            self._apply(self.station.order_lookup_failed(key, reason))
            return
        if found is None or found[1] == "api":
            self._heard_from_server()  # the API answered: whatever said "offline" is out of date
        if found is None:
            self._apply(
                self.station.order_not_found(key, "no such order in Ingrid or in this station's cache")
            )
            return
        shipment, source = found
        self._apply(self.station.order_loaded(key, shipment, source))
        while self.lookup.notices:  # e.g. a duplicate shipment for the order was cancelled
            self._apply(self.station.notify(Tone.WARNING, self.lookup.notices.pop(0)))
        if source == "api":
            if self.outbox is not None:
                self.outbox.seen(shipment)  # the first box books from this answer, not a new read
            self._assess_open(shipment)

    def _ask_foreign_choice_again(self) -> None:
        """After a restart: an order opened with parcels booked elsewhere and no choice made yet
        asks again (from the cached shipment) before anything is packed."""
        session = self.station.state.current
        if session is None or session.has_progress:
            return
        record = self.store.claims.open_record(session.session_id)
        if record is None or record.choice is not None or not record.foreign_ids:
            return
        shipment = self.store.shipments.find(session.order.shipment_id)
        if shipment is None:
            return
        facts = ShipmentFacts.from_shipment(shipment)
        foreign = [p for p in facts.parcels or () if p.id in record.foreign_ids]
        self._ask_foreign_choice(session.session_id, foreign)

    def _ask_foreign_choice(self, session_id: str, foreign: Iterable[ParcelFact], preface: str = "") -> bool:
        """Put the station into "choose first" for the booked ones among ``foreign`` (parcels of the open
        order this station did not make), keeping their label URLs for a reprint. False: none booked."""
        booked = [p for p in foreign if p.booked and p.tracking_number]
        if not booked:
            return False
        self._foreign_labels.update(
            {p.tracking_number: p.label_url for p in booked if p.tracking_number and p.label_url}
        )
        numbers = [p.tracking_number for p in booked if p.tracking_number]
        times = [p.booked_at for p in booked if p.booked_at is not None]
        when = min(times).astimezone().strftime("%H:%M") if times else ""
        self._apply(self.station.foreign_parcels_found(session_id, numbers, booked_at=when, preface=preface))
        return True

    def _assess_open(self, shipment: Shipment) -> None:
        """Exactly once across benches (``parcel_claims.assess_open``), from the answer just fetched:
        parcels booked that this station did not make are never taken by its boxes (kept with the
        session), the packer is told plainly, and this bench marks the order as being packed here."""
        session = self.station.state.current
        if session is None or session.order.shipment_id != shipment.id:
            return
        station = (self.station_id or "station").replace("|", "/")
        own = {b.parcel_id for b in self.store.boxes.for_shipment(shipment.id) if b.parcel_id}
        found = assess_open(
            ShipmentFacts.from_shipment(shipment), station=station, own_parcels=own, now=datetime.now(UTC)
        )
        sentences: list[str] = []
        assessed = self.store.claims.open_record(session.session_id) is not None
        if found.verdict is OpenVerdict.UNKNOWN:
            sentences.append(text.parcels_unknown())  # the outbox assesses before its first write
        elif not assessed:
            self.store.claims.set_open(
                session.session_id, foreign_ids=found.foreign_ids, placeholder_ids=found.placeholder_ids
            )
            assessed = True
        marker = found.other_packing
        if marker is not None:
            since = marker.since.astimezone().strftime("%H:%M")
            sentences.append(text.being_packed_at(marker.station, since))
        # Booked foreign parcels: nothing is packed until the packer chooses (reprint / pack extra / leave).
        preface = " ".join(sentences)
        asked = self._ask_foreign_choice(session.session_id, found.foreign, preface=preface)
        if not asked and preface:
            self._apply(self.station.notify(Tone.WARNING, preface))
        if self.outbox is not None:
            # Nothing to choose: the marker's write also claims the order's preset parcels for this
            # session's next boxes, so closing the first box books it at once (ARCHITECTURE.md).
            preclaim = not asked and assessed
            self._spawn(
                self.outbox.mark_packing(
                    shipment.id, station, session_id=session.session_id if preclaim else None
                )
            )

    # ------------------------------------------------------------------ boxes and labels

    def _box_booked(self, box_id: int) -> None:
        box = self.store.boxes.get(box_id)
        self._queue_packed_events(box.session_id)  # an order completed before its last box was booked
        if box.tracking_number:
            self._apply(self.station.box_booked(box_id, box.tracking_number))
        if self.print_queue is not None:
            self.print_queue.notify()

    def _queue_packed_events(self, session_id: str) -> None:
        if self.packed_event_type and self.store.outbox.queue_packed_events(
            session_id, self.packed_event_type
        ):
            self._kick_outbox()

    def _queue_packing_slip(
        self, session_id: str, order_key: str, shipment_id: str | None, snapshot: dict[str, Any]
    ) -> None:
        """Once per completed order: the packing slip (ESC/POS text, or a PDF page for the document
        printer; a QR of the order id, in the customer's language where known) as a DOCUMENT job for the
        slip printer. The store owes it
        from the completing transaction until the job is queued, so a crash in between loses nothing."""
        if not self.slip_printer_uri or self.print_queue is None or session_id in self._slipped:
            return
        if not self.store.sessions.slip_owed(session_id):  # queued (or skipped) already
            return
        self._slipped.add(session_id)
        packed = [b for b in snapshot.get("boxes", ()) if b.get("state") not in ("open", "voided")]
        tracked = tuple(
            TrackedUnit.from_json(unit).describe() for box in packed for unit in box.get("tracked") or ()
        )
        self._spawn(self._print_slip(session_id, order_key, shipment_id or "", max(1, len(packed)), tracked))

    async def _print_slip(
        self, session_id: str, order_key: str, shipment_id: str, boxes: int, tracked: tuple[str, ...] = ()
    ) -> None:
        try:
            await self._make_slip(session_id, order_key, shipment_id, boxes, tracked)
        finally:
            self._slipped.discard(session_id)  # the store has it from here (queued, skipped or owed)

    async def _make_slip(
        self, session_id: str, order_key: str, shipment_id: str, boxes: int, tracked: tuple[str, ...]
    ) -> None:
        from packstation.adapters.slip_output import slip_escpos
        from packstation.domain.slip import slip_from_shipment
        from packstation.services.end_of_day import document_paper_for, paper_mm_for

        shipment = self.store.shipments.find(shipment_id) or self.store.shipments.find(order_key)
        if shipment is None:
            self.store.sessions.skip_slip(session_id)
            self._apply(
                self.station.notify(
                    Tone.WARNING, f"No packing slip for order {order_key}: its details are not stored here."
                )
            )
            return
        slip = slip_from_shipment(
            shipment, boxes=boxes, day=date.fromtimestamp(self.clock()), tracked=tracked
        )
        uri = self.slip_printer_uri
        try:
            # Rendering the QR code and importing python-escpos take a moment: not on the loop.
            if self.slip_as_pdf:
                from packstation.adapters.document_pdf import slip_document

                data = await asyncio.to_thread(slip_document, slip, document_paper_for(uri))
            else:
                data = await asyncio.to_thread(slip_escpos, slip, paper_mm=paper_mm_for(uri))
        except Exception as exc:  # a slip must never cost the packer the order
            log.warning("Packing slip for %s not made: %s", order_key, exc)
            self.store.sessions.skip_slip(session_id)
            self._apply(self.station.notify(Tone.WARNING, f"The packing slip for {order_key} failed: {exc}"))
            return
        assert self.print_queue is not None  # _queue_packing_slip spawns this only with a queue
        self.print_queue.enqueue(
            kind=PrintJobKind.DOCUMENT, printer_uri=uri, payload=data, session_id=session_id
        )

    def _sync_box(self, box: Any) -> None:
        if box.tracking_number:
            self._apply(self.station.box_booked(box.id, box.tracking_number))
        if getattr(box, "printed_at", None):
            self._apply(self.station.box_printed(box.id))

    def _print_job_changed(self, job_id: int) -> None:
        job: PrintJob | None = self.store.print_jobs.get(job_id)
        if job is None:
            return
        if job.kind is PrintJobKind.LABEL and job.box_id is not None:
            if job.state in (PrintJobState.DONE, PrintJobState.FAILED):  # the log names order and box
                found = self.station.state.find_box(box_id=job.box_id)
                where = (
                    f"order {found[0].order.order_id} box {found[1].number}"
                    if found
                    else f"box id {job.box_id}"
                )
                log.info(
                    "Label of %s (tracking %s): print job %d %s",
                    where,
                    job.tracking_number or "none",
                    job.id,
                    job.state.value,
                )
            if job.state is PrintJobState.DONE:
                self._apply(self.station.box_printed(job.box_id))
            elif job.state is PrintJobState.FAILED:
                problem = f"Label did not print: {job.error}. It prints again when the printer is back."
                self._apply(self.station.box_failed(job.box_id, problem))
            elif job.state is PrintJobState.UNCERTAIN:
                effects = self.station.box_failed(job.box_id, UNCERTAIN_LABEL)
                if not effects:  # its order is no longer on this screen (restart after completion)
                    effects = self.station.notify(
                        Tone.WARNING,
                        f"The label for {job.tracking_number or 'a box'} may not have printed: "
                        f"{CHECK_AND_REPRINT}",
                    )
                self._apply(effects)
        if job.state is PrintJobState.FAILED:
            self._printer_problem = job.error or ""
        elif job.state is PrintJobState.UNCERTAIN:  # the cause: a crash mid-send, or a printer fault
            self._printer_problem = job.error or UNCERTAIN_JOB
        elif job.state is PrintJobState.SENDING and job.error:  # the printer holds the label: its fault
            self._printer_problem = job.error
        else:
            self._printer_problem = ""
        self._status_changed(self._outbox_status)

    def unresolved_uncertain_jobs(self) -> list[PrintJob]:
        """Jobs interrupted while sending that nobody has dealt with yet: a label job counts as dealt
        with once a person asked for a later copy of that box's label (CMD:REPRINT)."""
        found = []
        for job in self.store.print_jobs.recent(states=(PrintJobState.UNCERTAIN,), limit=100):
            later = self.store.print_jobs.labels_for_box(job.box_id) if job.box_id is not None else []
            if job.kind is PrintJobKind.LABEL and any(j.id > job.id for j in later):
                continue
            found.append(job)
        return found

    def _reprint(self, effect: fx.Reprint) -> None:
        if self.print_queue is None:
            return
        box = None
        if effect.box_id is not None:
            box = self.store.boxes.get(effect.box_id)
        elif effect.tracking_number:
            box = self.store.boxes.by_tag_or_tracking(effect.tracking_number)
            foreign_url = self._foreign_labels.get(effect.tracking_number)
            if box is None and foreign_url:
                # A parcel booked elsewhere (the packer chose to reprint it at open): no box of
                # this station holds it, so the job names none.
                self.print_queue.enqueue(
                    kind=PrintJobKind.LABEL,
                    printer_uri=self.printer_uri,
                    source_url=foreign_url,
                    tracking_number=effect.tracking_number,
                )
                return
        jobs = self.store.print_jobs.labels_for_box(box.id) if box is not None else []
        if not jobs:
            self._apply_nested(
                self.station.notify(
                    Tone.WARNING, "That box has no label yet: it prints once the box is booked."
                )
            )
            return
        self.print_queue.reprint(min(j.id for j in jobs))

    def _print_box_tag(self, effect: fx.PrintBoxTag) -> None:
        if self.print_queue is None:
            return
        payload = make_box_tag(
            self.label_format,
            effect.local_tag,
            effect.order_key,
            parcel_text=f"Box {effect.box_number}",
        )
        self.print_queue.enqueue(
            kind=PrintJobKind.BOX_TAG, printer_uri=self.printer_uri, payload=payload, box_id=effect.box_id
        )

    def _heard_from_server(self) -> None:
        if self.outbox is not None:
            self.outbox.server_answered()

    def _leave_order(self, shipment_id: str, session_id: str) -> None:
        """An order left (cancelled, or replaced before anything was packed): its marker and the
        claims made at open for boxes never closed are released by the outbox (retried until done)."""
        if self.store.claims.open_record(session_id) is not None:
            self.store.outbox.enqueue(OpKind.LEAVE_ORDER, shipment_id, {"session_id": session_id})
            self._kick_outbox()

    def _kick_outbox(self) -> None:
        if self.outbox is not None:
            self.outbox.kick()

    # ------------------------------------------------------------------ status

    def _status_changed(self, status: OutboxStatus) -> None:
        self._outbox_status = status
        waiting = 0
        if self.print_queue is not None:
            waiting = self.store.print_jobs.count((*ACTIVE_STATES, PrintJobState.FAILED))
        view = StatusView(
            connectivity=Connectivity(status.connectivity),
            connectivity_reason=status.reason,
            outbox_depth=status.depth,
            needs_attention=status.needs_attention,
            printer_ok=not self._printer_problem,
            printer_message=self._printer_problem or "Printer ready",
            labels_waiting=waiting,
        )
        self._apply(self.station.status_changed(view))

    # ------------------------------------------------------------------ plumbing

    def _spawn(self, coro: Coroutine[Any, Any, None], *, lookup: bool = False) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        if lookup:
            self._lookups.add(task)
            task.add_done_callback(self._lookups.discard)


def _plain_lookup_error(exc: Exception) -> str:
    one_line = getattr(exc, "one_line", None)
    return one_line() if callable(one_line) else str(exc) or type(exc).__name__


def _effect_failure(effect: fx.Effect, exc: Exception) -> str:
    # OSError ENOSPC from files; SQLite says "database or disk is full" (SQLITE_FULL).
    if (isinstance(exc, OSError) and exc.errno == errno.ENOSPC) or "disk is full" in str(exc):
        return "The disk is full: nothing more can be saved. Call IT before packing on."
    name = type(effect).__name__
    return f"Could not save ({name}): {exc}. Your last scan was not applied; scan it again or call IT."
