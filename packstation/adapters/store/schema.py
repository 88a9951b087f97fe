"""The station database's schema and its forward migrations.

The schema version lives in ``PRAGMA user_version``. At start-up ``migrate`` applies every migration
newer than the file, each in its own ``BEGIN IMMEDIATE`` transaction together with the version bump, so
a crash mid-upgrade leaves the file at a consistent earlier version. A file written by a newer app is
refused with a clear message instead of being misread.

Migrations are append-only: never edit a released one, add the next. They are SQL scripts because
the schema needs what sqlite-utils' table creation cannot express (CHECK constraints, partial indexes,
triggers, AUTOINCREMENT); use ``db.tables()[name].transform()`` for a later step that only changes
columns, types, defaults or foreign keys (it rebuilds the table keeping rows, indexes and CHECKs, and
nests in our transaction as a savepoint). Steps v4 and v5 change a CHECK, which ``transform()`` cannot.
After migrating, ``sqlite_master`` confirms every table of the current schema is there.
"""

from __future__ import annotations

import sqlite3

from packstation.adapters.store.connection import Database


class SchemaTooNewError(RuntimeError):
    """The database file was written by a newer packstation."""

    def __init__(self, found: int, supported: int) -> None:
        super().__init__(
            f"this database was written by a newer packstation (schema {found}); update the app "
            f"(this version understands schema {supported} and older)"
        )
        self.found = found
        self.supported = supported


_V1 = """
CREATE TABLE shipments_cache (
    id TEXT PRIMARY KEY,
    external_id TEXT,
    tos_id TEXT,
    json TEXT NOT NULL,
    fetched_at REAL NOT NULL
);
CREATE INDEX shipments_cache_external_id ON shipments_cache(external_id);
CREATE INDEX shipments_cache_tos_id ON shipments_cache(tos_id);

CREATE TABLE packing_sessions (
    id TEXT PRIMARY KEY,
    order_key TEXT NOT NULL,
    shipment_id TEXT,
    state TEXT NOT NULL CHECK (state IN ('open', 'parked', 'completed', 'cancelled')),
    packer TEXT NOT NULL DEFAULT '',
    snapshot TEXT NOT NULL DEFAULT '{}',
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX packing_sessions_state ON packing_sessions(state);

CREATE TABLE boxes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL REFERENCES packing_sessions(id),
    shipment_id TEXT NOT NULL,
    slot INTEGER CHECK (slot IS NULL OR slot >= 1),
    state TEXT NOT NULL
        CHECK (state IN ('open', 'queued', 'booking', 'booked', 'printed', 'failed', 'voided')),
    box_type TEXT NOT NULL DEFAULT '',
    length_mm INTEGER,
    width_mm INTEGER,
    height_mm INTEGER,
    weight_g INTEGER,
    packer TEXT NOT NULL DEFAULT '',
    station TEXT NOT NULL DEFAULT '',
    items TEXT NOT NULL DEFAULT '{}',
    local_tag TEXT UNIQUE,
    parcel_id TEXT UNIQUE,
    delivery_id TEXT,
    tracking_number TEXT UNIQUE,
    label_url TEXT,
    error TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    booked_at REAL,
    printed_at REAL,
    voided_at REAL
);
-- A slot is filled by exactly one box (a voided box that never got a parcel gives its slot back: NULL).
CREATE UNIQUE INDEX boxes_shipment_slot ON boxes(shipment_id, slot) WHERE slot IS NOT NULL;
CREATE INDEX boxes_session ON boxes(session_id);

CREATE TABLE scans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts REAL NOT NULL,
    packer TEXT NOT NULL DEFAULT '',
    station TEXT NOT NULL DEFAULT '',
    session_id TEXT,
    order_key TEXT,
    raw TEXT NOT NULL,
    kind TEXT NOT NULL,
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX scans_session ON scans(session_id);
CREATE TRIGGER scans_no_update BEFORE UPDATE ON scans
BEGIN SELECT RAISE(ABORT, 'the scan log is append-only'); END;
CREATE TRIGGER scans_no_delete BEFORE DELETE ON scans
BEGIN SELECT RAISE(ABORT, 'the scan log is append-only'); END;

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    shipment_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}',
    box_id INTEGER REFERENCES boxes(id),
    state TEXT NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'in_flight', 'done', 'needs_attention', 'cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL DEFAULT 0,
    last_error TEXT,
    outcome_unknown INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
-- The worker's hot query: the oldest active operation of each shipment.
CREATE INDEX outbox_active ON outbox(shipment_id, id)
    WHERE state IN ('pending', 'in_flight', 'needs_attention');
CREATE INDEX outbox_box ON outbox(box_id);
CREATE INDEX outbox_state ON outbox(state);

CREATE TABLE print_jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sending', 'done', 'failed')),
    printer_uri TEXT NOT NULL,
    source_url TEXT,
    payload BLOB,
    tracking_number TEXT,
    box_id INTEGER REFERENCES boxes(id),
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    reprint_of INTEGER REFERENCES print_jobs(id),
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX print_jobs_state ON print_jobs(state, id);
"""

