"""An item waiting to go out of this bench (an API operation or a print job), in words: what the app's
outbox view and ``packstation outbox`` both list (``services/queue_report.py`` makes them)."""

from __future__ import annotations

from enum import StrEnum

import msgspec


class ItemState(StrEnum):
    NEEDS_ATTENTION = "needs attention"  # the outbox gave up: a person must retry it or void the box
    PRINT_FAILED = "print failed"
    WAITING = "waiting to send"
    PRINTING = "waiting to print"


class ItemAction(StrEnum):
    RETRY = "retry"  # put a needs-attention operation back in the queue
    REPRINT = "reprint"  # print a failed print job again
    NONE = ""


class QueueItem(msgspec.Struct, frozen=True):
    state: ItemState
    what: str  # "Book order ORD-1 box 2 (tag BOX-000002)"
    detail: str  # the server's or printer's message, or when it goes next
    action: ItemAction
    ref: int  # the operation's or print job's id (``packstation outbox --retry OP_ID``)
