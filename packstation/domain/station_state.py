"""The station's state and the runtime's events: what is open, parked and finished, and the answers
that come back from the store, the API and the printer (order loaded, box queued/booked/failed/printed,
connectivity). ``Station`` (in ``station.py``) adds scan handling on top; read its docstring first.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from packstation.domain import station_text as text
from packstation.domain.effects import Effect, Feedback, LookupOrder, PrintBoxTag, SaveSession
from packstation.domain.models import Shipment
from packstation.domain.packing import (
    DEFAULT_BOX_TYPES,
    Box,
    BoxType,
    PackingOrder,
    PackingSession,
    SessionState,
    SnapshotError,
    order_from_shipment,
)
from packstation.domain.scale import Reading, WeightGate
from packstation.domain.scans import ScanContext, box_id_from_tag
from packstation.domain.station_weight import WEIGHT_OFF, WeighState, weight_display
from packstation.domain.view import BoxState, Connectivity, StationView, StatusView, Tone

_TAG_WHEN = (Connectivity.OFFLINE, Connectivity.PAUSED)


@dataclass(frozen=True)
class StationSettings:
    auto_close: bool = True  # the last expected unit closes the open box and completes the order
    default_box_type: str = ""  # preset code used by CMD:CLOSE-BOX; "" records no type/dimensions
    box_types: tuple[BoxType, ...] = DEFAULT_BOX_TYPES
    packer_name: str = ""  # lets people pack without a badge
    history_size: int = 20  # finished orders kept for late box events and reprints
    weight_mode: str = WEIGHT_OFF  # "" no scale, "scale" USB scale, "manual" typed (station_weight.py)
    require_weight: bool = False  # a box closes only with a usable weight
    manual_weight: bool = True  # typed weights (WEIGHT:850, W:1.25kg) are accepted as a fallback
    max_weight_g: int | None = None  # heaviest parcel accepted (None: no limit)

    @property
    def weight_gate(self) -> WeightGate:
        return WeightGate(max_g=self.max_weight_g)

    def box_type(self, code: str) -> BoxType | None:
        return next((b for b in self.box_types if b.code.upper() == code.upper()), None)


@dataclass
class Reply:
    """What handling one scan produced, before it is put in effect order."""

    outcome: str
    feedback: Feedback
    writes: list[Effect] = field(default_factory=list)  # store writes, before the feedback
    actions: list[Effect] = field(default_factory=list)  # lookups, prints, after the feedback
    order_key: str | None = None  # for the scan log when no session is involved


@dataclass(frozen=True)
class LastLabel:
    box_id: int | None
    tracking_number: str
    order_id: str
    box_number: int


class _TrackingIndex:
    """``in`` for ScanContext: tracking numbers of boxes the station knows."""

    def __init__(self, station: StationState) -> None:
        self._station = station

    def __contains__(self, value: object) -> bool:
        return isinstance(value, str) and self._station._find_box(tracking=value) is not None


def good(message: str) -> Feedback:
    return Feedback(Tone.GOOD, message)


def bad(message: str) -> Feedback:
    return Feedback(Tone.BAD, message)


def info(message: str) -> Feedback:
    return Feedback(Tone.INFO, message)


def warning(message: str) -> Feedback:
    return Feedback(Tone.WARNING, message)


class StationState:
    """State, runtime events and shared helpers of the bench (no scan handling)."""

    def __init__(
        self,
        settings: StationSettings | None = None,
        *,
        aliases: Mapping[str, str] | None = None,
        catalogue: Iterable[str] = (),
        new_session_id: Callable[[], str] | None = None,
    ) -> None:
        self.settings = settings or StationSettings()
        self.packer = self.settings.packer_name.strip()
        self.aliases: Mapping[str, str] = dict(aliases or {})
        self.catalogue = frozenset(catalogue) | frozenset(self.aliases.values())
        self._new_id = new_session_id or (lambda: uuid.uuid4().hex[:16])
        self.current: PackingSession | None = None
        self.parked: OrderedDict[str, PackingSession] = OrderedDict()
        self.finished: OrderedDict[str, PackingSession] = OrderedDict()
        self.loading_key = ""
        self._probes: set[str] = set()
        self._waiting: tuple[str, PackingOrder, str] | None = None  # (key, order, source)
        self._pending = ""  # "cancel" or "reprint": what the next scan may confirm
        self._last_label: LastLabel | None = None
        self._context = ScanContext(known_tracking_numbers=_TrackingIndex(self))
        self.status = StatusView()
        self.feedback: Feedback | None = None
        self.last_label_png = b""
        self._preview_of: tuple[str, int] | None = None  # (order id, box number) of the preview
        self.weigh = WeighState()
        self.view = StationView()
        self._refresh()

    def apply_settings(self, settings: StationSettings) -> list[Effect]:
        """New settings from the settings dialog. A badge sign-in outranks the configured packer name."""
        if not self.packer or self.packer == self.settings.packer_name.strip():
            self.packer = settings.packer_name.strip()
        self.settings = settings
        return self._event(None, [])

    def set_aliases(self, aliases: Mapping[str, str], catalogue: Iterable[str] = ()) -> None:
        """A new barcode alias table (CSV import) and known SKUs; open and parked orders use it at once."""
        self.aliases = dict(aliases)
        self.catalogue = frozenset(catalogue) | frozenset(self.aliases.values())
        for session in self._sessions():
            session.aliases, session.catalogue = self.aliases, self.catalogue

    @property
    def waiting_order(self) -> str:
        """The order scanned while another was open; it opens after CMD:PARK or CMD:CANCEL."""
        return self._waiting[1].order_id if self._waiting else ""

    # --- opening orders ----------------------------------------------------------------------------

    def _open_by_key(self, key: str) -> Reply:
        parked = self._parked_answering(key)
        if parked is not None:
            return self._resume(parked, [])
        self.loading_key = key
        return Reply("order_lookup", info(text.looking_up(key)), actions=[LookupOrder(key)], order_key=key)

    def _parked_answering(self, key: str) -> PackingSession | None:
        return next((s for s in self.parked.values() if s.order.answers_to(key)), None)

    def _resume(self, session: PackingSession, writes: list[Effect]) -> Reply:
        self.parked.pop(session.session_id, None)
        session.state = SessionState.PACKING
        self.current = session
        writes.append(self._save(session))
        return Reply("order_resumed", good(text.resumed(session)), writes)

    def _open(self, order: PackingOrder, source: str, writes: list[Effect]) -> Reply:
        same = next((s for s in self.parked.values() if s.order.shipment_id == order.shipment_id), None)
        if same is not None:
            return self._resume(same, writes)
        if not order.lines:
            return Reply("order_empty", bad(text.nothing_to_pack(order.order_id)), writes)
        session = PackingSession(
            order, session_id=self._new_id(), aliases=self.aliases, catalogue=self.catalogue, source=source
        )
        self.current = session
        writes.append(self._save(session))
        if order.booked_parcels:
            return Reply("order_opened", Feedback(Tone.WARNING, text.already_booked(order)), writes)
        return Reply("order_opened", good(text.opened(order)), writes)

    def _then_waiting(self, reply: Reply) -> Reply:
        """After park/cancel: open the order the packer scanned meanwhile, if any."""
        if self._waiting is None:
            return reply
        key, order, source = self._waiting
        self._waiting = None
        parked = self._parked_answering(key)
        opened = self._resume(parked, reply.writes) if parked else self._open(order, source, reply.writes)
        tone = opened.feedback.tone if opened.feedback.tone is not Tone.GOOD else reply.feedback.tone
        reply.feedback = Feedback(tone, f"{reply.feedback.message} {opened.feedback.message}")
        return reply

    def _finish_current(self) -> None:
        session = self.current
        if session is None:
            return
        self.current = None
        self.finished[session.session_id] = session
        while len(self.finished) > self.settings.history_size:
            self.finished.popitem(last=False)

    def _drop_current(self) -> list[Effect]:
        """Replace an open order with nothing packed: it is recorded as cancelled, nothing to undo."""
        session = self.current
        assert session is not None and not session.has_progress
        session.state = SessionState.CANCELLED
        self._finish_current()
        return [self._save(session)]

    # --- runtime events ----------------------------------------------------------------------------

    def order_loaded(self, key: str, shipment: Shipment | PackingOrder, source: str = "api") -> list[Effect]:
        """The order ``key`` asked for by ``LookupOrder`` was found (``source``: "api" or "cache")."""
        order = shipment if isinstance(shipment, PackingOrder) else order_from_shipment(shipment)
        session = self.current
        if key == self.loading_key and session is None:
            self.loading_key = ""
            reply = self._open(order, source, [])
        elif key in self._probes:
            self._probes.discard(key)
            if session is None or session.state is not SessionState.PACKING:
                return []
            if session.order.shipment_id == order.shipment_id:
                return []
            if not session.has_progress:
                reply = self._open(order, source, self._drop_current())
            else:
                self._waiting = (key, order, source)
                reply = Reply("", bad(text.finish_first(session, order.order_id)))
        else:
            return []  # a late answer nobody waits for any more
        return self._event(reply)

    def order_not_found(self, key: str, reason: str) -> list[Effect]:
        self._probes.discard(key)
        if key != self.loading_key:
            return []
        self.loading_key = ""
        return self._event(Reply("", bad(text.not_found(key, reason))))

    def order_lookup_failed(self, key: str, reason: str) -> list[Effect]:
        """The look-up of ``key`` got no usable answer (unreachable, unreadable): unlike
        ``order_not_found`` this says nothing about the order; the packer scans it again."""
        self._probes.discard(key)
        if key != self.loading_key:
            return []
        self.loading_key = ""
        return self._event(Reply("", bad(text.lookup_failed(key, reason))))

    def box_queued(
        self, box_number: int, box_id: int, local_tag: str, session_id: str | None = None
    ) -> list[Effect]:
        """The store saved a closed box (answer to ``CloseBox``)."""
        session = self._session(session_id) if session_id else self.current
        box = session.box(box_number) if session else None
        if session is None or box is None:
            return []
        box.box_id, box.local_tag = box_id, local_tag
        effects: list[Effect] = []
        if self.status.connectivity in _TAG_WHEN and box.state is BoxState.QUEUED:
            effects.append(self._tag(session, box))
        effects.insert(0, self._save(session))
        return self._event(None, effects)

    def box_booked(self, box_id: int, tracking_number: str) -> list[Effect]:
        found = self._find_box(box_id=box_id)
        if found is None:
            return []
        session, box = found
        if box.state is not BoxState.VOIDED:
            box.state, box.problem = BoxState.BOOKED, ""
        box.tracking_number = tracking_number
        self._last_label = LastLabel(box_id, tracking_number, session.order.order_id, box.number)
        return self._event(None, [self._save(session)])

    def box_printed(self, box_id: int) -> list[Effect]:
        found = self._find_box(box_id=box_id)
        if found is None:
            return []
        session, box = found
        if box.state is not BoxState.VOIDED:
            box.state, box.problem = BoxState.PRINTED, ""
        return self._event(None, [self._save(session)])

    def box_failed(self, box_id: int, problem: str) -> list[Effect]:
        found = self._find_box(box_id=box_id)
        if found is None:
            return []
        session, box = found
        if box.state is not BoxState.VOIDED:
            box.state = BoxState.FAILED
        box.problem = problem
        feedback = bad(text.box_problem(session.order.order_id, box.number, problem))
        return self._event(Reply("", feedback, [self._save(session)]))

    def label_preview(
        self, png: bytes, *, box_id: int | None = None, tracking_number: str | None = None
    ) -> list[Effect]:
        """The picture of what just printed; the box it belongs to (when known) names it on screen."""
        self.last_label_png = png
        found = None
        if box_id is not None or tracking_number:
            found = self._find_box(box_id=box_id, tracking=tracking_number)
        self._preview_of = (found[0].order.order_id, found[1].number) if found else None
        return self._event(None, [])

    def status_changed(self, status: StatusView) -> list[Effect]:
        self.status = status
        effects: list[Effect] = []
        if status.connectivity in _TAG_WHEN:
            for session in self._sessions():
                tags = [
                    self._tag(session, b)
                    for b in session.boxes
                    if b.state is BoxState.QUEUED and b.box_id is not None and not b.tag_printed
                ]
                if tags:
                    effects.append(self._save(session))
                    effects.extend(tags)
        return self._event(None, effects)

    def weight_changed(self, reading: Reading) -> list[Effect]:
        """A new reading from the scale (only changes are reported). A box whose auto-close waited for
        a weight closes now if the reading is usable."""
        self.weigh.reading, self.weigh.problem = reading, ""
        return self._retry_waiting_close()

    def scale_failed(self, message: str) -> list[Effect]:
        """The scale cannot be read (unplugged, no permission, ...): ``message`` says what to do."""
        first = self.weigh.problem != message
        self.weigh.reading, self.weigh.problem = None, message
        if not first:
            return self._event(None, [])
        extra = ""
        if self.settings.manual_weight:
            extra = " " + text.type_weight_instead()
        return self._event(Reply("", Feedback(Tone.WARNING, f"{message}{extra}")))

    def _retry_waiting_close(self) -> list[Effect]:
        return self._event(None, [])  # Station overrides: it knows how to close a box

    def notify(self, tone: Tone, message: str) -> list[Effect]:
        """A message from the runtime for the packer (a reprint that could not be done, a printer fault)."""
        return self._event(Reply("", Feedback(tone, message)))

    def restore(self, snapshots: Iterable[Mapping[str, Any]]) -> list[Effect]:
        """At start-up: bring back saved sessions (packing -> current, parked, complete -> history).
        A second "packing" session is parked. Unreadable snapshots are reported, not fatal."""
        problems: list[str] = []
        for data in snapshots:
            try:
                session = PackingSession.from_snapshot(data, aliases=self.aliases, catalogue=self.catalogue)
            except SnapshotError as exc:
                problems.append(str(exc))
                continue
            if session.state is SessionState.PACKING and self.current is None:
                self.current = session
            elif session.state in (SessionState.PACKING, SessionState.PARKED):
                session.state = SessionState.PARKED
                self.parked[session.session_id] = session
            else:
                self.finished[session.session_id] = session
        self._pick_last_label()
        if problems:
            return self._event(Reply("", Feedback(Tone.WARNING, text.restore_problems(problems))))
        if self.current is not None:
            return self._event(Reply("", info(text.resumed(self.current))))
        return self._event(None, [])

    # --- helpers -----------------------------------------------------------------------------------

    def _event(self, reply: Reply | None, effects: list[Effect] | None = None) -> list[Effect]:
        out = list(effects or [])
        if reply is not None:
            out.extend(reply.writes)
            out.append(reply.feedback)
            out.extend(reply.actions)
            self.feedback = reply.feedback
        self._refresh()
        return out

    def _save(self, session: PackingSession, snapshot: dict[str, Any] | None = None) -> SaveSession:
        return SaveSession(
            session_id=session.session_id,
            order_key=session.order.order_id,
            shipment_id=session.order.shipment_id,
            state=session.state.value,
            packer=self.packer,
            snapshot=snapshot if snapshot is not None else session.to_snapshot(),
        )

    def _tag(self, session: PackingSession, box: Box) -> PrintBoxTag:
        assert box.box_id is not None
        box.tag_printed = True
        return PrintBoxTag(box.box_id, box.local_tag, session.order.order_id, box.number)

    def _sessions(self) -> Iterator[PackingSession]:
        if self.current is not None:
            yield self.current
        yield from self.parked.values()
        yield from reversed(self.finished.values())

    def _session(self, session_id: str) -> PackingSession | None:
        return next((s for s in self._sessions() if s.session_id == session_id), None)

    def _find_box(
        self, *, box_id: int | None = None, tracking: str | None = None, tag: str | None = None
    ) -> tuple[PackingSession, Box] | None:
        for session in self._sessions():
            for box in session.boxes:
                if (
                    (box_id is not None and box.box_id == box_id)
                    or (tracking and box.tracking_number == tracking)
                    or (
                        tag
                        and (
                            box.local_tag == tag
                            or (box.box_id is not None and box.box_id == box_id_from_tag(tag))
                        )
                    )
                ):
                    return session, box
        return None

    def _pick_last_label(self) -> None:
        for session in self._sessions():
            for box in reversed(session.boxes):
                if box.tracking_number and box.state is not BoxState.VOIDED:
                    self._last_label = LastLabel(
                        box.box_id, box.tracking_number, session.order.order_id, box.number
                    )
                    return

    def _refresh(self) -> None:
        session = self.current
        self.view = StationView(
            packer=self.packer,
            order=text.header(session) if session else None,
            lines=session.lines_view() if session else (),
            boxes=session.boxes_view() if session else (),
            feedback=self.feedback,
            status=self.status,
            prompt=text.prompt(self),
            parked_orders=tuple(s.order.order_id for s in self.parked.values()),
            pending_confirmation=text.pending(self._pending, session),
            last_label_png=self.last_label_png,
            **self._preview_caption(session),
            complete=session is not None and session.state is SessionState.COMPLETE,
            **self._weight_view(session),
        )

    def _preview_caption(self, session: PackingSession | None) -> dict[str, Any]:
        if self._preview_of is None or not self.last_label_png:
            return {}
        order_id, box_number = self._preview_of
        other = session is not None and session.order.order_id != order_id
        return {
            "last_label_caption": text.preview_caption(order_id, box_number, other_order=other),
            "last_label_other_order": other,
        }

    def _weight_view(self, session: PackingSession | None) -> dict[str, str]:
        shown, state, detail = weight_display(
            self.settings.weight_mode, self.weigh, session.session_id if session else ""
        )
        return {"weight_text": shown, "weight_state": state, "weight_detail": detail}
