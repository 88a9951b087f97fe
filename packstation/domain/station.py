"""The packing bench as one state machine: scans and runtime events in, effects and a screen state out.

``Station`` holds the open order (a ``PackingSession``), parked orders, the signed-in packer and the
pending confirmations. It does no I/O: each method returns a list of ``effects`` for the runtime to
execute IN ORDER, after which the runtime renders ``station.view`` (a ``StationView``). For every scan
the first effect is ``LogScan`` and exactly one ``Feedback`` follows the store writes.

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

from packstation.domain import station_text as text
from packstation.domain.effects import (
    CancelDeliveries,
    CloseBox,
    Effect,
    Feedback,
    LogScan,
    LookupOrder,
    Reprint,
    VoidBox,
)
from packstation.domain.packing import BoxType, PackingSession, PackOutcome, SessionState
from packstation.domain.scale import format_grams
from packstation.domain.scans import Command, Scan, ScanKind, box_id_from_tag, classify
from packstation.domain.station_state import (
    Reply,
    StationSettings,
    StationState,
    bad,
    good,
    info,
    warning,
)
from packstation.domain.station_weight import WEIGHT_SCALE, WeightCheck, typed_weight, weight_for_close
from packstation.domain.view import BoxState, Tone

__all__ = ["Station", "StationSettings"]


class Station(StationState):
    """The bench: ``handle_scan`` plus the runtime events of ``StationState``."""

    # --- scans -------------------------------------------------------------------------------------

    def handle_scan(self, raw: str, now: float) -> list[Effect]:
        scan = classify(raw, context=self._context)
        session = self.current
        reply = self._dispatch(scan)
        key = reply.order_key if reply.order_key is not None else (session.order.order_id if session else "")
        log = LogScan(
            raw=scan.raw,
            kind=scan.kind.value,
            outcome=reply.outcome,
            detail=reply.feedback.message,
            order_key=key,
            session_id=session.session_id if session else "",
            packer=self.packer,
            at=now,
        )
        self.feedback = reply.feedback
        self._refresh()
        return [log, *reply.writes, reply.feedback, *reply.actions]

    def _dispatch(self, scan: Scan) -> Reply:
        if scan.kind is ScanKind.GARBAGE:
            return Reply("garbage", bad(scan.problem))
        if scan.kind is ScanKind.USER:
            self.packer = scan.value
            self._pending = ""
            return Reply("signed_in", good(text.signed_in(scan.value)))
        if not self.packer:
            return Reply("refused_no_packer", bad(text.SIGN_IN_FIRST))
        pending, self._pending = self._pending, ""
        if pending == "cancel" and scan.command is Command.CANCEL:
            return self._confirm_cancel()
        if pending == "reprint":
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
        return self._code(scan.value)

    def _means_something(self, code: str) -> bool:
        """True when ``code`` is an item or an id of the open order (then it is not a label to reprint)."""
        session = self.current
        return session is not None and (session.order.answers_to(code) or session.resolve(code) is not None)

    def _code(self, code: str) -> Reply:
        session = self.current
        if session is not None and session.state is SessionState.COMPLETE:
            if session.order.answers_to(code):
                return Reply("order_already_open", info(text.order_complete_already(session)))
            if session.resolve(code) is not None:
                result = session.add_item(code)  # cannot add: every unit is packed
                return Reply(result.outcome.value, bad(result.message))
            self._finish_current()
            session = None
        if self.loading_key and session is None:
            if code == self.loading_key:
                return Reply("order_loading", info(text.still_loading(code)), order_key=code)
            return Reply("refused_loading", bad(text.wait_for_order(self.loading_key)), order_key=code)
        if session is None:
            return self._open_by_key(code)
        if session.order.answers_to(code):
            return Reply("order_already_open", info(text.already_open(session)))
        parked = self._parked_answering(code)
        if parked is not None:
            if session.has_progress:
                self._waiting = (code, parked.order, parked.source)
                return Reply("refused_order_open", bad(text.finish_first(session, code)), order_key=code)
            writes = self._drop_current()
            return self._resume(parked, writes)
        result = session.add_item(code)
        if result.outcome is PackOutcome.ADDED:
            return self._added(session, result.message)
        reply = Reply(result.outcome.value, bad(result.message))
        if result.outcome is PackOutcome.UNKNOWN_CODE:
            # It may be another order's pick list: find out, and say so when the answer comes.
            self._probes.add(code)
            reply.actions.append(LookupOrder(code))
        return reply

    def _added(self, session: PackingSession, message: str) -> Reply:
        writes: list[Effect] = []
        tone_of = good
        if session.all_scanned:
            if self.settings.auto_close:
                check = self._weight_check(session)
                if check.refusal:
                    box = session.open_box
                    self.weigh.waiting_close = session.session_id
                    waits = text.close_waits_for_weight(box.number if box else 0, check.refusal)
                    message = f"{message}. {waits}"
                    tone_of = warning
                else:
                    closed = self._close(session, None, writes, check.grams)
                    message = f"{message}. {closed}"
            else:
                box = session.open_box
                message = f"{message}. {text.close_now(box.number if box else 0)}"
        writes.append(self._save(session))
        return Reply("added", tone_of(message), writes)

    def _weight_check(self, session: PackingSession) -> WeightCheck:
        s = self.settings
        return weight_for_close(
            s.weight_mode, s.require_weight, s.manual_weight, s.weight_gate, self.weigh, session.session_id
        )

    def _close(
        self, session: PackingSession, box_type: BoxType | None, writes: list[Effect], weight_g: int | None
    ) -> str:
        """Close the open box (it has items); append CloseBox; complete the order when it is done."""
        box = session.open_box
        assert box is not None and box.units
        if box_type is None and not box.box_type:
            box_type = self.settings.box_type(self.settings.default_box_type)
        result = session.close_box(box_type)
        box.weight_g = weight_g
        self.weigh.typed = None
        self.weigh.waiting_close = ""
        message = result.message
        if session.is_complete:
            session.drop_empty_open_box()
            session.state = SessionState.COMPLETE
            self._waiting = None  # finished: the packer scans the next order themselves
            message = f"{message} {text.order_done(session)}"
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
                packer=self.packer,
                snapshot=session.to_snapshot(),
                weight_g=weight_g,
            )
        )
        return message

    def _weight_typed(self, value: str) -> Reply:
        session = self.current
        if session is None:
            return Reply("refused_no_order", bad(text.NO_ORDER))
        if session.state is SessionState.COMPLETE:
            return Reply("refused_complete", bad(text.order_complete_already(session)))
        if self.settings.weight_mode == WEIGHT_SCALE and not self.settings.manual_weight:
            return Reply("refused_weight_typed", bad(text.typed_weight_off()))
        grams, problem = typed_weight(self.settings.weight_gate, value)
        if grams is None:
            return Reply("refused_weight", bad(problem))
        self.weigh.typed = (session.session_id, grams)
        box = session.open_box
        message = text.weight_typed(format_grams(grams), box.number if box else None)
        writes: list[Effect] = []
        if self._close_is_waiting(session):
            message = f"{message} {self._close(session, None, writes, grams)}"
            writes.append(self._save(session))
        return Reply("weight_typed", good(message), writes)

    def _close_is_waiting(self, session: PackingSession) -> bool:
        box = session.open_box
        return (
            self.weigh.waiting_close == session.session_id
            and self.settings.auto_close
            and session.state is SessionState.PACKING
            and session.all_scanned
            and box is not None
            and box.units > 0
        )

    def _retry_waiting_close(self) -> list[Effect]:
        session = self.current
        if session is None or not self._close_is_waiting(session):
            return self._event(None, [])
        check = self._weight_check(session)
        if check.refusal:
            return self._event(None, [])
        writes: list[Effect] = []
        message = self._close(session, None, writes, check.grams)
        writes.append(self._save(session))
        return self._event(Reply("box_closed", good(message), writes))

    # --- commands ----------------------------------------------------------------------------------

    def _command(self, command: Command) -> Reply:
        if command is Command.REPRINT:
            self._pending = "reprint"
            last = self._last_label
            return Reply("reprint_asked", info(text.reprint_which(last and (last.order_id, last.box_number))))
        if command is Command.CANCEL:
            return self._ask_cancel()
        session = self.current
        if session is None:
            return Reply("refused_no_order", bad(text.no_order_for(command)))
        if command is Command.PARK:
            return self._park(session)
        if command is Command.VOID_BOX:
            return self._void(session)
        if session.state is SessionState.COMPLETE:
            return Reply("refused_complete", bad(text.order_complete_already(session)))
        if command is Command.NEW_BOX:
            result = session.new_box()
            if not result.ok:
                return Reply(result.outcome.value, bad(result.message))
            return Reply(result.outcome.value, good(result.message), [self._save(session)])
        return self._close_command(session, None)  # CLOSE-BOX

    def _close_command(self, session: PackingSession, box_type: BoxType | None) -> Reply:
        box = session.open_box
        if box is None or not box.units:
            return Reply("refused_empty_box", bad(session.close_box().message))
        check = self._weight_check(session)
        if check.refusal:
            return Reply("refused_weight", bad(text.weight_refused(check.refusal)))
        writes: list[Effect] = []
        message = self._close(session, box_type, writes, check.grams)
        writes.append(self._save(session))
        return Reply("box_closed", good(message), writes)

    def _box_type(self, code: str) -> Reply:
        box_type = self.settings.box_type(code)
        if box_type is None:
            return Reply("refused_box_type", bad(text.unknown_box_type(code, self.settings.box_types)))
        session = self.current
        if session is None:
            return Reply("refused_no_order", bad(text.NO_ORDER))
        if session.state is SessionState.COMPLETE or (session.all_scanned and session.open_box is None):
            return Reply("refused_complete", bad(text.order_complete_already(session)))
        box = session.open_box
        if box is not None and box.units:
            return self._close_command(session, box_type)
        result = session.choose_box_type(box_type)
        return Reply(result.outcome.value, good(result.message), [self._save(session)])

    def _park(self, session: PackingSession) -> Reply:
        if session.state is SessionState.COMPLETE:
            return Reply("refused_complete", bad(text.order_complete_already(session)))
        session.state = SessionState.PARKED
        self.parked[session.session_id] = session
        self.current = None
        writes: list[Effect] = [self._save(session)]
        return self._then_waiting(Reply("parked", good(text.parked(session)), writes))

    def _ask_cancel(self) -> Reply:
        session = self.current
        if session is None:
            if self.loading_key:
                key, self.loading_key = self.loading_key, ""
                return Reply("loading_stopped", info(text.loading_stopped(key)), order_key=key)
            return Reply("refused_no_order", bad(text.no_order_for(Command.CANCEL)))
        self._pending = "cancel"
        return Reply("cancel_asked", Feedback(Tone.WARNING, text.confirm_cancel(session)))

    def _confirm_cancel(self) -> Reply:
        session = self.current
        if session is None:  # cannot happen: the pending state is dropped with the session
            return Reply("refused_no_order", bad(text.no_order_for(Command.CANCEL)))
        box_ids = tuple(session.closed_box_ids())
        for box in session.boxes:
            if box.closed:
                box.state = BoxState.VOIDED
        session.state = SessionState.CANCELLED
        writes: list[Effect] = []
        if box_ids:
            writes.append(CancelDeliveries(session.session_id, box_ids))
        writes.append(self._save(session))
        self._finish_current()
        return self._then_waiting(Reply("cancelled", good(text.cancelled(session, len(box_ids))), writes))

    def _void(self, session: PackingSession) -> Reply:
        result = session.void_last_closed_box()
        if result.outcome is not PackOutcome.BOX_VOIDED:
            return Reply(result.outcome.value, bad(result.message))
        box = session.box(result.box_number)
        assert box is not None
        session.state = SessionState.PACKING
        snapshot = session.to_snapshot()
        writes: list[Effect] = [
            VoidBox(box.box_id, session.session_id, box.number, snapshot),
            self._save(session, snapshot),
        ]
        return Reply("box_voided", good(result.message), writes)

    # --- reprints and labels -----------------------------------------------------------------------

    def _reprint_last(self) -> Reply:
        last = self._last_label
        if last is None:
            return Reply("refused_no_label", bad(text.NO_LABEL_YET))
        effect = Reprint(box_id=last.box_id, tracking_number=last.tracking_number or None)
        return Reply("reprint", good(text.reprinting(last.order_id, last.box_number)), actions=[effect])

    def _reprint_target(self, scan: Scan) -> Reply:
        if scan.kind is ScanKind.BOX_TAG:
            return self._box_tag_alone(scan.value)
        found = self._find_box(tracking=scan.value)
        if found is None:
            effect = Reprint(tracking_number=scan.value)
            return Reply("reprint", good(text.reprinting_label(scan.value)), actions=[effect])
        session, box = found
        effect = Reprint(box_id=box.box_id, tracking_number=box.tracking_number)
        return Reply("reprint", good(text.reprinting(session.order.order_id, box.number)), actions=[effect])

    def _label_alone(self, tracking_number: str) -> Reply:
        found = self._find_box(tracking=tracking_number)
        where = (found[0].order.order_id, found[1].number) if found else None
        return Reply("refused_label", bad(text.label_scanned(where)))

    def _box_tag_alone(self, tag: str) -> Reply:
        found = self._find_box(tag=tag)
        box_id = box_id_from_tag(tag)
        if found is None:
            return Reply("reprint", info(text.looking_for_tag(tag)), actions=[Reprint(box_id=box_id)])
        session, box = found
        if not box.tracking_number:
            return Reply("refused_not_booked", info(text.tag_not_booked(session.order.order_id, box)))
        effect = Reprint(
            box_id=box.box_id if box.box_id is not None else box_id, tracking_number=box.tracking_number
        )
        return Reply("reprint", good(text.reprinting(session.order.order_id, box.number)), actions=[effect])
