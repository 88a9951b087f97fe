"""The product catalogue table: barcode -> SKU rows imported from the merchant's export, taught at the
bench (``CMD:LEARN``), or the demo's. Rows are keyed by ``barcode_key`` (a GTIN's GTIN-14).

An import is one transaction: ``replace`` empties the table first (rows learned at the bench are kept
unless the file maps the same barcode), ``merge`` adds and updates rows; either way a failure changes
nothing."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from enum import StrEnum

import msgspec

from packstation.adapters.store.connection import Repository
from packstation.domain.catalogue import CatalogueEntry
from packstation.domain.item_codes import barcode_key


class CatalogueSource(StrEnum):
    IMPORT = "import"
    LEARNED = "learned"


class ImportMode(StrEnum):
    REPLACE = "replace"  # the file is the whole catalogue (rows learned at the bench stay)
    MERGE = "merge"  # the file adds rows and updates rows with the same barcode


class CatalogueSummary(msgspec.Struct, frozen=True):
    rows: int
    learned: int
    updated_at: float | None  # the newest change (None: empty)


class ImportResult(msgspec.Struct, frozen=True):
    rows: int  # rows in the file
    added: int
    updated: int
    removed: int
    total: int  # rows in the catalogue afterwards


_INSERT = (
    "INSERT INTO catalogue (key, barcode, sku, name, units, weight_g, image, source, learned_by, updated_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT(key) DO UPDATE SET barcode = excluded.barcode, sku = excluded.sku, name = excluded.name,"
    " units = excluded.units, weight_g = excluded.weight_g, image = excluded.image,"
    " source = excluded.source, learned_by = excluded.learned_by, updated_at = excluded.updated_at"
)


def _entry(row: sqlite3.Row) -> CatalogueEntry:
    return CatalogueEntry(
        barcode=row["barcode"],
        sku=row["sku"],
        name=row["name"],
        units=int(row["units"]),
        weight_g=row["weight_g"],
        image=row["image"],
    )


class CatalogueStore(Repository):
    def import_entries(
        self,
        entries: Iterable[CatalogueEntry],
        *,
        mode: ImportMode,
        source: CatalogueSource = CatalogueSource.IMPORT,
    ) -> ImportResult:
        """Write checked rows (``domain.catalogue.parse_catalogue``) in one transaction."""
        now = self._clock()
        rows = [
            (e.key, e.barcode, e.sku, e.name, e.units, e.weight_g, e.image, source.value, None, now)
            for e in entries
        ]
        with self.db.write() as conn:
            # The file's keys in a temporary table: which rows it updates, which a replace removes.
            conn.execute("CREATE TEMP TABLE IF NOT EXISTS catalogue_import (key TEXT PRIMARY KEY)")
            conn.execute("DELETE FROM temp.catalogue_import")
            conn.executemany(
                "INSERT OR IGNORE INTO temp.catalogue_import VALUES (?)", [(r[0],) for r in rows]
            )
            existing = int(
                conn.execute(
                    "SELECT COUNT(*) FROM catalogue WHERE key IN (SELECT key FROM temp.catalogue_import)"
                ).fetchone()[0]
            )
            removed = 0
            if mode is ImportMode.REPLACE:
                removed = conn.execute(
                    "DELETE FROM catalogue WHERE source <> 'learned'"
                    " AND key NOT IN (SELECT key FROM temp.catalogue_import)"
                ).rowcount
            conn.execute("DELETE FROM temp.catalogue_import")
            conn.executemany(_INSERT, rows)
            total = int(conn.execute("SELECT COUNT(*) FROM catalogue").fetchone()[0])
        return ImportResult(len(rows), len(rows) - existing, existing, removed, total)

    def learn(self, barcode: str, sku: str, *, packer: str, at: float | None = None) -> None:
        """A mapping taught at the bench by ``packer`` (kept across imports)."""
        when = self._clock() if at is None or at <= 0 else at
        key = barcode_key(barcode)
        with self.db.write() as conn:
            conn.execute(
                _INSERT, (key, barcode, sku, "", 1, None, "", CatalogueSource.LEARNED.value, packer, when)
            )

    def lookup(self, code: str) -> CatalogueEntry | None:
        """The row of ``code`` (any GTIN length, or the code as it is), or None."""
        row = self.db.query_one("SELECT * FROM catalogue WHERE key = ?", (barcode_key(code),))
        return _entry(row) if row is not None else None

    def has_sku(self, sku: str) -> bool:
        return self.db.query_one("SELECT 1 FROM catalogue WHERE sku = ? LIMIT 1", (sku,)) is not None

    def row(self, code: str) -> dict[str, object] | None:
        """The whole stored row (with source, learned_by, updated_at), for ``catalogue lookup``."""
        row = self.db.query_one("SELECT * FROM catalogue WHERE key = ?", (barcode_key(code),))
        return dict(row) if row is not None else None

    def all(self) -> list[CatalogueEntry]:
        return [_entry(row) for row in self.db.query("SELECT * FROM catalogue ORDER BY sku, barcode")]

    def summary(self) -> CatalogueSummary:
        row = self.db.query_one(
            "SELECT COUNT(*) AS n, SUM(source = 'learned') AS learned, MAX(updated_at) AS at FROM catalogue"
        )
        assert row is not None
        return CatalogueSummary(int(row["n"]), int(row["learned"] or 0), row["at"])
