"""The station window renders StationViews and forwards scans; nothing else."""

from __future__ import annotations

import threading

import msgspec.structs
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from packstation.domain.labelgen import make_box_tag
from packstation.domain.view import (
    BoxState,
    BoxView,
    Connectivity,
    Feedback,
    LineView,
    OrderHeader,
    StationView,
    StatusView,
    Tone,
)
from packstation.gui.bridge import StationBridge
from packstation.gui.feedback import BAD_FLASH, GOOD_FLASH, WARNING_FLASH, NullSoundPlayer
from packstation.gui.main_window import MainWindow
from packstation.gui.order_view import COMPLETE_BACKGROUND, REMAINING_BACKGROUND
from packstation.gui.scanner import WedgeScanner
from tests.gui.typing_support import type_at_scanner_speed

pytestmark = pytest.mark.gui

ORDER = OrderHeader("ORD-10482", "Maja Berg", "PostNord MyPack Collect", "Sandnes, Norway", source="api")
LINES = (
    LineView("MUG-BLU", "Stoneware mug, blue", 3, 3),
    LineView("PLT-WHT", "Dinner plate, white", 4, 1),
)


@pytest.fixture
def sounds():
    return NullSoundPlayer()


@pytest.fixture
def window(qtbot, controller, sounds, clock):
    bridge = StationBridge()
    win = MainWindow(controller, bridge, sounds=sounds, scanner=WedgeScanner(clock=clock))
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    yield win
    win.close()


def packing_view(**changes) -> StationView:
    view = StationView(
        packer="Anna",
        order=ORDER,
        lines=LINES,
        boxes=(
            BoxView(1, BoxState.PRINTED, (("MUG-BLU", 3),), "M", tracking_number="00370730253950876543"),
            BoxView(2, BoxState.OPEN, (("PLT-WHT", 1),)),
        ),
        feedback=Feedback(Tone.GOOD, "Dinner plate, white: 1 of 4 packed into box 2."),
        prompt="Scan the next item for box 2, or close it",
    )
    return msgspec.structs.replace(view, **changes)


def test_empty_view_asks_for_an_order(window, sounds):
    assert window.lines_stack.currentIndex() == 0
    assert window.prompt.label.text() == "Scan an order"
    assert window.header.order_label.text() == "No order open"
    assert window.banner.tone == "idle"
    assert window.flash.color is None
    assert sounds.played == []


def test_packing_view_shows_order_lines_boxes(window):
    window.render_view(packing_view())
    assert window.lines_stack.currentIndex() == 1
    assert "ORD-10482" in window.header.order_label.text()
    assert "PostNord MyPack Collect" in window.header.details_label.text()
    assert not window.header.cache_badge.isVisibleTo(window)
    table = window.lines_table
    assert table.rowCount() == 2
    assert table.item(0, 1).text() == "3 / 3"
    assert table.item(0, 2).text() == "✓ done"
    assert table.item(0, 0).background().color() == COMPLETE_BACKGROUND
    assert table.item(1, 2).text() == "3 more"
    assert table.item(1, 0).background().color() == REMAINING_BACKGROUND
    chips = [card.chip.text() for card in window.boxes.cards]
    assert chips == ["LABEL PRINTED", "PACKING"]
    assert "00370730253950876543" in window.boxes.cards[0].details.text()
    assert window.prompt.label.text() == "Scan the next item for box 2, or close it"
    assert window.header.packer_label.text() == "Anna"


def test_good_feedback_flashes_green_and_plays_the_good_sound_once(qtbot, window, sounds):
    view = packing_view()
    window.render_view(view)
    assert window.banner.tone == "good"
    assert window.flash.color == GOOD_FLASH
    assert sounds.played == ["good"]
    # A status change re-renders the same Feedback object: no second flash, no second sound.
    qtbot.waitUntil(lambda: window.flash.color is None, timeout=2000)
    window.render_view(msgspec.structs.replace(view, status=StatusView(outbox_depth=2)))
    assert window.flash.color is None
    assert sounds.played == ["good"]
    assert window.status.outbox.text.text() == "2 waiting to send"


