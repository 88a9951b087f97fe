"""The outbox worker: sends the station's queued API operations to Ingrid on the asyncio loop.

* Per shipment strictly in order (the oldest active operation of a shipment blocks the later ones);
  different shipments concurrently, bounded by ``concurrency``.
* A box booking is planned from the shipment as this station last saw it (``parcel_claims.
  plan_box_booking``: adopt, ``bookParcels``, ``add_parcel``, a claim in ``meta``, or wait): the order
  look-up's answer (``seen``) or the answer to this worker's own last call, when nothing is in doubt, and
  only for the actions the rules allow on it (``_may_act_on_known``); a fresh ``shipments.get`` on any
  retry, any doubt, and for every other decision, except a wait for the box's own claim to settle, which
  reads nothing before then and plans from ``mark_packing``'s read after it. So the normal box costs one
  write. A box takes only a parcel this station can show is its own; every ``add_parcel`` is stored
  before it goes out, so one whose answer was lost (or a crash interrupted) is found after the settle
  delay instead of repeated. One box = one parcel = one label, across benches.
* A completed order's ``settle_order`` cancels the deliveries of parcels no box holds (presets, late
  commits) and releases the being-packed marker.
* Retryable failures back off exponentially with jitter, honouring Retry-After. A refused token
  (401/403) pauses the whole outbox with one visible reason until ``resume()``; any other refusal
  parks the operation as "needs attention" with the server's message.
* Every SQLite call runs on one worker thread of its own (its own connection), so the loop (the GUI
  thread under qasync) never waits on the disk; the durable claim before a request fsyncs.
* Status (connectivity, depth, needs-attention count) goes to ``on_status(OutboxStatus)``; the GUI
  wraps it in a Qt signal. ``on_box_booked(box_id)`` lets the app kick the print queue, at once when
  the booking is recorded (a claim to write after it waits a little and is written for several boxes
  at once); ``on_labels(urls)`` names the labels a booking answer made, so their downloads start in
  parallel before their print jobs are reached.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import random
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import msgspec

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
from packstation.adapters.store.group_commit import GroupCommitter
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
    BoxPlan,
    OpenRecord,
    ParcelClaim,
    PlanAction,
    SentWrite,
    ShipmentFacts,
    assess_open,
    meta_update,
    plan_box_booking,
    preclaims_at_open,
    read_parcel_claims,
    surplus_parcels,
)
from packstation.domain.ports import SomApi

if TYPE_CHECKING:
    from packstation.domain.ports import StationStore

log = logging.getLogger(__name__)

AUTH_REASON = "The API token was refused (HTTP {status}). Enter a valid token in Settings."
IDLE_POLL_S = 5.0
OPS_PER_CALL_SLOT = 2  # operations running per call in the air (see Outbox._in_air)
MAX_PLAN_STEPS = 5  # (known ->) get -> book/add -> (book) -> adopt; more: the server is not converging
KNOWN_LIMIT = 1024  # shipments remembered (LRU, ~8 KiB each): the orders open and queued at a bench
KNOWN_FOR = timedelta(minutes=30)  # an older remembered shipment is read again before a write
REUSE_READ_FOR = timedelta(seconds=2)  # a meta write may merge over a read this young instead of a get
MAX_CLAIM_DELAY = timedelta(seconds=15)  # a claim written after its booking waits at most this long


def _label_urls(shipment: Shipment) -> dict[str, str]:
    """Parcel id -> label URL of the parcels the shipment shows with a label."""
    return {p.id: p.delivery.label_url for p in shipment.parcels if p.delivery and p.delivery.label_url}


class _Known(msgspec.Struct, frozen=True):
    """A shipment as an answer showed it, and when that answer came (server state at that time)."""

    shipment: Shipment
    read_at: datetime


class NeedsAttention(Exception):
    """An operation a person must look at; the message says what and what to do."""


class LabelNotReadyError(RetryableError):
    """A booked delivery whose answer has no ``label_url`` yet: fetched again with back-off."""


class _BoxContext(msgspec.Struct, frozen=True):
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
        fetch_before_book: bool = False,
        station_id: str = "",
        settle: timedelta = DEFAULT_SETTLE,
        claim_settle: timedelta = DEFAULT_CLAIM_SETTLE,
        on_notice: Callable[[str], None] | None = None,
        on_labels: Callable[[Sequence[str]], None] | None = None,
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
        # True: read the shipment before every box's booking, as before the reuse rules (for
        # comparison in benchmarks and for a support engineer who distrusts them).
        self.fetch_before_book = fetch_before_book
        # Exactly once (parcel_claims): the station's id in meta claims, how long a write in doubt is
        # given to commit late before its outcome is decided, how long a claim must stand.
        self.station_id = station_id
        self.settle = settle
        self.claim_settle = claim_settle
        self.on_notice = on_notice  # sentences for the packer (surplus parcels cancelled, ...)
        self.on_labels = on_labels  # label URLs a booking answer made: start their downloads
        # A claim written after its box took a booked parcel only has to be in meta before another
        # bench could take that parcel for a late commit of its own, i.e. well within ``settle`` of the
        # parcel's creation; waiting a little lets one write carry the claims of several boxes.
        self.claim_delay = min(MAX_CLAIM_DELAY, settle / 3)
        self.tracker = ConnectivityTracker()
        self.calls = 0  # HTTP calls made (for benchmarks and diagnostics)
        self._known: OrderedDict[str, _Known] = OrderedDict()
        self._claims_due: dict[str, tuple[str, float]] = {}  # shipment -> (station, due at clock())
        self._claims_task: asyncio.Task[None] | None = None
        self._opening: dict[str, asyncio.Event] = {}  # shipment -> set once its open marker is written
        # shipment -> set once mark_packing's read after the open claims settled has answered (or failed)
        self._confirming: dict[str, asyncio.Event] = {}
        # operation -> how many of its turns ended in a plan's WAIT: not failures, so they do not make
        # a later turn a retry (``_known_for``). In memory only, as ``_known`` is.
        self._plan_waits: OrderedDict[int, int] = OrderedDict()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox-db")
        # A booking's visits to the database thread (claim, write in doubt, answer) share commits with
        # the other bookings in the air (store/group_commit.py): one commit and fsync for several.
        self._grouped = GroupCommitter(store.write_group, self._executor)
        self._wake: asyncio.Event | None = None
        # ``concurrency`` is how many calls are in the air at once (every call of this outbox: the
        # worker's, the order-open writes, the claims written after bookings). Twice as many
        # operations run, so that one's database work (claim, write in doubt, answer) overlaps the
        # others' calls instead of leaving a call slot idle while it waits for the database thread.
        self._in_air: tuple[asyncio.AbstractEventLoop, asyncio.Semaphore] | None = None
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
            await asyncio.wait_for(self._loop_then_claims(), timeout)
        return await self.refresh_status()

    async def _loop_then_claims(self) -> None:
        await self._loop(until_idle=True)
        while self._claims_task is not None and not self._claims_task.done():
            await asyncio.shield(self._claims_task)  # the claims written after bookings, then idle

    async def write_claims_now(self) -> None:
        """Shutting down: write the claims still waiting for their delay now (best effort; left
        unwritten, the next meta write of each order carries them)."""
        if self._claims_task is not None:
            self._claims_task.cancel()
        now = self.clock()
        self._claims_due = {sid: (station, now) for sid, (station, _) in self._claims_due.items()}
        await self._write_due_claims()

    def seen(self, shipment: Shipment) -> None:
        """The order look-up just fetched ``shipment``: the first box's booking may start from it
        (``_may_act_on_known`` says when) instead of reading it again."""
        self._remember(shipment)

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
        if self._claims_task is not None:
            self._claims_task.cancel()  # not written now: the next meta write of the order carries them
        self._executor.shutdown(wait=True)

    async def mark_packing(self, shipment_id: str, station: str, *, session_id: str | None = None) -> None:
        """At order open: the advisory "being packed here" marker in the shipment's meta (no
        compare-and-swap exists: another bench's write from an older read can drop it; the next claim
        write re-asserts it). Failures are logged: the marker only warns, it never decides.

        With ``session_id`` (an order opened by the station, assessed and stored), the same write
        claims the order's free preset parcels for the session's next boxes
        (``parcel_claims.preclaims_at_open``), and the shipment is read once more when the claims have
        settled: the box closed later finds its claim settled in a read taken after the settle delay
        and books at once (one call), instead of claiming, waiting and reading at box close."""
        station = station.replace(SEP, "/") or "station"
        written_event = self._opening.setdefault(shipment_id, asyncio.Event())
        try:
            keys, placeholders = (
                await self._db(self._next_boxes, session_id, station, unbooked_first=True)
                if session_id
                else ((), frozenset())
            )

            def preclaims(facts: ShipmentFacts, now: datetime) -> list[ParcelClaim]:
                return preclaims_at_open(facts, next_boxes=keys, placeholder_ids=placeholders, now=now)

            try:
                written = await self._write_meta(
                    _Attempt(), shipment_id, station, packing=True, more_claims=preclaims if keys else None
                )
            finally:
                written_event.set()  # a release of the order queued meanwhile may go now
                if self._opening.get(shipment_id) is written_event:
                    del self._opening[shipment_id]
            opened_boxes = set(keys)
            claimed_at = [c.at for c in read_parcel_claims(written.meta).values() if c.box in opened_boxes]
            if not claimed_at:
                return
            confirmed = self._confirming.setdefault(shipment_id, asyncio.Event())
            try:
                # Read once the claims have stood ``claim_settle`` (step 2's own test, from the time in
                # each claim), not ``claim_settle`` after the write's answer: one round trip sooner.
                settled_at = max(claimed_at) + self.claim_settle
                for _ in range(3):  # again if a timer fired early (Qt's coarse timers may); bounded
                    left = (settled_at - self._now()).total_seconds()
                    if left <= 0:
                        break
                    await asyncio.sleep(left)
                self._remember(await self._get_shipment(shipment_id))
            finally:
                confirmed.set()  # a box waiting for this read plans from it (``_book_box``)
                if self._confirming.get(shipment_id) is confirmed:
                    del self._confirming[shipment_id]
        except (SomError, NeedsAttention) as exc:
            log.info("Could not mark shipment %s as being packed: %s", shipment_id, exc)

    async def leave_order(
        self, shipment_id: str, station: str, session_id: str, *, attempt: _Attempt | None = None
    ) -> None:
        """The packer left the order (``OpKind.LEAVE_ORDER``, queued by the runtime): release the
        marker and the claims made at open for boxes the session never closed, so another bench may
        take those parcels and its ``bookParcels`` does not book them for no box. Failures raise (the
        operation is retried); repeating it is harmless."""
        station = station.replace(SEP, "/") or "station"
        opening = self._opening.get(shipment_id)
        if opening is not None:  # left right after opening: release what the open writes, not before
            await opening.wait()
        keys, _ = await self._db(self._next_boxes, session_id, station, spare=8)
        await self._write_meta(attempt or _Attempt(), shipment_id, station, packing=False, release_boxes=keys)

    # ------------------------------------------------------------------ the loop

    async def _db(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args, **kwargs))

    async def _db_grouped(self, fn: Callable[..., Any], *args: Any, fsync: bool, **kwargs: Any) -> Any:
        """``_db`` for a booking's writes: in a group commit with the others queued (``fsync``: one of
        its writes is durable). Its result arrives after the commit, as with a transaction of its own."""
        job = functools.partial(fn, *args, **kwargs)
        return await asyncio.wrap_future(self._grouped.submit(job, durable=fsync))

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
                free = 0 if self.paused else OPS_PER_CALL_SLOT * self.concurrency - len(tasks)
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
                if timeout == 0 and len(tasks) >= OPS_PER_CALL_SLOT * self.concurrency:
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
        claiming = self._grouped.submit(functools.partial(self._claim, due), durable=True)
        try:
            op, box, ctx = await asyncio.wrap_future(claiming)
        except asyncio.CancelledError:
            # Stopped while the claim ran on the database thread: it still completes there, and an
            # operation left "in flight" by this live process would never be sent again.
            claimed, _, _ = claiming.result()
            if claimed is not None:
                self.store.outbox.reschedule(claimed.id, error="stopped before sending", next_attempt_at=0)
            raise
        if op is None:
            return
        attempt = _Attempt()
        try:
            await self._handle(op, attempt, box, ctx)
        except asyncio.CancelledError:
            # Shut down mid-call: the request may be out. Settle synchronously (we are cancelled).
            self._forget(op.shipment_id)
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
        self._forget(op.shipment_id)
        log.warning("Outbox operation %s (%s) needs attention: %s", op.id, op.kind, reason)
        await self._db(self.store.outbox.park, op.id, reason, unknown=attempt.maybe_changed_server())
        if op.box_id is not None and self.on_box_parked is not None:
            self.on_box_parked(op.box_id, reason)  # the box card says what `packstation outbox` says

    async def _retry_later(self, op: OutboxOp, exc: SomError, attempt: _Attempt) -> None:
        self._forget(op.shipment_id)
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
            self._forget(op.shipment_id)
            await self._db(
                self.store.outbox.reschedule, op.id, error=exc.one_line(), next_attempt_at=0, unknown=True
            )
            return
        await self._park(op, exc.one_line(), attempt)

    def _claim(self, due: OutboxOp) -> tuple[OutboxOp | None, BoxRecord | None, _BoxContext | None]:
        """Runs on the database thread: claim the operation, read its box and, for a booking, what
        its plan needs, in one trip (the database thread is what a drain of many boxes waits on)."""
        op = self.store.outbox.claim(due.id)
        box = self.store.boxes.get(op.box_id) if op is not None and op.box_id is not None else None
        ctx = None
        if op is not None and op.kind is OpKind.BOOK_BOX and box is not None:
            ctx = self._context(box)
        return op, box, ctx

    async def _handle(
        self, op: OutboxOp, attempt: _Attempt, box: BoxRecord | None, ctx: _BoxContext | None = None
    ) -> None:
        if op.kind is OpKind.BOOK_BOX:
            await self._book_box(op, attempt, box, ctx)
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
        elif op.kind is OpKind.LEAVE_ORDER:
            await self.leave_order(
                op.shipment_id, self._station_for(), str(op.payload.get("session_id", "")), attempt=attempt
            )
            await self._db(self.store.outbox.complete, op.id)
        else:  # pragma: no cover - OpKind is closed
            raise NeedsAttention(f"unknown operation kind {op.kind}")

    async def _call(self, attempt: _Attempt, fn: Callable[..., Any], *args: Any, write: bool = True) -> Any:
        async with self._call_slot():
            self.calls += 1
            if not write:
                return await fn(*args)
            attempt.write_out = True
            result = await fn(*args)
            attempt.write_out = False
            attempt.writes_answered += 1
            return result

    def _call_slot(self) -> asyncio.Semaphore:
        """One of the ``concurrency`` calls in the air (one semaphore per event loop: tests and
        tools run an outbox on more than one)."""
        loop = asyncio.get_running_loop()
        if self._in_air is None or self._in_air[0] is not loop:
            self._in_air = (loop, asyncio.Semaphore(self.concurrency))
        return self._in_air[1]

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

    def _next_boxes(
        self, session_id: str, station: str, *, spare: int = 0, unbooked_first: bool = False
    ) -> tuple[tuple[BoxKey, ...], frozenset[str]]:
        """Runs on the database thread: the keys of the session's boxes not closed yet, one per preset
        parcel seen at open (plus ``spare``), and those presets' ids. ``unbooked_first`` (the open
        marker's claims): boxes already closed that hold no parcel come first, in order. A packer at
        scanner speed closes the first box before the marker's task runs; that box must get the preset
        parcel's claim, not a box 2 that may never come (box 1 would add a second parcel)."""
        opened = self.store.claims.open_record(session_id)
        placeholders = opened.placeholder_ids if opened is not None else frozenset()
        wanted = len(placeholders) + spare
        closed: list[str] = []
        if unbooked_first:
            closed = [
                b.box_uuid
                for b in self.store.boxes.for_session(session_id)
                if b.box_uuid and not b.parcel_id and not b.tracking_number and b.state is not BoxState.VOIDED
            ][:wanted]
        uuids = closed + self.store.boxes.next_uuids(session_id, wanted - len(closed))
        return tuple(BoxKey(station, u) for u in uuids), placeholders

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
        more_claims: Callable[[ShipmentFacts, datetime], list[ParcelClaim]] | None = None,
        release_boxes: Sequence[BoxKey] = (),
    ) -> Shipment:
        """Read, merge and write the shipment's ``meta`` back to back (``meta_update``): every key of
        others kept, all of this station's claims re-asserted. Nothing is sent when nothing changes.
        Repeating it is harmless (it sends the whole map), so it does not put the operation in doubt.
        The read is this worker's own answer when that is under ``REUSE_READ_FOR`` old (the order
        look-up's answer at open): as good as a get for a merge, since a key another writer set in
        between is only relied on after ``claim_settle`` and re-asserted by its owner.
        ``more_claims(facts, now)``: claims that depend on what is read (presets at open);
        ``release_boxes``: this station's claims for these boxes are released (an order left)."""
        now = self._now()
        known = self._known.get(shipment_id)
        if known is not None and now - known.read_at < REUSE_READ_FOR:
            current = known.shipment
        else:
            current = await self._get_shipment(shipment_id)
        claims = await self._db(self._own_claims, shipment_id, station, now)
        if extra is not None:
            claims.append(extra)
        if more_claims is not None:
            claims.extend(more_claims(ShipmentFacts.from_shipment(current), now))
        released = [pid for pid, c in read_parcel_claims(current.meta).items() if c.box in set(release_boxes)]
        merged = meta_update(
            current.meta, station=station, now=now, packing=packing, claims=claims, released=released
        )
        if merged == dict(current.meta):
            self._claims_due.pop(shipment_id, None)  # meta already holds every claim of this station
            return current
        result: Shipment = await self._call(
            attempt, self.client.update_shipment, {"shipment_id": shipment_id, "meta": merged}, write=False
        )
        self._claims_due.pop(shipment_id, None)  # this write carried every claim of this station
        self._remember(result)
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

    async def _book_box(
        self, op: OutboxOp, attempt: _Attempt, box: BoxRecord | None, ctx: _BoxContext | None = None
    ) -> None:
        """Give the box a parcel nobody else holds (``parcel_claims.plan_box_booking``), planned from a
        fresh ``shipments.get`` every attempt and after every doubt."""
        if box is None:
            raise NeedsAttention(f"operation {op.id} names no box")
        if box.tracking_number and box.state is not BoxState.VOIDED:
            await self._db(self.store.outbox.complete, op.id, "already booked")
            return
        opening = self._opening.get(box.shipment_id)
        if opening is not None:
            # The order-open marker is being written with the claims for this session's boxes (this
            # one too, if it was closed first): plan once it is, from what it wrote.
            await opening.wait()
            ctx = None
        if ctx is None:
            ctx = await self._db(self._context, box)
        box = ctx.box
        key, station = self._key(box), self._station_for(box)
        known = self._known_for(op, ctx)
        if known is not None:  # the look-up's answer or this worker's last: no read, unless the plan
            shipment, read_at = known.shipment, known.read_at  # needs one (_may_act_on_known)
        else:
            shipment, read_at = await self._get_shipment(box.shipment_id), self._now()
        answered: SentWrite | None = None  # ``shipment`` is this write's answer
        writes = list(ctx.writes)
        recorded = box.parcel_id
        opened = ctx.open
        for _ in range(MAX_PLAN_STEPS):
            facts = ShipmentFacts.from_shipment(shipment)
            now = self._now()
            if opened is None and facts.parcels is not None:  # (never from a remembered shipment)
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
                now=read_at,
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
            if known is not None:
                known = None  # one plan from memory at most; after it, answers and fresh reads
                if not self._may_act_on_known(plan, facts, key, read_at):
                    if plan.action is PlanAction.WAIT and plan.until is not None and plan.until > now:
                        # This box's claim has not stood long enough yet: no read before ``until``
                        # can show it settled, so none is made; the box looks again then.
                        await self._wait_for_plan(op, plan.reason, plan.until)
                        return
                    if plan.action is PlanAction.WAIT:  # settled by now, not in what is remembered
                        known = await self._confirmation_after(box.shipment_id, read_at)
                    if known is not None:  # the open claims' read, taken after they settled
                        shipment, read_at = known.shipment, known.read_at
                    else:
                        shipment, read_at = await self._get_shipment(box.shipment_id), self._now()
                    continue
            if plan.action is PlanAction.RECONCILE:  # parcels unknown: act on nothing, ask again
                if answered is None:
                    raise MalformedResponseError(f"{plan.reason}; asking again later", method="shipments.get")
                shipment, answered = await self._get_shipment(box.shipment_id), None
                read_at = self._now()
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
                self._remember(shipment, read_at)
                # A box voided meanwhile: the store records its parcel and cancels it (job is None).
                job = await self._db_grouped(
                    self._record_booked,
                    shipment,
                    Booked.adopted(op.id, box.id, parcel),
                    plan.resolves,
                    fsync=False,
                )
                if job is not None and self.on_box_booked is not None:
                    self.on_box_booked(box.id)  # the label first: nothing below is on its path
                if plan.claim is not None:
                    self._schedule_claims(box.shipment_id, station)
                return
            if box.state is BoxState.VOIDED and (
                plan.action in (PlanAction.ADD_PARCEL, PlanAction.BOOK_PARCELS)
                or (plan.action is PlanAction.CLAIM and plan.late_commit_of is None)
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
                await self._wait_for_plan(op, plan.reason, plan.until)
                return
            if plan.action is PlanAction.CLAIM and plan.claim is not None:
                await self._write_meta(attempt, box.shipment_id, station, extra=plan.claim, packing=True)
                until = (plan.until or now).timestamp()
                await self._db(self.store.outbox.wait, op.id, reason=plan.reason, until=until)
                self.kick()
                return
            if plan.action is PlanAction.BOOK_PARCELS and plan.parcel is not None:
                recording: asyncio.Future[Any] | None = None
                if recorded is None and plan.claim is None:
                    # Claimed for this box in meta already, which a crash does not lose: the local
                    # record goes alongside the call (it is on the database thread, first in line,
                    # before the answer is recorded), not ahead of it.
                    recording = asyncio.ensure_future(
                        self._db_grouped(
                            self.store.claims.record_parcel,
                            box.id,
                            plan.parcel.id,
                            durable=False,
                            fsync=False,
                        )
                    )
                elif recorded is None:
                    await self._db(self.store.claims.record_parcel, box.id, plan.parcel.id)
                recorded = plan.parcel.id
                writes = await self._resolve(box.shipment_id, plan.resolves, writes)
                if plan.claim is not None:
                    await self._best_effort_meta(attempt, box.shipment_id, station)
                before = shipment
                try:
                    shipment, answered = (
                        await self._call(attempt, self.client.book_parcels, box.shipment_id),
                        None,
                    )
                finally:
                    if recording is not None:
                        await recording
                read_at = self._answered(before, shipment)
                continue
            # ADD_PARCEL: stored durably before it goes out, so a lost answer is attributed later.
            write = SentWrite(key, now, plan.parcels_before)
            await self._db_grouped(
                self.store.claims.add_sent_write, box.shipment_id, box.id, write, fsync=True
            )
            writes.append(write)
            before = shipment
            shipment = await self._call(attempt, self.client.add_parcel, box.shipment_id)
            answered = write
            read_at = self._answered(before, shipment)
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
        self._forget(shipment_id)  # the order is done: its boxes no longer plan from memory
        for message in report.messages():
            log.warning("Order of shipment %s: %s", shipment_id, message)
            if self.on_notice is not None:
                self.on_notice(message)
        if follow_ups:
            self.kick()

    # ------------------------------------------------------------------ what this worker knows

    def _remember(self, shipment: Shipment, read_at: datetime | None = None) -> None:
        self._known[shipment.id] = _Known(shipment, read_at or self._now())
        self._known.move_to_end(shipment.id)
        while len(self._known) > KNOWN_LIMIT:
            self._known.popitem(last=False)

    def _forget(self, shipment_id: str) -> None:
        self._known.pop(shipment_id, None)

    def _answered(self, before: Shipment, answer: Shipment) -> datetime:
        """A write's answer: remember it, start the downloads of the labels it made (a bookParcels
        on a multi-parcel shipment books them all; they download side by side), return its time."""
        read_at = self._now()
        self._remember(answer, read_at)
        if self.on_labels is not None:
            had = _label_urls(before)
            urls = [url for pid, url in _label_urls(answer).items() if pid not in had]
            if urls:
                self.on_labels(urls)
        return read_at

    async def _wait_for_plan(self, op: OutboxOp, reason: str, until: datetime) -> None:
        """The plan says look again at ``until``: the box stays queued, saying why. Not a failure:
        the turn is not counted as an attempt by ``_known_for``."""
        await self._db(self.store.outbox.wait, op.id, reason=reason, until=until.timestamp())
        self._plan_waits[op.id] = self._plan_waits.pop(op.id, 0) + 1
        while len(self._plan_waits) > KNOWN_LIMIT:
            self._plan_waits.popitem(last=False)
        self.kick()

    async def _confirmation_after(self, shipment_id: str, read_at: datetime) -> _Known | None:
        """The read ``mark_packing`` takes once the order-open claims have settled, when it is still to
        come (or in the air) and so newer than ``read_at``: a box due as the claims settle plans from
        it instead of reading the shipment a second time. None: no such read (read it yourself)."""
        confirming = self._confirming.get(shipment_id)
        if confirming is None:
            return None
        await confirming.wait()
        known = self._known.get(shipment_id)
        return known if known is not None and known.read_at > read_at else None

    def _known_for(self, op: OutboxOp, ctx: _BoxContext) -> _Known | None:
        """The remembered shipment a box's first plan may start from, or None (read it). Only when
        nothing about the box or the shipment is in doubt: no failed turn before (a plan's wait is not
        one), no unknown outcome, no write in doubt for the shipment, no parcel recorded yet, not
        voided, assessed at open, and the answer no older than ``KNOWN_FOR``."""
        box = ctx.box
        if (
            self.fetch_before_book
            or op.attempts - self._plan_waits.get(op.id, 0) != 1  # a failed turn before: read
            or op.outcome_unknown
            or ctx.writes
            or box.parcel_id
            or box.state is BoxState.VOIDED
            or ctx.open is None
        ):
            return None
        known = self._known.get(op.shipment_id)
        if known is None or self._now() - known.read_at > KNOWN_FOR:
            return None
        return known

    def _may_act_on_known(self, plan: BoxPlan, facts: ShipmentFacts, key: BoxKey, read_at: datetime) -> bool:
        """May ``plan``, made from a remembered shipment, be carried out without reading it again?
        Only two actions are as safe on a remembered state as on a fresh one:

        * ``ADD_PARCEL``: its answer decides (step 3 takes a parcel only when the answer shows exactly
          one new parcel against ``parcels_before``); a state older than the server's only makes
          more parcels look new, which puts the write in doubt (settled from a read later), never
          gives the box a parcel it does not own;
        * ``BOOK_PARCELS`` / ``ADOPT`` of the parcel ``meta`` claims for exactly this box, when the
          remembered read was taken after that claim had settled (step 2's own test, on a read
          that can show it): the order-open claims (``mark_packing``) read again once settled.

        Every other plan (a wait, a claim, a late commit, a parcel freed by a voided box, a preset
        found unclaimed, unlisted parcels) is made again from a fresh ``shipments.get``."""
        if plan.action is PlanAction.ADD_PARCEL:
            return True
        if plan.action in (PlanAction.BOOK_PARCELS, PlanAction.ADOPT) and plan.parcel is not None:
            claim = read_parcel_claims(facts.meta).get(plan.parcel.id)
            return claim is not None and claim.box == key and claim.settled(read_at, self.claim_settle)
        return False

    def _schedule_claims(self, shipment_id: str, station: str) -> None:
        """Write this station's claims for the shipment in ``claim_delay`` (one write for every box
        booked meanwhile; any meta write before then carries them too)."""
        self._claims_due.setdefault(shipment_id, (station, self.clock() + self.claim_delay.total_seconds()))
        if self._claims_task is None or self._claims_task.done():
            self._claims_task = asyncio.get_running_loop().create_task(self._write_due_claims())

    async def _write_due_claims(self) -> None:
        while self._claims_due:
            wake_at = min(due for _, due in self._claims_due.values())
            await asyncio.sleep(max(0.0, wake_at - self.clock()))
            due_now = []
            for shipment_id, (station, due) in list(self._claims_due.items()):
                if due <= self.clock() and self._claims_due.get(shipment_id) == (station, due):
                    del self._claims_due[shipment_id]
                    # side by side: their calls take the worker's call slots (``_call_slot``)
                    due_now.append(self._best_effort_meta(_Attempt(), shipment_id, station))
            await asyncio.gather(*due_now)

    def _record_booked(
        self, shipment: Shipment, booked: Booked, resolves: tuple[SentWrite, ...] = ()
    ) -> int | None:
        """Runs on the database thread: remember the server's answer, settle the box (booked with its
        label job, or cancelled if it was voided meanwhile) and then forget the writes in doubt the
        plan accounted for (``_resolve``: only once the box's parcel is recorded), in one trip."""
        self.store.shipments.put(shipment)
        job = self.store.boxes.settle_booking(booked, printer_uri=self.printer_uri)
        if resolves:
            self.store.claims.resolve_writes(shipment.id, resolves)
        return job

    async def _get_shipment(self, shipment_id: str) -> Shipment:
        try:
            async with self._call_slot():
                self.calls += 1
                shipment = await self.client.get_shipment(id=shipment_id)
        except NotFoundError as exc:
            raise NeedsAttention(
                f"shipment {shipment_id} was not found in Ingrid ({exc.one_line()})"
            ) from exc
        self._remember(shipment)
        return shipment
