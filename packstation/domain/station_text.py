"""The station's words: feedback sentences, the "what next" prompt and the order header.

Kept apart from the state machine so the wording can be read and reviewed in one place. Every refusal
says what to do next; every prompt names the next scan.
"""

from __future__ import annotations

from collections.abc import Sequence

from packstation.domain.i18n import t
from packstation.domain.packing import Box, BoxType, PackingOrder, PackingSession, SessionState
from packstation.domain.scale import format_grams
from packstation.domain.scans import Command
from packstation.domain.station_state import Pending, StationState
from packstation.domain.view import OrderHeader


# Module attributes read at use time, so they follow the language chosen at start-up.
def __getattr__(name: str) -> str:
    english = _CONSTANTS.get(name)
    if english is None:
        raise AttributeError(name)
    return t(english)


_CONSTANTS = {
    "SIGN_IN_FIRST": "Sign in first: scan your badge (USER:your name).",
    "NO_ORDER": "No order is open: scan an order first.",
    "LEARN_DISABLED": (
        "Learning barcodes is switched off at this bench. Ask IT to turn on catalogue_learning, "
        "or import the catalogue (packstation catalogue import)."
    ),
    "NOTHING_TO_ACCEPT": "No box is held for its weight: nothing to accept.",
    "LEARN_SCAN_BARCODE": "Learning a barcode: scan the product's barcode.",
    "NO_LABEL_YET": (
        "No label printed at this bench yet. Scan a label or box tag after CMD:REPRINT to reprint it."
    ),
}


def _units(n: int) -> str:
    return t("{n} unit", n=n) if n == 1 else t("{n} units", n=n)


def signed_in(name: str) -> str:
    return t("Signed in: {name}.", name=name)


def opened(order: PackingOrder) -> str:
    units = sum(line.expected for line in order.lines)
    count = len(order.lines)
    lines = t("{n} line", n=count) if count == 1 else t("{n} lines", n=count)
    if order.parcels_on_shipment > 1:  # the shipment says so up front: the packer plans the boxes
        return t(
            "Order {order}: {lines}, {units}, {parcels} parcels expected. Scan the items.",
            order=order.order_id,
            lines=lines,
            units=_units(units),
            parcels=order.parcels_on_shipment,
        )
    return t(
        "Order {order}: {lines}, {units}. Scan the items.",
        order=order.order_id,
        lines=lines,
        units=_units(units),
    )


def already_booked(order: PackingOrder) -> str:
    return t(
        "Order {order} already has {parcels} booked parcel(s) from an earlier packing. "
        "New boxes get new parcels; a parcel booked elsewhere is never reused. "
        "Wrong order? Scan CMD:CANCEL twice.",
        order=order.order_id,
        parcels=order.booked_parcels,
    )


def looking_up(key: str) -> str:
    return t("Opening order {order}…", order=key)


def still_loading(key: str) -> str:
    return t("Order {order} is still loading. Wait a moment.", order=key)


def wait_for_order(key: str) -> str:
    return t("Order {order} is still loading: wait for its lines, then scan that again.", order=key)


def loading_stopped(key: str) -> str:
    return t("Stopped opening order {order}. Scan an order.", order=key)


def not_found(key: str, reason: str) -> str:
    reason = reason.strip()
    extra = f" ({reason.rstrip('.')})" if reason else ""
    return t(
        "Order {order} not found{reason}. Check the pick list and scan it again, or ask your lead.",
        order=key,
        reason=extra,
    )


def lookup_failed(key: str, reason: str) -> str:
    """A look-up that got no usable answer: says nothing about whether the order exists."""
    return t(
        "Could not open order {order}: {reason}. Nothing was changed: scan it again; if it keeps failing, "
        "call your lead.",
        order=key,
        reason=reason.strip().rstrip(".") or "no answer",
    )


def nothing_to_pack(order_id: str) -> str:
    return t(
        "Order {order} has no items to pack. Ask your lead to check it; scan the next order.", order=order_id
    )


