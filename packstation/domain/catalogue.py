"""The product catalogue: which SKU (and how many units of it) a product barcode means.

Rows come from the merchant's ERP/WMS export (``parse_catalogue``: CSV with a header row, or JSON lines),
from the demo, or from a supervisor teaching the bench an unknown barcode (``CMD:LEARN``). Every barcode is
keyed by ``item_codes.barcode_key``: a GTIN in any length (EAN-8, UPC-A, EAN-13, ITF-14/GTIN-14) is its
GTIN-14, so a product's EAN-13 and the GTIN-14 in its DataMatrix find the same row.

A file is checked whole before anything is used (all or nothing); each mistake is reported with its line
number: a GTIN with a wrong check digit, one barcode mapped to two SKUs, units not a whole number above
0, a weight that is not a number, a row without barcode or SKU, a line that is not JSON, text that is not
UTF-8. Columns the station does not use are ignored (exports carry many).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from packstation.domain.item_codes import GTIN_LENGTHS, barcode_key, is_gtin

COLUMNS = ("barcode", "sku", "name", "units", "weight_g", "image")
MAX_PROBLEMS_SHOWN = 20


@dataclass(frozen=True)
class CatalogueEntry:
    """One barcode of a product. ``units`` > 1: a case pack (the scan adds that many units)."""

    barcode: str
    sku: str
    name: str = ""
    units: int = 1
    weight_g: float | None = None  # one scan's weight (the whole case for a case pack)
    image: str = ""  # an optional picture path, for the screen
    key: str = field(init=False, repr=False, compare=False)  # barcode_key(barcode), computed once

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", barcode_key(self.barcode))


class CatalogueFileError(ValueError):
    """A catalogue file that cannot be imported; ``problems`` are "line N: ..." sentences."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = problems[:MAX_PROBLEMS_SHOWN]
        more = len(problems) - len(shown)
        tail = f"\n... and {more} more" if more > 0 else ""
        super().__init__("\n".join(shown) + tail)


class ItemCatalogue(Mapping[str, str]):
    """Barcode -> SKU, looked up by ``barcode_key`` (so it reads like the old alias table), with each
    barcode's full row from ``entry``.

    Rows held here come first; ``lookup`` (the store's ``catalogue.lookup``, one primary-key read) finds
    the others, so a 100,000-row catalogue is not loaded at start-up. ``has_sku`` says whether a SKU is
    in that larger catalogue (a SKU label of another order is "not in this order", not "unknown")."""

    def __init__(
        self,
        entries: Iterable[CatalogueEntry] = (),
        *,
        lookup: Callable[[str], CatalogueEntry | None] | None = None,
        has_sku: Callable[[str], bool] | None = None,
    ) -> None:
        self._rows: dict[str, CatalogueEntry] = {}
        for entry in entries:
            self._rows[entry.key] = entry
        self._lookup = lookup
        self._has_sku = has_sku

    @classmethod
    def of(cls, table: Mapping[str, str] | ItemCatalogue | None) -> ItemCatalogue:
        if isinstance(table, ItemCatalogue):
            return table
        return cls(CatalogueEntry(code, sku) for code, sku in (table or {}).items())

    def entry(self, code: str) -> CatalogueEntry | None:
        key = barcode_key(code)
        found = self._rows.get(key)
        if found is None and self._lookup is not None:
            found = self._lookup(key)
        return found

    def has_sku(self, sku: str) -> bool:
        return self._has_sku is not None and self._has_sku(sku)

    def add(self, entry: CatalogueEntry) -> None:
        self._rows[entry.key] = entry

    def skus(self) -> frozenset[str]:
        """The SKUs of the rows held here (``has_sku`` asks the rest)."""
        return frozenset(entry.sku for entry in self._rows.values())

    def __getitem__(self, code: str) -> str:
        entry = self.entry(code)
        if entry is None:
            raise KeyError(code)
        return entry.sku

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and self.entry(code) is not None

    def __iter__(self) -> Iterator[str]:  # the rows held here
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)


def check_barcode(barcode: str) -> str:
    """Why ``barcode`` cannot be a catalogue barcode, or ""."""
    if not barcode:
        return "no barcode"
    if len(barcode) > 128 or not barcode.isprintable():
        return f"barcode {barcode!r} is not a barcode's text"
    if barcode.isascii() and barcode.isdigit() and len(barcode) in GTIN_LENGTHS and not is_gtin(barcode):
        return f"barcode {barcode} has an invalid GS1 check digit"
    return ""


