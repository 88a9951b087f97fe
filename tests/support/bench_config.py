"""The configuration of a test bench pointed at a loopback emulator: one place, so each test says only
what it changes (a scale, a receipt printer, a packed event)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from packstation.adapters.config import Config


def bench_config(tmp_path: Path, emulator: Any, **changes: Any) -> Config:
    """A station on ``emulator`` printing labels into ``tmp_path/printer.bin``, data in ``tmp_path/data``."""
    values: dict[str, Any] = {
        "api_url": emulator.base_url,
        "site_id": emulator.site_id,
        "printer": f"file:{tmp_path / 'printer.bin'}",
        "data_dir": tmp_path / "data",
        "packer": "Tester",
        "station_id": "bench-1",
    }
    values.update(changes)
    return Config(**values)
