"""Shape rules a type checker or a grep keeps: tools do not lean on test helpers; widgets do not redefine
QWidget methods with unrelated meanings."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("path", sorted((ROOT / "tools").glob("*.py")), ids=lambda p: p.name)
def test_tools_do_not_import_test_helpers(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = [
        alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    ] + [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert not [name for name in imported if name == "tests" or name.startswith("tests.")]


@pytest.mark.gui
def test_no_widget_redefines_qwidget_render_or_scroll():
    # Nine widgets used to define render(view): QWidget.render(target) paints a widget into a device,
    # and Qt (grab, printing, styles) may call it. Their drawing methods are render_view now.
    from PySide6.QtWidgets import QWidget

    import packstation.gui

    offenders = []
    for info in pkgutil.iter_modules(packstation.gui.__path__):
        module = importlib.import_module(f"packstation.gui.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, QWidget) and cls.__module__ == module.__name__:
                offenders += [f"{cls.__name__}.{name}" for name in ("render", "scroll") if name in vars(cls)]
    assert offenders == []
