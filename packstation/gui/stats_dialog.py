"""The packer statistics dashboard: today's orders and boxes per hour per packer (bar charts painted with
QPainter; Qt Charts is not shipped), scan error rate, average time per order, labels waiting, and a CSV
export. It shows a ``DayStats`` from ``load()`` and never computes or reads anything itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from packstation.domain.stats import DayStats, format_duration

# Distinct, colour-blind friendly (Okabe-Ito) colours, one per packer.
PACKER_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")


class HourlyBarChart(QWidget):
    """Stacked bars per hour, one colour per packer, with a y grid and a legend."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.hours: Sequence[int] = range(8, 17)
        self.series: list[tuple[str, Sequence[int]]] = []
        self.setMinimumSize(QSize(420, 220))

    def set_data(self, hours: Sequence[int], series: list[tuple[str, Sequence[int]]]) -> None:
        self.hours, self.series = hours, series
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("#ffffff"))
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.9))
        painter.setFont(font)
        metrics = painter.fontMetrics()
        line = metrics.height()
        title_font = QFont(font)
        title_font.setBold(True)
        painter.setFont(title_font)
        painter.setPen(QColor("#222222"))
        painter.drawText(QRectF(8, 4, self.width() - 16, line + 4), Qt.AlignmentFlag.AlignLeft, self.title)
        painter.setFont(font)

        totals = [sum(values[h] for _, values in self.series) for h in self.hours]
        top = max([*totals, 1])
        step = _nice_step(top)
        top = step * -(-top // step)
        left, right = 8 + metrics.horizontalAdvance(str(top)) + 6, 10
        plot = QRectF(left, line * 2 + 8, self.width() - left - right, self.height() - line * 4 - 16)

        painter.setPen(QPen(QColor("#dddddd"), 1))
        for value in range(0, top + 1, step):
            y = plot.bottom() - plot.height() * value / top
            painter.drawLine(int(plot.left()), int(y), int(plot.right()), int(y))
            painter.setPen(QColor("#666666"))
            painter.drawText(QRectF(0, y - line / 2, left - 4, line), Qt.AlignmentFlag.AlignRight, str(value))
            painter.setPen(QPen(QColor("#dddddd"), 1))

        slot = plot.width() / max(len(self.hours), 1)
        bar = max(2.0, slot * 0.7)
        for index, hour in enumerate(self.hours):
            x = plot.left() + index * slot + (slot - bar) / 2
            y = plot.bottom()
            for number, (_, values) in enumerate(self.series):
                height = plot.height() * values[hour] / top
                if height > 0:
                    painter.fillRect(QRectF(x, y - height, bar, height), QColor(_color(number)))
                    y -= height
            painter.setPen(QColor("#444444"))
            painter.drawText(
                QRectF(plot.left() + index * slot, plot.bottom() + 2, slot, line),
                Qt.AlignmentFlag.AlignHCenter,
                f"{hour:02d}",
            )
        painter.setPen(QPen(QColor("#888888"), 1))
        painter.drawLine(int(plot.left()), int(plot.bottom()), int(plot.right()), int(plot.bottom()))

        x = plot.left()
        legend_y = self.height() - line - 4
        for number, (name, _) in enumerate(self.series):
            painter.fillRect(QRectF(x, legend_y + 3, 10, 10), QColor(_color(number)))
            painter.setPen(QColor("#222222"))
            painter.drawText(QRectF(x + 14, legend_y, 200, line), Qt.AlignmentFlag.AlignLeft, name)
            x += 14 + metrics.horizontalAdvance(name) + 16
        painter.end()


class StatsDialog(QDialog):
    def __init__(
        self,
        load: Callable[[], DayStats],
        *,
        save_csv: Callable[[DayStats, str], str] | None = None,
        choose_path: Callable[[str], str | None] | None = None,
        refresh_ms: int = 30_000,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._load = load
        self._save_csv = save_csv
        self._choose_path = choose_path or self._ask_path
        self.setObjectName("statsDialog")
        self.setWindowTitle(self.tr("Packer statistics"))
        self.resize(960, 680)
        layout = QVBoxLayout(self)

        self.tiles: dict[str, QLabel] = {}
        tiles = QGridLayout()
        names = (
            ("orders", self.tr("Orders today")),
            ("boxes", self.tr("Boxes today")),
            ("errors", self.tr("Scan error rate")),
            ("avg", self.tr("Average time per order")),
            ("waiting", self.tr("Labels waiting")),
        )
        for column, (key, caption) in enumerate(names):
            tile = QFrame()
            tile.setObjectName("statsTile")
            tile.setFrameShape(QFrame.Shape.StyledPanel)
            box = QVBoxLayout(tile)
            value = QLabel("–")
            value.setObjectName("statsValue")
            font = value.font()
            font.setPointSizeF(font.pointSizeF() * 1.8)
            font.setBold(True)
            value.setFont(font)
            box.addWidget(value)
            box.addWidget(QLabel(caption))
            tiles.addWidget(tile, 0, column)
            self.tiles[key] = value
        layout.addLayout(tiles)

        charts = QHBoxLayout()
        self.orders_chart = HourlyBarChart(self.tr("Orders per hour"))
        self.boxes_chart = HourlyBarChart(self.tr("Boxes per hour"))
        charts.addWidget(self.orders_chart)
        charts.addWidget(self.boxes_chart)
        layout.addLayout(charts, 1)

        headers = [
            self.tr("Packer"),
            self.tr("Orders"),
            self.tr("Boxes"),
            self.tr("Orders/h"),
            self.tr("Boxes/h"),
            self.tr("Scan errors"),
            self.tr("Avg time/order"),
        ]
        self.table = QTableWidget(0, len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        # Every header whole ("Avg time/order" was cut to "Avg time/orde"); the packer's name takes the rest.
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setMaximumHeight(150)
        layout.addWidget(self.table)

        self.message = QLabel()
        self.message.setWordWrap(True)
        buttons = QHBoxLayout()
        self.refresh_button = QPushButton(self.tr("Refresh"))
        self.export_button = QPushButton(self.tr("Export CSV…"))
        self.close_button = QPushButton(self.tr("Close"))
        self.refresh_button.clicked.connect(self.refresh)
        self.export_button.clicked.connect(self.export)
        self.export_button.setEnabled(save_csv is not None)
        self.close_button.clicked.connect(self.accept)
        buttons.addWidget(self.message, 1)
        for button in (self.refresh_button, self.export_button, self.close_button):
            buttons.addWidget(button)
        layout.addLayout(buttons)

        self.timer = QTimer(self)
        self.timer.setInterval(refresh_ms)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        self.stats: DayStats | None = None
        self.refresh()

    def refresh(self) -> None:
        self.stats = stats = self._load()
        self.tiles["orders"].setText(str(stats.orders))
        self.tiles["boxes"].setText(str(stats.boxes))
        self.tiles["errors"].setText(f"{stats.error_rate:.1%}")
        self.tiles["avg"].setText(format_duration(stats.avg_order_seconds))
        self.tiles["waiting"].setText(str(stats.labels_waiting))
        hours = stats.busy_hours()
        self.orders_chart.set_data(hours, [(p.packer, p.orders_by_hour) for p in stats.packers])
        self.boxes_chart.set_data(hours, [(p.packer, p.boxes_by_hour) for p in stats.packers])
        self.table.setRowCount(len(stats.packers))
        for row, p in enumerate(stats.packers):
            cells = (
                p.packer,
                str(p.orders),
                str(p.boxes),
                f"{p.orders_per_hour:.1f}",
                f"{p.boxes_per_hour:.1f}",
                f"{p.scan_errors} ({p.error_rate:.1%})",
                format_duration(p.avg_order_seconds),
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)
        if not stats.packers:
            self.message.setText(self.tr("Nothing packed today yet."))

    def export(self) -> None:
        if self._save_csv is None or self.stats is None:
            return
        path = self._choose_path(f"packer-stats-{self.stats.day.isoformat()}.csv")
        if not path:
            return
        try:
            self.message.setText(self._save_csv(self.stats, path))
        except OSError as exc:
            self.message.setText(self.tr("Could not save: %1").replace("%1", exc.strerror or str(exc)))

    def _ask_path(self, name: str) -> str | None:
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Save the statistics as CSV"), name, "CSV (*.csv)"
        )
        return path or None

    def done(self, result: int) -> None:
        self.timer.stop()
        super().done(result)


def _color(index: int) -> str:
    return PACKER_COLORS[index % len(PACKER_COLORS)]


def _nice_step(top: int) -> int:
    """A grid step of 1, 2, 5, 10, 20, 50, ... giving at most about five lines."""
    step = 1
    while top / step > 5:
        for factor in (2, 2.5, 2):
            step = int(step * factor)
            if top / step <= 5:
                break
    return step
