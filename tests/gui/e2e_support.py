"""The real station window, built by the app's own ``packstation.app.build_window``, for end-to-end tests.

``LiveStation`` builds the real services (SQLite store, SOM client over loopback HTTP to the emulator,
outbox, print queue into a file printer), the ``StationBridge`` and the ``MainWindow`` as the app does,
with a ``NullSoundPlayer`` and a ``WedgeScanner`` on an injected clock, on the test's qasync loop.
Scans go in as a packer's would: a keyboard-wedge burst of key events into the window (``wedge``), or
the bridge's ``publish_scan`` (``scan``), the path replay files and serial scanners take. Helpers read
back what the window shows (lines table, box cards, banner, status bar) and what came out of the printer.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from packstation.adapters.config import Config
from packstation.app import build_window, wait_until_idle
from packstation.domain.printing import PrintJobKind
from packstation.emulator import DEMO_TOKEN
from packstation.gui.feedback import NullSoundPlayer
from packstation.gui.scanner import WedgeScanner
from tests.support.bench_config import bench_config
from tests.support.escpos_decode import decode_escpos, read_barcodes
from tests.support.qt_loop import run_until_done, wait_until

WAIT_MS = 30_000  # generous: a slow CI machine; the waits return as soon as the condition holds
KEY_GAP_MS = 4.0  # a wedge scanner's gap between keys (the scanner's limit is 40 ms)


class ManualClock:
    """Milliseconds the test moves by hand, so the scanner's timing filter is deterministic."""

    def __init__(self, start: float = 10_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, ms: float) -> None:
        self.now += ms


@dataclass(frozen=True)
class ShownLine:
    item: str
    packed: str
    to_go: str


@dataclass(frozen=True)
class ShownBox:
    title: str
    chip: str
    details: str
    problem: str


