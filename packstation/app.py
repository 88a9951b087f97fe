"""Wiring: the one place that knows every layer. Builds the adapters, the domain station and the GUI,
and runs them on one qasync event loop on the main thread.

``build_services`` assembles everything that is not Qt (store, SOM client, order look-up, outbox, print
queue, station, runtime) so that it can be started, driven and stopped without a window as well.
``build_window`` adds the window and its bridge to them (the end-to-end tests and the live screenshot
tool use it as the app does); ``run_gui`` runs it on the qasync loop with the replay driver.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import sqlite3
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packstation import __version__
from packstation.adapters.config import Config, TokenStore, save_settings
from packstation.commands import ExitCode, UserFacingError
from packstation.domain.ports import (
    OrderSource,
    OutboxWorker,
    PrintQueuePort,
    ScaleDevice,
    ScanReader,
    SomApi,
)
from packstation.domain.view import Tone as ViewTone
from packstation.services.loop_thread import LoopHandoff

if TYPE_CHECKING:
    from packstation.domain.ports import StationStore
    from packstation.domain.raster import SvgRasterizer
    from packstation.domain.settings import PrinterRole
    from packstation.domain.station import Station
    from packstation.domain.view import StationView
    from packstation.emulator import Emulator
    from packstation.gui.bridge import StationBridge
    from packstation.gui.feedback import SoundPlayer
    from packstation.gui.main_window import MainWindow
    from packstation.gui.scanner import WedgeScanner
    from packstation.services.runtime import StationRuntime

log = logging.getLogger(__name__)

DEMO_HINT = (
    "Demo: its badge, orders, products and commands are on the demo sheet. Press F1 (Demo barcodes), "
    "or print it: packstation print-commands --demo"
)
IDLE_TIMEOUT_S = 180.0  # --exit-when-idle gives up after this long without becoming idle
IDLE_SETTLE_S = 0.02  # --exit-when-idle: idle, then idle again this much later
SHUTDOWN_TIMEOUT_S = 5.0  # how long closing waits for the background workers
CLAIMS_AT_EXIT_S = 3.0  # how long closing spends writing the claims that waited after bookings
RETENTION_FIRST_S = 120.0  # the first pruning pass, once start-up and the first orders are done
RETENTION_EVERY_S = 3600.0
WARM_UP_AFTER_PAINT_S = 1.0  # the deferred imports load this long after the window's first paint


@dataclass
class Services:
    config: Config
    store: StationStore
    client: SomApi
    lookup: OrderSource
    outbox: OutboxWorker
    print_queue: PrintQueuePort
    station: Station
    runtime: StationRuntime
    emulator: Emulator | None = None
    scale: ScaleDevice | None = None  # adapters.scale.Scale when a USB scale is configured
    serial_scanner: ScanReader | None = None  # adapters.serial_scanner.SerialScanner when one is configured
    # Where serial scans go, on the loop's thread: the runtime, or in the window the bridge (so they take
    # the same path as a wedge scan, "Last scan" line included).
    scan_sink: Callable[[str], None] | None = None
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    metrics: Any = None  # adapters.metrics.MetricsExporter when an endpoint or a textfile is configured
    restart_requested: bool = False  # new settings saved: start again once the workers have stopped
    # How the retention loop waits between passes: the soak benchmark passes a wait on its simulated
    # clock (the same one the store, outbox and runtime read), so pruning runs as the app runs it.
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    def start(self) -> None:
        """Start the background workers on the running loop."""
        loop = asyncio.get_event_loop()
        self.runtime.bind_loop(loop)
        self.tasks = [
            asyncio.ensure_future(self.outbox.run()),
            asyncio.ensure_future(self.print_queue.run()),
            asyncio.ensure_future(self._retention_loop()),
        ]
        if self.metrics is not None:
            self.metrics.start()
        if self.scale is not None:
            # Readings arrive on the scale's reader thread; the runtime hands them to the loop's thread.
            self.scale.poll(
                self.runtime.weight_changed, lambda error: self.runtime.scale_failed(error.user_message)
            )
        if self.serial_scanner is not None:
            self._start_serial_scanner(self.serial_scanner, loop)

    async def _retention_loop(
        self, first_s: float = RETENTION_FIRST_S, every_s: float = RETENTION_EVERY_S
    ) -> None:
        """Prune in the background (small transactions on a worker thread), now and then."""
        await self.sleep(first_s)
        while True:
            await self.retention_pass()
            await self.sleep(every_s)

    async def retention_pass(self) -> None:
        """One pass: prune what the retention periods let go, then give freed pages back."""
        from packstation.domain.retention import Retention

        retention = Retention(self.config.retention_working_days, self.config.retention_audit_days)
        try:
            await asyncio.to_thread(self.store.retention.prune, retention)
            await asyncio.to_thread(self.store.retention.vacuum)
        except sqlite3.Error as exc:  # the next pass tries again; packing never depends on it
            log.warning("Retention pass failed: %s", exc)

    def _start_serial_scanner(self, scanner: ScanReader, loop: asyncio.AbstractEventLoop) -> None:
        from packstation.domain.view import Tone

        sink = self.scan_sink or self.runtime.submit_scan
        # The reader thread only ever queues calls onto the loop: it never touches the station or Qt.
        handoff = LoopHandoff()
        handoff.bind(loop)
        scanner.start(
            handoff.wrap(sink),
            on_problem=handoff.wrap(lambda text: self.runtime.notify(Tone.WARNING, text)),
            on_recovered=handoff.wrap(lambda text: self.runtime.notify(Tone.INFO, text)),
        )

    async def idle(self) -> bool:
        """True when nothing is left to send or print and no look-up is running."""
        from packstation.domain.printing import ACTIVE_STATES

        if self.runtime.working:
            return False
        status = await self.outbox.refresh_status()
        # Operations waiting for a person (needs attention) or for resume() (paused) will not move.
        if status.depth > status.needs_attention and not self.outbox.paused:
            return False
        active = self.store.print_jobs.recent(states=ACTIVE_STATES, limit=1)
        return not active

    def problems(self) -> list[str]:
        """What a person must look at after an unattended run (replay): refused operations, failed jobs."""
        from packstation.domain.printing import PrintJobState

        found = [f"needs attention: {item}" for item in self.store.outbox.needs_attention()]
        if self.outbox.paused:
            found.append(f"outbox paused: {self.outbox.status().reason}")
        for job in self.store.print_jobs.recent(states=(PrintJobState.FAILED,), limit=100):
            found.append(f"print job {job.id} failed: {job.error}")
        for job in self.runtime.unresolved_uncertain_jobs():
            found.append(f"print job {job.id} may not have printed (check the printer): {job.error}")
        return found

    async def aclose(self) -> None:
        if self.serial_scanner is not None:
            await asyncio.to_thread(self.serial_scanner.stop)  # joins the reader: no scan after this
        if self.scale is not None:
            await asyncio.to_thread(self.scale.close)  # joins the reader: no callback after this
        for task in self.tasks:
            task.cancel()
        if self.tasks:
            # Bounded: a worker stuck in a device call must not keep the app from closing. Whatever
            # it was doing is safe in the store (a job left "sending" becomes uncertain at the next start).
            _, stuck = await asyncio.wait(self.tasks, timeout=SHUTDOWN_TIMEOUT_S)
            if stuck:
                log.warning("%d background worker(s) did not stop in time; closing anyway", len(stuck))
        with contextlib.suppress(TimeoutError):  # claims waiting to be written after bookings
            await asyncio.wait_for(self.outbox.write_claims_now(), CLAIMS_AT_EXIT_S)
        if self.metrics is not None:
            await asyncio.to_thread(self.metrics.stop)
        await self.runtime.aclose()
        self.print_queue.close()
        self.outbox.close()
        await self.client.aclose()
        if self.emulator is not None:
            self.emulator.stop()
        self.store.close()


def demo_config(config: Config, args: Any) -> tuple[Config, Emulator, str]:
    """``--demo``: the embedded emulator with demo orders, the preview printer, a fresh data folder."""
    from packstation.emulator import DEMO_TOKEN, Emulator

    emulator = Emulator(token=DEMO_TOKEN, seed_demo=True, label_format=config.label_format).start()
    data_dir = (
        Path(args.data_dir)
        if getattr(args, "data_dir", None)
        else Path(tempfile.mkdtemp(prefix="packstation-demo-"))
    )
    config = replace(
        config,
        api_url=emulator.base_url,
        site_id=emulator.site_id,
        printer=getattr(args, "printer", None) or "preview",
        data_dir=data_dir,
        packer=config.packer or "Demo packer",
    )
    return config, emulator, DEMO_TOKEN


def remove_demo_folder(folder: Path) -> None:
    """The demo's scratch folder goes when the demo ends (only a folder the demo made itself)."""
    import shutil

    if folder.name.startswith("packstation-demo-") and Path(tempfile.gettempdir()) in folder.parents:
        logging.shutdown()  # the demo's log file lives in it
        shutil.rmtree(folder, ignore_errors=True)


