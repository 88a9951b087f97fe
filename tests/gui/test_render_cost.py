"""What keeps a scan's repaint small without losing what the packer sees: the flash is a frame (red also
tints the whole window), the lines table paints its own background, the banner keeps its height, and a
scan's result is on screen when ``render`` returns."""

from __future__ import annotations

import msgspec.structs
import pytest
from PySide6.QtCore import QEvent, QObject, QPoint
from PySide6.QtGui import QColor, QFontMetrics

from packstation.domain.view import Feedback, LineView, OrderHeader, StationView, Tone
from packstation.gui.bridge import StationBridge
from packstation.gui.feedback import BAD_FLASH, GOOD_FLASH, WARNING_FLASH, FlashOverlay, NullSoundPlayer
from packstation.gui.main_window import MainWindow
from packstation.gui.scanner import WedgeScanner

pytestmark = pytest.mark.gui

ORDER = OrderHeader("ORD-1", "Maja Berg", "PostNord", "Sandnes", source="api")
LINES = tuple(LineView(f"SKU-{i}", f"Article {i}", 2, 0) for i in range(3))


class PaintLog(QObject):
    """Which widgets got a paint event, and the area asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.painted: dict[str, int] = {}

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Paint:
            name = watched.objectName() or type(watched).__name__
            area = event.rect().width() * event.rect().height()
            self.painted[name] = self.painted.get(name, 0) + area
        return False


@pytest.fixture
def window(qtbot, controller, clock):
    win = MainWindow(controller, StationBridge(), sounds=NullSoundPlayer(), scanner=WedgeScanner(clock=clock))
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()


def view(message: str = "Article 0: 1 of 2, box 1", tone: Tone = Tone.GOOD, **changes) -> StationView:
    base = StationView(packer="Anna", order=ORDER, lines=LINES, feedback=Feedback(tone, message))
    return msgspec.structs.replace(base, **changes)


def pixel(window: MainWindow, point: QPoint) -> QColor:
    return window.grab().toImage().pixelColor(point)


def test_good_flash_is_a_green_frame_around_the_window_and_leaves_the_middle_alone(qtbot, window):
    window.render_view(view())
    flash = window.flash
    assert flash.color == GOOD_FLASH and not flash.washing
    central = window.centralWidget().rect()
    mask = flash.mask()
    assert mask.contains(QPoint(2, central.height() // 2))  # left edge
    assert mask.contains(QPoint(central.width() - 3, 2))  # top right corner
    assert not mask.contains(central.center())
    assert pixel(window, QPoint(3, 400)) == GOOD_FLASH
    middle = window.lines_table.mapTo(window, window.lines_table.rect().center())
    during = pixel(window, middle)
    flash.clear()
    assert pixel(window, middle) == during  # the table shows its own colours, untinted


def test_bad_flash_is_a_thicker_red_frame_and_tints_the_whole_window(qtbot, window):
    window.render_view(view("Not in this order.", Tone.BAD))
    flash = window.flash
    assert flash.color == BAD_FLASH and flash.washing
    assert flash.FRAME["bad"] > flash.FRAME["good"]
    middle = window.lines_table.mapTo(window, window.lines_table.rect().center())
    tinted = pixel(window, middle)
    assert tinted.red() > tinted.green() + 40 and tinted.red() > tinted.blue() + 40
    flash.clear()
    assert flash.color is None and not flash.washing


def test_warning_flash_is_an_amber_frame_only(window):
    window.render_view(view("Scan CMD:CANCEL again to cancel.", Tone.WARNING))
    assert window.flash.color == WARNING_FLASH and not window.flash.washing


def test_flash_follows_the_window_when_it_is_resized(qtbot, window):
    window.render_view(view())
    window.resize(1100, 760)
    qtbot.waitUntil(lambda: window.flash.geometry() == window.centralWidget().rect())
    assert window.flash.mask().contains(QPoint(window.centralWidget().width() - 2, 300))


def test_flash_with_zero_duration_never_shows(qtbot):
    from PySide6.QtWidgets import QWidget

    parent = QWidget()
    qtbot.addWidget(parent)
    overlay = FlashOverlay(parent, duration_ms=0)
    overlay.flash(BAD_FLASH)
    assert overlay.color is None and not overlay.washing


def test_a_good_scan_repaints_the_changed_parts_not_the_whole_window(qtbot, window):
    window.render_view(view())
    log = PaintLog()
    window.installEventFilter(log)
    for widget in window.findChildren(QObject):
        widget.installEventFilter(log)
    # Settle first: a paint still pending from the first render (a slow machine) is not this scan's cost.
    for _ in range(50):
        log.painted.clear()
        qtbot.wait(60)
        if not log.painted:
            break
    assert not log.painted, f"the window never stopped repainting: {log.painted}"
    lines = (msgspec.structs.replace(LINES[0], scanned=2), *LINES[1:])
    window.render_view(view("Article 0: 2 of 2, box 1", lines=lines))  # render paints before it returns
    assert log.painted, "nothing was painted by render()"
    table_viewport = window.lines_table.viewport()
    viewport_area = table_viewport.width() * table_viewport.height()
    row_area = table_viewport.width() * window.lines_table.rowHeight(0)
    assert 0 < log.painted["qt_scrollarea_viewport"] <= row_area + viewport_area // 4
    assert log.painted.get("flashOverlay", 0) < window.width() * window.height() // 4
    assert window.lines_table.item(0, 1).text() == "2 / 2"


def test_table_paints_white_below_its_last_row(qtbot, window):
    window.render_view(view())
    table = window.lines_table
    below = QPoint(table.viewport().width() // 2, table.rowViewportPosition(2) + table.rowHeight(2) + 20)
    assert below.y() < table.viewport().height()
    image = table.viewport().grab().toImage()
    assert image.pixelColor(below) == QColor("#ffffff")


def test_banner_keeps_its_height_between_one_and_two_line_messages(qtbot, window):
    """A "box closed" message takes two lines at 1280 px, an item's one."""
    window.render_view(view("Short."))
    qtbot.wait(20)
    one_line = window.banner.height()
    window.render_view(view("Box 1 (M) closed with 50 units. Stick its label on when it prints."))
    qtbot.wait(20)
    label = window.banner.message_label
    assert label.heightForWidth(label.width()) >= 2 * QFontMetrics(label.font()).lineSpacing()  # two lines
    assert window.banner.height() == one_line
    window.render_view(view("Short again."))
    qtbot.wait(20)
    assert window.banner.height() == one_line
