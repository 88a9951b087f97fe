"""Where translations live and which languages exist: the bundled ``resources/translations`` folder and
the user's own ``<config dir>/translations`` folder, where a new language is added by dropping in
``domain_<code>.json`` (the feedback sentences, see ``domain.i18n``) and/or ``packstation_<code>.qm``
(the window's words, compiled with pyside6-lrelease). A file in the user's folder wins over the bundled
one. English is built in and always available.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import platformdirs

from packstation.domain import i18n

log = logging.getLogger(__name__)

APP_NAME = "packstation"
ENGLISH = ("en", "English")
LANGUAGE_NAMES = {"sv": "Svenska", "nb": "Norsk bokmål", "nn": "Norsk nynorsk", "da": "Dansk", "fi": "Suomi"}


def bundled_dir() -> Path:
    bundle = getattr(sys, "_MEIPASS", None)
    root = Path(bundle) if bundle else Path(__file__).resolve().parents[2]
    return root / "resources" / "translations"


def translation_dirs() -> list[Path]:
    """Search order: the user's folder first (drop-ins, overrides), then the bundled one."""
    return [Path(platformdirs.user_config_dir(APP_NAME)) / "translations", bundled_dir()]


def _find(name: str, dirs: list[Path]) -> Path | None:
    return next((d / name for d in dirs if (d / name).is_file()), None)


def available_languages(dirs: list[Path] | None = None) -> list[tuple[str, str]]:
    """(code, name) of English and of every language with a domain catalogue or a Qt translation."""
    dirs = translation_dirs() if dirs is None else dirs
    codes: dict[str, str] = {}
    for folder in dirs:
        for pattern, prefix in (("domain_*.json", "domain_"), ("packstation_*.qm", "packstation_")):
            for path in sorted(folder.glob(pattern)) if folder.is_dir() else ():
                code = path.stem.removeprefix(prefix)
                codes.setdefault(code, LANGUAGE_NAMES.get(code, code))
    codes.pop("en", None)
    return [ENGLISH, *sorted(codes.items(), key=lambda kv: kv[1].lower())]


def load_domain_language(code: str, dirs: list[Path] | None = None) -> bool:
    """Make the domain speak ``code``. False (and English) if there is no readable catalogue for it."""
    dirs = translation_dirs() if dirs is None else dirs
    if not code or code == "en":
        i18n.set_language("en")
        return True
    path = _find(f"domain_{code}.json", dirs)
    if path is None:
        log.warning("No translation for language %r; using English", code)
        i18n.set_language("en")
        return False
    try:
        _, _, messages = i18n.parse_catalogue(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, i18n.CatalogueError) as exc:
        log.warning("Translation file %s not used (%s); using English", path, exc)
        i18n.set_language("en")
        return False
    i18n.set_language(code, messages)
    return True


def qt_translation_file(code: str, dirs: list[Path] | None = None) -> Path | None:
    """The compiled Qt translation of the window's words for ``code``, if any."""
    if not code or code == "en":
        return None
    return _find(f"packstation_{code}.qm", translation_dirs() if dirs is None else dirs)
