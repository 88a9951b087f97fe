"""Where the station's data lives: the per-bench folder, and the one-time move out of the per-user folder.

Station data (the database with its outbox, print jobs and cached shipments, ``barcodes.csv``) used to
live in the OS user's data folder, so two users of one bench PC had two outboxes. It now lives in the
bench's folder (``domain.settings.bench_data_dir``). ``settle_data_dir`` picks the folder at start-up
and ``migrate_station_data`` moves an old per-user folder's data into it, losing nothing:

* the database is copied with SQLite's online backup (WAL contents included), checked row by row
  against the original table by table, and only then put in place (an atomic rename);
* every other file is copied, never over one already in the bench folder;
* the old database is then renamed ``station.sqlite3.moved`` (kept, not deleted) next to a
  ``MOVED.txt`` saying where the data went, so an older app version cannot send its outbox twice;
* when the bench folder already has a database, nothing is touched and a warning names both.

When the bench folder cannot be written (a developer's machine without the installer), the per-user
folder is used as before, and the reason is given as the data folder's origin in ``config show``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sqlite3
import time
from pathlib import Path

import msgspec

log = logging.getLogger(__name__)

DB_NAME = "station.sqlite3"
MOVED_SUFFIX = ".moved"
MOVED_NOTE = "MOVED.txt"
LOCK_NAME = ".migrating.lock"
LOCK_WAIT_S = 30.0
# A lock older than this was left by a killed migration.
STALE_LOCK_S = 600.0
SHARED_MODE = 0o660  # other users of the bench (the packstation group) must write the database too


class MigrationError(OSError):
    """The copy did not match the original: nothing was moved, the old folder is untouched."""


class Migration(msgspec.Struct, frozen=True):
    """What a move did: the folders, the rows copied per table and the other files copied."""

    source: Path
    target: Path
    rows: dict[str, int]
    files: tuple[str, ...]


def writable(folder: Path) -> bool:
    """True when ``folder`` exists or can be made, and a file can be created in it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".write-test-{os.getpid()}"
        probe.write_text("", encoding="utf-8")
        probe.unlink()
        return True
    except OSError:
        return False


def settle_data_dir(bench: Path, user: Path) -> tuple[Path, str]:
    """The folder to use when the data folder is not configured, and why, in words: the bench folder
    (after moving the per-user folder's data into it), or the per-user folder when the bench folder
    cannot be written."""
    if not writable(bench):
        return user, f"per-user folder: the bench folder {bench} is not writable"
    try:
        moved = migrate_station_data(user, bench)
    except (OSError, sqlite3.Error) as exc:
        log.error("Could not move the station data from %s to %s (%s); using %s", user, bench, exc, user)
        return user, f"per-user folder: moving it to {bench} failed ({exc})"
    share_with_group()
    if moved is not None:
        return bench, f"per-bench folder; data moved here from {user}"
    return bench, "per-bench folder"


def share_with_group() -> None:
    """Files this process creates are group-readable and -writable: the database and its -wal/-shm
    files in the bench folder must be writable by the next OS user of the bench (the folder's setgid
    bit makes them the packstation group's). Others get nothing the umask did not already give."""
    if os.name == "posix":
        current = os.umask(0)
        os.umask(current & ~0o060)


def _tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    return sorted(str(row[0]) for row in rows)


def _counts(conn: sqlite3.Connection) -> dict[str, int]:
    return {
        table: int(conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]) for table in _tables(conn)
    }


@contextlib.contextmanager
def _lock(folder: Path):  # type: ignore[no-untyped-def]
    """One migration at a time per bench folder (two users logging in at once)."""
    lock = folder / LOCK_NAME
    deadline = time.monotonic() + LOCK_WAIT_S
    while True:
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            break
        except FileExistsError:
            with contextlib.suppress(OSError):
                if time.time() - lock.stat().st_mtime > STALE_LOCK_S:
                    lock.unlink()
                    continue
            if time.monotonic() > deadline:
                raise MigrationError(f"another start-up is moving station data into {folder}") from None
            time.sleep(0.2)
    try:
        os.close(fd)
        yield
    finally:
        with contextlib.suppress(OSError):
            lock.unlink()


def _copy_database(source: Path, target: Path) -> dict[str, int]:
    """Copy ``source`` into ``target`` with SQLite's backup (consistent, WAL included) and check that
    every table has the same rows; returns the row counts."""
    partial = target.with_name(f"{target.name}.partial-{os.getpid()}")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode = WAL")
            expected, got = _counts(src), _counts(dst)
            if expected != got or dst.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise MigrationError(f"the copy of {source} does not match it ({expected} != {got})")
            for table in expected:
                # the same rows, not only as many: compare every row's content, table by table
                # (ordered by every column: a WITHOUT ROWID table, like the catalogue, has no rowid)
                columns = ", ".join(f'"{row[1]}"' for row in src.execute(f'PRAGMA table_info("{table}")'))
                query = f'SELECT * FROM "{table}" ORDER BY {columns}'
                if src.execute(query).fetchall() != dst.execute(query).fetchall():
                    raise MigrationError(f"the copy of table {table} from {source} differs")
        finally:
            dst.close()
        with contextlib.suppress(OSError):
            os.chmod(partial, SHARED_MODE)
        os.replace(partial, target)
        return expected
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise
    finally:
        src.close()


def migrate_station_data(source: Path, target: Path) -> Migration | None:
    """Move the station data in ``source`` (the old per-user folder) into ``target`` (the bench folder);
    None when there was nothing to move. See the module docstring for what is kept where."""
    old_db = source / DB_NAME
    if source.resolve() == target.resolve() or not old_db.is_file():
        return None
    target.mkdir(parents=True, exist_ok=True)
    with _lock(target):
        if (target / DB_NAME).exists():
            log.warning(
                "Both %s and %s hold a station database; using %s. The one in %s is left untouched: "
                "send what its outbox holds with `packstation outbox --retry --data-dir %s`",
                source,
                target,
                target,
                source,
                source,
            )
            return None
        rows = _copy_database(old_db, target / DB_NAME)
        copied: list[str] = []
        for path in sorted(source.rglob("*")):
            relative = path.relative_to(source)
            if not path.is_file() or relative.parts[0].startswith(DB_NAME) or path.name == MOVED_NOTE:
                continue
            destination = target / relative
            if destination.exists():
                continue
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)
            copied.append(relative.as_posix())
        for suffix in ("", "-wal", "-shm"):
            old = source / f"{DB_NAME}{suffix}"
            if old.exists():
                os.replace(old, old.with_name(old.name + MOVED_SUFFIX))
        (source / MOVED_NOTE).write_text(
            f"The station data in this folder moved to {target} on {time.strftime('%Y-%m-%d %H:%M:%S')}.\n"
            f"{DB_NAME}{MOVED_SUFFIX} is the database as it was; the app no longer uses it.\n",
            encoding="utf-8",
        )
    log.info(
        "Station data moved from %s to %s: %s rows in %d tables, %d other files",
        source,
        target,
        sum(rows.values()),
        len(rows),
        len(copied),
    )
    return Migration(source, target, rows, tuple(copied))
