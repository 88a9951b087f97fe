"""The station's Prometheus metrics (prometheus-client), for warehouse IT's Prometheus and Grafana.

Two outputs, both off by default (settings ``metrics_listen`` and ``metrics_textfile``):

* an HTTP endpoint (``/metrics``; OpenMetrics when the scraper asks for it, as Prometheus does) on a
  loopback or LAN address;
* a ``.prom`` file rewritten every ``TEXTFILE_INTERVAL_S`` for node_exporter's / windows_exporter's
  textfile collector (a bench that must not open a port).

The values are read at scrape time from the station database (its own read-only SQLite connection, so
the scrape never touches the app's connections or threads) and from a ``live`` callable for what only
the running app knows (connectivity, the last successful API call). Counters derived from the
append-only tables (scans, boxes) survive restarts. No value carries the API token: the only texts are
states, kinds, printer URIs, the station id and the version.

Metrics (prefix ``packstation_``): ``info`` (version, station), ``online``, ``connectivity{state}``,
``last_api_success_timestamp_seconds``, ``outbox_operations{state}``, ``needs_attention``,
``print_jobs{state,printer}``, ``label_latency_seconds`` (histogram: box closed -> its label printed),
``scans_total{kind}``, ``scan_errors_total{kind}``, ``packing_sessions{state}``, ``packer_sign_ins_total``,
``store_readable``. ``METRIC_NAMES`` lists every sample name, for the tests of the monitoring files.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import msgspec
from prometheus_client import CollectorRegistry, start_http_server, write_to_textfile
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    InfoMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from packstation.domain.outcomes import Outcome
from packstation.domain.view import Connectivity

log = logging.getLogger(__name__)

PREFIX = "packstation"
TEXTFILE_INTERVAL_S = 15.0
# Box closed -> label printed: a second or two online; minutes to hours across an offline period.
LATENCY_BUCKETS = (0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0, 3600.0, 14400.0)
OUTBOX_STATES = ("pending", "in_flight", "done", "needs_attention", "cancelled")
SESSION_STATES = ("packing", "parked", "complete", "cancelled")
# Scan outcomes that are a mistake or a refusal (the packer heard the error sound).
ERROR_OUTCOMES = frozenset(
    outcome.value
    for outcome in Outcome
    if outcome.value.startswith("refused")
    or outcome
    in (
        Outcome.GARBAGE,
        Outcome.OVER_SCAN,
        Outcome.NOT_IN_ORDER,
        Outcome.UNKNOWN_CODE,
        Outcome.ORDER_EMPTY,
        Outcome.INTERNAL_ERROR,
    )
)

# Every sample name the station exposes (histogram and info families with their suffixes).
METRIC_NAMES = frozenset(
    f"{PREFIX}_{name}"
    for name in (
        "info",
        "online",
        "connectivity",
        "last_api_success_timestamp_seconds",
        "outbox_operations",
        "needs_attention",
        "print_jobs",
        "label_latency_seconds_bucket",
        "label_latency_seconds_sum",
        "label_latency_seconds_count",
        "scans_total",
        "scan_errors_total",
        "packing_sessions",
        "packer_sign_ins_total",
        "store_readable",
    )
)


class LiveStatus(msgspec.Struct, frozen=True):
    """What only the running app knows: the connectivity the packer sees and when an API call last
    succeeded (epoch seconds; None before the first)."""

    connectivity: Connectivity = Connectivity.ONLINE
    last_api_success: float | None = None


def _histogram(values: list[float]) -> tuple[list[tuple[str, float]], float]:
    buckets: list[tuple[str, float]] = []
    for bound in LATENCY_BUCKETS:
        buckets.append((repr(bound), float(sum(1 for v in values if v <= bound))))
    buckets.append(("+Inf", float(len(values))))
    return buckets, float(sum(values))


class StationCollector(Collector):
    """Reads the metrics from the station database and ``live`` on each scrape."""

    def __init__(
        self, database: Path, *, live: Callable[[], LiveStatus], station_id: str, version: str
    ) -> None:
        self.database = Path(database)
        self.live = live
        self.station_id = station_id
        self.version = version

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(f"file:{self.database}?mode=ro", uri=True, timeout=2.0)
        conn.row_factory = sqlite3.Row
        return conn

    def collect(self) -> Iterator[Metric]:
        info = InfoMetricFamily(PREFIX, "The station's app version and station id")
        info.add_metric([], {"version": self.version, "station": self.station_id})
        yield info
        yield from self._live()
        readable = GaugeMetricFamily(
            f"{PREFIX}_store_readable", "1 when the station database could be read for this scrape"
        )
        try:
            if not self.database.is_file():
                raise sqlite3.OperationalError(f"no database at {self.database}")
            with contextlib.closing(self._connect()) as conn:
                families = list(self._from_store(conn))
        except sqlite3.Error as exc:
            log.info("Metrics: cannot read %s (%s)", self.database, exc)
            readable.add_metric([], 0)
            yield readable
            return
        readable.add_metric([], 1)
        yield readable
        yield from families

    def _live(self) -> Iterator[Metric]:
        status = self.live()
        online = GaugeMetricFamily(f"{PREFIX}_online", "1 when the last API calls were answered")
        online.add_metric([], 1 if status.connectivity is Connectivity.ONLINE else 0)
        yield online
        state = GaugeMetricFamily(
            f"{PREFIX}_connectivity",
            "The connectivity the packer sees: 1 for the current state",
            labels=["state"],
        )
        for each in Connectivity:
            state.add_metric([each.value], 1 if each is status.connectivity else 0)
        yield state
        if status.last_api_success is not None:
            last = GaugeMetricFamily(
                f"{PREFIX}_last_api_success_timestamp_seconds", "When an API call last succeeded (Unix time)"
            )
            last.add_metric([], status.last_api_success)
            yield last

    def _from_store(self, conn: sqlite3.Connection) -> Iterator[Metric]:
        outbox = GaugeMetricFamily(
            f"{PREFIX}_outbox_operations", "API operations in the outbox, by state", labels=["state"]
        )
        counts = dict(conn.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall())
        for state in OUTBOX_STATES:
            outbox.add_metric([state], counts.get(state, 0))
        yield outbox
        attention = GaugeMetricFamily(
            f"{PREFIX}_needs_attention", "Outbox operations waiting for a person (retry or cancel)"
        )
        attention.add_metric([], counts.get("needs_attention", 0))
        yield attention

        jobs = GaugeMetricFamily(
            f"{PREFIX}_print_jobs", "Print jobs by state and printer", labels=["state", "printer"]
        )
        rows = conn.execute("SELECT state, printer_uri, count(*) FROM print_jobs GROUP BY state, printer_uri")
        for state, printer, count in rows:
            jobs.add_metric([state, printer], count)
        yield jobs

        latencies = [
            float(row[0])
            for row in conn.execute(
                "SELECT b.printed_at - MIN(o.created_at) FROM boxes b JOIN outbox o ON o.box_id = b.id"
                " WHERE b.printed_at IS NOT NULL GROUP BY b.id"
            )
            if row[0] is not None
        ]
        buckets, total = _histogram([max(0.0, value) for value in latencies])
        latency = HistogramMetricFamily(
            f"{PREFIX}_label_latency_seconds", "From closing a box to its shipping label printed"
        )
        latency.add_metric([], buckets, total)
        yield latency

        scans = CounterMetricFamily(f"{PREFIX}_scans", "Scans, by kind", labels=["kind"])
        errors = CounterMetricFamily(
            f"{PREFIX}_scan_errors", "Scans refused or wrong (the error sound), by kind", labels=["kind"]
        )
        by_kind: dict[str, list[int]] = {}
        for kind, outcome, count in conn.execute(
            "SELECT kind, outcome, count(*) FROM scans GROUP BY kind, outcome"
        ):
            entry = by_kind.setdefault(kind, [0, 0])
            entry[0] += count
            if outcome in ERROR_OUTCOMES:
                entry[1] += count
        for kind, (count, wrong) in sorted(by_kind.items()):
            scans.add_metric([kind], count)
            errors.add_metric([kind], wrong)
        yield scans
        yield errors

        sessions = GaugeMetricFamily(
            f"{PREFIX}_packing_sessions", "Order packing sessions, by state", labels=["state"]
        )
        session_counts = dict(conn.execute("SELECT state, count(*) FROM packing_sessions GROUP BY state"))
        for state in SESSION_STATES:
            sessions.add_metric([state], session_counts.get(state, 0))
        yield sessions
        sign_ins = CounterMetricFamily(f"{PREFIX}_packer_sign_ins", "Packers signing in at this bench")
        sign_ins.add_metric(
            [],
            conn.execute(
                "SELECT count(*) FROM scans WHERE outcome = ?", (Outcome.SIGNED_IN.value,)
            ).fetchone()[0],
        )
        yield sign_ins


class MetricsExporter:
    """Serves a ``StationCollector`` on ``listen`` (host, port) and/or writes it to ``textfile``."""

    def __init__(
        self,
        collector: StationCollector,
        *,
        listen: tuple[str, int] | None = None,
        textfile: Path | None = None,
        interval_s: float = TEXTFILE_INTERVAL_S,
    ) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(collector)
        self.listen = listen
        self.textfile = Path(textfile) if textfile else None
        self.interval_s = interval_s
        self._server: Any = None
        self._stop = threading.Event()
        self._writer: threading.Thread | None = None

    @property
    def port(self) -> int | None:
        """The port the endpoint listens on (the real one when 0 was asked for); None when off."""
        return int(self._server.server_port) if self._server is not None else None

    def start(self) -> None:
        """Start what is configured; a port in use or an unwritable file is logged, never fatal (the
        bench keeps packing without its metrics)."""
        if self.listen is not None:
            host, port = self.listen
            try:
                self._server, _ = start_http_server(port, addr=host, registry=self.registry)
                log.info("Metrics on http://%s:%d/metrics", host, self.port)
            except OSError as exc:
                log.error("Metrics endpoint %s:%d could not start: %s", host, port, exc.strerror or exc)
        if self.textfile is not None:
            self._writer = threading.Thread(target=self._write_loop, name="metrics-textfile", daemon=True)
            self._writer.start()

    def write_textfile(self) -> None:
        if self.textfile is None:
            return
        try:
            self.textfile.parent.mkdir(parents=True, exist_ok=True)
            write_to_textfile(str(self.textfile), self.registry)  # atomic: a temp file, then a rename
        except OSError as exc:
            log.warning("Metrics textfile %s not written: %s", self.textfile, exc.strerror or exc)

    def _write_loop(self) -> None:
        while True:
            self.write_textfile()
            if self._stop.wait(self.interval_s):
                return

    def stop(self) -> None:
        self._stop.set()
        if self._writer is not None:
            self._writer.join(timeout=5)
            self.write_textfile()  # the last values, not ones 15 s old
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
