"""Group commit on one database thread: the write transactions that queue up while the thread is busy
run as savepoints of one transaction, committed (and fsynced, if any asked for it) once.

Why: draining a backlog, the outbox keeps eight bookings in the air, and each visits its database
thread two or three times (claim the operation, store a write in doubt, record the answer), two of
those with an fsync. One commit per visit made that thread, not the API, what a drain waited on.

What stays as it was, for each job: it runs on the same single thread, in submission order among the
grouped jobs; its ``write()`` transactions keep their all-or-nothing (a savepoint rolled back if the job
raises, and the job gets its exception); and its caller hears of its result only after the commit that
made it permanent (with the fsync it asked for), exactly as with a transaction of its own. If the
commit fails, or SQLite rolls the whole transaction back (disk full), every job of the group that had
succeeded gets that error instead: none of them took effect. Jobs submitted while a group runs form
the next group; a group holds at most ``MAX_JOBS``.

A submitted job always runs: its future is marked running when it is queued, so it cannot be cancelled.
A caller that stops waiting (an asyncio task cancelled at shutdown, whose ``wrap_future`` would cancel a
pending future) then reads what the job did with ``result()``; a job skipped after its caller was told
"cancelled" would leave the caller unsure whether its write happened, and a job run anyway would find
its cancelled future refusing the result, failing the whole group on the database thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from contextlib import AbstractContextManager
from typing import Any, TypeVar

T = TypeVar("T")
# A bound on how long a group holds the write lock (a scan write on the GUI thread waits for it) and
# how long its first job waits for the others.
MAX_JOBS = 8


class _Job:
    __slots__ = ("durable", "fn", "future")

    def __init__(self, fn: Callable[[], Any], durable: bool) -> None:
        self.fn = fn
        self.durable = durable
        self.future: Future[Any] = Future()
        self.future.set_running_or_notify_cancel()  # queued means it will run: never cancelled


class GroupCommitter:
    """Runs jobs on ``executor`` (which must have one thread) in group commits opened by ``group``
    (``Database.group``, through the store's ``write_group``). Jobs must do their writes through the
    database's ``write()``; ``durable=True`` for a job any of whose writes is durable."""

    def __init__(self, group: Callable[..., AbstractContextManager[Any]], executor: Executor) -> None:
        self._group = group
        self._executor = executor
        self._lock = threading.Lock()
        self._pending: list[_Job] = []
        self._scheduled = False

    def submit(self, fn: Callable[[], T], *, durable: bool = False) -> Future[T]:
        job = _Job(fn, durable)
        with self._lock:
            self._pending.append(job)
            schedule, self._scheduled = not self._scheduled, True
        if schedule:
            try:
                self._executor.submit(self._flush)
            except BaseException:  # the executor is shut down: nothing will run this job
                with self._lock:
                    self._pending.remove(job)
                    self._scheduled = False
                raise
        return job.future

    def _flush(self) -> None:
        """On the database thread: the jobs queued now, in groups of at most MAX_JOBS."""
        while True:
            with self._lock:
                jobs, self._pending = self._pending[:MAX_JOBS], self._pending[MAX_JOBS:]
                if not jobs:
                    self._scheduled = False
                    return
            self._run(jobs)

    def _run(self, jobs: list[_Job]) -> None:
        outcomes: list[tuple[bool, Any]] = []
        try:
            with self._group(durable=any(job.durable for job in jobs)) as conn:
                for job in jobs:
                    try:
                        outcomes.append((True, job.fn()))
                    except Exception as exc:  # its own savepoints are rolled back; the others go on
                        outcomes.append((False, exc))
                    if not conn.in_transaction:  # SQLite rolled the whole group back itself
                        break
                if not conn.in_transaction:
                    failed = next((o for ok, o in outcomes if not ok), None)
                    raise failed or RuntimeError("the group's transaction ended early")
        except BaseException as exc:
            for job, (ok, outcome) in zip(jobs, outcomes, strict=False):
                job.future.set_exception(outcome if not ok else exc)
            for job in jobs[len(outcomes) :]:
                job.future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        for job, (ok, outcome) in zip(jobs, outcomes, strict=True):
            if ok:
                job.future.set_result(outcome)
            else:
                job.future.set_exception(outcome)
