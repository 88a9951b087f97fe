"""The outbox worker: sends the station's queued API operations to Ingrid on the asyncio loop.

* Per shipment strictly in order (the oldest active operation of a shipment blocks the later ones);
  different shipments concurrently, bounded by ``concurrency``.
* A box booking is planned from *fresh server state* every attempt and after every answer
  (``shipments.get``, then ``parcel_claims.plan_box_booking``: adopt, ``bookParcels``, ``add_parcel``,
  a claim in ``meta``, or wait). A box takes only a parcel this station can show is its own; every
  ``add_parcel`` is stored before it goes out, so one whose answer was lost (or a crash interrupted) is
  found after the settle delay instead of repeated. One box = one parcel = one label, across benches.
* A completed order's ``settle_order`` cancels the deliveries of parcels no box holds (presets, late
  commits) and releases the being-packed marker.
* Retryable failures back off exponentially with jitter, honouring Retry-After. A refused token
  (401/403) pauses the whole outbox with one visible reason until ``resume()``; any other refusal
  parks the operation as "needs attention" with the server's message.
* Every SQLite call runs on one worker thread of its own (its own connection), so the loop (the GUI
  thread under qasync) never waits on the disk; the durable claim before a request fsyncs.
* Status (connectivity, depth, needs-attention count) goes to ``on_status(OutboxStatus)``; the GUI
  wraps it in a Qt signal. ``on_box_booked(box_id)`` lets the app kick the print queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from packstation.adapters.som.errors import (
    AuthError,
    ConflictError,
    MalformedResponseError,
    NetworkError,
    NotFoundError,
    OutcomeUnknownError,
    PermanentError,
    RateLimitedError,
    RetryableError,
    ServerUnavailableError,
    SomError,
)
from packstation.domain.booking import Booked, BoxRecord, BoxState
from packstation.domain.models import Shipment
from packstation.domain.outbox import (
    BackoffPolicy,
    ConnectivityTracker,
    OpKind,
    OutboxOp,
    OutboxStatus,
)
from packstation.domain.parcel_claims import (
    DEFAULT_CLAIM_SETTLE,
    DEFAULT_SETTLE,
    SEP,
    BoxKey,
    OpenRecord,
    ParcelClaim,
    PlanAction,
    SentWrite,
    ShipmentFacts,
    assess_open,
    meta_update,
    plan_box_booking,
    surplus_parcels,
)
from packstation.domain.ports import SomApi

if TYPE_CHECKING:
    from packstation.domain.ports import StationStore

log = logging.getLogger(__name__)

AUTH_REASON = "The API token was refused (HTTP {status}). Enter a valid token in Settings."
IDLE_POLL_S = 5.0
MAX_PLAN_STEPS = 4  # get -> book/add -> (book) -> adopt; more means the server is not converging


class NeedsAttention(Exception):
    """An operation a person must look at; the message says what and what to do."""


class LabelNotReadyError(RetryableError):
    """A booked delivery whose answer has no ``label_url`` yet: fetched again with back-off."""


@dataclass(frozen=True)
class _BoxContext:
    box: BoxRecord
    open: OpenRecord | None
    own_other: frozenset[str]
    own_all: frozenset[str]
    writes: tuple[SentWrite, ...]
    released: frozenset[BoxKey]  # voided boxes here holding no parcel: what they claimed is free
    released_parcels: tuple[str, ...]  # parcels voided boxes here gave up unbooked: free too


def _write_not_applied(exc: BaseException | None) -> bool:
    """Errors after which a write certainly did not change anything on the server."""
    if isinstance(exc, NetworkError | RateLimitedError):
        return True
    return isinstance(exc, ServerUnavailableError) and exc.status in (502, 503)


class _Attempt:
    """What one attempt did to the server, for deciding whether its failure leaves it in doubt."""

    def __init__(self) -> None:
        self.writes_answered = 0  # writes that were applied (their answer came back)
        self.write_out = False  # a write request is out right now

    def maybe_changed_server(self, exc: BaseException | None = None) -> bool:
        """True if the server may hold a change this station has not recorded yet. Then the
        operation is marked outcome-unknown: nothing may treat it as never sent (voiding a box
        gives its slot back only when the server cannot have a parcel for it)."""
        if self.writes_answered:
            return True
        return self.write_out and not _write_not_applied(exc)


class Outbox:
    """The background sender. ``await run()`` until cancelled, or ``await drain(timeout)``."""

    def __init__(
        self,
        store: StationStore,
        client: SomApi,
        *,
        printer_uri: str,
        concurrency: int = 8,
        clock: Callable[[], float] = time.time,
        on_status: Callable[[OutboxStatus], None] | None = None,
        on_box_booked: Callable[[int], None] | None = None,
        on_box_parked: Callable[[int, str], None] | None = None,
        backoff: BackoffPolicy | None = None,
        rng: random.Random | None = None,
        fetch_before_book: bool = True,
        station_id: str = "",
        settle: timedelta = DEFAULT_SETTLE,
        claim_settle: timedelta = DEFAULT_CLAIM_SETTLE,
        on_notice: Callable[[str], None] | None = None,
    ) -> None:
        self.store = store
        self.client = client
        self.printer_uri = printer_uri
        self.concurrency = max(1, concurrency)
        self.clock = clock
        self.on_status = on_status
        self.on_box_booked = on_box_booked
        self.on_box_parked = on_box_parked
        self.backoff = backoff or BackoffPolicy()
        self.rng = rng or random.Random()
        # False: trust this worker's own last answer for a shipment instead of fetching it before
        # the next box's booking (saves one call per box; only safe while this station alone writes
        # the shipment). Any doubt (error, unknown outcome, restart) still fetches.
        self.fetch_before_book = fetch_before_book
        # Exactly once (parcel_claims): the station's id in meta claims, how long a write in doubt is
        # given to commit late before its outcome is decided, how long a claim must stand.
        self.station_id = station_id
        self.settle = settle
        self.claim_settle = claim_settle
        self.on_notice = on_notice  # sentences for the packer (surplus parcels cancelled, ...)
        self.tracker = ConnectivityTracker()
        self.calls = 0  # HTTP calls made (for benchmarks and diagnostics)
        self._fresh: dict[str, Shipment] = {}
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox-db")
        self._wake: asyncio.Event | None = None
        self._status: OutboxStatus | None = None
        self._running = False

    # ------------------------------------------------------------------ public control

    async def run(self) -> None:
        """Send operations until cancelled."""
        await self._loop(until_idle=False)

    async def drain(self, timeout: float | None = None) -> OutboxStatus:
        """Send until nothing more can be sent: the queue is empty, or what is left waits for a person
        (needs attention) or for ``resume()`` (paused), or ``timeout`` passed."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._loop(until_idle=True), timeout)
        return await self.refresh_status()

    def kick(self) -> None:
        """Something was queued (or the network is back): look at the queue now."""
        if self._wake is not None:
            self._wake.set()

    def pause(self, reason: str) -> None:
        if self.tracker.pause(reason):
            self._publish_soon()

    def resume(self, client: SomApi | None = None) -> None:
        """Leave the paused state (e.g. after a new token was entered), optionally with a new client."""
        if client is not None:
            self.client = client
        if self.tracker.resume():
            self._publish_soon()
        self.kick()

    def server_answered(self) -> None:
        """Any successful call ends "offline" at once (an order look-up answered while the outbox waited
        out its back-off): the status says online and what waited is sent now."""
        if self.tracker.success():
            self._publish_soon()
            self.kick()

    @property
    def paused(self) -> bool:
        return self.tracker.paused

    def status(self) -> OutboxStatus:
        return self._status or OutboxStatus(self.tracker.state, self.tracker.reason)

    async def refresh_status(self) -> OutboxStatus:
        depth, attention = await self._db(
            lambda: (self.store.outbox.depth(), self.store.outbox.needs_attention_count())
        )
        return self._set_status(depth, attention)

    def _set_status(self, depth: int, attention: int) -> OutboxStatus:
        status = OutboxStatus(self.tracker.state, self.tracker.reason, depth, attention)
        if status != self._status:
            self._status = status
            if self.on_status is not None:
                self.on_status(status)
        return status

    def close(self) -> None:
        self._executor.shutdown(wait=True)

    async def mark_packing(self, shipment_id: str, station: str) -> None:
        """At order open: the advisory "being packed here" marker in the shipment's meta (no
        compare-and-swap exists: another bench's write from an older read can drop it; the next claim
        write re-asserts it). Failures are logged: the marker only warns, it never decides."""
        try:
            await self._write_meta(
                _Attempt(), shipment_id, station.replace(SEP, "/") or "station", packing=True
            )
        except (SomError, NeedsAttention) as exc:
            log.info("Could not mark shipment %s as being packed: %s", shipment_id, exc)

    # ------------------------------------------------------------------ the loop

    async def _db(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args, **kwargs))

    def _poll(self, free: int) -> tuple[list[OutboxOp], float | None, int, int]:
        """Runs on the database thread."""
        now = self.clock()
        heads = self.store.outbox.pending_heads(limit=max(free, 1))
        next_due = heads[0].next_attempt_at if heads else None
        due = [op for op in heads if op.next_attempt_at <= now][:free]
        return due, next_due, self.store.outbox.depth(), self.store.outbox.needs_attention_count()

    def _publish_soon(self) -> None:
        with contextlib.suppress(RuntimeError):  # no running loop: the next refresh publishes
            asyncio.get_running_loop().create_task(self.refresh_status())

    async def _loop(self, *, until_idle: bool) -> None:
        if self._running:
            raise RuntimeError("the outbox worker is already running")
        self._running = True
        self._wake = asyncio.Event()
        tasks: set[asyncio.Task[None]] = set()
        try:
            while True:
                self._wake.clear()
                # One trip to the database thread per turn: what is due, when the next is, the counts.
                free = 0 if self.paused else self.concurrency - len(tasks)
                due, next_due, depth, attention = await self._db(self._poll, free)
                self._set_status(depth, attention)
                busy = {t.get_name() for t in tasks}
                for op in due:
                    if op.shipment_id in busy:
                        continue
                    busy.add(op.shipment_id)
                    tasks.add(asyncio.create_task(self._process(op), name=op.shipment_id))
                if self.paused:
                    next_due = None
                timeout = None
                if next_due is not None:
                    timeout = max(0.0, next_due - self.clock())
                # Idle: nothing in flight and nothing that could become due (operations stuck behind
                # one that needs attention wait for a person, not for time).
                if until_idle and not tasks and next_due is None:
                    return
                if timeout == 0 and len(tasks) >= self.concurrency:
                    timeout = None  # due work waits for a free slot, i.e. for a task to finish
                if not until_idle:
                    # Safety net: look again now and then even if nobody kicks (e.g. another process).
                    timeout = IDLE_POLL_S if timeout is None else min(timeout, IDLE_POLL_S)
                wake = asyncio.create_task(self._wake.wait())
                try:
                    done, _ = await asyncio.wait(
                        {wake, *tasks}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
                    )
                finally:  # also when the worker is cancelled: a pending wake task is an error at exit
                    wake.cancel()
                for task in done - {wake}:
                    tasks.discard(task)
                    error = None if task.cancelled() else task.exception()
                    if error is not None and not isinstance(error, Exception):
                        raise error  # SystemExit, KeyboardInterrupt and the like end the worker
                    if error is not None:
                        log.error("Outbox task failed: %r", error)
                # (the next turn's poll refreshes the status: an operation finished, or a kick said
                # something was queued)
        finally:
            for task in tasks:
                task.cancel()
            if tasks:
                await asyncio.gather(*tasks, return_exceptions=True)
            self._running = False
            self._wake = None

    # ------------------------------------------------------------------ one operation

    async def _process(self, due: OutboxOp) -> None:
        claiming = self._executor.submit(self._claim, due)
        try:
            op, box = await asyncio.wrap_future(claiming)
        except asyncio.CancelledError:
            # Stopped while the claim ran on the database thread: it still completes there, and an
            # operation left "in flight" by this live process would never be sent again.
            claimed, _ = claiming.result()
            if claimed is not None:
                self.store.outbox.reschedule(claimed.id, error="stopped before sending", next_attempt_at=0)
            raise
        if op is None:
            return
        attempt = _Attempt()
        try:
            await self._handle(op, attempt, box)
        except asyncio.CancelledError:
            # Shut down mid-call: the request may be out. Settle synchronously (we are cancelled).
            self._fresh.pop(op.shipment_id, None)
            self.store.outbox.reschedule(
                op.id,
                error="stopped while the request was out",
                next_attempt_at=0,
                unknown=attempt.maybe_changed_server(),
            )
            raise
        except AuthError as exc:
            await self._db(self.store.outbox.reschedule, op.id, error=exc.one_line(), next_attempt_at=0)
            self.pause(AUTH_REASON.format(status=exc.status or 401))
            log.warning("Outbox paused: the API token was refused (%s)", exc.one_line())
        except NeedsAttention as exc:
            await self._park(op, str(exc), attempt)
        except LabelNotReadyError as exc:
            # Not a connectivity problem: the box waits, saying why, and asks again with back-off.
            delay = self.backoff.delay(op.attempts, rng=self.rng)
            await self._db(self.store.outbox.wait, op.id, reason=exc.message, until=self.clock() + delay)
        except ConflictError as exc:
            await self._on_conflict(op, exc, attempt)
        except PermanentError as exc:
            await self._park(op, exc.one_line(), attempt)
        except (OutcomeUnknownError, MalformedResponseError, RetryableError) as exc:
            await self._retry_later(op, exc, attempt)
        except Exception as exc:  # a bug or an unexpected answer: visible, never a silent loop
            log.exception("Outbox operation %s (%s) failed unexpectedly", op.id, op.kind)
            await self._park(op, f"unexpected error: {type(exc).__name__}: {exc}", attempt)
        else:
            if self.tracker.success():
                self._publish_soon()

    async def _park(self, op: OutboxOp, reason: str, attempt: _Attempt) -> None:
        self._fresh.pop(op.shipment_id, None)
        log.warning("Outbox operation %s (%s) needs attention: %s", op.id, op.kind, reason)
        await self._db(self.store.outbox.park, op.id, reason, unknown=attempt.maybe_changed_server())
        if op.box_id is not None and self.on_box_parked is not None:
            self.on_box_parked(op.box_id, reason)  # the box card says what `packstation outbox` says

    async def _retry_later(self, op: OutboxOp, exc: SomError, attempt: _Attempt) -> None:
        self._fresh.pop(op.shipment_id, None)
        unknown = attempt.maybe_changed_server(exc)
        retry_after = getattr(exc, "retry_after", None)
        delay = self.backoff.delay(op.attempts, retry_after=retry_after, rng=self.rng)
        await self._db(
            self.store.outbox.reschedule,
            op.id,
            error=exc.one_line(),
            next_attempt_at=self.clock() + delay,
            unknown=unknown,
        )
        changed = (
            self.tracker.unreachable(exc.message)
            if isinstance(exc, NetworkError)
            else (self.tracker.struggling(exc.one_line()))
        )
        if changed:
            self._publish_soon()
        log.info(
            "Outbox operation %s (%s) retries in %.1f s: %s%s",
            op.id,
            op.kind,
            delay,
            exc.one_line(),
            " (outcome unknown: reconciling first)" if unknown else "",
        )

    async def _on_conflict(self, op: OutboxOp, exc: ConflictError, attempt: _Attempt) -> None:
        """409: for a box booking the server state moved under us (replan from a fresh fetch, a few
        times); for other writes after an unknown outcome it means "already done"."""
        if op.kind is OpKind.BOOK_BOX and op.attempts < 3:
            self._fresh.pop(op.shipment_id, None)
            await self._db(
                self.store.outbox.reschedule, op.id, error=exc.one_line(), next_attempt_at=0, unknown=True
            )
            return
        await self._park(op, exc.one_line(), attempt)

    def _claim(self, due: OutboxOp) -> tuple[OutboxOp | None, BoxRecord | None]:
        """Runs on the database thread: claim the operation and read its box in one trip."""
        op = self.store.outbox.claim(due.id)
        box = self.store.boxes.get(op.box_id) if op is not None and op.box_id is not None else None
        return op, box

    async def _handle(self, op: OutboxOp, attempt: _Attempt, box: BoxRecord | None) -> None:
        if op.kind is OpKind.BOOK_BOX:
            await self._book_box(op, attempt, box)
        elif op.kind is OpKind.CANCEL_DELIVERY:
            await self._repeatable_write(
                op, attempt, self.client.cancel_delivery, op.payload["tracking_number"]
            )
        elif op.kind is OpKind.BOOK_PICKUP:
            await self._book_pickup(op, attempt)
        elif op.kind is OpKind.PUBLISH_TRACKING_EVENT:
            p = op.payload
            occurred = datetime.fromisoformat(p["occurred_at"])
            await self._repeatable_write(
                op,
                attempt,
                self.client.publish_tracking_event,
                p["tracking_number"],
                p["custom_event_type_id"],
                occurred,
                p.get("tracking_status", "CUSTOM"),
            )
        elif op.kind is OpKind.CREATE_SHIPMENT_FROM_TOS:
            await self._create_from_tos(op, attempt)
        elif op.kind is OpKind.SETTLE_ORDER:
            await self._settle_order(op, attempt)
        else:  # pragma: no cover - OpKind is closed
            raise NeedsAttention(f"unknown operation kind {op.kind}")

    async def _call(self, attempt: _Attempt, fn: Callable[..., Any], *args: Any, write: bool = True) -> Any:
        self.calls += 1
        if not write:
            return await fn(*args)
        attempt.write_out = True
        result = await fn(*args)
        attempt.write_out = False
        attempt.writes_answered += 1
        return result

    async def _repeatable_write(
        self, op: OutboxOp, attempt: _Attempt, fn: Callable[..., Any], *args: Any
    ) -> None:
        """cancel_delivery, book_pickup, tracking events: repeating them after a lost answer is harmless
        (the delivery already is cancelled / booked; an event at the same time is a duplicate at worst),
        so they are resent; a refusal on the resend that says "already so" counts as done."""
        try:
            await self._call(attempt, fn, *args)
        except (ConflictError, NotFoundError) as exc:
            if not op.outcome_unknown:
                raise
            await self._db(self.store.outbox.complete, op.id, f"already applied: {exc.one_line()}")
            return
        await self._db(self.store.outbox.complete, op.id)

    async def _book_pickup(self, op: OutboxOp, attempt: _Attempt) -> None:
        """After an unknown outcome, ask Ingrid first (deliveries.get): a delivery already in "pickup"
        is done, a cancelled one needs a person; only otherwise is bookPickup (harmless to repeat) sent."""
        tracking = op.payload["tracking_number"]
        if op.outcome_unknown:
            delivery = await self._call(attempt, self.client.get_delivery, tracking, write=False)
            status = (delivery.delivery_status or "").lower()
            if status == "pickup":
                await self._db(self.store.outbox.complete, op.id, "pickup was already booked")
                return
            if status == "cancelled":
                raise NeedsAttention(
                    f"delivery {tracking} is cancelled in Ingrid; its pickup cannot be booked"
                )
        await self._repeatable_write(op, attempt, self.client.book_pickup, tracking)

    async def _create_from_tos(self, op: OutboxOp, attempt: _Attempt) -> None:
        """Look the order up first, every attempt, so a create whose answer was lost is not repeated."""
        tos_id = op.payload["tos_id"]
        shipment = await self._call(attempt, self.client.find_shipment, tos_id, write=False)
        if shipment is None:
            request = {**op.payload.get("request", {}), "tos_id": tos_id}
            shipment = await self._call(attempt, self.client.create_shipment, request)
        await self._db(self.store.shipments.put, shipment)
        await self._db(self.store.outbox.complete, op.id)

    # ------------------------------------------------------------------ box bookings (exactly once)

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    def _station_for(self, box: BoxRecord | None = None) -> str:
        station = self.station_id or (box.station if box is not None else "") or "station"
        return station.replace(SEP, "/")

    def _key(self, box: BoxRecord) -> BoxKey:
        return BoxKey(self._station_for(box), box.box_uuid or f"box-{box.id}")

    def _context(self, box: BoxRecord) -> _BoxContext:
        """Runs on the database thread: what the plan needs from this station's memory."""
        fresh = self.store.boxes.get(box.id)
        others = [b for b in self.store.boxes.for_shipment(box.shipment_id) if b.id != box.id]
        return _BoxContext(
            box=fresh,
            open=self.store.claims.open_record(box.session_id),
            own_other=frozenset(b.parcel_id for b in others if b.parcel_id),
            own_all=frozenset(b.parcel_id for b in [fresh, *others] if b.parcel_id),
            writes=tuple(self.store.claims.sent_writes(box.shipment_id)),
            released=frozenset(
                self._key(b) for b in others if b.state is BoxState.VOIDED and not b.parcel_id
            ),
            released_parcels=tuple(self.store.claims.released_parcels(box.shipment_id)),
        )

    def _own_claims(self, shipment_id: str, station: str, now: datetime) -> list[ParcelClaim]:
        """Runs on the database thread: a claim for every parcel this station's boxes hold."""
        out = []
        for b in self.store.boxes.for_shipment(shipment_id):
            key = self._key(b)
            if b.parcel_id and key.station == station and b.state is not BoxState.VOIDED:
                out.append(ParcelClaim(b.parcel_id, key, now))
        return out

    async def _write_meta(
        self,
        attempt: _Attempt,
        shipment_id: str,
        station: str,
        *,
        extra: ParcelClaim | None = None,
        packing: bool | None = None,
    ) -> Shipment:
        """Read, merge and write the shipment's ``meta`` back to back (``meta_update``): every key of
        others kept, all of this station's claims re-asserted. Nothing is sent when nothing changes.
        Repeating it is harmless (it sends the whole map), so it does not put the operation in doubt."""
        current = await self._get_shipment(shipment_id)
        now = self._now()
        claims = await self._db(self._own_claims, shipment_id, station, now)
        if extra is not None:
            claims.append(extra)
        merged = meta_update(current.meta, station=station, now=now, packing=packing, claims=claims)
        if merged == dict(current.meta):
            return current
        result: Shipment = await self._call(
            attempt, self.client.update_shipment, {"shipment_id": shipment_id, "meta": merged}, write=False
        )
        return result

    async def _best_effort_meta(self, attempt: _Attempt, shipment_id: str, station: str) -> None:
        """A claim written after the box took its parcel: the next meta write re-asserts it if this
        one fails, so a failure here is logged, not fatal."""
        try:
            await self._write_meta(attempt, shipment_id, station, packing=True)
        except (SomError, NeedsAttention) as exc:
            log.info("Could not write the parcel claims of shipment %s yet: %s", shipment_id, exc)

    async def _resolve(
        self, shipment_id: str, resolves: tuple[SentWrite, ...], writes: list[SentWrite]
    ) -> list[SentWrite]:
        """Forget the writes in doubt a plan accounted for; call it only once what they made is
        attributed durably (the box's recorded parcel, or its claim in meta). Forgotten before that, a
        crash or a failed call in between leaves a parcel that no box, no claim and no write accounts
        for: booked, never taken, never cancelled. Returns ``writes`` without them."""
        if not resolves:
            return writes
        await self._db(self.store.claims.resolve_writes, shipment_id, resolves)
        return [w for w in writes if w not in resolves]

    async def _book_box(self, op: OutboxOp, attempt: _Attempt, box: BoxRecord | None) -> None:
        """Give the box a parcel nobody else holds (``parcel_claims.plan_box_booking``), planned from a
        fresh ``shipments.get`` every attempt and after every doubt."""
        if box is None:
            raise NeedsAttention(f"operation {op.id} names no box")
        if box.tracking_number and box.state is not BoxState.VOIDED:
            await self._db(self.store.outbox.complete, op.id, "already booked")
            return
        ctx: _BoxContext = await self._db(self._context, box)
        box = ctx.box
        key, station = self._key(box), self._station_for(box)
        shipment = None
        if not self.fetch_before_book and op.attempts == 1 and not op.outcome_unknown:
            shipment = self._fresh.get(box.shipment_id)
        if shipment is None:
            shipment = await self._get_shipment(box.shipment_id)
        answered: SentWrite | None = None  # ``shipment`` is this write's answer
        writes = list(ctx.writes)
        recorded = box.parcel_id
        opened = ctx.open
        for _ in range(MAX_PLAN_STEPS):
            facts = ShipmentFacts.from_shipment(shipment)
            now = self._now()
            if opened is None and facts.parcels is not None:
                # Not assessed at open (an order opened before this release, or by a caller without
                # the station): assess now, before the first write, and keep it with the session.
                found = assess_open(facts, station=station, own_parcels=ctx.own_all, now=now)
                opened = OpenRecord(found.foreign_ids, found.placeholder_ids)
                await self._db(
                    self.store.claims.set_open,
                    box.session_id,
                    foreign_ids=opened.foreign_ids,
                    placeholder_ids=opened.placeholder_ids,
                )
            plan = plan_box_booking(
                facts,
                box=key,
                now=now,
                recorded=recorded,
                own_other=ctx.own_other,
                foreign_at_open=opened.foreign_ids if opened else (),
                placeholders_at_open=opened.placeholder_ids if opened else (),
                sent_writes=writes,
                answered=answered,
                settle=self.settle,
                claim_settle=self.claim_settle,
                released_boxes=ctx.released,
                released_parcels=ctx.released_parcels,
            )
            if plan.action is PlanAction.RECONCILE:  # parcels unknown: act on nothing, ask again
                if answered is None:
                    raise MalformedResponseError(f"{plan.reason}; asking again later", method="shipments.get")
                shipment, answered = await self._get_shipment(box.shipment_id), None
                continue
            if plan.action is PlanAction.ADOPT and plan.parcel is not None:
                parcel = plan.parcel
                if not parcel.label_url:
                    # Booked, but Ingrid gave no label yet (it may come later): keep the parcel as
                    # this box's and ask again with back-off; the box line says what is happening.
                    if recorded is None:
                        await self._db(self.store.claims.record_parcel, box.id, parcel.id)
                    writes = await self._resolve(box.shipment_id, plan.resolves, writes)
                    raise LabelNotReadyError(
                        f"Booked as {parcel.tracking_number}; waiting for Ingrid to provide the label",
                        method="shipments.get",
                    )
                self._fresh[box.shipment_id] = shipment
                # A box voided meanwhile: the store records its parcel and cancels it (job is None).
                job = await self._db(self._record_booked, shipment, Booked.adopted(op.id, box.id, parcel))
                writes = await self._resolve(box.shipment_id, plan.resolves, writes)
                if plan.claim is not None:
                    await self._best_effort_meta(attempt, box.shipment_id, station)
                if job is not None and self.on_box_booked is not None:
                    self.on_box_booked(box.id)
                return
            if box.state is BoxState.VOIDED and (
                plan.action in (PlanAction.ADD_PARCEL, PlanAction.BOOK_PARCELS)
                or (plan.action is PlanAction.CLAIM and not plan.resolves)
            ):
                # No booked parcel is this box's (an unbooked one costs nothing): nothing to cancel.
                # (A write of it in doubt is waited for first, so its late commit is found, adopted
                # and cancelled; one committing later still is cancelled at completion.)
                await self._db(self.store.boxes.settle_voided, op.id, box.id)
                writes = await self._resolve(box.shipment_id, plan.resolves, writes)
                return
            if plan.action is PlanAction.WAIT:
                if plan.until is None:
                    raise NeedsAttention(f"{plan.reason}.")
                await self._db(
                    self.store.outbox.wait, op.id, reason=plan.reason, until=plan.until.timestamp()
                )
                self.kick()
                return
            if plan.action is PlanAction.CLAIM and plan.claim is not None:
                await self._write_meta(attempt, box.shipment_id, station, extra=plan.claim, packing=True)
                writes = await self._resolve(box.shipment_id, plan.resolves, writes)
                until = (plan.until or now).timestamp()
                await self._db(self.store.outbox.wait, op.id, reason=plan.reason, until=until)
                self.kick()
                return
            if plan.action is PlanAction.BOOK_PARCELS and plan.parcel is not None:
                if recorded is None:
                    await self._db(self.store.claims.record_parcel, box.id, plan.parcel.id)
                    recorded = plan.parcel.id
                writes = await self._resolve(box.shipment_id, plan.resolves, writes)
                if plan.claim is not None:
                    await self._best_effort_meta(attempt, box.shipment_id, station)
                shipment, answered = (
                    await self._call(attempt, self.client.book_parcels, box.shipment_id),
                    None,
                )
                continue
            # ADD_PARCEL: stored durably before it goes out, so a lost answer is attributed later.
            write = SentWrite(key, now, plan.parcels_before)
            await self._db(self.store.claims.add_sent_write, box.shipment_id, box.id, write)
            writes.append(write)
            shipment = await self._call(attempt, self.client.add_parcel, box.shipment_id)
            answered = write
        raise ServerUnavailableError(
            f"Ingrid did not produce a tracking number for box {box.slot} after {MAX_PLAN_STEPS} steps",
            method="outbox.book_box",
        )

    async def _settle_order(self, op: OutboxOp, attempt: _Attempt) -> None:
        """An order completed: cancel the deliveries of parcels no box holds that are this station's
        (``parcel_claims.surplus_parcels``), tell the packer, release the being-packed marker."""
        shipment_id = op.shipment_id
        session_id = str(op.payload.get("session_id", ""))
        boxes = await self._db(self.store.boxes.for_shipment, shipment_id)
        if any(not b.tracking_number and b.state is not BoxState.VOIDED for b in boxes):
            # A box of the order is still being booked (its operation is behind this one when the
            # order was completed at once): look again shortly.
            await self._db(
                self.store.outbox.wait, op.id, reason="waiting for the order's boxes", until=self.clock() + 1
            )
            return
        station = self._station_for(boxes[0] if boxes else None)
        opened = await self._db(self.store.claims.open_record, session_id) if session_id else None
        writes = await self._db(self.store.claims.sent_writes, shipment_id)
        shipment = await self._get_shipment(shipment_id)
        owned = {b.parcel_id: self._key(b) for b in boxes if b.parcel_id}
        report = surplus_parcels(
            ShipmentFacts.from_shipment(shipment),
            station=station,
            owned=owned,
            now=self._now(),
            placeholders_at_open=opened.placeholder_ids if opened else (),
            sent_writes=writes,
            settle=self.settle,
            released=await self._db(self.store.claims.released_parcels, shipment_id),
        )
        if report.unknown:
            raise MalformedResponseError(
                "Ingrid's answer did not list the parcels; asking again before completing the order",
                method="shipments.get",
            )
        if report.wait_until is not None:
            await self._db(
                self.store.outbox.wait,
                op.id,
                reason="waiting for a write in doubt to settle before completing the order",
                until=report.wait_until.timestamp(),
            )
            self.kick()
            return
        await self._write_meta(attempt, shipment_id, station, packing=False)
        follow_ups = [
            (OpKind.CANCEL_DELIVERY, shipment_id, {"tracking_number": s.parcel.tracking_number})
            for s in report.to_cancel
            if s.parcel.tracking_number
        ]
        await self._db(self.store.claims.forget_writes, shipment_id)
        await self._db(
            self.store.outbox.complete_with, op.id, "; ".join(report.messages()) or None, follow_ups
        )
        for message in report.messages():
            log.warning("Order of shipment %s: %s", shipment_id, message)
            if self.on_notice is not None:
                self.on_notice(message)
        if follow_ups:
            self.kick()

    def _record_booked(self, shipment: Shipment, booked: Booked) -> int | None:
        """Runs on the database thread: remember the server's answer and settle the box (booked with
        its label job, or cancelled if it was voided meanwhile) in one trip."""
        self.store.shipments.put(shipment)
        return self.store.boxes.settle_booking(booked, printer_uri=self.printer_uri)

    async def _get_shipment(self, shipment_id: str) -> Shipment:
        self.calls += 1
        try:
            return await self.client.get_shipment(id=shipment_id)
        except NotFoundError as exc:
            raise NeedsAttention(
                f"shipment {shipment_id} was not found in Ingrid ({exc.one_line()})"
            ) from exc
