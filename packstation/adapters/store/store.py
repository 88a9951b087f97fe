"""The station's memory: one SQLite file holding scans, packing sessions, boxes, the outbox, print jobs
and the last known server state of shipments. The screen shows what this database says.

``Store`` is the one object the rest of the app opens; it holds one ``Database`` (a connection per
thread) and hands out the repositories over it, one small class per table or topic:

* ``store.scans`` (``ScanLog``), ``store.sessions`` (``SessionStore``), ``store.boxes`` (``BoxStore``),
* ``store.outbox`` (``OutboxStore``), ``store.print_jobs`` (``PrintJobStore``),
* ``store.shipments`` (``ShipmentCache``), ``store.pickups`` (``PickupStore``), ``store.stats``,
* ``store.catalogue`` (``CatalogueStore``: barcode -> SKU).
* ``store.claims`` (``ClaimStore``: writes in doubt, order-open assessments, recorded parcels).

Each public method is one short ``BEGIN IMMEDIATE`` transaction (a few statements, well under a
millisecond on a local disk). Writes that span tables (a box closed with its outbox operation, a
booking with its label job, a label printed with its box) are one transaction inside one repository,
using the other tables' in-transaction steps (``outbox.insert_op``, ``print_jobs.insert_job``, ...).
The store satisfies ``packstation.domain.ports.StationStore``.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING

from packstation.adapters.store.boxes import BoxStore
from packstation.adapters.store.catalogue import CatalogueStore
from packstation.adapters.store.claims import ClaimStore
from packstation.adapters.store.connection import Clock, Database
from packstation.adapters.store.outbox import OutboxStore
from packstation.adapters.store.pickups import PickupStore
from packstation.adapters.store.print_jobs import PrintJobStore
from packstation.adapters.store.retention import RetentionStore
from packstation.adapters.store.scans import ScanLog
from packstation.adapters.store.schema import SCHEMA_VERSION, migrate
from packstation.adapters.store.sessions import SessionStore
from packstation.adapters.store.shipments import ShipmentCache
from packstation.adapters.store.stats import StatsReads

if TYPE_CHECKING:
    from packstation.domain.ports import StationStore

log = logging.getLogger(__name__)


class Store:
    """The station database. Create with ``Store.open(path)``; ``close()`` at shutdown."""

    def __init__(self, db: Database, *, clock: Clock = time.time) -> None:
        self.db = db
        self.scans = ScanLog(db, clock)
        self.sessions = SessionStore(db, clock)
        self.boxes = BoxStore(db, clock)
        self.outbox = OutboxStore(db, clock)
        self.print_jobs = PrintJobStore(db, clock)
        self.shipments = ShipmentCache(db, clock)
        self.pickups = PickupStore(db, clock)
        self.stats = StatsReads(db, clock)
        self.catalogue = CatalogueStore(db, clock)
        self.claims = ClaimStore(db, clock)
        self.retention = RetentionStore(db, clock)

    @classmethod
    def open(cls, path: Path | str, *, clock: Clock = time.time) -> Store:
        """Open (creating if needed) and migrate the database, then recover what a crash left behind:
        operations caught in flight become "outcome unknown" (reconciled before any resend), print
        jobs caught preparing are queued again (nothing reached the printer) and those caught mid-send
        become uncertain (a person decides whether to reprint)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        db = Database(path)
        try:
            migrate(db)
            store = cls(db, clock=clock)
            interrupted = store.outbox.recover_interrupted()
            jobs = store.print_jobs.recover_interrupted()
        except BaseException:
            db.close()
            raise
        if interrupted or jobs:
            log.info(
                "Recovered after an interruption: %d operation(s) to reconcile, %d print job(s)",
                interrupted,
                jobs,
            )
        return store

    @property
    def path(self) -> Path:
        return self.db.path

    @property
    def schema_version(self) -> int:
        return SCHEMA_VERSION

    def close(self) -> None:
        self.db.close()

    def write_group(self, *, durable: bool) -> AbstractContextManager[sqlite3.Connection]:
        """``Database.group``: this thread's writes inside it as savepoints of one commit."""
        return self.db.group(durable=durable)

    def integrity_check(self) -> str:
        rows = self.db.query("PRAGMA integrity_check")
        return "\n".join(str(r[0]) for r in rows)


if TYPE_CHECKING:  # mypy proves the store gives the services what domain.ports asks for
    _conforms: type[StationStore] = Store
