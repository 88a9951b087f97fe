"""A supervisor's look at the fleet: one line per bench, from the benches' metrics endpoints or from a
Prometheus server's HTTP API. Kept small on purpose: Prometheus and Grafana are the real fleet console
(resources/monitoring/); this answers "which benches need me now" from a terminal.

``scrape_bench(url)`` reads one bench's ``/metrics`` (prometheus-client's parser);
``query_prometheus(url)`` asks a Prometheus server (``/api/v1/query``) for the same values of every
bench it scrapes. Both give ``BenchStatus`` values; a bench that does not answer is a line saying so.
"""

from __future__ import annotations

import concurrent.futures
import enum
from collections.abc import Iterable, Sequence
from typing import Any

import httpx
import msgspec
from prometheus_client.parser import text_string_to_metric_families

TIMEOUT_S = 5.0
WAITING = ("pending", "in_flight")
PRINTING = ("queued", "sending")


class BenchState(enum.StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"  # the bench answers, Ingrid does not answer the bench
    DEGRADED = "degraded"
    PAUSED = "paused"
    UNREACHABLE = "unreachable"  # the bench itself does not answer


class BenchStatus(msgspec.Struct, frozen=True):
    name: str
    state: BenchState
    outbox: int = 0
    needs_attention: int = 0
    printing: int = 0
    failed_prints: int = 0
    version: str = ""
    error: str = ""

    @property
    def printer(self) -> str:
        if self.state is BenchState.UNREACHABLE:
            return "?"
        if self.failed_prints:
            return f"{self.failed_prints} failed"
        return f"{self.printing} printing" if self.printing else "ok"

    @property
    def healthy(self) -> bool:
        return self.state is BenchState.ONLINE and not self.needs_attention and not self.failed_prints


def metrics_url(target: str) -> str:
    """``bench-07:9464``, ``http://bench-07:9464`` or a full ``.../metrics`` URL, as the URL to read."""
    url = target if "://" in target else f"http://{target}"
    return url if httpx.URL(url).path not in ("", "/") else url.rstrip("/") + "/metrics"


def status_from_samples(name: str, samples: Iterable[tuple[str, dict[str, str], float]]) -> BenchStatus:
    """A bench's status from its metric samples (name, labels, value)."""
    state = BenchState.ONLINE
    outbox = attention = printing = failed = 0
    version = ""
    for sample, labels, value in samples:
        if sample == "packstation_info":
            version = labels.get("version", "")
            name = labels.get("station") or name
        elif sample == "packstation_connectivity" and value == 1:
            state = BenchState(labels.get("state", "online"))
        elif sample == "packstation_outbox_operations" and labels.get("state") in WAITING:
            outbox += int(value)
        elif sample == "packstation_needs_attention":
            attention = int(value)
        elif sample == "packstation_print_jobs":
            if labels.get("state") == "failed":
                failed += int(value)
            elif labels.get("state") in PRINTING:
                printing += int(value)
    return BenchStatus(name, state, outbox, attention, printing, failed, version)


def scrape_bench(target: str, *, timeout: float = TIMEOUT_S) -> BenchStatus:
    url = metrics_url(target)
    try:
        response = httpx.get(url, timeout=timeout)
        response.raise_for_status()
        samples = [
            (s.name, s.labels, s.value)
            for family in text_string_to_metric_families(response.text)
            for s in family.samples
        ]
    except httpx.HTTPError as exc:
        return BenchStatus(target, BenchState.UNREACHABLE, error=str(exc) or type(exc).__name__)
    except ValueError as exc:  # not Prometheus text: some other service on that port
        return BenchStatus(target, BenchState.UNREACHABLE, error=f"not packstation metrics ({exc})")
    # the OpenMetrics info family reads back as packstation_info in both formats
    samples = [(("packstation_info" if n == "packstation_info_info" else n), lab, v) for n, lab, v in samples]
    if not any(name == "packstation_info" for name, _, _ in samples):
        return BenchStatus(target, BenchState.UNREACHABLE, error="not a packstation metrics endpoint")
    return status_from_samples(target, samples)


def scrape_benches(targets: Sequence[str], *, timeout: float = TIMEOUT_S) -> list[BenchStatus]:
    """Every bench at once (a slow one delays the answer by at most ``timeout``), in the given order."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=min(16, max(1, len(targets)))) as pool:
        return list(pool.map(lambda t: scrape_bench(t, timeout=timeout), targets))


PROMETHEUS_QUERIES = {
    "up": 'up{job=~"$job"}',
    "packstation_info": 'packstation_info{job=~"$job"}',
    "packstation_connectivity": 'packstation_connectivity{job=~"$job"} == 1',
    "packstation_outbox_operations": 'packstation_outbox_operations{job=~"$job"}',
    "packstation_needs_attention": 'packstation_needs_attention{job=~"$job"}',
    "packstation_print_jobs": 'packstation_print_jobs{job=~"$job"}',
}


class FleetQueryError(Exception):
    """The Prometheus server could not be asked (unreachable, refused the query)."""


def query_prometheus(base_url: str, *, job: str = ".*", timeout: float = TIMEOUT_S) -> list[BenchStatus]:
    """Every bench a Prometheus server scrapes, by instance; a bench whose scrape fails (``up == 0``)
    is unreachable. ``job``: a regular expression for the scrape job's name."""
    by_instance: dict[str, list[tuple[str, dict[str, str], float]]] = {}
    down: set[str] = set()
    with httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout) as client:
        for name, query in PROMETHEUS_QUERIES.items():
            try:
                response = client.get("/api/v1/query", params={"query": query.replace("$job", job)})
                response.raise_for_status()
                answer: dict[str, Any] = response.json()
            except (httpx.HTTPError, ValueError) as exc:
                raise FleetQueryError(f"Prometheus at {base_url} did not answer {name}: {exc}") from None
            if answer.get("status") != "success":
                raise FleetQueryError(f"Prometheus at {base_url} refused {name}: {answer.get('error')}")
            for series in answer["data"]["result"]:
                labels = dict(series["metric"])
                instance = labels.get("instance", "?")
                value = float(series["value"][1])
                if name == "up":
                    if value == 0:
                        down.add(instance)
                    by_instance.setdefault(instance, [])
                    continue
                by_instance.setdefault(instance, []).append((name, labels, value))
    statuses = []
    for instance, samples in sorted(by_instance.items()):
        if instance in down:
            statuses.append(
                BenchStatus(instance, BenchState.UNREACHABLE, error="Prometheus cannot scrape it")
            )
        elif any(n == "packstation_info" for n, _, _ in samples):
            statuses.append(status_from_samples(instance, samples))
    return statuses


def format_table(statuses: Sequence[BenchStatus]) -> list[str]:
    """One line per bench: name, state, outbox depth, needs attention, printer, version."""
    header = ("BENCH", "STATE", "OUTBOX", "ATTENTION", "PRINTER", "VERSION")
    rows = [
        (s.name, s.state.value, str(s.outbox), str(s.needs_attention), s.printer, s.version or "?")
        if s.state is not BenchState.UNREACHABLE
        else (s.name, "unreachable", "-", "-", "?", f"({s.error})")
        for s in statuses
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    return [
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])) + "  " + row[-1]
        for row in [header, *rows]
    ]
