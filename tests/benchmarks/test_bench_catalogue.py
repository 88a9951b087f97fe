"""Catalogue import: 100,000 rows (a mid-size merchant's export) from a CSV file into the station
database, as ``packstation catalogue import`` does it: parse and check every row, then one transaction;
then the same rows merged again (every row an update), and the per-scan look-up the station does.

Run as a script for the report::

    .venv/bin/python tests/benchmarks/test_bench_catalogue.py [ROWS]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

if __name__ == "__main__":  # make "tests" importable when run as a script
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from packstation.adapters.store import Store
from packstation.adapters.store.catalogue import ImportMode
from packstation.domain.catalogue import ItemCatalogue, parse_catalogue
from packstation.domain.gs1 import gs1_check_digit

ROWS = 100_000
LOOKUPS = 2_000


def catalogue_csv(rows: int) -> bytes:
    """``rows`` EAN-13s (valid check digits), three per SKU, every tenth a case of 6 with a weight."""
    lines = ["barcode,sku,name,units,weight_g"]
    for n in range(rows):
        body = f"735{n:09d}"
        ean = body + str(gs1_check_digit(body))
        case = n % 10 == 0
        lines.append(f"{ean},SKU-{n // 3:06d},Product {n // 3},{6 if case else 1},{1200 if case else ''}")
    return ("\n".join(lines) + "\n").encode()


def run(rows: int, folder: Path) -> dict[str, float]:
    data = catalogue_csv(rows)
    figures: dict[str, float] = {}
    started = time.perf_counter()
    entries = parse_catalogue(data)
    figures["parse_s"] = time.perf_counter() - started
    store = Store.open(folder / "station.sqlite3")
    try:
        started = time.perf_counter()
        result = store.catalogue.import_entries(entries, mode=ImportMode.REPLACE)
        figures["write_s"] = time.perf_counter() - started
        assert result.total == rows and result.added == rows
        started = time.perf_counter()
        again = store.catalogue.import_entries(parse_catalogue(data), mode=ImportMode.MERGE)
        figures["merge_again_s"] = time.perf_counter() - started
        assert again.updated == rows and again.total == rows
        # The station reads rows as they are scanned (app.load_catalogue): one primary-key read each.
        table = ItemCatalogue(lookup=store.catalogue.lookup, has_sku=store.catalogue.has_sku)
        codes = [line.split(",")[0] for line in data.decode().splitlines()[1 : LOOKUPS + 1]]
        started = time.perf_counter()
        assert all(table.entry(code) is not None for code in codes)
        figures["lookup_us"] = (time.perf_counter() - started) / len(codes) * 1e6
        assert table["7350000000009"] == "SKU-000000"
    finally:
        store.close()
    figures["import_s"] = figures["parse_s"] + figures["write_s"]
    return figures


def test_a_100k_row_catalogue_imports_whole(tmp_path):
    figures = run(ROWS, tmp_path)
    assert set(figures) == {"parse_s", "write_s", "merge_again_s", "lookup_us", "import_s"}


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else ROWS
    with tempfile.TemporaryDirectory() as folder:
        result = run(count, Path(folder))
    for key, value in result.items():
        print(f"{key:>14}: {value:.2f}" + (" µs" if key.endswith("_us") else " s"))
