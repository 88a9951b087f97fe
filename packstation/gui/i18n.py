"""Install the window's translation (a compiled ``packstation_<code>.qm``) and Qt's own (standard buttons,
file dialogs) on the application. Which file to use is decided outside the GUI
(``adapters.translations``); this only hands it to Qt."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

_installed: list[QTranslator] = []


def install_translation(app: QCoreApplication, code: str, qm_file: str | None) -> bool:
    """Replace any earlier packstation translation with ``qm_file`` (None: English). True if loaded."""
    for translator in _installed:
        app.removeTranslator(translator)
    _installed.clear()
    if not qm_file:
        return False
    QLocale.setDefault(QLocale(code))
    qt_own = QTranslator(app)
    if qt_own.load(f"qtbase_{code}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt_own)
        _installed.append(qt_own)
    ours = QTranslator(app)
    if not ours.load(qm_file):
        return False
    app.installTranslator(ours)
    _installed.append(ours)
    return True