# End of day: boxes handed to the carriers. A pickup run groups the boxes of one end-of-day (one
# manifest); a box is handed over when its book_pickup operation is done, recorded by the trigger in the
# same transaction as the operation's completion, so a crash cannot separate the two.
_V2 = """
CREATE TABLE pickup_runs (
    id TEXT PRIMARY KEY,
    station TEXT NOT NULL DEFAULT '',
    started_at REAL NOT NULL,
    finished_at REAL
);
ALTER TABLE boxes ADD COLUMN pickup_run TEXT REFERENCES pickup_runs(id);
ALTER TABLE boxes ADD COLUMN handed_over_at REAL;
CREATE INDEX boxes_pickup_run ON boxes(pickup_run);
CREATE TRIGGER outbox_pickup_done AFTER UPDATE OF state ON outbox
WHEN NEW.kind = 'book_pickup' AND NEW.state = 'done' AND NEW.box_id IS NOT NULL
BEGIN
    UPDATE boxes SET handed_over_at = COALESCE(handed_over_at, NEW.updated_at) WHERE id = NEW.box_id;
END;
"""

# Packing slips survive a crash: ``slip`` on a session is 'wanted' from the transaction that completed
# the order (when slips are on), 'queued' from the transaction that added its print job (found by
# ``session_id``), or 'skipped' when it cannot be made. Reprints look jobs up by box.
_V3 = """
ALTER TABLE packing_sessions ADD COLUMN slip TEXT CHECK (slip IN ('wanted', 'queued', 'skipped'));
ALTER TABLE print_jobs ADD COLUMN session_id TEXT REFERENCES packing_sessions(id);
CREATE INDEX packing_sessions_slip ON packing_sessions(slip) WHERE slip = 'wanted';
CREATE INDEX print_jobs_box ON print_jobs(box_id);
"""

# One vocabulary for session states: the domain's ``SessionState`` (packing, parked, complete,
# cancelled) replaces the store's own names (open, completed). A CHECK constraint cannot be altered in
# SQLite, and sqlite-utils' ``transform()`` copies CHECK constraints verbatim (it has no option to change
# one, and its row copy would fail the new constraint), so this is SQLite's own table rebuild: new table,
# rows copied with the names mapped, old table dropped, new one renamed, indexes recreated. The foreign
# keys pointing at packing_sessions (boxes, print_jobs) are checked by ``migrate`` before the COMMIT.
_V4 = """
CREATE TABLE packing_sessions_v4 (
    id TEXT PRIMARY KEY,
    order_key TEXT NOT NULL,
    shipment_id TEXT,
    state TEXT NOT NULL CHECK (state IN ('packing', 'parked', 'complete', 'cancelled')),
    packer TEXT NOT NULL DEFAULT '',
    snapshot TEXT NOT NULL DEFAULT '{}',
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    slip TEXT CHECK (slip IN ('wanted', 'queued', 'skipped'))
);
INSERT INTO packing_sessions_v4
    (id, order_key, shipment_id, state, packer, snapshot, created_at, updated_at, slip)
SELECT id, order_key, shipment_id,
    CASE state WHEN 'open' THEN 'packing' WHEN 'completed' THEN 'complete' ELSE state END,
    packer, snapshot, created_at, updated_at, slip
FROM packing_sessions;
DROP TABLE packing_sessions;
ALTER TABLE packing_sessions_v4 RENAME TO packing_sessions;
CREATE INDEX packing_sessions_state ON packing_sessions(state);
CREATE INDEX packing_sessions_slip ON packing_sessions(slip) WHERE slip = 'wanted';
"""