def load_aliases(config: Config, demo: bool) -> list[Any]:
    """Catalogue rows held in memory: the demo's catalogue (with its case pack) and the legacy
    ``<data_dir>/barcodes.csv`` (``barcode,sku``), as ``CatalogueEntry`` rows."""
    from packstation.domain.catalogue import CatalogueEntry, entry_from_row
    from packstation.domain.packing_order import AliasCsvError, parse_alias_csv

    rows: list[CatalogueEntry] = []
    if demo:
        from packstation.emulator.demo import demo_catalogue

        rows += [entry for entry, _ in map(entry_from_row, demo_catalogue()) if entry is not None]
    aliases: dict[str, str] = {}
    path = config.data_dir / "barcodes.csv"
    if path.exists():
        try:
            aliases.update(parse_alias_csv(path.read_text(encoding="utf-8")))
            log.info(  # a hint, not a fault: the file still works
                "Using the old barcode file %s; import it into the catalogue instead: "
                "packstation catalogue import %s",
                path,
                path,
            )
        except (OSError, UnicodeDecodeError, AliasCsvError) as exc:
            log.warning("Barcode alias file %s not loaded: %s", path, exc)
    return rows + [CatalogueEntry(code, sku) for code, sku in aliases.items()]


def load_catalogue(store: Any, aliases: Mapping[str, str] | Iterable[Any]) -> Any:
    """The station's catalogue: the demo's and the legacy ``barcodes.csv`` mappings in memory, the
    store's rows (imported, learned) read one at a time as they are scanned (a primary-key read, tens of
    microseconds; a 100,000-row catalogue would take seconds to load at start-up)."""
    from packstation.domain.catalogue import CatalogueEntry, ItemCatalogue

    if isinstance(aliases, Mapping):
        memory = [CatalogueEntry(code, sku) for code, sku in aliases.items()]
    else:
        memory = [entry for entry in aliases if isinstance(entry, CatalogueEntry)]
    in_store = store.catalogue.summary().rows
    log.info("Catalogue: %d barcode(s) in the store, %d from files", in_store, len(memory))
    # Barcodes in the store win over the demo/legacy table: memory rows are only for codes it lacks.
    memory = [e for e in memory if store.catalogue.lookup(e.barcode) is None] if in_store else memory
    return ItemCatalogue(memory, lookup=store.catalogue.lookup, has_sku=store.catalogue.has_sku)


