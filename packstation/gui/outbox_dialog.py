"""The outbox view: what waits to go out of this bench (API operations and print jobs), in words, with
Retry for what needs attention and Reprint for a failed print. It lists what ``packstation outbox`` lists,
in the same words (both come from ``services/queue_report.py``).

Reached by the header button "Outbox", by Ctrl+Shift+O whatever has the focus, and by scanning
``CMD:OUTBOX``. Keyboard: arrows pick a row, Enter (or Alt+R / Alt+P) does its action, Esc closes.

A pure view: ``load_items()`` returns the ``QueueItem``s; ``retry(ref)`` and ``reprint(ref)`` act and
return what happened in words.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from packstation.domain.queue_items import ItemAction, ItemState, QueueItem
from packstation.gui.resources import load_stylesheet

_STATE_COLOURS = {
    ItemState.NEEDS_ATTENTION: "#b91c1c",
    ItemState.PRINT_FAILED: "#b91c1c",
    ItemState.WAITING: "#92400e",
    ItemState.PRINTING: "#1f2937",
}


class OutboxDialog(QDialog):
    def __init__(
        self,
        load_items: Callable[[], Sequence[QueueItem]],
        *,
        retry: Callable[[int], str],
        reprint: Callable[[int], str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("outboxDialog")
        self.setWindowTitle(self.tr("Outbox and print queue"))
        self.setStyleSheet(load_stylesheet())
        self._load_items = load_items
        self._retry = retry
        self._reprint = reprint
        self._items: list[QueueItem] = []
        layout = QVBoxLayout(self)
        self.summary = QLabel("")
        self.summary.setObjectName("outboxSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("outboxTable")
        self.table.setHorizontalHeaderLabels([self.tr("State"), self.tr("What"), self.tr("Details")])
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)  # the whole message shows below the table
        self.table.currentCellChanged.connect(lambda *_: self._update_buttons())
        layout.addWidget(self.table, 1)
        self.detail_label = QLabel("")  # the chosen row's whole message (the cell may cut it)
        self.detail_label.setObjectName("outboxDetail")
        self.detail_label.setWordWrap(True)
        self.detail_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.detail_label)
        self.result_label = QLabel("")
        self.result_label.setObjectName("outboxResult")
        self.result_label.setWordWrap(True)
        layout.addWidget(self.result_label)
        buttons = QDialogButtonBox()
        self.retry_button = QPushButton(self.tr("&Retry"))
        self.reprint_button = QPushButton(self.tr("Re&print"))
        self.refresh_button = QPushButton(self.tr("Re&fresh"))
        for button in (self.retry_button, self.reprint_button, self.refresh_button):
            button.setAutoDefault(False)
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.setAutoDefault(False)
        close.setToolTip(self.tr("Close (Esc)"))
        buttons.rejected.connect(self.reject)
        self.retry_button.clicked.connect(lambda: self._act(ItemAction.RETRY))
        self.reprint_button.clicked.connect(lambda: self._act(ItemAction.REPRINT))
        self.refresh_button.clicked.connect(self.refresh)
        layout.addWidget(buttons)
        self.resize(1000, 480)
        self.refresh()
        self.table.setFocus()

    def refresh(self) -> None:
        self._items = list(self._load_items())
        self.table.setRowCount(len(self._items))
        for row, item in enumerate(self._items):
            state = QTableWidgetItem(item.state.value.upper())
            state.setData(Qt.ItemDataRole.ForegroundRole, _colour(item.state))
            self.table.setItem(row, 0, state)
            self.table.setItem(row, 1, QTableWidgetItem(item.what))
            detail = QTableWidgetItem(item.detail)
            detail.setToolTip(item.detail)
            self.table.setItem(row, 2, detail)
        self.table.resizeColumnToContents(0)
        self.table.resizeColumnToContents(1)
        counts = {s: sum(1 for i in self._items if i.state is s) for s in ItemState}
        if not self._items:
            self.summary.setText(self.tr("Nothing waiting: every operation is sent and every label printed."))
        else:
            self.summary.setText(
                self.tr("%1 need attention, %2 prints failed, %3 waiting to send, %4 waiting to print.")
                .replace("%1", str(counts[ItemState.NEEDS_ATTENTION]))
                .replace("%2", str(counts[ItemState.PRINT_FAILED]))
                .replace("%3", str(counts[ItemState.WAITING]))
                .replace("%4", str(counts[ItemState.PRINTING]))
            )
            if self.table.currentRow() < 0:
                self.table.setCurrentCell(0, 0)
        self._update_buttons()

    @property
    def items(self) -> list[QueueItem]:
        return list(self._items)

    def current_item(self) -> QueueItem | None:
        row = self.table.currentRow()
        return self._items[row] if 0 <= row < len(self._items) else None

    def _update_buttons(self) -> None:
        item = self.current_item()
        self.detail_label.setText(item.detail if item is not None else "")
        self.retry_button.setEnabled(item is not None and item.action is ItemAction.RETRY)
        self.reprint_button.setEnabled(item is not None and item.action is ItemAction.REPRINT)

    def _act(self, action: ItemAction) -> None:
        item = self.current_item()
        if item is None or item.action is not action:
            return
        call = self._retry if action is ItemAction.RETRY else self._reprint
        self.result_label.setText(call(item.ref))
        self.refresh()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            item = self.current_item()
            if item is not None and item.action is not ItemAction.NONE:
                self._act(item.action)
            event.accept()
            return
        super().keyPressEvent(event)


def _colour(state: ItemState) -> object:
    from PySide6.QtGui import QBrush, QColor

    return QBrush(QColor(_STATE_COLOURS[state]))
