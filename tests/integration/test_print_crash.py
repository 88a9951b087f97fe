"""A station killed (SIGKILL) in the middle of a print job: what start-up does with that job.

Killed while the label downloads: nothing reached the printer, so the job is simply done again after the
restart and the label prints once, with nobody's help. Killed while the bytes go to the device: the label
may be on paper, so the job is uncertain, never resent by a later retry, and waits for a person.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from packstation.adapters.labels import LabelPipeline
from packstation.adapters.printers.devices import make_printer
from packstation.adapters.printers.queue import PrintQueue
from packstation.adapters.store import Store
from packstation.domain import labelgen
from packstation.domain.printing import NewPrintJob, PrintJobKind, PrintJobState
from tests.support.escpos_decode import decode_escpos, read_barcodes

ROOT = Path(__file__).resolve().parents[2]
URL = "https://labels.example/crash.png"


def kill_inside(step: str, db: Path, printer_uri: str, tmp_path: Path) -> None:
    marker = tmp_path / f"in-{step}"
    args = [str(db), URL, printer_uri, step, str(marker)]
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.support.print_crash_child", *args],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert child.poll() is None, child.communicate()[1].decode()[-2000:]
            assert time.monotonic() < deadline, "the child never reached the step"
            time.sleep(0.02)
    finally:
        child.send_signal(signal.SIGKILL)
        child.communicate(timeout=30)


async def fetch_label(url: str) -> tuple[bytes, str]:
    return labelgen.make_label("png", tracking_number="CRASH-TRK-1"), "image/png"


def drain(store: Store) -> None:
    queue = PrintQueue(store.print_jobs, make_printer, fetch_label, LabelPipeline())
    try:
        asyncio.run(queue.drain())
    finally:
        queue.close()


def test_a_kill_during_the_label_download_is_redone_at_restart_and_prints_once(tmp_path):
    db, out = tmp_path / "station.sqlite3", tmp_path / "printer.bin"
    kill_inside("download", db, f"file:{out}", tmp_path)

    store = Store.open(db)  # start-up recovery
    try:
        (job,) = store.print_jobs.recent()
        assert job.state is PrintJobState.QUEUED  # not "maybe printed": nothing reached the printer
        drain(store)
        assert store.print_jobs.get(job.id).state is PrintJobState.DONE
    finally:
        store.close()
    pages = decode_escpos(out.read_bytes()).pages
    assert [read_barcodes(p) for p in pages] == [["CRASH-TRK-1"]]


def test_a_kill_during_the_device_write_leaves_the_job_uncertain_and_never_resent(tmp_path):
    db, out = tmp_path / "station.sqlite3", tmp_path / "printer.bin"
    kill_inside("send", db, f"file:{out}", tmp_path)

    store = Store.open(db)
    try:
        (job,) = store.print_jobs.recent()
        assert job.state is PrintJobState.UNCERTAIN and "check whether the label came out" in job.error
        # An unrelated printer outage later: a job fails, the printer comes back, failed jobs are retried.
        other = store.print_jobs.add(
            NewPrintJob(
                kind=PrintJobKind.TEST, printer_uri=f"file:{out}", payload=labelgen.make_test_label("png")
            )
        )
        store.print_jobs.claim()
        store.print_jobs.fail(other, "the printer is offline")
        assert store.print_jobs.retry_failed() == 1  # only the failed one
        drain(store)
        assert store.print_jobs.get(other).state is PrintJobState.DONE
        assert store.print_jobs.get(job.id).state is PrintJobState.UNCERTAIN
    finally:
        store.close()
    pages = decode_escpos(out.read_bytes()).pages
    assert "CRASH-TRK-1" not in [code for p in pages for code in read_barcodes(p)]  # never resent