def build_services(
    config: Config,
    token: str,
    *,
    svg_rasterizer: SvgRasterizer,
    publish_view: Callable[[StationView], None] | None = None,
    aliases: Mapping[str, str] | Iterable[Any] | None = None,
    emulator: Emulator | None = None,
    usb_backend: Any = None,
    scale_backend: Any = None,
    clock: Callable[[], float] = time.time,
) -> Services:
    """``clock``: where the store, the outbox and the runtime take the time (wall-clock seconds); the
    soak benchmark passes a simulated one."""
    from packstation.adapters.label_prefetch import LabelPrefetch
    from packstation.adapters.labels.pipeline import LabelPipeline
    from packstation.adapters.outbox import Outbox
    from packstation.adapters.printers.devices import make_printer
    from packstation.adapters.printers.queue import PrintQueue
    from packstation.adapters.scale import scale_from_setting
    from packstation.adapters.serial_scanner import SerialScanner
    from packstation.adapters.som.client import SomClient
    from packstation.adapters.store import Store
    from packstation.adapters.store.schema import SchemaTooNewError
    from packstation.domain.settings import station_settings
    from packstation.domain.station import Station
    from packstation.services.order_lookup import OrderLookup
    from packstation.services.runtime import PreviewTee, StationRuntime

    try:
        scale = scale_from_setting(config.scale, backend=scale_backend)
    except ValueError as exc:
        raise UserFacingError(str(exc)) from None
    try:
        serial_scanner = SerialScanner.from_setting(config.scanner)
    except ValueError as exc:
        raise UserFacingError(str(exc)) from None
    try:
        config.data_dir.mkdir(parents=True, exist_ok=True)
        store = Store.open(config.database_path, clock=clock)
    except OSError as exc:
        raise UserFacingError(f"cannot use the data folder {config.data_dir}: {exc.strerror or exc}") from exc
    except SchemaTooNewError as exc:
        raise UserFacingError(str(exc)) from None
    except sqlite3.Error as exc:  # not a database, disk full, locked by a stuck process ...
        raise UserFacingError(
            f"cannot open the station database {config.database_path}: {exc}. "
            "Run 'packstation doctor' or call IT; nothing was changed."
        ) from exc
    store.print_jobs.recover_interrupted()
    client = SomClient(
        config.api_url,
        # Without a token the station still starts (orders from the cache, the outbox paused with
        # NO_API_TOKEN below); the client needs some token, and this one is refused by any API.
        token or "no-token-set",
        site_id=config.site_id,
        read_deadline_s=config.api_read_deadline_s,
        write_deadline_s=config.api_write_deadline_s,
    )
    lookup = OrderLookup(store, client)
    station = Station(station_settings(config), aliases=load_catalogue(store, aliases or {}))
    runtime = StationRuntime(
        station,
        store,
        lookup,
        printer_uri=config.printer,
        station_id=config.station_id,
        publish_view=publish_view,
        label_format=config.label_format,
        packed_event_type=config.custom_event_type_id if config.publish_packed_event else None,
        slip_printer_uri=packing_slip_printer(config),
        slip_as_pdf=packing_slip_as_pdf(config),
        clock=clock,
    )

    def printer_factory(uri: str) -> Any:
        return PreviewTee(
            make_printer(uri, usb_backend=usb_backend, preview_sink=runtime.label_shown), runtime.label_shown
        )

    # Labels download the moment a booking's answer names them, side by side, ahead of the queue.
    label_prefetch = LabelPrefetch(client.download_label)
    print_queue = PrintQueue(
        store.print_jobs,
        printer_factory,
        label_prefetch,
        LabelPipeline(svg_rasterizer),
        on_change=runtime.print_job_changed,
    )
    outbox = Outbox(
        store,
        client,
        printer_uri=config.printer,
        on_status=runtime.outbox_status_changed,
        on_box_booked=runtime.box_booked,
        on_box_parked=runtime.box_parked,
        station_id=config.station_id,
        on_notice=lambda message: runtime.notify(ViewTone.WARNING, message),
        on_labels=label_prefetch.start,
        clock=clock,
    )
    runtime.outbox, runtime.print_queue = outbox, print_queue
    if not token:
        from packstation.domain.settings import NO_API_TOKEN

        outbox.pause(NO_API_TOKEN)
    return Services(
        config,
        store,
        client,
        lookup,
        outbox,
        print_queue,
        station,
        runtime,
        emulator,
        scale=scale,
        serial_scanner=serial_scanner,
        metrics=metrics_exporter(config, outbox, client),
    )


