"""Retention: what the station forgets, and when, so a bench packing 1,000 orders a day for a year
neither slows down nor fills its disk (issue 18).

Two periods (``Retention``): the **working** period (default 30 days) for what only matters while an
order is fresh: finished outbox operations, print jobs' downloaded payloads (a label with a
``source_url`` is downloaded again for a reprint), the shipments cache (filled again by the next
look-up) and writes in doubt of orders long settled. The **audit** period (default 400 days) for the
scan log and the orders themselves (sessions, boxes, their operations and print jobs): the audit
trail and the end-of-day record. Nothing still active is ever pruned: open and parked orders, pending
or in-flight operations, operations that need attention, queued or uncertain print jobs.

Pruning runs in small transactions (``batch`` rows each), so the packer's writes never wait long for
the database; ``prune`` repeats steps until nothing is left, ``vacuum`` then returns freed pages to the
file system a few at a time where the file allows it (``auto_vacuum = INCREMENTAL``, set for files
created by this version; an older file reuses its freed pages instead of growing).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from packstation.adapters.store.connection import Database
from packstation.domain.retention import DAY_S, PruneReport, Retention

log = logging.getLogger(__name__)

# (table, statement with the cutoff and the batch size) for the working period.
_WORKING_PERIOD = (
    (
        "outbox",
        "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox"
        " WHERE state IN ('done', 'cancelled') AND updated_at < ? LIMIT ?)",
    ),
    (
        # A label with a source_url is downloaded again for a reprint; box tags keep their bytes.
        "print_jobs payload",
        "UPDATE print_jobs SET payload = NULL WHERE id IN (SELECT id FROM print_jobs WHERE state = 'done'"
        " AND payload IS NOT NULL AND source_url IS NOT NULL AND updated_at < ? LIMIT ?)",
    ),
    (
        "shipments_cache",
        "DELETE FROM shipments_cache WHERE id IN (SELECT id FROM shipments_cache WHERE fetched_at < ?"
        " AND id NOT IN (SELECT shipment_id FROM packing_sessions"
        " WHERE state IN ('packing', 'parked') AND shipment_id IS NOT NULL) LIMIT ?)",
    ),
    (
        "sent_writes",
        "DELETE FROM sent_writes WHERE id IN (SELECT id FROM sent_writes WHERE sent_at < ? LIMIT ?)",
    ),
)
_OLD_SCANS = "DELETE FROM scans WHERE id IN (SELECT id FROM scans WHERE ts < ? ORDER BY ts LIMIT ?)"
_BOXES = "SELECT id FROM boxes WHERE session_id = ?"
# Orders whose records may go: finished, untouched for the audit period, nothing of theirs still active.
_OLD_SESSIONS = (
    "SELECT id FROM packing_sessions WHERE state IN ('complete', 'cancelled') AND updated_at < ?"
    " AND NOT EXISTS (SELECT 1 FROM boxes b JOIN outbox o ON o.box_id = b.id"
    " WHERE b.session_id = packing_sessions.id AND o.state IN ('pending', 'in_flight', 'needs_attention'))"
    " AND NOT EXISTS (SELECT 1 FROM boxes b JOIN print_jobs j ON j.box_id = b.id"
    " WHERE b.session_id = packing_sessions.id AND j.state NOT IN ('done', 'failed'))"
    " LIMIT ?"
)
# What points at an order past the audit period, children first; each takes the session id.
_ORDER_RECORDS = (
    (
        "print_jobs",
        f"DELETE FROM print_jobs WHERE reprint_of IN (SELECT id FROM print_jobs WHERE box_id IN ({_BOXES}))",
    ),
    ("print_jobs", f"DELETE FROM print_jobs WHERE box_id IN ({_BOXES})"),
    ("print_jobs", "DELETE FROM print_jobs WHERE session_id = ? AND box_id IS NULL"),
    ("outbox", f"DELETE FROM outbox WHERE box_id IN ({_BOXES})"),
    ("sent_writes", f"DELETE FROM sent_writes WHERE box_id IN ({_BOXES})"),
    ("boxes", "DELETE FROM boxes WHERE session_id = ?"),
    ("packing_sessions", "DELETE FROM packing_sessions WHERE id = ?"),
)


class RetentionStore:
    """``store.retention``: prune what the retention periods let go."""

    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self._clock = clock

    def prune_step(self, retention: Retention, *, batch: int = 500) -> PruneReport:
        """One small transaction per kind of record; returns what it removed."""
        now = self._clock()
        working = now - retention.working_days * DAY_S
        audit = now - retention.audit_days * DAY_S
        report = PruneReport()
        for table, sql in _WORKING_PERIOD:
            with self.db.write() as conn:
                report.add(table, conn.execute(sql, (working, batch)).rowcount)
        with self.db.write() as conn:
            # The scan log's delete trigger lets rows older than the gate go, inside this transaction only.
            conn.execute("UPDATE retention_gate SET scans_before = ? WHERE id = 1", (audit,))
            report.add("scans", conn.execute(_OLD_SCANS, (audit, batch)).rowcount)
            conn.execute("UPDATE retention_gate SET scans_before = 0 WHERE id = 1")
        with self.db.write() as conn:
            sessions = [r[0] for r in conn.execute(_OLD_SESSIONS, (audit, max(1, batch // 10))).fetchall()]
            for session_id in sessions:
                for table, sql in _ORDER_RECORDS:  # children first: the foreign keys are on
                    report.add(table, conn.execute(sql, (session_id,)).rowcount)
        return report

    def prune(self, retention: Retention, *, batch: int = 500, max_steps: int = 10_000) -> PruneReport:
        """Steps until nothing is left to prune (each its own transactions)."""
        total = PruneReport()
        for _ in range(max_steps):
            step = self.prune_step(retention, batch=batch)
            for table, n in step.counts.items():
                total.add(table, n)
            if not step.total:
                break
        if total.total:
            log.info("Retention: pruned %s", total)
        return total

    def vacuum(self, pages: int = 2_000) -> int:
        """Give up to ``pages`` free pages back to the file system (incremental files only); returns how
        many free pages are left."""
        conn = self.db.connection()
        if int(conn.execute("PRAGMA auto_vacuum").fetchone()[0]) == 2:  # INCREMENTAL
            # Each step of this pragma frees one page, and execute() steps once: executescript runs it
            # to the end.
            conn.executescript(f"PRAGMA incremental_vacuum({int(pages)});")
        return int(conn.execute("PRAGMA freelist_count").fetchone()[0])
