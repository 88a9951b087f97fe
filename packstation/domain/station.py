"""The packing bench as one state machine: scans and runtime events in, effects and a screen state out.

``Station`` holds a plain ``StationState`` (``station_state.py``: the open order as a ``PackingSession``,
parked orders, the signed-in packer, the pending confirmation ...) and is the only code that changes it.
It does no I/O: each method returns a list of ``effects`` for the runtime to execute IN ORDER, after
which the runtime renders ``station.view``, the ``StationView`` that ``project(state)``
(``projection.py``) made of the state after the change. For every scan the first effect is ``LogScan``
(its ``Outcome`` goes to the scan log) and exactly one ``Feedback`` follows the store writes.

Choices where the brief was open:

* Packer: packing needs a packer name, from the settings or a badge scan (``USER:<name>``); without
  one every scan but a badge is refused with "scan your badge". A badge switches packer at any time.
* An unknown code while an order is open is refused at once and also looked up as an order
  (``LookupOrder``); if it is one and the open order has progress, the packer is told to finish, park
  or cancel first, and after ``CMD:PARK``/``CMD:CANCEL`` that order opens by itself. An open order with
  nothing packed yet is simply replaced (nothing to lose). While an order is loading, codes are refused.
* ``CMD:CANCEL`` must be scanned again as the very next (non-garbage) scan; anything else drops it.
* ``CMD:REPRINT`` asks which label: the next scan of a label (tracking number) or box tag reprints that
  box; ``CMD:REPRINT`` again reprints the last label. A label scanned on its own is refused (scanning a
  label by mistake must never duplicate it); a box tag on its own prints that box's real label.
* ``BOX:<code>`` closes the open box as that type; with no items in the open box it chooses the type
  of the box being packed (so auto-close uses it).
* Weight (``station_weight.py``): with ``require_weight`` a box closes only on a stable, non-zero
  reading (or a typed ``WEIGHT:``/``W:`` weight); a refused ``CMD:CLOSE-BOX`` is BAD feedback, a
  refused auto-close is a WARNING (the item itself was packed, rescanning it would over-scan) and the box
  then closes by itself as soon as a usable weight arrives. A typed weight is for the open box only.
* Box tags: when a box is queued while the API is offline or paused, or the API goes offline while
  boxes wait, the station emits ``PrintBoxTag`` once per box (``Box.tag_printed``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from packstation.domain import station_text as text
from packstation.domain.catalogue import CatalogueEntry, ItemCatalogue, check_barcode
from packstation.domain.effects import (
    CancelDeliveries,
    CloseBox,
    Effect,
    Feedback,
    LearnBarcode,
    LogScan,
    LookupOrder,
    PrintBoxTag,
    RecordForeignChoice,
    Reprint,
    SaveSession,
    VoidBox,
)
from packstation.domain.item_codes import ItemCode, barcode_key, is_gtin
from packstation.domain.models import Shipment
from packstation.domain.outcomes import Outcome
from packstation.domain.packing import (
    Box,
    BoxType,
    PackingOrder,
    PackingSession,
    PackOutcome,
    SessionState,
    SnapshotError,
    order_from_shipment,
)
from packstation.domain.parcel_claims import ForeignChoice
from packstation.domain.projection import project
from packstation.domain.scale import Reading, format_grams
from packstation.domain.scans import Command, Scan, ScanContext, ScanKind, box_id_from_tag, classify
from packstation.domain.station_state import (
    ForeignParcels,
    LastLabel,
    Pending,
    StationSettings,
    StationState,
    Waiting,
)
from packstation.domain.station_weight import (
    WeightCheck,
    WeightMode,
    typed_weight,
    weight_for_close,
    weight_mismatch,
)
from packstation.domain.view import BoxState, Connectivity, StatusView, Tone

__all__ = ["Reply", "Station", "StationSettings"]

_TAG_WHEN = (Connectivity.OFFLINE, Connectivity.PAUSED)


@dataclass
class Reply:
    """What handling one scan or runtime event produced, before it is put in effect order."""

    outcome: Outcome | None  # what the scan log records; None for a runtime event (nothing is logged)
    feedback: Feedback
    writes: list[Effect] = field(default_factory=list)  # store writes, before the feedback
    actions: list[Effect] = field(default_factory=list)  # lookups, prints, after the feedback
    order_key: str | None = None  # for the scan log when no session is involved


class _TrackingIndex:
    """``in`` for ScanContext: tracking numbers of boxes the station knows."""

    def __init__(self, state: StationState) -> None:
        self._state = state

    def __contains__(self, value: object) -> bool:
        return isinstance(value, str) and self._state.find_box(tracking=value) is not None


def good(message: str) -> Feedback:
    return Feedback(Tone.GOOD, message)


def bad(message: str) -> Feedback:
    return Feedback(Tone.BAD, message)


def info(message: str) -> Feedback:
    return Feedback(Tone.INFO, message)


def warning(message: str) -> Feedback:
    return Feedback(Tone.WARNING, message)


class Station:
    """The bench: ``handle_scan`` and the runtime's events change ``state``; ``view`` is its projection."""

    def __init__(
        self,
        settings: StationSettings | None = None,
        *,
        aliases: Mapping[str, str] | ItemCatalogue | None = None,
        catalogue: Iterable[str] = (),
        new_session_id: Callable[[], str] | None = None,
    ) -> None:
        settings = settings or StationSettings()
        table = ItemCatalogue.of(aliases)
        self.state = StationState(
            settings=settings,
            packer=settings.packer_name.strip(),
            aliases=table,
            catalogue=frozenset(catalogue) | table.skus(),
        )
        self._new_id = new_session_id or (lambda: uuid.uuid4().hex[:16])
        self._now = 0.0
        self._context = ScanContext(
            known_tracking_numbers=_TrackingIndex(self.state), gs_forms=settings.gs_forms
        )
        self.view = project(self.state)

    # --- scans -------------------------------------------------------------------------------------

    def handle_scan(self, raw: str, now: float) -> list[Effect]:
        scan = classify(raw, context=self._context)
        self._now = now
        session = self.state.current
        reply = self._dispatch(scan)
        assert reply.outcome is not None, "every scan reply names its outcome"
        key = reply.order_key if reply.order_key is not None else (session.order.order_id if session else "")
        log = LogScan(
            raw=scan.raw,
            kind=scan.kind.value,
            outcome=reply.outcome,
            detail=reply.feedback.message,
            order_key=key,
            session_id=session.session_id if session else "",
            packer=self.state.packer,
            at=now,
        )
        self.state.feedback = reply.feedback
        self._refresh()
        return [log, *reply.writes, reply.feedback, *reply.actions]

    def scan_held(self, raw: str, where: str, now: float) -> list[Effect]:
        """A scan the window did not use because a dialog covered the order: only logged (outcome
        ``held_dialog_open``), so it is not lost silently; nothing else changes, nothing is shown here
        (the dialog says it on its own strip)."""
        scan = classify(raw, context=self._context)
        session = self.state.current
        return [
            LogScan(
                raw=scan.raw,
                kind=scan.kind.value,
                outcome=Outcome.HELD_DIALOG_OPEN,
                detail=f"Not used: a dialog was open ({where}). Close this dialog first.",
                order_key=session.order.order_id if session else "",
                session_id=session.session_id if session else "",
                packer=self.state.packer,
                at=now,
            )
        ]

    def _dispatch(self, scan: Scan) -> Reply:
        if scan.kind is ScanKind.GARBAGE:
            return Reply(Outcome.GARBAGE, bad(scan.problem))
        if scan.kind is ScanKind.USER:
            self.state.packer = scan.value
            self.state.pending = Pending.NONE
            return Reply(Outcome.SIGNED_IN, good(text.signed_in(scan.value)))
        if not self.state.packer:
            return Reply(Outcome.REFUSED_NO_PACKER, bad(text.SIGN_IN_FIRST))
        pending, self.state.pending = self.state.pending, Pending.NONE
        foreign = self.state.foreign
        if foreign is not None:
            current = self.state.current
            if current is not None and current.session_id == foreign.session_id:
                return self._foreign_choice(current, foreign, scan)
            self.state.foreign = None  # that order is no longer open here
        if pending is Pending.CANCEL and scan.command is Command.CANCEL:
            return self._confirm_cancel()
        if pending is Pending.VOID and scan.command is Command.VOID_BOX and self.state.current is not None:
            return self._void(self.state.current)
        if pending is Pending.LEARN_CODE and scan.kind in (ScanKind.CODE, ScanKind.ITEM):
            return self._learn_code(scan.value)
        if pending is Pending.LEARN_SKU and scan.kind is ScanKind.CODE:
            return self._learn_sku(scan.value)
        if pending is Pending.REPRINT:
            if scan.command is Command.REPRINT:
                return self._reprint_last()
            if scan.kind in (ScanKind.TRACKING, ScanKind.BOX_TAG) or (
                scan.kind is ScanKind.CODE and not self._means_something(scan.value)
            ):
                return self._reprint_target(scan)
        if scan.kind is ScanKind.COMMAND:
            return self._command(Command(scan.value))
        if scan.kind is ScanKind.BOX_TYPE:
            return self._box_type(scan.value)
        if scan.kind is ScanKind.WEIGHT:
            return self._weight_typed(scan.value)
        if scan.kind is ScanKind.TRACKING:
            return self._label_alone(scan.value)
        if scan.kind is ScanKind.BOX_TAG:
            return self._box_tag_alone(scan.value)
        if scan.kind is ScanKind.ITEM:
            return self._item(scan.value, scan.item)
        return self._code(scan.value, scan.item)

    def _today(self) -> date | None:
        return date.fromtimestamp(self._now) if self._now > 0 else None

    def _item(self, gtin: str, item: ItemCode | None) -> Reply:
        """A GS1 product barcode (DataMatrix, GS1-128): an item, never an order number."""
        session = self.state.current
        if session is None or session.state is SessionState.COMPLETE:
            return Reply(Outcome.REFUSED_NO_ORDER, bad(text.item_without_order(gtin)))
        if self.state.loading_key:
            return Reply(Outcome.REFUSED_LOADING, bad(text.wait_for_order(self.state.loading_key)))
        return self._pack(session, gtin, item, probe=False)

    def _pack(self, session: PackingSession, code: str, item: ItemCode | None, *, probe: bool) -> Reply:
        result = session.add_item(code, item=item, today=self._today())
        if result.outcome is PackOutcome.ADDED:
            reply = self._added(session, result.message)
            if result.warning and reply.feedback.tone is Tone.GOOD:
                reply.feedback = warning(reply.feedback.message)
            return reply
        reply = Reply(Outcome.of(result.outcome), bad(result.message))
        if (
            result.outcome is PackOutcome.UNKNOWN_CODE
            and item is not None
            and 1 <= item.packaging_indicator <= 8
        ):
            reply.feedback = bad(f"{result.message} {text.unknown_case_code()}")
        if result.outcome is PackOutcome.UNKNOWN_CODE and probe:
            # It may be another order's pick list: find out, and say so when the answer comes.
            self.state.probes.add(code)
            reply.actions.append(LookupOrder(code))
        return reply

    # --- teaching the catalogue (CMD:LEARN) ---------------------------------------------------------

    def _learn(self) -> Reply:
        if not self.state.settings.learning:
            return Reply(Outcome.REFUSED_LEARN, bad(text.LEARN_DISABLED))
        self.state.pending = Pending.LEARN_CODE
        return Reply(Outcome.LEARN_ASKED, info(text.LEARN_SCAN_BARCODE))

    def _learn_code(self, code: str) -> Reply:
        problem = check_barcode(code)
        if problem:
            return Reply(Outcome.REFUSED_LEARN, bad(text.learn_refused(problem)))
        known = self.state.aliases.entry(code)
        self.state.learning_code = code
        self.state.pending = Pending.LEARN_SKU
        return Reply(Outcome.LEARN_ASKED, info(text.learn_scan_sku(code, known.sku if known else "")))

    def _learn_sku(self, sku: str) -> Reply:
        code, self.state.learning_code = self.state.learning_code, ""
        if is_gtin(sku) or barcode_key(sku) == barcode_key(code):
            return Reply(
                Outcome.REFUSED_LEARN, bad(text.learn_refused(f"{sku} is a product barcode, not a SKU"))
            )
        self.state.aliases.add(CatalogueEntry(code, sku))
        self.state.catalogue = self.state.catalogue | {sku}
        learned = LearnBarcode(barcode=code, sku=sku, packer=self.state.packer, at=self._now)
        return Reply(Outcome.LEARNED, good(text.learned(code, sku)), [learned])

    def _means_something(self, code: str) -> bool:
        """True when ``code`` is an item or an id of the open order (then it is not a label to reprint)."""
        session = self.state.current
        return session is not None and (session.order.answers_to(code) or session.resolve(code) is not None)

    def _code(self, code: str, item: ItemCode | None = None) -> Reply:
        session = self.state.current
        if session is not None and session.state is SessionState.COMPLETE:
            if session.order.answers_to(code):
                return Reply(Outcome.ORDER_ALREADY_OPEN, info(text.order_complete_already(session)))
            if session.resolve(code) is not None:
                result = session.add_item(code, item=item)  # cannot add: every unit is packed
                return Reply(Outcome.of(result.outcome), bad(result.message))
            self._finish_current()
            session = None
        if self.state.loading_key and session is None:
            if code == self.state.loading_key:
                return Reply(Outcome.ORDER_LOADING, info(text.still_loading(code)), order_key=code)
            return Reply(
                Outcome.REFUSED_LOADING, bad(text.wait_for_order(self.state.loading_key)), order_key=code
            )
        if session is None:
            return self._open_by_key(code)
        if session.order.answers_to(code):
            return Reply(Outcome.ORDER_ALREADY_OPEN, info(text.already_open(session)))
        parked = self.state.parked_answering(code)
        if parked is not None:
            if session.has_progress:
                self.state.waiting = Waiting(code, parked.order, parked.source)
                return Reply(
                    Outcome.REFUSED_ORDER_OPEN, bad(text.finish_first(session, code)), order_key=code
                )
            writes = self._drop_current()
            return self._resume(parked, writes)
        return self._pack(session, code, item, probe=True)

    def _added(self, session: PackingSession, message: str) -> Reply:
        writes: list[Effect] = []
        tone_of: Callable[[str], Feedback] = good
        if session.all_scanned:
            if self.state.settings.auto_close:
                check = self._weight_check(session)
                if check.refusal:
                    box = session.open_box
                    self.state.weigh.waiting_close = session.session_id
                    waits = text.close_waits_for_weight(box.number if box else 0, check.refusal)
                    message = f"{message}. {waits}"
                    tone_of = warning
                else:
                    closed = self._close(session, None, writes, check.grams)
                    message = f"{message}. {closed}"
                    if tone_of is good:
                        tone_of = self._closing_tone(session)
            else:
                box = session.open_box
                message = f"{message}. {text.close_now(box.number if box else 0)}"
        writes.append(self._save(session))
        return Reply(Outcome.ADDED, tone_of(message), writes)

    def _weight_check(self, session: PackingSession, *, expected: bool = True) -> WeightCheck:
        """May the open box close, and with which weight: the scale/typed rules, then the expected
        weight check (a weighed box far off its goods' weight is held unless a supervisor accepted it)."""
        s = self.state.settings
        check = weight_for_close(
            s.weight_mode,
            s.require_weight,
            s.manual_weight,
            s.weight_gate,
            self.state.weigh,
            session.session_id,
        )
        box = session.open_box
        if not expected or check.grams is None or box is None:
            return check
        if self.state.weigh.accepted == (session.session_id, box.number):
            return check
        goods = session.expected_weight_g(box)
        if goods is not None and weight_mismatch(
            check.grams, goods, s.weight_tolerance_pct, s.weight_tolerance_g
        ):
            return WeightCheck(None, text.weight_off(box.number, check.grams, goods))
        return check

    def _accept_weight(self, session: PackingSession) -> Reply:
        """CMD:ACCEPT-WEIGHT: a supervisor closes the open box although its weight is off its expected
        weight; the scan log keeps who (the signed-in badge) and the weights."""
        box = session.open_box
        check = self._weight_check(session, expected=False)
        held = self._weight_check(session) if box is not None and box.units else None
        if box is None or held is None or not held.refusal or check.refusal or check.grams is None:
            return Reply(Outcome.REFUSED, bad(text.NOTHING_TO_ACCEPT))
        self.state.weigh.accepted = (session.session_id, box.number)
        writes: list[Effect] = []
        message = self._close(session, None, writes, check.grams)
        writes.append(self._save(session))
        return Reply(
            Outcome.WEIGHT_ACCEPTED,
            good(text.weight_accepted(self.state.packer, f"{held.refusal}. {message}")),
            writes,
        )

    def _close(
        self, session: PackingSession, box_type: BoxType | None, writes: list[Effect], weight_g: int | None
    ) -> str:
        """Close the open box (it has items); append CloseBox; complete the order when it is done."""
        box = session.open_box
        assert box is not None and box.units
        if box_type is None and not box.box_type:
            box_type = self.state.settings.box_type(self.state.settings.default_box_type)
        result = session.close_box(box_type)
        box.weight_g = weight_g
        self.state.weigh.typed = None
        self.state.weigh.waiting_close = ""
        message = result.message
        if session.is_complete:
            session.drop_empty_open_box()
            session.state = SessionState.COMPLETE
            self.state.waiting = None  # finished: the packer scans the next order themselves
            tagged = self._tagged_boxes(session)
            done = text.order_done_with_tags(session, tagged) if tagged else text.order_done(session)
            message = f"{message} {done}"
        else:
            message = f"{message} {text.stick_label()}"
        writes.append(
            CloseBox(
                session_id=session.session_id,
                order_key=session.order.order_id,
                shipment_id=session.order.shipment_id,
                box_number=box.number,
                box_type=box.box_type,
                dims_mm=box.dims_mm,
                items=dict(box.items),
                packer=self.state.packer,
                snapshot=session.to_snapshot(),
                weight_g=weight_g,
                tracked=tuple(box.tracked),
            )
        )
        return message

    def _weight_typed(self, value: str) -> Reply:
        session = self.state.current
        if session is None:
            return Reply(Outcome.REFUSED_NO_ORDER, bad(text.NO_ORDER))
        if session.state is SessionState.COMPLETE:
            return Reply(Outcome.REFUSED_COMPLETE, bad(text.order_complete_already(session)))
        if self.state.settings.weight_mode is WeightMode.SCALE and not self.state.settings.manual_weight:
            return Reply(Outcome.REFUSED_WEIGHT_TYPED, bad(text.typed_weight_off()))
        grams, problem = typed_weight(self.state.settings.weight_gate, value)
        if grams is None:
            return Reply(Outcome.REFUSED_WEIGHT, bad(problem))
        self.state.weigh.typed = (session.session_id, grams)
        box = session.open_box
        message = text.weight_typed(format_grams(grams), box.number if box else None)
        writes: list[Effect] = []
        if self._close_is_waiting(session):
            check = self._weight_check(session)
            if check.refusal:  # typed, but far off what the goods weigh
                return Reply(Outcome.WEIGHT_TYPED, warning(f"{message} {text.weight_refused(check.refusal)}"))
            message = f"{message} {self._close(session, None, writes, grams)}"
            writes.append(self._save(session))
        return Reply(Outcome.WEIGHT_TYPED, self._closing_tone(session)(message), writes)

    def _close_is_waiting(self, session: PackingSession) -> bool:
        box = session.open_box
        return (
            self.state.weigh.waiting_close == session.session_id
            and self.state.settings.auto_close
            and session.state is SessionState.PACKING
            and session.all_scanned
            and box is not None
            and box.units > 0
        )

    def _retry_waiting_close(self) -> list[Effect]:
        session = self.state.current
        if session is None or not self._close_is_waiting(session):
            return self._event(None, [])
        check = self._weight_check(session)
        if check.refusal:
            plain = self._weight_check(session, expected=False)
            held = text.weight_refused(check.refusal)
            shown = self.state.feedback.message if self.state.feedback else ""
            if not plain.refusal and shown != held:  # a usable weight, far off the goods: say so once
                return self._event(Reply(None, bad(held)))
            return self._event(None, [])
        writes: list[Effect] = []
        message = self._close(session, None, writes, check.grams)
        writes.append(self._save(session))
        return self._event(Reply(Outcome.BOX_CLOSED, self._closing_tone(session)(message), writes))

    # --- commands ----------------------------------------------------------------------------------

    def _command(self, command: Command) -> Reply:
        if command is Command.REPRINT:
            self.state.pending = Pending.REPRINT
            last = self.state.last_label
            return Reply(
                Outcome.REPRINT_ASKED,
                info(text.reprint_which((last.order_id, last.box_number) if last else None)),
            )
        if command is Command.CANCEL:
            return self._ask_cancel()
        if command is Command.LEARN:
            return self._learn()
        session = self.state.current
        if session is None:
            return Reply(Outcome.REFUSED_NO_ORDER, bad(text.no_order_for(command)))
        if command is Command.PARK:
            return self._park(session)
        if command is Command.VOID_BOX:
            return self._ask_void(session)
        if command is Command.ACCEPT_WEIGHT:
            return self._accept_weight(session)
        if session.state is SessionState.COMPLETE:
            return Reply(Outcome.REFUSED_COMPLETE, bad(text.order_complete_already(session)))
        if command is Command.NEW_BOX:
            if session.open_box is not None and session.open_box.units:
                return self._close_and_start_another(session)
            result = session.new_box()
            if not result.ok:
                return Reply(Outcome.of(result.outcome), bad(result.message))
            return Reply(Outcome.of(result.outcome), good(result.message), [self._save(session)])
        return self._close_command(session, None)  # CLOSE-BOX

    def _close_command(self, session: PackingSession, box_type: BoxType | None) -> Reply:
        box = session.open_box
        if box is None or not box.units:
            return Reply(Outcome.REFUSED_EMPTY_BOX, bad(session.close_box().message))
        check = self._weight_check(session)
        if check.refusal:
            return Reply(Outcome.REFUSED_WEIGHT, bad(text.weight_refused(check.refusal)))
        writes: list[Effect] = []
        message = self._close(session, box_type, writes, check.grams)
        writes.append(self._save(session))
        return Reply(Outcome.BOX_CLOSED, self._closing_tone(session)(message), writes)

    def _close_and_start_another(self, session: PackingSession) -> Reply:
        """CMD:NEW-BOX with items in the open box: what the sheet promises ("Start another box"), that
        is close this one (as CMD:CLOSE-BOX would) and open the next, unless the order is then done."""
        reply = self._close_command(session, None)
        if reply.outcome is not Outcome.BOX_CLOSED or session.state is SessionState.COMPLETE:
            return reply
        if session.all_scanned or session.open_box is not None:
            return reply
        started = session.new_box()
        if not started.ok:
            return reply
        message = text.closed_and_started(reply.feedback.message, started.box_number)
        return Reply(
            reply.outcome, Feedback(reply.feedback.tone, message), [*reply.writes, self._save(session)]
        )

    def _box_type(self, code: str) -> Reply:
        box_type = self.state.settings.box_type(code)
        if box_type is None:
            return Reply(
                Outcome.REFUSED_BOX_TYPE, bad(text.unknown_box_type(code, self.state.settings.box_types))
            )
        session = self.state.current
        if session is None:
            return Reply(Outcome.REFUSED_NO_ORDER, bad(text.NO_ORDER))
        if session.state is SessionState.COMPLETE or (session.all_scanned and session.open_box is None):
            return Reply(Outcome.REFUSED_COMPLETE, bad(text.order_complete_already(session)))
        box = session.open_box
        if box is not None and box.units:
            return self._close_command(session, box_type)
        result = session.choose_box_type(box_type)
        return Reply(Outcome.of(result.outcome), good(result.message), [self._save(session)])

    def _park(self, session: PackingSession) -> Reply:
        if session.state is SessionState.COMPLETE:
            return Reply(Outcome.REFUSED_COMPLETE, bad(text.order_complete_already(session)))
        session.state = SessionState.PARKED
        self.state.parked[session.session_id] = session
        self.state.current = None
        writes: list[Effect] = [self._save(session)]
        return self._then_waiting(Reply(Outcome.PARKED, good(text.parked(session)), writes))

    def _ask_cancel(self) -> Reply:
        session = self.state.current
        if session is None:
            if self.state.loading_key:
                key, self.state.loading_key = self.state.loading_key, ""
                return Reply(Outcome.LOADING_STOPPED, info(text.loading_stopped(key)), order_key=key)
            return Reply(Outcome.REFUSED_NO_ORDER, bad(text.no_order_for(Command.CANCEL)))
        self.state.pending = Pending.CANCEL
        return Reply(Outcome.CANCEL_ASKED, Feedback(Tone.WARNING, text.confirm_cancel(session)))

    def _confirm_cancel(self) -> Reply:
        session = self.state.current
        if session is None:  # cannot happen: the pending state is dropped with the session
            return Reply(Outcome.REFUSED_NO_ORDER, bad(text.no_order_for(Command.CANCEL)))
        box_ids = tuple(session.closed_box_ids())
        for box in session.boxes:
            if box.closed:
                box.state = BoxState.VOIDED
                self._forget_label_of(session, box)
        session.state = SessionState.CANCELLED
        writes: list[Effect] = []
        if box_ids:
            writes.append(CancelDeliveries(session.session_id, box_ids))
        writes.append(self._save(session))
        self._finish_current()
        return self._then_waiting(
            Reply(Outcome.CANCELLED, good(text.cancelled(session, len(box_ids))), writes)
        )

    def _ask_void(self, session: PackingSession) -> Reply:
        """The first CMD:VOID-BOX asks, as CMD:CANCEL does: the second one voids (anything else keeps
        the box). A void cancels a delivery, so one stray scan must not do it."""
        box = session.last_closed_box()
        if box is None:
            return self._void(session)  # nothing to void: refused at once, in the session's words
        self.state.pending = Pending.VOID
        return Reply(
            Outcome.VOID_ASKED, Feedback(Tone.WARNING, text.confirm_void(session.order.order_id, box.number))
        )

    def _void(self, session: PackingSession) -> Reply:
        result = session.void_last_closed_box()
        if result.outcome is not PackOutcome.BOX_VOIDED:
            return Reply(Outcome.of(result.outcome), bad(result.message))
        box = session.box(result.box_number)
        assert box is not None
        session.state = SessionState.PACKING
        self._forget_label_of(session, box)
        snapshot = session.to_snapshot()
        writes: list[Effect] = [
            VoidBox(box.box_id, session.session_id, box.number, snapshot),
            self._save(session, snapshot),
        ]
        return Reply(Outcome.BOX_VOIDED, good(result.message), writes)

    # --- reprints and labels -----------------------------------------------------------------------

    def _reprint_last(self) -> Reply:
        last = self.state.last_label
        if last is None:
            return Reply(Outcome.REFUSED_NO_LABEL, bad(text.NO_LABEL_YET))
        effect = Reprint(box_id=last.box_id, tracking_number=last.tracking_number or None)
        return Reply(Outcome.REPRINT, good(text.reprinting(last.order_id, last.box_number)), actions=[effect])

    def _reprint_target(self, scan: Scan) -> Reply:
        if scan.kind is ScanKind.BOX_TAG:
            return self._box_tag_alone(scan.value)
        found = self.state.find_box(tracking=scan.value)
        if found is None:
            effect = Reprint(tracking_number=scan.value)
            return Reply(Outcome.REPRINT, good(text.reprinting_label(scan.value)), actions=[effect])
        session, box = found
        effect = Reprint(box_id=box.box_id, tracking_number=box.tracking_number)
        return Reply(
            Outcome.REPRINT, good(text.reprinting(session.order.order_id, box.number)), actions=[effect]
        )

    def _label_alone(self, tracking_number: str) -> Reply:
        found = self.state.find_box(tracking=tracking_number)
        where = (found[0].order.order_id, found[1].number) if found else None
        return Reply(Outcome.REFUSED_LABEL, bad(text.label_scanned(where)))

    def _box_tag_alone(self, tag: str) -> Reply:
        found = self.state.find_box(tag=tag)
        box_id = box_id_from_tag(tag)
        if found is None:
            return Reply(Outcome.REPRINT, info(text.looking_for_tag(tag)), actions=[Reprint(box_id=box_id)])
        session, box = found
        if not box.tracking_number:
            return Reply(Outcome.REFUSED_NOT_BOOKED, info(text.tag_not_booked(session.order.order_id, box)))
        effect = Reprint(
            box_id=box.box_id if box.box_id is not None else box_id, tracking_number=box.tracking_number
        )
        return Reply(
            Outcome.REPRINT, good(text.reprinting(session.order.order_id, box.number)), actions=[effect]
        )

    # --- an order packed elsewhere -----------------------------------------------------------------

    def _foreign_choice(self, session: PackingSession, foreign: ForeignParcels, scan: Scan) -> Reply:
        """Nothing is packed into an order with parcels booked elsewhere until the packer says what
        to do: reprint their labels, pack extra boxes, or leave the order (``ForeignParcels``)."""
        count = len(foreign.tracking_numbers)
        order_id = session.order.order_id
        if scan.command is Command.PACK_EXTRA:
            self.state.foreign = None
            writes: list[Effect] = [RecordForeignChoice(session.session_id, ForeignChoice.PACK_EXTRA)]
            return Reply(Outcome.FOREIGN_CHOICE, good(text.packing_extra(order_id, count)), writes)
        if scan.command in (Command.REPRINT, Command.CANCEL) and not session.has_progress:
            self.state.foreign = None
            reprint = scan.command is Command.REPRINT
            choice = ForeignChoice.REPRINT if reprint else ForeignChoice.LEAVE
            writes = [RecordForeignChoice(session.session_id, choice), *self._drop_current()]
            if reprint:
                actions: list[Effect] = [Reprint(tracking_number=t) for t in foreign.tracking_numbers]
                message = text.reprinting_foreign(order_id, count)
                return self._then_waiting(Reply(Outcome.REPRINT, good(message), writes, actions))
            return self._then_waiting(
                Reply(Outcome.FOREIGN_CHOICE, good(text.left_foreign(order_id)), writes)
            )
        return Reply(Outcome.REFUSED_CHOOSE_FIRST, bad(text.choose_first(order_id, count, foreign.booked_at)))

    def foreign_parcels_found(
        self, session_id: str, tracking_numbers: Iterable[str], booked_at: str = "", preface: str = ""
    ) -> list[Effect]:
        """The runtime's ``assess_open`` found parcels of the open order booked elsewhere: ask the
        packer to choose before anything is packed (only while nothing is packed yet)."""
        session = self.state.current
        numbers = tuple(tracking_numbers)
        if session is None or session.session_id != session_id or not numbers or session.has_progress:
            return []
        self.state.foreign = ForeignParcels(session_id, numbers, booked_at, preface)
        message = text.choose_first(session.order.order_id, len(numbers), booked_at)
        return self._event(Reply(None, warning(f"{preface} {message}".strip())))

    # --- opening orders ----------------------------------------------------------------------------

    def _open_by_key(self, key: str) -> Reply:
        parked = self.state.parked_answering(key)
        if parked is not None:
            return self._resume(parked, [])
        self.state.loading_key = key
        return Reply(
            Outcome.ORDER_LOOKUP, info(text.looking_up(key)), actions=[LookupOrder(key)], order_key=key
        )

    def _resume(self, session: PackingSession, writes: list[Effect]) -> Reply:
        self.state.parked.pop(session.session_id, None)
        session.state = SessionState.PACKING
        self.state.current = session
        writes.append(self._save(session))
        return Reply(Outcome.ORDER_RESUMED, good(text.resumed(session)), writes)

    def _open(self, order: PackingOrder, source: str, writes: list[Effect]) -> Reply:
        same = next((s for s in self.state.parked.values() if s.order.shipment_id == order.shipment_id), None)
        if same is not None:
            return self._resume(same, writes)
        if not order.lines:
            return Reply(Outcome.ORDER_EMPTY, bad(text.nothing_to_pack(order.order_id)), writes)
        session = PackingSession(
            order,
            session_id=self._new_id(),
            aliases=self.state.aliases,
            catalogue=self.state.catalogue,
            source=source,
        )
        self.state.current = session
        writes.append(self._save(session))
        if order.booked_parcels:
            return Reply(Outcome.ORDER_OPENED, Feedback(Tone.WARNING, text.already_booked(order)), writes)
        return Reply(Outcome.ORDER_OPENED, good(text.opened(order)), writes)

    def _then_waiting(self, reply: Reply) -> Reply:
        """After park/cancel: open the order the packer scanned meanwhile, if any."""
        if self.state.waiting is None:
            return reply
        key, order, source = self.state.waiting
        self.state.waiting = None
        parked = self.state.parked_answering(key)
        opened = self._resume(parked, reply.writes) if parked else self._open(order, source, reply.writes)
        tone = opened.feedback.tone if opened.feedback.tone is not Tone.GOOD else reply.feedback.tone
        reply.feedback = Feedback(tone, f"{reply.feedback.message} {opened.feedback.message}")
        return reply

    def _finish_current(self) -> None:
        session = self.state.current
        if session is None:
            return
        self.state.current = None
        self.state.finished[session.session_id] = session
        while len(self.state.finished) > self.state.settings.history_size:
            self.state.finished.popitem(last=False)

    def _drop_current(self) -> list[Effect]:
        """Replace an open order with nothing packed: it is recorded as cancelled, nothing to undo."""
        session = self.state.current
        assert session is not None and not session.has_progress
        session.state = SessionState.CANCELLED
        self._finish_current()
        return [self._save(session)]

    # --- runtime events ----------------------------------------------------------------------------

    def order_loaded(self, key: str, shipment: Shipment | PackingOrder, source: str = "api") -> list[Effect]:
        """The order ``key`` asked for by ``LookupOrder`` was found (``source``: "api" or "cache")."""
        order = shipment if isinstance(shipment, PackingOrder) else order_from_shipment(shipment)
        session = self.state.current
        if key == self.state.loading_key and session is None:
            self.state.loading_key = ""
            reply = self._open(order, source, [])
        elif key in self.state.probes:
            self.state.probes.discard(key)
            if session is None or session.state is not SessionState.PACKING:
                return []
            if session.order.shipment_id == order.shipment_id:
                return []
            if not session.has_progress:
                reply = self._open(order, source, self._drop_current())
            else:
                self.state.waiting = Waiting(key, order, source)
                reply = Reply(None, bad(text.finish_first(session, order.order_id)))
        else:
            return []  # a late answer nobody waits for any more
        return self._event(reply)

    def order_not_found(self, key: str, reason: str) -> list[Effect]:
        self.state.probes.discard(key)
        if key != self.state.loading_key:
            return []
        self.state.loading_key = ""
        return self._event(Reply(None, bad(text.not_found(key, reason))))

    def order_lookup_failed(self, key: str, reason: str) -> list[Effect]:
        """The look-up of ``key`` got no usable answer (unreachable, unreadable): unlike
        ``order_not_found`` this says nothing about the order; the packer scans it again."""
        self.state.probes.discard(key)
        if key != self.state.loading_key:
            return []
        self.state.loading_key = ""
        return self._event(Reply(None, bad(text.lookup_failed(key, reason))))

    def box_queued(
        self, box_number: int, box_id: int, local_tag: str, session_id: str | None = None
    ) -> list[Effect]:
        """The store saved a closed box (answer to ``CloseBox``)."""
        session = self.state.session(session_id) if session_id else self.state.current
        box = session.box(box_number) if session else None
        if session is None or box is None:
            return []
        box.box_id, box.local_tag = box_id, local_tag
        effects: list[Effect] = []
        if self.state.status.connectivity in _TAG_WHEN and box.state is BoxState.QUEUED:
            effects.append(self._tag(session, box))
        effects.insert(0, self._save(session))
        return self._event(None, effects)

    def box_booked(self, box_id: int, tracking_number: str) -> list[Effect]:
        found = self.state.find_box(box_id=box_id)
        if found is None:
            return []
        session, box = found
        # The print worker's "printed" may arrive before the outbox's "booked" (two threads): a box
        # already printed for this parcel stays printed.
        printed = box.state is BoxState.PRINTED and box.tracking_number in ("", tracking_number)
        if box.state is not BoxState.VOIDED and not printed:
            box.state, box.problem = BoxState.BOOKED, ""
        box.tracking_number = tracking_number
        self.state.last_label = LastLabel(box_id, tracking_number, session.order.order_id, box.number)
        return self._event(None, [self._save(session)])

    def box_printed(self, box_id: int) -> list[Effect]:
        found = self.state.find_box(box_id=box_id)
        if found is None:
            return []
        session, box = found
        if box.state is not BoxState.VOIDED:
            box.state, box.problem = BoxState.PRINTED, ""
        return self._event(None, [self._save(session)])

    def box_failed(self, box_id: int, problem: str) -> list[Effect]:
        found = self.state.find_box(box_id=box_id)
        if found is None:
            return []
        session, box = found
        if box.state is not BoxState.VOIDED:
            box.state = BoxState.FAILED
        box.problem = problem
        feedback = bad(text.box_problem(session.order.order_id, box.number, problem))
        return self._event(Reply(None, feedback, [self._save(session)]))

    def label_preview(
        self, png: bytes, *, box_id: int | None = None, tracking_number: str | None = None
    ) -> list[Effect]:
        """The picture of what just printed; the box it belongs to (when known) names it on screen."""
        self.state.last_label_png = png
        found = None
        if box_id is not None or tracking_number:
            found = self.state.find_box(box_id=box_id, tracking=tracking_number)
        self.state.preview_of = (found[0].order.order_id, found[1].number) if found else None
        return self._event(None, [])

    def status_changed(self, status: StatusView) -> list[Effect]:
        self.state.status = status
        effects: list[Effect] = []
        if status.connectivity in _TAG_WHEN:
            for session in self.state.sessions():
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
        self.state.weigh.reading, self.state.weigh.problem = reading, ""
        return self._retry_waiting_close()

    def scale_failed(self, message: str) -> list[Effect]:
        """The scale cannot be read (unplugged, no permission, ...): ``message`` says what to do."""
        first = self.state.weigh.problem != message
        self.state.weigh.reading, self.state.weigh.problem = None, message
        if not first:
            return self._event(None, [])
        extra = ""
        if self.state.settings.manual_weight:
            extra = " " + text.type_weight_instead()
        return self._event(Reply(None, Feedback(Tone.WARNING, f"{message}{extra}")))

    def notify(self, tone: Tone, message: str) -> list[Effect]:
        """A message from the runtime for the packer (a reprint that could not be done, a printer fault)."""
        return self._event(Reply(None, Feedback(tone, message)))

    def handover(self) -> dict[str, Any]:
        """What a restart with new settings must not forget and no session holds: who is signed in and
        which label the "Last label" panel shows (the PNG itself travels beside it, ``last_label_png``)."""
        last = self.state.last_label
        return {
            "packer": self.state.packer,
            "last_label": None
            if last is None
            else [last.box_id, last.tracking_number, last.order_id, last.box_number],
            "preview_of": list(self.state.preview_of) if self.state.preview_of else None,
        }

    def take_handover(self, data: Mapping[str, Any], png: bytes = b"") -> list[Effect]:
        """After a restart: the packer and the last label as they were (``handover``). Bad data is ignored:
        the worst case is the start of a fresh run (sign in again)."""
        packer = data.get("packer")
        if isinstance(packer, str) and packer.strip():
            self.state.packer = packer.strip()
        last = data.get("last_label")
        if isinstance(last, list) and len(last) == 4:
            box_id, tracking, order_id, number = last
            if isinstance(tracking, str) and isinstance(order_id, str) and isinstance(number, int):
                self.state.last_label = LastLabel(
                    box_id if isinstance(box_id, int) else None, tracking, order_id, number
                )
        preview = data.get("preview_of")
        if png and isinstance(preview, list) and len(preview) == 2 and isinstance(preview[1], int):
            self.state.last_label_png = png
            self.state.preview_of = (str(preview[0]), preview[1])
        elif png and preview is None:
            self.state.last_label_png = png
        return self._event(None, [])

    def restore(self, snapshots: Iterable[Mapping[str, Any]]) -> list[Effect]:
        """At start-up: bring back saved sessions (packing -> current, parked, complete -> history).
        A second "packing" session is parked. Unreadable snapshots are reported, not fatal."""
        problems: list[str] = []
        for data in snapshots:
            try:
                session = PackingSession.from_snapshot(
                    data, aliases=self.state.aliases, catalogue=self.state.catalogue
                )
            except SnapshotError as exc:
                problems.append(str(exc))
                continue
            if session.state is SessionState.PACKING and self.state.current is None:
                self.state.current = session
            elif session.state in (SessionState.PACKING, SessionState.PARKED):
                session.state = SessionState.PARKED
                self.state.parked[session.session_id] = session
            else:
                self.state.finished[session.session_id] = session
        self._pick_last_label()
        if problems:
            return self._event(Reply(None, Feedback(Tone.WARNING, text.restore_problems(problems))))
        if self.state.current is not None:
            return self._event(Reply(None, info(text.resumed(self.state.current))))
        return self._event(None, [])

    # --- helpers -----------------------------------------------------------------------------------

    def _event(self, reply: Reply | None, effects: list[Effect] | None = None) -> list[Effect]:
        out = list(effects or [])
        if reply is not None:
            out.extend(reply.writes)
            out.append(reply.feedback)
            out.extend(reply.actions)
            self.state.feedback = reply.feedback
        self._refresh()
        return out

    def _save(self, session: PackingSession, snapshot: dict[str, Any] | None = None) -> SaveSession:
        return SaveSession(
            session_id=session.session_id,
            order_key=session.order.order_id,
            shipment_id=session.order.shipment_id,
            state=session.state.value,
            packer=self.state.packer,
            snapshot=snapshot if snapshot is not None else session.to_snapshot(),
        )

    def _tagged_boxes(self, session: PackingSession) -> int:
        """How many of the order's closed boxes carry (or are about to get) only a box tag: no real label
        yet, because the API is offline or paused."""
        offline = self.state.status.connectivity in _TAG_WHEN
        waiting = (BoxState.QUEUED, BoxState.BOOKING)
        return sum(1 for b in session.boxes if b.state in waiting and (b.tag_printed or offline))

    def _closing_tone(self, session: PackingSession) -> Callable[[str], Feedback]:
        """Green for a close; amber when it completed an order some of whose boxes carry only box tags."""
        if session.state is SessionState.COMPLETE and self._tagged_boxes(session):
            return warning
        return good

    def _tag(self, session: PackingSession, box: Box) -> PrintBoxTag:
        assert box.box_id is not None
        box.tag_printed = True
        return PrintBoxTag(box.box_id, box.local_tag, session.order.order_id, box.number)

    def _forget_label_of(self, session: PackingSession, box: Box) -> None:
        """A voided box's label is no longer "the last label": neither in the panel nor for CMD:REPRINT."""
        last = self.state.last_label
        if last is not None and (
            (box.box_id is not None and last.box_id == box.box_id)
            or (last.order_id, last.box_number) == (session.order.order_id, box.number)
        ):
            self.state.last_label = None
            self._pick_last_label()
        if self.state.preview_of == (session.order.order_id, box.number):
            self.state.last_label_png = b""
            self.state.preview_of = None

    def _pick_last_label(self) -> None:
        for session in self.state.sessions():
            for box in reversed(session.boxes):
                if box.tracking_number and box.state is not BoxState.VOIDED:
                    self.state.last_label = LastLabel(
                        box.box_id, box.tracking_number, session.order.order_id, box.number
                    )
                    return

    def _refresh(self) -> None:
        self.view = project(self.state)
