"""One physical box of a packing session: its items, its type and what became of it (store id,
tracking number, temporary tag, problem). Mutable, owned by ``PackingSession``; JSON round trip for
session snapshots."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import msgspec
import msgspec.structs

from packstation.domain.view import BoxState, BoxView


class TrackedUnit(msgspec.Struct, frozen=True):
    """One packed unit's lot, serial and dates (ISO ``YYYY-MM-DD`` or ""), read from its GS1 barcode;
    ``units`` > 1 for a case whose one barcode stands for several units."""

    sku: str
    lot: str = ""
    serial: str = ""
    expiry: str = ""
    best_before: str = ""
    gtin: str = ""
    units: int = 1

    def to_json(self) -> dict[str, Any]:
        return msgspec.structs.asdict(self)

    def describe(self) -> str:
        """One line for the slip and the manifest: ``SKU-A lot L42 serial S-1 exp 2027-01-01``."""
        parts = [self.sku if self.units == 1 else f"{self.sku} x{self.units}"]
        for word, value in (
            ("lot", self.lot),
            ("serial", self.serial),
            ("exp", self.expiry),
            ("best before", self.best_before),
        ):
            if value:
                parts.append(f"{word} {value}")
        return " ".join(parts)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TrackedUnit:
        return cls(
            sku=str(data["sku"]),
            lot=str(data.get("lot", "")),
            serial=str(data.get("serial", "")),
            expiry=str(data.get("expiry", "")),
            best_before=str(data.get("best_before", "")),
            gtin=str(data.get("gtin", "")),
            units=int(data.get("units", 1)),
        )


@dataclass
class Box:
    """One physical box. ``items`` keeps SKUs in the order they were first packed."""

    number: int
    state: BoxState = BoxState.OPEN
    items: dict[str, int] = field(default_factory=dict)
    box_type: str = ""
    dims_mm: tuple[int, int, int] | None = None
    box_id: int | None = None  # the store's id, once the box is saved
    tracking_number: str = ""
    local_tag: str = ""
    problem: str = ""
    tag_printed: bool = False
    weight_g: int | None = None  # captured from the scale (or typed) when the box closed
    tracked: list[TrackedUnit] = field(default_factory=list)  # units packed with lot/serial/dates

    @property
    def units(self) -> int:
        return sum(self.items.values())

    @property
    def closed(self) -> bool:
        return self.state not in (BoxState.OPEN, BoxState.VOIDED)

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "state": self.state.value,
            "items": [[sku, qty] for sku, qty in self.items.items()],
            "box_type": self.box_type,
            "dims_mm": list(self.dims_mm) if self.dims_mm else None,
            "box_id": self.box_id,
            "tracking_number": self.tracking_number,
            "local_tag": self.local_tag,
            "problem": self.problem,
            "tag_printed": self.tag_printed,
            "weight_g": self.weight_g,
            "tracked": [unit.to_json() for unit in self.tracked],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Box:
        dims = data.get("dims_mm")
        box_id = data.get("box_id")
        return cls(
            number=int(data["number"]),
            state=BoxState(data["state"]),
            items={str(sku): int(qty) for sku, qty in data["items"]},
            box_type=str(data.get("box_type", "")),
            dims_mm=(int(dims[0]), int(dims[1]), int(dims[2])) if dims else None,
            box_id=None if box_id is None else int(box_id),
            tracking_number=str(data.get("tracking_number", "")),
            local_tag=str(data.get("local_tag", "")),
            problem=str(data.get("problem", "")),
            tag_printed=bool(data.get("tag_printed", False)),
            weight_g=None if data.get("weight_g") is None else int(data["weight_g"]),
            tracked=[TrackedUnit.from_json(unit) for unit in data.get("tracked") or []],
        )

    def view(self) -> BoxView:
        return BoxView(
            number=self.number,
            state=self.state,
            items=tuple(self.items.items()),
            box_type=self.box_type,
            tracking_number=self.tracking_number,
            local_tag=self.local_tag,
            problem=self.problem,
            weight_g=self.weight_g,
        )