def already_open(session: PackingSession) -> str:
    return t("Order {order} is already open. Scan its items.", order=session.order.order_id)


def order_complete_already(session: PackingSession) -> str:
    return t("Order {order} is complete. Scan the next order.", order=session.order.order_id)


def finish_first(session: PackingSession, other: str) -> str:
    return t(
        "That is order {other}. Finish order {order} first, or park it (CMD:PARK) "
        "or cancel it (CMD:CANCEL) to open order {other}.",
        other=other,
        order=session.order.order_id,
    )


def resumed(session: PackingSession) -> str:
    box = session.open_box
    where = t(", box {box} open", box=box.number) if box else ""
    return t(
        "Order {order} resumed: {done} of {units} packed{where}. Scan the items.",
        order=session.order.order_id,
        done=session.scanned_units,
        units=_units(session.expected_units),
        where=where,
    )


def close_now(box_number: int) -> str:
    return t("All items packed: close box {box} (CMD:CLOSE-BOX or a box type).", box=box_number)


def type_weight_instead() -> str:
    return t("Until it is back, type each box's weight (for example W:1.25kg).")


def weight_typed(grams_text: str, box: int | None) -> str:
    if box is None:
        return t("Weight {weight} noted for the next box.", weight=grams_text)
    return t("Weight {weight} noted for box {box}.", weight=grams_text, box=box)


def weight_refused(reason: str) -> str:
    return t("Box not closed. {reason}, then close the box again.", reason=reason)


def close_waits_for_weight(box: int, reason: str) -> str:
    return t("Box {box} not closed yet. {reason}; it closes by itself then.", box=box, reason=reason)


def typed_weight_off() -> str:
    return t("Typed weights are switched off at this bench: weigh the box on the scale.")


def stick_label() -> str:
    return t("Stick its label on when it prints.")


def order_done(session: PackingSession) -> str:
    count = sum(1 for b in session.boxes if b.closed)
    boxes = t("{n} box", n=count) if count == 1 else t("{n} boxes", n=count)
    return t(
        "Order {order} complete ({boxes}). Stick the labels on; scan the next order.",
        order=session.order.order_id,
        boxes=boxes,
    )


def order_done_with_tags(session: PackingSession, tagged: int) -> str:
    """Complete, but offline: some boxes carry only a box tag ("NOT A SHIPPING LABEL") for now."""
    count = sum(1 for b in session.boxes if b.closed)
    boxes = t("{n} box", n=count) if count == 1 else t("{n} boxes", n=count)
    tags = t("1 box has a box tag", n=tagged) if tagged == 1 else t("{n} boxes have box tags", n=tagged)
    return t(
        "Order {order} complete ({boxes}). {tags}, not shipping labels: their real labels print when "
        "the connection is back. Scan the next order.",
        order=session.order.order_id,
        boxes=boxes,
        tags=tags,
    )


def parked(session: PackingSession) -> str:
    return t("Order {order} parked: set it aside. Scan it again to go on.", order=session.order.order_id)


def confirm_cancel(session: PackingSession) -> str:
    closed = sum(1 for b in session.boxes if b.closed)
    extra = t(" Its {n} closed box(es) will be cancelled.", n=closed) if closed else ""
    return t(
        "Scan CMD:CANCEL again to cancel order {order}.{extra} Anything else keeps it.",
        order=session.order.order_id,
        extra=extra,
    )


def confirm_void(order_id: str, box_number: int) -> str:
    return t(
        "Scan CMD:VOID-BOX again to void box {box} of order {order} (its label is cancelled). "
        "Anything else keeps it.",
        box=box_number,
        order=order_id,
    )


def closed_and_started(closed: str, box_number: int) -> str:
    """CMD:NEW-BOX with items in the open box: it was closed and the next one started."""
    return t("{closed} Box {box} started: scan its items.", closed=closed, box=box_number)


