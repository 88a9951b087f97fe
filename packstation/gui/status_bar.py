"""The bottom bar: API connection, what is waiting to be sent, problems, printer, labels waiting, and the
scale's live weight (shown only when the bench weighs boxes).

Always visible, in words: "OFFLINE: keep packing", "3 waiting to send", "Printer: out of paper",
"1.250 kg stable"."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QWidget

from packstation.domain.view import Connectivity, StatusView
from packstation.gui.resources import icon_pixmap, set_style_state


def connectivity_text(status: StatusView) -> tuple[str, str, str]:
    """(text, style state, icon name) for the connection item. Short enough never to be cut off at
    1024 px; the full reason (with the technical detail) is the item's tooltip, and a paused outbox's
    reason also stands in the attention strip above."""
    translate = QCoreApplication.translate
    if status.connectivity is Connectivity.ONLINE:
        return translate("StationStatusBar", "Online"), "ok", "online"
    if status.connectivity is Connectivity.DEGRADED:
        return translate("StationStatusBar", "Connection slow: still trying"), "warn", "degraded"
    if status.connectivity is Connectivity.OFFLINE:
        return (
            translate("StationStatusBar", "OFFLINE: keep packing, labels print when back"),
            "bad",
            "offline",
        )
    return translate("StationStatusBar", "Sending paused: see the red strip"), "warn", "paused"


class StatusItem(QFrame):
    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusItem")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 12, 4)
        layout.setSpacing(8)
        self.icon = QLabel()
        self.text = QLabel("")
        self.text.setObjectName(f"status_{name}")
        layout.addWidget(self.icon)
        layout.addWidget(self.text)
        self._icon_name = ""

    def show_state(self, text: str, state: str, icon: str = "") -> None:
        self.text.setText(text)
        set_style_state(self, state)
        set_style_state(self.text, state)
        if icon != self._icon_name:
            self._icon_name = icon
            self.icon.setPixmap(icon_pixmap(icon, 22, tint="#ffffff") if icon else QPixmap())
            self.icon.setVisible(bool(icon))


class StationStatusBar(QFrame):
    """Connection · outbox depth · needs attention · printer · labels waiting."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stationStatusBar")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.setSpacing(6)
        self.connection = StatusItem("connection")
        self.outbox = StatusItem("outbox")
        self.attention = StatusItem("attention")
        self.printer = StatusItem("printer")
        self.labels = StatusItem("labels")
        for item in (self.connection, self.outbox, self.attention, self.printer, self.labels):
            layout.addWidget(item, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addStretch(1)
        self.weight = StatusItem("weight")
        self.weight.setVisible(False)
        layout.addWidget(self.weight, 0, Qt.AlignmentFlag.AlignVCenter)
        self._status: StatusView | None = None
        self._weight: tuple[str, str, str] | None = None
        self.render_view(StatusView())

    def render_weight(self, text: str, state: str, detail: str = "") -> None:
        """The live weight (``StationView.weight_text``/``weight_state``/``weight_detail``); hidden when
        empty (no scale configured)."""
        if (text, state, detail) == self._weight:
            return
        self._weight = (text, state, detail)
        self.weight.setVisible(bool(text))
        if text:
            self.weight.show_state(text, state or "muted", "scale")
            self.weight.setToolTip(detail)

    def render_view(self, status: StatusView) -> None:
        if status == self._status:
            return
        self._status = status
        self.connection.show_state(*connectivity_text(status))
        self.connection.setToolTip(status.connectivity_reason)
        depth = status.outbox_depth
        if depth and status.connectivity is Connectivity.OFFLINE:
            text = self.tr("%1 waiting to send when back online").replace("%1", str(depth))
            self.outbox.show_state(text, "warn", "outbox")
        elif depth:
            self.outbox.show_state(self.tr("%1 waiting to send").replace("%1", str(depth)), "warn", "outbox")
        else:
            self.outbox.show_state(self.tr("Nothing waiting to send"), "muted", "outbox")
        count = status.needs_attention
        self.attention.setVisible(count > 0)
        if count:
            text = self.tr("1 needs attention") if count == 1 else self.tr("%1 need attention")
            self.attention.show_state(text.replace("%1", str(count)), "bad", "alert")
        self.printer.show_state(self._printer_text(status), "ok" if status.printer_ok else "bad", "printer")
        waiting = status.labels_waiting
        self.labels.setVisible(waiting > 0)
        if waiting:
            text = self.tr("1 label to print") if waiting == 1 else self.tr("%1 labels to print")
            self.labels.show_state(text.replace("%1", str(waiting)), "warn", "printer")

    def _printer_text(self, status: StatusView) -> str:
        # The runtime's two stock phrases are translated here; a printer's own fault text stays as it is.
        message = status.printer_message
        if not message or message == "Printer ready":
            return self.tr("Printer ready") if status.printer_ok else self.tr("Printer problem")
        return message
