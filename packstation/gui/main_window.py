"""The packing station window: renders ``StationView``s and forwards scans, nothing else.

As in qutebrowser and Electrum, the window holds no business logic. Everything it shows comes from the
last ``StationView`` (or ``StatusView``/message) handed to it through the ``StationBridge``; the only
call it makes into the station is ``controller.submit_scan(raw)`` (``packstation.domain.ports.ScanSink``)
for each scan: from the keyboard-wedge scanner (wherever the focus is), from the manual entry field, or
from ``bridge.publish_scan`` (replay files, other scanner kinds).

A new ``Feedback`` object in a view is a new event: it flashes the window (green GOOD, red BAD, amber
WARNING) and plays the matching sound. Re-rendering a view that carries the same Feedback object (a
status change, a label preview) neither flashes nor sounds again.

Wiring is one call: ``MainWindow(controller, bridge, sounds=SystemSoundPlayer())`` then ``show()``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QEvent, Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QBoxLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from packstation.domain.ports import ScanSink
from packstation.domain.scans import ScanKind, classify
from packstation.domain.view import Feedback, StationView, StatusView, Tone
from packstation.gui.banner import AttentionStrip, FeedbackBanner, PromptLine
from packstation.gui.boxes_panel import BoxesPanel
from packstation.gui.bridge import StationBridge
from packstation.gui.dialog_scans import DialogScanStrip, badge_field_in, badge_words, held_words, open_dialog
from packstation.gui.feedback import BAD_FLASH, GOOD_FLASH, WARNING_FLASH, FlashOverlay, SoundPlayer
from packstation.gui.foreground import SCAN_GATE, ForegroundGate
from packstation.gui.label_preview import LabelPreview
from packstation.gui.order_view import LinesTable, OrderHeaderWidget
from packstation.gui.resources import icon_pixmap, load_stylesheet
from packstation.gui.scanner import WedgeScanner
from packstation.gui.shortcuts import WindowShortcuts
from packstation.gui.status_bar import StationStatusBar

WINDOW_TITLE = "packstation"
# Header actions the app adds (translated when the buttons are made; listed here for lupdate).
ACTION_NAMES = (
    QT_TRANSLATE_NOOP("MainWindow", "End of day"),
    QT_TRANSLATE_NOOP("MainWindow", "Packer stats"),
    QT_TRANSLATE_NOOP("MainWindow", "Outbox"),
    QT_TRANSLATE_NOOP("MainWindow", "Demo barcodes"),
)


class MainWindow(QMainWindow):
    """The station's only window. ``render_view(view)`` draws; scans go to ``controller.submit_scan``."""

    def __init__(
        self,
        controller: ScanSink,
        bridge: StationBridge,
        *,
        sounds: SoundPlayer,
        settings_opener: Callable[[], object] | None = None,
        actions: Sequence[tuple[str, str, Callable[[], object]]] = (),
        scan_actions: Mapping[str, Callable[[], object]] | None = None,
        scanner: WedgeScanner | None = None,
        flash_ms: int = 300,
        apply_stylesheet: bool = True,
        ask_before_closing: bool = False,
        on_scan_held: Callable[[str, str], object] | None = None,
        demo_hint: str = "",
        gate: ForegroundGate = SCAN_GATE,
        scanner_on_focus_first: bool = False,
    ) -> None:
        super().__init__()
        # Held while a scan is handled and painted: label drawing on the print worker waits meanwhile
        # (``gui/foreground.py``).
        self._gate = gate
        self._controller = controller
        self._bridge = bridge
        self.sounds = sounds
        self._settings_opener = settings_opener
        self._actions = tuple(actions)  # (button text, shortcut, callback): end of day, stats, ...
        # Command barcodes for the window itself (CMD:OUTBOX opens the outbox view), not the station.
        self._scan_actions = {code.upper(): action for code, action in (scan_actions or {}).items()}
        self._view: StationView | None = None
        # A scan that arrived while a dialog was open (not used): logged through this (raw, dialog title).
        self._on_scan_held = on_scan_held
        self._demo_hint = demo_hint  # the demo's first screen points to its barcode sheet
        self._idle_signed_in: bool | None = None  # what the idle page says now (None: not drawn yet)
        # The app asks before Alt+F4 closes an open order (build_window turns it on); a bare window
        # (tests, tools) closes at once.
        self._asked = not ask_before_closing
        self.setWindowTitle(WINDOW_TITLE)
        self.setObjectName("mainWindow")
        self.setMinimumSize(1024, 680)
        if apply_stylesheet:
            self.setStyleSheet(load_stylesheet())
        self.shortcuts = WindowShortcuts(self)
        self._build()

        self.flash = FlashOverlay(self._central, duration_ms=flash_ms)
        self.scanner = scanner if scanner is not None else WedgeScanner(self)
        if scanner_on_focus_first:  # the app: widened after the first paint (WedgeScanner.install_on_focus)
            self.scanner.install_on_focus()
        else:
            self.scanner.install()
        self.scanner.scanned.connect(self._on_scan)
        bridge.view_changed.connect(self.render_view)
        bridge.status_changed.connect(self.render_status)
        bridge.message.connect(self.show_message)
        bridge.scan_received.connect(self._on_scan)
        self.render_view(StationView())

    # -- layout ---------------------------------------------------------------------------------

    def _build(self) -> None:
        central = QWidget()
        central.setObjectName("central")
        self.setCentralWidget(central)
        self._central = central
        root = QVBoxLayout(central)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(0)

        self.header = OrderHeaderWidget()
        self.header.settings_requested.connect(self._open_settings)
        self.header.settings_button.setVisible(self._settings_opener is not None)
        root.addWidget(self.header)
        self.action_buttons = [self._add_header_action(*action) for action in self._actions]

        body = QWidget()
        body.setObjectName("body")
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(24, 12, 24, 8)
        body_layout.setSpacing(10)
        self.banner = FeedbackBanner()
        self.attention = AttentionStrip()
        self.prompt = PromptLine()
        body_layout.addWidget(self.banner)
        body_layout.addWidget(self.attention)
        body_layout.addWidget(self.prompt)

        columns = QHBoxLayout()
        columns.setSpacing(12)
        self.lines_stack = QStackedWidget()
        self.lines_table = LinesTable()
        self.lines_stack.addWidget(self._build_idle_page())
        self.lines_stack.addWidget(self.lines_table)
        columns.addWidget(self.lines_stack, 7)

        self.boxes = BoxesPanel()
        self.label_preview = LabelPreview()
        self.label_preview.setFixedWidth(210)
        columns.addWidget(self.boxes, 6)
        columns.addWidget(self.label_preview)
        body_layout.addLayout(columns, 1)

        body_layout.addWidget(self._build_entry_row())
        root.addWidget(body, 1)

        self.status = StationStatusBar()
        root.addWidget(self.status)

        # Keyboard-only use: Ctrl+L (or F6) puts the cursor in the manual entry field.
        for keys in ("Ctrl+L", "F6"):
            self.shortcuts.add(keys, self.manual_entry.setFocus)
        if self._settings_opener is not None:
            self.shortcuts.add("Ctrl+,", self._open_settings)

    def _add_header_action(self, text: str, shortcut: str, callback: Callable[[], object]) -> QToolButton:
        button = QToolButton()
        button.setObjectName("headerAction")
        text = QCoreApplication.translate("MainWindow", text)
        button.setText(text)
        button.setToolTip(f"{text} ({shortcut})" if shortcut else text)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.clicked.connect(lambda: callback())
        layout = self.header.layout()
        assert isinstance(layout, QBoxLayout)  # the header is a row
        layout.insertWidget(
            layout.indexOf(self.header.settings_button), button, 0, Qt.AlignmentFlag.AlignVCenter
        )
        if shortcut:
            self.shortcuts.add(shortcut, callback)
        return button

    def _build_idle_page(self) -> QWidget:
        page = QFrame()
        page.setObjectName("idlePage")
        layout = QVBoxLayout(page)
        layout.addStretch(1)
        icon = QLabel()
        icon.setPixmap(icon_pixmap("scan", 120))
        icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.idle_title = QLabel("")
        self.idle_title.setObjectName("idleTitle")
        self.idle_title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.idle_hint = QLabel("")
        self.idle_hint.setObjectName("idleHint")
        self.idle_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.idle_hint.setWordWrap(True)
        self.demo_hint = QLabel(self._demo_hint)
        self.demo_hint.setObjectName("idleDemoHint")
        self.demo_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.demo_hint.setWordWrap(True)
        self.demo_hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.demo_hint.setVisible(bool(self._demo_hint))
        for widget in (icon, self.idle_title, self.idle_hint, self.demo_hint):
            layout.addWidget(widget)
        layout.addStretch(1)
        self._render_idle_page(signed_in=False)
        return page

    def _render_idle_page(self, *, signed_in: bool) -> None:
        """One message, as the prompt bar says: sign in first, then the next order's pick list."""
        if self._idle_signed_in is signed_in:
            return  # unchanged: setting the same words again would relayout (and repaint) the page
        self._idle_signed_in = signed_in
        if signed_in:
            self.idle_title.setText(self.tr("Scan the pick list of the next order"))
            self.idle_hint.setText(
                self.tr("No scanner? Type the order number in the field below and press Enter.")
            )
        else:
            self.idle_title.setText(self.tr("Sign in: scan your badge"))
            self.idle_hint.setText(
                self.tr("No badge? Type USER: and your name (USER:Anna) in the field below and press Enter.")
            )

    def _build_entry_row(self) -> QWidget:
        row = QFrame()
        row.setObjectName("entryRow")
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        caption = QLabel(self.tr("Type a code:"))
        caption.setObjectName("entryCaption")
        self.manual_entry = QLineEdit()
        self.manual_entry.setObjectName("manualEntry")
        self.manual_entry.setPlaceholderText(self.tr("order, item or command, then Enter  (Ctrl+L)"))
        self.manual_entry.setClearButtonEnabled(True)
        self.manual_entry.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.manual_entry.returnPressed.connect(self._submit_manual_entry)
        self.last_scan_label = QLabel("")
        self.last_scan_label.setObjectName("lastScan")
        self.parked_label = QLabel("")
        self.parked_label.setObjectName("parkedOrders")
        self.parked_label.setWordWrap(True)
        layout.addWidget(caption)
        layout.addWidget(self.manual_entry, 3)
        layout.addWidget(self.last_scan_label, 1)
        layout.addWidget(self.parked_label, 2)
        return row

    # -- input: scans go to the controller, nowhere else ----------------------------------------

    def _on_scan(self, raw: str) -> None:
        dialog = open_dialog(self)
        if dialog is not None:  # the order is hidden: the scan must not change it unseen
            self._scan_behind_dialog(dialog, raw)
            return
        shown = raw if len(raw) <= 40 else raw[:37] + "…"
        self.last_scan_label.setText(self.tr("Last scan: %1").replace("%1", shown))
        action = self._scan_actions.get(raw.strip().upper())
        if action is not None:
            action()
            return
        with self._gate.held():  # the scan's view is rendered and painted before submit_scan returns
            self._controller.submit_scan(raw)

    def _scan_behind_dialog(self, dialog: QWidget, raw: str) -> None:
        """The rule of ``gui/dialog_scans.py``: a badge fills the dialog's focused Packer field; any
        other scan is not used, said on the dialog's own strip with the error sound, and logged."""
        scan = classify(raw)
        field = badge_field_in(dialog)
        if scan.kind is ScanKind.USER and field is not None:
            field.setText(scan.value)
            DialogScanStrip.of(dialog).say(badge_words(scan.value), "badge")
            self.sounds.play_good()
            return
        DialogScanStrip.of(dialog).say(held_words(raw.strip()), "held")
        self.sounds.play_error()
        if self._on_scan_held is not None:
            self._on_scan_held(raw, dialog.windowTitle() or dialog.objectName())

    def _submit_manual_entry(self) -> None:
        text = self.manual_entry.text().strip()
        self.manual_entry.clear()
        if text:
            self._on_scan(text)

    def _open_settings(self) -> None:
        if self._settings_opener is not None:
            self._settings_opener()

    # -- output: render what the station says ---------------------------------------------------

    @property
    def view(self) -> StationView | None:
        return self._view

    def render_view(self, view: StationView) -> None:
        previous = self._view
        self._view = view
        self.header.render_view(view.order, view.packer, view.complete)
        self.lines_table.render_view(view.lines)
        page = 1 if view.order is not None else 0
        if self.lines_stack.currentIndex() != page:  # even an unchanged index costs ~1 ms in Qt
            self.lines_stack.setCurrentIndex(page)
        if view.order is None:  # the idle page shows: say the next step (a hidden page costs nothing)
            self._render_idle_page(signed_in=bool(view.packer))
        self.boxes.render_view(view.boxes)
        self.label_preview.render_view(view.last_label_png)
        self.label_preview.set_caption(view.last_label_caption, other_order=view.last_label_other_order)
        self.prompt.render_view(view.prompt, view.pending_confirmation, view.complete)
        self.attention.render_view(view)
        self.status.render_view(view.status)
        self.status.render_weight(view.weight_text, view.weight_state, view.weight_detail)
        if view.parked_orders:
            self.parked_label.setText(self.tr("Parked: %1").replace("%1", ", ".join(view.parked_orders)))
        else:
            self.parked_label.setText("")
        new_event = view.feedback is not None and (previous is None or view.feedback is not previous.feedback)
        if new_event or (view.feedback is None and previous is not None and previous.feedback is not None):
            self.banner.render_view(view.feedback)
        if new_event and view.feedback is not None:
            self._signal(view.feedback.tone)
            self._paint_now()

    def _paint_now(self) -> None:
        """Lay out and paint a scan's result at once. Qt would paint at its next turn, after every event
        queued meanwhile (booking, printing and outbox callbacks can take milliseconds); the packer
        should see the scan first. The work is the same, only sooner."""
        QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        QApplication.sendPostedEvents(None, QEvent.Type.UpdateLater)  # widgets just shown (the flash)
        QApplication.sendPostedEvents(self, QEvent.Type.UpdateRequest)

    def render_status(self, status: StatusView) -> None:
        """A status-only update (connectivity, outbox, printer) between two views."""
        self.status.render_view(status)

    def show_message(self, tone: str, text: str) -> None:
        """A message from the runtime (not from a scan): shown on the banner with flash and sound."""
        try:
            parsed = Tone(tone)
        except ValueError:
            parsed = Tone.INFO
        self.banner.render_view(Feedback(parsed, text))
        self._signal(parsed)

    def _signal(self, tone: Tone) -> None:
        """Flash and sound: what the packer notices while looking at the box."""
        if tone is Tone.GOOD:
            self.flash.flash(GOOD_FLASH)
            self.sounds.play_good()
        elif tone is Tone.BAD:
            self.flash.flash(BAD_FLASH)
            self.sounds.play_error()
        elif tone is Tone.WARNING:
            self.flash.flash(WARNING_FLASH)
            self.sounds.play_error()

    # -- lifecycle ------------------------------------------------------------------------------

    def close_for_good(self) -> None:
        """Close without asking (shutdown, restart with new settings): the store keeps everything."""
        self._asked = True
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._asked and not self._packer_agrees_to_close():
            event.ignore()
            return
        self.scanner.uninstall()
        self.shortcuts.uninstall()
        super().closeEvent(event)

    def _packer_agrees_to_close(self) -> bool:
        """Alt+F4 or the window's X with an order open: ask, and say that nothing is lost."""
        view = self._view
        if view is None or view.order is None or view.complete:
            return True
        box = QMessageBox(self)
        box.setObjectName("closeQuestion")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(self.tr("Close packstation?"))
        box.setText(
            self.tr(
                "Order %1 is open. It is safe in the station's database: packstation brings it back, "
                "with its boxes, when it starts again. Close packstation now?"
            ).replace("%1", view.order.order_id)
        )
        close = box.addButton(self.tr("Close packstation"), QMessageBox.ButtonRole.AcceptRole)
        keep = box.addButton(self.tr("Keep packing"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)  # a stray Enter keeps the bench open
        box.setEscapeButton(keep)
        box.exec()
        agreed = box.clickedButton() is close
        self._asked = agreed
        return agreed
