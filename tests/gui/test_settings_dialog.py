"""The settings dialog shows a snapshot and hands back what was edited; the token is never shown."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit

from packstation.domain.settings import PrinterRole
from packstation.gui.settings_dialog import SettingsDialog

pytestmark = pytest.mark.gui

SNAPSHOT = {
    "api_url": "https://api-stage.ingrid.com",
    "site_id": "site-7",
    "printer": "tcp://10.0.0.7:9100",
    "packer": "Anna",
    "sounds": True,
    "language": "en",
    "auto_close_last_box": True,
    "default_box_type": "M",
    "box_types": [
        {"code": "S", "name": "Small", "length_mm": 200, "width_mm": 150, "height_mm": 100},
        {"code": "M", "name": "Medium", "length_mm": 300, "width_mm": 200, "height_mm": 150},
    ],
    "scale": "usb:0922:8003",
    "require_weight": True,
    "manual_weight": False,
    "print_packing_slip": True,
    "receipt_printer": "usb:04b8:0202",
    "document_printer": "cups:Office_A4",
    "publish_packed_event": True,
    "custom_event_type_id": "packed-at-bench",
    "scanner": "serial:/dev/ttyACM0?baud=19200",
    "token_stored": True,
}


class Calls:
    def __init__(self, test_print_result: str | None = "Test label printed.") -> None:
        self.saved: list[tuple[dict, str | None]] = []
        self.test_prints: list[str] = []
        self.roles_tested: list[tuple[PrinterRole, str]] = []
        self.test_print_result = test_print_result

    def on_save(self, values, token):
        self.saved.append((values, token))

    def on_test_print(self, uri, role):
        self.test_prints.append(uri)
        self.roles_tested.append((role, uri))
        return self.test_print_result

    @staticmethod
    def list_printers():
        return [("usb:0x0a5f:0x0164", "Zebra ZD421"), ("file:/tmp/labels.bin", "File (testing)")]


def make_dialog(qtbot, snapshot=SNAPSHOT, calls=None):
    calls = calls or Calls()
    dialog = SettingsDialog(
        snapshot, on_save=calls.on_save, on_test_print=calls.on_test_print, list_printers=calls.list_printers
    )
    qtbot.addWidget(dialog)
    return dialog, calls


def test_round_trip_without_changes_keeps_values_and_token(qtbot):
    dialog, calls = make_dialog(qtbot)
    assert dialog.token.text() == ""
    assert "token stored" in dialog.token.placeholderText()
    assert dialog.token.echoMode() == QLineEdit.EchoMode.Password
    dialog.save()
    assert dialog.result() == dialog.DialogCode.Accepted
    values, token = calls.saved[0]
    assert token is None
    expected = {k: v for k, v in SNAPSHOT.items() if k != "token_stored"}
    assert values == expected


def test_edits_reach_on_save_and_the_new_token_is_passed_separately(qtbot):
    dialog, calls = make_dialog(qtbot)
    dialog.environment.setCurrentIndex(0)  # production
    dialog.site_id.setText(" site-9 ")
    dialog.token.setText("c2VjcmV0LXRva2Vu")
    dialog.packer.setText("Bo")
    dialog.sounds.setChecked(False)
    dialog.auto_close.setChecked(False)
    dialog.printer_list.setCurrentIndex(1)
    dialog.printer_list.activated.emit(1)
    dialog.save()
    values, token = calls.saved[0]
    assert token == "c2VjcmV0LXRva2Vu"
    assert "c2VjcmV0LXRva2Vu" not in repr(values)
    assert values["api_url"] == "https://api.ingrid.com"
    assert values["site_id"] == "site-9"
    assert values["printer"] == "usb:0x0a5f:0x0164"
    assert values["packer"] == "Bo"
    assert values["sounds"] is False
    assert values["auto_close_last_box"] is False
    assert dialog.token.text() == ""  # not left in the widget


def test_custom_url_and_box_type_edits(qtbot):
    dialog, calls = make_dialog(qtbot, {**SNAPSHOT, "api_url": "http://127.0.0.1:8765"})
    assert dialog.environment.currentText() == "Custom URL"
    assert dialog.custom_url.text() == "http://127.0.0.1:8765"
    dialog.box_table.selectRow(0)
    dialog._remove_selected_boxes()
    dialog._add_box_row({"code": "L", "name": "Large", "length_mm": 400, "width_mm": 300, "height_mm": 200})
    dialog.save()
    values, _token = calls.saved[0]
    assert values["api_url"] == "http://127.0.0.1:8765"
    assert [box["code"] for box in values["box_types"]] == ["M", "L"]


@pytest.mark.parametrize(
    ("row", "error"),
    [
        (["", "Nameless", "1", "1", "1"], "needs a code"),
        (["X", "Bad", "10", "zero", "5"], "Width mm must be a whole number above 0"),
        (["M", "Medium again", "1", "1", "1"], "listed twice"),
    ],
)
def test_bad_box_types_are_explained_and_nothing_is_saved(qtbot, row, error):
    dialog, calls = make_dialog(qtbot)
    dialog._add_box_row(dict(zip(("code", "name", "length_mm", "width_mm", "height_mm"), row, strict=True)))
    dialog.save()
    assert calls.saved == []
    assert error in dialog.error_label.text()
    assert dialog.result() != dialog.DialogCode.Accepted


def test_on_save_refusal_is_shown(qtbot):
    calls = Calls()

    def refuse(values, token):
        raise ValueError("Site id site-9 is not known to Ingrid.")

    calls.on_save = refuse
    dialog, _ = make_dialog(qtbot, calls=calls)
    dialog.save()
    assert dialog.error_label.text() == "Site id site-9 is not known to Ingrid."


def test_test_print_button_calls_back_with_the_uri_and_shows_the_result(qtbot):
    dialog, calls = make_dialog(qtbot)
    qtbot.mouseClick(dialog.test_print_button, Qt.MouseButton.LeftButton)
    assert calls.test_prints == ["tcp://10.0.0.7:9100"]
    assert dialog.test_print_result.text() == "Test label printed."
    assert dialog.test_print_result.property("state") == "ok"


def test_test_print_result_can_arrive_later_and_failures_are_words(qtbot):
    dialog, _calls = make_dialog(qtbot, calls=Calls(test_print_result=None))
    dialog.test_print()
    assert dialog.test_print_result.text() == "Sending a test label…"
    dialog.show_test_print_result(False, "Printer out of paper: load a new roll.")
    assert dialog.test_print_result.property("state") == "bad"
    dialog.printer_uri.setText("")
    dialog.test_print()
    assert dialog.test_print_result.text() == "Enter or choose a printer first."


def test_printer_list_failure_does_not_break_the_dialog(qtbot):
    calls = Calls()

    def broken():
        raise OSError("USB access denied")

    dialog = SettingsDialog(
        SNAPSHOT, on_save=calls.on_save, on_test_print=calls.on_test_print, list_printers=broken
    )
    qtbot.addWidget(dialog)
    assert "USB access denied" in dialog.printer_list.itemText(0)


def test_no_token_stored_says_so(qtbot):
    dialog, _ = make_dialog(qtbot, {**SNAPSHOT, "token_stored": False})
    assert "no token stored" in dialog.token.placeholderText()


def test_a_token_from_the_environment_says_so_and_nothing_of_it(qtbot):
    dialog, _ = make_dialog(qtbot, {**SNAPSHOT, "token_source": "environment"})
    words = dialog.token.placeholderText()
    assert words.startswith("token from PACKSTATION_API_TOKEN") and "no token" not in words


def shown_dialog(qtbot, snapshot=SNAPSHOT):
    dialog, calls = make_dialog(qtbot, snapshot)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    return dialog, calls


def type_into(qtbot, widget, text):
    """A person typing: focus the field, then key by key (slowly enough to be no scan)."""
    widget.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget)
    widget.selectAll()
    qtbot.keyClicks(widget, text)


def test_enter_in_a_field_saves_what_was_typed(qtbot):
    dialog, calls = shown_dialog(qtbot)
    type_into(qtbot, dialog.site_id, "site-12")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert [values["site_id"] for values, _token in calls.saved] == ["site-12"]
    assert dialog.result() == dialog.DialogCode.Accepted and not dialog.isVisible()


def test_esc_cancels_and_saves_nothing(qtbot):
    dialog, calls = shown_dialog(qtbot)
    type_into(qtbot, dialog.site_id, "site-12")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
    assert calls.saved == []
    assert dialog.result() == dialog.DialogCode.Rejected and not dialog.isVisible()


def test_enter_with_a_value_the_model_refuses_keeps_the_dialog_open_and_says_why(qtbot):
    dialog, calls = shown_dialog(qtbot)
    dialog.tabs.setCurrentIndex(3)
    type_into(qtbot, dialog.scale_ids, "zz")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Enter)
    assert calls.saved == [] and dialog.isVisible()
    assert "hex numbers" in dialog.error_label.text()


@pytest.mark.parametrize("size", [(1920, 1080), (1366, 768)])
def test_the_dialog_fits_the_screen_with_save_and_cancel_in_sight(qtbot, size, screenshot_dir):
    from PySide6.QtCore import QRect

    width, height = size
    dialog, _calls = shown_dialog(qtbot)
    # The offscreen screen is smaller than a bench monitor: the dialog sizes itself for the size under
    # test, as it does for the real screen when it opens (a 40 px task bar below).
    dialog.fit_to(width, height - 40)
    assert dialog.minimumSizeHint().height() <= height - 100
    qtbot.waitUntil(lambda: dialog.height() <= height - 100 and dialog.width() <= width - 40)
    frame = QRect(0, 0, dialog.width(), dialog.height())
    for button in dialog.buttons.buttons():
        corner = button.mapTo(dialog, button.rect().bottomRight())
        assert frame.contains(corner), f"{button.text()} is outside the dialog"
    for index in range(dialog.tabs.count()):
        dialog.tabs.setCurrentIndex(index)
        qtbot.wait(10)  # the tab's layout runs before it is drawn
        dialog.grab().save(str(screenshot_dir / f"settings-{width}x{height}-tab{index + 1}.png"))


def test_shift_settings_reach_on_save(qtbot):
    dialog, calls = make_dialog(qtbot)
    assert dialog.scale.currentData() == "usb" and dialog.scale_ids.text() == "0922:8003"
    assert dialog.print_slip.isChecked() and dialog.publish_event.isChecked()
    dialog.scale.setCurrentIndex(dialog.scale.findData("manual"))
    assert not dialog.scale_ids.isEnabled() and not dialog.manual_weight.isEnabled()
    dialog.require_weight.setChecked(False)
    dialog.print_slip.setChecked(False)
    dialog.receipt_printer.setText(" file:/tmp/receipt.bin ")
    dialog.publish_event.setChecked(False)
    dialog.save()
    values, _ = calls.saved[-1]
    assert (values["scale"], values["require_weight"], values["manual_weight"]) == ("manual", False, False)
    assert (values["print_packing_slip"], values["receipt_printer"]) == (False, "file:/tmp/receipt.bin")
    assert (values["publish_packed_event"], values["custom_event_type_id"]) == (False, "packed-at-bench")


def test_no_scale_and_any_usb_scale(qtbot):
    dialog, calls = make_dialog(qtbot, snapshot={**SNAPSHOT, "scale": ""})
    assert dialog.scale.currentData() == "" and not dialog.require_weight.isEnabled()
    dialog.save()
    assert calls.saved[-1][0]["scale"] == ""
    dialog, calls = make_dialog(qtbot, snapshot={**SNAPSHOT, "scale": "usb"})
    dialog.save()
    assert calls.saved[-1][0]["scale"] == "usb"


def test_scanner_is_keyboard_wedge_or_a_serial_port(qtbot):
    dialog, calls = make_dialog(qtbot)
    assert dialog.scanner.currentData() == "serial"
    assert dialog.scanner_port.text() == "/dev/ttyACM0?baud=19200" and dialog.scanner_port.isEnabled()
    dialog.scanner.setCurrentIndex(dialog.scanner.findData("wedge"))
    assert not dialog.scanner_port.isEnabled()
    dialog.save()
    assert calls.saved[-1][0]["scanner"] == "wedge"

    dialog, calls = make_dialog(qtbot, snapshot={k: v for k, v in SNAPSHOT.items() if k != "scanner"})
    assert dialog.scanner.currentData() == "wedge" and not dialog.scanner_port.isEnabled()
    dialog.scanner.setCurrentIndex(dialog.scanner.findData("serial"))
    dialog.scanner_port.setText(" serial:COM3 ")  # the whole setting pasted in is fine too
    dialog.save()
    assert calls.saved[-1][0]["scanner"] == "serial:COM3"


@pytest.mark.parametrize(
    ("field", "text", "words"),
    [
        ("scale_ids", "dymo", "hex numbers"),
        ("event_type", "  ", "custom event type id"),
        ("scanner_port", "  ", "serial scanner's port"),
    ],
)
def test_bad_shift_settings_are_refused_in_words(qtbot, field, text, words):
    dialog, calls = make_dialog(qtbot)
    getattr(dialog, field).setText(text)
    dialog.save()
    assert calls.saved == [] and words in dialog.error_label.text()


def test_demo_says_up_front_that_nothing_is_saved_and_saves_nothing(qtbot):
    calls = Calls()
    dialog = SettingsDialog(
        SNAPSHOT,
        on_save=calls.on_save,
        on_test_print=calls.on_test_print,
        list_printers=calls.list_printers,
        demo=True,
    )
    qtbot.addWidget(dialog)
    assert "demo" in dialog.demo_label.text() and "not saved" in dialog.demo_label.text()
    dialog.save()
    assert calls.saved == [] and dialog.result() == 0
    assert dialog.error_label.text() == SettingsDialog.demo_notice()


@pytest.mark.parametrize(("button", "restarts"), [("Restart now", True), ("Later", False)])
def test_after_a_save_the_packer_chooses_restart_now_or_later(qtbot, button, restarts):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from packstation.gui.settings_dialog import confirm_restart

    seen = {}

    def answer():
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox) and box.objectName() == "restartQuestion"
        seen["text"] = box.text()
        seen["default"] = box.defaultButton().text()
        next(b for b in box.buttons() if b.text() == button).click()

    QTimer.singleShot(0, answer)
    assert confirm_restart(None) is restarts
    assert "take effect when packstation restarts" in seen["text"]
    assert seen["default"] == "Later"  # a stray Enter from a scanner does not restart the bench


@pytest.mark.parametrize(
    ("field", "text", "words"),
    [
        ("printer_uri", "lpt1", "Printer URI: unknown printer URI 'lpt1'"),
        ("receipt_printer", "tcp://host:99999", "Receipt printer URI: bad network printer URI"),
        (
            "document_printer",
            "tcp://10.0.0.9",
            "Document printer: the document printer 'tcp://10.0.0.9' must be",
        ),
    ],
)
def test_a_printer_uri_the_station_cannot_use_is_refused_with_the_models_words(qtbot, field, text, words):
    dialog, calls = make_dialog(qtbot)
    getattr(dialog, field).setText(text)
    dialog.save()
    assert calls.saved == [] and words in dialog.error_label.text()
