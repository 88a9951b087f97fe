"""Issue 12, the SOM client's part, against the emulator over loopback HTTP (and a real SQLite file):

* item 5: ``"parcels": null`` is an unknown, reconciled, never booked on;
* item 8: a 2xx page echoing the Authorization header never puts the token (or its base64) into an
  error, a log line or the station database;
* item 10: an answer trickling in ends at the call's total deadline; writes wait longer than reads;
* item 12: an unreadable look-up answer is asked again, then "could not read Ingrid's answer";
* item 13: an aborted endless label download leaves no "async generator ignored GeneratorExit".
"""

from __future__ import annotations

import asyncio
import base64
import gc
import logging
import os
import sqlite3
import subprocess
import sys
import time
import traceback

import pytest

from packstation.adapters.outbox import Outbox
from packstation.adapters.som.client import SomClient
from packstation.adapters.som.errors import (
    LabelTooLargeError,
    MalformedResponseError,
    OutcomeUnknownError,
    RetryableError,
)
from packstation.emulator import DEMO_TOKEN, Fault, parse_fault_spec
from packstation.services.order_lookup import OrderLookup, UnreadableAnswerError
from tests.support.station_driver import (
    FAST_BACKOFF,
    FAST_CLAIM_SETTLE,
    FAST_SETTLE,
    check_invariants,
    close_boxes,
    seed_orders,
)

ENCODED = base64.b64encode(DEMO_TOKEN.encode()).decode()
GUARD_S = 15.0  # a test that would hang without the fix fails after this long instead


def run(emu, action, **client_kw):
    async def main():
        async with asyncio.timeout(GUARD_S):
            async with SomClient(emu.base_url, DEMO_TOKEN, site_id=emu.site_id, **client_kw) as som:
                return await action(som)

    return asyncio.run(main())


def drain(emu, store, timeout=30.0):
    async def main():
        async with SomClient(emu.base_url, DEMO_TOKEN, site_id=emu.site_id) as client:
            outbox = Outbox(
                store,
                client,
                printer_uri="preview",
                backoff=FAST_BACKOFF,
                settle=FAST_SETTLE,
                claim_settle=FAST_CLAIM_SETTLE,
            )
            try:
                return await outbox.drain(timeout)
            finally:
                outbox.close()

    return asyncio.run(main())


def assert_no_secret(text: str) -> None:
    """Neither the token nor its base64 form, not even a cut-off piece of 16 characters of them."""
    for secret in (DEMO_TOKEN, ENCODED):
        for start in range(len(secret) - 15):
            assert secret[start : start + 16] not in text


# ------------------------------------------------------------------------------- item 8: the token


def test_a_2xx_page_echoing_the_authorization_header_leaves_the_token_out_of_the_error(emu, caplog):
    caplog.set_level(logging.DEBUG, logger="packstation")
    shipment_id = emu.seed_shipment("ECHO-1", [("SKU-A", "Mug", 1)])
    emu.add_fault(parse_fault_spec("shipments.get:echo-auth@1"))
    emu.add_fault(parse_fault_spec("shipments.add_parcel:echo-auth@1"))
    with pytest.raises(MalformedResponseError) as read:
        run(emu, lambda som: som.get_shipment(id=shipment_id))
    with pytest.raises(MalformedResponseError) as write:
        run(emu, lambda som: som.add_parcel(shipment_id))
    for info in (read, write):
        error = info.value
        assert "instead of JSON" in str(error)  # the page was quoted, without the credential
        texts = [str(error), error.one_line(), repr(error), repr(error.body)]
        texts.append("".join(traceback.format_exception(error)))
        for text in texts:
            assert_no_secret(text)
    assert_no_secret(caplog.text)
    # The fault really echoed the credential: the emulator saw it and sent it back.
    assert all(r.status == 200 for r in emu.requests_for("shipments.get"))


