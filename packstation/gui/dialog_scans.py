"""Scans that arrive while a dialog is open: the rule, and the small strip that tells the packer.

A dialog (settings, stats, end of day, the outbox view, a message box, a file dialog) covers the order,
its banner and its flash, so a scan that reached the order then would change it unseen. The rule:

* while a modal dialog is open, **no scan reaches the order** (keyboard-wedge bursts, which the
  ``WedgeScanner`` swallows wherever the focus is, and serial or replayed scans arriving through the
  bridge alike);
* the dialog shows a strip of its own, "Close this dialog first — scan not used: <code>", with the error
  sound, and the window logs the scan in the scan log with the outcome ``held_dialog_open`` (nothing
  is lost silently: the packer scans it again once the dialog is closed);
* one exception: a badge (``USER:<name>``) scanned while a field that takes a packer's name has the
  focus (the Settings dialog's "Packer", marked with ``mark_badge_field``) fills that field, as its
  placeholder promises.

Only the GUI knows which dialog is open; the window applies the rule (``MainWindow._on_scan``) and
these helpers keep the words and the strip in one place.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QWidget

BADGE_FIELD = "packstationBadgeField"  # dynamic property: this line edit takes a badge scan's name
STRIP_NAME = "dialogScanStrip"
STRIP_SHOWN_MS = 6_000
_STYLES = {
    "held": "background: #fef3c7; color: #92400e; border-bottom: 2px solid #d97706;",
    "badge": "background: #dcfce7; color: #166534; border-bottom: 2px solid #16a34a;",
}


def mark_badge_field(field: QLineEdit) -> None:
    """A badge scanned while ``field`` has the focus (in a dialog) fills it with the badge's name."""
    field.setProperty(BADGE_FIELD, True)


def open_dialog(window: QWidget) -> QWidget | None:
    """The modal dialog in front of ``window`` right now, or None."""
    modal = QApplication.activeModalWidget()
    if modal is None or modal is window:
        return None
    return modal


def badge_field_in(dialog: QWidget) -> QLineEdit | None:
    """The focused badge field of ``dialog``, if the focus is in one."""
    focus = QApplication.focusWidget()
    if isinstance(focus, QLineEdit) and focus.property(BADGE_FIELD) and dialog.isAncestorOf(focus):
        return focus
    return None


def held_words(code: str) -> str:
    shown = code if len(code) <= 40 else code[:37] + "…"
    return QCoreApplication.translate("DialogScans", "Close this dialog first — scan not used: %1").replace(
        "%1", shown
    )


def badge_words(name: str) -> str:
    return QCoreApplication.translate("DialogScans", "Badge read: %1").replace("%1", name)


class DialogScanStrip(QLabel):
    """A strip across the top of a dialog saying what became of a scan; it goes after a few seconds.

    It lies over the dialog's own widgets (so it fits any dialog, also Qt's message boxes and file
    dialogs, without changing their layout) and lets clicks through."""

    def __init__(self, dialog: QWidget) -> None:
        super().__init__(dialog)
        self.setObjectName(STRIP_NAME)
        self.setWordWrap(True)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.kind = ""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)
        dialog.installEventFilter(self)
        self.hide()

    @classmethod
    def of(cls, dialog: QWidget) -> DialogScanStrip:
        """The dialog's strip (made the first time it is needed)."""
        found = dialog.findChild(DialogScanStrip, STRIP_NAME, Qt.FindChildOption.FindDirectChildrenOnly)
        return found if found is not None else cls(dialog)

    def say(self, text: str, kind: str) -> None:
        self.kind = kind
        self.setText(text)
        self.setStyleSheet(
            f"QLabel#{STRIP_NAME} {{ {_STYLES[kind]} font-size: 15pt; font-weight: bold; padding: 8px; }}"
        )
        self._place()
        self.show()
        self.raise_()
        self._timer.start(STRIP_SHOWN_MS)

    def _place(self) -> None:
        parent = self.parentWidget()
        if parent is None:
            return
        width = parent.width()
        self.setFixedWidth(width)
        self.setFixedHeight(max(self.heightForWidth(width), 40))
        self.move(0, 0)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize and self.isVisible():
            self._place()
        return False
