"""The outbox's pure parts: back-off with jitter honouring Retry-After, and connectivity states."""

from __future__ import annotations

import random

from packstation.domain.outbox import BackoffPolicy, Connectivity, ConnectivityTracker


def test_backoff_grows_exponentially_with_jitter_and_is_capped():
    policy = BackoffPolicy(base_s=1.0, factor=2.0, cap_s=60.0)
    rng = random.Random(7)
    for attempts, ceiling in [(1, 1), (2, 2), (3, 4), (6, 32), (7, 60), (50, 60), (10_000, 60)]:
        delays = [policy.delay(attempts, rng=rng) for _ in range(200)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 100  # jittered, so stations do not retry in lock-step


def test_retry_after_is_honoured_when_longer_than_the_backoff():
    policy = BackoffPolicy(base_s=1.0, cap_s=60.0)
    assert policy.delay(1, retry_after=7.5) == 7.5
    assert 4 <= policy.delay(4, retry_after=0.1) <= 8
    assert policy.delay(1, retry_after=10**9) == 300.0  # a silly value does not park the queue for days


def test_connectivity_follows_outcomes_and_pause_sticks_until_resume():
    tracker = ConnectivityTracker()
    assert tracker.state is Connectivity.ONLINE
    assert tracker.unreachable("connection refused") and tracker.state is Connectivity.OFFLINE
    assert "cannot be reached" in tracker.reason
    assert tracker.struggling("HTTP 503") and tracker.state is Connectivity.DEGRADED
    assert tracker.success() and tracker.state is Connectivity.ONLINE and tracker.reason == ""
    assert not tracker.success()  # no change, nothing to publish
    assert tracker.pause("The API token was refused (HTTP 401).")
    assert not tracker.success() and tracker.state is Connectivity.PAUSED
    assert tracker.resume() and tracker.state is Connectivity.ONLINE