# Print jobs gain two states (packstation.domain.printing.PrintJobState): 'preparing' (downloading or
# rendering: a crash there is redone at start-up) and 'uncertain' (interrupted while the bytes went to
# the device: only a person resolves it). SQLite cannot alter a CHECK, so the table is rebuilt: renamed
# first (so its self-reference follows), copied, dropped, its indexes made again.
_V5 = """
ALTER TABLE print_jobs RENAME TO print_jobs_v4;
CREATE TABLE print_jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued'
        CHECK (state IN ('queued', 'preparing', 'sending', 'done', 'failed', 'uncertain')),
    printer_uri TEXT NOT NULL,
    source_url TEXT,
    payload BLOB,
    tracking_number TEXT,
    box_id INTEGER REFERENCES boxes(id),
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    reprint_of INTEGER REFERENCES print_jobs(id),
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    session_id TEXT REFERENCES packing_sessions(id)
);
INSERT INTO print_jobs (id, kind, state, printer_uri, source_url, payload, tracking_number, box_id,
    attempts, error, reprint_of, created_at, updated_at, session_id)
SELECT id, kind, state, printer_uri, source_url, payload, tracking_number, box_id,
    attempts, error, reprint_of, created_at, updated_at, session_id FROM print_jobs_v4 ORDER BY id;
DROP TABLE print_jobs_v4;
CREATE INDEX print_jobs_state ON print_jobs(state, id);
CREATE INDEX print_jobs_box ON print_jobs(box_id);
"""

# The product catalogue (barcode -> SKU, units per scan, weight), and each box's lots/serials/dates
# (``boxes.tracked``, JSON ``TrackedUnit`` list). Catalogue rows are keyed by the GTIN-14 of a GTIN
# (domain.item_codes.barcode_key) so every length of a GTIN finds its row; ``source`` says where a row
# came from (import, learned) and learned rows keep who taught them and when.
_V6 = """
CREATE TABLE catalogue (
    key TEXT PRIMARY KEY,
    barcode TEXT NOT NULL,
    sku TEXT NOT NULL CHECK (sku <> ''),
    name TEXT NOT NULL DEFAULT '',
    units INTEGER NOT NULL DEFAULT 1 CHECK (units > 0),
    weight_g REAL CHECK (weight_g IS NULL OR weight_g >= 0),
    image TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT 'import' CHECK (source IN ('import', 'learned')),
    learned_by TEXT,
    updated_at REAL NOT NULL
) WITHOUT ROWID;
CREATE INDEX catalogue_sku ON catalogue(sku);
ALTER TABLE boxes ADD COLUMN tracked TEXT NOT NULL DEFAULT '[]';
"""

# Exactly once across benches (packstation.domain.parcel_claims, docs/ARCHITECTURE.md): every box gets
# a uuid of its own (with the station id it names the box in the shipment's ``meta`` claims; boxes made
# before this step get one here), a session keeps what ``assess_open`` found at order open (parcels
# booked elsewhere, which its boxes never take; unbooked presets a box may claim) and the packer's
# choice, and every ``add_parcel`` is written to ``sent_writes`` (with the shipment's parcel ids before
# it) durably *before* it is sent, so a write whose answer is lost is attributed after a crash too. A box
# voided before its parcel was booked gives that parcel up into ``released_parcel_id``: it stays this
# station's, and the next box of the shipment takes it (``bookParcels`` would book it anyway).
_V7 = """
ALTER TABLE boxes ADD COLUMN box_uuid TEXT;
UPDATE boxes SET box_uuid = lower(hex(randomblob(16))) WHERE box_uuid IS NULL;
CREATE UNIQUE INDEX boxes_box_uuid ON boxes(box_uuid);
ALTER TABLE boxes ADD COLUMN released_parcel_id TEXT;
ALTER TABLE packing_sessions ADD COLUMN foreign_ids TEXT;
ALTER TABLE packing_sessions ADD COLUMN placeholder_ids TEXT;
ALTER TABLE packing_sessions ADD COLUMN foreign_choice TEXT
    CHECK (foreign_choice IS NULL OR foreign_choice IN ('reprint', 'pack_extra', 'leave'));
CREATE TABLE sent_writes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    shipment_id TEXT NOT NULL,
    box_id INTEGER NOT NULL REFERENCES boxes(id),
    box_key TEXT NOT NULL,
    sent_at REAL NOT NULL,
    parcels_before TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX sent_writes_shipment ON sent_writes(shipment_id);
"""

