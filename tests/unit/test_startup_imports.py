"""What a start must not import: the work it saves is measured by tests/benchmarks/startup.py."""

from __future__ import annotations

import subprocess
import sys


def loaded_after(code: str, *modules: str) -> list[str]:
    probe = f"{code}; import sys; print(' '.join(m for m in {modules!r} if sys.modules.get(m) is not None))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def test_the_som_client_does_not_import_httpxs_command_line_tool():
    assert (
        loaded_after("import packstation.adapters.som.client", "httpx._main", "rich", "pygments", "click")
        == []
    )


def test_httpx_still_works_without_its_command_line_tool():
    assert loaded_after("import packstation, httpx; httpx.URL('http://x/'); httpx.main", "httpx") == ["httpx"]


def test_a_loopback_som_client_does_not_load_the_ca_bundle():
    code = "from packstation.adapters.som.client import SomClient; SomClient('http://127.0.0.1:9', 'token')"
    assert loaded_after(code, "certifi") == []


def test_the_gui_start_path_imports_no_pydantic_sqlite_utils_pillow_or_httpx():
    # What run_gui imports before its window is up (issue 18): the settings are checked by msgspec
    # (a few ms to import), not pydantic; sqlite-utils waits for the first write, Pillow for the first
    # label, httpx for the first request.
    code = "import packstation.app as app; app.import_core_before_qt(demo=True)"
    assert loaded_after(code, "pydantic", "sqlite_utils", "PIL", "xml.etree.ElementTree", "httpx") == []
    assert loaded_after(code, "urllib.request", "xml.sax") == []  # the box tag's SVG escapes its own text


def test_the_labels_escape_their_text_as_xml_sax_did():
    from xml.sax.saxutils import escape as sax_escape

    from packstation.domain.labelgen import escape

    for text in ("", "plain", "A & B <c> d>e", "&amp; already", "'quotes' \"too\"", "1<2>3&4"):
        assert escape(text) == sax_escape(text)


def test_a_som_client_imports_httpx_with_its_first_request_not_before():
    made = (
        "from packstation.adapters.som.client import SomClient\n"
        "c = SomClient('http://127.0.0.1:9', 't', read_retries=0)"
    )
    assert loaded_after(f"exec({made!r})", "httpx") == []
    # Nothing listens on port 9: the call fails at once (NetworkError), but it is made, with httpx.
    call = f"{made}\nimport asyncio\ntry:\n    asyncio.run(c.call('shipments.get'))\n"
    call += "except Exception:\n    pass"
    assert loaded_after(f"exec({call!r})", "httpx") == ["httpx"]


def test_the_store_opens_and_checks_its_tables_without_sqlite_utils(tmp_path):
    path = tmp_path / "station.sqlite3"
    opened = f"from packstation.adapters.store import Store; store = Store.open({str(path)!r})"
    assert loaded_after(opened, "sqlite_utils") == []
    assert loaded_after(f"{opened}; store.db.tables()", "sqlite_utils") == ["sqlite_utils"]


PACKING_WRITES = """
from packstation.adapters.store import Store
from packstation.domain.booking import Booked
from packstation.domain.printing import NewPrintJob, PrintJobKind
store = Store.open({path!r})
store.sessions.save("s1", order_key="ACME1", shipment_id="sh1", state="packing", packer="ann", snapshot={{}})
def close():
    return store.boxes.close(session_id="s1", snapshot={{"boxes": 1}}, shipment_id="sh1", box_type="M",
        dims_mm=None, weight_g=None, items={{"SKU1": 1}}, packer="ann", station="bench-1")
first, second = close(), close()
op = next(op.id for op in store.outbox.ops() if op.box_id == first.id)
store.boxes.settle_booking(
    Booked(op, first.id, "p1", "d1", "TRACK1", "http://x/label"), printer_uri="preview"
)
store.boxes.void(second.id)
store.print_jobs.add(NewPrintJob(kind=PrintJobKind.DOCUMENT, printer_uri="preview", payload=b"slip"))
store.outbox.enqueue("book_pickup", "sh1", {{"tracking_number": "TRACK1"}}, first.id)
assert len(store.print_jobs.recent()) == 2 and len(store.outbox.ops()) == 3, store.outbox.ops()
"""


def test_packing_writes_never_import_sqlite_utils(tmp_path):
    """Closing boxes, recording a booking with its label job, voiding a box and queuing jobs and
    operations are plain SQL: sqlite-utils' insert read the table's schema at every row, and its first
    use on the GUI thread imported it (~0.1 s) in the middle of a box close."""
    code = PACKING_WRITES.format(path=str(tmp_path / "station.sqlite3"))
    assert loaded_after(f"exec({code!r})", "sqlite_utils") == []


def test_the_warm_up_after_the_first_paint_loads_what_start_up_left_out():
    code = "from packstation.app import warm_up_deferred_imports; warm_up_deferred_imports()"
    wanted = ("PIL.Image", "zxingcpp", "xml.etree.ElementTree")
    assert loaded_after(code, *wanted) == list(wanted)