def _units(value: Any) -> int | None:
    if value is None or value == "":
        return 1
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    text = str(value).strip()
    return int(text) if text.isdecimal() and int(text) > 0 else None


def _weight(value: Any) -> tuple[bool, float | None]:
    if value is None or value == "":
        return True, None
    if isinstance(value, bool):
        return False, None
    try:
        grams = float(str(value).strip().replace(",", "."))
    except ValueError:
        return False, None
    return (grams >= 0 and grams == grams and grams != float("inf")), grams


def entry_from_row(row: Mapping[str, Any]) -> tuple[CatalogueEntry | None, list[str]]:
    """One row's entry, or the problems that keep it out (without line numbers)."""
    barcode = str(row.get("barcode") or "").strip()
    sku = str(row.get("sku") or "").strip()
    problems = []
    problem = check_barcode(barcode)
    if problem:
        problems.append(problem)
    if not sku:
        problems.append("no SKU")
    units = _units(row.get("units"))
    if units is None:
        problems.append(f"units must be a whole number above 0, not {row.get('units')!r}")
    ok, weight = _weight(row.get("weight_g"))
    if not ok:
        problems.append(f"weight_g must be grams (a number, 0 or more), not {row.get('weight_g')!r}")
    if problems or units is None:
        return None, problems
    name = str(row.get("name") or "").strip()
    image = str(row.get("image") or "").strip()
    return CatalogueEntry(barcode, sku, name, units, weight, image), []


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CatalogueFileError(
            [f"line {line}: the file is not UTF-8 text (save it from the spreadsheet as CSV UTF-8)"]
        ) from None


def _csv_rows(text: str) -> Iterator[tuple[int, dict[str, Any] | str]]:
    sample = text[:4096]
    first = sample.splitlines()[0] if sample.splitlines() else ""
    delimiter = max(",;\t", key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    for cells in reader:
        number = reader.line_num
        if not any(cell.strip() for cell in cells) or cells[0].lstrip().startswith("#"):
            continue
        if header is None:
            header = [cell.strip().lower() for cell in cells]
            if "barcode" not in header or "sku" not in header:
                yield (
                    number,
                    (
                        "the first row must be a header naming the columns barcode and sku "
                        "(and optionally name, units, weight_g, image)"
                    ),
                )
                return
            continue
        if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
            yield number, f"{len(cells)} cells but the header names {len(header)} columns"
            continue
        yield number, dict(zip(header, cells, strict=False))


def _json_rows(text: str) -> Iterator[tuple[int, dict[str, Any] | str]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, f"not JSON ({exc.msg})"
            continue
        if not isinstance(value, dict):
            yield number, 'each line must be an object like {"barcode": "...", "sku": "..."}'
            continue
        yield number, value


def parse_catalogue(data: bytes) -> list[CatalogueEntry]:
    """Every row of a catalogue file (CSV with a header row, or JSON lines, told apart by the first
    character), or ``CatalogueFileError`` naming each bad line. Rows repeating a barcode with the same SKU
    are kept once."""
    text = _decode(data)
    json_lines = text.lstrip().startswith("{")
    rows = _json_rows(text) if json_lines else _csv_rows(text)
    problems: list[str] = []
    entries: dict[str, CatalogueEntry] = {}
    first_line: dict[str, int] = {}
    for number, row in rows:
        if isinstance(row, str):
            problems.append(f"line {number}: {row}")
            continue
        entry, row_problems = entry_from_row(row)
        problems.extend(f"line {number}: {problem}" for problem in row_problems)
        if entry is None:
            continue
        earlier = entries.get(entry.key)
        if earlier is not None and earlier.sku != entry.sku:
            problems.append(
                f"line {number}: barcode {entry.barcode} is already mapped to {earlier.sku} "
                f"(line {first_line[entry.key]}), not {entry.sku}"
            )
            continue
        entries[entry.key] = entry
        first_line.setdefault(entry.key, number)
    if problems:
        raise CatalogueFileError(problems)
    if not entries:
        raise CatalogueFileError(["line 1: the file has no rows (expected a header, then barcode,sku rows)"])
    return list(entries.values())


def export_csv(entries: Iterable[CatalogueEntry]) -> str:
    """The catalogue as the CSV ``parse_catalogue`` reads (header row first)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for entry in entries:
        weight = "" if entry.weight_g is None else f"{entry.weight_g:g}"
        writer.writerow([entry.barcode, entry.sku, entry.name, entry.units, weight, entry.image])
    return out.getvalue()