def metrics_exporter(config: Config, outbox: Any, client: Any) -> Any:
    """The Prometheus exporter the settings ask for (``metrics_listen``, ``metrics_textfile``), or None."""
    from packstation.domain.settings import listen_address

    listen = listen_address(config.metrics_listen)
    if listen is None and not config.metrics_textfile.strip():
        return None
    from packstation.adapters.metrics import LiveStatus, MetricsExporter, StationCollector

    def live() -> LiveStatus:  # called on the scrape thread: plain attribute reads only
        return LiveStatus(outbox.status().connectivity, getattr(client, "last_success", None))

    collector = StationCollector(
        config.database_path, live=live, station_id=config.station_id, version=__version__
    )
    textfile = Path(config.metrics_textfile).expanduser() if config.metrics_textfile.strip() else None
    return MetricsExporter(collector, listen=listen, textfile=textfile)


def packing_slip_printer(config: Config) -> str:
    """Where packing slips print ("" for nowhere): the settings model's rule."""
    return config.slip_printer_uri()


def packing_slip_as_pdf(config: Config) -> bool:
    """True when packing slips go to the document printer (PDF pages, not receipt text)."""
    destination = config.slip_destination()
    return destination is not None and destination.as_pdf


def read_replay_script(path: str) -> list[str]:
    """One scan per line; blank lines and lines starting with # are skipped. A GS character (or the
    configured GS replacement) inside a line is part of that scan."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserFacingError(f"cannot read the replay script {path}: {exc}") from exc
    # Split on line ends only: str.splitlines() also splits at GS (\x1d), the separator inside GS1 scans.
    lines = [line.strip(" \t\r") for line in text.split("\n")]
    return [line for line in lines if line and not line.startswith("#")]


async def replay(
    services: Services, scans: list[str], submit: Callable[[str], None], *, settle_s: float = 0.01
) -> list[str]:
    """Feed scans as a scanner would, waiting for each order look-up before the next scan. Returns the
    scans left unanswered (an order look-up that got no usable answer), each as "KEY: reason"."""
    already = services.runtime.unanswered_count
    for raw in scans:
        while services.runtime.busy:
            await asyncio.sleep(settle_s)
        submit(raw)
        await asyncio.sleep(settle_s)
    while services.runtime.busy:
        await asyncio.sleep(settle_s)
    new = services.runtime.unanswered_count - already
    # The runtime keeps only the latest: a replay with more than that reports those.
    unanswered: list[str] = list(services.runtime.unanswered_scans)[-new:] if new else []
    return unanswered


async def wait_until_idle(
    services: Services, timeout: float = IDLE_TIMEOUT_S, *, settle_s: float = IDLE_SETTLE_S
) -> bool:
    loop = asyncio.get_event_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        services.outbox.kick()
        services.print_queue.notify()
        if await services.idle():
            # The last job's callbacks reach the screen: a worker thread that has just written its
            # result hands its callback to the loop right after, and the loop runs what is ready
            # before any timer (this sleep); idle again afterwards means nothing new started.
            await asyncio.sleep(settle_s)
            if await services.idle():
                return True
        await asyncio.sleep(0.05)
    return False


def import_core_before_qt(demo: bool) -> None:
    """Import the station's non-Qt modules before PySide6 is loaded. Once PySide6 is imported, its
    ``__feature__`` import hook reads the source of every module imported after it (to look for
    ``from __feature__ import``): ~400 modules and ~0.1 s at start-up when these come after Qt."""
    import importlib

    core = [
        "packstation.adapters.outbox",
        "packstation.adapters.printers.devices",
        "packstation.adapters.printers.queue",
        "packstation.adapters.scale",
        "packstation.adapters.serial_scanner",
        "packstation.adapters.som.client",
        "packstation.adapters.store",
        "packstation.adapters.translations",
        "packstation.domain.station",
        "packstation.services.gc_policy",
        "packstation.services.order_lookup",
        "packstation.services.runtime",
        "encodings.idna",  # the first URL with a host name (the emulator's, the API's)
    ]
    for name in [*core, "packstation.emulator"] if demo else core:
        importlib.import_module(name)


def run_gui(args: Any) -> int:
    from packstation.adapters.config import effective_from_args, version_notice
    from packstation.adapters.logs import asyncio_exception_handler, register_secret, start_logging

    import_core_before_qt(bool(args.demo))
    os.environ.setdefault("QT_API", "pyside6")
    import qasync
    from PySide6.QtWidgets import QApplication

    effective = effective_from_args(args)
    config = effective.config
    # A missing or unreadable script is one clear line before anything starts (emulator, window).
    scans = read_replay_script(args.replay) if args.replay else []
    emulator = None
    if args.demo:
        config, emulator, token = demo_config(config, args)
    else:
        token = TokenStore().get() or ""
    register_secret(token)
    start_logging(
        effective,
        command="demo" if args.demo else "gui",
        version=__version__,
        log_dir=config.data_dir / "logs" if args.demo else None,
    )
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("packstation")
    apply_language(app, config.language)
    loop = qasync.QEventLoop(app)
    loop.set_exception_handler(asyncio_exception_handler)
    asyncio.set_event_loop(loop)
    try:
        with loop:
            notice = version_notice(__version__, effective.min_version)
            exit_code = loop.run_until_complete(
                _run_window(app, args, config, token, emulator, scans, notice=notice)
            )
    finally:
        asyncio.set_event_loop(None)
        if args.demo and not getattr(args, "data_dir", None):
            remove_demo_folder(config.data_dir)
    if exit_code == ExitCode.RESTART:
        argv = restart_argv()
        log.info("Restarting with the new settings: %s", " ".join(argv))
        logging.shutdown()
        os.execv(argv[0], argv)
    return exit_code


def warm_up_deferred_imports() -> None:
    """What start-up leaves out (httpx for the first request; Pillow, zxing-cpp and the XML parser for
    the first label), imported on a worker thread once the window has been up for a moment."""
    from packstation.adapters.labels.raster import warm_up as warm_up_labels
    from packstation.adapters.som.client import warm_up as warm_up_client

    for warm_up in (warm_up_client, warm_up_labels):
        try:
            warm_up()
        except Exception as exc:  # the first write or label then says what is wrong, where it matters
            log.warning("Could not load ahead what the first label needs: %s", exc)


class AfterFirstPaint:
    """What start-up does once the window is painted, so that the packer sees it sooner.

    At once: the garbage collector. It was off since ``cli.main``: start-up made ~110,000 objects that
    live as long as the process and ~900 of garbage. Freezing them first leaves the policy's
    collect-and-freeze (``services/gc_policy.py``) almost nothing to walk (40-60 ms otherwise), and the
    interpreter's last collections at exit too. ``WARM_UP_AFTER_PAINT_S`` later: the wedge scanner
    widens from the focus widget to the whole application (``WedgeScanner.install_on_focus`` says
    why), and the deferred imports (``warm_up_deferred_imports``) load on a worker thread; a scan or
    label before then imports what it needs itself."""

    def __init__(self, station: StationWindow) -> None:
        self._station = station
        self._collectors: list[Any] = []
        self._later: list[asyncio.TimerHandle] = []
        self._warming: list[asyncio.Future[None]] = []

    def painted(self) -> None:
        gc.freeze()
        self._collectors.append(self._station.keep_gc_off_the_scan_path())
        gc.enable()
        loop = asyncio.get_event_loop()
        self._later.append(loop.call_later(WARM_UP_AFTER_PAINT_S, self._warm_up))

    def _warm_up(self) -> None:
        self._station.window.scanner.install()  # widen to every key of the app (install_on_focus)
        self._warming.append(asyncio.ensure_future(asyncio.to_thread(warm_up_deferred_imports)))

    async def aclose(self) -> None:
        for handle in self._later:
            handle.cancel()
        for collector in self._collectors:
            collector.stop()
        if self._warming:  # imports on a worker thread: let them finish before the loop closes
            await asyncio.wait(self._warming, timeout=SHUTDOWN_TIMEOUT_S)


@dataclass
class StationWindow:
    """The station's window wired to its services: what ``build_window`` gives back."""

    services: Services
    bridge: StationBridge
    window: MainWindow

    def start(self) -> None:
        """Start the workers, bring back open orders, and show what the station holds."""
        self.services.scan_sink = self.bridge.publish_scan
        self.services.start()
        self.services.runtime.restore()
        take_restart_handover(self.services)
        self.bridge.publish_view(self.services.station.view)

    def keep_gc_off_the_scan_path(self) -> Any:
        """Once started: freeze start-up's objects, raise the collector's thresholds and collect in idle
        time (``services/gc_policy.py``). Process-wide; the app calls it, and benchmarks that measure
        the app as it runs. Returns the idle collector (``stop()`` it on closing)."""
        from packstation.services.gc_policy import keep_gc_off_the_scan_path

        runtime = self.services.runtime
        return keep_gc_off_the_scan_path(lambda: runtime.last_scan_at)

    async def aclose(self) -> None:
        """Close the window, then stop the workers and close the store."""
        self.window.close_for_good()
        await self.services.aclose()


