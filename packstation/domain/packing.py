"""Packing one order into boxes: which units are scanned, which box they are in, which boxes are closed.

``PackingSession`` is plain data plus rules, no I/O. It answers each operation with a ``PackResult``
(outcome + a sentence for the packer). Rules:

* An item scan matches a line by SKU, by the barcode alias table, or by SKU ignoring case. A match whose
  line is already full is an over-scan. A code that is a known SKU or alias of something else is "not
  in this order"; any other code is "unknown". Only added units change anything.
* The first item opens box 1; an item scanned when no box is open opens the next box.
* ``close_box`` refuses an empty box. ``new_box`` starts another box only when no box is open; a box
  with items must be closed first (so no box is closed with a type the packer did not choose).
* ``void_last_closed_box`` marks the last closed box voided and puts its units back to "not scanned"; the
  voided box stays in the list (the packer must see what to unpack) but counts for nothing.
* Box numbers are never reused: a box after a voided box 2 is box 3. The store maps boxes to parcels.
* The session is complete when every expected unit is in a closed box and no box is open.

``to_snapshot``/``from_snapshot`` round-trip the whole session through JSON-safe data, so a parked order
or one open at a crash resumes exactly where it was.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import Any

import msgspec

from packstation.domain.catalogue import ItemCatalogue
from packstation.domain.frozen import freeze
from packstation.domain.i18n import t
from packstation.domain.item_codes import ItemCode
from packstation.domain.packing_box import Box, TrackedUnit
from packstation.domain.packing_order import (
    DEFAULT_BOX_TYPES,
    AliasCsvError,
    BoxType,
    OrderLine,
    PackingOrder,
    order_from_shipment,
    parse_alias_csv,
)
from packstation.domain.view import BoxState, BoxView, LineView

__all__ = [
    "DEFAULT_BOX_TYPES",
    "AliasCsvError",
    "Box",
    "BoxType",
    "OrderLine",
    "PackOutcome",
    "PackResult",
    "PackingOrder",
    "PackingSession",
    "SessionState",
    "SnapshotError",
    "order_from_shipment",
    "parse_alias_csv",
]

SNAPSHOT_VERSION = 1


class PackOutcome(StrEnum):
    ADDED = "added"
    OVER_SCAN = "over_scan"
    NOT_IN_ORDER = "not_in_order"
    UNKNOWN_CODE = "unknown_code"
    BOX_CLOSED = "box_closed"
    BOX_OPENED = "box_opened"
    BOX_TYPE_SET = "box_type_set"
    BOX_VOIDED = "box_voided"
    REFUSED = "refused"  # a command with nothing to act on; the message says what to do instead
    DUPLICATE_SERIAL = "duplicate_serial"  # this serial number is already packed in the order


_GOOD = {PackOutcome.ADDED, PackOutcome.BOX_CLOSED, PackOutcome.BOX_OPENED, PackOutcome.BOX_TYPE_SET}


class SessionState(StrEnum):
    PACKING = "packing"
    PARKED = "parked"
    COMPLETE = "complete"
    CANCELLED = "cancelled"


class SnapshotError(ValueError):
    """A saved session that cannot be read back."""


class PackResult(msgspec.Struct, frozen=True):
    outcome: PackOutcome
    message: str
    sku: str = ""
    box_number: int = 0
    warning: str = ""  # an added unit the packer must look at (an expired lot)

    @property
    def ok(self) -> bool:
        return self.outcome in _GOOD


def named(sku: str, name: str) -> str:
    """How a message names a product: "Black tee M (ACME-TEE-BLK-M)" when its name is known, else the SKU."""
    name = name.strip()
    return f"{name} ({sku})" if name and name != sku else sku


def _units(n: int) -> str:
    return t("{n} unit", n=n) if n == 1 else t("{n} units", n=n)


class PackingSession:
    """The packing of one order at the bench (see the module docstring for the rules)."""

    def __init__(
        self,
        order: PackingOrder,
        *,
        session_id: str,
        aliases: Mapping[str, str] | ItemCatalogue | None = None,
        catalogue: frozenset[str] = frozenset(),
        source: str = "",
    ) -> None:
        self.order = order
        self.session_id = session_id
        self.source = source
        self.state = SessionState.PACKING
        self.boxes: list[Box] = []
        self.aliases = ItemCatalogue.of(aliases)  # barcode -> SKU (and units per scan)
        self.catalogue = catalogue  # SKUs known to exist (other orders), for "not in this order"
        self._lines = {line.sku: line for line in order.lines}
        if len(self._lines) != len(order.lines):
            raise ValueError(f"order {order.order_id} lists a SKU twice; merge its lines first")
        self._folded = {line.sku.casefold(): line.sku for line in order.lines}
        self._scanned: dict[str, int] = dict.fromkeys(self._lines, 0)
        # The screen's line list is rebuilt on every scan; keep it and change only the line that moved
        # (a 200-line order must stay well under a frame per scan).
        self._index = {line.sku: i for i, line in enumerate(order.lines)}
        self._views: list[LineView] = []
        self._views_tuple: tuple[LineView, ...] | None = None
        self._remaining = 0
        # One unit's weight per SKU learned from catalogue rows scanned (order weights come first).
        self._catalogue_weight: dict[str, float] = {}
        self._order_json: dict[str, Any] | None = None  # the order part of every snapshot, read-only
        self._rebuild_counts()

    # --- questions ---------------------------------------------------------------------------------

    def line(self, sku: str) -> OrderLine | None:
        return self._lines.get(sku)

    def scanned(self, sku: str) -> int:
        return self._scanned.get(sku, 0)

    @property
    def scanned_units(self) -> int:
        return self.expected_units - self._remaining

    @property
    def expected_units(self) -> int:
        return sum(line.expected for line in self.order.lines)

    @property
    def open_box(self) -> Box | None:
        last = self.boxes[-1] if self.boxes else None
        return last if last is not None and last.state is BoxState.OPEN else None

    @property
    def all_scanned(self) -> bool:
        return self._remaining == 0

    @property
    def is_complete(self) -> bool:
        box = self.open_box
        return self.all_scanned and (box is None or box.units == 0)

    @property
    def has_progress(self) -> bool:
        """True once anything happened that abandoning would lose (a unit scanned or a box closed)."""
        return any(box.units or box.state is not BoxState.OPEN for box in self.boxes)

    def last_closed_box(self) -> Box | None:
        return next((b for b in reversed(self.boxes) if b.closed), None)

    def box(self, number: int) -> Box | None:
        return next((b for b in self.boxes if b.number == number), None)

    def closed_box_ids(self) -> list[int]:
        """Store ids of every closed, not voided box (what cancelling the order must cancel)."""
        return [b.box_id for b in self.boxes if b.closed and b.box_id is not None]

    def resolve(self, code: str) -> str | None:
        """The SKU of this order that ``code`` means, or None."""
        if code in self._lines:
            return code
        alias = self.aliases.get(code)
        if alias is not None and alias in self._lines:
            return alias
        return self._folded.get(code.casefold())

    def expected_weight_g(self, box: Box) -> float | None:
        """What ``box``'s goods should weigh (the order's unit weights, else the catalogue's), or None
        when any of its SKUs has no known weight (then nothing is checked)."""
        total = 0.0
        for sku, qty in box.items.items():
            line = self._lines.get(sku)
            unit = line.weight_g if line is not None and line.weight_g else self._catalogue_weight.get(sku)
            if not unit:
                return None
            total += unit * qty
        return total

    def is_known_elsewhere(self, code: str) -> bool:
        return code in self.aliases or code in self.catalogue or self.aliases.has_sku(code)

    # --- operations --------------------------------------------------------------------------------

    def units_per_scan(self, code: str, sku: str, item: ItemCode | None = None) -> int:
        """How many units of ``sku`` one scan of ``code`` stands for: a case pack's count (catalogue
        ``units``, or AI 37 with AI 02 in a GS1 barcode), else 1."""
        if item is not None and item.count and item.count > 0:
            return item.count
        entry = self.aliases.entry(code)
        return entry.units if entry is not None and entry.sku == sku else 1

    def serial_packed(self, sku: str, serial: str) -> int | None:
        """The box number holding ``sku`` with serial ``serial`` (voided boxes do not count)."""
        for box in self.boxes:
            if box.state is BoxState.VOIDED:
                continue
            if any(u.sku == sku and u.serial == serial for u in box.tracked):
                return box.number
        return None

    def add_item(self, code: str, *, item: ItemCode | None = None, today: date | None = None) -> PackResult:
        """Pack one scan of ``code`` (``item``: its GS1 reading, with lot/serial/dates to keep)."""
        order_id = self.order.order_id
        sku = self.resolve(code)
        if sku is None:
            if self.is_known_elsewhere(code):
                other = self.aliases.get(code, code)
                entry = self.aliases.entry(code)
                shown = named(other, entry.name if entry is not None and entry.sku == other else "")
                return PackResult(
                    PackOutcome.NOT_IN_ORDER,
                    t("Wrong item: {sku} is not in order {order}. Put it back.", sku=shown, order=order_id),
                    sku=other,
                )
            return PackResult(
                PackOutcome.UNKNOWN_CODE,
                t(
                    "Unknown barcode {code}: not an item of order {order}. "
                    "Put it aside, scan the right item.",
                    code=code,
                    order=order_id,
                ),
            )
        line = self._lines[sku]
        done = self._scanned[sku]
        units = self.units_per_scan(code, sku, item)
        product = named(sku, line.name)  # errors name the product first, then its SKU
        if item is not None and item.serial:
            holder = self.serial_packed(sku, item.serial)
            if holder is not None:
                return PackResult(
                    PackOutcome.DUPLICATE_SERIAL,
                    t(
                        "Serial {serial} of {sku} is already packed in box {box}: this is the same unit "
                        "scanned twice, or a copied label. Put it aside.",
                        serial=item.serial,
                        sku=product,
                        box=holder,
                    ),
                    sku=sku,
                )
        if units > 1 and done < line.expected and done + units > line.expected:
            return PackResult(
                PackOutcome.OVER_SCAN,
                t(
                    "Too many: this case holds {units} of {sku}, only {left} still needed. "
                    "Open the case and scan single units.",
                    units=units,
                    sku=product,
                    left=line.expected - done,
                ),
                sku=sku,
            )
        if done >= line.expected:
            packed = t("it is packed") if line.expected == 1 else t("all {n} are packed", n=line.expected)
            return PackResult(
                PackOutcome.OVER_SCAN,
                t(
                    "Too many: {sku} needs {n}, {packed}. Put this one back.",
                    sku=product,
                    n=line.expected,
                    packed=packed,
                ),
                sku=sku,
            )
        box = self.open_box
        if box is None:
            box = Box(number=len(self.boxes) + 1)
            self.boxes.append(box)
        box.items[sku] = box.items.get(sku, 0) + units
        self._set_scanned(sku, done + units)
        entry = self.aliases.entry(code)
        if entry is not None and entry.sku == sku and entry.weight_g:
            self._catalogue_weight[sku] = entry.weight_g / entry.units
        warning = ""
        if item is not None and item.tracked:
            box.tracked.append(
                TrackedUnit(
                    sku=sku,
                    lot=item.lot,
                    serial=item.serial,
                    expiry=item.expiry.isoformat() if item.expiry else "",
                    best_before=item.best_before.isoformat() if item.best_before else "",
                    gtin=item.gtin,
                    units=units,
                )
            )
            if today is not None and item.expiry is not None and item.expiry < today:
                lot = t(" (lot {lot})", lot=item.lot) if item.lot else ""
                warning = t(
                    "Expired{lot}: {sku} expired on {date}. Check with your supervisor before it ships.",
                    lot=lot,
                    sku=product,
                    date=item.expiry.isoformat(),
                )
        name = f" {line.name}" if line.name and line.name != sku else ""
        case = t(" (case of {units})", units=units) if units > 1 else ""
        message = t(
            "{sku}{name}{case}: {done} of {n}, box {box}",
            sku=sku,
            name=name,
            case=case,
            done=done + units,
            n=line.expected,
            box=box.number,
        )
        return PackResult(
            PackOutcome.ADDED,
            f"{message}. {warning}" if warning else message,
            sku=sku,
            box_number=box.number,
            warning=warning,
        )

    def close_box(self, box_type: BoxType | None = None) -> PackResult:
        """Close the open box as ``box_type`` (None: the type chosen for it beforehand, if any)."""
        box = self.open_box
        if box is None or box.units == 0:
            which = t("Box {box} is empty", box=box.number) if box else t("No box is open")
            return PackResult(PackOutcome.REFUSED, t("{which}: scan an item first.", which=which))
        if box_type is not None:
            box.box_type, box.dims_mm = box_type.code, box_type.dims_mm
        box.state = BoxState.QUEUED
        kind = f" ({box.box_type})" if box.box_type else ""
        return PackResult(
            PackOutcome.BOX_CLOSED,
            t("Box {box}{kind} closed with {units}.", box=box.number, kind=kind, units=_units(box.units)),
            box_number=box.number,
        )

    def choose_box_type(self, box_type: BoxType) -> PackResult:
        """Set the type of the open, still empty box (opening the next box if none is open), so that
        closing it (by command or by auto-close) uses that type."""
        box = self.open_box
        if box is None:
            box = Box(number=len(self.boxes) + 1)
            self.boxes.append(box)
        box.box_type, box.dims_mm = box_type.code, box_type.dims_mm
        return PackResult(
            PackOutcome.BOX_TYPE_SET,
            t(
                "Box {box} will be {name} ({code}). Scan its items.",
                box=box.number,
                name=box_type.name,
                code=box_type.code,
            ),
            box_number=box.number,
        )

    def new_box(self) -> PackResult:
        box = self.open_box
        if box is not None and box.units:
            return PackResult(
                PackOutcome.REFUSED,
                t(
                    "Box {box} is still open with {units}: close it first (CMD:CLOSE-BOX or a box type).",
                    box=box.number,
                    units=_units(box.units),
                ),
                box_number=box.number,
            )
        if box is not None:
            return PackResult(
                PackOutcome.REFUSED, t("Box {box} is open and empty: scan its items.", box=box.number)
            )
        if self.all_scanned:
            return PackResult(
                PackOutcome.REFUSED, t("Order {order} is fully packed.", order=self.order.order_id)
            )
        box = Box(number=len(self.boxes) + 1)
        self.boxes.append(box)
        return PackResult(
            PackOutcome.BOX_OPENED,
            t("Box {box} started. Scan its items.", box=box.number),
            box_number=box.number,
        )

    def void_last_closed_box(self) -> PackResult:
        box = self.last_closed_box()
        if box is None:
            return PackResult(PackOutcome.REFUSED, t("No closed box to void in this order."))
        for sku, qty in box.items.items():
            self._set_scanned(sku, self._scanned[sku] - qty)
        box.state = BoxState.VOIDED
        box.problem = ""
        return PackResult(
            PackOutcome.BOX_VOIDED,
            t(
                "Box {box} voided: take its label off, unpack its {units} and scan them again.",
                box=box.number,
                units=_units(box.units),
            ),
            box_number=box.number,
        )

    def drop_empty_open_box(self) -> None:
        """Forget an open box that never got an item (the order is done without it)."""
        box = self.open_box
        if box is not None and box.units == 0:
            self.boxes.pop()

    def _set_scanned(self, sku: str, count: int) -> None:
        line = self._lines[sku]
        self._remaining -= count - self._scanned[sku]
        self._scanned[sku] = count
        self._views[self._index[sku]] = LineView(line.sku, line.name, line.expected, count)
        self._views_tuple = None

    def _rebuild_counts(self) -> None:
        self._views = [
            LineView(ln.sku, ln.name, ln.expected, self._scanned[ln.sku]) for ln in self.order.lines
        ]
        self._views_tuple = None
        self._remaining = sum(ln.expected - self._scanned[ln.sku] for ln in self.order.lines)

    # --- screen ------------------------------------------------------------------------------------

    def lines_view(self) -> tuple[LineView, ...]:
        if self._views_tuple is None:
            self._views_tuple = tuple(self._views)
        return self._views_tuple

    def boxes_view(self) -> tuple[BoxView, ...]:
        return tuple(box.view() for box in self.boxes)

    # --- persistence -------------------------------------------------------------------------------

    def to_snapshot(self) -> dict[str, Any]:
        """The session as JSON-safe data. Its ``"order"`` part is the same read-only value in every
        snapshot of this session (the order never changes while it is packed; see ``domain/frozen.py``):
        change a copy of it, never it."""
        if self._order_json is None:
            self._order_json = freeze(self.order.to_json())
        return {
            "version": SNAPSHOT_VERSION,
            "session_id": self.session_id,
            "state": self.state.value,
            "source": self.source,
            "order": self._order_json,
            "boxes": [box.to_json() for box in self.boxes],
        }

    @classmethod
    def from_snapshot(
        cls,
        data: Mapping[str, Any],
        *,
        aliases: Mapping[str, str] | ItemCatalogue | None = None,
        catalogue: frozenset[str] = frozenset(),
    ) -> PackingSession:
        try:
            if data.get("version") != SNAPSHOT_VERSION:
                raise SnapshotError(
                    f"saved session has version {data.get('version')!r}, not {SNAPSHOT_VERSION}"
                )
            session = cls(
                PackingOrder.from_json(data["order"]),
                session_id=str(data["session_id"]),
                aliases=aliases,
                catalogue=catalogue,
                source=str(data.get("source", "")),
            )
            session.state = SessionState(data["state"])
            session.boxes = [Box.from_json(b) for b in data["boxes"]]
        except SnapshotError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            raise SnapshotError(f"saved session cannot be read: {type(exc).__name__}: {exc}") from None
        for box in session.boxes:
            if box.state is BoxState.VOIDED:
                continue
            for sku, qty in box.items.items():
                if sku not in session._scanned or qty < 0:
                    raise SnapshotError(f"saved session: box {box.number} holds {sku!r}, not in the order")
                session._scanned[sku] += qty
        for sku, line in session._lines.items():
            if session._scanned[sku] > line.expected:
                raise SnapshotError(f"saved session: {sku} packed more than the order's {line.expected}")
        session._rebuild_counts()
        return session
