"""A small picture of the last label printed, so the packer can check it is the right one."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage, QPainter, QPixmap, QResizeEvent
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QVBoxLayout, QWidget

from packstation.gui.resources import set_style_state


class LabelPreview(QFrame):
    """Shows PNG bytes scaled to fit; a broken or missing image shows words, never crashes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("labelPreview")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 8)
        layout.setSpacing(4)
        self.title = QLabel(self.tr("Last label"))
        self.title.setObjectName("panelTitle")
        self.image_label = QLabel()
        self.image_label.setObjectName("labelImage")
        self.image_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image_label.setWordWrap(True)  # longer words in other languages
        self.image_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.image_label.setMinimumSize(QSize(120, 160))
        # whose label this is: a packer must never take the previous order's label for this one's
        self.caption = QLabel()
        self.caption.setObjectName("labelCaption")
        self.caption.setWordWrap(True)
        self.caption.hide()
        layout.addWidget(self.title)
        layout.addWidget(self.caption)
        layout.addWidget(self.image_label, 1)
        self._png: bytes | None = None
        self._image = QImage()
        self._drawn: tuple[int, int, int, bool] | None = None  # what the pixmap shows now
        self._scaled_key: tuple[int, int, int] | None = None  # the picture and size _scaled was made for
        self._scaled = QImage()
        self.faded = False  # another order's label is drawn faint, so it is not taken for this order's
        self._show_text(self.tr("No label printed yet"))

    @property
    def has_image(self) -> bool:
        return not self._image.isNull()

    def set_caption(self, text: str, *, other_order: bool = False) -> None:
        """Names the order and box of the label shown; another order's label is marked and dimmed."""
        if self.caption.text() != text or self.caption.property("otherOrder") != other_order:
            self.caption.setText(text)
            set_style_state(self.caption, other_order, "otherOrder")
            self.caption.setVisible(bool(text))
            self.faded = other_order
            self._update_pixmap()

    def render_view(self, png: bytes) -> None:
        if png == self._png:
            return
        self._png = png
        self._image = QImage()
        if not png:
            self._show_text(self.tr("No label printed yet"))
            return
        image = QImage.fromData(png)  # format sniffed: the stub wants bytes, PySide6 a str
        if image.isNull():
            self._show_text(self.tr("Label preview not available\n(the label itself is not affected)"))
            return
        self._image = image
        self._update_pixmap()

    def _show_text(self, text: str) -> None:
        self._drawn = None
        self.image_label.setPixmap(QPixmap())
        self.image_label.setText(text)

    def _update_pixmap(self) -> None:
        if self._image.isNull():
            return
        size = self.image_label.size()
        if size.width() < 10 or size.height() < 10:
            size = QSize(200, 300)
        # Layout passes resize this widget often (a caption shown or hidden, the banner or the prompt
        # changing height); a smooth rescale of a 4x6 label costs a millisecond or two, so only a new
        # picture or a new *scaled* size redraws it. The preview's width is fixed, so a tall label keeps
        # its scaled size however the height changes.
        fitted = self._image.size().scaled(size, Qt.AspectRatioMode.KeepAspectRatio)
        key = (self._image.cacheKey(), fitted.width(), fitted.height(), self.faded)
        if key == self._drawn:
            return
        self._drawn = key
        if self._scaled_key != key[:3]:  # fading another order's label needs no new rescale
            self._scaled_key = key[:3]
            self._scaled = self._image.scaled(
                fitted, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation
            )
        scaled = self._scaled
        if self.faded:
            scaled = _faded(scaled)
        self.image_label.setText("")
        self.image_label.setPixmap(QPixmap.fromImage(scaled))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._update_pixmap()


def _faded(image: QImage) -> QImage:
    faded = QImage(image.size(), QImage.Format.Format_RGB32)
    faded.fill(Qt.GlobalColor.white)
    painter = QPainter(faded)
    painter.setOpacity(0.3)
    painter.drawImage(0, 0, image)
    painter.end()
    return faded
