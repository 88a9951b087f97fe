"""The boxes of the open order, one card each: number, a coloured state chip, tracking number or box tag,
contents, and (when a box failed) the problem in plain words with what to do."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import shiboken6
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QEvent, Qt, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from packstation.domain.scale import format_grams
from packstation.domain.view import BoxState, BoxView
from packstation.gui.resources import icon_pixmap, set_style_state

# What the chip says, in the packer's words (translated when shown, context "BoxCard").
# cast: QT_TRANSLATE_NOOP returns its text unchanged, its stub says object.
CHIP_TEXT = cast(
    dict[BoxState, str],
    {
        BoxState.OPEN: QT_TRANSLATE_NOOP("BoxCard", "PACKING"),
        BoxState.QUEUED: QT_TRANSLATE_NOOP("BoxCard", "WAITING TO SEND"),
        BoxState.BOOKING: QT_TRANSLATE_NOOP("BoxCard", "BOOKING…"),
        BoxState.BOOKED: QT_TRANSLATE_NOOP("BoxCard", "BOOKED · PRINTING"),
        BoxState.PRINTED: QT_TRANSLATE_NOOP("BoxCard", "LABEL PRINTED"),
        BoxState.FAILED: QT_TRANSLATE_NOOP("BoxCard", "NEEDS ATTENTION"),
        BoxState.VOIDED: QT_TRANSLATE_NOOP("BoxCard", "VOIDED"),
    },
)


def chip_text(state: BoxState) -> str:
    english = CHIP_TEXT.get(state)
    return QCoreApplication.translate("BoxCard", english) if english else state.value.upper()


def box_title(number: int) -> str:
    return QCoreApplication.translate("BoxCard", "Box %1").replace("%1", str(number))


def box_details(box: BoxView) -> str:
    """The lines under the box title: tracking number or box tag and box type, then the contents."""
    translate = QCoreApplication.translate
    lines: list[str] = []
    if box.tracking_number:
        lines.append(translate("BoxCard", "Tracking %1").replace("%1", box.tracking_number))
    elif box.local_tag:
        lines.append(translate("BoxCard", "Box tag %1").replace("%1", box.local_tag))
    units = sum(quantity for _sku, quantity in box.items)
    extras = []
    if box.box_type:
        extras.append(translate("BoxCard", "Type %1").replace("%1", box.box_type))
    if box.weight_g is not None:
        extras.append(format_grams(box.weight_g))
    kind = "".join(f"{extra}  ·  " for extra in extras)
    if units:
        contents = ", ".join(f"{quantity}× {sku}" for sku, quantity in box.items[:4])
        if len(box.items) > 4:
            contents += translate("BoxCard", ", +%1 more").replace("%1", str(len(box.items) - 4))
        count = translate("BoxCard", "1 item") if units == 1 else translate("BoxCard", "%1 items")
        lines.append(f"{kind}{count.replace('%1', str(units))}: {contents}")
    elif box.state is BoxState.OPEN:
        lines.append(translate("BoxCard", "Empty: scan an item"))
    return "\n".join(lines)


class WrappedLabel(QLabel):
    """A word-wrapped label that remembers its height per width while its text and style stay the same.

    The boxes column's layout asks every card's labels for their height whenever the column changes (a
    card added: all of them), and measuring wrapped text is slow: ~0.15 ms a card, so the scan that
    opened box 41 of an order spent ~7 ms laying out the 40 cards that had not changed."""

    _KEPT = 8  # widths remembered (a resize brings new ones)

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setWordWrap(True)
        self._heights: dict[int, int] = {}
        self._measured = text

    def heightForWidth(self, width: int) -> int:
        text = self.text()
        if text != self._measured or len(self._heights) > self._KEPT:
            self._heights.clear()
            self._measured = text
        height = self._heights.get(width)
        if height is None:
            height = self._heights[width] = super().heightForWidth(width)
        return height

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):  # fonts, padding
            self._heights.clear()
        super().changeEvent(event)


class BoxCard(QFrame):
    def __init__(self, box: BoxView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("boxCard")
        self.box = box
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 10, 8)
        layout.setSpacing(4)
        top = QHBoxLayout()
        top.setSpacing(10)
        self.title = QLabel(box_title(box.number))
        self.title.setObjectName("boxTitle")
        self.chip = QLabel(chip_text(box.state))
        self.chip.setObjectName("chip")
        set_style_state(self.chip, box.state.value)
        top.addWidget(self.title)
        top.addWidget(self.chip, 0, Qt.AlignmentFlag.AlignVCenter)
        top.addStretch(1)
        layout.addLayout(top)
        self.details = WrappedLabel(box_details(box))
        self.details.setObjectName("boxDetails")
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.details)
        self.problem = WrappedLabel(box.problem)
        self.problem.setObjectName("boxProblem")
        self.problem.setVisible(bool(box.problem))
        layout.addWidget(self.problem)
        set_style_state(self, box.state.value)

    def show_box(self, box: BoxView) -> None:
        """Show another state of a box in this card (cheaper than a new card: no widgets, no polish)."""
        if box == self.box:
            return
        self.box = box
        self.title.setText(box_title(box.number))
        self.chip.setText(chip_text(box.state))
        set_style_state(self.chip, box.state.value)
        self.details.setText(box_details(box))
        self.problem.setText(box.problem)
        self.problem.setVisible(bool(box.problem))
        set_style_state(self, box.state.value)


_SPARE = BoxView(number=0, state=BoxState.OPEN)  # what a card made ahead shows until it is used


class BoxesPanel(QFrame):
    """A titled, scrollable column of BoxCards; the newest box stays in view."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("boxesPanel")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(6)
        title_row = QHBoxLayout()
        icon = QLabel()
        icon.setPixmap(icon_pixmap("box", 28))
        self.title = QLabel(self.tr("Boxes"))
        self.title.setObjectName("panelTitle")
        title_row.addWidget(icon)
        title_row.addWidget(self.title)
        title_row.addStretch(1)
        outer.addLayout(title_row)
        self.scroll_area = QScrollArea()  # not self.scroll: that is QWidget.scroll()
        self.scroll_area.setObjectName("boxesScroll")
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.container = QWidget()
        self.container.setObjectName("boxesContainer")
        self.cards_layout = QVBoxLayout(self.container)
        self.cards_layout.setContentsMargins(0, 0, 0, 0)
        self.cards_layout.setSpacing(8)
        self.empty_label = QLabel(self.tr("No boxes yet. The first item scanned opens box 1."))
        self.empty_label.setObjectName("emptyHint")
        self.empty_label.setWordWrap(True)
        self.cards_layout.addWidget(self.empty_label)
        self.cards_layout.addStretch(1)
        self.scroll_area.setWidget(self.container)
        outer.addWidget(self.scroll_area, 1)
        self._boxes: tuple[BoxView, ...] = ()
        self.cards: list[BoxCard] = []
        # A card made and styled ahead, hidden, while the bench waits: the scan that opens a box then
        # only fills it in (making and styling a card on that scan cost ~2 ms, a p99 scan's share).
        self._spare: BoxCard | None = None
        QTimer.singleShot(0, self._make_spare)

    def render_view(self, boxes: Sequence[BoxView]) -> None:
        boxes = tuple(boxes)
        if boxes == self._boxes:
            return
        self._boxes = boxes
        # Every item scan changes the open box: update the cards in place and add or drop only the
        # difference (rebuilding every card on each scan cost ~15 ms plus their style polish).
        for card in self.cards[len(boxes) :]:
            self.cards_layout.removeWidget(card)
            card.deleteLater()
        del self.cards[len(boxes) :]
        self.empty_label.setVisible(not boxes)
        for index, box in enumerate(boxes):
            if index < len(self.cards):
                self.cards[index].show_box(box)
                continue
            card = self._take_card(box)
            self.cards_layout.insertWidget(1 + index, card)
            card.show()  # now, not on the layout's queued show: the screen is right after render_view()
            self.cards.append(card)
        self.title.setText(
            self.tr("Boxes (%1)").replace("%1", str(len(boxes))) if boxes else self.tr("Boxes")
        )
        if self.cards:
            # After the layout has placed the new cards (next event-loop turn), show the newest box.
            QTimer.singleShot(0, self._show_last_card)
        if self._spare is None:
            QTimer.singleShot(0, self._make_spare)

    def _take_card(self, box: BoxView) -> BoxCard:
        card, self._spare = self._spare, None
        if card is None or not shiboken6.isValid(card):
            return BoxCard(box, self.container)
        card.show_box(box)
        return card

    def _make_spare(self) -> None:
        if self._spare is not None or not shiboken6.isValid(self):
            return
        card = BoxCard(_SPARE, self.container)
        card.hide()
        card.ensurePolished()  # the style sheet applied now, not when a scan shows it
        self._spare = card

    def _show_last_card(self) -> None:
        """Keep a box that needs attention in view; otherwise the newest box."""
        failed = [card for card in self.cards if card.box.state is BoxState.FAILED]
        card = failed[0] if failed else (self.cards[-1] if self.cards else None)
        if card is not None and shiboken6.isValid(card):
            self.scroll_area.ensureWidgetVisible(card, 0, 0)