def build_window(
    config: Config,
    token: str,
    *,
    emulator: Emulator | None = None,
    demo: bool = False,
    sounds: SoundPlayer | None = None,
    scanner: WedgeScanner | None = None,
    flash_ms: int = 300,
    scanner_on_focus_first: bool = False,
) -> StationWindow:
    """The services and the main window, wired as the app runs them (not started, not shown).

    ``sounds`` defaults to the system's sounds when ``config.sounds`` is on; ``scanner`` and ``flash_ms``
    let tests drive the wedge scanner on their own clock and keep the scan flash up.
    ``scanner_on_focus_first``: the wedge scanner watches the focus widget until ``AfterFirstPaint``
    widens it to the application (``WedgeScanner.install_on_focus``); the app runs so."""
    from packstation.gui.bridge import StationBridge
    from packstation.gui.feedback import SystemSoundPlayer
    from packstation.gui.main_window import MainWindow
    from packstation.gui.raster import QtSvgRasterizer

    bridge = StationBridge()
    services = build_services(
        config,
        token,
        svg_rasterizer=QtSvgRasterizer(),
        publish_view=bridge.publish_view,
        aliases=load_aliases(config, demo=demo),
        emulator=emulator,
    )
    actions: list[tuple[str, str, Callable[[], object]]] = [
        ("End of day", "Ctrl+E", lambda: open_end_of_day(window, services)),
        ("Packer stats", "Ctrl+T", lambda: open_stats(window, services)),
        ("Outbox", "Ctrl+Shift+O", lambda: open_outbox(window, services)),
    ]
    if demo:  # a new user learns the demo's barcodes from its sheet (issue 14 item 6, issue 15 item 8)
        actions.insert(0, ("Demo barcodes", "F1", lambda: open_demo_sheet(window, services)))
    window = MainWindow(
        services.runtime,
        bridge,
        sounds=sounds if sounds is not None else SystemSoundPlayer(enabled=config.sounds),
        settings_opener=lambda: open_settings(window, services),
        actions=actions,
        scan_actions={"CMD:OUTBOX": lambda: open_outbox(window, services)},
        scanner=scanner,
        flash_ms=flash_ms,
        ask_before_closing=True,
        on_scan_held=services.runtime.scan_held,
        demo_hint=DEMO_HINT if demo else "",
        scanner_on_focus_first=scanner_on_focus_first,
    )
    if demo:
        window.setWindowTitle(window.windowTitle() + " (demo)")
    return StationWindow(services, bridge, window)


