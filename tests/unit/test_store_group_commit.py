"""Group commit (store/group_commit.py, Database.group): jobs queued on the database thread share one
commit, each keeps its own all-or-nothing, and none is reported done before the commit that made it
permanent. A real SQLite file; the statements each connection runs are traced."""

from __future__ import annotations

import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from packstation.adapters.store.connection import Database
from packstation.adapters.store.group_commit import MAX_JOBS, GroupCommitter


@pytest.fixture
def db(tmp_path):
    database = Database(tmp_path / "station.sqlite3")
    with database.write() as conn:
        conn.execute("CREATE TABLE t (x INTEGER)")
    yield database
    database.close()


@pytest.fixture
def executor():
    pool = ThreadPoolExecutor(max_workers=1)
    yield pool
    pool.shutdown(wait=True)


def traced(db, executor):
    """The statements the database thread's connection runs from now on."""
    statements: list[str] = []
    executor.submit(lambda: db.connection().set_trace_callback(statements.append)).result()
    return statements


def insert(db, value):
    def job():
        with db.write() as conn:
            conn.execute("INSERT INTO t VALUES (?)", (value,))
        return value

    return job


def rows(db):
    other = sqlite3.connect(db.path)  # another connection sees only what is committed
    try:
        return sorted(r[0] for r in other.execute("SELECT x FROM t"))
    finally:
        other.close()


def hold(executor):
    """Keep the database thread busy until the returned event is set (so jobs queue up)."""
    release = threading.Event()
    executor.submit(release.wait)
    return release


def test_jobs_queued_while_the_thread_is_busy_share_one_commit(db, executor):
    statements = traced(db, executor)
    committer = GroupCommitter(db.group, executor)
    release = hold(executor)
    futures = [committer.submit(insert(db, n)) for n in range(5)]
    release.set()
    assert [f.result(timeout=10) for f in futures] == [0, 1, 2, 3, 4]
    assert rows(db) == [0, 1, 2, 3, 4]
    assert statements.count("COMMIT") == 1
    assert statements.count("SAVEPOINT station_write") == 5
    assert not any("synchronous = FULL" in s for s in statements)  # nobody asked for an fsync


def test_a_durable_job_makes_its_group_commit_durable(db, executor):
    statements = traced(db, executor)
    committer = GroupCommitter(db.group, executor)
    release = hold(executor)
    plain = committer.submit(insert(db, 1))
    durable = committer.submit(insert_durable(db, 2), durable=True)
    release.set()
    assert (plain.result(timeout=10), durable.result(timeout=10)) == (1, 2)
    full = statements.index("PRAGMA synchronous = FULL")
    assert full < statements.index("BEGIN IMMEDIATE") < statements.index("COMMIT")
    assert statements.count("COMMIT") == 1


def insert_durable(db, value):
    def job():
        with db.write(durable=True) as conn:
            conn.execute("INSERT INTO t VALUES (?)", (value,))
        return value

    return job


def test_a_durable_write_in_a_job_not_submitted_as_durable_is_refused_not_weakened(db, executor):
    committer = GroupCommitter(db.group, executor)
    release = hold(executor)
    wrong = committer.submit(insert_durable(db, 1))  # durable=False: a programming error
    fine = committer.submit(insert(db, 2))
    release.set()
    with pytest.raises(RuntimeError, match="durable write inside a group commit"):
        wrong.result(timeout=10)
    assert fine.result(timeout=10) == 2
    assert rows(db) == [2]


def test_a_failing_job_rolls_back_its_own_writes_only(db, executor):
    committer = GroupCommitter(db.group, executor)

    def half_then_fail():
        with db.write() as conn:
            conn.execute("INSERT INTO t VALUES (99)")
            raise ValueError("refused")

    release = hold(executor)
    before = committer.submit(insert(db, 1))
    failing = committer.submit(half_then_fail)
    after = committer.submit(insert(db, 2))
    release.set()
    with pytest.raises(ValueError, match="refused"):
        failing.result(timeout=10)
    assert (before.result(timeout=10), after.result(timeout=10)) == (1, 2)
    assert rows(db) == [1, 2]  # 99 rolled back with its job


def test_when_sqlite_ends_the_transaction_no_job_of_the_group_is_reported_done(db, executor):
    """SQLite rolls a transaction back by itself on some errors (disk full, I/O error); simulated
    here by a job whose statement ends it. The jobs before it are lost with it and hear so; the jobs
    after it are not run; nothing is committed."""
    committer = GroupCommitter(db.group, executor)

    def end_the_transaction():
        db.connection().execute("ROLLBACK")
        raise sqlite3.OperationalError("database or disk is full")

    release = hold(executor)
    before = committer.submit(insert(db, 1))
    breaking = committer.submit(end_the_transaction)
    after = committer.submit(insert(db, 2))
    release.set()
    for future in (before, breaking, after):
        with pytest.raises(sqlite3.OperationalError, match="disk is full"):
            future.result(timeout=10)
    assert rows(db) == []
    # The thread goes on: the next group commits normally.
    assert committer.submit(insert(db, 3)).result(timeout=10) == 3
    assert rows(db) == [3]


def test_a_job_is_reported_done_only_once_its_commit_is_visible_to_others(db, executor):
    committer = GroupCommitter(db.group, executor)
    seen: list[list[int]] = []
    release = hold(executor)
    first = committer.submit(insert(db, 1))
    first.add_done_callback(lambda _: seen.append(rows(db)))  # runs on the database thread
    second = committer.submit(insert(db, 2))
    release.set()
    first.result(timeout=10)
    second.result(timeout=10)
    executor.submit(lambda: None).result(timeout=10)
    assert seen == [[1, 2]]  # both committed (one group) before the first job was reported


def test_a_long_queue_is_committed_in_bounded_groups(db, executor):
    statements = traced(db, executor)
    committer = GroupCommitter(db.group, executor)
    release = hold(executor)
    futures = [committer.submit(insert(db, n)) for n in range(MAX_JOBS * 2 + 1)]
    release.set()
    assert [f.result(timeout=10) for f in futures] == list(range(MAX_JOBS * 2 + 1))
    assert statements.count("COMMIT") == 3


def test_a_plain_write_transaction_does_not_nest_inside_a_group(db):
    def nested_write():
        with db.write():
            pass

    def group_inside_a_write():
        with db.write(), db.group(durable=False):
            pass

    with db.group(durable=False), db.write(), pytest.raises(RuntimeError, match="do not nest"):
        nested_write()
    with pytest.raises(RuntimeError, match="do not nest"):
        group_inside_a_write()


def test_a_job_whose_caller_stopped_waiting_still_runs_and_the_next_groups_too(db, executor):
    """An asyncio task cancelled while it awaits ``wrap_future(job)`` cancels that future. The job was
    queued, so it runs all the same, its caller can still read what it did, and the database thread
    goes on with the next groups (a cancelled future refused its result and stopped the thread's flush:
    the outbox's claim ran unseen and its operation stayed "in flight")."""
    committer = GroupCommitter(db.group, executor)
    release = hold(executor)
    first = committer.submit(insert(db, 1), durable=True)
    assert not first.cancel()  # what asyncio's wrap_future does when the awaiting task is cancelled
    release.set()
    assert first.result(timeout=10) == 1
    assert committer.submit(insert(db, 2)).result(timeout=10) == 2
    assert rows(db) == [1, 2]
