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


# Frozen dataclasses kept on purpose although their fields would fit a Struct: the SOM API models and
# the packing order, which tests and tools copy with dataclasses.replace (docs/ARCHITECTURE.md, Start-up).
DATACLASSES_KEPT = ("packstation.domain.models", "packstation.domain.packing_order")


def test_frozen_value_types_are_structs_unless_a_field_needs_a_dataclass():
    # A frozen dataclass costs ~0.4 ms to define on Python 3.11 (each generated method is compiled by its
    # own exec), a msgspec Struct ~0.01 ms, and ~100 of them are defined before the first paint.
    import dataclasses

    import packstation.adapters
    import packstation.domain
    import packstation.services

    def needs_a_dataclass(cls: type) -> bool:
        fields = dataclasses.fields(cls)
        return any(
            not (f.init and f.repr and f.compare and f.hash is None and not f.metadata) for f in fields
        ) or any(dataclasses.is_dataclass(base) for base in cls.__mro__[1:])

    offenders = []
    for package in (packstation.domain, packstation.adapters, packstation.services):
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if info.name.startswith(DATACLASSES_KEPT):
                continue
            module = importlib.import_module(info.name)
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if cls.__module__ != module.__name__ or not dataclasses.is_dataclass(cls):
                    continue
                if cls.__dataclass_params__.frozen and not needs_a_dataclass(cls):  # type: ignore[attr-defined]
                    offenders.append(f"{info.name}.{cls.__name__}")
    assert offenders == []
