"""The boxes panel: a card made ahead (while the bench waits) is the one a scan that opens a box uses, and
it shows exactly what a card made for that box shows."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from packstation.domain.view import BoxState, BoxView
from packstation.gui.boxes_panel import BoxCard, BoxesPanel

pytestmark = pytest.mark.gui


def looks(card: BoxCard) -> tuple:
    return (
        card.title.text(),
        card.chip.text(),
        card.chip.property("state"),
        card.details.text(),
        card.problem.text(),
        card.problem.isVisibleTo(card),
        card.property("state"),
    )


def test_a_box_opened_by_a_scan_gets_the_card_made_ahead_showing_what_a_new_card_shows(qtbot):
    panel = BoxesPanel()
    qtbot.addWidget(panel)
    panel.show()
    QApplication.processEvents()  # idle: the spare card is made
    spare = panel._spare
    assert spare is not None and spare.isHidden() and spare not in panel.cards
    closed = BoxView(1, BoxState.PRINTED, (("SKU-A", 2),), "M", tracking_number="00370000000000000017")
    opened = BoxView(2, BoxState.OPEN, (("SKU-B", 1),))
    panel.render_view((closed,))
    QApplication.processEvents()
    spare = panel._spare
    panel.render_view((closed, opened))
    assert panel.cards[1] is spare and not spare.isHidden()
    for card, box in zip(panel.cards, (closed, opened), strict=True):
        fresh = BoxCard(box)
        qtbot.addWidget(fresh)
        assert looks(card) == looks(fresh)
    QApplication.processEvents()
    assert panel._spare is not None and panel._spare not in panel.cards


def test_a_card_grows_when_its_problem_text_needs_more_lines(qtbot):
    # The wrapped labels remember their height per width (a new card lays out all of them): a new text
    # or font must be measured again, or the card would cut the problem off.
    box = BoxView(1, BoxState.FAILED, (("SKU-A", 2),), problem="Label did not print.")
    card = BoxCard(box)
    qtbot.addWidget(card)
    card.resize(320, 200)
    card.show()
    short = card.problem.heightForWidth(300)
    long_problem = "Label did not print: the printer reports no paper. " * 4
    card.show_box(BoxView(1, BoxState.FAILED, (("SKU-A", 2),), problem=long_problem))
    taller = card.problem.heightForWidth(300)
    assert taller > short
    assert card.heightForWidth(320) >= taller
    font = card.problem.font()
    font.setPointSize(font.pointSize() * 2)
    card.problem.setFont(font)
    assert card.problem.heightForWidth(300) > taller