def test_bad_feedback_is_red_everywhere_with_the_error_sound(qtbot, window, sounds):
    message = "Too many: Stoneware mug, blue. Take this one out of the box."
    window.render_view(packing_view(feedback=Feedback(Tone.BAD, message)))
    assert window.banner.tone == "bad"
    assert window.banner.message_label.text() == message
    assert window.flash.color == BAD_FLASH
    assert window.flash.isVisible()
    assert sounds.played == ["error"]
    qtbot.waitUntil(lambda: not window.flash.isVisible(), timeout=2000)


def test_each_new_feedback_object_is_a_new_event_even_with_equal_text(window, sounds):
    window.render_view(packing_view(feedback=Feedback(Tone.BAD, "Not in this order.")))
    window.render_view(packing_view(feedback=Feedback(Tone.BAD, "Not in this order.")))
    assert sounds.played == ["error", "error"]


def test_warning_is_amber(window, sounds):
    window.render_view(packing_view(feedback=Feedback(Tone.WARNING, "Scan CMD:CANCEL again to cancel.")))
    assert window.banner.tone == "warning"
    assert window.flash.color == WARNING_FLASH


def test_info_feedback_neither_flashes_nor_sounds(window, sounds):
    window.render_view(packing_view(feedback=Feedback(Tone.INFO, "Order parked.")))
    assert window.banner.tone == "info"
    assert window.flash.color is None
    assert sounds.played == []


def test_sounds_off_plays_nothing_but_still_flashes(window, sounds):
    sounds.enabled = False
    window.render_view(packing_view(feedback=Feedback(Tone.BAD, "Unknown code.")))
    assert window.flash.color == BAD_FLASH
    assert sounds.played == []


def test_failed_box_and_printer_problem_show_where_the_packer_looks(window):
    problem = "Booking refused: postal code 4306X is not valid. Ask your lead to fix the address."
    view = packing_view(
        boxes=(BoxView(1, BoxState.FAILED, (("MUG-BLU", 3),), problem=problem),),
        status=StatusView(
            needs_attention=1, printer_ok=False, printer_message="Out of paper: load a new roll"
        ),
    )
    window.render_view(view)
    card = window.boxes.cards[0]
    assert card.chip.text() == "NEEDS ATTENTION"
    assert card.problem.text() == problem
    assert card.problem.isVisibleTo(window)
    assert window.attention.isVisibleTo(window)
    assert problem in window.attention.label.text()
    assert "Out of paper: load a new roll" in window.attention.label.text()
    assert window.status.attention.text.text() == "1 needs attention"
    assert window.status.printer.text.text() == "Out of paper: load a new roll"
    assert window.status.printer.property("state") == "bad"
    window.render_view(packing_view())
    assert not window.attention.isVisibleTo(window)


def test_offline_view_shows_connectivity_queue_box_tags_and_cache_badge(window):
    view = packing_view(
        order=msgspec.structs.replace(ORDER, source="cache"),
        boxes=(BoxView(1, BoxState.QUEUED, (("MUG-BLU", 3),), local_tag="BOX-000042"),),
        status=StatusView(connectivity=Connectivity.OFFLINE, outbox_depth=3, labels_waiting=1),
        last_label_png=make_box_tag("png", "BOX-000042", "ORD-10482", dpi=100),
    )
    window.render_view(view)
    assert window.header.cache_badge.isVisibleTo(window)
    assert window.status.connection.text.text().startswith("OFFLINE")
    assert window.status.connection.property("state") == "bad"
    assert window.status.outbox.text.text() == "3 waiting to send when back online"
    assert window.status.labels.text.text() == "1 label to print"
    assert window.boxes.cards[0].chip.text() == "WAITING TO SEND"
    assert "BOX-000042" in window.boxes.cards[0].details.text()
    assert window.label_preview.has_image


