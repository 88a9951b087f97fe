"""Start-up runs without the cyclic garbage collector until the window's first paint (issue 18): the
GUI gets it back from ``AfterFirstPaint``, a sub-command at once, any caller of ``cli.main`` on return."""

from __future__ import annotations

import asyncio
import gc
import types

import pytest

from packstation import app, cli


@pytest.fixture
def gc_on():
    gc.enable()
    yield
    gc.enable()


def test_the_gui_starts_without_the_collector_and_main_gives_it_back(monkeypatch, gc_on):
    seen = []
    monkeypatch.setattr(app, "run_gui", lambda args: seen.append(gc.isenabled()) or 0)
    assert cli.main(["--demo"]) == 0
    assert seen == [False] and gc.isenabled()


def test_a_subcommand_runs_with_the_collector(monkeypatch, gc_on):
    from packstation.commands import fleet

    seen = []
    monkeypatch.setattr(cli, "start_command_logging", lambda args: None)
    monkeypatch.setattr(fleet, "run", lambda args: seen.append(gc.isenabled()) or 0)
    assert cli.main(["fleet", "status"]) == 0
    assert seen == [True] and gc.isenabled()


def test_main_gives_the_collector_back_when_argparse_exits(capsys, gc_on):
    with pytest.raises(SystemExit):
        cli.main(["--version"])
    assert gc.isenabled()


class _Collector:
    stopped = False

    def stop(self) -> None:
        self.stopped = True


def test_after_the_first_paint_the_collector_freezes_start_up_then_the_warm_up_runs_and_the_scanner_widens(
    monkeypatch, gc_on
):
    frozen, warmed, widened = [], [], []
    collector = _Collector()
    scanner = types.SimpleNamespace(install=lambda: widened.append(True))
    station = types.SimpleNamespace(
        keep_gc_off_the_scan_path=lambda: collector, window=types.SimpleNamespace(scanner=scanner)
    )
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(gc.isenabled()))
    monkeypatch.setattr(app, "WARM_UP_AFTER_PAINT_S", 0.0)
    monkeypatch.setattr(app, "warm_up_deferred_imports", lambda: warmed.append(True))

    async def start() -> None:
        gc.disable()  # as cli.main leaves it
        after = app.AfterFirstPaint(station)  # type: ignore[arg-type]
        after.painted()
        assert frozen == [False] and gc.isenabled()  # frozen before the collector came back
        for _ in range(50):
            if warmed:
                break
            await asyncio.sleep(0.01)
        await after.aclose()

    asyncio.run(start())
    assert warmed == [True] and collector.stopped
    assert widened == [True]  # the wedge scanner watches the whole application from then on


def test_closing_before_the_warm_up_cancels_it(monkeypatch, gc_on):
    warmed = []
    station = types.SimpleNamespace(keep_gc_off_the_scan_path=_Collector)
    monkeypatch.setattr(gc, "freeze", lambda: None)
    monkeypatch.setattr(app, "warm_up_deferred_imports", lambda: warmed.append(True))

    async def start_and_close() -> None:
        after = app.AfterFirstPaint(station)  # type: ignore[arg-type]
        after.painted()
        await after.aclose()
        await asyncio.sleep(0.05)

    monkeypatch.setattr(app, "WARM_UP_AFTER_PAINT_S", 0.02)
    asyncio.run(start_and_close())
    assert warmed == []