# Retention (adapters/store/retention.py): the scan log stays append-only, except rows older than the
# audit period, which only the pruner may delete (it opens ``retention_gate`` inside its own
# transaction and closes it again); indexes for the pruner's age queries.
_V8 = """
DROP TRIGGER scans_no_delete;
CREATE TABLE retention_gate (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    scans_before REAL NOT NULL DEFAULT 0
);
INSERT INTO retention_gate (id, scans_before) VALUES (1, 0);
CREATE TRIGGER scans_no_delete BEFORE DELETE ON scans
WHEN OLD.ts >= (SELECT scans_before FROM retention_gate WHERE id = 1)
BEGIN SELECT RAISE(ABORT, 'the scan log is append-only'); END;
CREATE INDEX scans_ts ON scans(ts);
CREATE INDEX outbox_finished ON outbox(updated_at) WHERE state IN ('done', 'cancelled');
CREATE INDEX print_jobs_updated ON print_jobs(updated_at);
CREATE INDEX shipments_cache_fetched ON shipments_cache(fetched_at);
CREATE INDEX packing_sessions_updated ON packing_sessions(updated_at);
"""

# Session snapshots saved as deltas (adapters/store/sessions.py): the row's snapshot is the base, each
# save after it a row here with what changed, applied in seq order; snapshot_rev names the last write,
# so a process knows whether the row still holds what it wrote itself.
_V9 = """
ALTER TABLE packing_sessions ADD COLUMN snapshot_rev INTEGER NOT NULL DEFAULT 0;
CREATE TABLE session_deltas (
    seq INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES packing_sessions(id) ON DELETE CASCADE,
    delta TEXT NOT NULL
);
CREATE INDEX session_deltas_session ON session_deltas(session_id, seq);
"""

# Index i holds the script that takes the schema from version i to i + 1.
MIGRATIONS: tuple[str, ...] = (_V1, _V2, _V3, _V4, _V5, _V6, _V7, _V8, _V9)
SCHEMA_VERSION = len(MIGRATIONS)

# The tables of the current schema (the support commands in README list them with sqlite-utils).
TABLES = (
    "shipments_cache",
    "packing_sessions",
    "boxes",
    "scans",
    "outbox",
    "print_jobs",
    "pickup_runs",
    "catalogue",
    "sent_writes",
    "retention_gate",
    "session_deltas",
)


def _statements(script: str) -> list[str]:
    """Split a migration into statements (triggers contain ';' inside BEGIN ... END)."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if buffer.strip() and sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements


def schema_version(db: Database) -> int:
    return int(db.scalar("PRAGMA user_version"))


def migrate(db: Database) -> int:
    """Bring the file up to ``SCHEMA_VERSION``; returns the version found before. Afterwards the schema
    is checked (``Database.table_names``, plain SQL: no sqlite-utils at start-up): every table the store
    uses is there (a file damaged or edited by hand is refused here with its name rather than failing at
    the first scan)."""
    found = schema_version(db)
    if found > SCHEMA_VERSION:
        raise SchemaTooNewError(found, SCHEMA_VERSION)
    conn = db.connection()
    # SQLite's procedure for schema changes: foreign keys off while a table is rebuilt (they cannot be
    # switched inside a transaction, and dropping a parent table would count its children as
    # violations), then every key checked before the COMMIT: a violation rolls the step back.
    conn.execute("PRAGMA foreign_keys = OFF")
    try:
        for version in range(found, SCHEMA_VERSION):
            with db.write(durable=True) as conn:
                # Re-check inside the lock: another process may have migrated meanwhile.
                current = int(conn.execute("PRAGMA user_version").fetchone()[0])
                if current > version:
                    continue
                for statement in _statements(MIGRATIONS[version]):
                    conn.execute(statement)
                broken = conn.execute("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise sqlite3.IntegrityError(
                        f"schema step {version + 1} would break {len(broken)} reference(s),"
                        f" e.g. {tuple(broken[0])}"
                    )
                conn.execute(f"PRAGMA user_version = {version + 1}")
    finally:
        conn.execute("PRAGMA foreign_keys = ON")
    missing = set(TABLES) - set(db.table_names())
    if missing:
        raise sqlite3.DatabaseError(f"the station database lacks table(s) {', '.join(sorted(missing))}")
    return found
