"""The window in Swedish: the compiled Qt translation for its own words, the domain catalogue for the
packer's feedback. Writes docs/screenshots/swedish.png."""

from __future__ import annotations

import pytest

from packstation.adapters.translations import available_languages, load_domain_language, qt_translation_file
from packstation.domain.i18n import set_language
from packstation.gui.bridge import StationBridge
from packstation.gui.end_of_day_dialog import EndOfDayDialog
from packstation.gui.feedback import NullSoundPlayer
from packstation.gui.i18n import install_translation
from packstation.gui.main_window import MainWindow
from packstation.gui.settings_dialog import SettingsDialog
from tests.unit.station_bench import Bench

pytestmark = pytest.mark.gui


@pytest.fixture
def swedish(qapp):
    assert load_domain_language("sv")
    qm = qt_translation_file("sv")
    assert qm is not None and install_translation(qapp, "sv", str(qm))
    yield
    install_translation(qapp, "en", None)
    set_language("en")


def test_window_and_feedback_in_swedish(qtbot, controller, swedish, screenshot_dir):
    window = MainWindow(
        controller,
        StationBridge(),
        sounds=NullSoundPlayer(),
        actions=[("End of day", "Ctrl+E", lambda: None), ("Packer stats", "Ctrl+T", lambda: None)],
        settings_opener=lambda: None,
        flash_ms=1,
    )
    qtbot.addWidget(window)
    assert window.manual_entry.placeholderText() == "order, vara eller kommando, sedan Enter  (Ctrl+L)"
    assert [b.text() for b in window.action_buttons] == ["Dagsavslut", "Packarstatistik"]
    assert window.header.settings_button.text() == "Inställningar"
    bench = Bench.make()
    bench.scans("ORD-1", "SKU-A", "SKU-A", "SKU-A")
    assert "För många: SKU-A name (SKU-A) ska ha 2" in bench.message
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    window.render_view(bench.view)
    qtbot.wait(50)  # the red flash is over
    assert window.lines_table.horizontalHeaderItem(2).text() == "Kvar"
    assert window.label_preview.title.text() == "Senaste etikett"
    assert window.grab().save(str(screenshot_dir / "swedish.png"))


def test_settings_offers_the_languages_and_saves_the_choice(qtbot, swedish):
    saved = []
    dialog = SettingsDialog(
        {"api_url": "https://api-stage.ingrid.com", "language": "sv"},
        on_save=lambda values, token: saved.append(values),
        on_test_print=lambda uri, role: None,
        list_printers=lambda: [],
        languages=available_languages(),
    )
    qtbot.addWidget(dialog)
    assert dialog.language.currentText() == "Svenska"
    assert [dialog.language.itemText(i) for i in range(dialog.language.count())][:2] == ["English", "Svenska"]
    dialog.language.setCurrentIndex(0)
    dialog.save()
    assert saved[0]["language"] == "en"


def test_end_of_day_dialog_in_swedish(qtbot, swedish):
    from packstation.domain.end_of_day import PickupProgress

    class Service:
        def progress(self):
            return PickupProgress("run-1", 4, 1)

        def candidates(self):
            return 0

    dialog = EndOfDayDialog(Service(), poll_ms=10_000)
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "Dagsavslut"
    assert dialog.progress_bar.text() == "1 av 4 upphämtningar bokade"
    assert dialog.print_button.text() == "Skriv ut lista" and not dialog.print_button.isEnabled()
