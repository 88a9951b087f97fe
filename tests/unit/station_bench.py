"""A synchronous stand-in for the runtime around ``Station``, shared by the station tests.

It executes effects the way the real runtime must (in order), answers lookups from a dict of orders,
gives closed boxes store ids, and records everything, so tests read like a packer's shift.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field

from packstation.domain.effects import CloseBox, Effect, Feedback, LogScan, LookupOrder
from packstation.domain.packing import OrderLine, PackingOrder
from packstation.domain.scans import format_box_tag
from packstation.domain.station import Station, StationSettings
from packstation.domain.view import Tone


def order(order_id: str, *lines: tuple[str, int], booked: int = 0) -> PackingOrder:
    return PackingOrder(
        order_id=order_id,
        shipment_id=f"shp-{order_id}",
        lines=tuple(OrderLine(sku, f"{sku} name", qty) for sku, qty in lines),
        keys=(order_id, f"tos-{order_id}", f"shp-{order_id}"),
        customer="Ada Lovelace",
        shipping_method="pnl-mpc",
        booked_parcels=booked,
    )


ORDERS = {
    "ORD-1": order("ORD-1", ("SKU-A", 2), ("SKU-B", 1)),
    "ORD-2": order("ORD-2", ("SKU-C", 1)),
    "ORD-3": order("ORD-3", ("SKU-A", 1), ("SKU-D", 2), ("SKU-E", 3)),
}


@dataclass
class Bench:
    station: Station
    orders: dict[str, PackingOrder] = field(default_factory=lambda: dict(ORDERS))
    answer_lookups: bool = True
    effects: list[Effect] = field(default_factory=list)
    box_ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    clock: itertools.count = field(default_factory=lambda: itertools.count(1000))

    @classmethod
    def make(cls, *, catalogue: Iterable[str] = (), **settings) -> Bench:
        settings.setdefault("packer_name", "Anna")
        ids = (f"sess-{n}" for n in itertools.count(1))
        return cls(
            Station(
                StationSettings(**settings),
                aliases={"7310865004703": "SKU-A"},
                catalogue=catalogue,
                new_session_id=ids.__next__,
            )
        )

    def scan(self, raw: str) -> list[Effect]:
        effects = self.station.handle_scan(raw, float(next(self.clock)))
        self.run(effects)
        return effects

    def scans(self, *raws: str) -> None:
        for raw in raws:
            self.scan(raw)

    def run(self, effects: list[Effect]) -> None:
        self.effects.extend(effects)
        for effect in effects:
            if isinstance(effect, LookupOrder) and self.answer_lookups:
                found = self.orders.get(effect.key) or next(
                    (o for o in self.orders.values() if o.answers_to(effect.key)), None
                )
                if found is None:
                    self.run(self.station.order_not_found(effect.key, "no such order"))
                else:
                    self.run(self.station.order_loaded(effect.key, found, "api"))
            elif isinstance(effect, CloseBox):
                box_id = next(self.box_ids)
                self.run(
                    self.station.box_queued(
                        effect.box_number, box_id, format_box_tag(box_id), effect.session_id
                    )
                )

    def of(self, kind: type) -> list:
        return [e for e in self.effects if isinstance(e, kind)]

    @property
    def view(self):
        return self.station.view

    @property
    def tone(self) -> Tone:
        return self.view.feedback.tone

    @property
    def message(self) -> str:
        return self.view.feedback.message

    def counts(self) -> dict[str, int]:
        return {line.sku: line.scanned for line in self.view.lines}


def feedbacks(effects: list[Effect]) -> list[Feedback]:
    return [e for e in effects if isinstance(e, Feedback)]


def logs(effects: list[Effect]) -> list[LogScan]:
    return [e for e in effects if isinstance(e, LogScan)]
