"""Station data moves from the old per-user folder to the bench's folder, losing nothing."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

from packstation.adapters.config import load_effective
from packstation.adapters.data_folder import (
    DB_NAME,
    MOVED_NOTE,
    migrate_station_data,
    settle_data_dir,
)
from packstation.adapters.store import Store


def _old_station(folder: Path) -> dict[str, list[tuple]]:
    """A per-user folder as an older version left it: a database with an outbox op still waiting,
    a print job, scans (the last ones still in the WAL file), and a barcodes.csv."""
    folder.mkdir(parents=True)
    store = Store.open(folder / DB_NAME)
    store.close()
    conn = sqlite3.connect(folder / DB_NAME)
    now = time.time()
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA wal_autocheckpoint = 0")  # keep the last writes in the -wal file
    for i in range(50):
        conn.execute(
            "INSERT INTO scans (ts, raw, kind, outcome) VALUES (?, ?, 'item', 'ok')", (now + i, f"73{i:011d}")
        )
    conn.execute(
        "INSERT INTO outbox (shipment_id, kind, payload, created_at, updated_at)"
        " VALUES ('s-1', 'book', '{}', ?, ?)",
        (now, now),
    )
    conn.execute(
        "INSERT INTO print_jobs (kind, printer_uri, payload, created_at, updated_at)"
        " VALUES ('label', 'preview', ?, ?, ?)",
        (b"\x00\x01label", now, now),
    )
    conn.commit()
    (folder / "barcodes.csv").write_text("barcode,sku\n7300000000017,TEE\n")
    (folder / "labels").mkdir()
    (folder / "labels" / "1.svg").write_text("<svg/>")
    rows = {
        t: conn.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall()
        for t in ("scans", "outbox", "print_jobs")
    }
    assert (folder / f"{DB_NAME}-wal").stat().st_size > 0
    # the old app still has the database open while it is copied: leave this connection open
    _old_station.keep = conn  # type: ignore[attr-defined]
    return rows


def test_the_migration_copies_every_row_and_file_and_keeps_the_old_database(tmp_path):
    user, bench = tmp_path / "user", tmp_path / "bench"
    rows = _old_station(user)
    moved = migrate_station_data(user, bench)
    _old_station.keep.close()  # type: ignore[attr-defined]
    assert moved is not None and moved.rows["scans"] == 50 and moved.rows["outbox"] == 1
    assert set(moved.files) == {"barcodes.csv", "labels/1.svg"}
    conn = sqlite3.connect(bench / DB_NAME)
    for table, expected in rows.items():
        assert conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall() == expected
    assert (bench / "barcodes.csv").read_text() == (user / "barcodes.csv").read_text()
    # the old database is kept, renamed so that no old version sends its outbox again
    assert not (user / DB_NAME).exists() and (user / f"{DB_NAME}.moved").is_file()
    assert str(bench) in (user / MOVED_NOTE).read_text()
    assert Store.open(bench / DB_NAME) is not None  # the app opens the moved database


def test_the_migration_runs_once(tmp_path):
    user, bench = tmp_path / "user", tmp_path / "bench"
    _old_station(user)
    assert migrate_station_data(user, bench) is not None
    _old_station.keep.close()  # type: ignore[attr-defined]
    assert migrate_station_data(user, bench) is None


def test_a_bench_folder_with_its_own_database_is_never_overwritten(tmp_path, expected_log):
    expected_log.allow("hold a station database")
    user, bench = tmp_path / "user", tmp_path / "bench"
    _old_station(user)
    _old_station.keep.close()  # type: ignore[attr-defined]
    bench.mkdir()
    Store.open(bench / DB_NAME).close()
    before = (bench / DB_NAME).read_bytes()
    assert migrate_station_data(user, bench) is None
    assert (bench / DB_NAME).read_bytes() == before
    assert (user / DB_NAME).is_file() and not (user / MOVED_NOTE).exists()  # the old one untouched


def test_an_unwritable_bench_folder_keeps_the_per_user_folder_and_says_why(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    bench = blocker / "packstation"  # cannot be created: its parent is a file
    folder, how = settle_data_dir(bench, tmp_path / "user")
    assert folder == tmp_path / "user"
    assert how == f"per-user folder: the bench folder {bench} is not writable"


def test_the_default_data_folder_is_the_bench_folder_with_the_old_data_moved_in(tmp_path, monkeypatch):
    monkeypatch.setenv("PACKSTATION_BENCH_DATA_DIR", str(tmp_path / "bench"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    rows = _old_station(tmp_path / "xdg" / "packstation")
    _old_station.keep.close()  # type: ignore[attr-defined]
    effective = load_effective({}, environ={}, path=tmp_path / "none.json", site_path=tmp_path / "none")
    assert effective.config.data_dir == tmp_path / "bench"
    assert effective.origins["data_dir"].startswith("built-in default (per-bench folder; data moved here")
    conn = sqlite3.connect(tmp_path / "bench" / DB_NAME)
    assert conn.execute("SELECT count(*) FROM scans").fetchone()[0] == len(rows["scans"])
    # a configured data folder is left as it is: no move
    again = load_effective({"data_dir": str(tmp_path / "mine")}, environ={}, path=tmp_path / "none.json")
    assert again.config.data_dir == tmp_path / "mine" and not (tmp_path / "mine").exists()
    assert json.dumps(effective.config.to_json())  # still serialisable for `config show`


def test_using_the_bench_folder_makes_new_files_writable_for_the_benchs_group(tmp_path):
    import os

    before = os.umask(0o022)
    try:
        folder, _ = settle_data_dir(tmp_path / "bench", tmp_path / "user")
        (folder / "new.sqlite3").write_text("")
        assert (folder / "new.sqlite3").stat().st_mode & 0o060 == 0o060
        assert (folder / "new.sqlite3").stat().st_mode & 0o002 == 0  # not for others
    finally:
        os.umask(before)