def cancelled(session: PackingSession, deliveries: int) -> str:
    if deliveries:
        extra = t(" {n} label(s) are being cancelled: take them off, unpack the boxes.", n=deliveries)
    elif session.has_progress:
        extra = t(" Unpack its items and put them back.")
    else:
        extra = ""
    return t(
        "Order {order} cancelled.{extra} Scan the next order.", order=session.order.order_id, extra=extra
    )


def no_order_for(command: Command) -> str:
    what = {
        Command.CLOSE_BOX: "no box to close",
        Command.NEW_BOX: "no box to start",
        Command.VOID_BOX: "no box to void",
        Command.PARK: "nothing to park",
        Command.CANCEL: "nothing to cancel",
        Command.REPRINT: "nothing to reprint",
        Command.ACCEPT_WEIGHT: "no box to accept",
        Command.LEARN: "nothing to learn",
    }[command]
    return t("No order is open, {what}. Scan an order first.", what=t(what))


def unknown_box_type(code: str, types: Sequence[BoxType]) -> str:
    known = ", ".join(b.code for b in types) or t("none configured")
    return t(
        "Unknown box type {code} (known: {known}). Scan a box type from the command sheet.",
        code=code,
        known=known,
    )


def reprint_which(last: tuple[str, int] | None) -> str:
    if last is None:
        return t("Reprint: scan the label or box tag to reprint.")
    order_id, box_number = last
    return t(
        "Reprint: scan the label or box tag to reprint, or CMD:REPRINT again for the last label "
        "(order {order}, box {box}).",
        order=order_id,
        box=box_number,
    )


def reprinting(order_id: str, box_number: int) -> str:
    return t("Reprinting the label of box {box} (order {order}).", box=box_number, order=order_id)


def reprinting_label(tracking_number: str) -> str:
    return t("Reprinting label {tracking}.", tracking=tracking_number)


def label_scanned(where: tuple[str, int] | None) -> str:
    if where:
        what = t("the label of box {box} (order {order})", box=where[1], order=where[0])
    else:
        what = t("a shipping label")
    return t("That is {what}, not an item. To reprint it: scan CMD:REPRINT, then the label.", what=what)


def looking_for_tag(tag: str) -> str:
    return t("Looking for box {tag}: its label prints if it is booked.", tag=tag)


def tag_not_booked(order_id: str, box: Box) -> str:
    return t(
        "Box {box} (order {order}) is not booked yet; its label prints by itself when it is. "
        "Set the box aside with its tag.",
        box=box.number,
        order=order_id,
    )


def preview_caption(order_id: str, box_number: int, *, other_order: bool) -> str:
    if other_order:
        return t("Previous order {order}, box {box}", order=order_id, box=box_number)
    return t("Order {order}, box {box}", order=order_id, box=box_number)


def box_problem(order_id: str, box_number: int, problem: str) -> str:
    return t("Box {box} of order {order}: {problem}", box=box_number, order=order_id, problem=problem)


def restore_problems(problems: Sequence[str]) -> str:
    return t(
        "{n} saved order(s) could not be restored: {first}. Tell your lead.",
        n=len(problems),
        first=problems[0],
    )


def header(session: PackingSession) -> OrderHeader:
    order = session.order
    return OrderHeader(
        order_id=order.order_id,
        customer=order.customer,
        shipping_method=order.shipping_method,
        destination=order.destination,
        source=session.source,
        parcels_expected=order.parcels_on_shipment,
    )


def pending(kind: Pending, session: PackingSession | None) -> str:
    if kind is Pending.CANCEL and session is not None:
        return t("Scan CMD:CANCEL again to cancel order {order}", order=session.order.order_id)
    if kind is Pending.VOID and session is not None and session.last_closed_box() is not None:
        box = session.last_closed_box()
        assert box is not None
        return t("Scan CMD:VOID-BOX again to void box {box}", box=box.number)
    if kind is Pending.REPRINT:
        return t("Scan the label or box tag to reprint (CMD:REPRINT again: last label)")
    if kind is Pending.LEARN_CODE:
        return t("Learning: scan the product's barcode")
    if kind is Pending.LEARN_SKU:
        return t("Learning: scan the SKU label")
    return ""


