"""Fakes shared by the GUI tests: a controller that records scans, a clock tests move by hand."""

from __future__ import annotations

import pytest


class FakeController:
    """The window's only collaborator: it records scans and has nothing else to call."""

    def __init__(self) -> None:
        self.scans: list[str] = []

    def submit_scan(self, raw: str) -> None:
        self.scans.append(raw)


class FakeClock:
    def __init__(self, start: float = 1_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, ms: float) -> None:
        self.now += ms


@pytest.fixture
def controller() -> FakeController:
    return FakeController()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def screenshot_dir(tmp_path):
    """Where GUI tests save the pictures they look at: a temporary folder, so a test run never changes
    the repository. ``PACKSTATION_SCREENSHOTS=1`` writes them into docs/screenshots for the README."""
    import os
    from pathlib import Path

    if os.environ.get("PACKSTATION_SCREENSHOTS") == "1":
        folder = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    return tmp_path
