"""The product catalogue: file checks (each bad-row case with its line number), the store's import
(all or nothing, replace or merge), and what the bench does with it: case packs, lots and serials,
expired lots, learning a barcode."""

from __future__ import annotations

import time

import pytest

from packstation.adapters.store import Store
from packstation.adapters.store.catalogue import ImportMode
from packstation.domain.catalogue import CatalogueFileError, ItemCatalogue, export_csv, parse_catalogue
from packstation.domain.effects import LearnBarcode
from packstation.domain.outcomes import Outcome
from packstation.domain.station import Station, StationSettings
from packstation.domain.view import Tone
from tests.unit.station_bench import order

EAN_A = "4006381333931"
CASE_A = "14006381333938"  # ITF-14: packaging indicator 1 + EAN_A's body
GTIN_A = "0" + EAN_A
GOOD_CSV = f"barcode,sku,name,units,weight_g\n{EAN_A},SKU-A,Mug,1,350\n{CASE_A},SKU-A,Mug case,4,1500\n"


def problems(data: bytes) -> list[str]:
    with pytest.raises(CatalogueFileError) as caught:
        parse_catalogue(data)
    return caught.value.problems


def test_a_csv_with_a_header_and_json_lines_read_the_same_rows():
    rows = parse_catalogue(GOOD_CSV.encode())
    jsonl = (
        f'{{"barcode": "{EAN_A}", "sku": "SKU-A", "name": "Mug", "units": 1, "weight_g": 350}}\n'
        f'{{"barcode": "{CASE_A}", "sku": "SKU-A", "name": "Mug case", "units": 4, "weight_g": 1500}}\n'
    )
    assert parse_catalogue(jsonl.encode()) == rows
    assert [(r.key, r.units, r.weight_g) for r in rows] == [(GTIN_A, 1, 350.0), (CASE_A, 4, 1500.0)]


def test_export_reads_back_as_the_same_rows():
    rows = parse_catalogue(GOOD_CSV.encode())
    assert parse_catalogue(export_csv(rows).encode()) == rows


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "barcode,sku\n4006381333932,SKU-A\n",
            "line 2: barcode 4006381333932 has an invalid GS1 check digit",
        ),
        (f"barcode,sku\n{EAN_A},SKU-A\n\n0{EAN_A},SKU-B\n", "line 4: barcode 0" + EAN_A),
        (f"barcode,sku,units\n{EAN_A},SKU-A,0\n", "line 2: units must be a whole number above 0"),
        (f"barcode,sku,units\n{EAN_A},SKU-A,-2\n", "line 2: units must be"),
        (f"barcode,sku,weight_g\n{EAN_A},SKU-A,heavy\n", "line 2: weight_g must be grams"),
        (f"barcode,sku\n{EAN_A},\n", "line 2: no SKU"),
        ("ean,article\n1,2\n", "line 1: the first row must be a header"),
        (f'{{"barcode": "{EAN_A}", "sku": "A"}}\n{{broken\n', "line 2: not JSON"),
        ("barcode,sku\n", "line 1: the file has no rows"),
    ],
)
def test_each_bad_row_is_reported_with_its_line_number(text, expected):
    found = problems(text.encode())
    assert any(p.startswith(expected) for p in found), found


def test_a_file_that_is_not_utf8_names_the_line():
    data = f"barcode,sku,name\n{EAN_A},SKU-A,ok\n{CASE_A},SKU-A,Kr\xe4mer\n".encode("latin-1")
    assert problems(data) == [
        "line 3: the file is not UTF-8 text (save it from the spreadsheet as CSV UTF-8)"
    ]


def test_semicolon_csv_from_a_spreadsheet_and_extra_columns_are_accepted():
    rows = parse_catalogue(f"\ufeffBarcode;SKU;Colour\n{EAN_A};SKU-A;red\n".encode())
    assert [(r.barcode, r.sku) for r in rows] == [(EAN_A, "SKU-A")]


def test_import_is_all_or_nothing_and_replace_or_merge(tmp_path):
    store = Store.open(tmp_path / "s.sqlite3")
    try:
        first = store.catalogue.import_entries(parse_catalogue(GOOD_CSV.encode()), mode=ImportMode.REPLACE)
        assert (first.added, first.total) == (2, 2)
        store.catalogue.learn("SHELF-7", "SKU-Z", packer="Sam", at=1_700_000_000.0)
        other = parse_catalogue(b"barcode,sku\n96385074,SKU-B\n")
        merged = store.catalogue.import_entries(other, mode=ImportMode.MERGE)
        assert (merged.added, merged.removed, merged.total) == (1, 0, 4)
        replaced = store.catalogue.import_entries(other, mode=ImportMode.REPLACE)
        # the two imported rows go; the learned one stays (a person taught it at the bench)
        assert (replaced.updated, replaced.removed, replaced.total) == (1, 2, 2)
        assert store.catalogue.lookup("00000096385074").sku == "SKU-B"
        assert store.catalogue.row("SHELF-7")["learned_by"] == "Sam"
        with pytest.raises(CatalogueFileError):
            store.catalogue.import_entries(
                parse_catalogue(b"barcode,sku\n4006381333932,X\n"), mode=ImportMode.REPLACE
            )
        assert store.catalogue.summary().rows == 2  # nothing changed
    finally:
        store.close()