class LiveStation:
    """The app's window and services on the test's qasync loop."""

    def __init__(
        self,
        qtbot: Any,
        config: Config,
        *,
        token: str = DEMO_TOKEN,
        flash_ms: int = 60_000,
        demo: bool = False,
        app_gc: bool = False,
    ) -> None:
        """``app_gc``: the app's garbage-collection policy (freeze, thresholds, idle collection), for
        benchmark scripts that measure the app as it runs; process-wide, so not for pytest runs."""
        self.qtbot = qtbot
        self.app_gc = app_gc
        self._collector: Any = None
        self.config = config
        self.clock = ManualClock()
        self.sounds = NullSoundPlayer()
        self.scanner = WedgeScanner(clock=self.clock)
        # The data folder's barcodes.csv is loaded as the app loads it. flash_ms: by default the flash
        # stays up until the next one, so the test can look at it.
        self.station = build_window(
            config, token, sounds=self.sounds, scanner=self.scanner, flash_ms=flash_ms, demo=demo
        )
        self.services = self.station.services
        self.bridge = self.station.bridge
        self.window = self.station.window
        self.window.resize(1280, 800)
        self._closed = False

    # -- life cycle -----------------------------------------------------------------------------

    def start(self) -> LiveStation:
        self.station.start()
        if self.app_gc and hasattr(self.station, "keep_gc_off_the_scan_path"):  # older trees: A/B runs
            self._collector = self.station.keep_gc_off_the_scan_path()
        self.window.show()
        self.qtbot.waitExposed(self.window)
        return self

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._collector is not None:
            self._collector.stop()
        self.run(self.station.aclose())
        # Destroy the window (and its timers) here, on the GUI thread. Left to Python's cyclic garbage
        # collector it may be destroyed on whichever thread collects (a worker's), while its running
        # timers are registered with the GUI thread: a later timer event then hits freed memory.
        shiboken6.delete(self.window)
        shiboken6.delete(self.scanner)

    def run(self, coro: Any, timeout_ms: int = WAIT_MS) -> Any:
        """Run a coroutine on the qasync loop while Qt's real event loop spins (woken when the task is
        done, not polled); return its result."""
        return run_until_done(asyncio.ensure_future(coro), timeout_ms)

    def wait_for(self, condition: Callable[[], Any], timeout_ms: int = WAIT_MS) -> None:
        self.qtbot.waitUntil(lambda: bool(condition()), timeout=timeout_ms)

    def settle(self) -> None:
        """Until no order look-up runs and the window has drawn the station's latest view."""
        self.wait_for(lambda: not self.services.runtime.busy)
        self.wait_for(lambda: self.window.view == self.services.station.view)
        QApplication.processEvents()

    def wait_idle(self) -> None:
        """Until everything is sent and printed (``--exit-when-idle``'s test), and the screen shows it."""
        assert self.run(wait_until_idle(self.services, timeout=WAIT_MS / 1000 - 2), WAIT_MS) is True
        self.settle()

    # -- scans ----------------------------------------------------------------------------------

    def scan(self, raw: str) -> None:
        """A scan from a non-keyboard source (replay, serial scanner): the bridge's ``publish_scan``."""
        self.bridge.publish_scan(raw)
        self.settle()

    def wedge(self, raw: str, *, terminator: Qt.Key = Qt.Key.Key_Return) -> None:
        """A keyboard-wedge scanner typing ``raw`` and Enter into whatever has the focus."""
        target = QApplication.focusWidget() or self.window
        for char in raw:
            self.clock.advance(KEY_GAP_MS)
            QTest.keyClick(target, char)
        self.clock.advance(KEY_GAP_MS)
        QTest.keyClick(target, terminator)
        self.clock.advance(1_000)  # the packer reaches for the next item
        self.settle()

    def scans(self, *raws: str) -> None:
        for raw in raws:
            self.scan(raw)

    # -- what the window shows ------------------------------------------------------------------

    @property
    def view(self) -> Any:
        return self.window.view

    def shown_lines(self) -> list[ShownLine]:
        table = self.window.lines_table
        return [
            ShownLine(*(table.item(row, column).text() for column in range(3)))
            for row in range(table.rowCount())
        ]

    def shown_line(self, name: str) -> ShownLine:
        return next(line for line in self.shown_lines() if line.item == name)

    def shown_boxes(self) -> list[ShownBox]:
        return [
            ShownBox(card.title.text(), card.chip.text(), card.details.text(), card.problem.text())
            for card in self.window.boxes.cards
        ]

    @property
    def banner(self) -> tuple[str, str]:
        """(tone, message) of the feedback banner."""
        return self.window.banner.tone, self.window.banner.message_label.text()

    @property
    def header(self) -> str:
        return self.window.header.order_label.text()

    def status_texts(self) -> dict[str, str]:
        bar = self.window.status
        return {
            name: getattr(bar, name).text.text()
            for name in ("connection", "outbox", "attention", "printer", "labels")
            if getattr(bar, name).isVisible()
        }

    def grab_color(self, widget: Any) -> tuple[int, int, int]:
        """The average colour of a widget as drawn on screen (flash overlay included)."""
        image = widget.grab().toImage()
        width, height = image.width(), image.height()
        samples = [
            image.pixelColor(x, y)
            for x in range(0, width, max(1, width // 24))
            for y in range(0, height, max(1, height // 12))
        ]
        count = len(samples)
        return (
            sum(c.red() for c in samples) // count,
            sum(c.green() for c in samples) // count,
            sum(c.blue() for c in samples) // count,
        )

    # -- what happened outside -------------------------------------------------------------------

    @property
    def printer_path(self) -> Path:
        return Path(self.config.printer.removeprefix("file:"))

    def printed_codes(self) -> list[str]:
        """Every barcode read back from the ESC/POS bytes the file printer received, in print order."""
        if not self.printer_path.exists():
            return []
        try:
            pages = decode_escpos(self.printer_path.read_bytes()).pages
        except ValueError as exc:
            if "truncated" not in str(exc):
                raise
            return []  # read while the print worker is still writing a label: not printed yet, look again
        return [code for page in pages for code in read_barcodes(page)]

    def boxes_in_store(self) -> list[Any]:
        return self.services.store.boxes.all()

    def label_jobs(self) -> list[Any]:
        jobs = self.services.store.print_jobs.recent(limit=1000)
        return sorted((j for j in jobs if j.kind is PrintJobKind.LABEL), key=lambda j: j.id)


def write_alias_csv(config: Config, aliases: dict[str, str]) -> None:
    """The data folder's ``barcodes.csv`` (``barcode,sku``): the EANs printed on the products."""
    config.data_dir.mkdir(parents=True, exist_ok=True)
    rows = "".join(f"{barcode},{sku}\n" for barcode, sku in aliases.items())
    (config.data_dir / "barcodes.csv").write_text("barcode,sku\n" + rows, encoding="utf-8")


def station_config(tmp_path: Path, emulator: Any, **changes: Any) -> Config:
    return bench_config(tmp_path, emulator, **{"station_id": "e2e-1", "sounds": False, **changes})


# ---------------------------------------------------------------------------------- outside pytest


class PlainBot:
    """The two qtbot calls ``LiveStation`` makes, for scripts run outside pytest (benchmarks, tools).

    Waits spin the real event loop (``QEventLoop.exec``, which lets other threads run while Qt sleeps),
    never a ``QTest.qWait`` loop, which holds the interpreter lock and slows every worker thread."""

    def waitUntil(self, condition: Callable[[], Any], timeout: int = 5000) -> None:
        wait_until(lambda: bool(condition()), timeout_ms=timeout)

    def waitExposed(self, window: Any, timeout: int = 5000) -> None:
        if not QTest.qWaitForWindowExposed(window, timeout):
            raise TimeoutError("the window was not exposed")


@contextlib.contextmanager
def qasync_session() -> Iterator[QApplication]:
    """A QApplication and a qasync loop on it, as the ``qasync_loop`` fixture makes them, for scripts."""
    import os

    from tests.support.qt_loop import qasync_running

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QApplication.instance() or QApplication(["packstation-bench"])
    with qasync_running(app):
        yield app
