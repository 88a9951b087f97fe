"""The big words the packer reads: the feedback banner (what just happened, coloured by tone), the
prompt line (what to do next, or the confirmation being asked for), and the attention strip (problems
that stay until fixed: printer, failed boxes, paused sending)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRect, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from packstation.domain.view import BoxState, Connectivity, Feedback, StationView, Tone
from packstation.gui.resources import icon_pixmap, set_style_state

TONE_MARK = {Tone.GOOD: "✓", Tone.BAD: "✗", Tone.WARNING: "!", Tone.INFO: "i"}


class _TwoLineLabel(QLabel):
    """Word-wrapped text that is always at least two lines tall. Messages are one or two lines ("box
    closed" ones are longer): without this, every change between them resized the banner and moved
    everything under it, a relayout and a repaint of the whole window on those scans."""

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # the style sheet's font arrived
            two_lines = QFontMetrics(self.font()).boundingRect(
                QRect(0, 0, 10_000, 10_000), int(Qt.TextFlag.TextWordWrap), "Ag\nAg"
            )
            self.setMinimumHeight(two_lines.height())


class FeedbackBanner(QFrame):
    """Green for a good scan, red for a rejected one, amber for a warning; the message in plain words."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("feedbackBanner")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(20, 12, 20, 12)
        layout.setSpacing(18)
        self.mark = QLabel("")
        self.mark.setObjectName("bannerMark")
        self.mark.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.mark.setFixedWidth(56)
        self.mark.hide()
        text_column = QVBoxLayout()
        text_column.setSpacing(2)
        self.message_label = _TwoLineLabel("Ready")
        self.message_label.setObjectName("bannerMessage")
        self.message_label.setWordWrap(True)
        self.detail_label = QLabel("")
        self.detail_label.setObjectName("bannerDetail")
        self.detail_label.setWordWrap(True)
        self.detail_label.hide()
        text_column.addWidget(self.message_label)
        text_column.addWidget(self.detail_label)
        layout.addWidget(self.mark, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addLayout(text_column, 1)
        self.tone: str = "idle"
        self.render_view(None)

    def render_view(self, feedback: Feedback | None) -> None:
        if feedback is None:
            self.tone = "idle"
            self.mark.setText("")
            self.mark.hide()
            self.message_label.setText("Ready")
            self.detail_label.hide()
        else:
            self.tone = Tone(feedback.tone).value
            self.mark.setText(TONE_MARK.get(Tone(feedback.tone), ""))
            self.mark.show()
            self.message_label.setText(feedback.message)
            self.detail_label.setText(feedback.detail)
            self.detail_label.setVisible(bool(feedback.detail))
        set_style_state(self, self.tone)
        for child in (self.mark, self.message_label, self.detail_label):
            set_style_state(child, self.tone)


class PromptLine(QFrame):
    """What to do next ("Scan items into box 2"); a pending confirmation replaces it, in amber."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("promptLine")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(18, 8, 18, 8)
        self.icon = QLabel()
        self.icon.setPixmap(icon_pixmap("scan", 40))
        self.label = QLabel("Scan an order")
        self.label.setObjectName("promptText")
        self.label.setWordWrap(True)
        layout.addWidget(self.icon)
        layout.addWidget(self.label, 1)
        self._drawn: tuple | None = None

    def render_view(self, prompt: str, pending_confirmation: str, complete: bool) -> None:
        key = (prompt, pending_confirmation, complete)
        if key == self._drawn:
            return
        self._drawn = key
        if pending_confirmation:
            self.label.setText(pending_confirmation)
            state = "confirm"
        else:
            self.label.setText(prompt)
            state = "complete" if complete else "normal"
        set_style_state(self, state)
        set_style_state(self.label, state)


def attention_items(view: StationView) -> list[str]:
    """Problems that need the packer and stay until fixed, each in words with what to do."""
    items: list[str] = []
    status = view.status
    if not status.printer_ok:
        items.append(f"Printer: {status.printer_message}")
    if status.connectivity is Connectivity.PAUSED:
        items.append(
            f"Sending paused: {status.connectivity_reason or 'ask the supervisor to check the settings'}"
        )
    for box in view.boxes:
        if box.state is BoxState.FAILED:
            items.append(f"Box {box.number}: {box.problem or 'needs attention'}")
    return items


class AttentionStrip(QFrame):
    """A red strip under the banner listing what needs fixing; hidden when all is well."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attentionStrip")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 6, 16, 6)
        layout.setSpacing(12)
        icon = QLabel()
        icon.setPixmap(icon_pixmap("alert", 30))
        self.label = QLabel("")
        self.label.setObjectName("attentionText")
        self.label.setWordWrap(True)
        layout.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.label, 1)
        self.items: list[str] = []
        self.hide()

    def render_view(self, view: StationView) -> None:
        items = attention_items(view)
        if items == self.items:
            return
        self.items = items
        self.label.setText("\n".join(items))
        self.setVisible(bool(items))
