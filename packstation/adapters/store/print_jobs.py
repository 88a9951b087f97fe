"""Print jobs in the station database: the store's ``PrintJobRepository``
(``packstation.domain.printing``), each method one short transaction.

A LABEL job of a box that finishes marks its box printed in the same transaction, so "printed" can
never be lost between the two (a crash sees either both or neither).
"""

from __future__ import annotations

import sqlite3

from packstation.adapters.store.connection import Repository, insert_row
from packstation.domain.printing import NewPrintJob, PrintJob, PrintJobKind, PrintJobState

# Why a job stuck in 'sending' across a restart is uncertain, not failed: the bytes may be on paper.
INTERRUPTED = "interrupted while printing: check whether the label came out; reprint it if not"


def insert_job(conn: sqlite3.Connection, now: float, job: NewPrintJob) -> int:
    """Add a queued job inside the caller's write transaction."""
    row = {
        "kind": PrintJobKind(job.kind).value,
        "state": PrintJobState.QUEUED.value,
        "printer_uri": job.printer_uri,
        "source_url": job.source_url,
        "payload": job.payload,
        "tracking_number": job.tracking_number,
        "box_id": job.box_id,
        "reprint_of": job.reprint_of,
        "session_id": job.session_id,
        "created_at": now,
        "updated_at": now,
    }
    return insert_row(conn, "print_jobs", row)


