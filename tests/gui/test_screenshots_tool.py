"""tools/screenshots.py renders the five README screenshots of the real window."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

pytestmark = pytest.mark.gui

TOOL = Path(__file__).resolve().parents[2] / "tools" / "screenshots.py"


def test_screenshot_tool_writes_every_state(qapp, tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("screenshots_tool", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--out", str(tmp_path), "--size", "1280x800"]) == 0
    names = sorted(path.name for path in tmp_path.glob("*.png"))
    assert names == ["empty.png", "error.png", "multibox-complete.png", "offline.png", "packing.png"]
    error = QImage(str(tmp_path / "error.png"))
    assert (error.width(), error.height()) == (1280, 800)
    # The error state shows a red banner: a pixel inside it is clearly red.
    pixel = error.pixelColor(640, 120)
    assert pixel.red() > 150 and pixel.green() < 80 and pixel.blue() < 80