def make_station(**settings) -> Station:
    settings.setdefault("packer_name", "Anna")
    catalogue = ItemCatalogue(parse_catalogue(GOOD_CSV.encode()))
    station = Station(StationSettings(**settings), aliases=catalogue)
    station.handle_scan("ORD-9", NOW)
    station.order_loaded("ORD-9", order("ORD-9", ("SKU-A", 6)), "api")
    return station


NOW = time.time()


def scan(station: Station, raw: str):
    effects = station.handle_scan(raw, NOW)
    return station.view.feedback, effects


def test_a_case_pack_adds_its_units_and_is_refused_when_fewer_are_needed():
    station = make_station()
    feedback, _ = scan(station, CASE_A)
    assert feedback.tone is Tone.GOOD and "case of 4" in feedback.message
    assert station.state.current.scanned("SKU-A") == 4
    feedback, _ = scan(station, CASE_A)
    assert feedback.tone is Tone.BAD
    assert "this case holds 4 of SKU-A name (SKU-A), only 2 still needed" in feedback.message
    assert station.state.current.scanned("SKU-A") == 4


def test_the_ean_and_the_datamatrix_gtin14_find_the_same_row_and_lots_stay_with_the_box():
    station = make_station(auto_close=False)
    scan(station, EAN_A)
    feedback, effects = scan(station, f"]d201{GTIN_A}17491231\x1d10L42\x1d21S-1")
    assert feedback.tone is Tone.GOOD, feedback.message
    box = station.state.current.open_box
    assert box.items == {"SKU-A": 2}
    (unit,) = box.tracked
    assert (unit.lot, unit.serial, unit.expiry) == ("L42", "S-1", "2049-12-31")
    # the saved session carries it (the box's snapshot in the store, the slip, the manifest read it)
    saved = next(e for e in effects if type(e).__name__ == "SaveSession")
    assert saved.snapshot["boxes"][0]["tracked"][0]["serial"] == "S-1"


def test_the_same_serial_twice_in_an_order_is_refused():
    station = make_station()
    scan(station, f"]d201{GTIN_A}21S-1")
    feedback, effects = scan(station, f"]d201{GTIN_A}21S-1")
    assert (
        feedback.tone is Tone.BAD
        and "Serial S-1 of SKU-A name (SKU-A) is already packed in box 1" in feedback.message
    )
    assert effects[0].outcome is Outcome.DUPLICATE_SERIAL
    assert station.state.current.scanned("SKU-A") == 1


def test_an_expired_lot_warns_but_packs():
    station = make_station()
    feedback, _ = scan(station, f"]d201{GTIN_A}17200101\x1d10OLD")
    assert feedback.tone is Tone.WARNING and "Expired (lot OLD)" in feedback.message
    assert station.state.current.scanned("SKU-A") == 1


def test_a_datamatrix_without_an_open_order_asks_for_the_pick_list():
    station = Station(StationSettings(packer_name="Anna"))
    feedback, effects = scan(station, f"]d201{GTIN_A}10L1")
    assert feedback.tone is Tone.BAD and "pick list" in feedback.message
    assert effects[0].outcome is Outcome.REFUSED_NO_ORDER


def test_learning_is_refused_unless_enabled():
    station = make_station()
    feedback, effects = scan(station, "CMD:LEARN")
    assert feedback.tone is Tone.BAD and "switched off" in feedback.message
    assert effects[0].outcome is Outcome.REFUSED_LEARN


def test_learning_a_barcode_records_it_with_packer_and_time():
    station = make_station(learning=True)
    assert "Unknown barcode 2000000000015" in scan(station, "2000000000015")[0].message
    scan(station, "CMD:LEARN")
    scan(station, "2000000000015")
    feedback, effects = scan(station, "SKU-A")
    assert feedback.tone is Tone.GOOD and "2000000000015 is SKU-A" in feedback.message
    learned = next(e for e in effects if isinstance(e, LearnBarcode))
    assert (learned.barcode, learned.sku, learned.packer, learned.at) == (
        "2000000000015",
        "SKU-A",
        "Anna",
        NOW,
    )
    feedback, _ = scan(station, "2000000000015")
    assert feedback.tone is Tone.GOOD and station.state.current.scanned("SKU-A") == 1


def test_an_unknown_case_code_says_it_looks_like_one():
    station = make_station()
    feedback, _ = scan(station, "10614141000415")
    assert feedback.tone is Tone.BAD and "looks like a case code (GTIN-14)" in feedback.message