def test_an_outbox_run_against_an_echoing_proxy_leaves_no_token_in_the_station_db(emu, tmp_path, store):
    [shipment] = seed_orders(emu, 1)
    close_boxes(store, {shipment: 2})
    emu.add_fault(parse_fault_spec("shipments.get:echo-auth@1,2"))
    emu.add_fault(parse_fault_spec("shipments.add_parcel:echo-auth@1"))
    status = drain(emu, store)
    assert status.depth == 0
    assert check_invariants(emu, store, [shipment]) == {"boxes": 2, "parcels": 2}
    errors = [op.last_error for op in store.outbox.ops() if op.last_error]
    assert any("instead of JSON" in e for e in errors)  # the echoing answers did reach last_error
    store.close()
    dump = b""
    for path in tmp_path.glob("station.sqlite3*"):
        dump += path.read_bytes()
    with sqlite3.connect(tmp_path / "station.sqlite3") as db:
        dump += "\n".join(db.iterdump()).encode()
    assert_no_secret(dump.decode("utf-8", "replace"))


# ---------------------------------------------------------------------------- item 10: deadlines


def test_an_answer_trickling_a_byte_at_a_time_ends_at_the_read_deadline(emu):
    shipment_id = emu.seed_shipment("SLOW-1", [("SKU-A", "Mug", 1)])
    emu.add_fault(Fault(method="shipments.get", kind="trickle", bytes_per_s=20))
    started = time.monotonic()
    with pytest.raises(RetryableError) as info:
        run(emu, lambda som: som.get_shipment(id=shipment_id), read_deadline_s=1.5)
    assert time.monotonic() - started < 5
    assert not isinstance(info.value, OutcomeUnknownError)
    assert "within 1.5 s" in str(info.value)


def test_a_trickling_write_ends_as_an_unknown_outcome_at_the_write_deadline(emu):
    shipment_id = emu.seed_shipment("SLOW-2", [("SKU-A", "Mug", 1)])
    emu.add_fault(Fault(method="shipments.add_parcel", kind="trickle", bytes_per_s=20))
    with pytest.raises(OutcomeUnknownError) as info:
        run(emu, lambda som: som.add_parcel(shipment_id), write_deadline_s=1.0)
    assert "may have been applied" in str(info.value)
    assert emu.parcel_count(shipment_id) == 2  # it was applied: the outbox reconciles, never resends


def test_a_late_commit_is_answered_to_a_write_but_a_read_that_slow_times_out(emu):
    """Writes get the longer deadline (and httpx's per-read timeout is raised to it), so a commit that
    comes late is answered and not left as an unknown to repair."""
    shipment_id = emu.seed_shipment("LATE-1", [("SKU-A", "Mug", 1)])
    emu.add_fault(parse_fault_spec("shipments.add_parcel:late-commit=1.5@1"))
    shipment = run(emu, lambda som: som.add_parcel(shipment_id), read_deadline_s=0.8, write_deadline_s=6)
    assert len(shipment.parcels) == 2 == emu.parcel_count(shipment_id)

    emu.add_fault(parse_fault_spec("shipments.get:late-commit=1.5"))
    with pytest.raises(RetryableError, match=r"within 0\.8 s"):
        run(emu, lambda som: som.get_shipment(id=shipment_id), read_deadline_s=0.8, write_deadline_s=6)


def test_default_deadlines_are_total_and_longer_for_writes_and_come_from_the_config(tmp_path):
    from packstation.adapters.config import Config, load_config

    client = SomClient("http://127.0.0.1:9", DEMO_TOKEN)
    try:
        assert 0 < client.read_deadline_s < client.write_deadline_s
    finally:
        asyncio.run(client.aclose())
    assert Config().api_read_deadline_s < Config().api_write_deadline_s
    path = tmp_path / "config.json"
    path.write_text('{"api_read_deadline_s": 5, "api_write_deadline_s": 90}', encoding="utf-8")
    config = load_config({}, environ={}, path=path)
    assert (config.api_read_deadline_s, config.api_write_deadline_s) == (5, 90)
    for bad in ("soon", 0, float("nan")):
        with pytest.raises(ValueError, match="deadlines"):
            SomClient("http://127.0.0.1:9", DEMO_TOKEN, read_deadline_s=bad)


# ---------------------------------------------------------------- item 5: parcels null is unknown


