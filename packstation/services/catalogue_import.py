"""Importing a catalogue file into the station's store: the one path for ``packstation catalogue import``
and the Settings dialog's Catalogue tab.

The whole file is checked first (``domain.catalogue.parse_catalogue``); a bad row anywhere (an invalid
check digit, a barcode mapped to two SKUs, units <= 0, an unreadable file or encoding) is reported with its
line number and nothing changes. ``merge`` adds and updates rows instead of replacing the imported ones;
rows learned at the bench are kept either way.
"""

from __future__ import annotations

import time
from pathlib import Path

import msgspec

from packstation.adapters.store import Store
from packstation.adapters.store.catalogue import ImportMode, ImportResult
from packstation.domain.catalogue import CatalogueFileError, parse_catalogue


class CatalogueImportError(ValueError):
    """Nothing was imported; the message says why (the first bad lines, "line N: ...")."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class CatalogueImport(msgspec.Struct, frozen=True):
    source: str
    mode: ImportMode
    result: ImportResult
    seconds: float

    def sentence(self) -> str:
        r = self.result
        return (
            f"Imported {r.rows} barcode(s) from {self.source} ({self.mode.value}): {r.added} new, "
            f"{r.updated} updated, {r.removed} removed; the catalogue now has {r.total} "
            f"({self.seconds:.1f} s)."
        )


def import_catalogue(store: Store, data: bytes, *, source: str, merge: bool = False) -> CatalogueImport:
    """Check ``data`` (a whole catalogue file) and import it, or raise ``CatalogueImportError``."""
    started = time.perf_counter()
    try:
        entries = parse_catalogue(data)
    except CatalogueFileError as exc:
        raise CatalogueImportError(
            f"{source}: {len(exc.problems)} bad row(s), nothing was imported:\n{exc}", exc.problems
        ) from None
    mode = ImportMode.MERGE if merge else ImportMode.REPLACE
    result = store.catalogue.import_entries(entries, mode=mode)
    return CatalogueImport(source, mode, result, time.perf_counter() - started)


def import_catalogue_file(store: Store, path: str, *, merge: bool = False) -> CatalogueImport:
    """``import_catalogue`` of the file at ``path``; an unreadable file is a ``CatalogueImportError``."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise CatalogueImportError(f"cannot read the catalogue file {path}: {exc.strerror or exc}") from None
    return import_catalogue(store, data, source=path, merge=merge)
