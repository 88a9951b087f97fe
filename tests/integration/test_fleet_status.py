"""`packstation fleet status`: one line per bench, read from the benches' real metrics endpoints or from
a real Prometheus server scraping them (when Debian's prometheus package is installed)."""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import sqlite3
import subprocess
import time

import httpx
import pytest

from packstation import __version__, cli
from packstation.adapters.metrics import LiveStatus, MetricsExporter, StationCollector
from packstation.adapters.store import Store
from packstation.domain.view import Connectivity


def _bench(tmp_path, name, *, pending=0, attention=0, failed=0, connectivity=Connectivity.ONLINE):
    db = tmp_path / name / "station.sqlite3"
    db.parent.mkdir()
    Store.open(db).close()
    conn = sqlite3.connect(db)
    now = time.time()
    for state, count in (("pending", pending), ("needs_attention", attention)):
        for _ in range(count):
            conn.execute(
                "INSERT INTO outbox (shipment_id, kind, state, created_at, updated_at)"
                " VALUES ('s', 'book', ?, ?, ?)",
                (state, now, now),
            )
    for _ in range(failed):
        conn.execute(
            "INSERT INTO print_jobs (kind, state, printer_uri, created_at, updated_at)"
            " VALUES ('label', 'failed', 'usb:04b8:0e28', ?, ?)",
            (now, now),
        )
    conn.commit()
    conn.close()
    collector = StationCollector(
        db, live=lambda: LiveStatus(connectivity, now), station_id=name, version=__version__
    )
    exporter = MetricsExporter(collector, listen=("127.0.0.1", 0))
    exporter.start()
    return exporter


def _free_port() -> int:
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def benches(tmp_path):
    started = [
        _bench(tmp_path, "bench-01"),
        _bench(tmp_path, "bench-02", pending=3, attention=1, failed=2, connectivity=Connectivity.OFFLINE),
    ]
    yield started
    for exporter in started:
        exporter.stop()


def _rows(out: str) -> dict[str, list[str]]:
    return {line.split()[0]: line.split() for line in out.splitlines()[1:]}


def test_fleet_status_reads_each_bench_and_names_the_unreachable_one(benches, capsys):
    closed = f"127.0.0.1:{_free_port()}"
    targets = [f"127.0.0.1:{benches[0].port}", f"http://127.0.0.1:{benches[1].port}/metrics", closed]
    status = cli.main(["fleet", "status", *targets])
    out = capsys.readouterr().out
    rows = _rows(out)
    assert out.splitlines()[0].split() == ["BENCH", "STATE", "OUTBOX", "ATTENTION", "PRINTER", "VERSION"]
    assert rows["bench-01"] == ["bench-01", "online", "0", "0", "ok", __version__]
    assert rows["bench-02"] == ["bench-02", "offline", "3", "1", "2", "failed", __version__]
    assert rows[closed][:2] == [closed, "unreachable"]
    assert status == 1  # not every bench is well


def test_fleet_status_json_and_a_healthy_fleet_exits_0(benches, capsys):
    assert cli.main(["fleet", "status", "--json", f"127.0.0.1:{benches[0].port}"]) == 0
    [bench] = json.loads(capsys.readouterr().out)
    assert (bench["name"], bench["state"], bench["printer"]) == ("bench-01", "online", "ok")


def test_fleet_status_without_benches_or_prometheus_says_what_to_give(capsys):
    assert cli.main(["fleet", "status"]) == 2
    assert "name the benches" in capsys.readouterr().err


PROMETHEUS = shutil.which("prometheus")


@pytest.mark.skipif(PROMETHEUS is None, reason="prometheus not installed (Debian package prometheus)")
def test_fleet_status_from_a_real_prometheus_server(benches, tmp_path, capsys):
    port = _free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(
        json.dumps(  # JSON is YAML
            {
                "global": {"scrape_interval": "1s"},
                "scrape_configs": [
                    {
                        "job_name": "packstation",
                        "static_configs": [
                            {
                                "targets": [f"127.0.0.1:{b.port}" for b in benches]
                                + [f"127.0.0.1:{_free_port()}"]
                            }
                        ],
                    }
                ],
            }
        )
    )
    server = subprocess.Popen(
        [
            str(PROMETHEUS),
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError, ValueError, KeyError):
                answer = httpx.get(f"{url}/api/v1/query", params={"query": "up"}, timeout=2).json()
                if len(answer["data"]["result"]) == 3:
                    # and the benches' samples are in too
                    info = httpx.get(f"{url}/api/v1/query", params={"query": "packstation_info"}, timeout=2)
                    if len(info.json()["data"]["result"]) == 2:
                        break
            time.sleep(0.5)
        status = cli.main(["fleet", "status", "--prometheus", url, "--job", "packstation"])
    finally:
        server.terminate()
        server.wait(timeout=30)
    rows = _rows(capsys.readouterr().out)
    by_state = sorted(row[1] for row in rows.values())
    assert by_state == ["offline", "online", "unreachable"]
    online = next(row for row in rows.values() if row[1] == "online")
    offline = next(row for row in rows.values() if row[1] == "offline")
    assert online[2:] == ["0", "0", "ok", __version__]
    assert offline[2:] == ["3", "1", "2", "failed", __version__]
    assert status == 1