async def _run_window(
    app: Any,
    args: Any,
    config: Config,
    token: str,
    emulator: Emulator | None,
    scans: list[str] | None = None,
    *,
    notice: str | None = None,
) -> int:
    from packstation.gui.feedback import SystemSoundPlayer

    station = build_window(
        config,
        token,
        emulator=emulator,
        demo=bool(args.demo),
        sounds=SystemSoundPlayer(enabled=config.sounds and not args.replay),
        scanner_on_focus_first=True,
    )
    services, window = station.services, station.window
    closed = asyncio.Event()
    # We quit ourselves once the workers are shut down; Qt quitting on the last window would stop the
    # loop under our feet (qasync: "Event loop stopped before Future completed").
    app.setQuitOnLastWindowClosed(False)
    app.aboutToQuit.connect(closed.set)
    app.lastWindowClosed.connect(closed.set)
    station.start()
    if notice:  # the site's minimum version: an older bench says so on screen too
        from packstation.domain.view import Tone

        services.runtime.notify(Tone.WARNING, notice)
    from packstation.gui.startup_mark import ENV, FirstPaint, FirstPaintMark

    # The station is started (a scan is accepted from here on); what the first paint does not need
    # waits until the window is on screen.
    first_paint = FirstPaint(window)
    after_paint = AfterFirstPaint(station)
    first_paint.after_paint(after_paint.painted)
    if os.environ.get(ENV):  # tests/benchmarks/startup.py: first paint, timed
        FirstPaintMark(first_paint, os.environ[ENV])
    window.showMaximized() if not args.replay else window.show()
    exit_code = ExitCode.OK
    try:
        if args.replay:
            unanswered = await replay(services, scans or [], station.bridge.publish_scan)
            for line in unanswered:
                print(f"packstation: scan not answered: {line}", file=sys.stderr)
            if unanswered:
                exit_code = (
                    ExitCode.FAILURE
                )  # a scan the replay could not get answered must not pass as a good run
        if args.exit_when_idle:
            if not await wait_until_idle(services):
                print("packstation: still busy after the replay; giving up", file=sys.stderr)
                exit_code = ExitCode.STILL_BUSY
            elif problems := services.problems():
                for line in problems:
                    print(f"packstation: {line}", file=sys.stderr)
                exit_code = ExitCode.FAILURE
        else:
            await closed.wait()
    finally:
        await after_paint.aclose()
        await station.aclose()
    return ExitCode.RESTART if services.restart_requested else exit_code


