"""Runs ``startup.py`` once as a test (one cold and one warm start of each variant): correctness only,
no time is asserted. The figures come from the script (see its docstring and the README)."""

from __future__ import annotations

import argparse
import math

import pytest

from tests.benchmarks import startup


@pytest.mark.benchmark
@pytest.mark.slow
def test_start_up_benchmark_times_the_app_and_the_bare_window(tmp_path):
    args = argparse.Namespace(base=None, frozen=False, frozen_base=None, runs=1)
    rows = startup.measure(args, tmp_path)
    assert [row["name"] for row in rows] == ["bare PySide6 window", "packstation (source)"]
    for row in rows:
        (paint,), (exited,), (cpu,) = row["paint"], row["exit"], row["cpu"]
        assert not math.isnan(paint), f"{row['name']} never reported its first paint"
        assert 0 < paint < exited, row
        assert math.isnan(cpu) or cpu > 0, row  # NaN where the OS cannot say (Windows)
    assert "x bare" in startup.table(rows, 1)


@pytest.mark.benchmark
@pytest.mark.slow
def test_the_import_profile_lists_the_apps_top_imports(tmp_path):
    profile = startup.import_profile(tmp_path, 5)
    lines = profile.splitlines()
    assert len(lines) == 6 and lines[0].startswith("top-level imports")
    assert all(line.strip().split()[1] == "ms" for line in lines[1:])
