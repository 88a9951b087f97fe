"""The station's words: feedback sentences, the "what next" prompt and the order header.

Kept apart from the state machine so the wording can be read and reviewed in one place. Every refusal
says what to do next; every prompt names the next scan.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from packstation.domain.packing import Box, BoxType, PackingOrder, PackingSession, SessionState
from packstation.domain.scans import Command
from packstation.domain.view import OrderHeader

if TYPE_CHECKING:
    from packstation.domain.station import Station

SIGN_IN_FIRST = "Sign in first: scan your badge (USER:your name)."
NO_ORDER = "No order is open: scan an order first."
NO_LABEL_YET = "No label printed at this bench yet. Scan a label or box tag after CMD:REPRINT to reprint it."


def _units(n: int) -> str:
    return f"{n} unit" if n == 1 else f"{n} units"


def signed_in(name: str) -> str:
    return f"Signed in: {name}."


def opened(order: PackingOrder) -> str:
    units = sum(line.expected for line in order.lines)
    lines = "1 line" if len(order.lines) == 1 else f"{len(order.lines)} lines"
    return f"Order {order.order_id}: {lines}, {_units(units)}. Scan the items."


def already_booked(order: PackingOrder) -> str:
    return (
        f"Order {order.order_id} already has {order.booked_parcels} booked parcel(s) "
        "from an earlier packing. "
        "Boxes you close now are added as more parcels. Wrong order? Scan CMD:CANCEL twice."
    )


def looking_up(key: str) -> str:
    return f"Opening order {key}…"


def still_loading(key: str) -> str:
    return f"Order {key} is still loading. Wait a moment."


def wait_for_order(key: str) -> str:
    return f"Order {key} is still loading: wait for its lines, then scan that again."


def loading_stopped(key: str) -> str:
    return f"Stopped opening order {key}. Scan an order."


def not_found(key: str, reason: str) -> str:
    reason = reason.strip()
    extra = f" ({reason.rstrip('.')})" if reason else ""
    return f"Order {key} not found{extra}. Check the pick list and scan it again, or ask your lead."


def nothing_to_pack(order_id: str) -> str:
    return f"Order {order_id} has no items to pack. Ask your lead to check it; scan the next order."


def already_open(session: PackingSession) -> str:
    return f"Order {session.order.order_id} is already open. Scan its items."


def order_complete_already(session: PackingSession) -> str:
    return f"Order {session.order.order_id} is complete. Scan the next order."


def finish_first(session: PackingSession, other: str) -> str:
    return (
        f"That is order {other}. Finish order {session.order.order_id} first, or park it (CMD:PARK) "
        f"or cancel it (CMD:CANCEL) to open order {other}."
    )


def resumed(session: PackingSession) -> str:
    box = session.open_box
    where = f", box {box.number} open" if box else ""
    return (
        f"Order {session.order.order_id} resumed: {session.scanned_units} of "
        f"{_units(session.expected_units)} packed{where}. Scan the items."
    )


def close_now(box_number: int) -> str:
    return f"All items packed: close box {box_number} (CMD:CLOSE-BOX or a box type)."


def stick_label() -> str:
    return "Stick its label on when it prints."


def order_done(session: PackingSession) -> str:
    count = sum(1 for b in session.boxes if b.closed)
    boxes = "1 box" if count == 1 else f"{count} boxes"
    return f"Order {session.order.order_id} complete ({boxes}). Stick the labels on; scan the next order."


def parked(session: PackingSession) -> str:
    return f"Order {session.order.order_id} parked: set it aside. Scan it again to go on."


def confirm_cancel(session: PackingSession) -> str:
    closed = sum(1 for b in session.boxes if b.closed)
    extra = f" Its {closed} closed box(es) will be cancelled." if closed else ""
    return f"Scan CMD:CANCEL again to cancel order {session.order.order_id}.{extra} Anything else keeps it."


def cancelled(session: PackingSession, deliveries: int) -> str:
    if deliveries:
        extra = f" {deliveries} label(s) are being cancelled: take them off, unpack the boxes."
    elif session.has_progress:
        extra = " Unpack its items and put them back."
    else:
        extra = ""
    return f"Order {session.order.order_id} cancelled.{extra} Scan the next order."


def no_order_for(command: Command) -> str:
    what = {
        Command.CLOSE_BOX: "no box to close",
        Command.NEW_BOX: "no box to start",
        Command.VOID_BOX: "no box to void",
        Command.PARK: "nothing to park",
        Command.CANCEL: "nothing to cancel",
        Command.REPRINT: "nothing to reprint",
    }[command]
    return f"No order is open, {what}. Scan an order first."


def unknown_box_type(code: str, types: Sequence[BoxType]) -> str:
    known = ", ".join(t.code for t in types) or "none configured"
    return f"Unknown box type {code} (known: {known}). Scan a box type from the command sheet."


def reprint_which(last: tuple[str, int] | None) -> str:
    if last is None:
        return "Reprint: scan the label or box tag to reprint."
    order_id, box_number = last
    return (
        f"Reprint: scan the label or box tag to reprint, or CMD:REPRINT again for the last label "
        f"(order {order_id}, box {box_number})."
    )


def reprinting(order_id: str, box_number: int) -> str:
    return f"Reprinting the label of box {box_number} (order {order_id})."


def reprinting_label(tracking_number: str) -> str:
    return f"Reprinting label {tracking_number}."


def label_scanned(where: tuple[str, int] | None) -> str:
    what = f"the label of box {where[1]} (order {where[0]})" if where else "a shipping label"
    return f"That is {what}, not an item. To reprint it: scan CMD:REPRINT, then the label."


def looking_for_tag(tag: str) -> str:
    return f"Looking for box {tag}: its label prints if it is booked."


def tag_not_booked(order_id: str, box: Box) -> str:
    return (
        f"Box {box.number} (order {order_id}) is not booked yet; its label prints by itself when it is. "
        "Set the box aside with its tag."
    )


def box_problem(order_id: str, box_number: int, problem: str) -> str:
    return f"Box {box_number} of order {order_id}: {problem}"


def restore_problems(problems: Sequence[str]) -> str:
    return f"{len(problems)} saved order(s) could not be restored: {problems[0]}. Tell your lead."


def header(session: PackingSession) -> OrderHeader:
    order = session.order
    return OrderHeader(
        order_id=order.order_id,
        customer=order.customer,
        shipping_method=order.shipping_method,
        destination=order.destination,
        source=session.source,
    )


def pending(kind: str, session: PackingSession | None) -> str:
    if kind == "cancel" and session is not None:
        return f"Scan CMD:CANCEL again to cancel order {session.order.order_id}"
    if kind == "reprint":
        return "Scan the label or box tag to reprint (CMD:REPRINT again: last label)"
    return ""


def prompt(station: Station) -> str:
    """The next step, in a few words."""
    session = station.current
    if not station.packer:
        return "Sign in: scan your badge"
    if session is None:
        if station.loading_key:
            return f"Opening order {station.loading_key}…"
        return "Scan an order or a parked order" if station.parked else "Scan an order"
    if session.state is SessionState.COMPLETE:
        return "Order complete: scan the next order"
    if station.waiting_order:
        return f"Finish, park (CMD:PARK) or cancel (CMD:CANCEL) order {session.order.order_id}"
    box = session.open_box
    if session.all_scanned and box is not None and box.units:
        return f"All packed: close box {box.number} (CMD:CLOSE-BOX or a box type)"
    if box is not None and box.units:
        return f"Scan the next item for box {box.number}, or close it"
    number = box.number if box is not None else len(session.boxes) + 1
    return f"Scan an item for box {number}"