@pytest.mark.parametrize(
    ("connectivity", "reason", "expected"),
    [
        (Connectivity.ONLINE, "", "Online"),
        (Connectivity.DEGRADED, "answers are slow", "Connection slow: still trying"),
        (
            Connectivity.OFFLINE,
            "Ingrid cannot be reached (cannot reach 127.0.0.1:9999: connection refused). Packing continues",
            "OFFLINE: keep packing, labels print when back",
        ),
        (Connectivity.PAUSED, "the API token was refused: ask IT", "Sending paused: see the red strip"),
    ],
)
def test_connectivity_states_in_words(window, connectivity, reason, expected):
    """The status bar says the state in a few words that always fit; the reason is its tooltip."""
    window.render_status(StatusView(connectivity=connectivity, connectivity_reason=reason))
    assert window.status.connection.text.text() == expected
    assert window.status.connection.toolTip() == reason


def test_paused_reason_stands_in_the_attention_strip(window):
    reason = "The API token was refused (HTTP 401). Enter a valid token in Settings."
    window.render_view(
        StationView(status=StatusView(connectivity=Connectivity.PAUSED, connectivity_reason=reason))
    )
    assert not window.attention.isHidden()
    assert reason in window.attention.label.text()


def test_complete_order_and_confirmation_prompt_and_parked_orders(window):
    window.render_view(
        packing_view(
            complete=True, prompt="Order complete: scan the next order", parked_orders=("A-1", "B-2")
        )
    )
    assert "packed" in window.header.order_label.text()
    assert window.prompt.property("state") == "complete"
    assert window.parked_label.text() == "Parked: A-1, B-2"
    window.render_view(packing_view(pending_confirmation="Scan CMD:CANCEL again to cancel order ORD-10482"))
    assert window.prompt.label.text() == "Scan CMD:CANCEL again to cancel order ORD-10482"
    assert window.prompt.property("state") == "confirm"


def test_label_preview_caption_marks_another_orders_label(window):
    png = make_box_tag("png", "BOX-000042", "ORD-10482", dpi=100)
    window.render_view(packing_view(last_label_png=png, last_label_caption="Order ORD-10482, box 1"))
    caption = window.label_preview.caption
    assert caption.isVisibleTo(window) and caption.text() == "Order ORD-10482, box 1"
    assert caption.property("otherOrder") is False and not window.label_preview.faded
    window.render_view(
        packing_view(
            last_label_png=png, last_label_caption="Previous order ORD-1, box 2", last_label_other_order=True
        )
    )
    assert caption.text() == "Previous order ORD-1, box 2" and caption.property("otherOrder") is True
    assert window.label_preview.faded  # drawn faint: not this order's label
    shown = window.label_preview.image_label.pixmap().toImage()
    assert (
        min(
            shown.pixelColor(x, y).lightness()
            for x in range(shown.width())
            for y in range(0, shown.height(), 4)
        )
        > 120
    )
    window.render_view(packing_view())
    assert not caption.isVisibleTo(window)


def test_broken_label_png_shows_words_not_a_crash(window):
    window.render_view(packing_view(last_label_png=b"\x89PNG\r\n\x1a\n broken"))
    assert not window.label_preview.has_image
    assert "not available" in window.label_preview.image_label.text()


def test_manual_entry_submits_a_typed_code(qtbot, window, controller, clock):
    window.manual_entry.setFocus()
    window.manual_entry.setText("ORD-10482")
    clock.advance(500)
    qtbot.keyClick(window.manual_entry, Qt.Key.Key_Return)
    assert controller.scans == ["ORD-10482"]
    assert window.manual_entry.text() == ""