def test_null_parcels_in_the_outboxs_own_answers_are_reconciled_never_booked_on(emu, store):
    shipments = seed_orders(emu, 2)
    close_boxes(store, dict.fromkeys(shipments, 3))
    # The outbox's own shipments.get says "parcels": null a few times, and so do some write answers.
    emu.add_fault(parse_fault_spec("shipments.get:null-parcels@1-4"))
    emu.add_fault(parse_fault_spec("shipments.bookParcels:null-parcels@1"))
    emu.add_fault(parse_fault_spec("shipments.add_parcel:null-parcels@1,3"))
    status = drain(emu, store)
    assert status.depth == 0 and status.needs_attention == 0
    assert check_invariants(emu, store, shipments) == {"boxes": 6, "parcels": 6}
    nulls = [r for r in emu.requests_for("shipments.get")][:4]
    assert len(nulls) == 4  # the faults did fire


# ---------------------------------------------------------------- item 12: unreadable look-ups


@pytest.mark.parametrize("kind", ["garble", "null-parcels"])
def test_an_unreadable_look_up_is_asked_again_and_then_opens(emu, store, kind):
    emu.seed_shipment("GARBLED-1", [("SKU-A", "Mug", 1)])
    emu.add_fault(parse_fault_spec(f"shipments.get:{kind}@1"))

    async def look_up(som):
        return await OrderLookup(store, som, retry_delay_s=0.01).open_order("GARBLED-1")

    found = run(emu, look_up)
    assert found is not None and found[1] == "api" and found[0].external_id == "GARBLED-1"
    assert len(emu.requests_for("shipments.get")) == 2


def test_a_look_up_that_stays_unreadable_says_so_and_never_not_found(emu, store):
    emu.seed_shipment("GARBLED-2", [("SKU-A", "Mug", 1)])
    emu.add_fault(parse_fault_spec("shipments.get:garble"))

    async def look_up(som):
        return await OrderLookup(store, som, retry_delay_s=0.01).open_order("GARBLED-2")

    with pytest.raises(UnreadableAnswerError) as info:
        run(emu, look_up)
    assert "could not read Ingrid's answer" in info.value.one_line()
    assert len(emu.requests_for("shipments.get")) == 3  # asked three times


# ---------------------------------------------------------- item 13: an aborted endless download


@pytest.mark.parametrize(
    ("fault", "error", "client_kw"),
    [
        (Fault(method="labels.get", kind="endless"), LabelTooLargeError, {"max_label_bytes": 300_000}),
        (
            Fault(method="labels.get", kind="trickle", bytes_per_s=50),
            RetryableError,
            {"label_timeout_s": 0.5, "read_retries": 0},
        ),
    ],
    ids=["size-cap", "timeout"],
)
def test_an_aborted_endless_label_download_leaves_no_generator_error(emu, fault, error, client_kw):
    """The app's loop (qasync) installs no async-generator hooks, so a half-read stream's generators are
    closed by the garbage collector; this runs the download the same way and watches for what the
    interpreter reports as unraisable (there: "RuntimeError: async generator ignored GeneratorExit")."""
    emu.add_fault(fault)
    unraisable: list[str] = []
    previous = sys.unraisablehook

    def hook(report):
        unraisable.append(f"{report.exc_type.__name__}: {report.exc_value} in {report.object!r}")

    async def download(som):
        sys.set_asyncgen_hooks(firstiter=None, finalizer=None)  # as under qasync
        with pytest.raises(error):
            await som.download_label(f"{emu.base_url}/v1/labels/endless.svg")
        gc.collect()

    sys.unraisablehook = hook
    try:
        run(emu, download, **client_kw)
        gc.collect()
    finally:
        sys.unraisablehook = previous
    assert unraisable == []


