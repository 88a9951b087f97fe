"""The end-of-day dialog: book the carrier pickups of the day's parcels, watch them go out, then print or
export the pickup manifest.

It talks only to an ``EndOfDayPort`` (``packstation.domain.end_of_day``). The pickups travel through the
outbox in the background; the dialog polls the progress with a timer (one small SQLite read), so it
never waits on the network and can be closed at any time: the pickups keep going, and opening it again
continues the same end of day.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QDate, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from packstation.domain.end_of_day import EndOfDayPort, PickupProgress

# (title, suggested file name, filter) -> chosen path or None; tests hand in their own
ChoosePath = Callable[[str, str, str], str | None]


class EndOfDayDialog(QDialog):
    def __init__(
        self,
        service: EndOfDayPort,
        *,
        choose_path: ChoosePath | None = None,
        poll_ms: int = 300,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self._choose_path = choose_path or self._ask_path
        self._output_made = False
        self.setObjectName("endOfDayDialog")
        self.setWindowTitle(self.tr("End of day"))
        self.setMinimumWidth(560)

        layout = QVBoxLayout(self)
        intro = QLabel(
            self.tr(
                "Books the carrier pickup for every parcel packed here that has not been handed over yet, "
                "then prints the pickup manifest for the driver."
            )
        )
        intro.setWordWrap(True)
        self.candidates_label = QLabel()
        self.candidates_label.setObjectName("eodCandidates")
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("eodProgress")
        self.progress_bar.setMinimumHeight(28)
        self.status_label = QLabel()
        self.status_label.setObjectName("eodStatus")
        self.status_label.setWordWrap(True)
        self.result_label = QLabel()
        self.result_label.setObjectName("eodResult")
        self.result_label.setWordWrap(True)

        self.start_button = QPushButton(self.tr("Book pickups"))
        self.print_button = QPushButton(self.tr("Print manifest"))
        self.csv_button = QPushButton(self.tr("Export CSV…"))
        self.pdf_button = QPushButton(self.tr("Export PDF…"))
        self.close_button = QPushButton(self.tr("Close"))
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.start)
        self.print_button.clicked.connect(lambda: self._output(self.service.print_manifest))
        self.csv_button.clicked.connect(lambda: self._export("csv"))
        self.pdf_button.clicked.connect(lambda: self._export("pdf"))
        self.close_button.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        for button in (self.start_button, self.print_button, self.csv_button, self.pdf_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)

        for widget in (intro, self.candidates_label, self.progress_bar, self.status_label, self.result_label):
            layout.addWidget(widget)
        layout.addLayout(buttons)

        self.timer = QTimer(self)
        self.timer.setInterval(poll_ms)
        self.timer.timeout.connect(self.refresh)
        self.progress = PickupProgress(None, 0, 0)
        self.refresh()
        if self.progress.run_id is not None and not self.progress.complete:
            self.timer.start()  # an end of day already under way: keep showing it

    # -- actions ------------------------------------------------------------------------------------

    def start(self) -> None:
        self.progress = self.service.start()
        self.timer.start()
        self.refresh()

    def refresh(self) -> None:
        self.progress = progress = self.service.progress()
        waiting = self.service.candidates()
        if waiting:
            self.candidates_label.setText(
                self.tr("%n parcel(s) not handed over yet.").replace("%n", str(waiting))
                if progress.run_id is None
                else self.tr("%n more parcel(s) were booked since; Book pickups adds them.").replace(
                    "%n", str(waiting)
                )
            )
        else:
            self.candidates_label.setText(
                "" if progress.run_id else self.tr("No parcels are waiting for a pickup.")
            )
        self.progress_bar.setRange(0, max(progress.total, 1))
        self.progress_bar.setValue(progress.handed_over if progress.total else (1 if progress.run_id else 0))
        self.progress_bar.setFormat(
            self.tr("%1 of %2 pickups booked")
            .replace("%1", str(progress.handed_over))
            .replace("%2", str(progress.total))
        )
        if progress.run_id is None:
            self.status_label.setText("")
        elif progress.stuck:
            self.status_label.setText(
                self.tr("Ingrid refused these pickups; check them in Ingrid:")
                + "\n"
                + "\n".join(progress.attention)
            )
        elif progress.complete:
            self.status_label.setText(self.tr("All pickups are booked. Print or export the manifest."))
        else:
            self.status_label.setText(
                self.tr("Booking pickups… This continues in the background if you close this window.")
            )
        ready = progress.run_id is not None and progress.complete
        self.start_button.setEnabled(progress.run_id is None or bool(waiting))
        for button in (self.print_button, self.csv_button, self.pdf_button):
            button.setEnabled(ready)
        if ready and not waiting:
            self.timer.stop()

    def _export(self, kind: str) -> None:
        name = f"manifest-{QDate.currentDate().toString('yyyy-MM-dd')}.{kind}"
        title = self.tr("Save the manifest as CSV") if kind == "csv" else self.tr("Save the manifest as PDF")
        path = self._choose_path(title, name, "CSV (*.csv)" if kind == "csv" else "PDF (*.pdf)")
        if not path:
            return
        save = self.service.export_csv if kind == "csv" else self.service.export_pdf
        self._output(lambda: save(path))

    def _output(self, action: Callable[[], str]) -> None:
        try:
            message = action()
        except OSError as exc:
            message = self.tr("Could not save the manifest: %1").replace("%1", exc.strerror or str(exc))
        else:
            self._output_made = True
        self.result_label.setText(message)

    def _ask_path(self, title: str, name: str, file_filter: str) -> str | None:
        path, _ = QFileDialog.getSaveFileName(self, title, name, file_filter)
        return path or None

    def done(self, result: int) -> None:
        self.timer.stop()
        if self._output_made and self.progress.complete:
            self.service.finish()  # the next end of day starts a new manifest
        super().done(result)