def test_wedge_scan_reaches_the_controller_not_the_focused_entry(qtbot, window, controller, clock):
    window.manual_entry.setFocus()
    type_at_scanner_speed(qtbot, window.manual_entry, clock, "SKU-12345")
    assert controller.scans == ["SKU-12345"]
    assert window.manual_entry.text() == ""
    assert "SKU-12345" in window.last_scan_label.text()


def test_scan_in_another_window_still_reaches_the_station(qtbot, window, controller, clock):
    other = QLineEdit()
    qtbot.addWidget(other)
    other.show()
    other.setFocus()
    type_at_scanner_speed(qtbot, other, clock, "CMD:NEW-BOX", Qt.Key.Key_Tab)
    assert controller.scans == ["CMD:NEW-BOX"]
    assert other.text() == ""


def test_bridge_delivers_views_messages_and_scans(qtbot, controller, sounds):
    bridge = StationBridge()
    win = MainWindow(controller, bridge, sounds=sounds, flash_ms=0)
    qtbot.addWidget(win)
    bridge.publish_view(packing_view())
    assert "ORD-10482" in win.header.order_label.text()
    bridge.publish_status(StatusView(outbox_depth=5))
    assert win.status.outbox.text.text() == "5 waiting to send"
    bridge.publish_message("bad", "Printer out of paper: load a new roll.")
    assert win.banner.message_label.text() == "Printer out of paper: load a new roll."
    assert sounds.played == ["good", "error"]
    bridge.publish_scan("ORD-9")
    assert controller.scans == ["ORD-9"]
    win.close()


def test_views_published_from_a_worker_thread_render_on_the_gui_thread(qtbot, controller, sounds):
    bridge = StationBridge()
    win = MainWindow(controller, bridge, sounds=sounds, flash_ms=0)
    qtbot.addWidget(win)
    render_threads: list[threading.Thread] = []
    original = win.render_view

    def recording_render(view):
        render_threads.append(threading.current_thread())
        original(view)

    bridge.view_changed.disconnect(win.render_view)
    win.render_view = recording_render  # instance attribute; connect the recorder as a window slot
    bridge.view_changed.connect(win.render_view)
    worker = threading.Thread(target=bridge.publish_view, args=(packing_view(),))
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: len(render_threads) == 1, timeout=2000)
    assert render_threads == [threading.main_thread()]
    assert bridge.latest_view is not None
    win.close()


def test_settings_button_calls_the_opener(qtbot, controller, sounds):
    opened: list[bool] = []
    win = MainWindow(controller, StationBridge(), sounds=sounds, settings_opener=lambda: opened.append(True))
    qtbot.addWidget(win)
    assert win.header.settings_button.isVisibleTo(win)
    qtbot.mouseClick(win.header.settings_button, Qt.MouseButton.LeftButton)
    assert opened == [True]
    win.close()


class StrictController:
    """Fails on any attribute other than submit_scan: the window must call nothing else."""

    def __init__(self) -> None:
        object.__setattr__(self, "scans", [])

    def __getattribute__(self, name: str):
        if name not in ("submit_scan", "scans", "__class__", "__dict__"):
            raise AssertionError(f"the window touched controller.{name}")
        return object.__getattribute__(self, name)

    def submit_scan(self, raw: str) -> None:
        self.scans.append(raw)


def test_the_window_never_calls_anything_but_submit_scan(qtbot, sounds, clock):
    strict = StrictController()
    bridge = StationBridge()
    win = MainWindow(strict, bridge, sounds=sounds, scanner=WedgeScanner(clock=clock), flash_ms=0)
    qtbot.addWidget(win)
    win.show()
    for view in (StationView(), packing_view(), packing_view(feedback=Feedback(Tone.BAD, "x"))):
        bridge.publish_view(view)
    bridge.publish_status(StatusView(connectivity=Connectivity.OFFLINE))
    bridge.publish_message("warning", "check")
    bridge.publish_scan("A-1")
    win.manual_entry.setText("B-2")
    clock.advance(500)
    qtbot.keyClick(win.manual_entry, Qt.Key.Key_Return)
    assert strict.scans == ["A-1", "B-2"]
    win.close()


