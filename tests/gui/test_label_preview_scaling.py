"""The last label's picture is smooth-scaled once per picture and scaled size (issue 18 item 4): the
window's layout changes the preview's height with almost every scan, and a tall label held by the
preview's fixed width keeps its scaled size however tall the space is."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSize

from packstation.domain.labelgen import make_label
from packstation.gui.label_preview import LabelPreview

pytestmark = pytest.mark.gui


def test_a_change_of_height_alone_does_not_rescale_a_label_held_by_the_width(qtbot):
    preview = LabelPreview()
    qtbot.addWidget(preview)
    preview.resize(QSize(210, 500))
    preview.show()
    qtbot.waitExposed(preview)
    preview.render_view(make_label("png", tracking_number="00033333333000139047", dpi=100))
    shown = preview.image_label.pixmap().cacheKey()
    scaled = preview._scaled.cacheKey()
    for height in (520, 480, 700, 460):  # still taller than the width-bound picture needs
        preview.resize(QSize(210, height))
        preview.layout().activate()  # as the window's layout pass would
        assert preview.image_label.height() > 300
    assert preview._scaled.cacheKey() == scaled
    assert preview.image_label.pixmap().cacheKey() == shown

    preview.resize(QSize(210, 230))  # now the height binds: a smaller picture
    preview.layout().activate()
    assert preview._scaled.cacheKey() != scaled
    assert preview._scaled.height() <= preview.image_label.height()
