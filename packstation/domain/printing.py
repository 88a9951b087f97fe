"""Print jobs as the domain sees them: what is to be printed, where, and how far it got.

A job goes queued -> preparing (label downloaded, rendered, encoded) -> sending (the bytes go to the
device) -> done, or -> failed with a reason a packer can read. Only ``sending`` is uncertain: a crash
while preparing loses nothing that reached the printer, so start-up puts such a job back in the queue;
a crash while sending may have left the label on paper, so start-up makes it ``uncertain``. A failed
job stays visible and is retried when the printer is back; an uncertain one is never resent by itself
(it is shown to the packer, who reprints it if it is missing). Nothing is dropped silently. A job is
printed once; only a person asking for a reprint creates a second job (``reprint_of`` points at the
original).
The store implements ``PrintJobRepository``; the print queue (an adapter) drives the transitions.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

import msgspec


class PrintJobState(StrEnum):
    QUEUED = "queued"
    PREPARING = "preparing"  # claimed: downloading / rendering; nothing has reached the printer
    SENDING = "sending"  # the bytes are going to the device: from here a crash leaves it uncertain
    DONE = "done"
    FAILED = "failed"  # nothing (complete) reached the printer: retried when the printer is back
    UNCERTAIN = "uncertain"  # interrupted while sending: the label may be out; only a person resolves it


# Waiting to print or printing now.
ACTIVE_STATES = (PrintJobState.QUEUED, PrintJobState.PREPARING, PrintJobState.SENDING)


class PrintJobKind(StrEnum):
    LABEL = "label"  # a carrier label fetched from a label_url
    BOX_TAG = "box_tag"  # temporary tag printed at once for a box closed offline
    TEST = "test"  # the built-in or a given test label
    DOCUMENT = "document"  # ready-made printer bytes (manifest, packing slip, command sheet)


class PrintJob(msgspec.Struct, frozen=True):
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


class NewPrintJob(msgspec.Struct, frozen=True):
    """A print job to queue: what to print and where. The store gives it an id and a state.

    With ``session_id`` (and no ``reprint_of``) it is that order's packing slip: queued once per
    session. ``reprint_of`` points at the original job when a person asked for a reprint."""

    kind: PrintJobKind
    printer_uri: str
    source_url: str | None = None
    payload: bytes | None = None
    tracking_number: str | None = None
    box_id: int | None = None
    reprint_of: int | None = None
    session_id: str | None = None


class PrintJobRepository(Protocol):
    """Persistence of print jobs (the store's ``print_jobs``). Every method is one short transaction."""

    def add(self, job: NewPrintJob) -> int:
        """Queue a job; a packing slip (``session_id``) is queued once: a second add returns the first."""
        ...

    def claim(self) -> PrintJob | None:
        """Atomically move the oldest queued job to ``preparing`` (attempts + 1) and return it."""
        ...

    def mark_sending(self, job_id: int) -> None:
        """Immediately before the device write: from now on a crash leaves the job uncertain."""
        ...

    def finish(self, job_id: int, note: str | None = None) -> None:
        """The job printed. A box's LABEL job marks its box printed in the same transaction. ``note``
        becomes the job's detail line (what the renderer could not draw exactly), else it is cleared."""
        ...

    def fail(self, job_id: int, reason: str) -> None: ...

    def note_sending(self, job_id: int, detail: str | None) -> None:
        """While a job is ``sending``: say what holds it up (the printer's fault in words), or clear it."""
        ...

    def retry_failed(self) -> int:
        """Move every failed job back to queued (the printer is back); returns how many. Uncertain jobs
        stay as they are: resending them could print a label twice."""
        ...

    def mark_uncertain(self, job_id: int, reason: str) -> None:
        """The send was interrupted (shutdown mid-write) or the printer holds the label: the label may
        or may not be out."""
        ...

    def recover_interrupted(self) -> int:
        """At start-up: jobs left ``preparing`` go back to queued (nothing of them reached the printer);
        jobs left ``sending`` become uncertain (the label may be out: a person checks and reprints if
        it is missing). Returns how many jobs it changed."""
        ...

    def get(self, job_id: int) -> PrintJob | None: ...

    def labels_for_box(self, box_id: int) -> list[PrintJob]:
        """Every LABEL job of a box, oldest first."""
        ...

    def recent(self, *, states: tuple[PrintJobState, ...] | None = None, limit: int = 50) -> list[PrintJob]:
        """The newest jobs first, optionally only those in ``states``."""
        ...

    def count(self, states: tuple[PrintJobState, ...]) -> int:
        """How many jobs are in ``states`` (one indexed COUNT: no job is read)."""
        ...