def apply_language(app: Any, code: str) -> None:
    """The feedback sentences (domain catalogue) and the window's words (Qt translation) in ``code``."""
    from packstation.adapters.translations import load_domain_language, qt_translation_file
    from packstation.gui.i18n import install_translation

    load_domain_language(code)
    qm_file = qt_translation_file(code)
    install_translation(app, code, str(qm_file) if qm_file else None)


def open_settings(window: MainWindow, services: Services) -> None:
    from packstation.adapters.translations import available_languages
    from packstation.gui.settings_dialog import SettingsDialog, confirm_restart

    demo = services.emulator is not None
    snapshot = {**services.config.to_json(), "token_source": token_source(demo=demo)}
    shown: dict[str, Any] = {}

    def on_save(values: dict[str, Any], token: str | None) -> None:
        if demo:  # the demo's loopback API, preview printer and scratch folder must not become real
            raise ValueError(SettingsDialog.demo_notice())
        save_settings(changed_settings(shown, values), token)

    dialog = SettingsDialog(
        snapshot,
        on_save=on_save,
        on_test_print=lambda uri, role: queue_test_print(services, uri, role),
        list_printers=list_usb_printers,
        languages=available_languages(),
        demo=demo,
        parent=window,
        on_import_catalogue=lambda path, merge: import_catalogue_from_settings(services, path, merge),
        catalogue_words=catalogue_words(services),
    )
    with contextlib.suppress(ValueError):  # a value the dialog would refuse: then every value counts
        shown.update(dialog.values())
    if dialog.exec() and confirm_restart(window):
        # Everything the station holds is in the store: a restart loses no box, scan or queued label.
        services.restart_requested = True
        write_restart_handover(services)  # the packer and the last label survive the restart
        window.close_for_good()


def import_catalogue_from_settings(services: Services, path: str, merge: bool) -> str:
    """The Settings dialog's catalogue import: the same import as ``packstation catalogue import``.
    It runs on the GUI thread while the dialog waits (100,000 rows take a few seconds, README)."""
    from packstation.services.catalogue_import import import_catalogue_file

    done = import_catalogue_file(services.store, path, merge=merge)  # type: ignore[arg-type]
    log.info("%s", done.sentence())
    return done.sentence()


def catalogue_words(services: Services) -> str:
    """What the catalogue holds now, for the Settings dialog's Catalogue tab."""
    summary = services.store.catalogue.summary()  # type: ignore[attr-defined]
    if not summary.rows:
        return (
            "The catalogue is empty: item scans match SKU labels only (and barcodes.csv in the data folder)."
        )
    learned = f", {summary.learned} learned at the bench" if summary.learned else ""
    return f"The catalogue holds {summary.rows} barcode(s){learned}."


RESTART_HANDOVER = "restart-handover.json"  # in the data folder, beside the station database
RESTART_HANDOVER_PNG = "restart-handover.png"
RESTART_HANDOVER_MAX_AGE_S = 300.0  # older than this: not a restart but a later start (sign in again)


def write_restart_handover(services: Services) -> None:
    """Before "Restart now": what the station holds outside its sessions (the signed-in packer, the
    "Last label" panel) goes into the data folder for the next start to take up (no schema change:
    everything else is in the store already). A failure only costs a sign-in."""
    import json
    import time

    folder = services.config.data_dir
    try:
        png = services.station.state.last_label_png
        (folder / RESTART_HANDOVER_PNG).write_bytes(png) if png else (folder / RESTART_HANDOVER_PNG).unlink(
            missing_ok=True
        )
        data = {**services.station.handover(), "written_at": time.time()}
        (folder / RESTART_HANDOVER).write_text(json.dumps(data), encoding="utf-8")
    except OSError as exc:
        log.warning("Could not keep the packer and last label for the restart: %s", exc)


def take_restart_handover(services: Services) -> bool:
    """At start-up: take up a fresh restart hand-over (and remove it, so it applies once)."""
    import json
    import time

    folder = services.config.data_dir
    path, png_path = folder / RESTART_HANDOVER, folder / RESTART_HANDOVER_PNG
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        png = png_path.read_bytes() if png_path.exists() else b""
    except (OSError, ValueError):
        return False
    finally:
        for leftover in (path, png_path):
            with contextlib.suppress(OSError):
                leftover.unlink(missing_ok=True)
    if (
        not isinstance(data, dict)
        or time.time() - float(data.get("written_at") or 0) > RESTART_HANDOVER_MAX_AGE_S
    ):
        return False
    services.runtime.take_handover(data, png)
    log.info("Restarted with new settings: %s is still signed in", data.get("packer") or "nobody")
    return True


