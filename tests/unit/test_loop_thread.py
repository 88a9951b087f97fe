"""LoopHandoff: calls from worker threads run on the loop's thread, in order; on the loop (or before a
loop is bound) they run at once."""

from __future__ import annotations

import asyncio
import threading

from packstation.services.loop_thread import LoopHandoff


def test_calls_from_a_worker_thread_run_on_the_loop_thread_in_order():
    seen: list[tuple[int, int]] = []

    async def main() -> None:
        handoff = LoopHandoff()
        handoff.bind(asyncio.get_running_loop())
        record = handoff.wrap(lambda n: seen.append((n, threading.get_ident())))

        def worker() -> None:
            for n in range(50):
                record(n)

        thread = threading.Thread(target=worker)
        thread.start()
        await asyncio.to_thread(thread.join)
        for _ in range(10):  # let the queued callbacks run
            await asyncio.sleep(0)

    asyncio.run(main())
    loop_thread = threading.get_ident()  # asyncio.run runs the loop on this thread
    assert [n for n, _ in seen] == list(range(50))
    assert {thread for _, thread in seen} == {loop_thread}


def test_a_call_on_the_loop_thread_runs_at_once():
    seen: list[str] = []

    async def main() -> None:
        handoff = LoopHandoff()
        handoff.bind(asyncio.get_running_loop())
        handoff.call(seen.append, "now")
        assert seen == ["now"]  # not queued for a later turn of the loop

    asyncio.run(main())


def test_without_a_loop_calls_run_at_once_on_the_callers_thread():
    handoff = LoopHandoff()
    seen: list[int] = []
    thread = threading.Thread(target=handoff.call, args=(lambda: seen.append(threading.get_ident()),))
    thread.start()
    thread.join()
    assert len(seen) == 1 and seen[0] != threading.get_ident()
