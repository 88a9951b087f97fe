"""What waits to go out of this bench, in words: API operations (the outbox) and print jobs.

One list for the app's outbox view (``gui/outbox_dialog.py``) and for ``packstation outbox``, so both
say the same: which item waits, failed or needs attention, named as the packer's screen names boxes
("order ORD-1 box 2 (tag BOX-000007)": the box's number within its order, not a database id), and what
can be done with it (retry, reprint).
"""

from __future__ import annotations

from typing import Any

from packstation.domain.outbox import OpKind, OpState, OutboxOp
from packstation.domain.printing import PrintJob, PrintJobKind, PrintJobState
from packstation.domain.queue_items import ItemAction, ItemState, QueueItem

_OP_WORDS = {
    OpKind.BOOK_BOX: "Book",
    OpKind.BOOK_PICKUP: "Book the pickup",
    OpKind.CANCEL_DELIVERY: "Cancel the parcel of",
    OpKind.PUBLISH_TRACKING_EVENT: "Send the packed event of",
    OpKind.CREATE_SHIPMENT_FROM_TOS: "Create the shipment of",
    # after the order's boxes: cancel parcels no box holds, release the "being packed" marker
    OpKind.SETTLE_ORDER: "Finish (spare parcels, being-packed mark)",
    OpKind.LEAVE_ORDER: "Release (left unpacked)",
}
_JOB_WORDS = {
    PrintJobKind.LABEL: "Label of",
    PrintJobKind.BOX_TAG: "Box tag of",
    PrintJobKind.TEST: "Test label",
    PrintJobKind.DOCUMENT: "Document",
}


def box_words(store: Any, box_id: int) -> str:
    """A box as the packer's screen names it: "order ORD-1 box 2 (tag BOX-000007)"."""
    try:
        box = store.boxes.get(box_id)
        session = store.sessions.get(box.session_id) or {}
    except Exception:  # a box the store cannot describe is still named by its id
        return f"box id {box_id}"
    boxes = (session.get("snapshot") or {}).get("boxes") or ()
    number = next((b.get("number") for b in boxes if b.get("box_id") == box_id), None)
    order = _plain(session.get("order_key"))
    named = f"order {order} " if order else ""
    shown = f"box {number}" if number is not None else f"box id {box_id}"
    return f"{named}{shown} (tag {box.local_tag})"


def _order_words(store: Any, op: OutboxOp) -> str:
    """An operation on a whole order: named by its order key where the session is known."""
    session_id = op.payload.get("session_id")
    try:
        session = store.sessions.get(session_id) if session_id else None
    except Exception:  # named by the shipment then
        session = None
    order = (session or {}).get("order_key") or ""
    return f"of order {order}" if order else f"shipment {op.shipment_id}"


def _plain(text: str | None) -> str:
    """One printable line: a scan or an error with control characters must neither garble a terminal nor
    lose them, so each is shown escaped (GS, the GS1 separator, as ``<GS>``; others as ``\\x07``)."""
    return "".join(c if c.isprintable() else _escaped(c) for c in (text or "").strip())


def _escaped(char: str) -> str:
    if char == "\x1d":
        return "<GS>"
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _op_item(store: Any, op: OutboxOp) -> QueueItem:
    verb = _OP_WORDS.get(op.kind, str(op.kind))
    target = box_words(store, op.box_id) if op.box_id is not None else _order_words(store, op)
    if op.state is OpState.NEEDS_ATTENTION:
        return QueueItem(
            ItemState.NEEDS_ATTENTION, f"{verb} {target}", _plain(op.last_error), ItemAction.RETRY, op.id
        )
    detail = _plain(op.last_error) or "not sent yet"
    return QueueItem(ItemState.WAITING, f"{verb} {target}", detail, ItemAction.NONE, op.id)


def _job_item(store: Any, job: PrintJob) -> QueueItem:
    words = _JOB_WORDS.get(job.kind, str(job.kind))
    target = f" {box_words(store, job.box_id)}" if job.box_id is not None else ""
    if job.state is PrintJobState.FAILED:
        detail = _plain(job.error)
        return QueueItem(ItemState.PRINT_FAILED, f"{words}{target}", detail, ItemAction.REPRINT, job.id)
    # a job the printer holds (paper ran out mid-label) carries the printer's fault in words as its detail
    detail = _plain(job.error) if job.state is PrintJobState.SENDING and job.error else "in the print queue"
    return QueueItem(ItemState.PRINTING, f"{words}{target}", detail, ItemAction.NONE, job.id)


def queue_items(store: Any) -> list[QueueItem]:
    """Needs attention first, then failed prints, then what simply waits."""
    ops = store.outbox.ops(states=(OpState.NEEDS_ATTENTION, OpState.PENDING, OpState.IN_FLIGHT))
    jobs = store.print_jobs.recent(
        states=(PrintJobState.FAILED, PrintJobState.QUEUED, PrintJobState.SENDING), limit=1000
    )
    items = [_op_item(store, op) for op in ops] + [_job_item(store, job) for job in jobs]
    order = list(ItemState)
    return sorted(items, key=lambda item: (order.index(item.state), item.ref))


def report_lines(items: list[QueueItem]) -> list[str]:
    """The list as ``packstation outbox`` prints it (and the outbox view shows it)."""
    if not items:
        return ["Nothing waiting: every operation is sent and every label printed."]
    lines = []
    for item in items:
        is_op = item.state in (ItemState.NEEDS_ATTENTION, ItemState.WAITING)
        ref = f"#{item.ref}" if is_op else f"print job {item.ref}"
        lines.append(f"  {ref} {item.state.value.upper()}: {item.what}: {item.detail}")
    return lines