class PrintJobStore(Repository):
    def add(self, job: NewPrintJob) -> int:
        """Queue a job. With ``session_id`` it is that order's packing slip: queued once (a second call
        returns the first job), and the session stops owing it in the same transaction."""
        with self.db.write() as conn:
            if job.session_id is not None and job.reprint_of is None:
                earlier = conn.execute(
                    "SELECT id FROM print_jobs WHERE session_id = ? AND reprint_of IS NULL"
                    " ORDER BY id LIMIT 1",
                    (job.session_id,),
                ).fetchone()
                if earlier is not None:
                    return int(earlier["id"])
                conn.execute("UPDATE packing_sessions SET slip = 'queued' WHERE id = ?", (job.session_id,))
            return insert_job(conn, self._clock(), job)

    def claim(self) -> PrintJob | None:
        """The oldest queued job becomes ``preparing`` (attempts + 1): nothing of it reaches the printer
        until ``mark_sending``."""
        with self.db.write() as conn:
            row = conn.execute(
                "SELECT id FROM print_jobs WHERE state = 'queued' ORDER BY id LIMIT 1"
            ).fetchone()
            if row is None:
                return None
            conn.execute(
                "UPDATE print_jobs SET state = 'preparing', attempts = attempts + 1, updated_at = ?"
                " WHERE id = ?",
                (self._clock(), row["id"]),
            )
            return print_job(conn.execute("SELECT * FROM print_jobs WHERE id = ?", (row["id"],)).fetchone())

    def mark_sending(self, job_id: int) -> None:
        """Immediately before the device write: from now on a crash leaves the job uncertain."""
        with self.db.write() as conn:
            conn.execute(
                "UPDATE print_jobs SET state = 'sending', updated_at = ? WHERE id = ?",
                (self._clock(), job_id),
            )

    def mark_uncertain(self, job_id: int, reason: str) -> None:
        """The write was interrupted or the printer holds the label: it may or may not be out."""
        with self.db.write() as conn:
            conn.execute(
                "UPDATE print_jobs SET state = 'uncertain', error = ?, updated_at = ? WHERE id = ?",
                (reason, self._clock(), job_id),
            )

    def finish(self, job_id: int, note: str | None = None) -> None:
        """The job printed; a box's LABEL job marks the (booked) box printed in the same transaction.
        ``note`` is kept as the done job's detail (the ``error`` column is every job's detail line)."""
        now = self._clock()
        with self.db.write() as conn:
            conn.execute(
                "UPDATE print_jobs SET state = 'done', error = ?, updated_at = ? WHERE id = ?",
                (note, now, job_id),
            )
            conn.execute(
                "UPDATE boxes SET state = 'printed', printed_at = ?, updated_at = ?"
                " WHERE id = (SELECT box_id FROM print_jobs WHERE id = ? AND kind = ?)"
                " AND state IN ('booked', 'printed')",
                (now, now, job_id, PrintJobKind.LABEL.value),
            )

    def note_sending(self, job_id: int, detail: str | None) -> None:
        with self.db.write() as conn:
            conn.execute(
                "UPDATE print_jobs SET error = ?, updated_at = ? WHERE id = ? AND state = 'sending'",
                (detail, self._clock(), job_id),
            )

    def fail(self, job_id: int, reason: str) -> None:
        with self.db.write() as conn:
            conn.execute(
                "UPDATE print_jobs SET state = 'failed', error = ?, updated_at = ? WHERE id = ?",
                (reason, self._clock(), job_id),
            )

    def retry_failed(self) -> int:
        """Failed jobs go back to queued; uncertain ones stay (resending could print a label twice)."""
        with self.db.write() as conn:
            return int(
                conn.execute(
                    "UPDATE print_jobs SET state = 'queued', updated_at = ? WHERE state = 'failed'",
                    (self._clock(),),
                ).rowcount
            )

    def recover_interrupted(self) -> int:
        """At start-up: 'preparing' goes back to queued (nothing reached the printer), 'sending' becomes
        uncertain (the label may be out). Returns how many jobs changed."""
        with self.db.write() as conn:
            redo = conn.execute(
                "UPDATE print_jobs SET state = 'queued', updated_at = ? WHERE state = 'preparing'",
                (self._clock(),),
            ).rowcount
            uncertain = conn.execute(
                "UPDATE print_jobs SET state = 'uncertain', error = ?, updated_at = ?"
                " WHERE state = 'sending'",
                (INTERRUPTED, self._clock()),
            ).rowcount
            return int(redo + uncertain)

    def get(self, job_id: int) -> PrintJob | None:
        row = self.db.query_one("SELECT * FROM print_jobs WHERE id = ?", (job_id,))
        return None if row is None else print_job(row)

    def labels_for_box(self, box_id: int) -> list[PrintJob]:
        """Every LABEL job of a box, oldest first, however long ago it printed."""
        rows = self.db.query(
            "SELECT * FROM print_jobs WHERE box_id = ? AND kind = ? ORDER BY id",
            (box_id, PrintJobKind.LABEL.value),
        )
        return [print_job(r) for r in rows]

    def recent(self, *, states: tuple[PrintJobState, ...] | None = None, limit: int = 50) -> list[PrintJob]:
        if states:
            marks = ",".join("?" * len(states))
            rows = self.db.query(
                f"SELECT * FROM print_jobs WHERE state IN ({marks}) ORDER BY id DESC LIMIT ?",
                (*(PrintJobState(s).value for s in states), limit),
            )
        else:
            rows = self.db.query("SELECT * FROM print_jobs ORDER BY id DESC LIMIT ?", (limit,))
        return [print_job(r) for r in rows]

    def count(self, states: tuple[PrintJobState, ...]) -> int:
        # The status bar asks after every print-job change: a COUNT on the (state, id) index, where
        # reading the jobs themselves (payloads included) grew with the queue.
        if not states:
            return 0
        marks = ",".join("?" * len(states))
        return int(
            self.db.scalar(
                f"SELECT COUNT(*) FROM print_jobs WHERE state IN ({marks})",
                tuple(PrintJobState(s).value for s in states),
            )
        )


def print_job(row: sqlite3.Row) -> PrintJob:
    return PrintJob(
        id=int(row["id"]),
        kind=PrintJobKind(row["kind"]),
        state=PrintJobState(row["state"]),
        printer_uri=row["printer_uri"],
        source_url=row["source_url"],
        payload=bytes(row["payload"]) if row["payload"] is not None else None,
        tracking_number=row["tracking_number"],
        box_id=row["box_id"],
        attempts=int(row["attempts"]),
        error=row["error"],
        reprint_of=row["reprint_of"],
        created_at=float(row["created_at"]),
        updated_at=float(row["updated_at"]),
    )
