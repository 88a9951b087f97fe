"""The station database stays readable with the ``sqlite-utils`` command line, for support: the two
commands README documents run against a real station file and show what a person needs."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlite_utils.cli import cli

from packstation.adapters.store.schema import TABLES
from packstation.domain.outbox import OpKind


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_tables_with_counts_lists_every_station_table(store):
    store.scans.log(raw="ORD-1", kind="order", outcome="accepted")
    store.outbox.enqueue(OpKind.BOOK_PICKUP, "sh1", {"tracking_number": "TN1"})
    counts = {t["table"]: t["count"] for t in json.loads(run("tables", str(store.path), "--counts"))}
    assert set(TABLES) <= set(counts)
    assert counts["scans"] == 1 and counts["outbox"] == 1 and counts["boxes"] == 0
    assert "outbox" in run("tables", str(store.path), "--counts", "--table")


def test_rows_shows_the_operations_that_need_attention(store):
    store.outbox.enqueue(OpKind.BOOK_PICKUP, "sh1", {"tracking_number": "TN1"})
    parked = store.outbox.enqueue(OpKind.BOOK_PICKUP, "sh2", {"tracking_number": "TN2"})
    store.outbox.claim(parked)
    store.outbox.park(parked, "HTTP 400 | pickup refused")
    out = run(
        "rows", str(store.path), "outbox", "--where", "state = 'needs_attention'",
        "-c", "id", "-c", "kind", "-c", "shipment_id", "-c", "last_error",
    )  # fmt: skip
    assert json.loads(out) == [
        {"id": parked, "kind": "book_pickup", "shipment_id": "sh2", "last_error": "HTTP 400 | pickup refused"}
    ]
