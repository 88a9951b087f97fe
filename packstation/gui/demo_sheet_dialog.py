"""The demo's barcode sheet on screen: every order pick list, product barcode and command of the demo,
so a new user can scan through the demo with a real scanner (from the screen or from paper).

A pure view: it shows the PNG it is given; "Save as PDF…" calls ``save(path)`` (the same sheet
``packstation print-commands --demo --output FILE.pdf`` writes, for an office printer).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

PRINT_COMMAND = "packstation print-commands --demo"


class DemoSheetDialog(QDialog):
    def __init__(
        self,
        png: bytes,
        *,
        save: Callable[[str], str] | None = None,
        choose_path: Callable[[str], str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("demoSheetDialog")
        self.setWindowTitle(self.tr("Demo barcodes"))
        self._save = save
        self._choose_path = choose_path or self._ask_path
        layout = QVBoxLayout(self)
        intro = QLabel(
            self.tr(
                "Scan these with your scanner, from the screen or printed: first the badge or an order's "
                "pick list, then its products, then the commands. To print them on the bench printer run "
                "%1 (add --output sheet.pdf for an office printer)."
            ).replace("%1", PRINT_COMMAND)
        )
        intro.setObjectName("demoSheetIntro")
        intro.setWordWrap(True)
        intro.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(intro)
        self.image = QLabel()
        self.image.setObjectName("demoSheetImage")
        self.image.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        picture = QImage.fromData(png)
        if picture.isNull():
            self.image.setText(
                self.tr("The sheet could not be drawn. Run %1 instead.").replace("%1", PRINT_COMMAND)
            )
        else:
            self.image.setPixmap(QPixmap.fromImage(picture))
        scroller = QScrollArea()
        scroller.setWidget(self.image)
        scroller.setWidgetResizable(True)
        scroller.setStyleSheet("background: white;")
        layout.addWidget(scroller, 1)
        self.result_label = QLabel("")
        self.result_label.setObjectName("demoSheetResult")
        self.result_label.setWordWrap(True)
        layout.addWidget(self.result_label)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.save_button = QPushButton(self.tr("Save as PDF…"))
        self.save_button.setAutoDefault(False)
        self.save_button.setEnabled(save is not None)
        self.save_button.clicked.connect(self.save_pdf)
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        layout.addWidget(buttons)
        self.resize(max(picture.width() + 80, 720), 720)

    def save_pdf(self) -> None:
        if self._save is None:
            return
        path = self._choose_path("packstation-demo-barcodes.pdf")
        if not path:
            return
        try:
            self.result_label.setText(self._save(path))
        except Exception as exc:  # a folder that cannot be written: said, the dialog stays
            self.result_label.setText(str(exc))

    def _ask_path(self, name: str) -> str:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Save the demo barcodes"), name, "PDF (*.pdf)")
        return path
