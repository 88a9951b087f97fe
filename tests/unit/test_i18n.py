"""Languages of the domain's sentences: Swedish from the bundled catalogue, English for anything a
catalogue lacks or gets wrong, and a catalogue dropped into the user's folder is picked up."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from packstation.adapters.translations import available_languages, bundled_dir, load_domain_language
from packstation.domain import i18n
from packstation.domain.i18n import CatalogueError, parse_catalogue, set_language, t
from tests.unit.station_bench import Bench

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
from domain_messages import message_ids

OVER_SCAN = ("ORD-1", "SKU-A", "SKU-A", "SKU-A")  # the order wants two of SKU-A


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    set_language("en")


def test_swedish_over_scan_message():
    assert load_domain_language("sv")
    bench = Bench.make()
    bench.scans(*OVER_SCAN)
    assert (
        bench.message == "För många: SKU-A name (SKU-A) ska ha 2, alla 2 är packade. Lägg tillbaka den här."
    )
    assert bench.view.prompt == "Skanna nästa vara till kartong 1, eller stäng den"
    set_language("en")
    bench = Bench.make()
    bench.scans(*OVER_SCAN)
    assert bench.message == "Too many: SKU-A name (SKU-A) needs 2, all 2 are packed. Put this one back."


def test_missing_or_broken_translations_fall_back_to_english(expected_log):
    expected_log.allow("No translation for language 'xx'")
    set_language("sv", {"Box {box} started. Scan its items.": "Kartong {kartong} påbörjad."})
    assert t("Box {box} started. Scan its items.", box=2) == "Box 2 started. Scan its items."  # bad field
    assert t("Order {order} is fully packed.", order="A1") == "Order A1 is fully packed."  # missing
    assert i18n.language() == "sv"
    assert not load_domain_language("xx")  # no such catalogue: English, said in the log
    assert t("Scan an order") == "Scan an order" and i18n.language() == "en"


def test_dropped_in_catalogue_is_picked_up(tmp_path, expected_log):
    drop = tmp_path / "translations"
    drop.mkdir()
    nb = {
        "Too many: {sku} needs {n}, {packed}. Put this one back.": (
            "For mange: {sku} skal ha {n}, {packed}. Legg denne tilbake."
        ),
        "all {n} are packed": "alle {n} er pakket",
    }
    (drop / "domain_nb.json").write_text(
        json.dumps({"language": "nb", "name": "Norsk bokmål", "messages": nb}), encoding="utf-8"
    )
    dirs = [drop, bundled_dir()]
    assert available_languages(dirs) == [("en", "English"), ("nb", "Norsk bokmål"), ("sv", "Svenska")]
    assert load_domain_language("nb", dirs)
    bench = Bench.make()
    bench.scans(*OVER_SCAN)
    assert bench.message == "For mange: SKU-A name (SKU-A) skal ha 2, alle 2 er pakket. Legg denne tilbake."
    assert bench.view.prompt == "Scan the next item for box 1, or close it"  # not translated: English
    (drop / "domain_da.json").write_text("{not json", encoding="utf-8")
    expected_log.allow("not used")
    assert not load_domain_language("da", dirs) and i18n.language() == "en"


def test_swedish_catalogue_is_complete_and_keeps_every_placeholder():
    code, name, messages = parse_catalogue((bundled_dir() / "domain_sv.json").read_text(encoding="utf-8"))
    assert (code, name) == ("sv", "Svenska")
    ids = message_ids()
    assert len(ids) > 70 and sorted(messages) == ids
    for msgid, text in messages.items():
        assert set(re.findall(r"{(\w+)}", text)) == set(re.findall(r"{(\w+)}", msgid)), msgid


@pytest.mark.parametrize("text", ["[]", '{"messages": {}}', '{"language": "sv"}', "nope"])
def test_bad_catalogues_are_refused(text):
    with pytest.raises(CatalogueError):
        parse_catalogue(text)


def test_scale_refusals_and_faults_speak_swedish():
    from packstation.adapters.scale import Scale, ScaleNotFoundError
    from packstation.domain.scale import ScaleStatus, WeightGate, decode_report, encode_report
    from tests.support.fake_hid_scale import FakeHidScaleBackend

    assert load_domain_language("sv")
    zero = decode_report(encode_report(ScaleStatus.STABLE_ZERO, unit=2, exponent=0, weight=0))
    assert WeightGate().decide(zero).message == "Vågen visar noll. Ställ kartongen på vågen."
    assert WeightGate(max_g=1000).decide_manual("2 kg").message == (
        "2.000 kg är över gränsen 1.000 kg för ett paket. Dela upp kartongen."
    )
    assert "är ingen vikt" in WeightGate().decide_manual("abc").message
    with pytest.raises(ScaleNotFoundError) as missing:
        Scale(backend=FakeHidScaleBackend([])).open()
    assert missing.value.user_message.startswith("Ingen USB-våg hittades.")
    set_language("en")
    assert WeightGate().decide(zero).message == "The scale shows zero. Put the box on the scale."
