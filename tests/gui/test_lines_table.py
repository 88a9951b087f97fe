"""The lines table updates only what a scan changed: the rows it touched, and in them the cells whose
text or colour changes (a 2,000-line order must stay well under a frame per scan), while what it shows
stays exactly what a table filled from scratch shows."""

from __future__ import annotations

import msgspec.structs
import pytest
from PySide6.QtCore import Qt

from packstation.domain.view import LineView
from packstation.gui.order_view import LinesTable

pytestmark = pytest.mark.gui

LINES = tuple(LineView(f"SKU-{i}", f"Article {i}", 2, 0) for i in range(50))


def shown(table: LinesTable) -> list[tuple]:
    return [
        tuple(
            (
                table.item(row, column).text(),
                table.item(row, column).background().color().name(),
                table.item(row, column).foreground().color().name(),
            )
            for column in range(table.columnCount())
        )
        for row in range(table.rowCount())
    ]


def scanned(lines: tuple[LineView, ...], row: int, count: int) -> tuple[LineView, ...]:
    return (*lines[:row], msgspec.structs.replace(lines[row], scanned=count), *lines[row + 1 :])


def test_a_scan_sets_only_the_cells_that_change_and_shows_what_a_fresh_table_shows(qtbot):
    table = LinesTable()
    qtbot.addWidget(table)
    table.render_view(LINES)
    changes: list[tuple[int, int]] = []

    def note(top, bottom, roles=()) -> None:
        rows, columns = range(top.row(), bottom.row() + 1), range(top.column(), bottom.column() + 1)
        changes.extend((row, column) for row in rows for column in columns)

    table.model().dataChanged.connect(note)
    lines = scanned(LINES, 7, 1)  # still to go: the counts change, not the name nor the colours
    table.render_view(lines)
    assert set(changes) == {(7, 1), (7, 2)}
    changes.clear()
    lines = scanned(lines, 7, 2)  # done: the colours change too, in every cell of the row
    table.render_view(lines)
    assert {row for row, _ in changes} == {7} and {column for _, column in changes} == {0, 1, 2}
    lines = scanned(lines, 3, 3)  # over-scanned
    table.render_view(lines)
    fresh = LinesTable()
    qtbot.addWidget(fresh)
    fresh.render_view(lines)
    assert shown(table) == shown(fresh)
    assert table.item(7, 2).text() == "✓ done" and table.item(3, 2).text() == "1 too many"
    assert table.item(7, 0).data(Qt.ItemDataRole.DisplayRole) == "Article 7"
