"""The order being packed: the header bar (order, customer, shipping method, packer) and the table of
line items with scanned/expected counts. Both only render domain data; they hold no state of their own
besides what was last drawn (to skip redrawing what did not change)."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import compress
from operator import is_not

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from packstation.domain.view import LineView, OrderHeader
from packstation.gui.resources import icon_pixmap, set_style_state

COMPLETE_BACKGROUND = QColor("#d3f2dc")
COMPLETE_FOREGROUND = QColor("#0b4d22")
REMAINING_BACKGROUND = QColor("#fff4cc")
REMAINING_FOREGROUND = QColor("#111827")
OVER_BACKGROUND = QColor("#fde2e2")


class OrderHeaderWidget(QFrame):
    """Dark bar across the top: the order in big letters, its details, the badge when served offline."""

    settings_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("orderHeader")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(20, 10, 12, 10)
        layout.setSpacing(16)

        self.order_label = QLabel(self.tr("No order open"))
        self.order_label.setObjectName("orderId")
        self.details_label = QLabel("")
        self.details_label.setObjectName("orderDetails")
        self.details_label.setWordWrap(True)
        self.cache_badge = QLabel("OFFLINE COPY")
        self.cache_badge.setObjectName("cacheBadge")
        self.cache_badge.setToolTip("The order was loaded from this station's memory while offline")
        self.cache_badge.hide()

        text_column = QVBoxLayout()
        text_column.setSpacing(0)
        title_row = QHBoxLayout()
        title_row.setSpacing(14)
        title_row.addWidget(self.order_label)
        title_row.addWidget(self.cache_badge, 0, Qt.AlignmentFlag.AlignVCenter)
        title_row.addStretch(1)
        text_column.addLayout(title_row)
        text_column.addWidget(self.details_label)
        layout.addLayout(text_column, 1)

        self.packer_icon = QLabel()
        self.packer_icon.setPixmap(icon_pixmap("person", 26))
        self.packer_label = QLabel("")
        self.packer_label.setObjectName("packerName")
        layout.addWidget(self.packer_icon, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.packer_label, 0, Qt.AlignmentFlag.AlignVCenter)

        self.settings_button = QToolButton()
        self.settings_button.setObjectName("settingsButton")
        self.settings_button.setText(self.tr("Settings"))
        self.settings_button.setToolTip(self.tr("Settings (API, printer, box types, sounds)"))
        self.settings_button.setIcon(icon_pixmap("settings", 28))
        self.settings_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.settings_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.settings_button.clicked.connect(self.settings_requested)
        self.settings_button.hide()
        layout.addWidget(self.settings_button, 0, Qt.AlignmentFlag.AlignVCenter)
        self._drawn: tuple | None = None

    def render_view(self, order: OrderHeader | None, packer: str, complete: bool) -> None:
        key = (order, packer, complete)
        if key == self._drawn:
            return
        self._drawn = key
        self.packer_label.setText(packer or self.tr("Not signed in: scan your badge"))
        set_style_state(self.packer_label, "ok" if packer else "missing")
        if order is None:
            self.order_label.setText(self.tr("No order open"))
            self.details_label.setText(self.tr("Ready for the next order"))
            self.cache_badge.hide()
            set_style_state(self, "idle")
            self._keep_wrapped_height()
            return
        self.order_label.setText(
            self.tr("Order %1").replace("%1", order.order_id) + (self.tr("  ✓ packed") if complete else "")
        )
        details = [part for part in (order.customer, order.shipping_method, order.destination) if part]
        if order.parcels_expected > 1:  # the shipment's own count (number_of_parcels): plan the boxes
            words = self.tr("%1 parcels expected").replace("%1", str(order.parcels_expected))
            details.append(words.replace(" ", "\u00a0"))  # one phrase: a narrow screen wraps before it
        self.details_label.setText("   ·   ".join(details))
        self.cache_badge.setVisible(order.source == "cache")
        set_style_state(self, "complete" if complete else "open")
        self._keep_wrapped_height()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._keep_wrapped_height()

    def _keep_wrapped_height(self) -> None:
        """The details wrap onto a second line on a narrow screen; the window's column gives the
        header its one-line minimum when the rest is tall (a long banner at 1366x768), which cut the
        second line in half. Its minimum is the height its words need at its width: what gives way is
        the lines table, which scrolls."""
        wanted = max(0, self.heightForWidth(self.width()))
        if wanted != self.minimumHeight():
            self.setMinimumHeight(wanted)


class _ItemDelegate(QStyledItemDelegate):
    """Draws the item column as two lines: the name large, the SKU small and grey under it."""

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        painter.save()
        background = index.data(Qt.ItemDataRole.BackgroundRole)
        if background is not None:
            painter.fillRect(option.rect, background)
        foreground = index.data(Qt.ItemDataRole.ForegroundRole)
        rect = option.rect.adjusted(12, 4, -8, -4)
        name_font = QFont(option.font)
        name_font.setPointSize(17)
        sku_font = QFont(option.font)
        sku_font.setPointSize(12)
        name = index.data(Qt.ItemDataRole.DisplayRole) or ""
        sku = index.data(SKU_ROLE) or ""
        top = rect.adjusted(0, 0, 0, -rect.height() // 2 + 6)
        bottom = rect.adjusted(0, rect.height() // 2 + 4, 0, 0)
        painter.setFont(name_font)
        painter.setPen(foreground.color() if foreground is not None else QColor("#111827"))
        elided = QFontMetrics(name_font).elidedText(name, Qt.TextElideMode.ElideRight, top.width())
        painter.drawText(top, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom), elided)
        painter.setFont(sku_font)
        painter.setPen(QColor("#4b5563"))
        painter.drawText(bottom, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), sku)
        painter.restore()


SKU_ROLE = Qt.ItemDataRole.UserRole + 1


class LinesTable(QTableWidget):
    """The order's lines: item (name over SKU), scanned/expected, what is left. Done lines green, lines
    still to pack amber, over-scanned lines red."""

    COLUMNS = ("Item", "Packed", "To go")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(self.COLUMNS), parent)
        self.setObjectName("linesTable")
        self.setHorizontalHeaderLabels([self.tr("Item"), self.tr("Packed"), self.tr("To go")])
        self.verticalHeader().hide()
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self._count_font = QFont()
        self._count_font.setPointSize(21)
        self._count_font.setBold(True)
        self._to_go_font = QFont()
        self._to_go_font.setPointSize(16)
        self._to_go_font.setBold(True)
        # Fixed widths: ResizeToContents would measure every row on every scan (slow on long orders).
        for column, font, sample in (
            (1, self._count_font, "888 / 888"),
            (2, self._to_go_font, "88 too many"),
        ):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
            self.setColumnWidth(column, QFontMetrics(font).horizontalAdvance(sample) + 28)
        self.setItemDelegateForColumn(0, _ItemDelegate(self))
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.verticalHeader().setDefaultSectionSize(66)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        # The viewport paints all of its pixels (paintEvent fills what no row covers): Qt can then
        # scroll it by moving pixels and paint only the row scrolled in, not the whole table.
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._lines: tuple[LineView, ...] = ()

    @property
    def lines(self) -> tuple[LineView, ...]:
        return self._lines

    def paintEvent(self, event: QPaintEvent) -> None:
        rows_end = self.rowViewportPosition(self.rowCount() - 1) + self.rowHeight(self.rowCount() - 1)
        blank = event.rect().intersected(self.viewport().rect())
        blank.setTop(max(blank.top(), rows_end if self.rowCount() else 0))
        if blank.isValid():  # below the last row: the background the style sheet would have drawn
            painter = QPainter(self.viewport())
            painter.fillRect(blank, self.viewport().palette().base())
            painter.end()
        super().paintEvent(event)

    def render_view(self, lines: Sequence[LineView]) -> None:
        lines = tuple(lines)
        if lines == self._lines:
            return
        old = self._lines
        # The station hands the same LineView objects back for the lines a scan did not touch: finding
        # the others by identity, in C (compress/map), costs microseconds for 2,000 lines; comparing
        # them field by field in Python cost milliseconds per scan.
        touched = (
            list(compress(range(len(lines)), map(is_not, old, lines))) if len(old) == len(lines) else None
        )
        same_shape = touched is not None and all(old[row].sku == lines[row].sku for row in touched)
        self._lines = lines
        if not same_shape:
            self.setRowCount(len(lines))
            for row, line in enumerate(lines):
                self._fill_row(row, line, create=True)
            return
        changed = [row for row in touched or () if old[row] != lines[row]]
        for row in changed:
            self._fill_row(row, lines[row], create=False)
        scanned = self.item(changed[-1], 0) if changed else None
        if scanned is not None:  # show the line that was just scanned
            self.scrollToItem(scanned, QAbstractItemView.ScrollHint.EnsureVisible)

    def _fill_row(self, row: int, line: LineView, *, create: bool) -> None:
        over = line.scanned > line.expected
        remaining = max(0, line.expected - line.scanned)
        if over:
            to_go = self.tr("%1 too many").replace("%1", str(line.scanned - line.expected))
        elif remaining:
            to_go = self.tr("%1 more").replace("%1", str(remaining))
        else:
            to_go = self.tr("✓ done")
        texts = (line.name or line.sku, f"{line.scanned} / {line.expected}", to_go)
        if over:
            background, foreground = OVER_BACKGROUND, QColor("#7f1d1d")
        elif line.complete:
            background, foreground = COMPLETE_BACKGROUND, COMPLETE_FOREGROUND
        else:
            background, foreground = REMAINING_BACKGROUND, REMAINING_FOREGROUND
        for column, text in enumerate(texts):
            item = self.item(row, column) if not create else None
            if item is None:
                item = QTableWidgetItem()
                item.setFlags(Qt.ItemFlag.ItemIsEnabled)
                if column >= 1:
                    item.setFont(self._count_font if column == 1 else self._to_go_font)
                if column == 1:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.setItem(row, column, item)
            item.setText(text)
            if column == 0:
                item.setData(SKU_ROLE, line.sku if line.name else "")
            item.setBackground(QBrush(background))
            item.setForeground(QBrush(foreground))
