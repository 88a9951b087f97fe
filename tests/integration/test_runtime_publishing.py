"""How the runtime hands views to the screen (issue 18 item 4): one view per loop turn for what the
workers report, a scan's view before the scan returns, and a status bar that counts waiting print jobs
without reading them (a real store, no window, no HTTP)."""

from __future__ import annotations

import asyncio

import pytest

from packstation.adapters.store import Store
from packstation.domain.outbox import OutboxStatus
from packstation.domain.printing import NewPrintJob, PrintJobKind, PrintJobState
from packstation.domain.station import Station
from packstation.domain.station_state import StationSettings
from packstation.services.runtime import StationRuntime


class _NoLookup:
    notices: list[str] = []

    async def open_order(self, key: str) -> None:
        return None


class _Queue:
    """Stands in for the print queue: the runtime only asks whether there is one."""

    def notify(self) -> None:
        pass


@pytest.fixture
def store(tmp_path):
    store = Store.open(tmp_path / "station.sqlite3")
    yield store
    store.close()


def runtime_on(store, views):
    return StationRuntime(
        Station(StationSettings()),
        store,
        _NoLookup(),
        print_queue=_Queue(),  # type: ignore[arg-type]
        publish_view=views.append,
    )


def test_what_the_workers_report_in_one_loop_turn_is_published_as_one_view(store):
    views: list = []
    runtime = runtime_on(store, views)
    job = store.print_jobs.add(NewPrintJob(kind=PrintJobKind.TEST, printer_uri="preview", payload=b"x"))

    async def one_turn() -> int:
        runtime.bind_loop(asyncio.get_running_loop())
        for _ in range(3):  # queued, preparing, sending: each used to publish (and render) a view
            runtime.print_job_changed(job)
        runtime.outbox_status_changed(OutboxStatus(depth=2))
        published_meanwhile = len(views)
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        return published_meanwhile

    assert asyncio.run(one_turn()) == 0
    assert len(views) == 1
    assert views[0].status.outbox_depth == 2 and views[0].status.labels_waiting == 1


def test_a_scan_is_published_before_it_returns_with_what_else_changed(store):
    views: list = []
    runtime = runtime_on(store, views)

    async def scan() -> list:
        runtime.bind_loop(asyncio.get_running_loop())
        runtime.outbox_status_changed(OutboxStatus(depth=1))  # a worker's change, not yet published
        runtime.submit_scan("USER:Anna")
        shown = list(views)
        await asyncio.sleep(0)
        return shown

    shown = asyncio.run(scan())
    assert len(shown) == 1 and shown[0].packer == "Anna" and shown[0].status.outbox_depth == 1
    assert len(views) == 1  # the turn's scheduled publish found nothing new


def test_the_status_bar_counts_every_waiting_print_job(store):
    views: list = []
    runtime = runtime_on(store, views)
    for _ in range(1001):  # more than the 1,000 jobs the old status read back one by one
        job = store.print_jobs.add(NewPrintJob(kind=PrintJobKind.TEST, printer_uri="preview", payload=b"x"))
    store.print_jobs.claim()  # preparing still waits
    store.print_jobs.fail(store.print_jobs.claim().id, "no paper")  # failed waits for a retry
    runtime.print_job_changed(job)

    assert views[-1].status.labels_waiting == 1001
    assert store.print_jobs.count((PrintJobState.FAILED,)) == 1
    assert store.print_jobs.count((PrintJobState.DONE,)) == 0
