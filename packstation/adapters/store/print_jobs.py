"""Print jobs in the station database: the store's implementation of
``packstation.domain.printing.PrintJobRepository`` (each method one short transaction)."""

from __future__ import annotations

import sqlite3
from typing import Any

from packstation.domain.printing import PrintJob, PrintJobKind, PrintJobState

INTERRUPTED = "interrupted while printing: check whether the label came out; reprint it if not"
# Why a job stuck in 'sending' across a restart is uncertain, not failed: the bytes may be on paper.


class PrintJobsMixin:
    db: Any
    _clock: Any

    def _insert_print_job(
        self,
        conn: sqlite3.Connection,
        *,
        kind: PrintJobKind,
        printer_uri: str,
        source_url: str | None = None,
        payload: bytes | None = None,
        tracking_number: str | None = None,
        box_id: int | None = None,
        reprint_of: int | None = None,
        session_id: str | None = None,
    ) -> int:
        now = self._clock()
        cur = conn.execute(
            "INSERT INTO print_jobs (kind, state, printer_uri, source_url, payload, tracking_number,"
            " box_id, reprint_of, session_id, created_at, updated_at)"
            " VALUES (?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                PrintJobKind(kind).value,
                printer_uri,
                source_url,
                payload,
                tracking_number,
                box_id,
                reprint_of,
                session_id,
                now,
                now,
            ),
        )
        assert cur.lastrowid is not None  # an INSERT into a rowid table always has one
        return int(cur.lastrowid)

    def add_print_job(
        self,
        *,
        kind: PrintJobKind,
        printer_uri: str,
        source_url: str | None = None,
        payload: bytes | None = None,
        tracking_number: str | None = None,
        box_id: int | None = None,
        reprint_of: int | None = None,
        session_id: str | None = None,
    ) -> int:
        """Queue a job. With ``session_id`` it is that order's packing slip: queued once (a second call
        returns the first job), and the session stops owing it in the same transaction."""
        with self.db.write() as conn:
            if session_id is not None and reprint_of is None:
                earlier = conn.execute(
                    "SELECT id FROM print_jobs WHERE session_id = ? AND reprint_of IS NULL"
                    " ORDER BY id LIMIT 1",
                    (session_id,),
                ).fetchone()
                if earlier is not None:
                    return int(earlier["id"])
                conn.execute("UPDATE packing_sessions SET slip = 'queued' WHERE id = ?", (session_id,))
            return self._insert_print_job(
                conn,
                kind=kind,
                printer_uri=printer_uri,
                source_url=source_url,
                payload=payload,
                tracking_number=tracking_number,
                box_id=box_id,
                reprint_of=reprint_of,
                session_id=session_id,
            )

    def claim_print_job(self) -> PrintJob | None:
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
            return _job(conn.execute("SELECT * FROM print_jobs WHERE id = ?", (row["id"],)).fetchone())

    def mark_print_job_sending(self, job_id: int) -> None:
        with self.db.write() as conn:
            conn.execute(
                "UPDATE print_jobs SET state = 'sending', updated_at = ? WHERE id = ?",
                (self._clock(), job_id),
            )

    def mark_print_job_uncertain(self, job_id: int, reason: str) -> None:
        with self.db.write() as conn:
            conn.execute(
                "UPDATE print_jobs SET state = 'uncertain', error = ?, updated_at = ? WHERE id = ?",
                (reason, self._clock(), job_id),
            )

    def finish_print_job(self, job_id: int) -> None:
        with self.db.write() as conn:
            conn.execute(
                "UPDATE print_jobs SET state = 'done', error = NULL, updated_at = ? WHERE id = ?",
                (self._clock(), job_id),
            )

    def fail_print_job(self, job_id: int, reason: str) -> None:
        with self.db.write() as conn:
            conn.execute(
                "UPDATE print_jobs SET state = 'failed', error = ?, updated_at = ? WHERE id = ?",
                (reason, self._clock(), job_id),
            )

    def retry_failed_print_jobs(self) -> int:
        with self.db.write() as conn:
            return int(
                conn.execute(
                    "UPDATE print_jobs SET state = 'queued', updated_at = ? WHERE state = 'failed'",
                    (self._clock(),),
                ).rowcount
            )

    def recover_interrupted_print_jobs(self) -> int:
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

    def get_print_job(self, job_id: int) -> PrintJob | None:
        row = self.db.query_one("SELECT * FROM print_jobs WHERE id = ?", (job_id,))
        return None if row is None else _job(row)

    def label_jobs_for_box(self, box_id: int) -> list[PrintJob]:
        """Every LABEL job of a box, oldest first, however long ago it printed."""
        rows = self.db.query(
            "SELECT * FROM print_jobs WHERE box_id = ? AND kind = ? ORDER BY id",
            (box_id, PrintJobKind.LABEL.value),
        )
        return [_job(r) for r in rows]

    def list_print_jobs(
        self, *, states: tuple[PrintJobState, ...] | None = None, limit: int = 50
    ) -> list[PrintJob]:
        if states:
            marks = ",".join("?" * len(states))
            rows = self.db.query(
                f"SELECT * FROM print_jobs WHERE state IN ({marks}) ORDER BY id DESC LIMIT ?",
                (*(PrintJobState(s).value for s in states), limit),
            )
        else:
            rows = self.db.query("SELECT * FROM print_jobs ORDER BY id DESC LIMIT ?", (limit,))
        return [_job(r) for r in rows]


def _job(row: sqlite3.Row) -> PrintJob:
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