def test_large_order_updates_only_changed_rows(window):
    lines = tuple(LineView(f"SKU-{i:03d}", f"Item number {i}", 2, 0) for i in range(200))
    window.render_view(packing_view(lines=lines))
    assert window.lines_table.rowCount() == 200
    first_items = [window.lines_table.item(row, 0) for row in range(200)]
    scanned = list(lines)
    scanned[150] = msgspec.structs.replace(lines[150], scanned=1)
    window.render_view(packing_view(lines=tuple(scanned), feedback=Feedback(Tone.GOOD, "Item number 150")))
    assert window.lines_table.item(150, 1).text() == "1 / 2"
    assert [window.lines_table.item(row, 0) for row in range(200)] == first_items  # reused, not rebuilt


@pytest.mark.slow
def test_twenty_thousand_renders_do_not_crash(window, sounds):
    """Light views, many renders: guards against PySide6 builds that abort after thousands of void calls
    (see STACK-NOTES) and against state piling up per render."""
    feedback = Feedback(Tone.GOOD, "Stoneware mug: packed")
    views = [
        packing_view(
            lines=(LineView("MUG-BLU", "Stoneware mug", 4, i), LineView("PLT", "Plate", 1, i % 2)),
            feedback=feedback,
            status=StatusView(outbox_depth=i),
        )
        for i in range(4)
    ]
    for i in range(20_000):
        window.render_view(views[i % 4])
    assert window.lines_table.item(0, 1).text() == "3 / 4"
    assert window.status.outbox.text.text() == "3 waiting to send"
    assert sounds.played == ["good"]  # one event, however often it is drawn


def test_the_headers_second_line_of_details_is_never_cut_by_a_tall_banner(qtbot, controller, sounds, clock):
    """Seen in a real X session at 1366x768 (a title bar leaves 749 px), the demo's four header buttons
    narrowing the details to two lines: an order completing with a three-line banner squeezed the
    header to its one-line minimum and cut the customer, carrier and city in half."""
    actions = [(name, "", lambda: None) for name in ("End of day", "Packer stats", "Outbox", "Demo barcodes")]
    win = MainWindow(
        controller,
        StationBridge(),
        sounds=sounds,
        scanner=WedgeScanner(clock=clock),
        actions=actions,
        settings_opener=lambda: None,
    )
    qtbot.addWidget(win)
    win.resize(1366, 749)
    win.show()
    order = OrderHeader("ACME10002", "Ingrid Hansen", "bring-home", "7011 Trondheim, NO", source="api")
    packed = "Steel Bottle, 750 ml: 1 of 1, box 1. Box 1 (M) closed with 1 unit."
    complete = packing_view(
        order=order,
        complete=True,
        lines=(LineView("ACME-BOTTLE-750", "Steel Bottle, 750 ml", 1, 1),),
        boxes=(BoxView(1, BoxState.PRINTED, (("ACME-BOTTLE-750", 1),), "M", tracking_number="0007350023"),),
        feedback=Feedback(
            Tone.GOOD,
            f"ACME-BOTTLE-750 {packed} Order ACME10002 complete (1 box). "
            "Stick the labels on; scan the next order.",
        ),
        prompt="Order complete: scan the next order",
    )
    details = win.header.details_label
    for view in (packing_view(order=order), complete, StationView(packer="Anna", prompt="Scan an order")):
        win.render_view(view)
        qtbot.waitUntil(lambda: not win.layout().geometry().isEmpty())
        for _ in range(3):
            qtbot.wait(1)
        assert details.height() >= details.heightForWidth(details.width()), details.text()
        if view is complete:  # the case that was cut: the details on two lines
            assert details.height() > 1.5 * details.fontMetrics().lineSpacing()
    # The two-line order's height is not kept for the one-line idle words.
    assert win.header.height() == win.header.heightForWidth(win.header.width())
