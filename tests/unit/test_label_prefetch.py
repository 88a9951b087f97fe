"""LabelPrefetch: downloads begun ahead of the print queue are taken once, bounded in number and
age, and a failed one is downloaded again by the print queue's own call (so its error is reported
there, never lost in a background task)."""

from __future__ import annotations

import asyncio

import pytest

from packstation.adapters.label_prefetch import LabelPrefetch


class Source:
    def __init__(self, fail: set[str] | None = None, delay: float = 0.0) -> None:
        self.calls: list[str] = []
        self.fail = fail or set()
        self.delay = delay

    async def __call__(self, url: str) -> bytes:
        self.calls.append(url)
        await asyncio.sleep(self.delay)
        if url in self.fail:
            self.fail.discard(url)  # fails once
            raise OSError(f"download of {url} failed")
        return url.encode()


def test_labels_named_by_a_booking_download_side_by_side_and_are_taken_once():
    source = Source(delay=0.05)

    async def main():
        prefetch = LabelPrefetch(source)
        prefetch.start(["u1", "u2", "u1"])
        await asyncio.sleep(0)  # both downloads are under way before anyone asks
        assert sorted(source.calls) == ["u1", "u2"]
        first, second = await asyncio.gather(prefetch("u1"), prefetch("u2"))
        again = await prefetch("u1")  # a reprint: downloaded again, not from the prefetch
        return prefetch, first, second, again

    prefetch, first, second, again = asyncio.run(main())
    assert (first, second, again) == (b"u1", b"u2", b"u1")
    assert prefetch.taken == 2 and len(prefetch) == 0 and source.calls.count("u1") == 2


def test_a_failed_prefetch_is_downloaded_again_when_the_label_is_wanted():
    source = Source(fail={"u1"})

    async def main():
        prefetch = LabelPrefetch(source)
        prefetch.start(["u1"])
        await asyncio.sleep(0.01)
        return await prefetch("u1")

    assert asyncio.run(main()) == b"u1"
    assert source.calls == ["u1", "u1"]


def test_the_error_of_a_label_that_cannot_be_downloaded_reaches_the_caller():
    source = Source(fail={"u1"})

    async def main():
        prefetch = LabelPrefetch(source)
        source.fail = {"u1"}
        with pytest.raises(OSError, match="u1"):
            await prefetch("u1")

    asyncio.run(main())


def test_held_labels_are_bounded_in_number_and_in_age():
    now = [0.0]
    source = Source()

    async def main():
        prefetch = LabelPrefetch(source, limit=2, keep_s=60, clock=lambda: now[0])
        prefetch.start(["a", "b", "c"])  # "a" is dropped: at most two are held
        held_after_limit = len(prefetch)
        await asyncio.sleep(0)
        now[0] = 61.0
        prefetch.start(["d"])  # "b" and "c" are too old now
        return prefetch, held_after_limit

    prefetch, held_after_limit = asyncio.run(main())
    assert held_after_limit == 2
    assert len(prefetch) == 1
