"""Printer status over USB as over TCP, in each head's own language: ESC/POS ``DLE EOT 4/2/1``, ZPL ``~HS``,
TSPL ``<ESC>!?``, asked before and after each job. The USB printer is the real python-escpos ``Usb`` class
on the fake pyusb backend (tests/support/fake_usb) with a stateful head (tests/support/status_printer),
the TCP printer a loopback listener with the same head.

Faults (paper out, cover or print head open, paused / offline) are told in words; one before the job
sends nothing and the job prints, once, when the printer is ready again; paper running out mid-label
leaves the job "sending" with the fault as its detail until the head reports ready (it then prints what
it holds: nothing is resent).
"""

from __future__ import annotations

import asyncio
import threading

import pytest

from packstation.adapters.labels import LabelPipeline, Target
from packstation.adapters.printers import devices, errors
from packstation.adapters.printers.devices import make_printer
from packstation.adapters.printers.queue import PrintQueue
from packstation.domain import labelgen
from packstation.domain.printing import NewPrintJob, PrintJobKind, PrintJobState
from tests.support.escpos_decode import decode_escpos, read_barcodes
from tests.support.fake_usb import FakeUsbBackend, FakeUsbPrinter
from tests.support.status_printer import HeadState, StatusPrinter
from tests.support.tspl_epl_decode import decode_tspl

QUERIES = {
    "escpos": [b"\x10\x04\x04", b"\x10\x04\x02", b"\x10\x04\x01"],
    "zpl": [b"~HS"],
    "tspl": [b"\x1b!?"],
}
# (setting on the head, what the station says for it in each language)
FAULTS = {
    "paper_out": {"escpos": "paper out", "zpl": "paper out", "tspl": "paper out"},
    "cover_open": {"escpos": "cover open", "zpl": "print head open", "tspl": "print head open"},
    "paused": {"escpos": "offline", "zpl": "paused", "tspl": "paused"},
}
WORDS = {  # the fix the packer is told, after the fault
    "paper out": "load a new roll",
    "cover open": "close the cover",
    "print head open": "close the print head",
    "paused": "press the pause (or feed) button to resume",
    "offline": "switch it online",
}


@pytest.fixture(autouse=True)
def _fresh_status_memory(monkeypatch):
    """Each test's printer is asked afresh (the station remembers heads that ignored a query)."""
    monkeypatch.setattr(devices, "_SILENT", set())


def usb_printer(lang: str, **head) -> tuple[FakeUsbPrinter, FakeUsbBackend, str]:
    state = HeadState(lang, paper_out_after=head.pop("paper_out_after", None))
    for name, value in head.items():
        setattr(state, name, value)
    device = FakeUsbPrinter(head=state)
    return device, FakeUsbBackend([device]), f"usb:04b8:0e28?lang={lang}&width=812&timeout=2"


def label(lang: str, tracking: str):
    return LabelPipeline().prepare(
        labelgen.make_label("png", tracking_number=tracking), target=Target(width=812, lang=lang)
    )


def assert_label_reads_back(lang: str, data: bytes, tracking: str) -> None:
    if lang == "escpos":
        assert [c for page in decode_escpos(data).pages for c in read_barcodes(page)] == [tracking]
    elif lang == "tspl":
        assert [c for page in decode_tspl(data, 203).pages for c in read_barcodes(page)] == [tracking]


@pytest.mark.parametrize("lang", ["escpos", "zpl", "tspl"])
def test_a_ready_usb_head_is_asked_before_and_after_the_label_in_its_language(lang):
    device, backend, uri = usb_printer(lang)
    payload = label(lang, f"USB-OK-{lang}")
    make_printer(uri, usb_backend=backend).send(payload)
    queries = b"".join(QUERIES[lang])
    assert bytes(device.received) == queries + payload.data + queries
    assert_label_reads_back(lang, payload.data, f"USB-OK-{lang}")