def changed_settings(shown: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """The values the packer changed in the dialog. The dialog shows this run's effective settings,
    which include the environment and the flags (``PACKSTATION_API_URL``, ``--printer``); writing back
    what was only shown would make them permanent in the config file, so only the edits are saved."""
    return {key: value for key, value in values.items() if key not in shown or shown[key] != value}


def token_source(*, demo: bool, environ: Mapping[str, str] | None = None) -> str:
    """Where this run's token comes from, for the settings dialog (``TokenSource``'s values)."""
    from packstation.adapters.config import TOKEN_ENV

    environ = os.environ if environ is None else environ
    if demo:
        return "demo"
    if environ.get(TOKEN_ENV):
        return "environment"
    return "stored" if TokenStore(environ={}).get() else "none"


def restart_argv() -> list[str]:
    """The command that starts this packstation again with the same arguments (frozen or from source)."""
    if getattr(sys, "frozen", False):
        return [sys.executable, *sys.argv[1:]]
    return [sys.executable, "-m", "packstation", *sys.argv[1:]]


def open_end_of_day(window: MainWindow, services: Services) -> None:
    from packstation.gui.end_of_day_dialog import EndOfDayDialog
    from packstation.services.end_of_day import EndOfDay

    manifest_to = services.config.manifest_destination()
    service = EndOfDay(
        services.store,
        station=services.config.station_id,
        printer_uri=manifest_to.uri,
        as_pdf=manifest_to.as_pdf,
        kick=services.outbox.kick,
        enqueue_print=services.print_queue.enqueue,
    )
    EndOfDayDialog(service, parent=window).exec()


def open_outbox(window: MainWindow, services: Services) -> None:
    """The outbox view: the same list as ``packstation outbox``, with Retry and Reprint."""
    from packstation.gui.outbox_dialog import OutboxDialog
    from packstation.services.queue_report import queue_items

    def retry(op_id: int) -> str:
        if not services.store.outbox.retry(op_id):
            return f"Operation {op_id} no longer needs attention."
        services.outbox.kick()
        return f"Operation {op_id} is queued again; it is sent in a moment."

    def reprint(job_id: int) -> str:
        new_job = services.print_queue.reprint(job_id)
        return f"Printing again (print job {new_job})."

    OutboxDialog(lambda: queue_items(services.store), retry=retry, reprint=reprint, parent=window).exec()


def open_demo_sheet(window: MainWindow, services: Services) -> None:
    """The demo's barcodes on screen (the sheet ``packstation print-commands --demo`` prints)."""
    from packstation.commands.print_commands import sheet_entries, sheet_png, write_sheet
    from packstation.gui.demo_sheet_dialog import DemoSheetDialog

    entries = sheet_entries(services.config.box_types, demo=True)

    def save(path: str) -> str:
        try:
            write_sheet(entries, Path(path))
        except UserFacingError as exc:
            return str(exc)
        return f"Saved the demo barcodes to {path}."

    DemoSheetDialog(sheet_png(entries), save=save, parent=window).exec()


def open_stats(window: MainWindow, services: Services) -> None:
    from packstation.gui.stats_dialog import StatsDialog
    from packstation.services.stats import load_day_stats, save_stats_csv

    StatsDialog(lambda: load_day_stats(services.store), save_csv=save_stats_csv, parent=window).exec()


def queue_test_print(services: Services, uri: str, role: PrinterRole | None = None) -> str:
    """Settings' test print of one printer role, through the print queue (never on the GUI thread): the
    label and receipt printers get the test label, the document printer a PDF test page."""
    from packstation.adapters.printers.errors import PrinterError
    from packstation.adapters.printers.uri import PrinterKind, parse_printer_uri
    from packstation.domain.labelgen import make_test_label
    from packstation.domain.printing import PrintJobKind
    from packstation.domain.settings import PrinterRole

    try:
        spec = parse_printer_uri(uri)
    except PrinterError as exc:
        return exc.user_message
    if role is PrinterRole.DOCUMENT:
        from packstation.adapters.document_pdf import test_page_document

        if spec.kind not in (PrinterKind.CUPS, PrinterKind.WIN32):
            return "The document printer must be an OS print queue: cups:QUEUE or win32:PRINTER NAME."
        page = test_page_document(services.config.station_id, spec.paper)
        services.print_queue.enqueue(kind=PrintJobKind.DOCUMENT, printer_uri=uri, payload=page)
        return "Test page sent to the document printer; it prints in a moment."
    fmt = "zpl" if getattr(spec, "lang", "escpos") == "zpl" else "svg"
    services.print_queue.enqueue(kind=PrintJobKind.TEST, printer_uri=uri, payload=make_test_label(fmt))
    return "Test label sent to the printer queue; it prints in a moment."


def list_usb_printers(backend: Any = None) -> list[tuple[str, str]]:
    """The settings dialog's "Find printers": (URI, name) of each USB printer, or one line saying why not."""
    from packstation.adapters.printers.discovery import find_usb_printers
    from packstation.adapters.printers.errors import PrinterError

    try:
        return [(p.uri, p.description) for p in find_usb_printers(backend)]
    except PrinterError as exc:
        return [("", exc.user_message)]
