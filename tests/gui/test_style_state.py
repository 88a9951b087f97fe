"""``set_style_state`` on a widget not shown yet only sets the property (its first polish reads it):
re-polishing every state widget while the window is built cost ~10 ms of start-up (issue 18)."""

from __future__ import annotations

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel

from packstation.gui.resources import set_style_state


class CountingLabel(QLabel):
    polishes = 0

    def style(self):  # type: ignore[override]
        CountingLabel.polishes += 1
        return super().style()


def test_a_widget_not_shown_yet_is_styled_by_its_first_polish(qtbot):
    label = CountingLabel("Scan an order")
    label.setStyleSheet('QLabel[state="bad"] { color: #ff0000; } QLabel[state="ok"] { color: #00ff00; }')
    qtbot.addWidget(label)
    CountingLabel.polishes = 0
    set_style_state(label, "bad")
    assert CountingLabel.polishes == 0 and label.property("state") == "bad"
    label.show()
    qtbot.waitExposed(label)
    assert label.palette().color(QPalette.ColorRole.WindowText).name() == "#ff0000"
    set_style_state(label, "ok")  # shown: re-polished at once
    assert CountingLabel.polishes == 1
    assert label.palette().color(QPalette.ColorRole.WindowText).name() == "#00ff00"
