"""Regression guards for the Qt stack itself (see STACK-NOTES: PySide6 6.12.0 on CPython 3.11
aborts with ``none_dealloc`` after a few thousand Qt calls that return None)."""

from __future__ import annotations

import asyncio

import pytest

pytestmark = pytest.mark.gui


def test_twenty_thousand_void_qt_calls_do_not_abort(qtbot):
    from PySide6.QtWidgets import QLabel

    label = QLabel()
    qtbot.addWidget(label)
    for i in range(20_000):
        label.setText(str(i))  # returns None: each call drops a reference to None
    label.show()
    assert label.text() == "19999"


def test_qasync_loop_runs_coroutines_while_qt_spins(qasync_loop, qtbot):
    ticks = []

    async def work():
        for i in range(3):
            await asyncio.sleep(0.01)
            ticks.append(i)
        return "done"

    task = asyncio.ensure_future(work())
    qtbot.waitUntil(task.done, timeout=2000)
    assert task.result() == "done"
    assert ticks == [0, 1, 2]