def prompt(state: StationState) -> str:
    """The next step, in a few words."""
    session = state.current
    if not state.packer:
        return t("Sign in: scan your badge")
    if session is None:
        if state.loading_key:
            return t("Opening order {order}…", order=state.loading_key)
        return t("Scan an order or a parked order") if state.parked else t("Scan an order")
    if session.state is SessionState.COMPLETE:
        return t("Order complete: scan the next order")
    if state.waiting_order:
        return t("Finish, park (CMD:PARK) or cancel (CMD:CANCEL) order {order}", order=session.order.order_id)
    box = session.open_box
    if session.all_scanned and box is not None and box.units:
        return t("All packed: close box {box} (CMD:CLOSE-BOX or a box type)", box=box.number)
    if box is not None and box.units:
        return t("Scan the next item for box {box}, or close it", box=box.number)
    number = box.number if box is not None else len(session.boxes) + 1
    return t("Scan an item for box {box}", box=number)


def item_without_order(gtin: str) -> str:
    return t("Product {gtin} scanned, but no order is open: scan the order's pick list first.", gtin=gtin)


def learn_scan_sku(code: str, known_sku: str) -> str:
    now = t(" (now {sku})", sku=known_sku) if known_sku else ""
    return t("Learning {code}{now}: scan the SKU label it means.", code=code, now=now)


def learn_refused(problem: str) -> str:
    return t("Not learned: {problem}. Scan CMD:LEARN to start again.", problem=problem)


def learned(code: str, sku: str) -> str:
    return t("Learned: barcode {code} is {sku}. Scan it again to pack it.", code=code, sku=sku)


def weight_off(box: int, actual_g: int, expected_g: float) -> str:
    return t(
        "Box {box} weighs {actual}, expected {expected}: check its contents "
        "(a supervisor may scan CMD:ACCEPT-WEIGHT)",
        box=box,
        actual=format_grams(actual_g),
        expected=format_grams(round(expected_g)),
    )


def weight_accepted(packer: str, reason: str) -> str:
    return t("Weight accepted by {packer}. {reason}", packer=packer or "?", reason=reason)


def unknown_case_code() -> str:
    return t("It looks like a case code (GTIN-14): IT can add it to the catalogue with its units.")


def choose_first(order_id: str, count: int, booked_at: str) -> str:
    """The order has parcels booked that this station did not make: the packer must choose."""
    when = t(" booked {time}", time=booked_at) if booked_at else ""
    return t(
        "Already packed: order {order} has {n} parcel(s){when}, not by this bench. Choose: CMD:REPRINT "
        "prints their labels and leaves the order, CMD:PACK-EXTRA packs extra boxes (each gets a new "
        "parcel), CMD:CANCEL leaves the order.",
        order=order_id,
        n=count,
        when=when,
    )


def packing_extra(order_id: str, count: int) -> str:
    return t(
        "Packing extra boxes for order {order}: each gets a new parcel; the {n} parcel(s) booked "
        "elsewhere stay as they are.",
        order=order_id,
        n=count,
    )


def reprinting_foreign(order_id: str, count: int) -> str:
    return t(
        "Printing the {n} label(s) of order {order} booked elsewhere; the order is left as it is. "
        "Scan the next order.",
        order=order_id,
        n=count,
    )


def left_foreign(order_id: str) -> str:
    return t("Order {order} left as it is (packed elsewhere). Scan the next order.", order=order_id)


def being_packed_at(station: str, since: str) -> str:
    """Another bench's advisory marker (a warning, not a lock)."""
    return t(
        "Being packed at {station} since {time}: check with that bench before packing.",
        station=station,
        time=since,
    )


def parcels_unknown() -> str:
    return t("Ingrid's answer did not list this order's parcels; nothing is booked until they are known.")