@pytest.mark.parametrize("transport", ["usb", "tcp"])
@pytest.mark.parametrize("lang", ["escpos", "zpl", "tspl"])
@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_fault_before_the_label_is_told_in_words_and_nothing_is_sent(transport, lang, fault):
    payload = label(lang, "FAULT-BEFORE")
    if transport == "usb":
        device, backend, uri = usb_printer(lang, **{fault: True})
        printer, received = make_printer(uri, usb_backend=backend), device.received
    else:
        server = StatusPrinter(lang)
        setattr(server, fault, True)
        printer, received = make_printer(f"{server.uri}?lang={lang}&width=812"), None
    try:
        with pytest.raises(errors.PrinterError) as err:
            printer.send(payload)
        if received is None:
            received = server.wait_for(len(QUERIES[lang][0]))
    finally:
        if transport == "tcp":
            server.close()
    words = FAULTS[fault][lang]
    assert f"{words}: {WORDS[words]}" in err.value.user_message or (
        words == "paper out" and "is out of paper: load a new roll" in err.value.user_message
    )
    assert not err.value.maybe_printed and err.value.retryable  # nothing of it went out: it may wait
    assert payload.data not in bytes(received) and bytes(received).startswith(QUERIES[lang][0])


@pytest.mark.parametrize("lang", ["escpos", "zpl", "tspl"])
def test_usb_paper_out_mid_label_waits_shows_the_fault_and_prints_once_when_refilled(store, lang):
    payload = labelgen.make_label("png", tracking_number=f"MID-USB-{lang}")
    half = len(label(lang, f"MID-USB-{lang}").data) // 2  # the paper runs out halfway through the label
    device, backend, uri = usb_printer(lang, paper_out_after=half)
    details: list[tuple[str, str | None]] = []

    def on_change(job_id: int) -> None:
        job = store.print_jobs.get(job_id)
        details.append((job.state.value, job.error))
        if job.state is PrintJobState.SENDING and job.error and device.head.paper_out:
            threading.Timer(0.2, device.head.refill).start()  # the packer loads a new roll

    queue = PrintQueue(
        store.print_jobs,
        lambda u: make_printer(u, usb_backend=backend),
        None,
        LabelPipeline(),
        on_change=on_change,
        hold_poll_s=0.05,
    )
    job_id = store.print_jobs.add(NewPrintJob(kind=PrintJobKind.LABEL, printer_uri=uri, payload=payload))
    try:
        asyncio.run(queue.drain())
        assert queue.retry_failed() == 0  # nothing to resend: the printer printed what it held
    finally:
        queue.close()
    assert store.print_jobs.get(job_id).state is PrintJobState.DONE
    held = [detail for state, detail in details if state == "sending" and detail]
    assert held and "reports paper out: load a new roll" in held[0] and "do not reprint" in held[0]
    assert device.head.ran_out_at is not None  # it did run out mid-label
    first = QUERIES[lang][0]
    label_bytes = bytes(device.received).split(first)  # the label sits between the status queries
    sent = max(label_bytes, key=len)
    assert bytes(device.received).count(sent) == 1  # the label went out once, never again
    assert_label_reads_back(lang, sent.removesuffix(b"".join(QUERIES[lang][1:])), f"MID-USB-{lang}")


@pytest.mark.parametrize("lang", ["escpos", "zpl", "tspl"])
def test_usb_cover_open_fails_the_job_in_words_and_it_prints_once_when_closed(store, lang):
    device, backend, uri = usb_printer(lang, cover_open=True)
    queue = PrintQueue(
        store.print_jobs,
        lambda u: make_printer(u, usb_backend=backend),
        None,
        LabelPipeline(),
        retry_interval_s=0.05,
    )
    payload = labelgen.make_label("png", tracking_number=f"COVER-USB-{lang}")
    job_id = store.print_jobs.add(NewPrintJob(kind=PrintJobKind.LABEL, printer_uri=uri, payload=payload))

    async def scenario():
        await queue.drain()
        failed = store.print_jobs.get(job_id)
        assert failed.state is PrintJobState.FAILED
        words = FAULTS["cover_open"][lang]
        assert f"reports {words}: {WORDS[words]}" in failed.error
        assert not await queue.retry_if_printers_back()  # still open: the probe asks its status
        device.head.cover_open = False
        assert await queue.retry_if_printers_back()
        await queue.drain()

    try:
        asyncio.run(scenario())
    finally:
        queue.close()
    assert store.print_jobs.get(job_id).state is PrintJobState.DONE
    marker = {"escpos": b"\x1dV", "zpl": b"^XA", "tspl": b"BITMAP"}[lang]  # ESC/POS: the label's one cut
    assert bytes(device.received).count(marker) == 1  # printed once
