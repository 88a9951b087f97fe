"""Installer inputs that need no build: the Windows version resource generated from the package version,
and the sample site file shipped in the .deb (it must load cleanly, with no warning)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from packstation import __version__
from packstation.adapters.config import load_effective

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools"))
from build_version_info import numeric_version, version_info_text, write_version_file  # noqa: E402


class _Recorded:
    """Stands in for each class of PyInstaller's versioninfo module (which imports only on Windows):
    the file is evaluated the same way PyInstaller evaluates it, and the arguments are kept."""

    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs


def _evaluate(text: str) -> _Recorded:
    names = ("VSVersionInfo", "FixedFileInfo", "StringFileInfo", "StringTable", "StringStruct")
    namespace = {name: type(name, (_Recorded,), {}) for name in (*names, "VarFileInfo", "VarStruct")}
    return eval(text, namespace)


def test_the_windows_version_resource_carries_the_package_version(tmp_path):
    path = write_version_file(__version__, tmp_path, exe_name="packstation-cli.exe")
    info = _evaluate(path.read_text(encoding="utf-8"))
    fixed = info.kwargs["ffi"].kwargs
    assert fixed["filevers"] == fixed["prodvers"] == numeric_version(__version__)
    table = info.kwargs["kids"][0].args[0][0]
    strings = dict(struct.args for struct in table.args[1])
    assert strings["FileVersion"] == strings["ProductVersion"] == __version__
    assert strings["OriginalFilename"] == "packstation-cli.exe"


@pytest.mark.parametrize(
    ("version", "numbers"), [("1.4.2", (1, 4, 2, 0)), ("2.0rc1", (2, 0, 0, 0)), ("3", (3, 0, 0, 0))]
)
def test_windows_version_numbers(version, numbers):
    assert numeric_version(version) == numbers


@pytest.mark.parametrize("bad", ["", "latest", "1.70000"])
def test_a_version_windows_cannot_hold_is_refused(bad):
    with pytest.raises(ValueError):
        version_info_text(bad)


def test_the_sample_site_file_loads_without_any_warning(tmp_path):
    site = REPO / "resources" / "debian" / "site.json.example"
    effective = load_effective(
        {"station_id": "bench-08"}, environ={}, path=tmp_path / "none.json", site_path=site
    )
    assert effective.notes == ()
    assert effective.config.printer == "tcp://10.0.4.18:9100?lang=zpl&dpi=203"
    assert effective.origins["printer"] == f"site file {site} [benches.bench-08]"
