"""The scan log's vocabulary: what handling one scan came to, as a short machine word.

Each scan's ``LogScan`` effect carries one ``Outcome``; the store writes its value into ``scans.outcome``
and the statistics count errors by it (``domain/stats.py``), so the values are stored data: never
rename one. The packing session's own results (``PackOutcome``) are logged as the outcome of the same
value, hence the members that repeat them.
"""

from __future__ import annotations

from enum import StrEnum

from packstation.domain.packing import PackOutcome


class Outcome(StrEnum):
    # sign-in and refusals before anything is looked at
    GARBAGE = "garbage"
    SIGNED_IN = "signed_in"
    REFUSED_NO_PACKER = "refused_no_packer"
    # opening orders
    ORDER_LOOKUP = "order_lookup"
    ORDER_LOADING = "order_loading"
    ORDER_OPENED = "order_opened"
    ORDER_RESUMED = "order_resumed"
    ORDER_EMPTY = "order_empty"
    ORDER_ALREADY_OPEN = "order_already_open"
    LOADING_STOPPED = "loading_stopped"
    REFUSED_LOADING = "refused_loading"
    REFUSED_ORDER_OPEN = "refused_order_open"
    REFUSED_NO_ORDER = "refused_no_order"
    REFUSED_COMPLETE = "refused_complete"
    # packing (the first nine repeat PackOutcome)
    ADDED = "added"
    OVER_SCAN = "over_scan"
    NOT_IN_ORDER = "not_in_order"
    UNKNOWN_CODE = "unknown_code"
    BOX_CLOSED = "box_closed"
    BOX_OPENED = "box_opened"
    BOX_TYPE_SET = "box_type_set"
    BOX_VOIDED = "box_voided"
    VOID_ASKED = "void_asked"  # the first CMD:VOID-BOX: the second one voids
    REFUSED = "refused"
    DUPLICATE_SERIAL = "duplicate_serial"
    REFUSED_EMPTY_BOX = "refused_empty_box"
    REFUSED_BOX_TYPE = "refused_box_type"
    # weights
    WEIGHT_TYPED = "weight_typed"
    REFUSED_WEIGHT = "refused_weight"
    REFUSED_WEIGHT_TYPED = "refused_weight_typed"
    WEIGHT_ACCEPTED = "weight_accepted"  # CMD:ACCEPT-WEIGHT closed a box held for its weight
    # park and cancel
    PARKED = "parked"
    CANCEL_ASKED = "cancel_asked"
    CANCELLED = "cancelled"
    # reprints and labels
    REPRINT_ASKED = "reprint_asked"
    REPRINT = "reprint"
    REFUSED_NO_LABEL = "refused_no_label"
    REFUSED_LABEL = "refused_label"
    REFUSED_NOT_BOOKED = "refused_not_booked"
    # the catalogue taught at the bench (CMD:LEARN)
    LEARN_ASKED = "learn_asked"
    LEARNED = "learned"
    REFUSED_LEARN = "refused_learn"
    # an order with parcels booked elsewhere: the packer's choice, and scans refused until it is made
    FOREIGN_CHOICE = "foreign_choice"
    REFUSED_CHOOSE_FIRST = "refused_choose_first"
    # logged by the window: a scan that arrived while a dialog was open, not used (nothing changed)
    HELD_DIALOG_OPEN = "held_dialog_open"
    # logged by the runtime when handling a scan raised (the station itself never returns it)
    INTERNAL_ERROR = "internal_error"

    @classmethod
    def of(cls, result: PackOutcome) -> Outcome:
        """The logged outcome of a packing session's result (same word)."""
        return cls(result.value)