@pytest.mark.slow
def test_a_replay_whose_look_up_stays_unreadable_exits_non_zero_and_says_why(emu, tmp_path):
    """The whole app headless (``--replay --exit-when-idle``) against the emulator answering garbled JSON:
    the scan is reported as not answered, "could not read Ingrid's answer", and the exit status is 1."""
    emu.seed_shipment("GARBLED-3", [("SKU-A", "Mug", 1)])
    emu.add_fault(parse_fault_spec("shipments.get:garble"))
    script = tmp_path / "scans.txt"
    script.write_text("USER:Tester\nGARBLED-3\n", encoding="utf-8")
    command = [
        sys.executable,
        "-m",
        "packstation",
        "--replay",
        str(script),
        "--exit-when-idle",
        "--api-url",
        emu.base_url,
        "--site-id",
        emu.site_id,
        "--printer",
        f"file:{tmp_path / 'printer.bin'}",
        "--data-dir",
        str(tmp_path / "data"),
    ]
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PACKSTATION_API_TOKEN": DEMO_TOKEN,
        "XDG_CONFIG_HOME": str(tmp_path / "config"),  # no config file of the machine's user
    }
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode == 1, done.stderr
    assert "scan not answered: GARBLED-3: could not read Ingrid's answer" in done.stderr
    assert "not found" not in done.stderr
    assert_no_secret(done.stdout + done.stderr)


# ------------------------------------------------------------------- the emulator's new faults


def test_the_new_fault_kinds_parse_with_their_values_and_refuse_bad_ones():
    from packstation.emulator import FaultSpecError

    assert parse_fault_spec("shipments.add_parcel:late-commit=17@1").commit_after_s == 17
    assert parse_fault_spec("shipments.add_parcel:late-commit").commit_after_s == 20
    assert parse_fault_spec("labels.get:trickle=5").bytes_per_s == 5
    assert parse_fault_spec("labels.get:trickle").bytes_per_s == 1
    for kind in ("endless", "garble", "null-parcels", "echo-auth", "commit-then-drop"):
        assert parse_fault_spec(f"*:{kind}@2").kind == kind
    for bad in ("x:trickle=0", "x:garble=3", "x:echo-auth=1", "x:null-parcels@0"):
        with pytest.raises(FaultSpecError):
            parse_fault_spec(bad)


def test_the_label_delay_slows_label_downloads_only(emu):
    shipment_id = emu.seed_shipment("DELAY-1", [("SKU-A", "Mug", 1)], booked=True)
    emu.set_label_delay(600)

    async def fetch(som):
        shipment = await som.get_shipment(id=shipment_id)
        started = time.monotonic()
        label = await som.download_label(shipment.parcels[0].delivery.label_url)
        return time.monotonic() - started, label

    took, label = run(emu, fetch)
    assert took >= 0.6 and label.content
    assert all(r.status == 200 for r in emu.requests_for("shipments.get"))


def test_the_packer_reads_could_not_read_ingrids_answer_not_no_such_order(emu, tmp_path, qapp, expected_log):
    expected_log.allow("Order look-up for GARBLED-4 failed: could not read Ingrid's answer")
    from packstation.app import build_services, replay
    from packstation.gui.raster import QtSvgRasterizer
    from tests.support.bench_config import bench_config

    emu.seed_shipment("GARBLED-4", [("SKU-A", "Mug", 1)])
    emu.add_fault(parse_fault_spec("shipments.get:garble"))
    views = []

    async def scenario():
        services = build_services(
            bench_config(tmp_path, emu),
            DEMO_TOKEN,
            svg_rasterizer=QtSvgRasterizer(),
            publish_view=views.append,
        )
        services.start()
        try:
            return await replay(services, ["USER:Tester", "GARBLED-4"], services.runtime.submit_scan)
        finally:
            await services.aclose()

    unanswered = asyncio.run(scenario())
    assert [line.split(":")[0] for line in unanswered] == ["GARBLED-4"]
    shown = views[-1].feedback
    assert shown is not None and "could not read Ingrid's answer" in shown.message
    assert "not found" not in shown.message and "scan it again" in shown.message


def test_prefetch_does_not_cache_an_answer_without_its_parcels(emu, store):
    emu.seed_shipment("NULLP-1", [("SKU-A", "Mug", 1)])
    emu.add_fault(parse_fault_spec("shipments.get:null-parcels@1"))

    async def prefetch(som):
        return await OrderLookup(store, som).prefetch(["NULLP-1", "NULLP-1"])

    first, second = run(emu, prefetch)
    assert (first.status, second.status) == ("error", "cached")
    assert "could not read Ingrid's answer" in first.detail
    assert store.shipments.find("NULLP-1").parcels_known
