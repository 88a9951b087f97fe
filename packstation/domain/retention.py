"""How long the station keeps what (``Retention``) and what a pruning pass removed (``PruneReport``);
the pruning itself is the store's (``adapters/store/retention.py``)."""

from __future__ import annotations

from dataclasses import dataclass, field

import msgspec

__all__ = ["DAY_S", "DEFAULT_AUDIT_DAYS", "DEFAULT_WORKING_DAYS", "PruneReport", "Retention"]

DAY_S = 86_400.0
DEFAULT_WORKING_DAYS = 30  # finished operations, label payloads, the shipments cache
DEFAULT_AUDIT_DAYS = 400  # the scan log and the orders' records: the audit trail, end of day


class Retention(msgspec.Struct, frozen=True):
    working_days: float = DEFAULT_WORKING_DAYS
    audit_days: float = DEFAULT_AUDIT_DAYS

    def __post_init__(self) -> None:
        if not (self.working_days > 0 and self.audit_days > 0):
            raise ValueError("retention periods must be positive numbers of days")


@dataclass
class PruneReport:
    """Rows removed (or payloads emptied) per table, by one or more steps."""

    counts: dict[str, int] = field(default_factory=dict)

    def add(self, table: str, n: int) -> None:
        if n:
            self.counts[table] = self.counts.get(table, 0) + n

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def __str__(self) -> str:
        if not self.counts:
            return "nothing to prune"
        return ", ".join(f"{n} {table}" for table, n in sorted(self.counts.items()))
