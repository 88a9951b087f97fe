"""Print jobs as the domain sees them: what is to be printed, where, and how far it got.

A job goes queued -> sending -> done, or -> failed with a reason a packer can read. A failed job stays
visible and is retried when the printer is back; it is never dropped silently. A job is printed once;
only a person asking for a reprint creates a second job (``reprint_of`` points at the original).
The store implements ``PrintJobRepository``; the print queue (an adapter) drives the transitions.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class PrintJobState(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    DONE = "done"
    FAILED = "failed"


class PrintJobKind(StrEnum):
    LABEL = "label"  # a carrier label fetched from a label_url
    BOX_TAG = "box_tag"  # temporary tag printed at once for a box closed offline
    TEST = "test"  # the built-in or a given test label
    DOCUMENT = "document"  # ready-made printer bytes (manifest, packing slip, command sheet)


@dataclass(frozen=True)
class PrintJob:
    id: int
    kind: PrintJobKind
    state: PrintJobState
    printer_uri: str
    source_url: str | None = None  # label_url to download, for LABEL jobs
    payload: bytes | None = None  # label file bytes already at hand (box tags, tests, documents)
    tracking_number: str | None = None
    box_id: int | None = None
    attempts: int = 0
    error: str | None = None
    reprint_of: int | None = None
    created_at: float = 0.0  # unix time
    updated_at: float = 0.0


class PrintJobRepository(Protocol):
    """Persistence of print jobs. Every method is one short transaction."""

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
        session_id: str | None = None,  # a packing slip's order session: queued once per session
    ) -> int: ...

    def claim_print_job(self) -> PrintJob | None:
        """Atomically move the oldest queued job to ``sending`` (attempts + 1) and return it."""
        ...

    def finish_print_job(self, job_id: int) -> None: ...

    def fail_print_job(self, job_id: int, reason: str) -> None: ...

    def retry_failed_print_jobs(self) -> int:
        """Move every failed job back to queued (the printer is back); returns how many."""
        ...

    def recover_interrupted_print_jobs(self) -> int:
        """At start-up: jobs left in ``sending`` by a crash become failed ("interrupted: check whether
        the label came out; reprint if not"), because printing them again could duplicate a label."""
        ...

    def get_print_job(self, job_id: int) -> PrintJob | None: ...

    def list_print_jobs(
        self, *, states: tuple[PrintJobState, ...] | None = None, limit: int = 50
    ) -> list[PrintJob]: ...
