"""The settings dialog for warehouse IT: API environment and site, token, printer, box types, sounds,
automatic box closing, packer name, the scanner, the scale and weights, packing slips and the "packed"
tracking event.

A pure view: it shows the snapshot it is given and calls back; it reads and writes nothing itself.

* ``on_save(values, token)``: ``values`` is a dict with the keys of the snapshot (``api_url``,
  ``site_id``, ``printer``, ``packer``, ``sounds``, ``auto_close_last_box``, ``default_box_type``,
  ``box_types`` as a list of ``{"code", "name", "length_mm", "width_mm", "height_mm"}``, ``language``,
  ``scale`` ("", "usb", "usb:VID:PID" or "manual"), ``require_weight``, ``manual_weight``,
  ``print_packing_slip``, ``receipt_printer``, ``document_printer``, ``publish_packed_event``,
  ``custom_event_type_id``,
  ``scanner`` ("wedge", or "serial:<port>" such as "serial:/dev/ttyACM0?baud=9600" or "serial:COM3"));
  ``token`` is the new API token, or None when the packer left the field empty (keep the stored one).
  The token is never shown back: the field says where this run's token comes from (the snapshot's
  ``token_source``: ``TokenSource``, e.g. "token from PACKSTATION_API_TOKEN"). The values are checked with the
  settings model's rules (``packstation.domain.settings``) first; a value that breaks one is explained
  and nothing is saved. If ``on_save`` raises ValueError, its message is shown and the dialog stays open.
* ``on_test_print(uri, role)``: test-print the printer of that ``PrinterRole`` (label, receipt or
  document printer: each has its own button); returns the result in words, or None when the result
  comes later through ``show_test_print_result(ok, text, role)`` (it must not block the GUI thread).
* ``list_printers()``: returns ``[(uri, description), ...]`` (e.g. what ``packstation printers`` finds).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from enum import StrEnum
from functools import partial
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from packstation.domain.setting_grammars import ScaleKind, ScannerKind
from packstation.domain.settings import (
    BOX_DIMENSIONS,
    PRINTER_ROLES,
    PRODUCTION_URL,
    STAGE_URL,
    PrinterRole,
    Problem,
    SettingsError,
    check_for_saving,
)
from packstation.gui.dialog_scans import mark_badge_field
from packstation.gui.resources import load_stylesheet, set_style_state

# The two Ingrid hosts (their URLs are the settings model's), named in the packer's language.
ENVIRONMENTS = (
    (QT_TRANSLATE_NOOP("SettingsDialog", "Production"), PRODUCTION_URL),
    (QT_TRANSLATE_NOOP("SettingsDialog", "Stage (testing)"), STAGE_URL),
)
CUSTOM = QT_TRANSLATE_NOOP("SettingsDialog", "Custom URL")
# Scale choices: (label, kind). "usb" plus ids in the field next to it makes "usb:VID:PID".
SCALES = (
    (QT_TRANSLATE_NOOP("SettingsDialog", "No scale"), ScaleKind.NONE.value),
    (QT_TRANSLATE_NOOP("SettingsDialog", "USB scale"), ScaleKind.USB.value),
    (QT_TRANSLATE_NOOP("SettingsDialog", "Type weights by hand"), ScaleKind.MANUAL.value),
)
# Scanner choices: (label, kind). "serial" plus the port in the field next to it makes "serial:<port>".
SCANNERS = (
    (QT_TRANSLATE_NOOP("SettingsDialog", "Keyboard wedge (USB scanner that types)"), ScannerKind.WEDGE.value),
    (QT_TRANSLATE_NOOP("SettingsDialog", "Serial port"), ScannerKind.SERIAL.value),
)
BOX_COLUMNS = ("Code", "Name", *(label for _key, label in BOX_DIMENSIONS))
_BOX_KEYS = ("code", "name", *(key for key, _label in BOX_DIMENSIONS))
# The model's rules whose explanation the dialog says in its own (translated) words.
_RULE_WORDS = {
    "scale_ids": QT_TRANSLATE_NOOP(
        "SettingsDialog", "Scale ids are hex numbers like 0922:8003 (vendor:product)."
    ),
    "scanner_no_port": QT_TRANSLATE_NOOP(
        "SettingsDialog", "Give the serial scanner's port, like /dev/ttyACM0 or COM3."
    ),
    "event_type_missing": QT_TRANSLATE_NOOP(
        "SettingsDialog", "Give the custom event type id for the packed tracking event."
    ),
}


class TokenSource(StrEnum):
    """Where this run's API token comes from (the snapshot's ``token_source``)."""

    ENVIRONMENT = "environment"  # PACKSTATION_API_TOKEN, which wins over a stored token
    STORED = "stored"  # the OS keyring or the 0600 token file
    DEMO = "demo"
    NONE = "none"


_FIELD_NAMES = {
    "printer": "Printer URI",
    "receipt_printer": "Receipt printer URI",
    "document_printer": "Document printer",
}
# Each printer role's row in the Printers group: the field's name, its hint, its test button.
_ROLE_FIELDS = {
    PrinterRole.LABEL: QT_TRANSLATE_NOOP("SettingsDialog", "Printer URI"),
    PrinterRole.RECEIPT: QT_TRANSLATE_NOOP("SettingsDialog", "Receipt printer URI"),
    PrinterRole.DOCUMENT: QT_TRANSLATE_NOOP("SettingsDialog", "Document printer"),
}
_ROLE_PLACEHOLDERS = {
    PrinterRole.LABEL: QT_TRANSLATE_NOOP(
        "SettingsDialog", "usb:0x0a5f:0x0164, tcp://10.0.0.7:9100, cups:Zebra, file:/tmp/labels.bin, preview"
    ),
    PrinterRole.RECEIPT: QT_TRANSLATE_NOOP(
        "SettingsDialog", "empty: the label printer, if it prints ESC/POS"
    ),
    PrinterRole.DOCUMENT: QT_TRANSLATE_NOOP(
        "SettingsDialog", "empty: none; an A4/Letter office printer: cups:QUEUE or win32:PRINTER NAME"
    ),
}
_ROLE_TEST_BUTTONS = {
    PrinterRole.LABEL: QT_TRANSLATE_NOOP("SettingsDialog", "Print test label"),
    PrinterRole.RECEIPT: QT_TRANSLATE_NOOP("SettingsDialog", "Print test receipt"),
    PrinterRole.DOCUMENT: QT_TRANSLATE_NOOP("SettingsDialog", "Print test page"),
}


class SettingsDialog(QDialog):
    def __init__(
        self,
        config_snapshot: Mapping[str, Any],
        *,
        on_save: Callable[[dict[str, Any], str | None], None],
        on_test_print: Callable[[str, PrinterRole], str | None],
        list_printers: Callable[[], Iterable[tuple[str, str]]],
        languages: Iterable[tuple[str, str]] = (("en", "English"), ("sv", "Svenska")),
        demo: bool = False,
        parent: QWidget | None = None,
        on_import_catalogue: Callable[[str, bool], str] | None = None,
        catalogue_words: str = "",
    ) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        # The Catalogue tab: import(path, merge) -> a sentence, or ValueError naming the bad lines.
        self._on_import_catalogue = on_import_catalogue
        self._catalogue_words = catalogue_words
        self.setWindowTitle(self.tr("packstation settings"))
        self.setStyleSheet(load_stylesheet())
        self._snapshot = dict(config_snapshot)
        self._on_save = on_save
        self._on_test_print = on_test_print
        self._list_printers = list_printers
        self._languages = list(languages)  # (code, name): English plus every translation found

        self.demo = demo
        layout = QVBoxLayout(self)
        if demo:  # said before anyone types: in the demo nothing is kept
            self.demo_label = QLabel(self.demo_notice())
            self.demo_label.setObjectName("demoNotice")
            self.demo_label.setStyleSheet(
                "background: #fef3c7; color: #92400e; font-weight: bold; padding: 6px; border-radius: 6px;"
            )
            self.demo_label.setWordWrap(True)
            layout.addWidget(self.demo_label)
        # Tabs, each scrolling on its own: the dialog fits a 1366x768 bench monitor with Save in sight.
        self.tabs = QTabWidget()
        self.tabs.setObjectName("settingsTabs")
        self._add_tab(self.tr("Connection and printer"), self._build_api_group(), self._build_printer_group())
        self._add_tab(self.tr("Box types"), self._build_boxes_group())
        self._add_tab(self.tr("This bench"), self._build_station_group())
        self._add_tab(self.tr("Weighing, slips, tracking"), self._build_shift_group())
        if on_import_catalogue is not None:
            self._add_tab(self.tr("Catalogue"), self._build_catalogue_group())
        layout.addWidget(self.tabs, 1)
        self.error_label = QLabel("")
        self.error_label.setObjectName("saveError")
        self.error_label.setStyleSheet("color: #b91c1c; font-weight: bold;")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        layout.addWidget(self.error_label)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        for button in self.findChildren(QPushButton):
            # A focused "Refresh list" or "Print test label" must not take Enter from Save.
            button.setAutoDefault(False)
        save_button.setDefault(True)  # Enter saves (a scanner's Enter never gets here: scans are swallowed)
        save_button.setToolTip(self.tr("Save (Enter)"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setToolTip(self.tr("Cancel (Esc)"))
        layout.addWidget(self.buttons)
        self.refresh_printers()
        self._fit_screen()

    def _add_tab(self, title: str, *groups: QWidget) -> None:
        page = QWidget()
        column = QVBoxLayout(page)
        for group in groups:
            column.addWidget(group)
        column.addStretch(1)
        scroller = QScrollArea()
        scroller.setWidgetResizable(True)
        scroller.setFrameShape(QFrame.Shape.NoFrame)
        scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # forms reflow instead
        scroller.setWidget(page)
        self.tabs.addTab(scroller, title)

    def _fit_screen(self) -> None:
        """Open at the size every tab needs, but no taller or wider than the screen (a tab scrolls)."""
        parent = self.parentWidget()
        screen = parent.screen() if parent is not None else self.screen()
        if screen is None:
            return
        available = screen.availableGeometry()
        self.fit_to(available.width(), available.height())

    def fit_to(self, screen_width: int, screen_height: int) -> None:
        """The size for a screen of that (available) size: each tab's page whole when it fits."""
        hint = self.sizeHint()
        pages = [self.tabs.widget(i) for i in range(self.tabs.count())]
        inner = [p.widget() for p in pages if isinstance(p, QScrollArea)]
        contents = [w.sizeHint() for w in inner if w is not None]
        widest = max((size.width() for size in contents), default=0)
        tallest = max((size.height() for size in contents), default=0)
        chrome = hint.height() - self.tabs.sizeHint().height()  # notice, error line, buttons
        width = max(hint.width(), widest + 100, 760)
        height = max(hint.height(), tallest + chrome + 60)
        self.resize(min(width, screen_width - 40), min(height, screen_height - 60))

    # -- building ------------------------------------------------------------------------------

    def _build_api_group(self) -> QGroupBox:
        group = QGroupBox(self.tr("Ingrid API"))
        form = QFormLayout(group)
        self.environment = QComboBox()
        for name, url in ENVIRONMENTS:
            self.environment.addItem(f"{self.tr(str(name))}: {url}", url)
        self.environment.addItem(self.tr(str(CUSTOM)), "")
        self.custom_url = QLineEdit()
        self.custom_url.setPlaceholderText(self.tr("https://…"))
        api_url = str(self._snapshot.get("api_url", ENVIRONMENTS[1][1]))
        index = self.environment.findData(api_url)
        if index < 0:
            index = self.environment.count() - 1
            self.custom_url.setText(api_url)
        self.environment.setCurrentIndex(index)
        self.environment.currentIndexChanged.connect(self._update_custom_url)
        self._update_custom_url()
        self.site_id = QLineEdit(str(self._snapshot.get("site_id", "")))
        self.token = QLineEdit()
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setObjectName("tokenField")
        self.token.setPlaceholderText(self.token_words(self._snapshot))
        form.addRow(self.tr("Environment"), self.environment)
        form.addRow(self.tr("Custom URL"), self.custom_url)
        form.addRow(self.tr("Site id"), self.site_id)
        form.addRow(self.tr("API token"), self.token)
        return group

    def _build_printer_group(self) -> QGroupBox:
        """The bench's printers, one row each with its own test print: the label printer (with the list of
        printers found), the receipt printer and the document printer (an OS queue for A4/Letter PDFs)."""
        group = QGroupBox(self.tr("Printers"))
        form = QFormLayout(group)
        self.role_uri: dict[PrinterRole, QLineEdit] = {}
        self.test_buttons: dict[PrinterRole, QPushButton] = {}
        self.test_results: dict[PrinterRole, QLabel] = {}
        self.printer_list = QComboBox()
        self.printer_list.activated.connect(self._pick_printer)
        refresh = QPushButton(self.tr("Refresh list"))
        refresh.clicked.connect(self.refresh_printers)
        pick_row = QHBoxLayout()
        pick_row.addWidget(self.printer_list, 1)
        pick_row.addWidget(refresh)
        for role in PrinterRole:
            key = PRINTER_ROLES[role]
            field = QLineEdit(str(self._snapshot.get(key, "") or ""))
            field.setObjectName(f"{role.value}PrinterUri")
            field.setPlaceholderText(self.tr(str(_ROLE_PLACEHOLDERS[role])))
            button = QPushButton(self.tr(str(_ROLE_TEST_BUTTONS[role])))
            button.setObjectName(f"{role.value}TestPrint")
            button.clicked.connect(partial(self.test_print, role))
            result = QLabel("")
            result.setObjectName(
                "testPrintResult" if role is PrinterRole.LABEL else f"{role.value}TestResult"
            )
            result.setWordWrap(True)
            test_row = QHBoxLayout()
            test_row.addWidget(button)
            test_row.addWidget(result, 1)
            self.role_uri[role], self.test_buttons[role], self.test_results[role] = field, button, result
            form.addRow(self.tr(str(_ROLE_FIELDS[role])), field)
            if role is PrinterRole.LABEL:
                form.addRow(self.tr("Found"), pick_row)
            form.addRow("", test_row)
        # the label printer's widgets under their long-standing names
        self.printer_uri = self.role_uri[PrinterRole.LABEL]
        self.receipt_printer = self.role_uri[PrinterRole.RECEIPT]
        self.document_printer = self.role_uri[PrinterRole.DOCUMENT]
        self.test_print_button = self.test_buttons[PrinterRole.LABEL]
        self.test_print_result = self.test_results[PrinterRole.LABEL]
        return group

    def _build_boxes_group(self) -> QGroupBox:
        group = QGroupBox(self.tr("Box types (scan BOX:<code> to close a box as that type)"))
        column = QVBoxLayout(group)
        self.box_table = QTableWidget(0, len(BOX_COLUMNS))
        self.box_table.setHorizontalHeaderLabels(list(BOX_COLUMNS))
        self.box_table.verticalHeader().hide()
        self.box_table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.box_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.box_table.setMinimumHeight(150)
        for box in self._snapshot.get("box_types", ()) or ():
            self._add_box_row(box)
        add = QPushButton(self.tr("Add box type"))
        add.clicked.connect(lambda: self._add_box_row({}))
        remove = QPushButton(self.tr("Remove selected"))
        remove.clicked.connect(self._remove_selected_boxes)
        self.default_box_type = QLineEdit(str(self._snapshot.get("default_box_type", "")))
        self.default_box_type.setMaximumWidth(120)
        row = QHBoxLayout()
        row.addWidget(add)
        row.addWidget(remove)
        row.addStretch(1)
        row.addWidget(QLabel(self.tr("Default for CMD:CLOSE-BOX:")))
        row.addWidget(self.default_box_type)
        column.addWidget(self.box_table)
        column.addLayout(row)
        return group

    def _build_station_group(self) -> QGroupBox:
        group = QGroupBox(self.tr("This bench"))
        form = QFormLayout(group)
        self.packer = QLineEdit(str(self._snapshot.get("packer", "")))
        self.packer.setPlaceholderText(self.tr("or scan a badge (USER:<name>)"))
        mark_badge_field(self.packer)  # a badge scanned while this field has the focus fills it
        self.sounds = QCheckBox(self.tr("Play a sound for good and wrong scans"))
        self.sounds.setChecked(bool(self._snapshot.get("sounds", True)))
        self.auto_close = QCheckBox(self.tr("Close the box by itself when the last item is scanned"))
        self.auto_close.setChecked(bool(self._snapshot.get("auto_close_last_box", True)))
        self.language = QComboBox()
        for code, name in self._languages:
            self.language.addItem(name, code)
        current = self.language.findData(self._snapshot.get("language", "en"))
        self.language.setCurrentIndex(max(current, 0))
        self.scanner = QComboBox()
        for label, value in SCANNERS:
            self.scanner.addItem(self.tr(str(label)), value)
        scanner = str(self._snapshot.get("scanner", "wedge") or "wedge").strip()
        kind, colon, port = scanner.partition(":")
        self.scanner.setCurrentIndex(max(self.scanner.findData(kind.lower() if colon else "wedge"), 0))
        self.scanner_port = QLineEdit(port)
        self.scanner_port.setPlaceholderText(self.tr("/dev/ttyACM0 or COM3 (add ?baud=9600 if needed)"))
        self.scanner.currentIndexChanged.connect(self._update_scanner_port)
        self._update_scanner_port()
        scanner_row = QHBoxLayout()
        scanner_row.addWidget(self.scanner, 1)
        scanner_row.addWidget(self.scanner_port, 1)
        form.addRow(self.tr("Packer"), self.packer)
        form.addRow(self.tr("Language"), self.language)
        form.addRow(self.tr("Scanner"), scanner_row)
        form.addRow("", self.sounds)
        form.addRow("", self.auto_close)
        return group

    def _build_shift_group(self) -> QGroupBox:
        group = QGroupBox(self.tr("Weighing, packing slips, tracking"))
        form = QFormLayout(group)
        self.scale = QComboBox()
        for label, value in SCALES:
            self.scale.addItem(self.tr(str(label)), value)
        scale = str(self._snapshot.get("scale", "") or "").strip()
        kind, _, ids = scale.partition(":")
        self.scale.setCurrentIndex(max(self.scale.findData(kind.lower()), 0))
        self.scale_ids = QLineEdit(ids)
        self.scale_ids.setPlaceholderText(self.tr("vendor:product in hex, e.g. 0922:8003 (empty: any)"))
        scale_row = QHBoxLayout()
        scale_row.addWidget(self.scale, 1)
        scale_row.addWidget(self.scale_ids, 1)
        self.require_weight = QCheckBox(self.tr("A box closes only with a steady weight"))
        self.require_weight.setChecked(bool(self._snapshot.get("require_weight", True)))
        self.manual_weight = QCheckBox(self.tr("Allow typed weights (W:1.25kg) when the scale fails"))
        self.manual_weight.setChecked(bool(self._snapshot.get("manual_weight", True)))
        self.scale.currentIndexChanged.connect(self._update_scale_fields)
        self._update_scale_fields()
        self.print_slip = QCheckBox(self.tr("Print a packing slip for each packed order"))
        self.print_slip.setChecked(bool(self._snapshot.get("print_packing_slip", False)))
        self.publish_event = QCheckBox(self.tr('Publish a "packed" tracking event when an order is packed'))
        self.publish_event.setChecked(bool(self._snapshot.get("publish_packed_event", False)))
        self.event_type = QLineEdit(str(self._snapshot.get("custom_event_type_id", "packed") or ""))
        form.addRow(self.tr("Scale"), scale_row)
        form.addRow("", self.require_weight)
        form.addRow("", self.manual_weight)
        form.addRow("", self.print_slip)
        form.addRow("", self.publish_event)
        form.addRow(self.tr("Custom event type id"), self.event_type)
        return group

    def _build_catalogue_group(self) -> QGroupBox:
        group = QGroupBox(self.tr("Product catalogue (barcode → SKU)"))
        column = QVBoxLayout(group)
        self.catalogue_state = QLabel(self._catalogue_words)
        self.catalogue_state.setObjectName("catalogueState")
        self.catalogue_state.setWordWrap(True)
        about = QLabel(
            self.tr(
                "Import the merchant's ERP/WMS export: CSV with a header row, or JSON lines, with the "
                "columns barcode, sku and optionally name, units, weight_g. The whole file is checked "
                "first: a bad row is named by its line and nothing changes. It applies at once."
            )
        )
        about.setWordWrap(True)
        self.catalogue_replace = QRadioButton(self.tr("Replace: the file is the whole catalogue"))
        self.catalogue_merge = QRadioButton(self.tr("Merge: add and update rows, remove none"))
        self.catalogue_replace.setChecked(True)
        mode = QButtonGroup(group)
        mode.addButton(self.catalogue_replace)
        mode.addButton(self.catalogue_merge)
        self.catalogue_import_button = QPushButton(self.tr("Import a catalogue file…"))
        self.catalogue_import_button.setObjectName("catalogueImport")
        self.catalogue_import_button.clicked.connect(self.import_catalogue)
        row = QHBoxLayout()
        row.addWidget(self.catalogue_import_button)
        row.addStretch(1)
        self.catalogue_result = QLabel("")
        self.catalogue_result.setObjectName("catalogueResult")
        self.catalogue_result.setWordWrap(True)
        self.catalogue_problems = QPlainTextEdit()
        self.catalogue_problems.setObjectName("catalogueProblems")
        self.catalogue_problems.setReadOnly(True)
        self.catalogue_problems.setMaximumHeight(160)
        self.catalogue_problems.hide()
        for widget in (self.catalogue_state, about, self.catalogue_replace, self.catalogue_merge):
            column.addWidget(widget)
        column.addLayout(row)
        column.addWidget(self.catalogue_result)
        column.addWidget(self.catalogue_problems)
        return group

    def choose_catalogue_file(self) -> str:
        """The file the person picks (tests replace this method: the file dialog is the OS's business)."""
        path, _ = QFileDialog.getOpenFileName(
            self,
            self.tr("Import a catalogue file"),
            "",
            self.tr("Catalogue files (*.csv *.jsonl *.json *.txt);;All files (*)"),
        )
        return path

    def import_catalogue(self) -> None:
        """Import the chosen file through the station's import (the one ``packstation catalogue import``
        uses); the result, or each bad line, is shown here. Not part of Save: it applies at once."""
        if self._on_import_catalogue is None:
            return
        path = self.choose_catalogue_file()
        if not path:
            return
        try:
            sentence = self._on_import_catalogue(path, self.catalogue_merge.isChecked())
        except ValueError as exc:
            first, _, rest = str(exc).partition("\n")
            self.catalogue_result.setText(first)
            set_style_state(self.catalogue_result, "error")
            self.catalogue_problems.setPlainText(rest)
            self.catalogue_problems.setVisible(bool(rest))
            return
        self.catalogue_result.setText(sentence)
        set_style_state(self.catalogue_result, "ok")
        self.catalogue_problems.clear()
        self.catalogue_problems.hide()

    # -- behaviour -----------------------------------------------------------------------------

    def _update_scanner_port(self) -> None:
        self.scanner_port.setEnabled(self.scanner.currentData() == ScannerKind.SERIAL)

    def scanner_setting(self) -> str:
        """The ``scanner`` value the two fields make (checked by the settings model in ``values``)."""
        if self.scanner.currentData() != ScannerKind.SERIAL:
            return ScannerKind.WEDGE.value
        port = self.scanner_port.text().strip()
        if port.lower().startswith("serial:"):  # pasted as the whole setting
            port = port[len("serial:") :].strip()
        return f"serial:{port}"

    def _update_scale_fields(self) -> None:
        kind = self.scale.currentData()
        self.scale_ids.setEnabled(kind == ScaleKind.USB)
        self.require_weight.setEnabled(bool(kind))
        self.manual_weight.setEnabled(kind == ScaleKind.USB)

    def scale_setting(self) -> str:
        """The ``scale`` value the two fields make (checked by the settings model in ``values``)."""
        kind = str(self.scale.currentData() or "")
        ids = self.scale_ids.text().strip()
        if kind != ScaleKind.USB or not ids:
            return kind
        return f"usb:{ids.lower()}"

    def _update_custom_url(self) -> None:
        self.custom_url.setEnabled(self.environment.currentData() == "")

    def _add_box_row(self, box: Mapping[str, Any] | Any) -> None:
        row = self.box_table.rowCount()
        self.box_table.insertRow(row)
        for column, key in enumerate(_BOX_KEYS):
            value = box.get(key, "") if isinstance(box, Mapping) else getattr(box, key, "")
            self.box_table.setItem(row, column, QTableWidgetItem(str(value)))

    def _remove_selected_boxes(self) -> None:
        for row in sorted({index.row() for index in self.box_table.selectedIndexes()}, reverse=True):
            self.box_table.removeRow(row)

    def refresh_printers(self) -> None:
        self.printer_list.clear()
        try:
            printers = list(self._list_printers())
        except Exception as exc:  # a device scan failing must not break the dialog
            self.printer_list.addItem(f"Could not list printers: {exc}", "")
            return
        if not printers:
            self.printer_list.addItem(self.tr("No printers found (check the cable and power)"), "")
            return
        self.printer_list.addItem(self.tr("Choose a printer found on this computer…"), "")
        for uri, description in printers:
            self.printer_list.addItem(f"{description}  ({uri})" if description else uri, uri)

    def _pick_printer(self, index: int) -> None:
        uri = self.printer_list.itemData(index)
        if uri:
            self.printer_uri.setText(uri)

    def test_print(self, role: PrinterRole = PrinterRole.LABEL) -> None:
        """Test-print the printer of ``role`` as its field says now (saved or not)."""
        uri = self.role_uri[role].text().strip()
        if not uri:
            self.show_test_print_result(False, self.tr("Enter or choose a printer first."), role)
            return
        sending = (
            self.tr("Sending a test page…")
            if role is PrinterRole.DOCUMENT
            else self.tr("Sending a test label…")
        )
        self.show_test_print_result(None, sending, role)
        try:
            result = self._on_test_print(uri, role)
        except Exception as exc:
            self.show_test_print_result(False, f"Test print failed: {exc}", role)
            return
        if result is not None:
            self.show_test_print_result(True, str(result), role)

    def show_test_print_result(
        self, ok: bool | None, text: str, role: PrinterRole = PrinterRole.LABEL
    ) -> None:
        """Show how the test print of ``role``'s printer went (call on the GUI thread, e.g. through a
        signal)."""
        label = self.test_results[role]
        label.setText(text)
        set_style_state(label, "" if ok is None else ("ok" if ok else "bad"))

    def box_types(self) -> list[dict[str, str]]:
        """The box-type rows as typed (blank rows left out); the settings model checks them."""
        boxes: list[dict[str, str]] = []
        for row in range(self.box_table.rowCount()):
            cells = [self._cell(row, column) for column in range(len(_BOX_KEYS))]
            if any(cells):
                boxes.append(dict(zip(_BOX_KEYS, cells, strict=True)))
        return boxes

    def _cell(self, row: int, column: int) -> str:
        item = self.box_table.item(row, column)
        return item.text().strip() if item is not None else ""

    def values(self) -> dict[str, Any]:
        """What the dialog would save (without the token), checked and normalised by the settings
        model; raises ValueError explaining the first value that breaks a rule."""
        chosen = {
            "api_url": self.environment.currentData() or self.custom_url.text().strip(),
            "site_id": self.site_id.text().strip(),
            "printer": self.printer_uri.text().strip(),
            "packer": self.packer.text().strip(),
            "sounds": self.sounds.isChecked(),
            "language": self.language.currentData() or "en",
            "auto_close_last_box": self.auto_close.isChecked(),
            "default_box_type": self.default_box_type.text().strip(),
            "box_types": self.box_types(),
            "scale": self.scale_setting(),
            "require_weight": self.require_weight.isChecked(),
            "manual_weight": self.manual_weight.isChecked(),
            "print_packing_slip": self.print_slip.isChecked(),
            "receipt_printer": self.receipt_printer.text().strip(),
            "document_printer": self.document_printer.text().strip(),
            "publish_packed_event": self.publish_event.isChecked(),
            "custom_event_type_id": self.event_type.text().strip(),
            "scanner": self.scanner_setting(),
        }
        try:
            return check_for_saving(chosen)
        except SettingsError as exc:
            raise ValueError(self._explain(exc.problems[0])) from None

    @staticmethod
    def _explain(problem: Problem) -> str:
        if problem.code in _RULE_WORDS:
            return QCoreApplication.translate("SettingsDialog", str(_RULE_WORDS[problem.code]))
        if problem.key == "api_url":
            return "The custom API URL must start with https://"
        field = _FIELD_NAMES.get(problem.key)
        return f"{field}: {problem.message}" if field else problem.message

    @staticmethod
    def token_words(snapshot: Mapping[str, Any]) -> str:
        """Where this run's token comes from, in words (the token itself is never shown)."""
        source = snapshot.get("token_source")
        if source is None:
            source = TokenSource.STORED if snapshot.get("token_stored") else TokenSource.NONE
        # Spelled out (not through an alias) so that pyside6-lupdate collects them.
        words = {
            TokenSource.ENVIRONMENT: QCoreApplication.translate(
                "SettingsDialog",
                "token from PACKSTATION_API_TOKEN (this run's environment; it wins over a stored token)",
            ),
            TokenSource.STORED: QCoreApplication.translate(
                "SettingsDialog", "token stored (type a new one to replace it)"
            ),
            TokenSource.DEMO: QCoreApplication.translate(
                "SettingsDialog", "the demo's own token (nothing to enter)"
            ),
            TokenSource.NONE: QCoreApplication.translate(
                "SettingsDialog", "no token stored: paste the API token"
            ),
        }
        return words.get(TokenSource(source), words[TokenSource.NONE])

    @staticmethod
    def demo_notice() -> str:
        return QCoreApplication.translate(
            "SettingsDialog",
            "This is the demo: settings are not saved. Start packstation without --demo to set up "
            "this station.",
        )

    def save(self) -> None:
        try:
            if self.demo:
                raise ValueError(self.demo_notice())
            values = self.values()
            token = self.token.text().strip() or None
            self._on_save(values, token)
        except ValueError as exc:
            self.error_label.setText(str(exc))
            self.error_label.show()
            return
        self.token.clear()  # the token does not linger in the widget
        self.accept()


def confirm_restart(parent: QWidget | None) -> bool:
    """After a save: new settings take effect at a restart. True when the packer chose "Restart now"."""
    box = QMessageBox(parent)
    box.setObjectName("restartQuestion")
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(QCoreApplication.translate("SettingsDialog", "Settings saved"))
    box.setText(
        QCoreApplication.translate(
            "SettingsDialog",
            "Settings saved. They take effect when packstation restarts; nothing is lost (open orders, "
            "boxes and labels waiting to print are kept).",
        )
    )
    restart = box.addButton(
        QCoreApplication.translate("SettingsDialog", "Restart now"), QMessageBox.ButtonRole.AcceptRole
    )
    later = box.addButton(
        QCoreApplication.translate("SettingsDialog", "Later"), QMessageBox.ButtonRole.RejectRole
    )
    box.setDefaultButton(later)  # a stray Enter from a scanner must not restart the station
    box.exec()
    return box.clickedButton() is restart
