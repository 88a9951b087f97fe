"""What start-up leaves until the window is on screen runs after its first paint (issue 18), and the
start-up benchmark's mark is the time that paint ended."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

from packstation.gui.startup_mark import FirstPaint, FirstPaintMark


def test_the_callbacks_run_once_after_the_first_paint(qtbot, tmp_path):
    window = QLabel("Scan an order")
    qtbot.addWidget(window)
    first_paint = FirstPaint(window)
    seen: list[float | None] = []
    first_paint.after_paint(lambda: seen.append(first_paint.painted_at))
    FirstPaintMark(first_paint, str(tmp_path / "mark"))
    assert seen == [] and first_paint.painted_at is None
    window.show()
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    window.update()
    qtbot.wait(50)  # later paints call nothing again
    assert len(seen) == 1 and seen[0] is not None
    assert float((tmp_path / "mark").read_text(encoding="utf-8")) == round(seen[0], 6)


def test_a_window_never_painted_still_gets_them(qtbot, tmp_path):
    window = QLabel("minimised")
    qtbot.addWidget(window)
    first_paint = FirstPaint(window, fallback_ms=20)
    seen: list[float | None] = []
    first_paint.after_paint(lambda: seen.append(first_paint.painted_at))
    FirstPaintMark(first_paint, str(tmp_path / "mark"))
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    assert seen == [None] and not (tmp_path / "mark").exists()  # no paint, no mark
