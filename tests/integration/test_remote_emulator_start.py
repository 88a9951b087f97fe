"""The benchmarks' emulator in its own process (tests/support/remote_emulator.py) reports a failed start
as an error at once: a child that dies before sending its address used to leave the parent waiting on the
pipe for ever (the parent held the child's end too, so no end-of-file ever came)."""

from __future__ import annotations

import os
import time

import pytest

from tests.support import remote_emulator
from tests.support.remote_emulator import RemoteEmulator


def _die_at_start(conn: object, latency_ms: int, label_format: str) -> None:
    """Stands in for the child's server: the process ends before it answers (a crash at import)."""
    os._exit(3)


@pytest.mark.timeout(60)
def test_a_refused_start_is_an_error_with_the_reason():
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="could not start: ValueError: label_format must be one of"):
        RemoteEmulator(label_format="bmp")
    assert time.monotonic() - started < remote_emulator.START_TIMEOUT_S


@pytest.mark.timeout(60)
def test_a_child_that_dies_before_answering_is_an_error_not_a_hang(monkeypatch):
    # The spawned child finds its target by name: this module's function, which exits at once.
    monkeypatch.setattr(remote_emulator, "_serve", _die_at_start)
    started = time.monotonic()
    with pytest.raises(RuntimeError, match=r"exited \(code 3\) before it started"):
        RemoteEmulator()
    assert time.monotonic() - started < remote_emulator.START_TIMEOUT_S


def test_a_started_emulator_answers_and_stops():
    emulator = RemoteEmulator()
    try:
        assert emulator.base_url.startswith("http://127.0.0.1:")
        assert emulator.request_count() == 0
    finally:
        emulator.stop()
